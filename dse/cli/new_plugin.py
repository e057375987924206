"""`dse new-plugin NAME`: start a backend plugin package from dse's template."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def new_plugin_command(
    name: Annotated[str, typer.Argument(help="backend and entry-point name, e.g. my-array")],
    out: Annotated[Path | None, typer.Option("--out", help="folder to create (default: ./dse-NAME)")] = None,
) -> None:
    """Write a plugin package: a backend, its entry point, conformance tests and a CI workflow."""
    from dse.plugin.scaffold import render_plugin

    target = out or Path(f"dse-{name}")
    files = render_plugin(name, target)
    typer.echo(f"{target}: {len(files)} files")
    for path in files:
        typer.echo(f"  {path.relative_to(target)}")
    typer.echo(f"next: cd {target} && pip install -e '.[test]' && pytest -q   (docs/plugin-tutorial.md)")
