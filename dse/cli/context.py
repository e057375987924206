"""What every command shares: the plugins of the running command, and JSON output."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from dse.plugin.manager import Plugins

ACTIVITY_HELP = ("measured densities per layer (CSV, Parquet or JSON by layer name), read by the workload loader "
                 "plugin that claims the file; default: the workload's own")
"""The help of every costing command's ``--activity`` option."""


def context_plugins(ctx: typer.Context) -> Plugins:
    """The plugins of the running command (built once per invocation)."""
    root = ctx.find_root()
    if root.obj is None:
        from dse.plugin.manager import make_plugins

        root.obj = make_plugins()
    plugins: Plugins = root.obj
    return plugins


def echo_json(data: Any) -> None:
    """Print ``data`` as strict indented JSON (pydantic models, numpy numbers and paths included;
    non-finite numbers as null)."""
    from dse.results.json_text import json_text

    typer.echo(json_text(data))
