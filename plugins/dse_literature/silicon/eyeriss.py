"""Eyeriss's chip power layer by layer, and the two-factor fit on VGG-16's thirteen layers.

Chen et al. (IEEE JSSC 2017, Tables V and VI) measured every conv layer's chip power and
latency. dse's power for a layer is P = k·D + B + L·S (mW): D the dynamic power of dse's
per-action energies at k = 1 (the layer's energy per frame x the batch / its measured
latency), B any part given in pJ (none on this backend), S the technology's static power
over dse's area at leak_k = 1. Eyeriss draws 218-278 mW on every layer, however few MACs a
second it does (VGG-16's early layers run at a third of the utilisation of its late ones),
so most of its power is paid per second, not per action: leak_k carries that fixed power
(clock network, control, buffers kept busy while the array ramps up). Both factors enter
linearly, so the fit is a 2x2 least squares on relative errors. Fitted on VGG-16 alone;
AlexNet's five layers and its total are the checks (docs/silicon.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dse import Plugins, Workload
from dse_literature.silicon.chips import EYERISS
from dse_literature.silicon.measure import cost, dynamic_energy_pj
from dse_literature.silicon.networks import EyerissLayer


@dataclass(frozen=True)
class LayerTerms:
    """One layer's power terms (mW): P(k, L) = k·dynamic + fixed_pj_part + L·static."""

    dynamic: float
    fixed_pj_part: float
    static: float
    latency_ms: float

    def power_mw(self, k: float, leak_k: float) -> float:
        return k * self.dynamic + self.fixed_pj_part + leak_k * self.static


def layer_terms(plugins: Plugins, workload: Workload, table: Sequence[EyerissLayer], batch: int) -> list[LayerTerms]:
    """Each conv layer's terms at the latency Eyeriss measured for it (``batch`` frames per latency)."""
    def dynamic_per_layer(k: float) -> list[float]:
        c = cost(plugins, EYERISS.architecture(k, 1.0), workload)
        return [dynamic_energy_pj(layer) for layer in c.layers if layer.kind == "conv2d"]

    one, two = dynamic_per_layer(1.0), dynamic_per_layer(2.0)
    arch = EYERISS.architecture(1.0, 1.0)
    static = plugins.technology(arch.technology).leakage_mw_per_mm2 * cost(plugins, arch, workload).area_mm2
    assert len(one) == len(table), "one measured row per conv layer"
    terms = []
    for e1, e2, row in zip(one, two, table, strict=True):
        to_mw = batch / (row.latency_ms * 1e-3) * 1e-9  # pJ per frame -> mW at the measured rate
        terms.append(LayerTerms((e2 - e1) * to_mw, (2 * e1 - e2) * to_mw, static, row.latency_ms))
    return terms


def network_power_mw(terms: Sequence[LayerTerms], k: float, leak_k: float) -> float:
    """The chip's power over the whole network (mW): the layers' powers weighted by their measured latencies."""
    return sum(t.power_mw(k, leak_k) * t.latency_ms for t in terms) / sum(t.latency_ms for t in terms)


def fit(terms: Sequence[LayerTerms], published_mw: Sequence[float]) -> tuple[float, float]:
    """(k, leak_k) minimising the squared relative errors of the layers' powers against ``published_mw``."""
    # Rows x = (D/P, S/P), target y = 1 - B/P; normal equations of a two-column least squares.
    sxx = sxy = syy = sxt = syt = 0.0
    for t, p in zip(terms, published_mw, strict=True):
        x, y, target = t.dynamic / p, t.static / p, 1.0 - t.fixed_pj_part / p
        sxx, sxy, syy, sxt, syt = sxx + x * x, sxy + x * y, syy + y * y, sxt + x * target, syt + y * target
    det = sxx * syy - sxy * sxy
    return (sxt * syy - syt * sxy) / det, (syt * sxx - sxt * sxy) / det
