"""Finished trials as Optuna journal operations, written compactly and read back without a replay.

A trial is one ``CREATE_TRIAL`` operation (Optuna's ``JournalOperation.CREATE_TRIAL``, op
code 4) holding its state, values, parameters and attributes, which is how Optuna's
``JournalStorage`` stores a trial added whole (``Study.add_trials``). Written by dse it
leaves out what Optuna fills in itself (``datetime_complete`` is kept, intermediate values
are not: dse has none) and writes each distribution in Optuna's abbreviated JSON
(``{"type":"float","low":8,"high":2048,"log":true}``, read by
``optuna.distributions.json_to_distribution``), once per distinct distribution.

Read back, a trial is decoded as Optuna's replay decodes it (same numbers: a study's trials
are numbered in file order, trial ids count the trials of every live study), with the
distributions parsed once per distinct text, and without its start and end times (nothing
dse reads from a stored trial depends on them; Optuna's own reader has them).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    json_to_distribution,
)
from optuna.trial import FrozenTrial, TrialState

#: Optuna's journal operation codes (optuna.storages.journal._storage.JournalOperation).
CREATE_STUDY, DELETE_STUDY, SET_STUDY_USER_ATTR, SET_STUDY_SYSTEM_ATTR, CREATE_TRIAL = 0, 1, 2, 3, 4


def compact_json(distribution: BaseDistribution) -> str:
    """A distribution in Optuna's abbreviated JSON, defaults left out."""
    if isinstance(distribution, CategoricalDistribution):
        short: dict[str, Any] = {"type": "categorical", "choices": list(distribution.choices)}
    elif isinstance(distribution, (IntDistribution, FloatDistribution)):
        kind = "int" if isinstance(distribution, IntDistribution) else "float"
        short = {"type": kind, "low": distribution.low, "high": distribution.high}
        if distribution.step is not None and not (kind == "int" and distribution.step == 1):
            short["step"] = distribution.step
        if distribution.log:
            short["log"] = True
    else:  # no other distribution reaches a dse study; Optuna's own format holds any
        from optuna.distributions import distribution_to_json

        return distribution_to_json(distribution)
    return json.dumps(short, separators=(",", ":"))


def timestamp(moment: datetime) -> str:
    """A time as Optuna's journal writes it (UTC, microseconds)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class Encoder:
    """``CREATE_TRIAL`` operations of the finished trials of one study."""

    def __init__(self, study_id: int, worker_id: str) -> None:
        self.study_id = study_id
        self.worker_id = worker_id
        self.json: dict[BaseDistribution, str] = {}

    def _json(self, distribution: BaseDistribution) -> str:
        found = self.json.get(distribution)
        if found is None:
            found = self.json[distribution] = compact_json(distribution)
        return found

    def encode(self, trial: FrozenTrial, started: str, completed: str) -> dict[str, Any]:
        values = trial.values
        log: dict[str, Any] = {
            "op_code": CREATE_TRIAL, "worker_id": self.worker_id, "study_id": self.study_id,
            "datetime_start": started, "datetime_complete": completed, "state": int(trial.state),
        }
        if values is not None and len(values) > 1:
            log["value"], log["values"] = None, values
        else:
            log["value"], log["values"] = (values[0] if values else None), None
        log["distributions"] = {name: self._json(d) for name, d in trial.distributions.items()}
        log["params"] = {name: d.to_internal_repr(trial.params[name]) for name, d in trial.distributions.items()}
        log["user_attrs"] = trial.user_attrs
        log["system_attrs"] = trial.system_attrs
        return log


class Decoder:
    """Trials of ``CREATE_TRIAL`` operations, as Optuna's journal replay builds them."""

    def __init__(self) -> None:
        self._distributions: dict[str, BaseDistribution] = {}

    def _distribution(self, text: str) -> BaseDistribution:
        found = self._distributions.get(text)
        if found is None:
            found = self._distributions[text] = json_to_distribution(text)
        return found

    def decode(self, log: dict[str, Any], number: int, trial_id: int) -> FrozenTrial:
        distributions = {name: self._distribution(text) for name, text in log.get("distributions", {}).items()}
        params = {name: distributions[name].to_external_repr(value) for name, value in log.get("params", {}).items()}
        return FrozenTrial(
            number=number, trial_id=trial_id, state=TrialState(log.get("state", TrialState.RUNNING.value)),
            params=params, distributions=distributions, user_attrs=log.get("user_attrs", {}),
            system_attrs=log.get("system_attrs", {}), value=log.get("value"), values=log.get("values"),
            intermediate_values={int(k): v for k, v in log.get("intermediate_values", {}).items()},
            datetime_start=None, datetime_complete=None,
        )
