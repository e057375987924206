"""Costs: per-layer and total energy (with a breakdown that sums to it), latency and area.

Breakdown keys name components; the conventional ones are ``compute``, ``register``,
``sram_<memory>_read`` / ``sram_<memory>_write``, ``dram``, ``neuron_state``, ``events``,
``leakage`` and ``conversion_<kind>``. A backend may add its own. Totals are sums of the
layers, so a breakdown always sums to its total by construction.

Counts are totals too, except fractions: a count named ``*_efficiency``, ``*_fraction`` or
``*utilization`` is a ratio in [0, 1], and its total is the mean over the layers that report
it, weighted by their MACs (``counts.macs``; by cycles when a layer reports no MACs).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

FRACTION_SUFFIXES = ("_efficiency", "_fraction", "utilization")
"""Count names ending so are ratios: averaged over layers, not summed (see the module docstring)."""


def is_fraction(name: str) -> bool:
    """Whether the count ``name`` is a ratio (averaged in totals), by :data:`FRACTION_SUFFIXES`."""
    return name.endswith(FRACTION_SUFFIXES)


def _sum_maps(maps: Iterable[Mapping[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for m in maps:
        for key, value in m.items():
            total[key] = total.get(key, 0.0) + float(value)
    return total


class LayerCost(BaseModel):
    """The cost of one layer over a whole inference (all time steps)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str
    kind: str
    engine: str | None = Field(None, description="engine that ran the layer (hybrids), else None")
    breakdown: dict[str, float] = Field(description="energy by component (pJ)")
    latency_cycles: float = Field(ge=0.0, description="cycles this layer occupies its engine")
    utilization: float | None = Field(None, ge=0.0, le=1.0, description="busy fraction of the compute units")
    counts: dict[str, float] = Field(default_factory=dict, description="operation and access counts behind the energy")
    footprint_bits: dict[str, float] = Field(
        default_factory=dict, description="memory held for this layer (bits): weights, neuron_state, buffers"
    )

    @property
    def energy_pj(self) -> float:
        """Total energy of the layer (pJ): the sum of its breakdown."""
        return math.fsum(self.breakdown.values())


class Cost(BaseModel):
    """The cost of a workload on one design point."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    layers: tuple[LayerCost, ...]
    latency_cycles: float = Field(ge=0.0, description="cycles per inference")
    clock_mhz: float = Field(gt=0.0, description="clock frequency (MHz)")
    area_mm2: float = Field(ge=0.0, description="chip area (mm²)")
    memory_fits: bool = Field(True, description="every operand fits the on-chip memories it was assigned")
    notes: tuple[str, ...] = Field((), description="what the backend assumed that a user should know")

    @model_validator(mode="after")
    def _finite(self) -> Cost:
        for layer in self.layers:
            for key, value in layer.breakdown.items():
                if not math.isfinite(value):
                    raise ValueError(f"layer '{layer.name}': energy component '{key}' is {value}")
        if not math.isfinite(self.latency_cycles) or not math.isfinite(self.area_mm2):
            raise ValueError(f"latency {self.latency_cycles} or area {self.area_mm2} is not finite")
        # A clock so slow or so fast (clock_mhz 1e-320 or 1e308) that seconds overflow, or
        # the clock itself does in Hz (so that any cycle count takes 0 s), is no design.
        seconds = self.latency_s
        if not math.isfinite(self.clock_mhz * 1e6) or not math.isfinite(seconds):
            raise ValueError(f"clock {self.clock_mhz:g} MHz gives a latency of {seconds:g} s for "
                             f"{self.latency_cycles:g} cycles; expected finite and positive")
        return self

    @property
    def energy_pj(self) -> float:
        """Energy per inference (pJ)."""
        return math.fsum(layer.energy_pj for layer in self.layers)

    @property
    def breakdown(self) -> dict[str, float]:
        """Energy per inference by component (pJ)."""
        return _sum_maps(layer.breakdown for layer in self.layers)

    @property
    def counts(self) -> dict[str, float]:
        """Operation and access counts per inference; fractions as MAC-weighted means of the layers."""
        total = _sum_maps({k: v for k, v in layer.counts.items() if not is_fraction(k)} for layer in self.layers)
        by_macs = all("macs" in layer.counts for layer in self.layers if any(map(is_fraction, layer.counts)))
        for name in sorted({k for layer in self.layers for k in layer.counts if is_fraction(k)}):
            pairs = [(layer.counts[name], layer.counts["macs"] if by_macs else layer.latency_cycles)
                     for layer in self.layers if name in layer.counts]
            weight = math.fsum(w for _, w in pairs)
            total[name] = (math.fsum(v * w for v, w in pairs) / weight if weight > 0
                           else math.fsum(v for v, _ in pairs) / len(pairs))
        return total

    @property
    def footprint_bits(self) -> dict[str, float]:
        """Storage needed (bits) summed over layers, by memory."""
        return _sum_maps(layer.footprint_bits for layer in self.layers)

    @property
    def latency_s(self) -> float:
        """Seconds per inference."""
        return self.latency_cycles / (self.clock_mhz * 1e6)

    @property
    def power_mw(self) -> float:
        """Average power over one inference (mW): pJ / s = 1e-9 mW."""
        return self.energy_pj / self.latency_s * 1e-9 if self.latency_s > 0 else 0.0

    @property
    def utilization(self) -> float | None:
        """Cycle-weighted mean utilisation of the layers that report one."""
        pairs = [(l.utilization, l.latency_cycles) for l in self.layers if l.utilization is not None]
        cycles = sum(c for _, c in pairs)
        return sum(u * c for u, c in pairs) / cycles if cycles else None

    def totals(self) -> dict[str, object]:
        """The totals as plain data (the `totals` object of `dse evaluate --json`)."""
        return {
            "energy_pj": self.energy_pj,
            "latency_cycles": self.latency_cycles,
            "latency_s": self.latency_s,
            "area_mm2": self.area_mm2,
            "power_mw": self.power_mw,
            "utilization": self.utilization,
            "memory_fits": self.memory_fits,
            "breakdown": self.breakdown,
            "counts": self.counts,
            "footprint_bits": self.footprint_bits,
        }
