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
  ``write`` and one ``fsync``; :meth:`BatchedJournalFile.locked` and
  :meth:`BatchedJournalFile.write` are the same two steps for a writer that builds the
  operations itself (`dse explore`, :class:`dse.search.trial_store.JournalStore`, which
  stores a generation in one append, so that a kill loses at most the generations in
  flight and never a stored trial).

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

from dse.errors import DseInputError, short


class JournalCorrupt(DseInputError):
    """A journal line that is not an operation."""


class BatchedJournalFile(BaseJournalBackend):
    """An Optuna journal backend on one append-only file (see the module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch(exist_ok=True)
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        # (lines, byte offset) checkpoints: where the reader stopped, and where counting
        # stopped (counting skips decoding; this process's own batches are counted, not read).
        self._decoded = (0, 0)
        self._counted = (0, 0)
        self._pending: list[dict[str, Any]] | None = None

    # -- BaseJournalBackend ------------------------------------------------------------------
    def read_logs(self, log_number_from: int) -> Iterator[dict[str, Any]]:
        in_file = self._counted[0]
        if self._pending is None or log_number_from < in_file:
            yield from self._read_file(log_number_from)
        if self._pending is not None:
            yield from self._pending[max(0, log_number_from - in_file):]

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        if self._pending is not None:
            self._pending.extend(logs)
            return
        with self.locked():
            self.write(logs)

    # -- batching ----------------------------------------------------------------------------
    @contextmanager
    def batch(self) -> Generator[None, None, None]:
        """Hold the lock; keep appended operations in memory; write them at the end at once."""
        if self._pending is not None:
            yield
            return
        with self.locked():
            self._count_lines()
            self._pending = []
            try:
                yield
            finally:
                pending, self._pending = self._pending, None
                if pending:
                    written = self.write(pending)
                    self._counted = (self._counted[0] + len(pending), self._counted[1] + written)

    # -- file --------------------------------------------------------------------------------
    @contextmanager
    def locked(self) -> Generator[None, None, None]:
        """Hold the file's lock (a torn last line cut first)."""
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._repair()
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def _repair(self) -> None:
        """Cut a torn last line left by a writer that died inside ``write``."""
        with open(self.path, "rb+") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return
            handle.seek(size - 1)
            if handle.read(1) == b"\n":
                return
            start = max(0, size - (1 << 20))
            handle.seek(start)
            cut = handle.read().rfind(b"\n")
            handle.truncate(start + cut + 1 if cut >= 0 else 0)
            handle.flush()
            os.fsync(handle.fileno())

    def write(self, logs: list[dict[str, Any]]) -> int:
        """Append ``logs`` with one ``write`` and one ``fsync`` (hold :meth:`locked`); the bytes written."""
        data = "".join(json.dumps(log, separators=(",", ":")) + "\n" for log in logs).encode()
        try:
            with open(self.path, "ab") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as error:  # a full disk: the torn line is cut by the next writer (_repair)
            raise OSError(error.errno, error.strerror, str(self.path)) from error
        return len(data)

    def _tail(self, offset: int) -> bytes:
        """The complete lines of the file from byte ``offset`` on."""
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
        return data[:data.rfind(b"\n") + 1]

    def _count_lines(self) -> None:
        count, offset = self._counted
        data = self._tail(offset)
        self._counted = (count + data.count(b"\n"), offset + len(data))

    def _read_file(self, log_number_from: int) -> Iterator[dict[str, Any]]:
        """Decoded lines from ``log_number_from`` on, starting at the latest checkpoint before it."""
        usable = [c for c in (self._counted, self._decoded) if c[0] <= log_number_from]
        first, offset = max(usable) if usable else (0, 0)
        data = self._tail(offset)
        lines = data.splitlines()
        end = (first + len(lines), offset + len(data))
        self._decoded = end
        if end[0] > self._counted[0]:
            self._counted = end
        for number, line in enumerate(lines, start=first):
            if number >= log_number_from:
                yield self.decode(number, line)

    def decode(self, number: int, line: bytes) -> dict[str, Any]:
        """One operation (a JSON object); a line that is not one (a corrupted file) is one clear error."""
        try:
            log = json.loads(line)
        except ValueError:
            log = None
        if not isinstance(log, dict):
            raise JournalCorrupt(f"{self.path}: line {number + 1} is not an Optuna journal operation "
                                 f"({short(line.decode('utf-8', 'replace'), 60)}); the file is corrupted: "
                                 "restore it, or cut it before that line to keep the trials stored before it")
        return log

