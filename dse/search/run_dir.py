"""Output directories of runs: one run per directory, locked while it runs.

A directory that `dse explore` or `dse sweep` writes to holds ``run.json``, the identity of
the run that owns it (what kind of run, the hash of its space without ``trials`` and
``seed``, the study and storage, or the sweep mode). Running the same command again with the
same directory continues that run (an exploration resumes its study, a sweep skips the
chunks it already wrote), and rewrites that run's summary files. A different run is
refused, with one line, so that no run ever overwrites another run's files: give it its own
``--out``. A directory that exists, is not empty and has no ``run.json`` is refused too.

While a run works in a directory it holds ``fcntl.flock`` on ``DIR/.lock`` (released by the
kernel when the process dies), so a second process on the same directory is refused at once.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dse.errors import DseInputError
from dse.results.atomic import write_bytes_atomic
from dse.results.provenance import config_hash
from dse.schema.space import SearchSpace

RUN_FILE = "run.json"
LOCK_FILE = ".lock"
#: The names dse.results.atomic gives its temporary files.
TEMPORARY = ".*.tmp"


@contextmanager
def claimed(out: Path, identity: dict[str, Any]) -> Generator[bool, None, None]:
    """Own ``out`` for a run with ``identity``; yields True when it continues an earlier run.

    A refused directory is left as it was found (no lock file, no directory created); the
    temporary files of a write that was killed are removed, since no other writer can be
    working here while the lock is held.
    """
    if out.exists() and not out.is_dir():
        raise DseInputError(f"{out}: --out is a file; give a directory")
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    record = out / RUN_FILE
    lock = out / LOCK_FILE
    had_lock = lock.exists()
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    refused = True
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            had_lock = True  # the other run's lock: never ours to remove
            raise DseInputError(f"{out}: another dse run is working in this directory") from None
        owner = _owner(record) if record.exists() else None
        if owner is not None and owner != identity:
            raise DseInputError(
                f"{out}: holds another run ({_describe(owner)}); a run never overwrites another's files: "
                "choose another --out"
            )
        if owner is None and any(p.name != LOCK_FILE for p in out.iterdir()):
            raise DseInputError(f"{out}: exists, is not empty and holds no dse run; choose another --out")
        refused = False
        remove_stale_temporaries(out)
        if owner is None:
            write_bytes_atomic(json.dumps(identity, indent=2, sort_keys=True).encode(), record)
        yield owner is not None
    finally:
        if refused and not had_lock:
            lock.unlink(missing_ok=True)
            if created:
                out.rmdir()
        os.close(fd)


def _owner(record: Path) -> dict[str, Any]:
    try:
        owner = json.loads(record.read_text())
    except (OSError, ValueError):
        owner = None
    if not isinstance(owner, dict):
        raise DseInputError(f"{record}: is not the record of a dse run (unreadable); choose another --out")
    return owner


def remove_stale_temporaries(out: Path) -> list[Path]:
    """Delete the ``.NAME.*.tmp`` files of atomic writes (dse.results.atomic) that a killed
    process left in ``out`` and its direct subdirectories; the paths removed."""
    stale = [p for pattern in (TEMPORARY, f"*/{TEMPORARY}") for p in out.glob(pattern) if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def _describe(identity: dict[str, Any]) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(identity.items()))


def sub_study_name(study: str, backend: str) -> str:
    """The study of one backend of a space: ``STUDY/BACKEND``."""
    return f"{study}/{backend}"


def space_identity(space: SearchSpace, workload_hash: str) -> str:
    """What makes two runs the same study: the space without ``trials`` and ``seed``, and the
    workload's content (not its path, so a moved checkout still resumes)."""
    return config_hash(space.model_dump(mode="json", exclude={"trials", "seed", "workload"}), workload_hash)
