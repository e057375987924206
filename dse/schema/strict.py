"""A base model that refuses what pydantic's lax mode would quietly convert into a number.

Lax mode reads ``true`` as 1 for an ``int`` or ``float`` field and accepts integers of any
size; in an input file both are mistakes (``input_density: true``, a layer of 2⁶⁴
channels that no result table can hold). Fields that allow ``bool`` themselves keep it.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

#: The largest integer a results table holds: Parquet INT64 and numpy int64 (2⁶³ − 1).
INT64_MAX = 2**63 - 1


def _plain_types(annotation: Any) -> set[Any]:
    """The plain types an annotation admits at its top level (through Annotated and unions)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _plain_types(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return set().union(*(_plain_types(a) for a in get_args(annotation)))
    return {annotation} if isinstance(annotation, type) else set()


class StrictNumbers(BaseModel):
    """Frozen, no extra fields; a number field refuses ``true``/``false`` and integers beyond int64."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _numbers_are_numbers(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for name, value in data.items():
            field = cls.model_fields.get(name) if isinstance(name, str) else None
            if field is None or not isinstance(value, int):
                continue
            allowed = _plain_types(field.annotation)
            if not allowed & {int, float}:
                continue
            if isinstance(value, bool):
                if bool not in allowed:
                    raise PydanticCustomError("strict_number", "{field}: expected a number, not {value}",
                                              {"field": name, "value": str(value).lower()})
            elif abs(value) > INT64_MAX:
                raise PydanticCustomError("strict_number", "{field}: expected an integer of at most 2**63 - 1 "
                                          "(int64) in magnitude", {"field": name})
        return data
