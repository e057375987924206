"""`dse presets`: the named chips plugins registered, with their sources and fitted constants."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from dse.cli.context import context_plugins, echo_json


def presets_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="print as JSON")] = False) -> None:
    """List named chips usable as `preset: NAME` in an architecture file."""
    plugins = context_plugins(ctx)
    rows: list[dict[str, Any]] = [
        {**preset.model_dump(mode="json"), "plugin": plugins.presets.owner(name)}
        for name, preset in plugins.presets.items()
    ]
    if as_json:
        echo_json(rows)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="presets (use as `preset: NAME` in an architecture file)")
    for column in ("name", "backend", "technology", "fitted", "source"):
        table.add_column(column)
    for row in rows:
        arch = row["architecture"]
        technology = arch["technology"] if isinstance(arch["technology"], str) else arch["technology"]["name"]
        fitted = "; ".join(f"{k} = {v.split(',')[0]}" for k, v in row["fitted"].items()) or "nothing"
        table.add_row(row["name"], arch["backend"], technology, fitted, row["source"])
    Console().print(table)
