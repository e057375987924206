"""Provenance: stable hashes of inputs and what produced a result (versions, commit, time)."""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LIBRARIES = ("optuna", "numpy", "polars", "pydantic", "pluggy", "torch")
"""Distributions whose versions every result records (``dse_libraries``; null when not installed)."""


def config_hash(*parts: Any) -> str:
    """A short, stable hash of JSON-able inputs (canonical JSON, sha256, 16 hex digits)."""
    text = json.dumps(parts, sort_keys=True, default=_jsonable, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True)
    return str(value)


def provenance(inputs: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Key-value metadata: what wrote the file and from what.

    ``dse_version``; ``dse_plugins`` (entry point -> "distribution version", JSON);
    ``dse_python``; ``dse_libraries`` (:data:`LIBRARIES` -> version or null, JSON);
    ``dse_git_commit`` (the commit of dse's checkout, "+modified" when its tracked files
    differ; only when dse runs from a git checkout); ``dse_created_utc`` (ISO 8601); and
    ``input_hash.NAME`` for each input.
    """
    from importlib import metadata

    from dse import __version__

    versions: dict[str, str] = {}
    for ep in metadata.entry_points(group="dse"):
        if ep.dist is not None:
            versions[ep.name] = f"{ep.dist.name} {ep.dist.version}"
    meta = {"dse_version": __version__, "dse_plugins": json.dumps(versions, sort_keys=True),
            "dse_python": platform.python_version(), "dse_libraries": json.dumps(library_versions(), sort_keys=True),
            "dse_created_utc": datetime.now(UTC).isoformat(timespec="seconds")}
    commit = git_commit()
    if commit is not None:
        meta["dse_git_commit"] = commit
    for key, value in (inputs or {}).items():
        meta[f"input_hash.{key}"] = config_hash(value)
    return meta


def library_versions() -> dict[str, str | None]:
    """Installed versions of :data:`LIBRARIES`, read from package metadata (nothing is imported)."""
    return installed_versions(LIBRARIES)


def installed_versions(distributions: Iterable[str]) -> dict[str, str | None]:
    """The installed version of each distribution (None: not installed), read from package
    metadata, so that nothing is imported."""
    from importlib import metadata

    out: dict[str, str | None] = {}
    for name in distributions:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


@functools.cache
def git_commit() -> str | None:
    """The commit of the git checkout dse runs from (``+modified`` if tracked files changed), else None."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+modified" if dirty else "") if head else None
