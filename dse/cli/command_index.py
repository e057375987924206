"""The names and help lines of every `dse` command, remembered so `dse --help` loads nothing.

Written by the first run that loads every plugin, in the start-up cache directory
(:mod:`dse.plugin.discovery`). It holds when the entry points (``sys.path`` and its
directories' times), the plugin switches (``DSE_DISABLE_PLUGIN_AUTOLOAD``,
``DSE_BLOCK_PLUGINS``, ``DSE_STRICT_PLUGINS``) and the source files of ``dse`` and of every
plugin package are what they were; anything else makes the next run rebuild it. A run in
which a plugin failed writes no index, so the failure keeps being reported.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dse.plugin.discovery import file_stamps, path_key, read_cache, source_files, stamps_hold, write_cache

if TYPE_CHECKING:
    from typer.core import TyperCommand

    from dse.plugin.manager import Plugins

FILE = "commands.json"
_SWITCHES = ("DSE_DISABLE_PLUGIN_AUTOLOAD", "DSE_BLOCK_PLUGINS", "DSE_STRICT_PLUGINS")


@dataclass(frozen=True)
class CommandIndex:
    """Command name -> what `dse --help` shows for it (help, short_help, hidden, panel)."""

    commands: dict[str, dict[str, Any]]

    def stub(self, name: str) -> TyperCommand:
        """A command that only describes itself, for the help page."""
        from typer.core import TyperCommand

        entry = self.commands[name]
        return TyperCommand(name=name, help=entry["help"], short_help=entry["short_help"],
                            hidden=entry["hidden"], rich_help_panel=entry["panel"])


def _key() -> str:
    return json.dumps([path_key(), [os.environ.get(s, "") for s in _SWITCHES]])


def load_index() -> CommandIndex | None:
    """The remembered index if it still holds (module docstring), else None."""
    payload = read_cache(FILE, _key())
    if not isinstance(payload, dict) or not stamps_hold(payload.get("files")):
        return None
    return CommandIndex(payload["commands"])


def save_index(group: Any, plugins: Plugins) -> None:
    """Remember the commands of a fully built app and the files they came from."""
    if not hasattr(group, "commands") or any(i.status == "failed" for i in plugins.info.values()):
        return
    commands = {}
    for name, command in group.commands.items():
        panel = getattr(command, "rich_help_panel", None)  # typer leaves a placeholder on sub-apps
        commands[name] = {"help": command.help, "short_help": command.short_help, "hidden": command.hidden,
                          "panel": panel if isinstance(panel, str) else None}
    write_cache(FILE, _key(), {"commands": commands, "files": file_stamps(source_files())})
