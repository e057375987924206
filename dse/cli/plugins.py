"""`dse plugins`: every plugin and what it registered, failed ones included."""

from __future__ import annotations

from typing import Annotated

import typer

from dse.cli.context import context_plugins, echo_json


def plugins_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="print as JSON")] = False) -> None:
    """List plugins and everything they registered, failed ones included."""
    from dse.plugin.listing import plugin_listing, print_listing

    listing = plugin_listing(context_plugins(ctx))
    if as_json:
        echo_json(listing)
    else:
        print_listing(listing)
