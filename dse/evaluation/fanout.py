"""Costing blocks of design points through an executor: in this process or on a cluster.

A :class:`Coster` is what `dse sweep` and `dse explore` call to cost a block of one backend.
With the local executor it is the :class:`~dse.evaluation.batch.BlockEvaluator` itself. With
a cluster (:mod:`dse.search.cluster`) it sends :class:`BlockJob` (the space, the backend's
index, the workload and the plugin modules registered in code) once, then the blocks; each
worker builds its own plugin manager (entry points, as `dse` does, plus those modules) and
one evaluator per job, kept between blocks, and returns the evaluated rows in order.

A point's cost does not depend on the other points of its block (``cost_batch`` is
vectorised over points, the knob groups are costed apart), so cutting a block into pieces
gives the same rows as costing it whole: the cluster's tables equal one process's.
"""

from __future__ import annotations

import hashlib
import importlib
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from dse.evaluation.batch import BlockEvaluator, Evaluation
from dse.plugin.manager import Plugins, make_plugins
from dse.results.provenance import config_hash
from dse.schema.space import SearchSpace
from dse.schema.workload import Workload
from dse.search.cluster import Executor, LocalExecutor
from dse.search.executors import worker_label

#: Evaluators a cluster worker keeps (one per backend of the runs it serves).
WORKER_EVALUATORS = 16


@dataclass(frozen=True)
class BlockJob:
    """What a cluster worker needs to cost blocks of backend ``index`` of ``space``."""

    space: SearchSpace
    index: int
    workload: Workload
    plugin_modules: tuple[str, ...] = ()
    key: str = field(init=False)

    def __post_init__(self) -> None:
        text = f"{self.space.model_dump_json()}|{self.index}|{config_hash(self.workload)}|{self.plugin_modules}"
        object.__setattr__(self, "key", hashlib.sha256(text.encode()).hexdigest())


class Coster:
    """Costs blocks of backend ``index`` of ``space`` with ``executor``."""

    def __init__(self, space: SearchSpace, index: int, workload: Workload, plugins: Plugins,
                 executor: Executor | None = None, plugin_modules: tuple[str, ...] = ()) -> None:
        # built here too with a cluster: an unknown backend or technology fails before any block is sent
        self.evaluator = BlockEvaluator(space, index, workload, plugins)
        self.executor = executor or LocalExecutor()
        self.local = isinstance(self.executor, LocalExecutor)
        self.job = None if self.local else BlockJob(space, index, workload, plugin_modules)

    def evaluate(self, block: pl.DataFrame) -> Evaluation:
        """One block; on a cluster, cut into one piece per worker thread."""
        if self.job is None:
            return self.evaluator.evaluate(block)
        return _joined(list(self.executor.map(evaluate_on_worker, self.job, _pieces(block, self.executor.slots))))

    def evaluate_each(self, blocks: Iterable[pl.DataFrame]) -> Iterator[Evaluation]:
        """Each of ``blocks``, in order (on a cluster, several at once)."""
        if self.job is None:
            return (self.evaluator.evaluate(block) for block in blocks)
        return self.executor.map(evaluate_on_worker, self.job, blocks)


class ClusterGenerations:
    """`dse explore`'s executor (:class:`dse.search.executors.Executor`) on a cluster: each
    generation cut into one piece per worker thread, a ``worker`` column naming the process
    that costed each row. One generation in flight, as in one process, so that the sampler
    sees the same study and the trials are those of a run without a cluster."""

    slots = 1

    def __init__(self, space: SearchSpace, workload: Workload, plugins: Plugins, executor: Executor,
                 plugin_modules: tuple[str, ...] = ()) -> None:
        for index in range(len(space.backends)):  # an unknown backend fails here, before anything is sent
            BlockEvaluator(space, index, workload, plugins)
        self.executor = executor
        self.jobs = [BlockJob(space, index, workload, plugin_modules) for index in range(len(space.backends))]

    def submit(self, backend: int, points: Sequence[dict[str, Any]]) -> Future[Evaluation]:
        done: Future[Evaluation] = Future()
        try:
            block = pl.DataFrame(list(points), infer_schema_length=None)
            pieces = _pieces(block, self.executor.slots)
            done.set_result(_joined(list(self.executor.map(evaluate_labelled, self.jobs[backend], pieces))))
        except BaseException as error:  # noqa: BLE001 - raised again by result(), as a pool's future does
            done.set_exception(error)
        return done

    def close(self) -> None:
        """The cluster's client is closed by whoever opened it."""


def _pieces(block: pl.DataFrame, count: int) -> list[pl.DataFrame]:
    """``block`` cut into ``count`` pieces at most, in order."""
    size = -(-block.height // count) or 1
    return [block.slice(start, size) for start in range(0, block.height, size)] or [block]


def _joined(parts: list[Evaluation]) -> Evaluation:
    if len(parts) == 1:
        return parts[0]
    return Evaluation(pl.concat([p.frame for p in parts], how="vertical_relaxed"), parts[0].constraint_names)


# -- the worker side ----------------------------------------------------------------------------
_plugins: dict[tuple[str, ...], Plugins] = {}
_evaluators: OrderedDict[str, BlockEvaluator] = OrderedDict()
#: An evaluator's caches are not thread-safe: a worker with several threads costs one block at a time.
_lock = threading.Lock()
_label: str | None = None  # this worker process, as dse explore's records name it


def evaluate_on_worker(job: BlockJob, block: pl.DataFrame) -> Evaluation:
    """Cost ``block`` in a cluster's worker process, with plugins loaded there."""
    with _lock:
        return _evaluator(job).evaluate(block)


def evaluate_labelled(job: BlockJob, block: pl.DataFrame) -> Evaluation:
    """:func:`evaluate_on_worker`, with a ``worker`` column naming this process."""
    global _label
    evaluation = evaluate_on_worker(job, block)
    _label = _label or worker_label()
    return Evaluation(evaluation.frame.with_columns(pl.lit(_label).alias("worker")), evaluation.constraint_names)


def _evaluator(job: BlockJob) -> BlockEvaluator:
    evaluator = _evaluators.get(job.key)
    if evaluator is None:
        evaluator = BlockEvaluator(job.space, job.index, job.workload, _worker_plugins(job.plugin_modules))
        _evaluators[job.key] = evaluator
        if len(_evaluators) > WORKER_EVALUATORS:
            _evaluators.popitem(last=False)
    _evaluators.move_to_end(job.key)
    return evaluator


def _worker_plugins(modules: tuple[str, ...]) -> Plugins:
    if modules not in _plugins:
        with warnings.catch_warnings():  # the client has summarised failed plugins already
            warnings.simplefilter("ignore", RuntimeWarning)
            _plugins[modules] = make_plugins(extra=[importlib.import_module(m) for m in modules])
    return _plugins[modules]
