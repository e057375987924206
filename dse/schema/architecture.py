"""Architectures: a backend name, a technology and the backend's own parameters."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag

from dse.schema.strict import StrictNumbers
from dse.schema.technology import Technology


class Architecture(StrictNumbers):
    """One design point. ``params`` is checked by the backend's own pydantic model."""

    backend: str = Field(min_length=1, description="registered backend name (see `dse plugins`)")
    name: str = Field("design", min_length=1, description="design name")
    technology: Annotated[
        Annotated[str, Tag("technology-name")] | Annotated[Technology, Tag("technology-table")],
        Discriminator(lambda value: "technology-name" if isinstance(value, str) else "technology-table"),
    ] | None = Field(
        None, description="a registered technology name (optionally NAME@<node>nm) or an inline table; "
        "default: the installation's default technology (see `dse plugins`)"
    )
    params: dict[str, Any] = Field(default_factory=dict, description="backend parameters")
