"""`dse explore`: an Optuna study per backend, asked and told a generation at a time.

Each backend of the space has its own study (``STUDY/BACKEND``, the backends' fronts are
merged when the files are written) and gets ``trials / backends`` trials. The search loops
over them, one generation each in turn:

1. it reads the trials other processes stored in the shared study since its last look
   (:mod:`dse.search.trial_store`) and hands them to the sampler;
2. it asks a generation (NSGA-II/III: ``population_size`` trials; TPE and random: their
   ``batch_size``) of Optuna's sampler without a study in memory
   (:mod:`dse.search.optuna_samplers`), and evaluates it in one call
   (``executor.evaluate(backend, points)``, :mod:`dse.search.executors`; one vectorised
   call per knob set, :mod:`dse.evaluation.batch`). A failed point (exception, NaN,
   infinity) is a FAIL trial with its error kept; constraints go to each trial's system
   attributes as ``Trial.set_constraint`` puts them;
3. it stores the generation in the shared study in one batch: parameters, values,
   constraints, NSGA generation and the dse record of each trial.

The shared study therefore holds finished trials only, each stored once: two processes
never run the same trial twice, a process that dies loses nothing it stored and leaves
nothing half-done, and a rerun of the same command resumes from what is stored (the
generation in flight when a process died is lost, no more). Optuna's own tools read the
shared study as any other. Nothing grows in memory with the study but the merged front.

Storage: embedded by default, an Optuna journal file ``OUT/study.journal`` (no server,
read and written directly, :class:`dse.search.trial_store.JournalStore`: one locked, fsynced
append per generation); ``--storage URL`` for Optuna's RDB storage
(``postgresql+psycopg://user@host/db``) shared by many machines, each its own ``dse
explore`` (give each its own ``--seed``); ``memory`` keeps nothing (benchmarks). A search
stops when the shared study holds its budget; processes that race past it add at most one
generation each.

``--workers N`` evaluates each generation over N processes on this machine
(:class:`dse.search.executors.ProcessPool`); sampling and storing stay in the main process,
so a seed gives the same study with any number of workers. Plugins registered in code are
imported again in each worker process by module name.

``--cluster ADDRESS`` costs each generation on the workers of a Dask cluster instead, cut
into one piece per worker thread (:class:`dse.evaluation.fanout.ClusterGenerations`); asking,
telling and storing stay in this process, so the trials are those of a run without it.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import polars as pl
from optuna.trial import FrozenTrial, TrialState

from dse.errors import DseInputError, one_line
from dse.evaluation.batch import Evaluation, plugin_versions
from dse.evaluation.fanout import ClusterGenerations
from dse.inputs.space import read_space
from dse.plugin.manager import Plugins
from dse.progress import Progress
from dse.results.atomic import write_parquet_atomic
from dse.results.front_files import VERSION_MIX_KEY, mark_front, run_metadata, summarize, write_front_files
from dse.results.pareto import dominated_by, minimization, pareto_mask
from dse.results.provenance import config_hash
from dse.results.trials import evaluation_record, trial_rows, trials_frame
from dse.schema.space import SearchSpace
from dse.schema.workload import Workload
from dse.search.cluster import Executor as BatchExecutor
from dse.search.cluster import open_executor
from dse.search.executors import Executor, InProcess, PoolSetup, ProcessPool
from dse.search.optuna_samplers import Asked, GenerationSampler, HistorySampler, batch_sampler, batch_size
from dse.search.parameters import distributions, point, sampled_columns
from dse.search.rdb import BatchedRDBStorage
from dse.search.run_dir import claimed, space_identity, sub_study_name
from dse.search.trial_store import JournalStore, OptunaStore, open_study

JOURNAL_FILE = "study.journal"
MEMORY = "memory"
#: User attribute of a trial that retries a failed one (its number).
RETRY_ATTR = "dse.retry_of"
#: Key of the study attribute that ties a study to the space it was made from.
SPACE_HASH_ATTR = "dse.space_hash"
#: Trials handed to the sampler at a time while a stored study is read.
LOAD_CHUNK = 1000
#: Feasible objective rows added to the running front at a time while a stored study is read.
FRONT_CHUNK = 50_000
#: Rows of trials.parquet built at a time.
ROWS_CHUNK = 10_000

Store = JournalStore | OptunaStore


@dataclass(frozen=True)
class ExploreConfig:
    """One `dse explore` invocation (picklable)."""

    space_path: Path
    out: Path
    study: str
    trials: int
    seed: int
    workers: int = 1
    storage: str | None = None  # None: the embedded journal in ``out``
    plugin_modules: tuple[str, ...] = ()
    activity: Path | None = None  # measured densities for the space's workload (--activity)
    allow_version_mix: bool = False  # continue a study costed by other plugin releases
    cluster: str | None = None  # a Dask scheduler's address: generations are costed on its workers (--cluster)
    html: bool = False  # also write the interactive pareto.html (--html)

    @property
    def storage_url(self) -> str:
        return self.storage or f"journal:{self.out / JOURNAL_FILE}"

    @property
    def embedded(self) -> bool:
        return self.storage_url.startswith("journal:")


@dataclass(frozen=True)
class Told:
    """What the search reports after storing a generation."""

    backend: str
    trials: int
    feasible_objectives: list[list[float]]  # minimised, for the front size


@dataclass
class ExploreResult:
    """What `dse explore` did."""

    told: int = 0
    seconds: float = 0.0
    trials: pl.LazyFrame | None = None  # trials.parquet, scanned
    front_size: int = 0
    hypervolume: float | None = None
    reference: tuple[float, ...] | None = None
    resumed: bool = False
    stored_before: int = 0  # trials the study held when this run started
    load_seconds: float = 0.0  # reading the stored study before the first new trial
    version_mix: list[str] = field(default_factory=list)  # plugin releases, when more than one costed the trials
    files: list[Path] = field(default_factory=list)

    @property
    def trials_per_second(self) -> float:
        return self.told / self.seconds if self.seconds > 0 else 0.0


class FrontTracker:
    """The merged front of everything told so far (minimised objective rows)."""

    def __init__(self, m: int) -> None:
        self.front = np.empty((0, m))

    def add(self, rows: list[list[float]]) -> int:
        if rows:
            new = np.asarray(rows, dtype=float)
            new = new[pareto_mask(new)]
            new = new[~dominated_by(new, self.front)]
            if len(new):
                self.front = np.vstack([self.front[~dominated_by(self.front, new)], new])
        return len(self.front)


# -- storage ----------------------------------------------------------------------------------
def open_store(url: str) -> Store:
    """The store of ``url``: ``journal:PATH`` is the embedded journal, ``memory`` Optuna's
    in-memory storage (nothing kept), anything else an SQLAlchemy URL for Optuna's RDB storage."""
    if url == MEMORY:
        return OptunaStore(optuna.storages.InMemoryStorage(), _no_batch)
    if url.startswith("journal:"):
        path = Path(url[len("journal:"):])
        if not str(path) or path.name in ("", ".", ".."):
            raise DseInputError(f"--storage: '{url}' names no file; give journal:PATH (e.g. journal:study.journal)")
        if not path.parent.is_dir():
            raise DseInputError(f"--storage: {path.parent} (the directory of {url}) does not exist")
        return JournalStore(path)
    try:
        rdb = BatchedRDBStorage(url)
        return OptunaStore(rdb, rdb.batch, rdb.write_generation)
    except Exception as error:  # noqa: BLE001 - a bad URL or an unreachable server is the user's to fix
        raise DseInputError(f"--storage: cannot open '{_redacted(url)}': {type(error).__name__}: "
                            f"{str(error).splitlines()[0]}") from None


@contextmanager
def _no_batch() -> Iterator[None]:
    yield


@contextmanager
def storage_errors(url: str) -> Generator[None, None, None]:
    """A storage that fails mid-run (a server gone, a corrupted journal) as one line.

    Each generation is stored whole or not at all, so what is stored stays usable: the line
    says to rerun once the storage is back.
    """
    try:
        yield
    except DseInputError:
        raise
    except Exception as error:
        if not _storage_failure(error):
            raise
        cause = error.__cause__ or error
        # the driver's message bounded, so that the line's end (what to do) survives MAX_LINE
        first = one_line((str(cause).strip().splitlines() or [""])[0], 100)
        raise DseInputError(f"--storage: lost '{_redacted(url)}' ({type(cause).__name__}: {first}); every "
                            "generation stored before is kept: rerun the same command to continue") from None


def _storage_failure(error: BaseException) -> bool:
    if isinstance(error, optuna.exceptions.StorageInternalError):
        return True
    try:
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError:  # no RDB storage without SQLAlchemy
        return False
    return isinstance(error, SQLAlchemyError)


def _redacted(url: str) -> str:
    """``url`` without its password."""
    head, at, tail = url.rpartition("@")
    scheme, sep, userinfo = head.partition("://")
    if not at or not sep or ":" not in userinfo:
        return url
    return f"{scheme}://{userinfo.split(':')[0]}:***@{tail}"


def sampler_seed(seed: int, backend: int, existing: int) -> int:
    """The sampler seed of a backend at a resume point (reproducible; a resumed study draws anew)."""
    return int(np.random.SeedSequence([seed, 0, backend, existing]).generate_state(1)[0])


def quiet_optuna() -> None:
    """Optuna logs every trial at INFO: thousands of lines per second here. Its RDB storage
    also warns "Caught an error from sqlalchemy ... Falling back" when a PostgreSQL server is
    lost mid-query, before it raises; dse says that in its own one line (dse/search/rdb.py)."""
    import logging
    import warnings

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("optuna.storages._rdb.storage").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


# -- the driver -------------------------------------------------------------------------------
def explore(config: ExploreConfig, plugins: Plugins, progress: Progress | None = None) -> ExploreResult:
    """Run (or continue) the exploration of ``config`` and write its files to ``config.out``."""
    progress = progress or Progress()
    space, workload = _space(config, plugins)
    identity = space_identity(space, config_hash(workload))
    run = {"kind": "explore", "space": identity, "study": config.study,
           "storage": "embedded" if config.embedded else config_hash(config.storage_url)}
    # a storage of its own is opened before anything is written to --out: a bad URL leaves
    # no run.json behind to refuse the corrected rerun
    opened = None if config.storage is None else open_store(config.storage_url)
    if config.cluster is not None and config.workers > 1:
        raise DseInputError("--cluster: the cluster's workers cost the generations; give --workers 1")
    with open_executor(config.cluster) as cluster, claimed(config.out, run) as resumed, \
            storage_errors(config.storage_url):
        if resumed and config.storage_url == MEMORY:
            raise DseInputError(f"{config.out}: --storage memory keeps nothing and cannot continue the run "
                                "there; choose another --out")
        store = opened or open_store(config.storage_url)
        search = Search(config, space, store, identity, plugins)
        result = ExploreResult(resumed=resumed)
        start = time.perf_counter()
        search.load()
        result.load_seconds = time.perf_counter() - start
        result.stored_before = sum(search.stored)
        if not config.allow_version_mix:
            search.refuse_other_versions()
        progress.start(config.trials, sum(min(n, b) for n, b in zip(search.stored, search.budgets, strict=True)))

        def report(told: Told) -> None:
            result.told += told.trials
            progress.advance(told.trials, search.tracker.add(told.feasible_objectives))

        executor = _executor(config, space, workload, plugins, cluster)
        start = time.perf_counter()  # the search loop: worker processes are up
        try:
            search.run(executor, report)
        finally:
            executor.close()
        result.seconds = time.perf_counter() - start
        _write_outputs(config, space, workload, store, search.study_ids, result)
    return result


def _space(config: ExploreConfig, plugins: Plugins) -> tuple[SearchSpace, Workload]:
    quiet_optuna()
    space, workload = read_space(config.space_path, plugins, config.activity)
    return space.model_copy(update={"trials": config.trials, "seed": config.seed}), workload


def _executor(config: ExploreConfig, space: SearchSpace, workload: Workload, plugins: Plugins,
              cluster: BatchExecutor) -> Executor:
    if config.cluster is not None:
        return ClusterGenerations(space, workload, plugins, cluster, config.plugin_modules)
    if config.workers == 1:
        return InProcess(space, workload, plugins)
    setup = PoolSetup(config.space_path, config.activity, config.trials, config.seed, config.plugin_modules)
    return ProcessPool(setup, config.workers)


def _releases(versions: str) -> str:
    return ", ".join(f"{name} {release}" for name, release in sorted(json.loads(versions).items()))


@dataclass(frozen=True)
class _InFlight:
    """A generation asked and submitted, not yet stored."""

    index: int
    asked: list[Asked]
    started: datetime
    future: Future[Evaluation]


class Search:
    """The studies of one space in one store, their samplers, and what has been stored so far."""

    def __init__(self, config: ExploreConfig, space: SearchSpace, store: Store, identity: str,
                 plugins: Plugins) -> None:
        self.config, self.space, self.store = config, space, store
        objectives: list[str] = list(space.objectives)
        directions: list[str] = list(space.objectives.values())
        self.directions = directions
        self.study_ids = [open_study(store, sub_study_name(config.study, entry.backend), directions, objectives,
                                     SPACE_HASH_ATTR, identity) for entry in space.backends]
        self.index = {study_id: i for i, study_id in enumerate(self.study_ids)}
        n = len(space.backends)
        columns = [sampled_columns(entry.params, space.knobs_for(i)) for i, entry in enumerate(space.backends)]
        self.distributions = [distributions(c) for c in columns]
        self.samplers: list[GenerationSampler | HistorySampler] = [
            batch_sampler(space.sampler, sampler_seed(config.seed, i, 0), directions, columns[i]) for i in range(n)]
        self.versions_now = [plugin_versions(plugins, entry.backend, space.accuracy.model if space.accuracy else None)
                             for entry in space.backends]
        self.stored = [0] * n
        self.budgets = [space.trials_for(i, config.trials) for i in range(n)]
        self.retry: list[list[FrozenTrial]] = [[] for _ in range(n)]
        self.tracker = FrontTracker(len(space.objectives))
        self._other_versions: list[set[str]] = [set() for _ in range(n)]
        self._pending: list[list[FrozenTrial]] = [[] for _ in range(n)]
        self._front_rows: list[list[float]] = []  # feasible objective rows read, not yet in the front

    # -- reading the study ---------------------------------------------------------------------
    def _take(self, study_id: int, trial: FrozenTrial) -> None:
        """A stored trial, new to this process."""
        index = self.index[study_id]
        self.stored[index] += 1
        self._pending[index].append(trial)

    def _flush(self, limit: int = 0, front_limit: int = 0) -> None:
        """Hand the pending trials (of every backend holding more than ``limit``) to the samplers,
        and the feasible objective rows read (more than ``front_limit``) to the front."""
        for index, pending in enumerate(self._pending):
            if len(pending) > limit:
                self.samplers[index].observe(pending)
                self._pending[index] = []
        if len(self._front_rows) > front_limit:
            self.tracker.add(minimization(np.asarray(self._front_rows), self.directions).tolist())
            self._front_rows = []

    def _take_stored(self, study_id: int, trial: FrozenTrial) -> None:
        """A trial stored before this run: also its versions, failure, and front."""
        index = self.index[study_id]
        record = trial.user_attrs.get("dse") or {}
        versions = record.get("plugin_versions")
        if versions is not None and versions != self.versions_now[index]:
            self._other_versions[index].add(str(versions))
        if trial.state == TrialState.FAIL:
            self.retry[index].append(trial)
        retried = trial.user_attrs.get(RETRY_ATTR)
        if retried is not None:
            self.retry[index] = [t for t in self.retry[index] if t.number != retried]
        if trial.state == TrialState.COMPLETE and record.get("feasible"):
            self._front_rows.append(trial.values)
        self._take(study_id, trial)
        self._flush(LOAD_CHUNK, FRONT_CHUNK)

    def _take_attr(self, study_id: int, key: str, value: Any) -> None:
        self.samplers[self.index[study_id]].remember(key, value)

    def load(self) -> None:
        """Read the stored study once: counts, front, plugin versions, failures to retry, and
        the samplers' state; then seed the samplers for this resume point.

        A resumed study retries each failed trial of earlier runs once (a new trial with the
        same parameters, its ``dse.retry_of`` attribute naming the failed one): a failure may
        have come from the machine (a missing dependency, since installed), not from the design.
        """
        self.store.rewind()
        self.store.sync(self._take_stored, self._take_attr)
        self._flush()
        for index, sampler in enumerate(self.samplers):
            sampler.reseed(sampler_seed(self.config.seed, index, self.stored[index]))
            self.budgets[index] += len(self.retry[index])

    def refuse_other_versions(self) -> None:
        """A study whose trials were costed by other plugin releases is not continued silently:
        one front would mix two models."""
        for index, before in enumerate(self._other_versions):
            if before:
                name = sub_study_name(self.config.study, self.space.backends[index].backend)
                raise DseInputError(
                    f"--study: study '{name}' holds trials costed by {_releases(min(before))}; "
                    f"installed now: {_releases(self.versions_now[index])}; rerun with --allow-version-mix to "
                    "continue anyway (marked in the outputs and the report), or choose another --study or --out")

    # -- searching -----------------------------------------------------------------------------
    def run(self, executor: Executor, report: Callable[[Told], None]) -> None:
        """Generations of each backend in turn, until every study holds its budget.

        Up to ``executor.slots`` generations are in flight; each is stored when it and every
        generation asked before it are evaluated, so the order of asking, evaluating and
        storing does not depend on which process finishes first.
        """
        turn = list(range(len(self.space.backends)))
        in_flight: deque[_InFlight] = deque()
        while turn or in_flight:
            while turn and len(in_flight) < executor.slots:
                index = turn.pop(0)
                asked = self._submit(index, executor, in_flight)
                if asked is not None:
                    in_flight.append(asked)
                    turn.append(index)
            if in_flight:
                report(self._store(in_flight.popleft()))

    def _submit(self, index: int, executor: Executor, in_flight: deque[_InFlight]) -> _InFlight | None:
        """Ask a generation of backend ``index`` and submit it; None when its study holds its budget."""
        self.store.sync(self._take)
        self._flush()
        asking = sum(len(f.asked) for f in in_flight if f.index == index)
        n = min(batch_size(self.space.sampler), self.budgets[index] - self.stored[index] - asking)
        if n <= 0:
            return None
        entry = self.space.backends[index]
        started = datetime.now()
        asked = self._ask(index, n)
        knobs = self.space.knobs_for(index)
        future = executor.submit(index, [point(a.params, entry.params, knobs) for a in asked])
        return _InFlight(index, asked, started, future)

    def _ask(self, index: int, n: int) -> list[Asked]:
        """``n`` trials: failed ones of earlier runs first, then the sampler's."""
        sampler = self.samplers[index]
        retries, self.retry[index] = self.retry[index][:n], self.retry[index][n:]
        generation = sampler.generation()
        attrs = {} if generation is None else {sampler.key: generation}
        asked = [Asked(dict(t.params), dict(attrs), {RETRY_ATTR: t.number}) for t in retries]
        return asked + sampler.ask(n - len(retries))

    def _store(self, flight: _InFlight) -> Told:
        """Store an evaluated generation; what it reports."""
        told, feasible = self._told(flight.index, flight.asked, flight.future.result(), flight.started)
        sampler = self.samplers[flight.index]
        chosen, sampler.chosen = sampler.chosen, {}
        self.store.append(self.study_ids[flight.index], told, self._take, chosen)
        self._flush()
        rows = minimization(np.asarray(feasible), self.directions).tolist() if feasible else []
        return Told(self.space.backends[flight.index].backend, len(told), rows)

    def _told(self, index: int, asked: list[Asked], evaluation: Evaluation,
              started: datetime) -> tuple[list[FrozenTrial], list[list[float]]]:
        """The finished trials of an evaluated generation, and the objective rows of its feasible ones."""
        objectives = list(self.space.objectives)
        names = evaluation.constraint_names
        dists = self.distributions[index]
        now = datetime.now()
        told: list[FrozenTrial] = []
        feasible: list[list[float]] = []
        for a, row in zip(asked, evaluation.frame.iter_rows(named=True), strict=True):
            failed = row["error"] is not None
            values = None if failed else [row[name] for name in objectives]
            system = dict(a.system_attrs)
            system.update((f"constraints:{name}", float(row[f"constraint:{name}"])) for name in names
                          if row[f"constraint:{name}"] is not None)
            record = evaluation_record(row, row["worker"])
            told.append(FrozenTrial(
                number=-1, trial_id=-1, state=TrialState.FAIL if failed else TrialState.COMPLETE, value=None,
                values=values, datetime_start=started, datetime_complete=now, params=a.params,
                distributions={name: dists[name] for name in a.params},
                user_attrs={"dse": record, **a.user_attrs},
                system_attrs=system, intermediate_values={}))
            if values is not None and row["feasible"]:
                feasible.append(values)
        return told, feasible


# -- outputs ----------------------------------------------------------------------------------
def _write_outputs(config: ExploreConfig, space: SearchSpace, workload: Workload, store: Store,
                   study_ids: list[int], result: ExploreResult) -> None:
    """``trials.parquet`` and the front files, at memory that does not grow with the study.

    The study is read ``ROWS_CHUNK`` trials at a time into part files (sub-studies in name
    order, each in trial order: the table's order, by study and trial), which are then read
    twice as one lazy scan: the objective columns for the front, and a streamed copy with the
    front marked into ``trials.parquet``.
    """
    meta = run_metadata(space, {"space": space, "workload": workload}, config.activity)
    with tempfile.TemporaryDirectory(prefix=".trials-", dir=config.out) as folder:
        parts = _trial_parts(Path(folder), config, space, workload, store, study_ids)
        table = pl.scan_parquet(parts) if parts else trials_frame([]).lazy()
        summary = summarize(table, space.directions)
        mixed = _version_mix(table)
        if mixed:  # resumed with --allow-version-mix: every file says so
            meta[VERSION_MIX_KEY] = json.dumps(mixed)
            result.version_mix = mixed
        path = write_parquet_atomic(mark_front(table, summary.front), config.out / "trials.parquet", meta)
    result.files = [path]
    front = replace(summary, front=mark_front(summary.front, summary.front))
    result.files += write_front_files(config.out, front, space.directions, meta, space.name, config.html)
    result.trials = pl.scan_parquet(path)
    result.front_size = summary.front.height
    result.hypervolume = summary.hypervolume
    result.reference = summary.reference


def _version_mix(table: pl.LazyFrame) -> list[str]:
    """The plugin releases of the sub-studies costed by more than one (each backend has its own)."""
    versions = table.select("study", "plugin_versions").drop_nulls().unique().collect()
    mixed = versions.filter(pl.len().over("study") > 1)
    return sorted(mixed["plugin_versions"].to_list())


def _trial_parts(folder: Path, config: ExploreConfig, space: SearchSpace, workload: Workload, store: Store,
                 study_ids: list[int]) -> list[Path]:
    """The study's trials as Parquet files of ``ROWS_CHUNK`` rows in ``folder``, in table order."""
    parts: list[Path] = []
    studies = sorted((sub_study_name(config.study, entry.backend), index)
                     for index, entry in enumerate(space.backends))
    for name, index in studies:
        entry = space.backends[index]
        technology = space.technology_for(index)
        trials = store.scan(study_ids[index])
        while chunk := [t for _, t in zip(range(ROWS_CHUNK), trials, strict=False)]:
            parts.append(folder / f"{len(parts):06d}.parquet")
            trials_frame(trial_rows(name, entry.backend, technology, workload.name, chunk)).write_parquet(parts[-1])
    return parts
