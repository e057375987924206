"""`dse compare`: which engine wins, at which spike density, for each number of time steps."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dse.cli.context import ACTIVITY_HELP

if TYPE_CHECKING:
    import polars as pl

    from dse.evaluation.compare import BreakEven
    from dse.evaluation.evaluate import Design
    from dse.schema.workload import Workload


def compare_command(
    ctx: typer.Context,
    workload: Annotated[str, typer.Argument(help="workload file or zoo:NAME")],
    ann: Annotated[Path, typer.Option("--ann", help="ANN architecture file")],
    snn: Annotated[Path, typer.Option("--snn", help="SNN architecture file")],
    hybrid: Annotated[Path | None, typer.Option("--hybrid", help="hybrid architecture file")] = None,
    density: Annotated[str, typer.Option("--density", help="spike densities LO:HI:N")] = "0.005:0.5:40",
    timesteps: Annotated[str, typer.Option("--timesteps", help="time steps, comma separated")] = "1,2,4,8",
    out: Annotated[Path | None, typer.Option("--out", help="directory for compare.parquet and crossover.png")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the break-even points as JSON")] = False,
    activity: Annotated[Path | None, typer.Option("--activity", help=ACTIVITY_HELP)] = None,
) -> None:
    """Energy of ANN, SNN (and hybrid) over spike density and T, with the break-even density."""
    from dse.cli.context import context_plugins, echo_json
    from dse.evaluation.compare import (
        break_even,
        compare_grid,
        mean_ann_density,
        parse_density_grid,
        parse_timesteps,
    )
    from dse.evaluation.evaluate import resolve
    from dse.inputs.documents import load_architecture, load_measured_workload

    plugins = context_plugins(ctx)
    grid_d, steps = parse_density_grid(density), parse_timesteps(timesteps)
    wl = load_measured_workload(workload, plugins, activity)
    paths = {name: path for name, path in (("ann", ann), ("snn", snn), ("hybrid", hybrid)) if path is not None}
    designs = {name: resolve(load_architecture(path, plugins), plugins, str(path)) for name, path in paths.items()}
    grid, ann_pj, _ = compare_grid(wl, designs["ann"], designs["snn"], designs.get("hybrid"), grid_d.tolist(), steps)
    d_ann = mean_ann_density(wl)
    summary: dict[str, Any] = {
        "workload": wl.name,
        "compared": {name: _architecture_record(paths[name], design, wl) for name, design in designs.items()},
        "ann_energy_pj": ann_pj,
        "ann_density": d_ann,
    }
    points = {}
    for engine in ("snn", "hybrid"):
        if engine in designs:
            points[engine] = [break_even(wl, designs[engine], ann_pj, t, f"--{engine}") for t in steps]
            summary[_BREAK_EVEN_KEY[engine]] = [_point_record(p, d_ann) for p in points[engine]]
    if out is not None:
        _write_outputs(out, grid, points["snn"], summary, wl.name)
    if as_json:
        echo_json(summary)
    else:
        _print(summary)


_BREAK_EVEN_KEY = {"snn": "break_even", "hybrid": "hybrid_break_even"}
"""Where breakeven.json (and --json) keep each engine's break-evens against the ANN."""


def _point_record(p: BreakEven, d_ann: float) -> dict[str, Any]:
    return {"timesteps": p.timesteps, "spike_density": p.density,
            "t_times_d_over_d_ann": (p.timesteps * p.density / d_ann) if p.density and d_ann else None,
            "snn_wins_below": p.snn_wins_below}


def _architecture_record(path: Path, design: Design, workload: Workload) -> dict[str, Any]:
    """Which architecture an engine was: its file, name, backend, technology and checked parameters,
    and whether the workload (at its own densities) fits it, with the notes that say what overflowed."""
    cost = design.backend.cost(workload, design.params, design.technology)
    return {"file": str(path), "name": design.architecture.name, "backend": design.architecture.backend,
            "technology": design.technology.name,
            "params": design.params.model_dump(mode="json"),
            "memory_fits": cost.memory_fits,
            "overflow": [note for note in cost.notes if note.startswith("does not fit")]}


def _write_outputs(out: Path, grid: pl.DataFrame, points: Sequence[BreakEven], summary: dict[str, Any], name: str) -> None:
    from dse.results.atomic import write_bytes_atomic, write_parquet_atomic
    from dse.results.crossover_plot import crossover_png
    from dse.results.json_text import json_text
    from dse.results.provenance import provenance
    from dse.search.run_dir import claimed

    meta = provenance({"summary": summary}) | {"dse.compared": json.dumps(summary["compared"], sort_keys=True)}
    # the guard of every --out directory: compare rewrites its own files, never another's
    with claimed(out, {"kind": "compare"}):
        write_parquet_atomic(grid, out / "compare.parquet", meta)
        write_bytes_atomic(json_text(summary).encode(), out / "breakeven.json")
        crossover_png(grid, points, f"{name}: SNN / ANN energy", out / "crossover.png")


def _print(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{summary['workload']}: ANN {summary['ann_energy_pj'] / 1e3:,.1f} nJ "
                        f"at activation density {summary['ann_density']:.3g}")
    hybrid = summary.get("hybrid_break_even")
    columns = ["T", "break-even spike density", "T·d* / d_ANN", "SNN wins"]
    columns += ["hybrid break-even density", "hybrid wins"] if hybrid else []
    for column in columns:
        table.add_column(column, justify="right")
    for index, p in enumerate(summary["break_even"]):
        ratio = p["t_times_d_over_d_ann"]
        row = [str(p["timesteps"]), _density(p), "-" if ratio is None else f"{ratio:.3g}", _wins(p)]
        if hybrid:
            row += [_density(hybrid[index]), _wins(hybrid[index])]
        table.add_row(*row)
    console = Console()
    console.print(table)
    for name, record in summary["compared"].items():
        if not record["memory_fits"]:
            why = "; ".join(record["overflow"]) or "does not fit on chip (the backend's notes say why)"
            console.print(f"[red]{name} design {record['name'] or record['file']}: memory_fits false, {why}; "
                          f"its energy is not that of a chip that runs this workload[/red]")


def _density(point: dict[str, Any]) -> str:
    return "-" if point["spike_density"] is None else f"{point['spike_density']:.4g}"


def _wins(point: dict[str, Any]) -> str:
    if not point["snn_wins_below"]:
        return "never"
    return "below d*" if point["spike_density"] is not None else "always"
