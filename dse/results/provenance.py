"""Provenance: stable hashes of inputs and the versions that produced a result."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def config_hash(*parts: Any) -> str:
    """A short, stable hash of JSON-able inputs (canonical JSON, sha256, 16 hex digits)."""
    text = json.dumps(parts, sort_keys=True, default=_jsonable, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True)
    return str(value)


def provenance(inputs: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Key-value metadata: dse and plugin versions, and hashes of the inputs."""
    from importlib import metadata

    from dse import __version__

    versions: dict[str, str] = {}
    for ep in metadata.entry_points(group="dse"):
        if ep.dist is not None:
            versions[ep.name] = f"{ep.dist.name} {ep.dist.version}"
    meta = {"dse_version": __version__, "dse_plugins": json.dumps(versions, sort_keys=True)}
    for key, value in (inputs or {}).items():
        meta[f"input_hash.{key}"] = config_hash(value)
    return meta
