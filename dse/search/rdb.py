"""Optuna's RDB storage (PostgreSQL, ...) with a batch that commits all of its writes or none.

Optuna commits every operation on its own (a trial at a time), so a connection lost in the
middle of a generation leaves part of it stored. Inside :meth:`BatchedRDBStorage.batch`
every operation's ``commit`` only flushes to the one open transaction, which is committed at
the end of the batch, or rolled back as a whole when anything fails, the server included.
Creating a trial takes the study's row lock (``SELECT ... FOR UPDATE``), so the lock is held
for the batch, as the embedded journal holds its file lock: trial numbers stay dense.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

import optuna
from optuna.storages import RDBStorage


class _DeferredCommit:
    """A session whose ``commit`` flushes and whose ``close`` waits for the batch's end."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self.wrote = False
        self.rolled_back = False

    def commit(self) -> None:
        session = self._session
        pending = bool(session.new or session.dirty or session.deleted)
        session.flush()  # a flush that fails (a study that exists already) wrote nothing
        self.wrote = self.wrote or pending

    def close(self) -> None:
        """Closed by the batch."""

    def rollback(self) -> None:
        self._session.rollback()
        # a rollback before the batch wrote anything (create_study finding the study exists)
        # loses nothing; after, what the batch wrote is gone and the batch must fail
        self.rolled_back = self.rolled_back or self.wrote

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


class BatchedRDBStorage(RDBStorage):
    """RDBStorage whose :meth:`batch` is one transaction."""

    _batch: _DeferredCommit | None = None

    @contextmanager
    def batch(self) -> Generator[None, None, None]:
        if self._batch is not None:
            yield
            return
        scoped = self.scoped_session
        session = scoped()
        self._batch = _DeferredCommit(session)
        batch = self._batch
        self.scoped_session = lambda: batch  # type: ignore[assignment]
        try:
            yield
            if batch.rolled_back:
                raise optuna.exceptions.StorageInternalError("a write of the batch was rolled back")
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            self.scoped_session = scoped
            self._batch = None
            session.close()
