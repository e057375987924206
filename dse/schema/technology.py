"""Technology: energy and area of arithmetic, registers and memories, for one process node.

Every number of a technology is data in a table with a ``sources`` entry naming where it
came from. Interpolation rules between table points (Aladdin-style scaling, as restated in
docs/references/energy_tables.md):

- adders: energy and area linear in the operand width (bits);
- multipliers: energy and area linear in the product of the operand widths (quadratic in
  the width of a square multiplier);
- SRAM: energy per bit accessed, interpolated log-log in the array size between table
  points and extrapolated with the square-root rule (wire length grows with the side of
  the array) outside them; a word of w bits costs w times the per-bit energy;
- outside an arithmetic table, the nearest point is scaled by the same rule.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, field_validator

from dse.schema.strict import StrictNumbers

if TYPE_CHECKING:
    import numpy as np

Positive = Annotated[float, Field(gt=0.0)]
NonNegative = Annotated[float, Field(ge=0.0)]


class Technology(StrictNumbers):
    """A process node's energy (pJ) and area (mm²) constants and the rules that interpolate them."""

    name: str = Field(min_length=1, description="technology name, e.g. horowitz45 or horowitz45@22nm")
    node_nm: Positive = Field(description="process node (nm)")
    add_pj: dict[int, Positive] = Field(description="integer add energy by width: {bits: pJ}")
    mul_pj: dict[int, Positive] = Field(description="integer multiply energy by (square) width: {bits: pJ}")
    sram_read_pj_per_bit: dict[float, Positive] = Field(
        description="SRAM read energy per bit by array size: {KiB: pJ/bit}"
    )
    sram_write_factor: Positive = Field(1.0, description="SRAM write energy / read energy (dimensionless)")
    dram_pj_per_bit: Positive = Field(description="off-chip DRAM access energy (pJ/bit)")
    dram_write_factor: Positive = Field(1.0, description="DRAM write energy / read energy (dimensionless)")
    register_pj_per_bit: Positive = Field(description="flip-flop register write+read energy (pJ/bit)")
    leakage_mw_per_mm2: NonNegative = Field(description="static power density of the chip (mW/mm²)")
    sram_um2_per_bit: Positive = Field(description="SRAM area per bit with periphery (µm²/bit)")
    add_um2: dict[int, Positive] = Field(description="adder area by width: {bits: µm²}")
    mul_um2: dict[int, Positive] = Field(description="multiplier area by (square) width: {bits: µm²}")
    register_um2_per_bit: Positive = Field(description="flip-flop area (µm²/bit)")
    sources: dict[str, str] = Field(default_factory=dict, description="where each constant comes from")

    @field_validator("add_pj", "mul_pj", "sram_read_pj_per_bit", "add_um2", "mul_um2")
    @classmethod
    def _non_empty(cls, table: dict[int, float]) -> dict[int, float]:
        if not table:
            raise ValueError("needs at least one point")
        if any(k <= 0 for k in table):
            raise ValueError("keys must be positive")
        return table

    # -- arithmetic ---------------------------------------------------------------------------
    def add_energy(self, bits: float) -> float:
        """Energy of one integer add of ``bits``-wide operands (pJ); linear in width."""
        return _interp_linear(self.add_pj, bits)

    def mul_energy(self, a_bits: float, b_bits: float | None = None) -> float:
        """Energy of one a×b-bit integer multiply (pJ); linear in a·b."""
        return _interp_product(self.mul_pj, a_bits, a_bits if b_bits is None else b_bits)

    def mac_energy(self, a_bits: float, b_bits: float, acc_bits: float | None = None) -> float:
        """Multiply plus accumulate (pJ); the accumulator defaults to a+b bits wide."""
        return self.mul_energy(a_bits, b_bits) + self.add_energy(acc_bits or (a_bits + b_bits))

    def register_energy(self, bits: float) -> float:
        """Writing and reading a ``bits``-wide pipeline register (pJ)."""
        return self.register_pj_per_bit * bits

    # -- memories -----------------------------------------------------------------------------
    def sram_read_energy(self, size_bits: float, word_bits: float) -> float:
        """One read of a ``word_bits`` word from an SRAM of ``size_bits`` (pJ)."""
        return word_bits * _interp_sqrt_loglog(self.sram_read_pj_per_bit, size_bits / 8192.0)

    def sram_read_energies(self, size_bits: np.ndarray) -> np.ndarray:
        """:meth:`sram_read_energy` of a one-bit word for every element of ``size_bits`` (pJ/bit),
        with the same bits: numpy for the arithmetic, ``math``'s logarithm and exponential per
        element (numpy's vectorised ones differ in the last bit), no Python call per element;
        each distinct size once (a search over SRAM macros has a few)."""
        import numpy as np

        distinct, inverse = np.unique(size_bits, return_inverse=True)
        energies = _interp_sqrt_loglog_array(self.sram_read_pj_per_bit, distinct / 8192.0)
        return energies[inverse.reshape(np.shape(size_bits))]

    def sram_write_energy(self, size_bits: float, word_bits: float) -> float:
        """One write of a ``word_bits`` word to an SRAM of ``size_bits`` (pJ)."""
        return self.sram_write_factor * self.sram_read_energy(size_bits, word_bits)

    def dram_energy(self, bits: float) -> float:
        """Moving ``bits`` to or from DRAM at the read price (pJ)."""
        return self.dram_pj_per_bit * bits

    def dram_write_energy(self, bits: float) -> float:
        """Writing ``bits`` to DRAM (pJ): ``dram_write_factor`` times the read price."""
        return self.dram_write_factor * self.dram_pj_per_bit * bits

    # -- area and leakage ---------------------------------------------------------------------
    def sram_area(self, size_bits: float) -> float:
        """SRAM macro area (mm²)."""
        return self.sram_um2_per_bit * size_bits * 1e-6

    def add_area(self, bits: float) -> float:
        """Adder area (mm²)."""
        return _interp_linear(self.add_um2, bits) * 1e-6

    def mul_area(self, a_bits: float, b_bits: float | None = None) -> float:
        """Multiplier area (mm²)."""
        return _interp_product(self.mul_um2, a_bits, a_bits if b_bits is None else b_bits) * 1e-6

    def register_area(self, bits: float) -> float:
        """Register area (mm²)."""
        return self.register_um2_per_bit * bits * 1e-6

    def leakage_energy(self, area_mm2: float, seconds: float) -> float:
        """Static energy of ``area_mm2`` of chip over ``seconds`` (pJ); mW·s = 1e9 pJ."""
        return self.leakage_mw_per_mm2 * area_mm2 * seconds * 1e9


def _interp_linear(table: dict[int, float], x: float) -> float:
    """Piecewise-linear in x through the table; outside it, proportional to x from the nearest point."""
    keys = sorted(table)
    if x <= keys[0]:
        return table[keys[0]] * x / keys[0]
    if x >= keys[-1]:
        return table[keys[-1]] * x / keys[-1]
    i = bisect.bisect_left(keys, x)
    x0, x1 = keys[i - 1], keys[i]
    if x == x1:
        return table[x1]
    return table[x0] + (table[x1] - table[x0]) * (x - x0) / (x1 - x0)


def _interp_product(table: dict[int, float], a: float, b: float) -> float:
    """Multiplier rule: the table is keyed by square width w and read at w² = a·b."""
    return _interp_linear({k * k: v for k, v in table.items()}, a * b)


def _interp_sqrt_loglog(table: dict[float, float], kib: float) -> float:
    """Per-bit SRAM energy at ``kib`` KiB: log-log between points, square-root rule outside."""
    keys = sorted(table)
    if kib <= keys[0]:
        return table[keys[0]] * math.sqrt(kib / keys[0])
    if kib >= keys[-1]:
        return table[keys[-1]] * math.sqrt(kib / keys[-1])
    i = bisect.bisect_left(keys, kib)
    k0, k1 = keys[i - 1], keys[i]
    if kib == k1:
        return table[k1]
    t = math.log(kib / k0) / math.log(k1 / k0)
    return math.exp(math.log(table[k0]) + t * (math.log(table[k1]) - math.log(table[k0])))


def _interp_sqrt_loglog_array(table: dict[float, float], kib: np.ndarray) -> np.ndarray:
    """:func:`_interp_sqrt_loglog` of every element of ``kib``, step for step (the same bits)."""
    import numpy as np

    keys = np.array(sorted(table), dtype=float)
    values = np.array([table[k] for k in sorted(table)], dtype=float)
    logs = np.array([math.log(v) for v in values.tolist()])
    kib = np.asarray(kib, dtype=float)
    out = np.empty_like(kib)
    low, high = kib <= keys[0], kib >= keys[-1]
    out[low] = values[0] * np.sqrt(kib[low] / keys[0])
    out[high] = values[-1] * np.sqrt(kib[high] / keys[-1])
    inside = ~(low | high)
    if inside.any():
        x = kib[inside]
        i = np.searchsorted(keys, x, side="left")
        k0, k1 = keys[i - 1], keys[i]
        on_key = x == k1
        t = _each(math.log, x / k0) / _each(math.log, k1 / k0)
        between = _each(math.exp, logs[i - 1] + t * (logs[i] - logs[i - 1]))
        out[inside] = np.where(on_key, values[i], between)
    return out


def _each(fn: Callable[[float], float], x: np.ndarray) -> np.ndarray:
    """``fn`` (a ``math`` function) of every element of ``x``."""
    import numpy as np

    return np.fromiter(map(fn, x.tolist()), dtype=float, count=x.size)
