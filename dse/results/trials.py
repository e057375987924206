"""The results table of `dse explore` and `dse sweep`: one row per trial, a fixed schema.

Every run writes these columns, whatever its objectives and backends, so that any set of
result files scans as one table (backend parameters and knobs live in JSON columns):

=====================  =======  ==========================================================
column                 type     meaning
=====================  =======  ==========================================================
study                  str      sub-study (``STUDY/BACKEND``); with ``trial``, the row's key
trial                  int      trial number in the sub-study (point index for a sweep)
backend                str      backend name
technology             str      technology name
workload               str      workload name
state                  str      COMPLETE or FAIL
error                  str      why a failed trial failed, else null
energy_pj              float    energy per inference (pJ)
latency_cycles         float    cycles per inference
latency_s              float    seconds per inference
area_mm2               float    chip area (mm²)
power_mw               float    average power (mW)
memory_fits            bool     every operand fits on chip
accuracy               float    task accuracy (fraction), null without an accuracy model
constraint_violation   float    the largest normalised constraint value (<= 0: all met)
constraints_json       str      {constraint: normalised value}
feasible               bool     finished, finite, and every constraint met
pareto                 bool     on the merged front of the run (null in sweep chunks)
params_json            str      backend parameters, dotted names ({"rows": 16, "ann.cols": 8})
knobs_json             str      workload and accuracy knobs ({"timesteps": 4})
config_hash            str      sha256 (16 hex) of backend, technology, workload, params, knobs
plugin_versions        str      {"backend:NAME": "DIST VERSION", "accuracy:NAME": ...} that costed it
worker                 str      host:pid of the process that evaluated it
=====================  =======  ==========================================================
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl

TRIALS_SCHEMA: dict[str, Any] = {
    "study": pl.String,
    "trial": pl.Int64,
    "backend": pl.String,
    "technology": pl.String,
    "workload": pl.String,
    "state": pl.String,
    "error": pl.String,
    "energy_pj": pl.Float64,
    "latency_cycles": pl.Float64,
    "latency_s": pl.Float64,
    "area_mm2": pl.Float64,
    "power_mw": pl.Float64,
    "memory_fits": pl.Boolean,
    "accuracy": pl.Float64,
    "constraint_violation": pl.Float64,
    "constraints_json": pl.String,
    "feasible": pl.Boolean,
    "pareto": pl.Boolean,
    "params_json": pl.String,
    "knobs_json": pl.String,
    "config_hash": pl.String,
    "plugin_versions": pl.String,
    "worker": pl.String,
}

#: Fields of a trial's ``dse`` user attribute that are columns of the table.
RECORD_FIELDS: tuple[str, ...] = (
    "error", "energy_pj", "latency_cycles", "latency_s", "area_mm2", "power_mw", "memory_fits", "accuracy",
    "constraint_violation", "constraints_json", "feasible", "params_json", "knobs_json", "config_hash", "plugin_versions",
    "worker",
)


def evaluation_record(row: dict[str, Any], worker: str) -> dict[str, Any]:
    """What a trial stores (user attribute ``dse``) from its row of an evaluated block: the
    fields that have a value (a missing one reads as null); the constraint values are the
    trial's own (``Trial.set_constraint``), so not repeated here."""
    record = {name: _finite_or_none(row.get(name)) for name in RECORD_FIELDS if name in row}
    record["worker"] = worker
    record.pop("constraints_json", None)
    return {name: value for name, value in record.items() if value is not None}


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):  # JSON has no NaN or Infinity
        return None
    return value


def trial_rows(study: str, backend: str, technology: str, workload: str, trials: Iterable[Any]) -> list[dict[str, Any]]:
    """Table rows of Optuna trials (FrozenTrial) of one sub-study."""
    rows = []
    for trial in trials:
        record = trial.user_attrs.get("dse") or {}
        row = {name: record.get(name) for name in RECORD_FIELDS}
        if row["constraints_json"] is None:  # older dse records held them; now the trial's constraints do
            row["constraints_json"] = json.dumps(trial.constraints, sort_keys=True)
        row.update(study=study, trial=trial.number, backend=backend, technology=technology, workload=workload,
                   state=trial.state.name, pareto=False)
        row["feasible"] = bool(row["feasible"]) and row["state"] == "COMPLETE"
        rows.append(row)
    return rows


def trials_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows in the fixed schema, sorted by (study, trial)."""
    return pl.DataFrame(rows, schema=TRIALS_SCHEMA).sort("study", "trial")


def evaluation_frame(evaluated: pl.DataFrame, constraint_names: Sequence[str], *, study: str, backend: str,
                     technology: str, workload: str, first_trial: int, worker: str) -> pl.DataFrame:
    """An evaluated block of a sweep in the fixed schema (``pareto`` null: not known per chunk)."""
    columns = [f"constraint:{name}" for name in constraint_names]
    constraints = (evaluated.select(pl.struct(pl.col(c).alias(c.removeprefix("constraint:")) for c in columns)
                                    .struct.json_encode()).to_series() if columns
                   else pl.Series(["{}"] * evaluated.height))
    n = evaluated.height
    floats = [name for name, dtype in evaluated.schema.items() if dtype == pl.Float64]
    evaluated = evaluated.with_columns(  # no NaN or infinity in a results table: null, as in explore's
        pl.when(pl.col(name).is_finite()).then(pl.col(name)).otherwise(None).alias(name) for name in floats)
    return evaluated.with_columns(
        pl.lit(study).alias("study"),
        pl.int_range(first_trial, first_trial + n, dtype=pl.Int64).alias("trial"),
        pl.lit(backend).alias("backend"),
        pl.lit(technology).alias("technology"),
        pl.lit(workload).alias("workload"),
        pl.when(pl.col("error").is_null()).then(pl.lit("COMPLETE")).otherwise(pl.lit("FAIL")).alias("state"),
        constraints.alias("constraints_json"),
        pl.lit(None, dtype=pl.Boolean).alias("pareto"),
        pl.lit(worker).alias("worker"),
    ).select(pl.col(name).cast(dtype) for name, dtype in TRIALS_SCHEMA.items())
