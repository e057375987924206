"""`dse sweep`: a grid or random points of a space, in vectorised batches, without Optuna."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dse.cli.context import ACTIVITY_HELP, CLUSTER_HELP, HTML_HELP, code_plugins, context_plugins, html_wanted
from dse.cli.pareto import front_lines
from dse.errors import DseInputError


def sweep_command(
    ctx: typer.Context,
    space: Annotated[Path, typer.Argument(help="search-space YAML (see `dse schema space`)")],
    grid: Annotated[bool, typer.Option("--grid", help="every point of the grid")] = False,
    random: Annotated[int | None, typer.Option("--random", min=1, help="N random points in all")] = None,
    grid_points: Annotated[int, typer.Option("--grid-points", min=2, max=10_000,
                                             help="values per range on the grid at most")] = 5,
    out: Annotated[Path | None, typer.Option("--out", help="output directory (default: runs/SPACE-NAME-sweep)")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="seed of --random (default: the space's)")] = None,
    activity: Annotated[Path | None, typer.Option("--activity", help=ACTIVITY_HELP)] = None,
    cluster: Annotated[str | None, typer.Option("--cluster", help=CLUSTER_HELP)] = None,
    html: Annotated[bool, typer.Option("--html", help=HTML_HELP)] = False,
) -> None:
    """Evaluate a grid or random points of a space in vectorised batches, without Optuna."""
    from dse.inputs.space import space_header
    from dse.progress import RichProgress
    from dse.search.sweep import SweepConfig, sweep

    if grid == (random is not None):
        raise DseInputError("sweep: give exactly one of --grid and --random N")
    plugins = context_plugins(ctx)
    header = space_header(space)
    name = header.name
    config = SweepConfig(space_path=space, out=out or Path("runs") / f"{name}-sweep",
                         mode="grid" if grid else "random", points=random or 0, grid_points=grid_points, seed=seed,
                         activity=activity, cluster=cluster, plugin_modules=code_plugins(plugins),
                         html=html_wanted(html))
    progress = RichProgress(f"sweep {name}", "points", show_front=False)
    try:
        result = sweep(config, plugins, progress)
    except BaseException:
        progress.stop(failed=True)
        raise
    progress.stop()
    objectives = header.directions
    lines = [(f"{config.out}: {result.points:,} points ({result.evaluated:,} evaluated now, "
              f"{result.failed:,} of them failed)")]
    lines += front_lines(result.front_size, result.hypervolume, result.reference, objectives)
    lines.append("files: " + ", ".join(str(f) for f in result.files))
    typer.echo("\n".join(lines))
