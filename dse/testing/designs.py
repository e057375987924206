"""Designs the kit generates from a backend's examples: each example, and each numeric
parameter of it doubled and halved, one at a time (the ones the backend's model accepts)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from dse.plugin.types import Backend

#: At most this many generated designs per backend (examples first).
MAX_DESIGNS = 48


def generated_designs(backend: Backend, examples: Sequence[Mapping[str, Any]]) -> list[BaseModel]:
    """Valid, distinct designs: the examples, then their one-parameter neighbours."""
    designs: list[BaseModel] = []
    seen: set[str] = set()

    def keep(raw: Mapping[str, Any]) -> None:
        try:
            design = backend.parse_params(raw)
        except Exception:  # noqa: BLE001 - a neighbour outside the model's range is simply skipped
            return
        key = design.model_dump_json()
        if key not in seen and len(designs) < MAX_DESIGNS:
            seen.add(key)
            designs.append(design)

    parsed = [backend.parse_params(example) for example in examples]
    for design in parsed:
        keep(design.model_dump(mode="json"))
    for design in parsed:
        for neighbour in _neighbours(design.model_dump(mode="json")):
            keep(neighbour)
    return designs


def _neighbours(raw: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for key, value in raw.items():
        if isinstance(value, dict):
            for inner in _neighbours(value):
                yield {**raw, key: inner}
        elif isinstance(value, bool) or not isinstance(value, int | float):
            continue
        elif isinstance(value, int):
            for other in (value * 2, max(value // 2, 1), value + 1):
                if other != value:
                    yield {**raw, key: other}
        elif value != 0:
            for scaled in (value * 2.0, value * 0.5):
                yield {**raw, key: scaled}
