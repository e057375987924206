"""A chip's technology: horowitz45 moved to the chip's node, its energies times a fitted factor.

The factor ``k`` multiplies every on-chip energy (adds, multiplies, SRAM bits, registers) and,
unless a chip fits its own ``leak_k`` on a published idle power, the static power density
too: one number for how far a chip's circuits sit from Horowitz's 45 nm at nominal voltage
after node scaling (supply voltage scales both; asynchronous handshakes, control and clock
overheads raise the dynamic part only, hence Loihi's own leak_k). DRAM is off chip and left alone, and backends add
a few energies given in pJ (a mesh hop), so a cost is affine in ``k``: E(k) = k·A + B. That
makes every fit exact and cheap (two evaluations, :func:`affine_in_k`).
"""

from __future__ import annotations

from collections.abc import Callable

from dse import Technology, scale_technology
from dse_literature.technologies import HOROWITZ45


def chip_technology(chip: str, node_nm: float, k: float = 1.0, fitted_on: str = "",
                    leak_k: float | None = None) -> Technology:
    """horowitz45 at ``node_nm`` (Stillmaker & Baas) with on-chip energies × ``k`` and leakage × ``leak_k``
    (default: ``k`` too); both dimensionless."""
    base = scale_technology(HOROWITZ45, node_nm)
    leak = k if leak_k is None else leak_k
    tag = "" if k == 1.0 and leak == 1.0 else f"x{k:.4g}" + ("" if leak == k else f"-leak{leak:.4g}")
    return base.model_copy(update={
        "name": f"{chip}-{node_nm:g}nm{tag}",
        "add_pj": {b: e * k for b, e in base.add_pj.items()},
        "mul_pj": {b: e * k for b, e in base.mul_pj.items()},
        "sram_read_pj_per_bit": {s: e * k for s, e in base.sram_read_pj_per_bit.items()},
        "register_pj_per_bit": base.register_pj_per_bit * k,
        "leakage_mw_per_mm2": base.leakage_mw_per_mm2 * leak,
        "sources": {**base.sources, "calibration": (
            f"on-chip energies x {k:.4g} and leakage x {leak:.4g}, fitted on {fitted_on} (docs/silicon.md)"
            if tag else "no fitted factor: the physical model as scaled")},
    })


def affine_in_k(quantity: Callable[[float], float]) -> tuple[float, float]:
    """(A, B) with quantity(k) = k·A + B, from quantity(1) and quantity(2) (k = 0 has no log-log SRAM table)."""
    one = quantity(1.0)
    a = quantity(2.0) - one
    return a, one - a


def fit_k(quantities: list[Callable[[float], float]], published: list[float]) -> float:
    """The factor that minimises the squared log errors of ``quantities`` against ``published``.

    One point: exact (k = (P − B)/A). Several: the geometric mean of the single-point fits
    when B is negligible, refined by a few Newton steps on Σ log(q_i(k)/P_i)².
    """
    import math

    lines = [affine_in_k(q) for q in quantities]
    singles = [(p - b) / a for (a, b), p in zip(lines, published, strict=True)]
    k = math.exp(sum(math.log(max(s, 1e-12)) for s in singles) / len(singles))
    for _ in range(50):
        g = sum(math.log((a * k + b) / p) * a / (a * k + b) for (a, b), p in zip(lines, published, strict=True))
        h = sum((a / (a * k + b)) ** 2 * (1 - math.log((a * k + b) / p)) for (a, b), p in zip(lines, published, strict=True))
        if h <= 0:
            break
        step = g / h
        k = max(k - step, k / 2)
        if abs(step) < 1e-12 * k:
            break
    return k
