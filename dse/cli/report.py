"""`dse report`: one self-contained HTML page for a run, a comparison or evaluations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dse.cli.context import ACTIVITY_HELP


def report_command(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="output directory of dse explore, dse sweep or dse compare "
                                                   "--out, or a directory of dse evaluate --out files")],
    out: Annotated[Path | None, typer.Option("--out", help="the HTML file (default: DIR/report.html)")] = None,
    activity: Annotated[Path | None, typer.Option(
        "--activity", help=ACTIVITY_HELP.replace("default: the workload's own",
                                                 "for the recomputed breakdowns; default: the run's own"))] = None,
) -> None:
    """Pareto fronts, per-layer energy breakdowns, the crossover and provenance, in one HTML file."""
    from dse.cli.context import context_plugins
    from dse.report.build import write_report

    path = write_report(directory, out, context_plugins(ctx), activity)
    typer.echo(f"report: {path}")
