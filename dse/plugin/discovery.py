"""The entry points of the group ``dse``, remembered between runs.

Scanning every installed distribution's metadata costs tens of milliseconds at each start
(76 ms in issue 17). The list is kept in a small JSON file under the user's cache directory
(``$DSE_CACHE_DIR/startup``, else ``$XDG_CACHE_HOME/dse/startup``, else
``~/.cache/dse/startup``), keyed by ``sys.path`` and the modification time of each of its
entries: installing, removing or upgrading a distribution adds or removes a ``*.dist-info``
directory in a ``sys.path`` directory, which changes that directory's time and so the key.
A cache that cannot be read or written is ignored: the scan runs as without it.

The same scan notes whether any pydantic plugin (entry-point group ``pydantic``) is
installed: pydantic scans every distribution for them when it builds its first model, and
the command line tells it not to when there are none (:func:`quiet_pydantic_plugin_scan`).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

GROUP = "dse"


@dataclass(frozen=True)
class EntryPointRecord:
    """One entry point: ``name = value`` of distribution ``distribution`` ``version``."""

    name: str
    value: str
    distribution: str
    version: str

    def load(self) -> Any:
        """Import the module and return the object the value names (``module:attr.attr``)."""
        module, _, attr = self.value.partition(":")
        found: Any = importlib.import_module(module.strip())
        for part in attr.strip().split("."):
            if part:
                found = getattr(found, part)
        return found

    @property
    def top_package(self) -> str:
        return self.value.partition(":")[0].strip().split(".")[0]


def cache_dir() -> Path:
    """Where start-up caches live (see the module docstring)."""
    root = os.environ.get("DSE_CACHE_DIR")
    if root:
        return Path(root).expanduser() / "startup"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "dse" / "startup"


def path_slot(name: str) -> str:
    """``name`` made specific to this ``sys.path`` (``python -c`` and a console script differ).

    A CRC names the file, not its validity (the key inside says whether it holds): zlib is
    loaded already, hashlib would cost its own import (OpenSSL) at every start.
    """
    stem, _, suffix = name.rpartition(".")
    return f"{stem}-{zlib.crc32(json.dumps(sys.path).encode()):08x}.{suffix}"


def path_key() -> str:
    """The Python version, ``sys.path`` and each entry's modification time (ns; -1 if missing),
    as JSON text: compared whole, so no two environments share a key."""
    stamps = []
    for entry in sys.path:
        try:
            stamps.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            stamps.append((entry, -1))
    return json.dumps([sys.version, stamps])


def read_cache(name: str, key: str) -> Any:
    """The payload stored under ``name`` (for this ``sys.path``) if it was stored with ``key``, else None."""
    try:
        stored = json.loads((cache_dir() / path_slot(name)).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    return stored.get("payload")


def write_cache(name: str, key: str, payload: Any) -> None:
    """Store ``payload`` under ``name`` (for this ``sys.path``) with ``key``; errors ignored."""
    from dse.results.atomic import write_bytes_atomic

    try:
        write_bytes_atomic(json.dumps({"key": key, "payload": payload}).encode(), cache_dir() / path_slot(name))
    except OSError:
        pass


def file_stamps(files: Iterable[str]) -> dict[str, int]:
    """Each file's modification time (ns; -1 if missing): what a cache built from sources keeps."""
    stamps = {}
    for path in files:
        try:
            stamps[path] = os.stat(path).st_mtime_ns
        except OSError:
            stamps[path] = -1
    return stamps


def stamps_hold(stamps: object) -> bool:
    """Whether ``stamps`` (as :func:`file_stamps` made them) still describe the files."""
    return isinstance(stamps, dict) and file_stamps(list(stamps)) == stamps


def source_files() -> list[str]:
    """The files of the loaded modules of ``dse`` and of every plugin package (entry points)."""
    packages = {"dse"} | {ep.top_package for ep in entry_points()}
    return sorted({
        str(module.__file__) for name, module in list(sys.modules.items())
        if name.split(".")[0] in packages and getattr(module, "__file__", None)
    })


def _scan() -> tuple[list[EntryPointRecord], bool]:
    """The group's entry points and whether any pydantic plugin is installed, cached."""
    key = path_key()
    cached = read_cache("entry-points.json", key)
    if isinstance(cached, dict):
        try:
            return [EntryPointRecord(**item) for item in cached["dse"]], bool(cached["pydantic"])
        except (KeyError, TypeError):
            pass
    from importlib import metadata

    found = metadata.entry_points()
    records = [
        EntryPointRecord(ep.name, ep.value, ep.dist.name if ep.dist else "", ep.dist.version if ep.dist else "")
        for ep in sorted(found.select(group=GROUP), key=lambda e: e.name)
    ]
    pydantic = bool(found.select(group="pydantic"))
    write_cache("entry-points.json", key, {"dse": [asdict(r) for r in records], "pydantic": pydantic})
    return records, pydantic


def entry_points() -> list[EntryPointRecord]:
    """The entry points of the group ``dse``, sorted by name, from the cache when it is current."""
    return _scan()[0]


def quiet_pydantic_plugin_scan() -> None:
    """Spare pydantic its scan of every distribution when no pydantic plugin is installed.

    Sets ``PYDANTIC_DISABLE_PLUGINS`` (pydantic's own switch) unless the user set it.
    """
    if not _scan()[1]:
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
