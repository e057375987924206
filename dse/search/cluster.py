"""Where batches run: in this process, or on the workers of a Dask cluster (``--cluster``).

An :class:`Executor` maps one function over a sequence of batches and yields the results
in the order of the batches, whatever order they finished in, so that a caller gets the
same answer from either. ``shared`` is an argument every call needs (a search space and its
workload): a cluster receives it once (``Client.scatter``), not with every batch.

:class:`LocalExecutor` is a plain loop. :class:`DaskExecutor` submits to a Dask
``distributed`` scheduler, at most :attr:`DaskExecutor.window` batches in flight so that a
sweep of 10⁸ points holds a few chunks in memory, not all of them. The functions it runs
must be importable on the workers (module-level), and the workers must have dse and the
plugins installed (they load them themselves, see :mod:`dse.evaluation.fanout`).
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import CancelledError  # what distributed raises for a cancelled future
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from dse.errors import DseInputError
from dse.extras import install_hint

S = TypeVar("S")
B = TypeVar("B")
R = TypeVar("R")

#: Seconds to wait for a scheduler to answer. Convention of this tool: a scheduler on the
#: same network answers within milliseconds; 10 s leaves room for a busy one and still
#: fails a mistyped address quickly.
CONNECT_TIMEOUT_S = 10.0
#: What Dask's nanny sets on the workers it starts (distributed.yaml, ``pre-spawn-environ``) so
#: that glibc returns freed memory at once. With it, a worker costs a 65,536-point chunk of
#: systolic-resnet18 2 to 4 times slower than a process without it (measured here: 9-11 s
#: against 2.6-3.3 s; numpy's arrays of a few MB go back to the kernel at every free).
TRIM_VARIABLE = "MALLOC_TRIM_THRESHOLD_"
#: The Dask setting that leaves it unset when null, in a worker machine's Dask configuration (a YAML file
#: in ~/.config/dask/ or in the directory named by DASK_CONFIG; an environment variable cannot
#: say it: Dask lower-cases the names of those).
TRIM_SETTING = f"distributed.nanny.pre-spawn-environ.{TRIM_VARIABLE}"
log = logging.getLogger("dse.cluster")
#: Batches in flight per worker thread: one running, one queued, so that a worker never
#: waits for the client to hand it the next batch.
IN_FLIGHT_PER_THREAD = 2


class Executor(Protocol):
    """Maps a function over batches; results come back in the order of the batches."""

    @property
    def slots(self) -> int:
        """Batches that run at the same time (worker threads; 1 in this process)."""
        ...

    def map(self, fn: Callable[[S, B], R], shared: S, batches: Iterable[B]) -> Iterator[R]:
        """``fn(shared, batch)`` for each batch, in order."""
        ...


class LocalExecutor:
    """Runs every batch here, one after the other."""

    slots = 1

    def map(self, fn: Callable[[S, B], R], shared: S, batches: Iterable[B]) -> Iterator[R]:
        return (fn(shared, batch) for batch in batches)


class DaskExecutor:
    """Runs batches on the workers of a Dask cluster, through ``client``."""

    def __init__(self, client: Any, address: str) -> None:
        self.client = client
        self.address = address
        self._shared: dict[int, tuple[Any, Any]] = {}  # id(object) -> (object, its future on the cluster)

    @property
    def slots(self) -> int:
        threads: dict[str, int] = self.client.nthreads()
        return max(1, sum(threads.values()))

    @property
    def window(self) -> int:
        """Batches in flight at most."""
        return IN_FLIGHT_PER_THREAD * self.slots

    def map(self, fn: Callable[[S, B], R], shared: S, batches: Iterable[B]) -> Iterator[R]:
        remote = self._scattered(shared)
        pending: deque[Any] = deque()
        for batch in batches:
            pending.append(self.client.submit(fn, remote, batch, pure=False))
            if len(pending) >= self.window:
                yield self._result(pending.popleft())
        while pending:
            yield self._result(pending.popleft())

    def _scattered(self, shared: Any) -> Any:
        """The cluster's copy of ``shared``, sent once (the object is kept so its id stays its own)."""
        known = self._shared.get(id(shared))
        if known is None:
            known = (shared, self.client.scatter(shared, broadcast=True, hash=False))
            self._shared[id(shared)] = known
        return known[1]

    def _result(self, future: Any) -> Any:
        from distributed import KilledWorker

        try:
            return future.result()
        except (KilledWorker, CancelledError) as error:
            raise DseInputError(f"--cluster: lost a batch on {self.address} ({type(error).__name__}: "
                                f"{_first_line(error)}); what was written before is kept: rerun the same "
                                "command to continue") from None


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [""])[0]


@contextmanager
def open_executor(address: str | None) -> Generator[Executor, None, None]:
    """This process (``address`` None), or a client of the Dask scheduler at ``address``
    (``tcp://HOST:8786``), closed on exit. A missing ``distributed`` package, a malformed or
    unreachable address is one line (DseInputError), raised before anything is computed."""
    if address is None:
        yield LocalExecutor()
        return
    try:
        from distributed import Client
    except ImportError:
        raise DseInputError(f"--cluster: needs Dask distributed ({install_hint('cluster')})") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)  # type: ignore[no-untyped-call]
    except Exception as error:  # noqa: BLE001 - ValueError (malformed), OSError (unreachable), TimeoutError
        raise DseInputError(f"--cluster: cannot reach a Dask scheduler at '{address}' ({type(error).__name__}: "
                            f"{_first_line(error)})") from None
    try:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except TimeoutError:
            raise DseInputError(f"--cluster: the Dask scheduler at '{address}' has no workers "
                                f"(waited {CONNECT_TIMEOUT_S:g} s)") from None
        _warn_if_trimming(client, address)
        yield DaskExecutor(client, address)
    finally:
        client.close()  # type: ignore[no-untyped-call]


def _trim_setting() -> str | None:
    """The worker's glibc trim threshold, if one is set (run on each worker)."""
    return os.environ.get(TRIM_VARIABLE)


def _warn_if_trimming(client: Any, address: str) -> None:
    """One warning when workers run with Dask's eager trimming (see :data:`TRIM_VARIABLE`)."""
    settings: dict[str, str | None] = client.run(_trim_setting)
    trimming = sorted({value for value in settings.values() if value is not None})
    if trimming:
        log.warning("warning: --cluster: the workers at %s run with %s=%s (Dask's default), which costs dse's "
                    "batches 2 to 4 times slower; start them with the Dask setting %s: null (docs/explore.md)",
                    address, TRIM_VARIABLE, ",".join(trimming), TRIM_SETTING)
