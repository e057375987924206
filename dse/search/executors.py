"""Where `dse explore` evaluates a generation: in its own process, or split over a process pool.

The search loop hands each generation to one call, ``executor.evaluate(backend, points)``:
the index of the space's backend and the design points (one dict of parameter and knob
columns per point, :func:`dse.search.parameters.point`); it gets the evaluated rows back in
the same order (:class:`dse.evaluation.batch.Evaluation`, with a ``worker`` column naming the
process that costed each row). The sampler and the storage stay in the calling process, so
a seed gives the same study whatever evaluates it.

- :class:`InProcess` evaluates in the calling process (``--workers 1``).
- :class:`ProcessPool` splits a generation into one slice per process (``--workers N``);
  each process loads the space and plugins once, and ends as soon as its parent is gone.
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
    def evaluate(self, backend: int, points: Sequence[dict[str, Any]]) -> Evaluation: ...
    def close(self) -> None: ...


def worker_label() -> str:
    """``host:pid:tag``: the process that costed a trial (the tag tells apart reused pids)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class InProcess:
    """Evaluates in this process, one vectorised call per knob set."""

    def __init__(self, space: SearchSpace, workload: Workload, plugins: Plugins) -> None:
        self.evaluators = [BlockEvaluator(space, i, workload, plugins) for i in range(len(space.backends))]
        self.label = worker_label()

    def evaluate(self, backend: int, points: Sequence[dict[str, Any]]) -> Evaluation:
        evaluation = self.evaluators[backend].evaluate(pl.DataFrame(list(points), infer_schema_length=None))
        frame = evaluation.frame.with_columns(pl.lit(self.label).alias("worker"))
        return Evaluation(frame, evaluation.constraint_names)

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
    """``workers`` processes; a generation is split into ``workers`` slices evaluated at once."""

    def __init__(self, setup: PoolSetup, workers: int) -> None:
        import multiprocessing

        self.workers = workers
        self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start, initargs=(setup,))
        # start every process now (a pool starts them on demand), so that loading overlaps
        for future in [self.pool.submit(os.getpid) for _ in range(workers)]:
            future.result()

    def evaluate(self, backend: int, points: Sequence[dict[str, Any]]) -> Evaluation:
        size = -(-len(points) // self.workers)
        futures: list[Future[Evaluation]] = [self.pool.submit(_evaluate, backend, points[i:i + size])
                                             for i in range(0, len(points), size)]
        parts = [future.result() for future in futures]
        return Evaluation(pl.concat([p.frame for p in parts], how="vertical_relaxed"), parts[0].constraint_names)

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)
