"""ANN versus SNN (versus hybrid): energy over a grid of spike density and time steps.

The ANN runs once per inference at the workload's own activation densities (d_ANN, as
declared or measured). The SNN (and a hybrid, if given) runs at every spike density d of
the grid (every layer's input density set to d) and every T. The energy ratio
E_SNN(T, d) / E_ANN tells which chip wins; the break-even spike density d*(T) is where it
crosses 1. The seed paper's rule (ottati2023.md) is T · d* ≈ 1.83 · d_ANN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from dse.errors import DseInputError
from dse.evaluation.evaluate import Design, evaluate
from dse.schema.workload import Workload


@dataclass(frozen=True)
class BreakEven:
    """Where the SNN's energy equals the ANN's, for one T."""

    timesteps: int
    density: float | None  # None: the SNN wins (or loses) over the whole density range
    snn_wins_below: bool  # True when the SNN costs less than the ANN for d < density


def parse_density_grid(text: str) -> np.ndarray:
    """``LO:HI:N`` → N densities from LO to HI inclusive (LO, HI in [0, 1], N ≥ 2).

    Log-spaced when LO > 0 (the crossover is read on log axes), linear from LO = 0.
    """
    try:
        lo_text, hi_text, n_text = text.split(":")
        lo, hi, n = float(lo_text), float(hi_text), int(n_text)
    except ValueError:
        raise DseInputError(f"--density: expected LO:HI:N such as 0.01:0.5:50, got '{text}'") from None
    if n < 2 or not (0.0 <= lo < hi <= 1.0):
        raise DseInputError(f"--density: need 0 <= LO < HI <= 1 and N >= 2, got '{text}'")
    return np.geomspace(lo, hi, n) if lo > 0 else np.linspace(lo, hi, n)


def parse_timesteps(text: str) -> tuple[int, ...]:
    """``1,2,4,8`` → (1, 2, 4, 8); every entry ≥ 1."""
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise DseInputError(f"--timesteps: expected integers such as 1,2,4,8, got '{text}'") from None
    if not values or min(values) < 1:
        raise DseInputError(f"--timesteps: every value must be >= 1, got '{text}'")
    return values


def at_spike_density(workload: Workload, density: float, timesteps: int) -> Workload:
    """``workload`` with every layer's input (and output) density set to ``density`` and T steps."""
    densities = {layer.name: (density, density) for layer in workload.layers}
    return workload.with_knobs(timesteps=timesteps, densities=densities)


def compare_grid(
    workload: Workload,
    ann: Design,
    snn: Design,
    hybrid: Design | None,
    densities: Sequence[float],
    timesteps: Sequence[int],
) -> tuple[pl.DataFrame, float, float]:
    """Energy and latency of every engine on the grid; also the ANN's energy (pJ) and latency (s).

    Rows: engine, timesteps, spike_density, energy_pj, latency_s, energy_ratio (to the ANN).
    """
    ann_cost = evaluate(workload.with_knobs(timesteps=1), ann, "--ann")
    rows = [{"engine": "ann", "timesteps": 1, "spike_density": float("nan"), "energy_pj": ann_cost.energy_pj,
             "latency_s": ann_cost.latency_s, "energy_ratio": 1.0}]
    engines = [("snn", snn)] + ([("hybrid", hybrid)] if hybrid is not None else [])
    for t in timesteps:
        for d in densities:
            point = at_spike_density(workload, float(d), t)
            for engine, design in engines:
                c = evaluate(point, design, f"--{engine}")
                rows.append({"engine": engine, "timesteps": t, "spike_density": float(d), "energy_pj": c.energy_pj,
                             "latency_s": c.latency_s, "energy_ratio": c.energy_pj / ann_cost.energy_pj})
    return pl.DataFrame(rows), ann_cost.energy_pj, ann_cost.latency_s


def break_even(workload: Workload, snn: Design, target_pj: float, timesteps: int, source: str = "--snn",
               lo: float = 0.0, hi: float = 1.0, iterations: int = 50) -> BreakEven:
    """Bisect the spike density at which the SNN's (or a hybrid's) energy equals ``target_pj``.

    SNN energy never decreases with spike density (a tested property of every SNN backend;
    a hybrid's SNN engine sees the density, its ANN engine the same activation density), so
    the crossing, if any, is unique. ``source`` names the design in errors (``--hybrid``).
    """
    def energy(d: float) -> float:
        return evaluate(at_spike_density(workload, d, timesteps), snn, source).energy_pj

    e_lo, e_hi = energy(lo), energy(hi)
    if e_lo >= target_pj:
        return BreakEven(timesteps, None, snn_wins_below=False)
    if e_hi <= target_pj:
        return BreakEven(timesteps, None, snn_wins_below=True)
    for _ in range(iterations):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if energy(mid) < target_pj else (lo, mid)
    return BreakEven(timesteps, (lo + hi) / 2, snn_wins_below=True)


def mean_ann_density(workload: Workload) -> float:
    """The workload's activation density, weighted by each layer's synapses (d_ANN of the rule)."""
    weights = [(layer.connections, layer.input_density) for layer in workload.layers if layer.connections]
    total = sum(w for w, _ in weights)
    return sum(w * d for w, d in weights) / total if total else 0.0
