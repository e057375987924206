"""The one exception type the CLI turns into a one-line message and exit code 2."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError


class DseInputError(Exception):
    """Bad user input: a file, a field and what is allowed, in one line."""


class NestedParamsError(Exception):
    """A composite backend's nested parameters failed their own model's validation.

    ``prefix`` locates the nested set (``"ann."``), so the one-line message can say
    ``params.ann.rows`` although the nested model only knows ``rows``.
    """

    def __init__(self, prefix: str, error: ValidationError) -> None:
        super().__init__(str(error))
        self.prefix = prefix
        self.error = error


def _location(loc: Iterable[Any]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _shorten(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_validation_error(error: ValidationError, source: str, prefix: str = "") -> str:
    """One line naming the file, the field and what is allowed, from a pydantic error.

    Only the first error is reported: a user fixes one thing at a time, and one line keeps
    scripts that read stderr simple.
    """
    first = error.errors(include_url=False)[0]
    loc = _location(first["loc"])
    # Discriminated unions put the tag in the location (layers[0].conv2d.kernel); drop it.
    field = ".".join(p for p in loc.split(".") if p not in _UNION_TAGS) if loc else ""
    field = prefix + field if field else prefix.rstrip(".")
    message = first["msg"]
    got = ""
    if first["type"] not in ("missing", "extra_forbidden") and "input" in first:
        got = f" (got {_shorten(first['input'])})"
    where = f"{source}: {field}: " if field else f"{source}: "
    extra = f"; {len(error.errors())-1} more" if len(error.errors()) > 1 else ""
    return f"{where}{message}{got}{extra}"


# Tags of tagged unions (layer kinds in dse.schema.workload, the technology of
# dse.schema.architecture): pydantic puts them in error locations; a user never wrote them.
_UNION_TAGS = frozenset({"conv2d", "dense", "pool", "add", "flatten", "matmul", "mul", "softmax", "layernorm",
                         "activation", "reduce", "technology-name", "technology-table"})
