"""Presets: named, cited architectures of real chips (``preset: NAME`` in an architecture file).

A preset is an :class:`Architecture` plus where every number came from: the publication
(paper, table, page), the parameters read from it, and the constants fitted to published
measurements, each naming the points it was fitted on (so the points left out can check it).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from dse.schema.architecture import Architecture


class Preset(BaseModel):
    """A named chip: its architecture, its source, and which parameters were read or fitted."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9.-]*$", description="preset name, e.g. loihi")
    description: str = Field(min_length=1, description="the chip in one line: maker, node, organisation")
    architecture: Architecture = Field(description="the chip as a dse architecture (backend, technology, params)")
    source: str = Field(min_length=1, description="publication the organisation is read from (paper, table, page)")
    read: dict[str, str] = Field(
        default_factory=dict, description="parameter -> where its value was read (publication, table, page)"
    )
    fitted: dict[str, str] = Field(
        default_factory=dict,
        description="constant -> the published points it was fitted on (the others check it); empty: nothing fitted",
    )
