"""The `dse` app: the core commands (one module each in this package) and plugin-added ones.

Bad input ends in one line on stderr naming the file, the field and what is allowed, and
exit code 2; tracebacks are for bugs only. Heavy imports happen inside commands.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from dse.cli.compare import compare_command
from dse.cli.evaluate import evaluate_command
from dse.cli.explore import explore_command
from dse.cli.inputs import schema_command, validate_command
from dse.cli.new_plugin import new_plugin_command
from dse.cli.pareto import pareto_command
from dse.cli.plugins import plugins_command
from dse.cli.presets import presets_command
from dse.cli.report import report_command
from dse.cli.sweep import sweep_command
from dse.errors import DseInputError
from dse.plugin.manager import Plugins, make_plugins


class DseGroup(TyperGroup):
    """Turns DseInputError from any command, core or plugin, into one line and exit code 2.

    Its help, and every subcommand's, shows on/off options as flags (``--json``), not as
    options taking a value (typer's ``--json <bool>``).
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except DseInputError as error:
            typer.echo(f"dse: {error}", err=True)
            raise typer.Exit(code=2) from None

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _flags_as_flags(command, ctx)
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _flags_as_flags(self, ctx)
        super().format_help(ctx, formatter)


def _flags_as_flags(command: Any, ctx: Any) -> None:
    """Give every flag of ``command`` and its subcommands an empty type label in help."""
    for param in command.get_params(ctx):
        if param.param_type_name == "option" and getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        _flags_as_flags(sub, ctx)


def _print_version(value: bool) -> None:
    if value:
        from dse import __version__

        typer.echo(f"dse {__version__}")
        raise typer.Exit()


def build_app(plugins: Plugins | None = None) -> typer.Typer:
    """The typer app with core commands and every plugin's commands."""
    app = typer.Typer(
        cls=DseGroup,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        help="Analytical design-space exploration for ANN, SNN and hybrid accelerators.",
    )

    @app.callback()
    def _root(ctx: typer.Context, version: Annotated[bool, typer.Option(
            "--version", callback=_print_version, is_eager=True, help="print the version and exit")] = False) -> None:
        if ctx.obj is None:
            ctx.obj = plugins if plugins is not None else make_plugins()

    app.command("evaluate")(evaluate_command)
    app.command("schema")(schema_command)
    app.command("validate")(validate_command)
    app.command("plugins")(plugins_command)
    app.command("presets")(presets_command)
    app.command("compare")(compare_command)
    app.command("report")(report_command)
    app.command("explore")(explore_command)
    app.command("sweep")(sweep_command)
    app.command("pareto")(pareto_command)
    app.command("new-plugin")(new_plugin_command)
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
