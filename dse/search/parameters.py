"""Design points from a space: built from sampled values, or drawn in vectorised blocks.

A block of design points of one backend is a polars frame: one column per backend parameter
(dotted names for nested ones, fixed values included) and one ``knob:NAME`` column per knob.
Optuna parameters carry the same names (:func:`distributions`), so a trial's ``params``
read like a frame row (:func:`point`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from dse.schema.space import Categorical, FloatRange, IntRange, KnobRef

if TYPE_CHECKING:
    import optuna

#: Prefix of knob columns and of knob parameters in Optuna.
KNOB_PREFIX = "knob:"


def flat_fixed(name: str, value: Any) -> dict[str, Any]:
    """A fixed value as columns: a mapping becomes dotted columns (``layer_map.conv1``)."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(flat_fixed(f"{name}.{key}", inner))
        return out
    return {name: value}


def sampled(specs: Mapping[str, Any]) -> dict[str, Any]:
    """The specs that are distributions (ranges and choices), by name."""
    return {name: spec for name, spec in specs.items() if isinstance(spec, (IntRange, FloatRange, Categorical))}


def fixed_columns(params: Mapping[str, Any], knobs: Mapping[str, Any]) -> dict[str, Any]:
    """Constant columns: fixed parameters (flattened) and fixed knobs (prefixed)."""
    out: dict[str, Any] = {}
    for name, spec in params.items():
        if not isinstance(spec, (IntRange, FloatRange, Categorical, KnobRef)):
            out.update(flat_fixed(name, spec.value))
    for name, spec in knobs.items():
        if not isinstance(spec, (IntRange, FloatRange, Categorical)):
            out[KNOB_PREFIX + name] = spec.value
    return out


def sampled_columns(params: Mapping[str, Any], knobs: Mapping[str, Any]) -> dict[str, Any]:
    """The sampled knobs (``knob:NAME``) and parameters by column name, knobs first."""
    out = {KNOB_PREFIX + name: spec for name, spec in sampled(knobs).items()}
    out.update(sampled(params))
    return out


def distributions(columns: Mapping[str, Any]) -> dict[str, optuna.distributions.BaseDistribution]:
    """The Optuna distribution of every sampled column (specs by name, :func:`sampled_columns`)."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    def one(spec: Any) -> optuna.distributions.BaseDistribution:
        if isinstance(spec, IntRange):
            return IntDistribution(spec.low, spec.high, step=spec.step, log=spec.log)
        if isinstance(spec, FloatRange):
            return FloatDistribution(spec.low, spec.high, step=spec.step, log=spec.log)
        return CategoricalDistribution(list(spec.choices))

    return {name: one(spec) for name, spec in columns.items()}


def draw(spec: Any, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` values of one sampled column drawn independently (Optuna RandomSampler's rules);
    categorical values as an object array."""
    values = _draw(spec, n, rng)
    return np.asarray(values.to_list(), dtype=object) if isinstance(values, pl.Series) else values


def point(values: Mapping[str, Any], params: Mapping[str, Any], knobs: Mapping[str, Any]) -> dict[str, Any]:
    """One design point from the sampled ``values`` (named as :func:`distributions`): every
    parameter and knob column, fixed values included, knob references resolved."""
    row = fixed_columns(params, knobs)
    row.update(values)
    for name, spec in params.items():
        if isinstance(spec, KnobRef):
            row[name] = row[KNOB_PREFIX + spec.knob]
    return row


def random_block(params: Mapping[str, Any], knobs: Mapping[str, Any], n: int, rng: np.random.Generator) -> pl.DataFrame:
    """``n`` design points drawn independently (Optuna RandomSampler's rules, vectorised)."""
    columns: dict[str, Any] = {}
    for name, spec in sampled(knobs).items():
        columns[KNOB_PREFIX + name] = _draw(spec, n, rng)
    for name, spec in sampled(params).items():
        columns[name] = _draw(spec, n, rng)
    return _complete(pl.DataFrame(columns, nan_to_null=False), params, knobs, n)


def _draw(spec: Any, n: int, rng: np.random.Generator) -> pl.Series | np.ndarray:
    if isinstance(spec, IntRange):
        if spec.log:  # log-uniform over [low - 0.5, high + 0.5], rounded (as Optuna does for ints)
            value = np.exp(rng.uniform(math.log(spec.low - 0.5), math.log(spec.high + 0.5), n))
            return np.clip(np.rint(value), spec.low, spec.high).astype(np.int64)
        count = (spec.high - spec.low) // spec.step + 1
        return spec.low + spec.step * rng.integers(0, count, n, dtype=np.int64)
    if isinstance(spec, FloatRange):
        if spec.log:
            return np.exp(rng.uniform(math.log(spec.low), math.log(spec.high), n))
        if spec.step is not None:
            count = math.floor((spec.high - spec.low) / spec.step + 1e-9) + 1
            return spec.low + spec.step * rng.integers(0, count, n)
        return rng.uniform(spec.low, spec.high, n)
    picks = rng.integers(0, len(spec.choices), n)
    return pl.Series([spec.choices[i] for i in picks])


def grid_axes(params: Mapping[str, Any], knobs: Mapping[str, Any], points: int) -> list[tuple[str, list[Any]]]:
    """The values of every sampled column on the grid, knobs first.

    Categorical choices are all taken. A range is taken whole when it has at most ``points``
    allowed values; otherwise, and for a float range without a step, ``points`` values
    spread evenly (geometrically when ``log``), snapped to the step and made unique.
    """
    axes = [(KNOB_PREFIX + name, grid_values(spec, points)) for name, spec in sampled(knobs).items()]
    axes += [(name, grid_values(spec, points)) for name, spec in sampled(params).items()]
    return axes


def grid_values(spec: Any, points: int) -> list[Any]:
    """The grid values of one distribution (see :func:`grid_axes`)."""
    if isinstance(spec, Categorical):
        return list(spec.choices)
    if isinstance(spec, IntRange):
        allowed = (spec.high - spec.low) // spec.step + 1
        if allowed <= points:
            return list(range(spec.low, spec.high + 1, spec.step))
        spread = np.geomspace(spec.low, spec.high, points) if spec.log else np.linspace(spec.low, spec.high, points)
        snapped = spec.low + spec.step * np.rint((spread - spec.low) / spec.step).astype(np.int64)
        return sorted({int(v) for v in snapped})
    if spec.step is not None:
        allowed = math.floor((spec.high - spec.low) / spec.step + 1e-9) + 1
        index = np.arange(allowed) if allowed <= points else np.rint(np.linspace(0, allowed - 1, points))
        return sorted({round(spec.low + spec.step * float(i), 12) for i in index})
    spread = np.geomspace(spec.low, spec.high, points) if spec.log else np.linspace(spec.low, spec.high, points)
    return sorted({float(v) for v in spread})


def grid_size(axes: list[tuple[str, list[Any]]]) -> int:
    return math.prod(len(values) for _, values in axes)


def grid_block(
    axes: list[tuple[str, list[Any]]], params: Mapping[str, Any], knobs: Mapping[str, Any], start: int, stop: int
) -> pl.DataFrame:
    """Grid points ``start`` to ``stop`` (exclusive), in mixed-radix order (the last axis fastest)."""
    index = np.arange(start, stop, dtype=np.int64)
    columns: dict[str, Any] = {}
    stride = 1
    for name, values in reversed(axes):
        digit = (index // stride) % len(values)
        stride *= len(values)
        columns[name] = pl.Series([values[i] for i in digit]) if _objects(values) else np.asarray(values)[digit]
    ordered = {name: columns[name] for name, _ in axes}
    return _complete(pl.DataFrame(ordered, nan_to_null=False), params, knobs, stop - start)


def _objects(values: list[Any]) -> bool:
    return any(v is None or isinstance(v, (str, bool)) for v in values)


def _complete(frame: pl.DataFrame, params: Mapping[str, Any], knobs: Mapping[str, Any], n: int) -> pl.DataFrame:
    """Add the fixed columns and the parameters that copy a knob."""
    if frame.width == 0:
        frame = pl.DataFrame({"_n": np.zeros(n)}).drop("_n")
    fixed = fixed_columns(params, knobs)
    frame = frame.with_columns(pl.repeat(value, n, eager=True).alias(name) for name, value in fixed.items())
    refs = {name: pl.col(KNOB_PREFIX + spec.knob) for name, spec in params.items() if isinstance(spec, KnobRef)}
    return frame.with_columns(expr.alias(name) for name, expr in refs.items()) if refs else frame
