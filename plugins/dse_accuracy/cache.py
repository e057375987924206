"""A directory of JSON results keyed by a hash of what produced them.

Where: the ``cache_dir`` parameter if given; else ``$DSE_CACHE_DIR/accuracy``; else
``$XDG_CACHE_HOME/dse/accuracy``; else ``~/.cache/dse/accuracy``. Files are written to a
temporary name and renamed (a reader never sees half a file; a crash leaves no entry). A
per-key lock (``fcntl.flock``, released by the kernel if its holder dies) lets processes that
ask for the same point at once train it once: the second waits and then reads the entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dse import write_bytes_atomic


def cache_dir(override: str | None, subdir: str = "accuracy") -> Path:
    """The cache directory: ``override``, then $DSE_CACHE_DIR/subdir, $XDG_CACHE_HOME/dse/subdir, ~/.cache."""
    if override:
        return Path(override).expanduser()
    root = os.environ.get("DSE_CACHE_DIR")
    if root:
        return Path(root).expanduser() / subdir
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "dse" / subdir


def cache_key(payload: Mapping[str, Any]) -> str:
    """sha256 (32 hex) of the canonical JSON of ``payload``."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class ResultCache:
    """JSON records in one directory, one file per key."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def load(self, key: str) -> dict[str, Any] | None:
        """The record stored under ``key``, or None (also for an unreadable file: it is redone)."""
        try:
            return json.loads(self.path(key).read_text())
        except (OSError, ValueError):
            return None

    def store(self, key: str, record: Mapping[str, Any]) -> Path:
        return write_bytes_atomic(json.dumps(record, indent=1, sort_keys=True).encode(), self.path(key))

    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """Hold the lock of ``key`` (a no-op where fcntl does not exist)."""
        try:
            import fcntl
        except ImportError:  # Windows: concurrent workers may both train; results are identical
            yield
            return
        locks = self.directory / "locks"
        locks.mkdir(parents=True, exist_ok=True)
        with open(locks / f"{key}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
