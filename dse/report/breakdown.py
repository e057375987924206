"""Per-layer energy breakdowns in a report: a stacked bar per layer and the table behind it.

The same component keeps the same colour in every plot of a page (components ordered by
their energy over all designs shown, largest first).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from dse.report.html import figure, table
from dse.report.plots import breakdown_svg
from dse.schema.cost import Cost


@dataclass(frozen=True)
class LayerEnergy:
    """One layer of a design: its energy by component (pJ) and the cycles it takes."""

    name: str
    kind: str
    engine: str | None
    breakdown: dict[str, float]
    latency_cycles: float

    @property
    def energy_pj(self) -> float:
        return math.fsum(self.breakdown.values())


def from_cost(cost: Cost) -> tuple[LayerEnergy, ...]:
    return tuple(LayerEnergy(lc.name, lc.kind, lc.engine, dict(lc.breakdown), lc.latency_cycles) for lc in cost.layers)


def from_frame(frame: pl.DataFrame) -> tuple[LayerEnergy, ...]:
    """The layers of a `dse evaluate --out` frame (one row per layer, in layer order)."""
    return tuple(LayerEnergy(row["layer"], row["kind"], row.get("engine"), json.loads(row["breakdown_json"] or "{}"),
                             row.get("latency_cycles") or 0.0)
                 for row in frame.iter_rows(named=True))


def component_order(designs: Iterable[Sequence[LayerEnergy]]) -> list[str]:
    """Every component of ``designs``, largest total energy first (ties by name)."""
    totals: dict[str, float] = {}
    for layers in designs:
        for layer in layers:
            for name, value in layer.breakdown.items():
                totals[name] = totals.get(name, 0.0) + value
    return sorted(totals, key=lambda name: (-totals[name], name))


def breakdown_block(key: str, title: str, layers: Sequence[LayerEnergy], order: Sequence[str],
                    colours: Mapping[str, str]) -> str:
    """The stacked-bar plot and the table (pJ per layer and component, cycles) of one design."""
    components = [c for c in order if any(c in layer.breakdown for layer in layers)]
    values = np.array([[layer.breakdown.get(c, 0.0) for c in components] for layer in layers]).reshape(
        len(layers), len(components))
    total = math.fsum(layer.energy_pj for layer in layers)
    plot = breakdown_svg([layer.name for layer in layers], components, values, colours,
                         f"{total:.6g} pJ per inference")
    engines = any(layer.engine for layer in layers)
    columns = ["layer", "kind", *(["engine"] if engines else []), *(f"{c} (pJ)" for c in components),
               "energy (pJ)", "cycles"]
    rows = [[layer.name, layer.kind, *([layer.engine] if engines else []),
             *(layer.breakdown.get(c) for c in components), layer.energy_pj, layer.latency_cycles]
            for layer in layers]
    foot = ["total", "", *([""] if engines else []), *(math.fsum(values[:, j]) for j in range(len(components))),
            total, math.fsum(layer.latency_cycles for layer in layers)]
    return (figure(plot, f"{key}-plot", f"{title}: energy per layer, stacked by component (pJ)")
            + table(columns, rows, table_id=f"{key}-table", css_class="breakdown",
                    caption=f"{title}: energy per layer and component (pJ)", foot=foot))
