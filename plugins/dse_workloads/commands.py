"""The plugin's commands: `dse zoo list` and `dse workload show FILE [--activity FILE]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the `zoo` and `workload` command groups to the dse app."""
    zoo = typer.Typer(no_args_is_help=True, help="The built-in workloads, used as zoo:NAME.")
    workload = typer.Typer(no_args_is_help=True, help="Inspect a workload: layers, shapes, operations, activity.")
    zoo.command("list")(zoo_list)
    workload.command("show")(workload_show)
    app.add_typer(zoo, name="zoo")
    app.add_typer(workload, name="workload")


def zoo_list(as_json: Annotated[bool, typer.Option("--json", help="print as JSON")] = False) -> None:
    """List the zoo's networks with their sizes and sources."""
    from dse_workloads.show import print_zoo, zoo_rows

    rows = zoo_rows()
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    else:
        print_zoo(rows)


def workload_show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="workload: YAML/JSON, .onnx, .nir, or zoo:NAME")],
    activity: Annotated[Path | None, typer.Option(
        "--activity", help="measured densities per layer: CSV, Parquet or JSON keyed by layer name")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print as JSON")] = False,
) -> None:
    """Print layers, shapes, MACs, synaptic operations, footprint and where each density came from."""
    from dse import context_plugins
    from dse_workloads.annotate import read_annotated
    from dse_workloads.show import print_workload, workload_document

    doc = workload_document(read_annotated(ref, context_plugins(ctx), activity))
    if as_json:
        typer.echo(json.dumps(doc, indent=2))
    else:
        print_workload(doc)
