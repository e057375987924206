"""JSON that every reader accepts: no ``NaN`` or ``Infinity`` (not JSON, RFC 8259), as null."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any


def plain(value: Any) -> Any:
    """``value`` as plain JSON data: models dumped, paths as text, non-finite floats as None."""
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json", by_alias=True)
    if type(value).__module__ == "numpy" and hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def json_text(value: Any, indent: int | None = 2) -> str:
    """Strict JSON text of ``value`` (see :func:`plain`)."""
    return json.dumps(plain(value), indent=indent, allow_nan=False)
