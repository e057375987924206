"""Where `dse explore` evaluates a generation: in its own process, or on a process pool.

The search loop hands each generation to one call, ``executor.submit(backend, points)``:
the index of the space's backend and the design points (one dict of parameter and knob
columns per point, :func:`dse.search.parameters.point`); the future it returns holds the
evaluated rows in the same order (:class:`dse.evaluation.batch.Evaluation`, with a
``worker`` column naming the process that costed each row). ``executor.slots`` generations
may be in flight at once; the loop stores them in the order it asked them. The sampler and
the storage stay in the calling process.

- :class:`InProcess` evaluates in the calling process, one generation at a time
  (``--workers 1``); ``evaluate(backend, points)`` is the same call without a future.
- :class:`ProcessPool` keeps ``N + 1`` generations in flight on ``N`` processes (``--workers N``):
  a generation's cost is mostly per call (a backend's vectorised ``cost_batch``), so whole
  generations, not slices of one, are what runs in parallel. Each process loads the space
  and plugins once, and ends as soon as its parent is gone.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from dse.evaluation.batch import BlockEvaluator, Evaluation
from dse.plugin.manager import Plugins
from dse.schema.space import SearchSpace
from dse.schema.workload import Workload


class Executor(Protocol):
    slots: int  # generations in flight at once

    def submit(self, backend: int, points: Sequence[dict[str, Any]]) -> Future[Evaluation]: ...
    def close(self) -> None: ...


def worker_label() -> str:
    """``host:pid:tag``: the process that costed a trial (the tag tells apart reused pids)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class InProcess:
    """Evaluates in this process, one vectorised call per knob set."""

    def __init__(self, space: SearchSpace, workload: Workload, plugins: Plugins) -> None:
        self.evaluators = [BlockEvaluator(space, i, workload, plugins) for i in range(len(space.backends))]
        self.label = worker_label()

    slots = 1

    def evaluate(self, backend: int, points: Sequence[dict[str, Any]]) -> Evaluation:
        evaluation = self.evaluators[backend].evaluate(pl.DataFrame(list(points), infer_schema_length=None))
        frame = evaluation.frame.with_columns(pl.lit(self.label).alias("worker"))
        return Evaluation(frame, evaluation.constraint_names)

    def submit(self, backend: int, points: Sequence[dict[str, Any]]) -> Future[Evaluation]:
        done: Future[Evaluation] = Future()
        try:
            done.set_result(self.evaluate(backend, points))
        except BaseException as error:  # noqa: BLE001 - raised again by result(), as a pool's future does
            done.set_exception(error)
        return done

    def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True)
class PoolSetup:
    """What a pool process needs to load the space (picklable)."""

    space_path: Path
    activity: Path | None
    trials: int
    seed: int
    plugin_modules: tuple[str, ...]


_LOCAL: InProcess | None = None
#: Seconds between a pool process's checks that its parent is alive.
PARENT_POLL_S = 0.2


def die_with_parent() -> None:
    """End this process as soon as its parent is gone, even by ``kill -9`` (which runs no
    clean-up that could stop it): an orphan is adopted by another process, so the parent pid
    changes. The generation in flight is lost, as for any killed run; what is stored stays."""
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="dse-parent-watch", daemon=True).start()


def _start(setup: PoolSetup) -> None:
    """A pool process: die with the parent, load plugins and the space once."""
    import importlib
    import warnings

    from dse.inputs.space import read_space
    from dse.plugin.manager import make_plugins
    global _LOCAL
    warnings.simplefilter("ignore", RuntimeWarning)  # the parent process has summarised failed plugins
    die_with_parent()
    plugins = make_plugins(extra=[importlib.import_module(m) for m in setup.plugin_modules])
    space, workload = read_space(setup.space_path, plugins, setup.activity)
    space = space.model_copy(update={"trials": setup.trials, "seed": setup.seed})
    _LOCAL = InProcess(space, workload, plugins)


def _evaluate(backend: int, points: Sequence[dict[str, Any]]) -> Evaluation:
    assert _LOCAL is not None, "pool process not started"
    return _LOCAL.evaluate(backend, points)


class ProcessPool:
    """``workers`` processes, a generation each (see the module docstring)."""

    def __init__(self, setup: PoolSetup, workers: int) -> None:
        import multiprocessing

        self.slots = workers + 1  # one queued, so that no process waits while this one stores and asks
        self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start, initargs=(setup,))
        # start every process now (a pool starts them on demand), so that loading overlaps
        for future in [self.pool.submit(os.getpid) for _ in range(workers)]:
            future.result()

    def submit(self, backend: int, points: Sequence[dict[str, Any]]) -> Future[Evaluation]:
        return self.pool.submit(_evaluate, backend, list(points))

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)
