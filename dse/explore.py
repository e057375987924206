"""`dse explore`: an Optuna study per backend, asked and told a generation at a time.

A worker loops over the backends' sub-studies (``STUDY/BACKEND``), one generation each in
turn: it asks a generation (NSGA-II/III: ``population_size`` trials; TPE, random: their
``batch_size``), evaluates it in one vectorised call per knob set (:mod:`dse.batch_eval`),
and tells it, constraints set through ``trial.set_constraint``. A failed point (exception,
NaN, infinity) is told as FAIL with its error kept in the trial; the study goes on. Each
backend gets ``trials / backends`` trials; fronts are merged when the files are written.

Storage:

- embedded (default): an Optuna journal in ``OUT/study.journal`` (:mod:`dse.journal`), no
  server. The ask of a generation and its tell are each one locked, fsynced append, so
  ``kill -9`` loses at most the generation in flight. Rerunning the same command continues
  the study: trials the dead run had asked but not told are marked FAIL with the error
  ``interrupted`` and do not count against the budget.
- ``--storage URL`` (e.g. ``postgresql+psycopg://user@host/db``): Optuna's RDB storage,
  shared by workers on many machines (give each machine its own ``--seed``). Trials are
  created by the database, so no two workers ever run the same trial. Every worker stops
  when the study holds its budget of trials; workers that race past it may add up to one
  generation each. A worker that dies leaves its asked-but-untold generation RUNNING (shown
  with that state in the table); nothing told is lost.

``--workers N`` starts N processes on this machine on the same storage, seeded apart
(worker w, backend b and the number of trials already in the sub-study all enter the
sampler's seed). Plugins registered in code are re-imported in each worker by module name.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import polars as pl
from optuna.trial import TrialState

from dse.batch_eval import BlockEvaluator
from dse.errors import DseInputError
from dse.inputs import load_workload
from dse.journal import BatchedJournalFile
from dse.pareto import minimization, pareto_mask
from dse.plugins import Plugins
from dse.progress import Progress
from dse.results import config_hash, write_parquet_atomic
from dse.run_dir import claimed, space_identity, sub_study_name
from dse.run_outputs import mark_front, run_metadata, summarize, write_front_files
from dse.samplers import batch_size, make_sampler, pinned
from dse.sampling import suggest
from dse.schema.space import SearchSpace
from dse.space_io import load_space
from dse.trials_table import evaluation_record, trial_rows, trials_frame

JOURNAL_FILE = "study.journal"
INTERRUPTED = "interrupted: the run stopped after asking this trial and before telling it"
#: Key of the study attribute that ties a study to the space it was made from.
SPACE_HASH_ATTR = "dse.space_hash"


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

    @property
    def storage_url(self) -> str:
        return self.storage or f"journal:{self.out / JOURNAL_FILE}"

    @property
    def embedded(self) -> bool:
        return self.storage_url.startswith("journal:")


@dataclass(frozen=True)
class Told:
    """What a worker reports after telling a generation."""

    backend: str
    trials: int
    failed: int
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
    interrupted: int = 0
    resumed: bool = False
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
            merged = np.vstack([self.front, np.asarray(rows, dtype=float)])
            self.front = merged[pareto_mask(merged)]
        return len(self.front)


# -- storage ----------------------------------------------------------------------------------
def open_storage(url: str) -> tuple[optuna.storages.BaseStorage, Callable[[], AbstractContextManager[Any]]]:
    """The Optuna storage of ``url`` and a context manager that batches its writes."""
    if url.startswith("journal:"):
        backend = BatchedJournalFile(url[len("journal:"):])
        return optuna.storages.JournalStorage(backend), backend.batch
    try:
        return optuna.storages.RDBStorage(url), nullcontext
    except Exception as error:  # noqa: BLE001 - a bad URL or an unreachable server is the user's to fix
        raise DseInputError(f"--storage: cannot open '{_redacted(url)}': {type(error).__name__}: "
                            f"{str(error).splitlines()[0]}") from None


def _redacted(url: str) -> str:
    """``url`` without a password."""
    head, at, tail = url.rpartition("@")
    if not at or "://" not in head:
        return url
    scheme, _, userinfo = head.partition("://")
    return f"{scheme}://{userinfo.split(':')[0]}:***@{tail}" if ":" in userinfo else url


def counted(study: optuna.Study) -> int:
    """Trials that count against the budget: all of them but the interrupted ones."""
    trials = study.get_trials(deepcopy=False)
    return len(trials) - sum(1 for t in trials if (t.user_attrs.get("dse") or {}).get("interrupted"))


def worker_seed(seed: int, worker: int, backend: int, existing: int) -> int:
    """A sampler seed per worker, backend and resume point (seeded apart, reproducible)."""
    return int(np.random.SeedSequence([seed, worker, backend, existing]).generate_state(1)[0])


# -- the driver -------------------------------------------------------------------------------
def explore(config: ExploreConfig, plugins: Plugins, progress: Progress | None = None) -> ExploreResult:
    """Run (or continue) the exploration of ``config`` and write its files to ``config.out``."""
    progress = progress or Progress()
    space = _space(config, plugins)
    workload = load_workload(space.workload, plugins)
    identity = space_identity(space, config_hash(workload))
    run = {"kind": "explore", "space": identity, "study": config.study,
           "storage": "embedded" if config.embedded else config_hash(config.storage_url)}
    with claimed(config.out, run) as resumed:
        storage, batch = open_storage(config.storage_url)
        studies = [_prepare_study(storage, batch, space, i, config, identity) for i in range(len(space.backends))]
        result = ExploreResult(resumed=resumed)
        if config.embedded:
            result.interrupted = sum(_fail_interrupted(study, batch) for study in studies)
        done = sum(min(counted(s), space.trials_for(i, config.trials)) for i, s in enumerate(studies))
        progress.start(config.trials, done)
        tracker = FrontTracker(len(space.objectives))
        tracker.add(_told_front(studies, space))

        def report(told: Told) -> None:
            result.told += told.trials
            progress.advance(told.trials, tracker.add(told.feasible_objectives))

        start = time.perf_counter()
        if config.workers == 1:
            run_worker(config, 0, plugins, report)
        else:
            _run_processes(config, report)
        result.seconds = time.perf_counter() - start
        _write_outputs(config, space, workload, result)
    return result


def quiet_optuna() -> None:
    """Optuna logs every trial at INFO: thousands of lines per second here."""
    import warnings

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def _space(config: ExploreConfig, plugins: Plugins) -> SearchSpace:
    quiet_optuna()
    space = load_space(config.space_path, plugins)
    return space.model_copy(update={"trials": config.trials, "seed": config.seed})


def _prepare_study(storage: Any, batch: Callable[[], Any], space: SearchSpace, index: int, config: ExploreConfig,
                   identity: str) -> optuna.Study:
    directions = list(space.objectives.values())
    name = sub_study_name(config.study, space.backends[index].backend)
    with batch():
        study = optuna.create_study(storage=storage, study_name=name, directions=directions, load_if_exists=True)
        owner = study.user_attrs.get(SPACE_HASH_ATTR)
        if owner is None:
            study.set_user_attr(SPACE_HASH_ATTR, identity)
        elif owner != identity:
            raise DseInputError(
                f"--study: study '{name}' in this storage was made from another space (hash {owner}, this space "
                f"{identity}); choose another --study or --out"
            )
        if [d.name.lower() for d in study.directions] != directions:
            raise DseInputError(f"--study: study '{name}' has other objective directions; choose another --study")
    return study


def _fail_interrupted(study: optuna.Study, batch: Callable[[], Any]) -> int:
    """Mark trials a dead run asked and never told as FAIL (embedded storage: no one else runs)."""
    stale = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    with batch():
        for trial in stale:
            study._storage.set_trial_user_attr(trial._trial_id, "dse", {"interrupted": True, "error": INTERRUPTED})
            study.tell(trial.number, state=TrialState.FAIL)
    return len(stale)


def _told_front(studies: list[optuna.Study], space: SearchSpace) -> list[list[float]]:
    """Feasible objective rows already in the studies (a resumed run's front so far)."""
    rows = []
    for study in studies:
        for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
            if (trial.user_attrs.get("dse") or {}).get("feasible"):
                rows.append(trial.values)
    if not rows:
        return []
    return minimization(np.asarray(rows), list(space.objectives.values())).tolist()


# -- workers ----------------------------------------------------------------------------------
@dataclass
class _SubStudy:
    index: int
    study: optuna.Study
    sampler: optuna.samplers.BaseSampler
    evaluator: BlockEvaluator
    budget: int


def run_worker(config: ExploreConfig, worker: int, plugins: Plugins, report: Callable[[Told], None]) -> None:
    """Ask, evaluate and tell generations until every sub-study holds its budget."""
    space = _space(config, plugins)
    workload = load_workload(space.workload, plugins)
    storage, batch = open_storage(config.storage_url)
    subs = []
    for index, entry in enumerate(space.backends):
        name = sub_study_name(config.study, entry.backend)
        with batch():
            existing = counted(optuna.load_study(study_name=name, storage=storage))
        sampler = make_sampler(space.sampler, worker_seed(config.seed, worker, index, existing))
        study = optuna.load_study(study_name=name, storage=storage, sampler=sampler)
        subs.append(_SubStudy(index, study, sampler, BlockEvaluator(space, index, workload, plugins),
                              space.trials_for(index, config.trials)))
    who = f"{socket.gethostname()}:{os.getpid()}"
    active = list(subs)
    while active:
        for sub in list(active):
            told = _generation(sub, space, batch, who)
            if told is None:
                active.remove(sub)
            else:
                report(told)


def _generation(sub: _SubStudy, space: SearchSpace, batch: Callable[[], Any], who: str) -> Told | None:
    """Ask, evaluate and tell one generation of ``sub``; None when its budget is reached."""
    entry = space.backends[sub.index]
    knobs = space.knobs_for(sub.index)
    ga = pinned(sub.sampler)
    with batch():
        n = min(batch_size(space.sampler), sub.budget - counted(sub.study))
        if n <= 0:
            return None
        if ga is not None:
            ga.pin_generation(sub.study)
        try:
            trials = [sub.study.ask() for _ in range(n)]
            points = [suggest(trial, entry.params, knobs) for trial in trials]
        finally:
            if ga is not None:
                ga.unpin_generation()
    evaluation = sub.evaluator.evaluate(pl.DataFrame(points, infer_schema_length=None))
    objectives = list(space.objectives)
    feasible: list[list[float]] = []
    failed = 0
    with batch():
        for trial, row in zip(trials, evaluation.frame.iter_rows(named=True), strict=True):
            trial.set_user_attr("dse", evaluation_record(row, evaluation.constraint_names, who))
            if row["error"] is not None:
                failed += 1
                sub.study.tell(trial, state=TrialState.FAIL)
                continue
            for name in evaluation.constraint_names:
                trial.set_constraint(name, row[f"constraint:{name}"])
            values = [row[name] for name in objectives]
            sub.study.tell(trial, values)
            if row["feasible"]:
                feasible.append(values)
    rows = minimization(np.asarray(feasible), list(space.objectives.values())).tolist() if feasible else []
    return Told(entry.backend, n, failed, rows)


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
        raise DseInputError("; ".join(errors or dead) + " (told trials are kept: rerun to continue)")


def _worker_main(config: ExploreConfig, worker: int, messages: Any) -> None:
    import importlib

    from dse.plugins import make_plugins

    try:
        plugins = make_plugins(extra=[importlib.import_module(m) for m in config.plugin_modules])
        run_worker(config, worker, plugins, lambda told: messages.put(("told", told)))
    except DseInputError as error:
        messages.put(("error", f"worker {worker}: {error}"))
        raise SystemExit(2) from None


# -- outputs ----------------------------------------------------------------------------------
def study_trials(config: ExploreConfig, space: SearchSpace, workload_name: str) -> pl.DataFrame:
    """Every trial of every sub-study, in the fixed table schema."""
    storage, _ = open_storage(config.storage_url)
    rows: list[dict] = []
    for index, entry in enumerate(space.backends):
        name = sub_study_name(config.study, entry.backend)
        study = optuna.load_study(study_name=name, storage=storage)
        rows += trial_rows(name, entry.backend, space.technology_for(index), workload_name,
                           study.get_trials(deepcopy=False))
    return trials_frame(rows)


def _write_outputs(config: ExploreConfig, space: SearchSpace, workload: Any, result: ExploreResult) -> None:
    trials = study_trials(config, space, workload.name)
    summary = summarize(trials.lazy(), space.objectives)
    trials = mark_front(trials, summary.front)
    meta = run_metadata(space, {"space": space, "workload": workload})
    result.files = [write_parquet_atomic(trials, config.out / "trials.parquet", meta)]
    front = mark_front(summary.front, summary.front)
    result.files += write_front_files(config.out, replace(summary, front=front), space.objectives, meta, space.name)
    result.trials = trials
    result.front_size = summary.front.height
    result.hypervolume = summary.hypervolume
    result.reference = summary.reference
