"""`dse explore`: search a space for its Pareto front with Optuna.

Optuna, polars and the plotting libraries are imported inside the command so that
`dse --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dse.cli.context import ACTIVITY_HELP, CLUSTER_HELP, HTML_HELP, code_plugins, context_plugins, html_wanted
from dse.cli.pareto import front_lines

if TYPE_CHECKING:
    import polars as pl


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
    cluster: Annotated[str | None, typer.Option("--cluster", help=CLUSTER_HELP)] = None,
    html: Annotated[bool, typer.Option("--html", help=HTML_HELP)] = False,
    out: Annotated[Path | None, typer.Option("--out", help="output directory (default: runs/SPACE-NAME)")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="sampler seed (default: the space's)")] = None,
    activity: Annotated[Path | None, typer.Option("--activity", help=ACTIVITY_HELP)] = None,
    allow_version_mix: Annotated[bool, typer.Option(
        "--allow-version-mix", help="continue a study whose trials other plugin releases costed (marked in the "
        "outputs and the report)")] = False,
) -> None:
    """Search a space for its Pareto front with Optuna; resumable; writes Parquet files and plots."""
    import polars as pl

    from dse.inputs.space import space_header
    from dse.progress import RichProgress
    from dse.search.explore import ExploreConfig, explore

    plugins = context_plugins(ctx)
    loaded = space_header(space)
    config = ExploreConfig(
        space_path=space, out=out or Path("runs") / loaded.name, study=study or loaded.name,
        trials=trials or loaded.trials, seed=loaded.seed if seed is None else seed, workers=workers,
        storage=storage, plugin_modules=code_plugins(plugins), activity=activity,
        allow_version_mix=allow_version_mix, cluster=cluster, html=html_wanted(html),
    )
    progress = RichProgress(f"explore {loaded.name}", "trials")
    try:
        result = explore(config, plugins, progress)
    except BaseException:
        progress.stop(failed=True)
        raise
    progress.stop()
    table = result.trials if result.trials is not None else pl.LazyFrame()
    in_study, table_lines = _table_lines(table)
    lines = [(f"{config.out}: {result.told} trials told in {result.seconds:.1f} s "
              f"({result.trials_per_second:.0f} trials/s); {in_study} in the study")]
    if result.stored_before:
        lines.append(f"resumed: the study already held {result.stored_before} trials")
    if result.version_mix:
        lines.append("plugin versions mixed in this study: " + " | ".join(result.version_mix))
    lines += table_lines
    lines += front_lines(result.front_size, result.hypervolume, result.reference, loaded.directions)
    lines.append("files: " + ", ".join(str(f) for f in result.files))
    typer.echo("\n".join(lines))


def _table_lines(table: pl.LazyFrame) -> tuple[int, list[str]]:
    """The trials of ``table`` and what to say of them: failed trials with the first error, and
    finished designs the workload does not fit (``memory_fits`` false; failed trials hold nulls,
    which do not count); one pass over the columns it needs."""
    import polars as pl

    names = table.collect_schema().names()
    if "state" not in names:
        return 0, []
    failed = (pl.col("state") == "FAIL") & pl.col("error").is_not_null()
    unfit = pl.col("memory_fits").not_().sum() if "memory_fits" in names else pl.lit(0)
    counts = table.select(trials=pl.len(), failed=failed.sum(), first_error=pl.col("error").filter(failed).first(),
                          unfit=unfit).collect().row(0, named=True)
    lines = []
    if counts["failed"]:
        lines.append(f"{counts['failed']} trials failed; first error: {counts['first_error']}")
    if counts["unfit"]:
        lines.append(f"{counts['unfit']} of {counts['trials']} trials do not fit on chip (memory_fits false in "
                     "trials.parquet); `dse evaluate` on one names the resource that overflowed")
    return counts["trials"], lines
