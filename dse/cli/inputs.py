"""`dse schema` and `dse validate`: what an input file may hold, and whether it does."""

from __future__ import annotations

from typing import Annotated

import typer

from dse.cli.context import context_plugins, echo_json


def schema_command(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="workload | architecture | technology | space")],
) -> None:
    """Print the JSON Schema of an input file kind."""
    from dse.inputs.json_schema import json_schema

    echo_json(json_schema(kind, context_plugins(ctx)))


def validate_command(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="a workload, architecture, technology or space file")]) -> None:
    """Check an input file and say what it is."""
    from dse.inputs.json_schema import validate_any

    typer.echo(validate_any(path, context_plugins(ctx)))
