"""The ``table`` accuracy model: a user's measured points, interpolated monotonically.

A table is a CSV or Parquet file with one row per measured point: knob columns (any of the
names in :mod:`dse_accuracy.knobs`), ``accuracy`` (a fraction in [0, 1]) and optionally
``source`` (where the number comes from) and ``note``. ``weight_bits`` and ``timesteps`` are
interpolation axes (monotone, piecewise multilinear in log2, see
:mod:`dse_accuracy.interpolate`); every other knob column must match the trial's knob exactly
(an empty cell matches a knob the network type does not use, such as ``encoding`` for an
ANN). Knobs the table has no column for are not distinguished. Rows measuring the same point
(several seeds) are averaged.

Outside the measured range of an axis the model raises DseInputError, unless
``extrapolate: true``: then the value is held at the nearest measured edge (flat
extrapolation, which keeps the model monotone). Without ``path`` the table shipped for the
workload's name is used (``tables/NAME.csv``, every row citing its paper).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dse import Accuracy, AccuracyModel, DseInputError, Workload
from dse_accuracy.interpolate import MissingPoint, interpolate, monotone
from dse_accuracy.knobs import KNOB_NAMES, Knobs, resolve_knobs

#: Knobs that are interpolation axes, in this order; all others must match exactly.
AXES: tuple[str, ...] = ("weight_bits", "timesteps")
#: Columns a table may have besides knobs.
VALUE_COLUMNS: tuple[str, ...] = ("accuracy", "source", "note")
TABLES_DIR = Path(__file__).parent / "tables"

Row = dict[str, Any]


class TableParams(BaseModel):
    """Parameters of the ``table`` accuracy model."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    path: str | None = Field(
        None, description="CSV or Parquet file of knob columns + accuracy; default: the table shipped "
        "for the workload's name (plugins/dse_accuracy/tables/NAME.csv)"
    )
    extrapolate: bool = Field(
        False, description="outside the measured range, hold the nearest measured value instead of failing"
    )


class TableAccuracy(AccuracyModel):
    """Accuracy interpolated from measured points (CSV or Parquet)."""

    name = "table"
    description = "measured accuracy points from a CSV/Parquet file, monotone interpolation in log2 bits and T"
    Params = TableParams

    def accuracy(self, workload: Workload, knobs: Mapping[str, Any], params: BaseModel) -> Accuracy:
        assert isinstance(params, TableParams)
        path = _table_path(workload, params)
        resolved = resolve_knobs(workload, knobs)
        mtime = path.stat().st_mtime_ns
        exact = [k for k in KNOB_NAMES if k not in AXES and k in read_table(str(path), mtime)[0]]
        surface = _surface(str(path), mtime, tuple((k, getattr(resolved, k)) for k in exact))
        query = tuple(float(getattr(resolved, a)) for a in surface.axes)
        held = _check_range(path, surface, query, resolved, params.extrapolate)
        query = tuple(min(max(q, lo), hi) for q, (lo, hi) in zip(query, surface.ranges, strict=True))
        try:
            value, corners = interpolate(surface.points, query)
        except MissingPoint as missing:
            at = ", ".join(f"{a}={v:g}" for a, v in zip(surface.axes, missing.point, strict=True))
            raise DseInputError(
                f"{path}: no measured point at {at}, which interpolating {resolved.label(seed=False)} needs "
                "(measure it, or query a point on the measured grid)"
            ) from None
        used = sorted({surface.sources[p] for p in corners if p in surface.sources})
        note = f"; held at the measured edge for {', '.join(held)}" if held else ""
        return Accuracy(
            value=min(max(value, 0.0), 1.0),
            source=f"table {path.name}: {resolved.label(seed=False)}{note} ({'; '.join(used) or 'no source given'})",
        )


@dataclass(frozen=True)
class Surface:
    """The measured points of one exact-knob combination, made monotone, ready to interpolate."""

    axes: tuple[str, ...]
    points: dict[tuple[float, ...], float]
    sources: dict[tuple[float, ...], str]
    ranges: tuple[tuple[float, float], ...]


@functools.lru_cache(maxsize=256)
def _surface(path: str, mtime_ns: int, match: tuple[tuple[str, Any], ...]) -> Surface:
    """The surface of the rows whose exact knob columns equal ``match`` (cached: a study asks often)."""
    rows = [row for row in read_table(path, mtime_ns) if all(row[k] == v for k, v in match)]
    if not rows:
        have = sorted({", ".join(f"{k}={row[k]}" for k, _ in match) for row in read_table(path, mtime_ns)})
        want = ", ".join(f"{k}={v}" for k, v in match)
        raise DseInputError(f"{path}: no measured rows for {want} (the table has: {' | '.join(have)})")
    axes = tuple(a for a in AXES if a in rows[0])
    points, sources = _points(rows, axes)
    ranges = tuple((min(p[a] for p in points), max(p[a] for p in points)) for a in range(len(axes)))
    return Surface(axes, monotone(points), sources, ranges)


def _table_path(workload: Workload, params: TableParams) -> Path:
    if params.path is not None:
        path = Path(params.path)
        if not path.is_file():
            raise DseInputError(f"{path}: params.path: no such file (a CSV or Parquet table of knobs + accuracy)")
        return path
    path = TABLES_DIR / f"{workload.name}.csv"
    if not path.is_file():
        shipped = ", ".join(sorted(p.stem for p in TABLES_DIR.glob("*.csv")))
        raise DseInputError(
            f"table: params.path: no table is shipped for workload '{workload.name}' (shipped: {shipped}); "
            "give a CSV or Parquet file of knob columns and accuracy"
        )
    return path


@functools.lru_cache(maxsize=32)
def read_table(path: str, mtime_ns: int) -> tuple[Row, ...]:
    """The rows of a table file, checked (cached per path and modification time)."""
    import polars as pl

    suffix = Path(path).suffix.lower()
    try:
        if suffix == ".csv":
            frame = pl.read_csv(path)
        elif suffix in (".parquet", ".pq"):
            frame = pl.read_parquet(path)
        else:
            raise DseInputError(f"{path}: a table must be .csv or .parquet (got '{suffix}')")
    except (pl.exceptions.PolarsError, OSError) as error:
        raise DseInputError(f"{path}: cannot read the table: {str(error).splitlines()[0]}") from None
    _check_columns(path, frame.columns)
    rows = tuple(frame.iter_rows(named=True))
    if not rows:
        raise DseInputError(f"{path}: the table has no rows")
    for index, row in enumerate(rows, start=1):
        _check_row(path, index, row)
    return rows


def _check_columns(path: str, columns: list[str]) -> None:
    allowed = (*KNOB_NAMES, *VALUE_COLUMNS)
    unknown = [c for c in columns if c not in allowed]
    if unknown:
        raise DseInputError(f"{path}: column '{unknown[0]}' is not allowed (allowed: {', '.join(allowed)})")
    if "accuracy" not in columns:
        raise DseInputError(f"{path}: the table needs an 'accuracy' column (a fraction in [0, 1])")


def _check_row(path: str, index: int, row: Row) -> None:
    value = row["accuracy"]
    if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        hint = "; divide percentages by 100" if isinstance(value, int | float) and 1 < value <= 100 else ""
        raise DseInputError(f"{path}: row {index}: accuracy must be a fraction in [0, 1] (got {value!r}){hint}")
    for axis in AXES:
        if axis in row and (not isinstance(row[axis], int | float) or row[axis] < 1):
            raise DseInputError(f"{path}: row {index}: {axis} must be a number >= 1 (got {row[axis]!r})")


def _points(rows: list[Row], axes: tuple[str, ...]) -> tuple[dict[tuple[float, ...], float], dict[tuple, str]]:
    """Mean accuracy per measured point (several seeds average) and the sources cited there."""
    values: dict[tuple[float, ...], list[float]] = {}
    sources: dict[tuple[float, ...], set[str]] = {}
    for row in rows:
        point = tuple(float(row[a]) for a in axes)
        values.setdefault(point, []).append(float(row["accuracy"]))
        if row.get("source"):
            sources.setdefault(point, set()).add(str(row["source"]))
    means = {p: sum(v) / len(v) for p, v in values.items()}
    return means, {p: "; ".join(sorted(s)) for p, s in sources.items()}


def _check_range(
    path: Path, surface: Surface, query: tuple[float, ...], knobs: Knobs, extrapolate: bool
) -> list[str]:
    """Axes where the query lies outside the measured range (an error unless extrapolating)."""
    outside = []
    for axis, q, (lo, hi) in zip(surface.axes, query, surface.ranges, strict=True):
        if lo <= q <= hi:
            continue
        if not extrapolate:
            raise DseInputError(
                f"{path}: {axis}={q:g} is outside the measured range {lo:g}..{hi:g} for {knobs.label(seed=False)}; "
                "set params.extrapolate: true to hold the nearest measured value"
            )
        outside.append(f"{axis}={q:g}")
    return outside
