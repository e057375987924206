"""An evaluation as a JSON document and as a rich table in the terminal."""

from __future__ import annotations

from typing import Any

from dse.schema.architecture import Architecture
from dse.schema.cost import Cost
from dse.schema.workload import Workload


def evaluation_document(workload: Workload, architecture: Architecture, cost: Cost) -> dict[str, Any]:
    """The `dse evaluate --json` document: workload, architecture, totals and layers."""
    layers = []
    by_name = {layer.name: layer for layer in workload.layers}
    for lc in cost.layers:
        layer = by_name.get(lc.name)
        layers.append({
            "name": lc.name,
            "kind": lc.kind,
            "engine": lc.engine,
            "output_shape": list(layer.out_shape) if layer is not None else None,
            "macs": layer.macs if layer is not None else 0,
            "synops": layer.synops(workload.timesteps) if layer is not None else 0.0,
            "energy_pj": lc.energy_pj,
            "latency_cycles": lc.latency_cycles,
            "utilization": lc.utilization,
            "breakdown": lc.breakdown,
            "counts": lc.counts,
            "footprint_bits": lc.footprint_bits,
        })
    return {
        "workload": workload.name,
        "architecture": {
            "name": architecture.name,
            "backend": architecture.backend,
            "technology": architecture.technology,
            "params": architecture.params,
        },
        "timesteps": workload.timesteps,
        "totals": cost.totals(),
        "notes": list(cost.notes),
        "layers": layers,
    }


def _si(value: float, unit: str) -> str:
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:,.3g} {prefix}{unit}"
    return f"{value:,.3g} {unit}"


def print_evaluation(workload: Workload, architecture: Architecture, technology: str, cost: Cost) -> None:
    """A per-layer table with totals and the energy breakdown."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    title = f"{workload.name} on {architecture.name} ({architecture.backend}, {technology}, T={workload.timesteps})"
    table = Table(title=title)
    for column in ("layer", "kind", "output", "MACs/step", "synops", "energy (pJ)", "cycles", "util."):
        table.add_column(column, justify="left" if column in ("layer", "kind", "output") else "right")
    by_name = {layer.name: layer for layer in workload.layers}
    for lc in cost.layers:
        layer = by_name.get(lc.name)
        table.add_row(
            lc.name + (f" [{lc.engine}]" if lc.engine else ""),
            lc.kind,
            "x".join(map(str, layer.out_shape)) if layer is not None else "",
            f"{layer.macs:,}" if layer is not None else "",
            f"{layer.synops(workload.timesteps):,.0f}" if layer is not None else "",
            f"{lc.energy_pj:,.1f}",
            f"{lc.latency_cycles:,.0f}",
            "" if lc.utilization is None else f"{lc.utilization:.0%}",
        )
    table.add_section()
    table.add_row("total", "", "", f"{workload.macs:,}", f"{workload.synops():,.0f}",
                  f"{cost.energy_pj:,.1f}", f"{cost.latency_cycles:,.0f}",
                  "" if cost.utilization is None else f"{cost.utilization:.0%}")
    console.print(table)
    console.print(
        f"energy {_si(cost.energy_pj * 1e-12, 'J')}  latency {_si(cost.latency_s, 's')}  "
        f"area {cost.area_mm2:,.3f} mm²  power {cost.power_mw:,.3g} mW"
        + ("" if cost.memory_fits else "  [red]does not fit on chip (memory_fits false; the notes say why)[/red]")
    )
    total = cost.energy_pj or 1.0
    parts = sorted(cost.breakdown.items(), key=lambda kv: -kv[1])
    console.print("breakdown: " + ", ".join(f"{k} {v / total:.1%}" for k, v in parts if v > 0))
    for note in cost.notes:
        console.print(f"note: {note}")
