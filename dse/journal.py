"""The embedded study storage: an Optuna journal file written a batch at a time.

Optuna's ``JournalFileBackend`` appends and fsyncs every operation on its own (a trial of
ten parameters is about fifteen appends), which caps a study at about a hundred trials per
second, and its lock is a file that a killed process leaves behind for a grace period.
This backend writes the same file format (one JSON operation per line, so Optuna's own
tools can read it) with two changes:

- the lock is ``fcntl.flock`` on ``FILE.lock``, which the kernel releases when the holder
  dies, even by ``kill -9``: a rerun never waits for a stale lock;
- inside :meth:`BatchedJournalFile.batch`, operations are kept in memory (and served to the
  reader, so the storage sees them at once) while the lock is held, then appended with one
  ``write`` and one ``fsync``. `dse explore` asks a generation in one batch and tells it in
  another, so a kill loses at most the generation in flight and never a told trial.

Holding the lock for the whole batch keeps operation numbers identical in every process: no
other writer can slip an operation between the ones this process has already applied. A
torn last line (a writer killed inside ``write``) is cut off by the next writer.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from optuna.storages.journal import BaseJournalBackend


class BatchedJournalFile(BaseJournalBackend):
    """An Optuna journal backend on one append-only file (see the module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._path.touch(exist_ok=True)
        self._lock_path = self._path.with_name(self._path.name + ".lock")
        self._lock_fd: int | None = None
        self._read_count = 0  # complete lines consumed so far ...
        self._read_offset = 0  # ... ending at this byte offset
        self._pending: list[dict[str, Any]] | None = None
        self._file_count = 0  # lines in the file while a batch holds the lock

    # -- BaseJournalBackend ------------------------------------------------------------------
    def read_logs(self, log_number_from: int) -> Iterator[dict[str, Any]]:
        if self._pending is None or log_number_from < self._file_count:
            yield from self._read_file(log_number_from)
        if self._pending is not None:
            yield from self._pending[max(0, log_number_from - self._file_count):]

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        if self._pending is not None:
            self._pending.extend(logs)
            return
        with self._locked():
            self._write(logs)

    # -- batching ----------------------------------------------------------------------------
    @contextmanager
    def batch(self) -> Generator[None, None, None]:
        """Hold the lock; keep appended operations in memory; write them at the end at once."""
        if self._pending is not None:
            yield
            return
        with self._locked():
            for _ in self._read_file(self._read_count):
                pass
            self._file_count = self._read_count
            self._pending = []
            try:
                yield
            finally:
                pending, self._pending = self._pending, None
                if pending:
                    self._write(pending)

    # -- file --------------------------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Generator[None, None, None]:
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._repair()
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def _repair(self) -> None:
        """Cut a torn last line left by a writer that died inside ``write``."""
        with open(self._path, "rb+") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return
            handle.seek(size - 1)
            if handle.read(1) == b"\n":
                return
            start = max(0, size - (1 << 20))
            handle.seek(start)
            tail = handle.read()
            cut = tail.rfind(b"\n")
            handle.truncate(start + cut + 1 if cut >= 0 else 0)
            handle.flush()
            os.fsync(handle.fileno())

    def _write(self, logs: list[dict[str, Any]]) -> None:
        data = "".join(json.dumps(log, separators=(",", ":")) + "\n" for log in logs).encode()
        with open(self._path, "ab") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    def _read_file(self, log_number_from: int) -> Iterator[dict[str, Any]]:
        """Complete lines from ``log_number_from`` on; remembers where reading stopped."""
        if log_number_from < self._read_count:
            self._read_count, self._read_offset = 0, 0
        with open(self._path, "rb") as handle:
            handle.seek(self._read_offset)
            data = handle.read()
        end = data.rfind(b"\n") + 1
        lines = data[:end].splitlines()
        first = self._read_count
        self._read_count += len(lines)
        self._read_offset += end
        for number, line in enumerate(lines, start=first):
            if number >= log_number_from:
                yield json.loads(line)
