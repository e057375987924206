"""`dse compare`: which engine wins, at which spike density, for each number of time steps."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    import polars as pl

    from dse.evaluation.compare import BreakEven


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
    from dse.inputs.documents import load_architecture, load_workload

    plugins = context_plugins(ctx)
    grid_d, steps = parse_density_grid(density), parse_timesteps(timesteps)
    wl = load_workload(workload, plugins)
    designs = {name: resolve(load_architecture(path, plugins), plugins, str(path))
               for name, path in (("ann", ann), ("snn", snn), ("hybrid", hybrid)) if path is not None}
    grid, ann_pj, _ = compare_grid(wl, designs["ann"], designs["snn"], designs.get("hybrid"), grid_d.tolist(), steps)
    d_ann = mean_ann_density(wl)
    points = [break_even(wl, designs["snn"], ann_pj, t) for t in steps]
    summary = {
        "workload": wl.name,
        "ann_energy_pj": ann_pj,
        "ann_density": d_ann,
        "break_even": [
            {"timesteps": p.timesteps, "spike_density": p.density,
             "t_times_d_over_d_ann": (p.timesteps * p.density / d_ann) if p.density and d_ann else None,
             "snn_wins_below": p.snn_wins_below}
            for p in points
        ],
    }
    if out is not None:
        _write_outputs(out, grid, points, summary, wl.name)
    if as_json:
        echo_json(summary)
    else:
        _print(summary)


def _write_outputs(out: Path, grid: pl.DataFrame, points: Sequence[BreakEven], summary: dict[str, Any], name: str) -> None:
    from dse.results.atomic import write_bytes_atomic, write_parquet_atomic
    from dse.results.crossover_plot import crossover_png
    from dse.results.provenance import provenance

    meta = provenance({"summary": summary})
    write_parquet_atomic(grid, out / "compare.parquet", meta)
    write_bytes_atomic(json.dumps(summary, indent=2).encode(), out / "breakeven.json")
    crossover_png(grid, points, f"{name}: SNN / ANN energy", out / "crossover.png")


def _print(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{summary['workload']}: ANN {summary['ann_energy_pj'] / 1e3:,.1f} nJ "
                        f"at activation density {summary['ann_density']:.3g}")
    for column in ("T", "break-even spike density", "T·d* / d_ANN", "SNN wins"):
        table.add_column(column, justify="right")
    for p in summary["break_even"]:
        d = p["spike_density"]
        ratio = p["t_times_d_over_d_ann"]
        wins = ("below d*" if d is not None else "always") if p["snn_wins_below"] else "never"
        table.add_row(str(p["timesteps"]), "-" if d is None else f"{d:.4g}",
                      "-" if ratio is None else f"{ratio:.3g}", wins)
    Console().print(table)
