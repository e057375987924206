"""What every command shares: the plugins of the running command, and JSON output."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from dse.plugin.manager import Plugins

ACTIVITY_HELP = ("measured densities per layer (CSV, Parquet or JSON by layer name), read by the workload loader "
                 "plugin that claims the file; default: the workload's own")
"""The help of every costing command's ``--activity`` option."""

CLUSTER_HELP = ("address of a Dask scheduler (tcp://HOST:8786) whose workers cost the batches; they need dse and "
                "the plugins installed (the cluster extra); see docs/explore.md")
"""The help of ``--cluster`` (`dse sweep`, `dse explore`)."""

HTML_HELP = "also write pareto.html, the interactive front (plotly inlined, about 5 MB; the plotly extra)"
"""The help of ``--html`` (`dse sweep`, `dse explore`)."""


def context_plugins(ctx: typer.Context) -> Plugins:
    """The plugins of the running command (built once per invocation)."""
    root = ctx.find_root()
    if root.obj is None:
        from dse.plugin.manager import make_plugins

        root.obj = make_plugins()
    plugins: Plugins = root.obj
    return plugins


def code_plugins(plugins: Plugins) -> tuple[str, ...]:
    """Modules registered in code, which worker processes must import again by name."""
    return tuple(name for name, info in plugins.info.items()
                 if info.distribution == "(registered in code)" and name in sys.modules)


def html_wanted(html: bool) -> bool:
    """``--html``, refused before the run (not after it) when plotly is missing."""
    import importlib.util

    from dse.errors import DseInputError
    from dse.extras import install_hint

    if html and importlib.util.find_spec("plotly") is None:
        raise DseInputError(f"--html: the interactive page needs plotly ({install_hint('plotly')})")
    return html


def echo_json(data: Any) -> None:
    """Print ``data`` as strict indented JSON (pydantic models, numpy numbers and paths included;
    non-finite numbers as null)."""
    from dse.results.json_text import json_text

    typer.echo(json_text(data))
