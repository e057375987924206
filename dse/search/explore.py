"""`dse explore`: an Optuna study per backend, asked and told a generation at a time.

Each backend of the space has its own study (``STUDY/BACKEND``, the backends' fronts are
merged when the files are written) and gets ``trials / backends`` trials. A worker loops
over them, one generation each in turn:

1. it brings its working copy of the study (Optuna's in-memory storage, where the sampler
   runs) up to date with the finished trials other workers have stored;
2. it asks a generation there (NSGA-II/III: ``population_size`` trials; TPE and random:
   their ``batch_size``), evaluates it in one vectorised call per knob set
   (:mod:`dse.evaluation.batch`) and tells it, constraints through ``trial.set_constraint``; a
   failed point (exception, NaN, infinity) is told FAIL with its error kept in the trial;
3. it stores the told generation in the shared study in one batch (``study.add_trials``:
   parameters, values, constraints, NSGA generation and the dse record of each trial).

The shared study therefore holds finished trials only, each stored once by the worker that
ran it: two workers never run the same trial twice, a worker that dies loses nothing it
stored and leaves nothing half-done, and a rerun of the same command resumes from what is
stored (the generation in flight when a process died is lost, no more). Optuna's own tools
read the shared study as any other.

Storage: embedded by default, an Optuna journal file ``OUT/study.journal`` (no server,
:mod:`dse.search.journal`: one locked, fsynced append per generation); ``--storage URL`` for
Optuna's RDB storage (``postgresql+psycopg://user@host/db``) shared by many machines (give
each its own ``--seed``); ``memory`` keeps nothing (benchmarks). A worker stops when the
shared study holds its budget; with several workers, those that race past it add at most
one generation each.

``--workers N`` starts N processes on this machine on the same storage, seeded apart
(worker w, backend b and the number of trials already stored all enter the sampler's seed).
Plugins registered in code are imported again in each worker by module name.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Generator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import polars as pl
from optuna.trial import FrozenTrial, TrialState

from dse.errors import DseInputError
from dse.evaluation.batch import BlockEvaluator, plugin_versions
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
from dse.search.journal import BatchedJournalFile
from dse.search.optuna_samplers import batch_size, make_sampler, pinned
from dse.search.parameters import suggest
from dse.search.run_dir import claimed, space_identity, sub_study_name

JOURNAL_FILE = "study.journal"
MEMORY = "memory"
#: User attribute of a trial that retries a failed one (its number).
RETRY_ATTR = "dse.retry_of"
#: Key of the study attribute that ties a study to the space it was made from.
SPACE_HASH_ATTR = "dse.space_hash"

Batch = Callable[[], AbstractContextManager[Any]]


@dataclass(frozen=True)
class ExploreConfig:
    """One `dse explore` invocation (picklable: it is sent to worker processes)."""

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

    @property
    def storage_url(self) -> str:
        return self.storage or f"journal:{self.out / JOURNAL_FILE}"

    @property
    def embedded(self) -> bool:
        return self.storage_url.startswith("journal:")


@dataclass(frozen=True)
class Told:
    """What a worker reports after storing a generation."""

    backend: str
    trials: int
    feasible_objectives: list[list[float]]  # minimised, for the front size


@dataclass
class ExploreResult:
    """What `dse explore` did."""

    told: int = 0
    seconds: float = 0.0
    trials: pl.DataFrame | None = None
    front_size: int = 0
    hypervolume: float | None = None
    reference: tuple[float, ...] | None = None
    resumed: bool = False
    stored_before: int = 0  # trials the study held when this run started
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
def open_storage(url: str) -> tuple[optuna.storages.BaseStorage, Batch]:
    """The Optuna storage of ``url`` and a context manager that batches its writes.

    ``journal:PATH`` is the embedded journal, ``memory`` Optuna's in-memory storage (nothing
    kept), anything else an SQLAlchemy URL for Optuna's RDB storage.
    """
    if url == MEMORY:
        return optuna.storages.InMemoryStorage(), nullcontext
    if url.startswith("journal:"):
        path = Path(url[len("journal:"):])
        if not str(path) or path.name in ("", ".", ".."):
            raise DseInputError(f"--storage: '{url}' names no file; give journal:PATH (e.g. journal:study.journal)")
        if not path.parent.is_dir():
            raise DseInputError(f"--storage: {path.parent} (the directory of {url}) does not exist")
        backend = BatchedJournalFile(path)
        return optuna.storages.JournalStorage(backend), backend.batch
    try:
        from dse.search.rdb import BatchedRDBStorage

        rdb = BatchedRDBStorage(url)
        return rdb, rdb.batch
    except Exception as error:  # noqa: BLE001 - a bad URL or an unreachable server is the user's to fix
        raise DseInputError(f"--storage: cannot open '{_redacted(url)}': {type(error).__name__}: "
                            f"{str(error).splitlines()[0]}") from None


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
        first = (str(cause).strip().splitlines() or [""])[0]
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


def worker_seed(seed: int, worker: int, backend: int, existing: int) -> int:
    """A sampler seed per worker, backend and resume point (seeded apart, reproducible)."""
    return int(np.random.SeedSequence([seed, worker, backend, existing]).generate_state(1)[0])


def quiet_optuna() -> None:
    """Optuna logs every trial at INFO: thousands of lines per second here."""
    import warnings

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


# -- the driver -------------------------------------------------------------------------------
def explore(config: ExploreConfig, plugins: Plugins, progress: Progress | None = None) -> ExploreResult:
    """Run (or continue) the exploration of ``config`` and write its files to ``config.out``."""
    progress = progress or Progress()
    if config.storage_url == MEMORY and config.workers > 1:
        raise DseInputError("--storage memory: in-memory storage works with one worker only")
    space, workload = _space(config, plugins)
    identity = space_identity(space, config_hash(workload))
    run = {"kind": "explore", "space": identity, "study": config.study,
           "storage": "embedded" if config.embedded else config_hash(config.storage_url)}
    # a storage of its own is opened before anything is written to --out: a bad URL leaves
    # no run.json behind to refuse the corrected rerun
    opened = None if config.storage is None else open_storage(config.storage_url)
    with claimed(config.out, run) as resumed, storage_errors(config.storage_url):
        if resumed and config.storage_url == MEMORY:
            raise DseInputError(f"{config.out}: --storage memory keeps nothing and cannot continue the run "
                                "there; choose another --out")
        storage, batch = opened or open_storage(config.storage_url)
        studies = [_shared_study(storage, batch, space, i, config, identity) for i in range(len(space.backends))]
        stored = [s.get_trials(deepcopy=False) for s in studies]
        if not config.allow_version_mix:
            _refuse_other_versions(space, plugins, studies, stored)
        progress.start(config.trials, sum(min(len(t), space.trials_for(i, config.trials))
                                          for i, t in enumerate(stored)))
        tracker = FrontTracker(len(space.objectives))
        tracker.add(_feasible_objectives([t for trials in stored for t in trials], space))
        result = ExploreResult(resumed=resumed, stored_before=sum(len(t) for t in stored))

        def report(told: Told) -> None:
            result.told += told.trials
            progress.advance(told.trials, tracker.add(told.feasible_objectives))

        start = time.perf_counter()
        if config.workers == 1:
            run_worker(config, 0, plugins, report, (storage, batch), (space, workload))
        else:
            _run_processes(config, report)
        result.seconds = time.perf_counter() - start
        _write_outputs(config, space, workload, studies, result)
    return result


def _space(config: ExploreConfig, plugins: Plugins) -> tuple[SearchSpace, Workload]:
    quiet_optuna()
    space, workload = read_space(config.space_path, plugins, config.activity)
    return space.model_copy(update={"trials": config.trials, "seed": config.seed}), workload


def _shared_study(storage: Any, batch: Batch, space: SearchSpace, index: int, config: ExploreConfig,
                  identity: str) -> optuna.Study:
    """Create or load the shared study of backend ``index``; refuse one made from another space."""
    directions = list(space.objectives.values())
    name = sub_study_name(config.study, space.backends[index].backend)
    with batch():
        study = optuna.create_study(storage=storage, study_name=name, directions=directions, load_if_exists=True)
        study.set_metric_names(list(space.objectives))  # optuna-dashboard labels objectives by these
        owner = study.user_attrs.get(SPACE_HASH_ATTR)
        foreign = owner is None and bool(study.get_trials(deepcopy=False))
        if owner is None and not foreign:
            study.set_user_attr(SPACE_HASH_ATTR, identity)
    if foreign:
        raise DseInputError(f"--study: study '{name}' in this storage holds trials not made by dse; "
                            "choose another --study")
    if owner is not None and owner != identity:
        raise DseInputError(f"--study: study '{name}' in this storage was made from another space (hash {owner}, "
                            f"this space {identity}); choose another --study or --out")
    if [d.name.lower() for d in study.directions] != directions:
        raise DseInputError(f"--study: study '{name}' has other objective directions; choose another --study")
    return study


def _refuse_other_versions(space: SearchSpace, plugins: Plugins, studies: list[optuna.Study],
                           stored: list[list[FrozenTrial]]) -> None:
    """A study whose trials were costed by other plugin releases is not continued silently:
    one front would mix two models."""
    for index, (study, trials) in enumerate(zip(studies, stored, strict=True)):
        now = plugin_versions(plugins, space.backends[index].backend,
                              space.accuracy.model if space.accuracy else None)
        recorded = {(t.user_attrs.get("dse") or {}).get("plugin_versions") for t in trials}
        before = {str(v) for v in recorded if v is not None and v != now}
        if before:
            raise DseInputError(
                f"--study: study '{study.study_name}' holds trials costed by {_releases(min(before))}; "
                f"installed now: {_releases(now)}; rerun with --allow-version-mix to continue anyway (marked in "
                "the outputs and the report), or choose another --study or --out")


def _releases(versions: str) -> str:
    return ", ".join(f"{name} {release}" for name, release in sorted(json.loads(versions).items()))


def _feasible_objectives(trials: list[FrozenTrial], space: SearchSpace) -> list[list[float]]:
    """Minimised objective rows of the feasible trials among ``trials``."""
    rows = [t.values for t in trials if t.state == TrialState.COMPLETE and (t.user_attrs.get("dse") or {}).get(
        "feasible")]
    return minimization(np.asarray(rows), list(space.objectives.values())).tolist() if rows else []


# -- workers ----------------------------------------------------------------------------------
@dataclass
class _Backend:
    """One backend as a worker sees it: the shared study and the working copy it samples in."""

    index: int
    shared: optuna.Study
    work: optuna.Study
    evaluator: BlockEvaluator
    budget: int
    mirrored: int = 0  # shared trials looked at so far


def run_worker(config: ExploreConfig, worker: int, plugins: Plugins, report: Callable[[Told], None],
               opened: tuple[Any, Batch] | None = None, loaded: tuple[SearchSpace, Workload] | None = None) -> None:
    """Ask, evaluate, tell and store generations until every shared study holds its budget.

    ``opened`` is the storage and its batch context, ``loaded`` the space and workload, when
    the caller has them already.
    """
    with storage_errors(config.storage_url):
        _work(config, worker, plugins, report, opened, loaded)


def _work(config: ExploreConfig, worker: int, plugins: Plugins, report: Callable[[Told], None],
          opened: tuple[Any, Batch] | None, loaded: tuple[SearchSpace, Workload] | None) -> None:
    space, workload = loaded or _space(config, plugins)
    storage, batch = opened or open_storage(config.storage_url)
    me = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    backends = []
    for index, entry in enumerate(space.backends):
        shared = optuna.load_study(study_name=sub_study_name(config.study, entry.backend), storage=storage)
        trials = shared.get_trials(deepcopy=False)
        work = optuna.create_study(directions=list(space.objectives.values()),
                                   sampler=make_sampler(space.sampler, worker_seed(config.seed, worker, index, len(trials))))
        work.set_metric_names(list(space.objectives))
        retry = unretried_failures(trials)
        if worker == 0:  # one worker retries them; every worker's budget makes room for them
            for failed in retry:
                work.enqueue_trial(failed.params, user_attrs={RETRY_ATTR: failed.number}, skip_if_exists=False)
        backends.append(_Backend(index, shared, work, BlockEvaluator(space, index, workload, plugins),
                                 space.trials_for(index, config.trials) + len(retry)))
    active = list(backends)
    while active:
        for backend in list(active):
            told = _generation(backend, space, batch, me)
            if told is None:
                active.remove(backend)
            else:
                report(told)


def unretried_failures(trials: list[FrozenTrial]) -> list[FrozenTrial]:
    """Failed trials of earlier runs that no trial has retried yet.

    A resumed study retries each of them once (as a new trial with the same parameters, its
    ``dse.retry_of`` attribute naming the failed one): a failure may have come from the
    machine (a missing dependency, since installed), not from the design.
    """
    retried = {t.user_attrs.get(RETRY_ATTR) for t in trials}
    return [t for t in trials if t.state == TrialState.FAIL and t.number not in retried]


def _mirror(backend: _Backend, me: str) -> int:
    """Copy the shared trials this worker has not seen (and did not store) into its working
    study; the number of trials in the shared study."""
    trials = backend.shared.get_trials(deepcopy=False)
    new = [t for t in trials[backend.mirrored:] if (t.user_attrs.get("dse") or {}).get("worker") != me]
    if new:
        backend.work.add_trials(new)
    backend.mirrored = len(trials)
    return len(trials)


def _generation(backend: _Backend, space: SearchSpace, batch: Batch, me: str) -> Told | None:
    """One generation of ``backend``; None when its shared study holds its budget."""
    entry = space.backends[backend.index]
    n = min(batch_size(space.sampler), backend.budget - _mirror(backend, me))
    if n <= 0:
        return None
    work = backend.work
    ga = pinned(work.sampler)
    if ga is not None:
        ga.pin_generation(work)
    try:
        trials = [work.ask() for _ in range(n)]
        points = [suggest(trial, entry.params, space.knobs_for(backend.index)) for trial in trials]
    finally:
        if ga is not None:
            ga.unpin_generation()
    evaluation = backend.evaluator.evaluate(pl.DataFrame(points, infer_schema_length=None))
    objectives = list(space.objectives)
    told: list[FrozenTrial] = []
    feasible: list[list[float]] = []
    for trial, row in zip(trials, evaluation.frame.iter_rows(named=True), strict=True):
        trial.set_user_attr("dse", evaluation_record(row, evaluation.constraint_names, me))
        if row["error"] is not None:
            told.append(work.tell(trial, state=TrialState.FAIL))
            continue
        for name in evaluation.constraint_names:
            trial.set_constraint(name, row[f"constraint:{name}"])
        values = [row[name] for name in objectives]
        told.append(work.tell(trial, values))
        if row["feasible"]:
            feasible.append(values)
    with batch():
        backend.shared.add_trials(told)
    rows = minimization(np.asarray(feasible), list(space.objectives.values())).tolist() if feasible else []
    return Told(entry.backend, n, rows)


def _run_processes(config: ExploreConfig, report: Callable[[Told], None]) -> None:
    """Start ``config.workers`` processes; relay their reports; fail if one fails."""
    import multiprocessing
    import queue as queues

    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    processes = [context.Process(target=_worker_main, args=(config, w, messages), daemon=True)
                 for w in range(config.workers)]
    for process in processes:
        process.start()
    errors: list[str] = []
    try:
        while any(p.is_alive() for p in processes) or not messages.empty():
            try:
                kind, payload = messages.get(timeout=0.2)
            except queues.Empty:
                continue
            if kind == "told":
                report(payload)
            else:
                errors.append(payload)
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
    dead = [f"worker {w} exited with code {p.exitcode}" for w, p in enumerate(processes) if p.exitcode]
    if errors or dead:
        raise DseInputError("; ".join(errors or dead) + " (stored trials are kept: rerun to continue)")


#: Seconds between a worker's checks that its parent is alive.
PARENT_POLL_S = 0.2


def _die_with_parent() -> None:
    """End this worker as soon as its parent is gone, even by ``kill -9`` (which runs no
    clean-up that could stop daemon processes): an orphan is adopted by another process, so
    the parent pid changes. What the worker stored stays; its generation in flight is lost,
    as for any killed process (a journal's torn line is cut by the next writer, a database
    rolls the open transaction back)."""
    import threading

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="dse-parent-watch", daemon=True).start()


def _worker_main(config: ExploreConfig, worker: int, messages: Any) -> None:
    import importlib
    import warnings

    from dse.plugin.manager import make_plugins

    warnings.simplefilter("ignore", RuntimeWarning)  # the parent process has summarised failed plugins
    _die_with_parent()
    try:
        plugins = make_plugins(extra=[importlib.import_module(m) for m in config.plugin_modules])
        run_worker(config, worker, plugins, lambda told: messages.put(("told", told)))
    except DseInputError as error:
        messages.put(("error", f"worker {worker}: {error}"))
        raise SystemExit(2) from None


# -- outputs ----------------------------------------------------------------------------------
def _write_outputs(config: ExploreConfig, space: SearchSpace, workload: Workload, studies: list[optuna.Study],
                   result: ExploreResult) -> None:
    rows: list[dict[str, Any]] = []
    for index, (entry, study) in enumerate(zip(space.backends, studies, strict=True)):
        rows += trial_rows(study.study_name, entry.backend, space.technology_for(index), workload.name,
                           study.get_trials(deepcopy=False))
    table = trials_frame(rows)
    summary = summarize(table.lazy(), space.directions)
    trials = mark_front(table, summary.front)
    meta = run_metadata(space, {"space": space, "workload": workload}, config.activity)
    mixed = sorted(v for v in trials["plugin_versions"].unique().to_list() if v is not None)
    if len(mixed) > 1:  # resumed with --allow-version-mix: every file says so
        meta[VERSION_MIX_KEY] = json.dumps(mixed)
        result.version_mix = mixed
    result.files = [write_parquet_atomic(trials, config.out / "trials.parquet", meta)]
    front = replace(summary, front=mark_front(summary.front, summary.front))
    result.files += write_front_files(config.out, front, space.directions, meta, space.name)
    result.trials = trials
    result.front_size = summary.front.height
    result.hypervolume = summary.hypervolume
    result.reference = summary.reference
