"""The `dse` app: the core commands (one module each in this package) and plugin-added ones.

Bad input ends in one line on stderr naming the file, the field and what is allowed, and
exit code 2; tracebacks are for bugs only. Heavy imports happen inside commands.

Start-up stays near the cost of ``import numpy`` (issue 17): the console entry point lists
commands from an index remembered between runs (:mod:`dse.cli.command_index`), imports
only the module of the command it runs, and loads plugins only when that command asks for
them (:func:`dse.cli.context.context_plugins`) or when the command is a plugin's.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from dse.errors import DseInputError, file_error, one_line

if TYPE_CHECKING:
    from dse.cli.command_index import CommandIndex
    from dse.plugin.manager import Plugins

HELP = "Analytical design-space exploration for ANN, SNN and hybrid accelerators."

# core command name -> "module:function", in the order `dse --help` lists them
CORE_COMMANDS: dict[str, str] = {
    "evaluate": "dse.cli.evaluate:evaluate_command",
    "schema": "dse.cli.inputs:schema_command",
    "validate": "dse.cli.inputs:validate_command",
    "plugins": "dse.cli.plugins:plugins_command",
    "presets": "dse.cli.presets:presets_command",
    "compare": "dse.cli.compare:compare_command",
    "report": "dse.cli.report:report_command",
    "explore": "dse.cli.explore:explore_command",
    "sweep": "dse.cli.sweep:sweep_command",
    "pareto": "dse.cli.pareto:pareto_command",
    "new-plugin": "dse.cli.new_plugin:new_plugin_command",
}


def _core_function(name: str) -> Any:
    module, _, function = CORE_COMMANDS[name].partition(":")
    return getattr(importlib.import_module(module), function)


class DseGroup(TyperGroup):
    """Turns DseInputError from any command, core or plugin, into one line and exit code 2.

    With an ``index`` (the console entry point), commands are made on first use: the list
    and the help page come from the index, a core command imports only its own module, and
    a plugin command loads the plugins. Its help, and every subcommand's, shows on/off
    options as flags (``--json``), not as options taking a value (typer's ``--json <bool>``).
    """

    index: CommandIndex | None = None
    _listing = False

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except DseInputError as error:
            typer.echo(f"dse: {one_line(str(error))}", err=True)
            raise typer.Exit(code=2) from None
        except OSError as error:  # a file dse cannot write (permissions, is a file, disk full)
            typer.echo(f"dse: {file_error(error)}", err=True)
            raise typer.Exit(code=2) from None

    def list_commands(self, ctx: Any) -> list[str]:
        if self.index is None:
            return super().list_commands(ctx)
        return list(self.index.commands)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _flags_as_flags(self, ctx)
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = self._get_command(ctx, cmd_name)
        if command is not None:
            _flags_as_flags(command, ctx)
        return command

    def _get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = self.commands.get(cmd_name)
        if found is not None or self.index is None or cmd_name not in self.index.commands:
            return found
        if self._listing:
            return self.index.stub(cmd_name)
        if cmd_name in CORE_COMMANDS:
            single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
            single.command(cmd_name)(_core_function(cmd_name))
            found = typer.main.get_command(single)
        else:
            plugins = _context_plugins(ctx)
            found = typer.main.get_group(_plugin_app(plugins)).commands.get(cmd_name)
        if found is not None:
            self.commands[cmd_name] = found
        return found


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


def _context_plugins(ctx: Any) -> Plugins:
    from dse.cli.context import context_plugins

    return context_plugins(ctx)


def _plugin_app(plugins: Plugins) -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    plugins.register_commands(app)
    return app


def _root(ctx: typer.Context, version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True, help="print the version and exit")] = False) -> None:
    """Plugins are made when a command first needs them (dse.cli.context.context_plugins)."""


def _new_app() -> typer.Typer:
    app = typer.Typer(cls=DseGroup, no_args_is_help=True, pretty_exceptions_enable=False, help=HELP,
                      rich_markup_mode=None)  # the list of commands, without importing rich
    app.callback()(_root)
    return app


def build_app(plugins: Plugins | None = None) -> typer.Typer:
    """The typer app with core commands and every plugin's commands."""
    app = _new_app()
    for name in CORE_COMMANDS:
        app.command(name)(_core_function(name))
    if plugins is None:
        from dse.plugin.manager import make_plugins

        plugins = make_plugins()
    plugins.register_commands(app)
    return app


def _plugin_warnings_as_one_line() -> None:
    """Print the failed-plugin summary (dse.plugin.manager.PluginWarning) as one stderr line."""
    import warnings

    show = warnings.showwarning

    def one_line_show(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
        # by name: importing the plugin manager here would load pydantic for `dse --help`
        if (getattr(category, "__module__", ""), getattr(category, "__name__", "")) == (
                "dse.plugin.manager", "PluginWarning"):
            typer.echo(f"dse: warning: {message}", err=True)
        else:
            show(message, category, *args, **kwargs)

    warnings.showwarning = one_line_show


def main() -> None:
    """Console entry point."""
    _plugin_warnings_as_one_line()
    from dse.cli.command_index import load_index, save_index
    from dse.plugin.discovery import quiet_pydantic_plugin_scan

    quiet_pydantic_plugin_scan()
    index = load_index()
    if index is not None:
        app = _new_app()
        group = typer.main.get_command(app)
        assert isinstance(group, DseGroup)
        group.index = index
        group(prog_name="dse")
        return
    from dse.plugin.manager import make_plugins

    try:
        plugins = make_plugins()
    except DseInputError as error:  # strict plugin mode may raise while loading
        typer.echo(f"dse: {error}", err=True)
        sys.exit(2)
    app = build_app(plugins)
    save_index(typer.main.get_command(app), plugins)
    app(obj=plugins, prog_name="dse")
