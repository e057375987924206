"""Evaluating blocks of design points of one backend: knobs → workload → accuracy → cost.

Points that share their knobs share one workload (``Workload.with_knobs``, cached) and one
accuracy (the accuracy model is asked once per distinct knob set, cached); their parameters
go to the backend's ``cost_batch`` in one call. Densities an accuracy model measured replace
the workload's for those points.

Nothing fails a block as a whole. A point fails, with its error text, when its knobs make an
invalid workload, the accuracy model raises, the backend reports an error for it, or an
objective or constrained metric is NaN or infinite. When ``cost_batch`` itself raises, the
points are retried one by one so that only the offending ones fail.

Constraint values follow Optuna's convention (<= 0 is met) and are normalised by the bound,
so that violations of different units add up fairly in NSGA-II's constrained domination:
``x <= b`` gives ``(x - b) / |b|``, ``x >= b`` gives ``(b - x) / |b|`` (``|b|`` taken as 1
when b = 0), and ``memory_fits`` gives 0 when it fits and 1 when it does not.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from pydantic import BaseModel

from dse.errors import ModelUnavailable, short
from dse.plugin.checks import batch_problems
from dse.plugin.manager import Plugins
from dse.plugin.types import BATCH_COLUMNS, Accuracy, AccuracyModel, Backend, batch_schema
from dse.results.provenance import config_hash
from dse.schema.space import DENSITY_PREFIX, Constraint, SearchSpace, accuracy_knob
from dse.schema.workload import Workload
from dse.search.parameters import KNOB_PREFIX

#: Workloads kept per evaluator (distinct knob sets); each is a few hundred kB at most.
WORKLOAD_CACHE = 256
#: Key of the workload and accuracy caches: the knob values that made the entry.
CacheKey = tuple[Any, ...]
_ERROR_CHARS = 500


@dataclass(frozen=True)
class Evaluation:
    """An evaluated block: one row per point, in input order."""

    frame: pl.DataFrame  # totals, accuracy, memory_fits, error, constraints, params/knobs JSON, hash
    constraint_names: tuple[str, ...]


class BlockEvaluator:
    """Evaluates blocks of design points of backend ``index`` of ``space`` on ``workload``."""

    def __init__(self, space: SearchSpace, index: int, workload: Workload, plugins: Plugins) -> None:
        entry = space.backends[index]
        self.backend: Backend = plugins.backend(entry.backend)
        self.who = f"backend '{self.backend.name}' of {plugins.describe(plugins.backends.owner(self.backend.name))}"
        self.technology_name = space.technology_for(index)
        self.technology = plugins.technology(self.technology_name)
        self.workload = workload
        self.knob_names = tuple(space.knobs_for(index))
        self.objectives = tuple(space.objectives)
        self.constraints: tuple[Constraint, ...] = space.parsed_constraints
        self.accuracy: tuple[AccuracyModel, BaseModel] | None = None
        self.accuracy_who = ""
        if space.accuracy is not None:
            model = plugins.accuracy_model(space.accuracy.model)
            self.accuracy = (model, model.Params.model_validate(space.accuracy.params))
            owner = plugins.describe(plugins.accuracy_models.owner(model.name))
            self.accuracy_who = f"accuracy model '{model.name}' of {owner}"
        self.plugin_versions = plugin_versions(plugins, entry.backend, space.accuracy.model if space.accuracy else None)
        self._prefix = f"{self.backend.name}|{self.technology_name}|{config_hash(workload)}|"
        self._workloads: OrderedDict[CacheKey, Workload | str] = OrderedDict()
        self._scores: dict[CacheKey, Accuracy | str] = {}

    # -- one block ---------------------------------------------------------------------------
    def evaluate(self, block: pl.DataFrame) -> Evaluation:
        """Metrics, errors, constraint values, JSON of parameters and knobs, and config hashes."""
        knob_cols = [KNOB_PREFIX + name for name in self.knob_names]
        param_cols = sorted(c for c in block.columns if not c.startswith(KNOB_PREFIX))
        params = block.select(param_cols)
        if knob_cols:
            groups = (block.select(knob_cols).with_row_index("_row")
                      .group_by(knob_cols, maintain_order=True).agg(pl.col("_row")))
            parts = [self._group(dict(zip(self.knob_names, key[:-1], strict=True)), key[-1], params)
                     for key in groups.iter_rows()]
        else:
            parts = [self._group({}, list(range(block.height)), params)]
        costs = pl.concat(parts, how="vertical_relaxed").sort("_row").drop("_row")
        frame = pl.concat([costs, self._identity(block, param_cols, knob_cols)], how="horizontal")
        return self._judge(frame)

    def _group(self, knobs: dict[str, Any], rows: list[int], params: pl.DataFrame) -> pl.DataFrame:
        """Cost the points ``rows`` that share ``knobs``."""
        workload, accuracy = self._prepare(knobs)
        if isinstance(workload, str):
            result = _failed(len(rows), workload)
        else:
            result = self._cost(workload, _rows(params, rows))
        value = None if accuracy is None else accuracy.value
        return result.with_columns(pl.Series("_row", rows, dtype=pl.UInt32),
                                   pl.lit(value, dtype=pl.Float64).alias("accuracy"))

    def _prepare(self, knobs: dict[str, Any]) -> tuple[Workload | str, Accuracy | None]:
        """The workload of ``knobs`` and its accuracy, or an error text."""
        key = tuple(sorted(knobs.items(), key=lambda item: item[0]))
        workload = self._workload(key, knobs)
        if isinstance(workload, str) or self.accuracy is None:
            return workload, None
        acc_key = tuple(item for item in key if accuracy_knob(item[0]))
        if acc_key not in self._scores:
            self._scores[acc_key] = self._score(workload, dict(acc_key))
        score = self._scores[acc_key]
        if isinstance(score, str):
            return score, None
        if score.densities:
            measured = self._workload(("measured", key), knobs, score.densities)
            return measured, score
        return workload, score

    def _workload(self, key: CacheKey, knobs: dict[str, Any],
                  measured: Mapping[str, tuple[float | None, float | None]] | None = None) -> Workload | str:
        if key in self._workloads:
            self._workloads.move_to_end(key)
            return self._workloads[key]
        workload: Workload | str
        try:
            workload = apply_knobs(self.workload, knobs)
            if measured:
                workload = workload.with_knobs(densities=measured)
        except Exception as error:  # noqa: BLE001 - a bad knob value fails its points only
            workload = _text("knobs", error)
        self._workloads[key] = workload
        if len(self._workloads) > WORKLOAD_CACHE:
            self._workloads.popitem(last=False)
        return workload

    def _score(self, workload: Workload, knobs: dict[str, Any]) -> Accuracy | str:
        model, params = self.accuracy  # type: ignore[misc]
        try:
            score = model.accuracy(workload, knobs, params)
        except ModelUnavailable as error:  # cannot run at all: the search stops before storing a trial
            raise ModelUnavailable(f"{self.accuracy_who}: {error}") from None
        except Exception as error:  # noqa: BLE001 - a failing accuracy model fails its points only
            return _text(f"accuracy model '{model.name}'", error)
        if not isinstance(score, Accuracy) or not np.isfinite(score.value):
            return f"{self.accuracy_who}: returned {short(score)}, not a finite dse.Accuracy"
        return score

    def _cost(self, workload: Workload, params: pl.DataFrame) -> pl.DataFrame:
        try:
            with np.errstate(all="ignore"):  # overflows become non-finite values, judged below
                frame = _checked(self.backend.cost_batch(workload, params, self.technology), params.height)
        except Exception as error:  # noqa: BLE001 - retried point by point below
            if params.height == 1:
                return _failed(1, _text(self.who, error))
        else:
            problems = batch_problems(frame)
            return frame.with_columns(pl.coalesce(pl.col("error"), pl.format(f"{self.who}: {{}}", problems)))
        return pl.concat([self._cost(workload, params[i:i + 1]) for i in range(params.height)])

    # -- bookkeeping -------------------------------------------------------------------------
    def _identity(self, block: pl.DataFrame, param_cols: list[str], knob_cols: list[str]) -> pl.DataFrame:
        """``params_json``, ``knobs_json`` (canonical: sorted keys), ``config_hash`` and
        ``plugin_versions`` per point."""
        knobs = block.select(pl.col(c).alias(c[len(KNOB_PREFIX):]) for c in sorted(knob_cols))
        out = pl.DataFrame({
            "params_json": _json(block.select(param_cols), block.height),
            "knobs_json": _json(knobs, block.height),
        })
        digests = [hashlib.sha256(f"{self._prefix}{p}|{k}".encode()).hexdigest()[:16]
                   for p, k in zip(out["params_json"], out["knobs_json"], strict=True)]
        return out.with_columns(pl.Series("config_hash", digests, dtype=pl.String),
                                pl.lit(self.plugin_versions, dtype=pl.String).alias("plugin_versions"))

    def _judge(self, frame: pl.DataFrame) -> Evaluation:
        """Fail non-finite objectives and totals; add constraint values, the worst one, and feasibility."""
        # objectives first (their error is the one reported), then every total: no infinity
        # reaches a results table, objective or not
        watched = dict.fromkeys([*self.objectives, *(c.metric for c in self.constraints if c.op != "fits"),
                                 *BATCH_COLUMNS[:5]])
        error = pl.col("error")
        for metric in watched:
            x = pl.col(metric)
            bad = x.is_null() | x.is_nan() | x.is_infinite()
            error = pl.when(error.is_null() & bad).then(pl.format(f"{metric} is {{}}", x.cast(pl.String).fill_null("missing")))\
                .otherwise(error)
        frame = frame.with_columns(error.alias("error"))
        names = tuple(c.text for c in self.constraints)
        frame = frame.with_columns(_constraint_value(c).alias(f"constraint:{c.text}") for c in self.constraints)
        ok = pl.col("error").is_null()
        worst = pl.max_horizontal(f"constraint:{n}" for n in names) if names else pl.lit(0.0)
        frame = frame.with_columns(pl.when(ok).then(worst).otherwise(None).alias("constraint_violation"))
        frame = frame.with_columns((ok & (pl.col("constraint_violation") <= 0)).fill_null(False).alias("feasible"))
        return Evaluation(frame, names)


def plugin_versions(plugins: Plugins, backend: str, accuracy_model: str | None) -> str:
    """JSON of the releases of the plugins that cost (and score) a trial:
    ``{"backend:systolic": "dse-accel 0.1.0", "accuracy:digits-proxy": "dse-accel 0.1.0"}``."""
    versions = {f"backend:{backend}": plugins.release(plugins.backends.owner(backend))}
    if accuracy_model is not None:
        versions[f"accuracy:{accuracy_model}"] = plugins.release(plugins.accuracy_models.owner(accuracy_model))
    return json.dumps(versions, sort_keys=True)


def apply_knobs(workload: Workload, knobs: dict[str, Any]) -> Workload:
    """``workload`` with the workload knobs of ``knobs`` applied (the others are ignored).

    ``input_density`` sets every layer's input and output density; ``density.LAYER`` sets
    that layer's input density and the output density of the layer that feeds it.
    """
    densities: dict[str, list[float | None]] = {}
    if knobs.get("input_density") is not None:
        d = float(knobs["input_density"])
        densities = {layer.name: [d, d] for layer in workload.layers}
    names = [layer.name for layer in workload.layers]
    for key, value in knobs.items():
        if not key.startswith(DENSITY_PREFIX) or value is None:
            continue
        name = key[len(DENSITY_PREFIX):]
        if name not in names:
            raise ValueError(f"knob '{key}' names no layer of '{workload.name}' (layers: {', '.join(names)})")
        densities.setdefault(name, [None, None])[0] = float(value)
        layer = workload.layer(name)
        source = layer.input_from or (names[names.index(name) - 1] if names.index(name) else None)
        if source is not None and source != "input":
            densities.setdefault(source, [None, None])[1] = float(value)
    if not densities and all(knobs.get(k) is None for k in ("timesteps", "weight_bits", "activation_bits")):
        return workload
    return workload.with_knobs(
        timesteps=knobs.get("timesteps"),
        weight_bits=knobs.get("weight_bits"),
        activation_bits=knobs.get("activation_bits"),
        densities={name: (pair[0], pair[1]) for name, pair in densities.items()},
    )


def _constraint_value(c: Constraint) -> pl.Expr:
    if c.op == "fits":
        return pl.when(pl.col("memory_fits")).then(0.0).otherwise(1.0)
    scale = abs(c.bound) or 1.0
    x = pl.col(c.metric)
    return (x - c.bound) / scale if c.op == "<=" else (c.bound - x) / scale


def _json(frame: pl.DataFrame, height: int) -> pl.Series:
    """Each row as a JSON object (``{}`` for a frame without columns)."""
    if frame.width == 0:
        return pl.Series(["{}"] * height, dtype=pl.String)
    return frame.select(pl.struct(frame.columns).struct.json_encode()).to_series()


def _checked(result: Any, height: int) -> pl.DataFrame:
    if not isinstance(result, pl.DataFrame) or result.height != height or not set(BATCH_COLUMNS) <= set(result.columns):
        raise TypeError(f"cost_batch must return a polars frame of {height} rows with columns {', '.join(BATCH_COLUMNS)}")
    return result.select(pl.col(name).cast(dtype) for name, dtype in batch_schema().items())


def _failed(n: int, error: str) -> pl.DataFrame:
    """``n`` failed points in the batch-frame schema."""
    nan = [float("nan")] * n
    rows = {name: nan for name in BATCH_COLUMNS[:5]} | {"memory_fits": [False] * n, "error": [error] * n}
    return pl.DataFrame(rows, schema=batch_schema())


def _rows(frame: pl.DataFrame, rows: list[int]) -> pl.DataFrame:
    """The rows ``rows`` of ``frame`` (a frame without columns keeps its height)."""
    if len(rows) == frame.height:
        return frame
    if frame.width == 0:
        return pl.DataFrame({"_": rows}).drop("_")
    return frame[rows]


def _text(where: str, error: BaseException) -> str:
    return f"{where}: {type(error).__name__}: {error}"[:_ERROR_CHARS]
