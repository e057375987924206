"""Search spaces: what `dse explore` and `dse sweep` search (``spaces/*.yaml``).

A space names a workload, the objectives, the constraints, one or more backends with a
distribution per parameter, workload knobs, the sampler, the number of trials and a seed::

    name: systolic-resnet18
    workload: workloads/resnet18.yaml        # relative to this file, or zoo:NAME
    technology: horowitz45
    objectives: {energy_pj: minimize, latency_s: minimize, area_mm2: minimize}
    constraints: ["area_mm2 <= 4", "power_mw <= 500", memory_fits]
    backends:
      - backend: systolic
        params:
          rows: {type: int, low: 4, high: 256, log: true}
          dataflow: {type: categorical, choices: [os, ws, is]}
          clock_mhz: 500                     # a plain value is fixed
    knobs:
      input_density: {type: float, low: 0.3, high: 1.0, step: 0.05}
    sampler: {name: nsga2, population_size: 100}
    trials: 2000
    seed: 0

Parameter and knob values are distributions (``type``: ``int``, ``float``, ``categorical``,
``fixed``, ``knob``) or plain values (fixed). A mapping without ``type`` is a fixed value too,
so nested fixed parameters (``layer_map: {conv1: ann}``) need no wrapper. Nested backend
parameters are dotted names (``ann.rows`` for a hybrid). ``{type: knob, knob: NAME}`` makes a
parameter take the value sampled for a knob (a hybrid's ``split_after`` and the accuracy
model's ``split_after`` then always agree).

Knobs change the workload of a trial (``timesteps``, ``weight_bits``, ``activation_bits``,
``input_density`` for every layer, ``density.LAYER`` for one layer's input) and are passed
to the accuracy model, if the space has one: every knob except the workload-only ones
(``activation_bits``, ``input_density``, ``density.*``). Other knob names (``kind``,
``encoding``, ``neuron``, ``split_after``…) go to the accuracy model only. A backend's own
``knobs`` add to and override the space's.

Constraints are ``METRIC <= NUMBER``, ``METRIC >= NUMBER`` or ``memory_fits``, with METRIC
one of the cost totals or ``accuracy``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, PositiveInt, field_validator, model_validator

from dse.schema.strict import StrictNumbers

#: Every quantity a trial measures that can be an objective or a constraint (units in the names).
METRICS: tuple[str, ...] = ("energy_pj", "latency_s", "latency_cycles", "area_mm2", "power_mw", "accuracy")
Metric = Literal["energy_pj", "latency_s", "latency_cycles", "area_mm2", "power_mw", "accuracy"]
Direction = Literal["minimize", "maximize"]
#: Objectives by metric name: {metric: 'minimize' | 'maximize'}, in order.
Objectives = Mapping[str, str]

#: Knobs that change the workload (through ``Workload.with_knobs``).
WORKLOAD_KNOBS: tuple[str, ...] = ("timesteps", "weight_bits", "activation_bits", "input_density")
#: Prefix of a per-layer input-density knob: ``density.conv1``.
DENSITY_PREFIX = "density."
#: Workload knobs that an accuracy model never receives (it measures activity itself).
WORKLOAD_ONLY_KNOBS: tuple[str, ...] = ("activation_bits", "input_density")

Scalar = bool | int | float | str | None

_CONSTRAINT = re.compile(
    r"^\s*(?:(?P<fits>memory_fits)|(?P<metric>" + "|".join(METRICS) + r")\s*(?P<op><=|>=)\s*"
    r"(?P<bound>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?))\s*$"
)


class _Frozen(StrictNumbers):
    """Frozen, no extra fields, numbers strict (dse.schema.strict)."""


class IntRange(_Frozen):
    """Integers from ``low`` to ``high`` inclusive, every ``step``, or log-uniform."""

    type: Literal["int"] = "int"
    low: int
    high: int
    step: PositiveInt = Field(1, description="spacing of the allowed values")
    log: bool = Field(False, description="sample log-uniformly (needs low >= 1 and step 1)")

    @model_validator(mode="after")
    def _check(self) -> IntRange:
        if self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        if self.log and (self.low < 1 or self.step != 1):
            raise ValueError("log needs low >= 1 and step 1")
        return self


class FloatRange(_Frozen):
    """Reals from ``low`` to ``high``, uniform, every ``step``, or log-uniform."""

    type: Literal["float"] = "float"
    low: float
    high: float
    step: float | None = Field(None, gt=0, description="spacing of the allowed values")
    log: bool = Field(False, description="sample log-uniformly (needs low > 0 and no step)")

    @model_validator(mode="after")
    def _check(self) -> FloatRange:
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise ValueError(f"need finite low <= high (got {self.low}, {self.high})")
        if self.log and (self.low <= 0 or self.step is not None):
            raise ValueError("log needs low > 0 and no step")
        return self


class Categorical(_Frozen):
    """One of ``choices`` (all of one type; null allowed)."""

    type: Literal["categorical"] = "categorical"
    choices: tuple[Scalar, ...] = Field(min_length=1)

    @field_validator("choices")
    @classmethod
    def _one_type(cls, choices: tuple[Scalar, ...]) -> tuple[Scalar, ...]:
        kinds = {type(c) for c in choices if c is not None}
        if kinds <= {int, float} and float in kinds:
            return tuple(None if c is None else float(c) for c in choices)
        if len(kinds) > 1:
            raise ValueError(f"choices must share one type (got {', '.join(sorted(k.__name__ for k in kinds))})")
        return choices


class Fixed(_Frozen):
    """One value, the same in every trial."""

    type: Literal["fixed"] = "fixed"
    value: Any


class KnobRef(_Frozen):
    """The value sampled for the knob ``knob`` in the same trial."""

    type: Literal["knob"] = "knob"
    knob: str = Field(min_length=1)


Distribution = Annotated[IntRange | FloatRange | Categorical | Fixed | KnobRef, Field(discriminator="type")]
#: Type tags of Distribution (they appear in pydantic error locations).
DISTRIBUTION_TAGS: tuple[str, ...] = ("int", "float", "categorical", "fixed", "knob")


def _as_distributions(value: Any) -> Any:
    """A plain value, or a mapping without ``type``, is a fixed value."""
    if not isinstance(value, dict):
        return value
    return {k: v if isinstance(v, dict) and "type" in v else {"type": "fixed", "value": v} for k, v in value.items()}


class BackendSpace(_Frozen):
    """One candidate backend: its parameter distributions and its own knobs."""

    backend: str = Field(min_length=1, description="registered backend name (see `dse plugins`)")
    technology: str | None = Field(None, min_length=1, description="technology for this backend; default: the space's")
    params: dict[str, Distribution] = Field(
        default_factory=dict, description="parameter -> distribution or fixed value (nested: dotted names)"
    )
    knobs: dict[str, Distribution] = Field(
        default_factory=dict, description="knobs for this backend only (add to and override the space's)"
    )

    @field_validator("params", "knobs", mode="before")
    @classmethod
    def _plain_values(cls, value: Any) -> Any:
        return _as_distributions(value)


class Nsga2(_Frozen):
    """Optuna's NSGA-II (the default: cheap per trial, constraint-aware)."""

    name: Literal["nsga2"] = "nsga2"
    population_size: int = Field(50, ge=2, description="trials per generation (asked and told as one batch)")
    mutation_prob: float | None = Field(None, ge=0.0, le=1.0, description="default: 1 / number of parameters")
    crossover_prob: float = Field(0.9, ge=0.0, le=1.0)
    swapping_prob: float = Field(0.5, ge=0.0, le=1.0)


class Nsga3(_Frozen):
    """Optuna's NSGA-III (reference-point selection; for three or more objectives)."""

    name: Literal["nsga3"] = "nsga3"
    population_size: int = Field(50, ge=2, description="trials per generation (asked and told as one batch)")
    mutation_prob: float | None = Field(None, ge=0.0, le=1.0)
    crossover_prob: float = Field(0.9, ge=0.0, le=1.0)
    swapping_prob: float = Field(0.5, ge=0.0, le=1.0)
    dividing_parameter: int = Field(3, ge=1, description="divisions per objective for reference points")


class Tpe(_Frozen):
    """Optuna's TPE (multi-objective TPE costs tens of ms per trial and grows with the study)."""

    name: Literal["tpe"] = "tpe"
    batch_size: int = Field(16, ge=1, description="trials asked before the batch is evaluated and told")
    n_startup_trials: int = Field(10, ge=0, description="random trials before TPE starts modelling")
    multivariate: bool = Field(False, description="model parameters jointly")


class RandomSearch(_Frozen):
    """Independent uniform sampling (Optuna's RandomSampler)."""

    name: Literal["random"] = "random"
    batch_size: int = Field(256, ge=1, description="trials asked before the batch is evaluated and told")


Sampler = Annotated[Nsga2 | Nsga3 | Tpe | RandomSearch, Field(discriminator="name")]
SAMPLER_TAGS: tuple[str, ...] = ("nsga2", "nsga3", "tpe", "random")


class AccuracySpec(_Frozen):
    """The accuracy model that scores each trial's knobs (``dse plugins`` lists them)."""

    model: str = Field(min_length=1, description="registered accuracy model name")
    params: dict[str, Any] = Field(default_factory=dict, description="the model's own parameters")


class Constraint(_Frozen):
    """A parsed constraint: ``metric op bound`` or memory_fits."""

    text: str
    metric: str
    op: Literal["<=", ">=", "fits"]
    bound: float

    @classmethod
    def parse(cls, text: str) -> Constraint:
        match = _CONSTRAINT.match(text)
        if match is None:
            raise ValueError(f"'{text}' is not METRIC <= NUMBER, METRIC >= NUMBER or memory_fits "
                             f"(metrics: {', '.join(METRICS)})")
        if match["fits"]:
            return cls(text=text.strip(), metric="memory_fits", op="fits", bound=0.0)
        return cls(text=text.strip(), metric=match["metric"], op=match["op"], bound=float(match["bound"]))


class SearchSpace(_Frozen):
    """A design space to search: workload, objectives, constraints, backends, knobs, sampler."""

    name: str = Field(min_length=1, description="space name (default study name and output folder)")
    description: str = Field("", description="what this space asks")
    workload: str = Field(min_length=1, description="workload file (relative to the space file) or zoo:NAME")
    technology: str | None = Field(
        None, min_length=1, description="registered technology (NAME or NAME@<node>nm); default: the installation's default "
        "technology (see `dse plugins`)"
    )
    objectives: dict[Metric, Direction] = Field(
        min_length=1, description="metric -> minimize | maximize, in order (cost totals or accuracy)"
    )
    constraints: tuple[str, ...] = Field(
        (), description="'METRIC <= NUMBER', 'METRIC >= NUMBER' or 'memory_fits'; a trial must meet all"
    )
    backends: tuple[BackendSpace, ...] = Field(min_length=1, description="candidate backends, one sub-study each")
    knobs: dict[str, Distribution] = Field(default_factory=dict, description="workload and accuracy knobs")
    sampler: Sampler = Field(default_factory=Nsga2, description="nsga2 (default), nsga3, tpe or random")
    trials: PositiveInt = Field(1000, description="trials in all, split evenly between the backends")
    seed: int = Field(0, ge=0, description="seed of the samplers (workers and backends are seeded apart)")
    accuracy: AccuracySpec | None = Field(None, description="accuracy model (needed for an accuracy objective)")

    @field_validator("knobs", mode="before")
    @classmethod
    def _plain_values(cls, value: Any) -> Any:
        return _as_distributions(value)

    @field_validator("constraints")
    @classmethod
    def _parse_constraints(cls, texts: tuple[str, ...]) -> tuple[str, ...]:
        for text in texts:
            Constraint.parse(text)
        return texts

    @model_validator(mode="after")
    def _check(self) -> SearchSpace:
        names = [b.backend for b in self.backends]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"backend '{name}' is listed twice (one entry per backend)")
        uses_accuracy = "accuracy" in self.objectives or any(c.metric == "accuracy" for c in self.parsed_constraints)
        if uses_accuracy and self.accuracy is None:
            raise ValueError("an accuracy objective or constraint needs an `accuracy:` model")
        for index, entry in enumerate(self.backends):
            knobs = self.knobs_for(index)
            for name, spec in knobs.items():
                if spec.type == "knob":
                    raise ValueError(f"knob '{name}' cannot refer to another knob")
                if self.accuracy is None and not is_workload_knob(name):
                    raise ValueError(
                        f"knob '{name}' is not a workload knob ({', '.join(WORKLOAD_KNOBS)}, "
                        f"{DENSITY_PREFIX}LAYER) and the space has no accuracy model to pass it to"
                    )
            for param, spec in entry.params.items():
                if isinstance(spec, KnobRef) and spec.knob not in knobs:
                    raise ValueError(
                        f"backend '{entry.backend}': parameter '{param}' refers to knob '{spec.knob}', "
                        f"which is not defined (knobs: {', '.join(knobs) or 'none'})"
                    )
        return self

    @property
    def directions(self) -> dict[str, str]:
        """The objectives as plain {metric: direction} strings, in order."""
        return dict(self.objectives.items())

    @property
    def parsed_constraints(self) -> tuple[Constraint, ...]:
        return tuple(Constraint.parse(text) for text in self.constraints)

    def knobs_for(self, index: int) -> dict[str, Any]:
        """The knobs of backend ``index``: the space's, overridden by the backend's own."""
        return {**self.knobs, **self.backends[index].knobs}

    def technology_for(self, index: int) -> str:
        """The technology of backend ``index``: its own, else the space's (filled with the
        installation's default when the space is loaded through its plugins)."""
        name = self.backends[index].technology if self.backends[index].technology is not None else self.technology
        if name is None:
            raise ValueError(f"backends[{index}]: no technology (load the space with dse.inputs.space.read_space)")
        return name

    def trials_for(self, index: int, total: int | None = None) -> int:
        """Trials of backend ``index``: ``total`` split evenly, the first ones taking the rest."""
        total = self.trials if total is None else total
        share, rest = divmod(total, len(self.backends))
        return share + (1 if index < rest else 0)


def is_workload_knob(name: str) -> bool:
    """Whether a knob changes the workload (the others only reach the accuracy model)."""
    return name in WORKLOAD_KNOBS or (name.startswith(DENSITY_PREFIX) and len(name) > len(DENSITY_PREFIX))


def accuracy_knob(name: str) -> bool:
    """Whether a knob is passed to the accuracy model."""
    return name not in WORKLOAD_ONLY_KNOBS and not name.startswith(DENSITY_PREFIX)
