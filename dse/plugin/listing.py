"""What `dse plugins` shows: each plugin, its distribution, status, hooks and registrations."""

from __future__ import annotations

from typing import Any

from dse.errors import DseInputError
from dse.plugin.api_version import DSE_PLUGIN_API
from dse.plugin.manager import Plugins


def plugin_listing(plugins: Plugins) -> dict[str, Any]:
    """Plugins and their registrations as plain data."""
    def entries(registry: Any) -> list[dict[str, Any]]:
        out = []
        for name, item in registry.items():
            owner = registry.owner(name)
            info = plugins.info.get(owner)
            out.append({
                "name": name,
                "plugin": owner,
                "distribution": info.distribution if info else "",
                "version": info.version if info else "",
                "description": getattr(item, "description", "") or "",
            })
        return out

    try:
        default_technology: str | None = plugins.default_technology()
    except DseInputError:
        default_technology = None
    return {
        "plugin_api": DSE_PLUGIN_API,
        "default_technology": default_technology,
        "plugins": [
            {"name": i.name, "distribution": i.distribution, "version": i.version, "status": i.status,
             "error": i.error, "hooks": list(i.hooks), "api": i.api}
            for i in sorted(plugins.info.values(), key=lambda i: i.name)
        ],
        "backends": entries(plugins.backends),
        "technologies": entries(plugins.technologies),
        "workload_loaders": entries(plugins.loaders),
        "accuracy_models": entries(plugins.accuracy_models),
        "presets": entries(plugins.presets),
    }


def print_listing(listing: dict[str, Any]) -> None:
    """The listing as rich tables; plugin text is shown as written (``[formats]`` is not markup)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    table = Table(title=f"plugins (this dse provides plugin API {listing['plugin_api']})")
    for column in ("plugin", "distribution", "version", "API", "status", "hooks / error"):
        table.add_column(column)
    for p in listing["plugins"]:
        status = p["status"] if p["status"] == "loaded" else f"[red]{p['status']}[/red]"
        api = "undeclared" if p["api"] is None else str(p["api"])
        table.add_row(escape(p["name"]), escape(p["distribution"]), escape(p["version"]), api, status,
                      escape(p["error"] or ", ".join(p["hooks"])))
    console.print(table)
    default = listing["default_technology"]
    console.print(f"default technology: {escape(default) if default else 'none declared'}")
    for kind in ("backends", "technologies", "workload_loaders", "accuracy_models", "presets"):
        table = Table(title=kind.replace("_", " "))
        for column in ("name", "plugin", "description"):
            table.add_column(column)
        for entry in listing[kind]:
            table.add_row(*(escape(entry[key]) for key in ("name", "plugin", "description")))
        console.print(table)
