"""The `dse` command line: evaluate, schema, validate, plugins, and plugin-added commands.

Bad input ends in one line on stderr naming the file, the field and what is allowed, and
exit code 2; tracebacks are for bugs only. Heavy imports happen inside commands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from dse.errors import DseInputError
from dse.plugins import Plugins, make_plugins


def context_plugins(ctx: typer.Context) -> Plugins:
    """The plugins of the running command (built once per invocation)."""
    root = ctx.find_root()
    if root.obj is None:
        root.obj = make_plugins()
    return root.obj


def echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=_json_default))


def _json_default(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(type(value).__name__)


def evaluate_command(
    ctx: typer.Context,
    workload: Annotated[str, typer.Argument(help="workload: YAML/JSON file, a model file a loader claims, or zoo:NAME")],
    architecture: Annotated[Path, typer.Argument(help="architecture YAML/JSON file")],
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="also write per-layer rows to this Parquet file")] = None,
    activity: Annotated[Path | None, typer.Option(
        "--activity", help="measured densities per layer (CSV, Parquet or JSON by layer name), read by a "
        "loader plugin that offers load_with_activity")] = None,
) -> None:
    """Cost one workload on one architecture, layer by layer."""
    from dse.evaluate import evaluate, resolve
    from dse.inputs import load_architecture, load_workload
    from dse.report_text import evaluation_document, print_evaluation

    plugins = context_plugins(ctx)
    wl = load_workload(workload, plugins) if activity is None else load_with_activity(workload, activity, plugins)
    arch = load_architecture(architecture)
    design = resolve(arch, plugins, str(architecture))
    cost = evaluate(wl, design, str(architecture))
    if out is not None:
        from dse.results import evaluation_frame, provenance, write_parquet_atomic

        if out.suffix.lower() != ".parquet":
            raise DseInputError(f"{out}: --out must name a .parquet file")
        meta = provenance({"workload": wl, "architecture": arch})
        write_parquet_atomic(evaluation_frame(wl, arch, cost), out, meta)
    if as_json:
        echo_json(evaluation_document(wl, arch, cost))
    else:
        print_evaluation(wl, arch, design.technology.name, cost)


def load_with_activity(workload: str, activity: Path, plugins: Plugins) -> Any:
    """The workload with measured densities, through the first loader that reads activity files."""
    for loader in plugins.loaders.values():
        reader = getattr(loader, "load_with_activity", None)
        if reader is not None:
            return reader(workload, str(activity), plugins)
    raise DseInputError(f"{activity}: no installed plugin reads activity files (dse's workloads plugin does)")


def schema_command(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="workload | architecture | technology | space")],
) -> None:
    """Print the JSON Schema of an input file kind."""
    from dse.schemas_json import json_schema

    echo_json(json_schema(kind, context_plugins(ctx)))


def validate_command(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="a workload, architecture, technology or space file")]) -> None:
    """Check an input file and say what it is."""
    from dse.schemas_json import validate_any

    typer.echo(validate_any(path, context_plugins(ctx)))


def plugins_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="print as JSON")] = False) -> None:
    """List plugins and everything they registered, failed ones included."""
    from dse.plugin_listing import plugin_listing, print_listing

    listing = plugin_listing(context_plugins(ctx))
    if as_json:
        echo_json(listing)
    else:
        print_listing(listing)


class DseGroup(TyperGroup):
    """Turns DseInputError from any command, core or plugin, into one line and exit code 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except DseInputError as error:
            typer.echo(f"dse: {error}", err=True)
            raise typer.Exit(code=2) from None


def build_app(plugins: Plugins | None = None) -> typer.Typer:
    """The typer app with core commands and every plugin's commands."""
    app = typer.Typer(
        cls=DseGroup,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        help="Analytical design-space exploration for ANN, SNN and hybrid accelerators.",
    )

    @app.callback()
    def _root(ctx: typer.Context) -> None:
        if ctx.obj is None:
            ctx.obj = plugins if plugins is not None else make_plugins()

    app.command("evaluate")(evaluate_command)
    app.command("schema")(schema_command)
    app.command("validate")(validate_command)
    app.command("plugins")(plugins_command)
    from dse.cli_compare import register_compare_command

    register_compare_command(app)
    from dse.cli_report import register_report_command

    register_report_command(app)
    from dse.cli_explore import register_explore_commands

    register_explore_commands(app)
    (plugins or _startup_plugins()).register_commands(app)
    return app


_STARTUP: list[Plugins] = []


def _startup_plugins() -> Plugins:
    if not _STARTUP:
        _STARTUP.append(make_plugins())
    return _STARTUP[0]


def main() -> None:
    """Console entry point."""
    try:
        plugins = _startup_plugins()
    except DseInputError as error:  # strict plugin mode may raise while loading
        typer.echo(f"dse: {error}", err=True)
        sys.exit(2)
    build_app(plugins)(obj=plugins, prog_name="dse")
