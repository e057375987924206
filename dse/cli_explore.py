"""The search commands: `dse explore`, `dse sweep` and `dse pareto`.

Optuna, polars and the plotting libraries are imported inside the commands so that
`dse --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dse.errors import DseInputError

if TYPE_CHECKING:
    from dse.plugins import Plugins


def register_explore_commands(app: typer.Typer) -> None:
    """Add explore, sweep and pareto to the `dse` app."""
    app.command("explore")(explore_command)
    app.command("sweep")(sweep_command)
    app.command("pareto")(pareto_command)


def _plugins(ctx: typer.Context) -> Plugins:
    from dse.cli import context_plugins

    return context_plugins(ctx)


def _code_plugins(plugins: Plugins) -> tuple[str, ...]:
    """Modules registered in code, which worker processes must import again by name."""
    return tuple(name for name, info in plugins.info.items()
                 if info.distribution == "(registered in code)" and name in sys.modules)


def explore_command(
    ctx: typer.Context,
    space: Annotated[Path, typer.Argument(help="search-space YAML (see `dse schema space`)")],
    trials: Annotated[int | None, typer.Option("--trials", min=1, help="trials in all (default: the space's)")] = None,
    storage: Annotated[str | None, typer.Option(
        "--storage", help="where the study lives: an Optuna RDB URL shared by many machines "
        "(postgresql+psycopg://user@host/db), journal:PATH, or memory (nothing kept); "
        "default: the embedded journal OUT/study.journal")] = None,
    study: Annotated[str | None, typer.Option("--study", help="study name (default: the space's name)")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=256, help="worker processes on this machine")] = 1,
    out: Annotated[Path | None, typer.Option("--out", help="output directory (default: runs/SPACE-NAME)")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="sampler seed (default: the space's)")] = None,
) -> None:
    """Search a space for its Pareto front with Optuna; resumable; writes Parquet files and plots."""
    from dse.explore import ExploreConfig, explore
    from dse.progress import RichProgress
    from dse.space_io import space_header

    plugins = _plugins(ctx)
    loaded = space_header(space)
    config = ExploreConfig(
        space_path=space, out=out or Path("runs") / loaded.name, study=study or loaded.name,
        trials=trials or loaded.trials, seed=loaded.seed if seed is None else seed, workers=workers,
        storage=storage, plugin_modules=_code_plugins(plugins),
    )
    progress = RichProgress(f"explore {loaded.name}", "trials")
    try:
        result = explore(config, plugins, progress)
    finally:
        progress.stop()
    table = result.trials
    failed = table.filter((table["state"] == "FAIL") & table["error"].is_not_null()) if table is not None else None
    lines = [(f"{config.out}: {result.told} trials told in {result.seconds:.1f} s "
              f"({result.trials_per_second:.0f} trials/s); {0 if table is None else table.height} in the study")]
    if result.stored_before:
        lines.append(f"resumed: the study already held {result.stored_before} trials")
    if failed is not None and failed.height:
        lines.append(f"{failed.height} trials failed; first error: {failed['error'][0]}")
    lines += _front_lines(result.front_size, result.hypervolume, result.reference, loaded.objectives)
    lines.append("files: " + ", ".join(str(f) for f in result.files))
    typer.echo("\n".join(lines))


def sweep_command(
    ctx: typer.Context,
    space: Annotated[Path, typer.Argument(help="search-space YAML (see `dse schema space`)")],
    grid: Annotated[bool, typer.Option("--grid", help="every point of the grid")] = False,
    random: Annotated[int | None, typer.Option("--random", min=1, help="N random points in all")] = None,
    grid_points: Annotated[int, typer.Option("--grid-points", min=2, max=10_000,
                                             help="values per range on the grid at most")] = 5,
    out: Annotated[Path | None, typer.Option("--out", help="output directory (default: runs/SPACE-NAME-sweep)")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="seed of --random (default: the space's)")] = None,
) -> None:
    """Evaluate a grid or random points of a space in vectorised batches, without Optuna."""
    from dse.progress import RichProgress
    from dse.space_io import space_header
    from dse.sweep import SweepConfig, sweep

    if grid == (random is not None):
        raise DseInputError("sweep: give exactly one of --grid and --random N")
    plugins = _plugins(ctx)
    header = space_header(space)
    name = header.name
    config = SweepConfig(space_path=space, out=out or Path("runs") / f"{name}-sweep",
                         mode="grid" if grid else "random", points=random or 0, grid_points=grid_points, seed=seed)
    progress = RichProgress(f"sweep {name}", "points", show_front=False)
    try:
        result = sweep(config, plugins, progress)
    finally:
        progress.stop()
    objectives = header.objectives
    lines = [(f"{config.out}: {result.points:,} points ({result.evaluated:,} evaluated now, "
              f"{result.failed:,} of them failed)")]
    lines += _front_lines(result.front_size, result.hypervolume, result.reference, objectives)
    lines.append("files: " + ", ".join(str(f) for f in result.files))
    typer.echo("\n".join(lines))


def pareto_command(
    results: Annotated[Path, typer.Argument(help="a Parquet file, or a directory of them (pareto*.parquet skipped)")],
    objectives: Annotated[str | None, typer.Option(
        "--objectives", help="columns, e.g. energy_pj,latency_s,accuracy:max (default: those the run recorded)")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="also draw the front: FILE.png or FILE.html")] = None,
    reference: Annotated[str | None, typer.Option(
        "--reference", help="hypervolume reference point, one value per objective "
        "(default: the worst value of each plus a tenth of its range)")] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="front rows to print")] = 20,
) -> None:
    """The non-dominated set of any results and its hypervolume."""
    import numpy as np

    from dse.pareto import (
        hypervolume,
        minimization,
        objective_matrix,
        parse_objectives,
        result_files,
        scan_results,
        stored_objectives,
    )
    from dse.plots import pareto_html, pareto_png
    from dse.results import write_bytes_atomic
    from dse.run_outputs import summarize

    files = result_files(results)
    chosen = parse_objectives(objectives) if objectives else stored_objectives(files)
    if not chosen:
        raise DseInputError(f"{results}: no objectives recorded in the files; give --objectives")
    summary = summarize(scan_results(files), chosen)
    volume, ref = summary.hypervolume, summary.reference
    if reference is not None and summary.front.height:
        point = _numbers(reference, len(chosen))
        directions = list(chosen.values())
        volume = hypervolume(objective_matrix(summary.front, chosen), minimization(np.array([point]), directions)[0])
        ref = tuple(point)
    _print_front(summary.front, chosen, limit)
    typer.echo("\n".join(_front_lines(summary.front.height, volume, ref, chosen)
                         + [f"from {summary.feasible:,} feasible rows of {len(files)} file(s)"]))
    if plot is not None:
        suffix = plot.suffix.lower()
        if suffix not in (".png", ".html"):
            raise DseInputError(f"--plot: {plot}: name a .png or .html file")
        title = results.name
        data = (pareto_png if suffix == ".png" else pareto_html)(summary.background, summary.front, chosen, title)
        if data is None:
            raise DseInputError("--plot: an HTML plot needs plotly (pip install 'dse[plotly]')")
        write_bytes_atomic(data, plot)
        typer.echo(f"plot: {plot}")


def _numbers(text: str, count: int) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise DseInputError(f"--reference: '{text}': give {count} numbers separated by commas") from None
    if len(values) != count:
        raise DseInputError(f"--reference: give {count} numbers (one per objective), got {len(values)}")
    return values


def _front_lines(size: int, volume: float | None, reference: tuple[float, ...] | None,
                 objectives: dict[str, str]) -> list[str]:
    if not size:
        return ["front: empty (no finished, feasible trial)"]
    ref = ", ".join(f"{name} {value:.4g}" for name, value in zip(objectives, reference or (), strict=False))
    return [f"front: {size} designs; hypervolume {volume:.6g} (reference: {ref})"]


def _print_front(front, objectives: dict[str, str], limit: int) -> None:
    from rich.console import Console
    from rich.table import Table

    if not front.height or not limit:
        return
    table = Table(title=f"Pareto front ({front.height} designs, first {min(limit, front.height)})")
    columns = [c for c in ("backend", *objectives, "params_json") if c in front.columns]
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in front.head(limit).iter_rows(named=True):
        table.add_row(*(f"{row[c]:.4g}" if isinstance(row[c], float) else str(row[c]) for c in columns))
    Console().print(table)
