"""The shared studies of `dse explore`: read a trial at a time, written a generation at a time.

Two kinds of store behind one interface:

- :class:`JournalStore`, the embedded journal (and ``--storage journal:PATH``): reads and
  writes Optuna's journal file directly (:mod:`dse.search.journal_trials`), so that nothing
  but the position reached in the file stays in memory: resuming a study reads each line
  once, and a study of a million trials costs no more memory than one of a thousand.
  Writers take the file's lock (:class:`dse.search.journal.BatchedJournalFile`), read what
  other writers added, then append a generation with one ``write`` and one ``fsync``.
- :class:`OptunaStore`, any other Optuna storage (PostgreSQL, in-memory) through Optuna's
  own API; a generation is one batch (one transaction in PostgreSQL, :mod:`dse.search.rdb`).

Either way a store hands every finished trial, other workers' included, to a callback in
the order the study stored it, each once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import optuna
from optuna.trial import FrozenTrial

from dse.errors import DseInputError
from dse.search.journal import BatchedJournalFile
from dse.search.journal_trials import (
    CREATE_STUDY,
    CREATE_TRIAL,
    DELETE_STUDY,
    SET_STUDY_SYSTEM_ATTR,
    SET_STUDY_USER_ATTR,
    Decoder,
    Encoder,
    timestamp,
)

#: Called with (study id, trial) for each finished trial, in storage order.
OnTrial = Callable[[int, FrozenTrial], None]
#: Called with (study id, key, value) for each study system attribute set, in storage order.
OnAttr = Callable[[int, str, Any], None]
#: Stores a generation: (study id, finished trials, study system attributes).
WriteGeneration = Callable[[int, Sequence[FrozenTrial], dict[str, Any]], None]
#: Study attribute that names the objectives (optuna-dashboard labels them by it).
METRIC_NAMES_ATTR = "study:metric_names"
#: Bytes read from the journal at a time.
CHUNK = 1 << 22


@dataclass(frozen=True)
class Opened:
    """A study as found (or made): its id, its user attributes, its directions, and whether it holds trials."""

    study_id: int
    user_attrs: dict[str, Any]
    directions: list[str]
    has_trials: bool


class TrialStore(Protocol):
    def open(self, name: str, directions: list[str], metric_names: list[str],
             user_attrs: dict[str, Any]) -> Opened: ...
    def sync(self, on_trial: OnTrial, on_attr: OnAttr | None = None) -> None: ...
    def append(self, study_id: int, trials: Sequence[FrozenTrial], on_trial: OnTrial,
               attrs: dict[str, Any] | None = None) -> None: ...
    def scan(self, study_id: int) -> Iterator[FrozenTrial]: ...


# -- the journal -----------------------------------------------------------------------------
@dataclass
class _Study:
    name: str
    directions: list[int]
    user_attrs: dict[str, Any] = field(default_factory=dict)
    trials: int = 0


class JournalStore:
    """An Optuna journal file, read and written directly (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.file = BatchedJournalFile(path)
        self.worker_id = f"dse-{uuid.uuid4().hex[:12]}"
        self._studies: dict[int, _Study] = {}
        self._next_study = 0
        self._next_trial = 0
        self._offset = 0
        self._line = 0
        self._watched: set[int] = set()
        self._encoders: dict[int, Encoder] = {}
        self._decoder = Decoder()

    # -- reading -------------------------------------------------------------------------------
    def _lines(self, offset: int) -> Iterator[tuple[bytes, int]]:
        """Complete lines from byte ``offset`` on, each with the offset after it, a chunk at a time."""
        with open(self.file.path, "rb") as handle:
            handle.seek(offset)
            rest = b""
            while chunk := handle.read(CHUNK):
                data = rest + chunk
                end = data.rfind(b"\n") + 1
                start = 0
                while start < end:
                    stop = data.index(b"\n", start) + 1
                    offset += stop - start
                    yield data[start:stop - 1], offset
                    start = stop
                rest = data[end:]

    def sync(self, on_trial: OnTrial, on_attr: OnAttr | None = None) -> None:
        """Apply the operations added since the last call; hand the new trials of opened studies
        to ``on_trial``, their new study system attributes to ``on_attr``."""
        for line, offset in self._lines(self._offset):
            self._apply(self.file.decode(self._line, line), on_trial, on_attr)
            self._line += 1
            self._offset = offset

    def _apply(self, log: dict[str, Any], on_trial: OnTrial | None, on_attr: OnAttr | None = None) -> None:
        op, study_id = log.get("op_code"), log.get("study_id")
        if op == CREATE_STUDY:
            if all(s.name != log["study_name"] for s in self._studies.values()):
                self._studies[self._next_study] = _Study(log["study_name"], list(log["directions"]))
                self._next_study += 1
        elif study_id not in self._studies:
            return
        elif op == DELETE_STUDY:
            del self._studies[study_id]
        elif op == SET_STUDY_USER_ATTR:
            self._studies[study_id].user_attrs.update(log["user_attr"])
        elif op == SET_STUDY_SYSTEM_ATTR:
            if on_attr is not None and study_id in self._watched:
                for key, value in log["system_attr"].items():
                    on_attr(study_id, key, value)
        elif op == CREATE_TRIAL:
            study = self._studies[study_id]
            number, trial_id = study.trials, self._next_trial
            study.trials += 1
            self._next_trial += 1
            if on_trial is not None and study_id in self._watched:
                on_trial(study_id, self._decoder.decode(log, number, trial_id))
        # operations on single trials (dse stores finished trials whole and sets nothing
        # afterwards) change nothing dse reads

    def scan(self, study_id: int) -> Iterator[FrozenTrial]:
        """Every trial of the study, read from the file again, one at a time."""
        counts: dict[int, int] = {}
        names: dict[str, int] = {}
        target = self._studies[study_id].name
        trial_id = 0
        for number, (line, _) in enumerate(self._lines(0)):
            log = self.file.decode(number, line)
            op = log.get("op_code")
            if op == CREATE_STUDY and log["study_name"] not in names:
                names[log["study_name"]] = len(names)
                counts[names[log["study_name"]]] = 0
            elif op == DELETE_STUDY:
                counts.pop(log["study_id"], None)
            elif op == CREATE_TRIAL and log["study_id"] in counts:
                sid = log["study_id"]
                if sid == names.get(target):
                    yield self._decoder.decode(log, counts[sid], trial_id)
                counts[sid] += 1
                trial_id += 1

    # -- writing -------------------------------------------------------------------------------
    def _write(self, logs: list[dict[str, Any]]) -> None:
        written = self.file.write(logs)
        self._line += len(logs)
        self._offset += written

    def open(self, name: str, directions: list[str], metric_names: list[str], user_attrs: dict[str, Any]) -> Opened:
        """Find the study ``name``, or create it with ``user_attrs`` and its metric names."""
        codes = [int(optuna.study.StudyDirection[d.upper()]) for d in directions]
        with self.file.locked():
            self.sync(lambda *_: None)
            found = next((i for i, s in self._studies.items() if s.name == name), None)
            if found is None:
                found = self._next_study
                base = {"worker_id": self.worker_id, "study_id": found}
                logs = [{"op_code": CREATE_STUDY, "worker_id": self.worker_id, "study_name": name, "directions": codes},
                        {"op_code": SET_STUDY_SYSTEM_ATTR, **base, "system_attr": {METRIC_NAMES_ATTR: metric_names}}]
                logs += [{"op_code": SET_STUDY_USER_ATTR, **base, "user_attr": {key: value}}
                         for key, value in user_attrs.items()]
                for log in logs:
                    self._apply(log, None)
                self._write(logs)
        study = self._studies[found]
        self._watched.add(found)
        return Opened(found, dict(study.user_attrs), [optuna.study.StudyDirection(d).name.lower()
                                                      for d in study.directions], study.trials > 0)

    def rewind(self) -> None:
        """Read the file from its start at the next :meth:`sync` (trials of the opened studies
        are handed over again: how a run starts)."""
        self._studies, self._next_study, self._next_trial, self._offset, self._line = {}, 0, 0, 0, 0

    def append(self, study_id: int, trials: Sequence[FrozenTrial], on_trial: OnTrial,
               attrs: dict[str, Any] | None = None) -> None:
        """Store study system ``attrs`` and ``trials`` (finished) after reading what other
        writers stored, in one append."""
        encoder = self._encoders.get(study_id)
        if encoder is None:
            encoder = self._encoders[study_id] = Encoder(study_id, self.worker_id)
        now = timestamp(datetime.now())
        with self.file.locked():
            self.sync(on_trial)
            study = self._studies[study_id]
            logs = [{"op_code": SET_STUDY_SYSTEM_ATTR, "worker_id": self.worker_id, "study_id": study_id,
                     "system_attr": {key: value}} for key, value in (attrs or {}).items()]
            for trial in trials:
                started = timestamp(trial.datetime_start) if trial.datetime_start else now
                logs.append(encoder.encode(trial, started, now))
            self._write(logs)
            for trial in trials:
                trial.number, trial._trial_id = study.trials, self._next_trial
                study.trials += 1
                self._next_trial += 1
                on_trial(study_id, trial)


# -- any Optuna storage -----------------------------------------------------------------------
class OptunaStore:
    """An Optuna storage through Optuna's API; ``batch`` makes a generation one write.

    Each look at an RDB storage (PostgreSQL) reads the trials stored since the last one only:
    trial ids grow within a study (a batch holds the study's row lock while it numbers its
    trials, :mod:`dse.search.rdb`), so the trials after the highest id seen are the new ones.
    """

    def __init__(self, storage: optuna.storages.BaseStorage, batch: Callable[[], AbstractContextManager[Any]],
                 write_generation: WriteGeneration | None = None) -> None:
        self.storage = storage
        self.batch = batch
        self.write_generation = write_generation  # a generation in one write (dse.search.rdb), else a trial at a time
        self._seen: dict[int, tuple[int, int]] = {}  # study id -> (trials read, highest trial id read or -1)

    def open(self, name: str, directions: list[str], metric_names: list[str], user_attrs: dict[str, Any]) -> Opened:
        codes = [optuna.study.StudyDirection[d.upper()] for d in directions]
        with self.batch():
            study = optuna.create_study(storage=self.storage, study_name=name, directions=codes,
                                        load_if_exists=True)
            study.set_metric_names(metric_names)
            has_trials = self.storage.get_n_trials(study._study_id) > 0
            if not has_trials and not set(user_attrs) & set(study.user_attrs):
                for key, value in user_attrs.items():
                    study.set_user_attr(key, value)
        study_id = study._study_id
        self._seen[study_id] = (0, -1)
        return Opened(study_id, study.user_attrs, [d.name.lower() for d in study.directions], has_trials)

    def rewind(self) -> None:
        self._seen = dict.fromkeys(self._seen, (0, -1))

    def sync(self, on_trial: OnTrial, on_attr: OnAttr | None = None) -> None:
        """New trials of the opened studies; on the first call (``on_attr`` given) their system attributes."""
        for study_id, (count, last_id) in self._seen.items():
            if on_attr is not None and count == 0:
                for key, value in self.storage.get_study_system_attrs(study_id).items():
                    on_attr(study_id, key, value)
            trials = self._after(study_id, count, last_id)
            for trial in trials:
                on_trial(study_id, trial)
            if trials:
                self._seen[study_id] = (count + len(trials), trials[-1]._trial_id)

    def _after(self, study_id: int, count: int, last_id: int) -> list[FrozenTrial]:
        """The trials of ``study_id`` after the first ``count`` (whose highest id is ``last_id``)."""
        if isinstance(self.storage, optuna.storages.RDBStorage):
            # Optuna's own incremental read (its _CachedStorage reads new trials through it)
            return self.storage._get_trials(study_id, None, set(), last_id)
        return self.storage.get_all_trials(study_id, deepcopy=False)[count:]

    def append(self, study_id: int, trials: Sequence[FrozenTrial], on_trial: OnTrial,
               attrs: dict[str, Any] | None = None) -> None:
        for trial in trials:
            trial._validate()
        if self.write_generation is not None:
            self.write_generation(study_id, trials, attrs or {})
        else:
            with self.batch():
                for key, value in (attrs or {}).items():
                    self.storage.set_study_system_attr(study_id, key, value)
                for trial in trials:
                    self.storage.create_new_trial(study_id, template_trial=trial)
        self.sync(on_trial)

    def scan(self, study_id: int) -> Iterator[FrozenTrial]:
        yield from self.storage.get_all_trials(study_id, deepcopy=False)


def open_study(store: JournalStore | OptunaStore, name: str, directions: list[str], metric_names: list[str],
               owner_attr: str, identity: str) -> int:
    """Create or load a dse study; refuse one made from another space, or not by dse."""
    opened = store.open(name, directions, metric_names, {owner_attr: identity})
    owner = opened.user_attrs.get(owner_attr)
    if owner is None and opened.has_trials:
        raise DseInputError(f"--study: study '{name}' in this storage holds trials not made by dse; "
                            "choose another --study")
    if owner is not None and owner != identity:
        raise DseInputError(f"--study: study '{name}' in this storage was made from another space (hash {owner}, "
                            f"this space {identity}); choose another --study or --out")
    if opened.directions != directions:
        raise DseInputError(f"--study: study '{name}' has other objective directions; choose another --study")
    return opened.study_id

