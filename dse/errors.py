"""The one exception type the CLI turns into a one-line message and exit code 2."""

from __future__ import annotations

import reprlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError


class DseInputError(Exception):
    """Bad user input: a file, a field and what is allowed, in one line."""


class ModelUnavailable(DseInputError):
    """A model (accuracy or cost) cannot run at all on this machine, e.g. a dependency is not
    installed. Not one bad point: a search stops at once, before it stores a trial, with
    this one line (which should say what to install)."""


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


def short(value: Any, limit: int = 60) -> str:
    """A bounded ``repr`` that never builds the text of a huge value whole (reprlib): an
    alias bomb's value is quoted in microseconds, not minutes."""
    shortener = reprlib.Repr()
    shortener.maxstring = shortener.maxother = shortener.maxlong = limit
    text = shortener.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


#: Longest error line dse prints: a path, a field and what is allowed fit; a pasted value does not.
MAX_LINE = 300


def one_line(text: str, limit: int = MAX_LINE) -> str:
    """``text`` on one line of at most ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def first_message(error: ValidationError) -> str:
    """The first error's message, located (``latency_cycles: Input should be ...``), one line."""
    first = error.errors(include_url=False)[0]
    loc = _location(first["loc"])
    return one_line(f"{loc}: {first['msg']}" if loc else first["msg"], 200)


def describe_validation_error(error: ValidationError, source: str, prefix: str = "") -> str:
    """One line naming the file, the field and what is allowed, from a pydantic error.

    Only the first error is reported: a user fixes one thing at a time, and one line keeps
    scripts that read stderr simple.
    """
    first = error.errors(include_url=False)[0]
    loc = _location(first["loc"])
    # Discriminated unions put the tag in the location (layers[0].conv2d.kernel); drop it.
    field = ".".join(p for p in loc.split(".") if p not in _UNION_TAGS) if loc else ""
    field = one_line(prefix + field if field else prefix.rstrip("."), 120)
    message = one_line(first["msg"], 120)
    got = ""
    # the input of a whole mapping (a model-level error) says nothing a user can act on
    if first["type"] not in ("missing", "extra_forbidden") and "input" in first and not isinstance(
            first["input"], dict):
        got = f" (got {short(first['input'])})"
    where = f"{source}: {field}: " if field else f"{source}: "
    extra = f"; {len(error.errors())-1} more" if len(error.errors()) > 1 else ""
    return one_line(f"{where}{message}{got}{extra}")


# Tags of tagged unions (layer kinds in dse.schema.workload, the technology of
# dse.schema.architecture): pydantic puts them in error locations; a user never wrote them.
_UNION_TAGS = frozenset({"conv2d", "dense", "pool", "add", "flatten", "matmul", "mul", "softmax", "layernorm",
                         "activation", "reduce", "technology-name", "technology-table"})


def file_error(error: OSError) -> str:
    """One line for a failed file operation: the file, and what the system said."""
    name = error.filename if error.filename is not None else ""
    reason = error.strerror or type(error).__name__
    return one_line(f"{name}: {reason}" if name != "" else f"{reason} ({short(str(error), 120)})")
