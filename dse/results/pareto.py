"""Non-dominated filtering and hypervolume, on arrays and on result tables.

Everything here minimises: maximised objectives are negated first (:func:`minimization`).
A point dominates another when it is no worse in every objective and better in one; equal
points do not dominate each other, so duplicates of a front point are all on the front.
Rows with a NaN or infinite objective are never on the front.

Hypervolume is the measure of the region dominated by the front and bounded by a reference
point (Zitzler & Thiele, PPSN 1998), in the objectives' own units. The default reference is,
per objective, the worst value among the points considered plus a tenth of their range (1 %
of the value, or 1, when the range is empty), so that the extreme front points contribute.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from dse.errors import DseInputError

if TYPE_CHECKING:
    from dse.schema.space import Objectives

#: Points checked against the front at once (bounds the block × front comparison planes).
_BLOCK = 2048
#: Above this many points (three objectives or more), the front of a subsample this large
#: first drops the points it dominates.
_PREFILTER_FROM = 4 * _BLOCK
#: Rows filtered at once at most: a larger set is filtered block by block first, then the union
#: of the blocks' fronts (exact: a point on the front of all is on the front of its block).
#: Bounds the filter's working arrays to a block's (10⁷ × 3 objectives: 1.2x faster here, and
#: no copy of the whole set; measured with benchmarks/pareto_scale.py).
ROWS_AT_ONCE = 1 << 20
#: Reference margin, as a fraction of each objective's range: a convention of this tool (any
#: margin > 0 lets the extreme front points count; Ishibuchi et al., Evol. Comput. 26(3), 2018,
#: discuss the choice), printed with every hypervolume so that figures can be compared.
REFERENCE_MARGIN = 0.1


def minimization(values: np.ndarray, directions: Sequence[str]) -> np.ndarray:
    """``values`` (n × m) with maximised columns negated."""
    sign = np.array([-1.0 if d == "maximize" else 1.0 for d in directions])
    minimised: np.ndarray = np.asarray(values, dtype=float) * sign
    return minimised


def pareto_mask(points: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``points`` (n × m, minimised)."""
    points = np.asarray(points, dtype=float)
    if points.shape[0] <= ROWS_AT_ONCE:
        return _mask(points)
    kept = np.concatenate([start + np.flatnonzero(_mask(points[start:start + ROWS_AT_ONCE]))
                           for start in range(0, points.shape[0], ROWS_AT_ONCE)])
    mask = np.zeros(points.shape[0], dtype=bool)
    mask[kept[_mask(points[kept])]] = True
    return mask


def _mask(points: np.ndarray) -> np.ndarray:
    """:func:`pareto_mask` of one set at once."""
    n = points.shape[0]
    mask = np.zeros(n, dtype=bool)
    finite = np.flatnonzero(np.all(np.isfinite(points), axis=1))
    if finite.size == 0:
        return mask
    if points.shape[1] > 2 and finite.size > _PREFILTER_FROM:
        finite = finite[~dominated_by(points[finite], _strong_points(points[finite]))]
    ordered = points[finite]
    order = np.lexsort(ordered.T[::-1])  # by the first objective, ties by the next...
    ordered = ordered[order]
    keep = _front_2d(ordered) if ordered.shape[1] == 2 else _front_sorted(ordered)
    mask[finite[order[keep]]] = True
    return mask


def _strong_points(points: np.ndarray) -> np.ndarray:
    """The front of an even subsample. Dropping every point it dominates first is exact
    (whatever a dropped point dominates, the subsample's front dominates too) and leaves
    the full filter a small remainder."""
    sample = points[np.linspace(0, len(points) - 1, _PREFILTER_FROM).astype(np.int64)]
    front: np.ndarray = sample[pareto_mask(sample)]
    return front


def _front_2d(p: np.ndarray) -> np.ndarray:
    """Lexicographically sorted 2-D points: on the front iff y beats every earlier y, or the
    point repeats the front point just before it."""
    best_before = np.concatenate(([np.inf], np.minimum.accumulate(p[:-1, 1])))
    keep = p[:, 1] < best_before
    same = np.concatenate(([False], np.all(p[1:] == p[:-1], axis=1)))
    for i in np.flatnonzero(same):
        keep[i] = keep[i - 1]
    return np.flatnonzero(keep)


def _front_sorted(p: np.ndarray) -> np.ndarray:
    """Lexicographically sorted points: a point can only be dominated by earlier ones, so each
    block is checked against the front so far, then its survivors one by one."""
    kept: list[int] = []
    front = np.empty((0, p.shape[1]))
    for start in range(0, p.shape[0], _BLOCK):
        block = p[start:start + _BLOCK]
        alive = ~dominated_by(block, front)
        added: list[np.ndarray] = []
        for j in np.flatnonzero(alive):
            q = block[j]
            if added:
                recent = np.asarray(added)
                if np.any(np.all(recent <= q, axis=1) & np.any(recent < q, axis=1)):
                    continue
            added.append(q)
            kept.append(start + int(j))
        if added:
            front = np.vstack([front, np.asarray(added)])
    return np.asarray(kept, dtype=np.int64)


def dominated_by(points: np.ndarray, front: np.ndarray) -> np.ndarray:
    """For each row of ``points`` (minimised): does some row of ``front`` dominate it?

    One objective at a time on (points × front) planes: numpy reduces a long axis fast and
    a short one (the objectives) slowly.
    """
    out = np.zeros(len(points), dtype=bool)
    if len(front) == 0:
        return out
    step = max(1, 4_000_000 // len(front))
    for start in range(0, len(points), step):
        q = points[start:start + step]
        no_worse = np.ones((len(q), len(front)), dtype=bool)
        better = np.zeros((len(q), len(front)), dtype=bool)
        for j in range(points.shape[1]):
            mine, theirs = q[:, j, None], front[None, :, j]
            no_worse &= theirs <= mine
            better |= theirs < mine
        out[start:start + step] = np.any(no_worse & better, axis=1)
    return out


def default_reference(points: np.ndarray) -> np.ndarray:
    """The worst value per objective plus a tenth of the range (see the module docstring)."""
    points = np.asarray(points, dtype=float)
    finite = np.all(np.isfinite(points), axis=1)
    if not finite.all():  # a copy only then (candidates are finite: 10⁷ rows need none)
        points = points[finite]
    worst, best = points.max(axis=0), points.min(axis=0)
    span = worst - best
    fallback = np.where(worst != 0, np.abs(worst) * 0.01, 1.0)
    reference: np.ndarray = worst + np.where(span > 0, span * REFERENCE_MARGIN, fallback)
    return reference


def hypervolume(points: np.ndarray, reference: np.ndarray) -> float:
    """Volume dominated by ``points`` (n × m, minimised) and bounded by ``reference``.

    Points not strictly better than the reference in every objective add nothing. Exact:
    a sweep for two objectives, slicing along the last objective above two (Hypervolume by
    Slicing Objectives, While et al., IEEE TEVC 2006).
    """
    points = np.asarray(points, dtype=float)
    reference = np.asarray(reference, dtype=float)
    inside = points[np.all(np.isfinite(points), axis=1)]
    inside = inside[np.all(inside < reference, axis=1)]
    if inside.size == 0:
        return 0.0
    return _volume(inside[pareto_mask(inside)], reference)


def _volume(front: np.ndarray, reference: np.ndarray) -> float:
    m = front.shape[1]
    if m == 1:
        return float(reference[0] - front[:, 0].min())
    if m == 2:
        p = front[np.lexsort((front[:, 1], front[:, 0]))]
        heights = np.concatenate(([reference[1]], p[:-1, 1])) - p[:, 1]
        return float(np.sum((reference[0] - p[:, 0]) * np.clip(heights, 0.0, None)))
    p = front[np.argsort(front[:, -1], kind="stable")]
    depths = np.append(p[1:, -1], reference[-1]) - p[:, -1]
    total = 0.0
    for i in np.flatnonzero(depths > 0):
        slab = p[:i + 1, :-1]
        total += depths[i] * _volume(slab[pareto_mask(slab)], reference[:-1])
    return total


# -- result tables --------------------------------------------------------------------------
def result_files(path: Path) -> list[Path]:
    """The Parquet files of ``path``: the file itself, or every ``*.parquet`` below a directory
    except derived ``pareto*.parquet`` files (which repeat rows of the others)."""
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.parquet")
                       if not p.name.startswith(("pareto", ".")))
        if files:
            return files
        raise DseInputError(f"{path}: no Parquet result files in this directory")
    raise DseInputError(f"{path}: no such file or directory")


def scan_results(files: Sequence[Path]) -> pl.LazyFrame:
    """All rows of ``files`` as one lazy table (columns missing from a file are null)."""
    return pl.concat([pl.scan_parquet(f) for f in files], how="diagonal_relaxed")


def stored_objectives(files: Sequence[Path]) -> dict[str, str] | None:
    """The objectives recorded in the first file's metadata by `dse explore` or `dse sweep`."""
    import json

    meta = pl.read_parquet_metadata(files[0])
    return json.loads(meta["dse.objectives"]) if "dse.objectives" in meta else None


def parse_objectives(text: str) -> dict[str, str]:
    """``energy_pj,latency_s,accuracy:max`` → {name: direction}; accuracy defaults to maximize."""
    out: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, _, way = part.partition(":")
        way = way.strip().lower() or ("max" if name == "accuracy" else "min")
        if way not in ("min", "max", "minimize", "maximize"):
            raise DseInputError(f"--objectives: '{part}': direction must be min or max")
        out[name.strip()] = "maximize" if way.startswith("max") else "minimize"
    if not out:
        raise DseInputError("--objectives: name at least one column")
    return out


def candidates(frame: pl.LazyFrame | pl.DataFrame, objectives: Objectives) -> pl.LazyFrame:
    """Rows that may be on a front: finished, feasible, every objective finite (lazy, unordered)."""
    lazy = frame.lazy()
    names = lazy.collect_schema().names()
    missing = [name for name in objectives if name not in names]
    if missing:
        raise DseInputError(f"--objectives: no column '{missing[0]}' in the results (columns: {', '.join(names)})")
    if "state" in names:
        lazy = lazy.filter(pl.col("state") == "COMPLETE")
    if "feasible" in names:
        lazy = lazy.filter(pl.col("feasible"))
    return lazy.filter(pl.all_horizontal(pl.col(n).cast(pl.Float64).is_finite() for n in objectives))


ROW = "_row"
"""Column of :func:`objective_rows`: a row's position in the scanned table."""


def objective_rows(frame: pl.LazyFrame | pl.DataFrame, objectives: Objectives, extra: Sequence[str] = ()) -> pl.DataFrame:
    """The :func:`candidates`' objective columns (and ``extra``, those present), with :data:`ROW`,
    each row's position in the table, in no particular order.

    Only these columns are read (a lazy scan reads no others from the files), on polars'
    streaming engine, which bounds memory for tables of 10⁷ rows. That engine does not keep
    row order, and a front does not need it: what does (a plot's subsample) goes by
    :data:`ROW` (:func:`evenly_spaced`), without a sorted copy of the whole.
    """
    lazy = frame.lazy()
    present = set(lazy.collect_schema().names())
    columns = [ROW, *objectives, *(c for c in extra if c in present and c not in objectives)]
    return candidates(lazy.with_row_index(ROW), objectives).select(columns).collect(engine="streaming")


def evenly_spaced(rows: pl.DataFrame, limit: int) -> pl.DataFrame:
    """At most ``limit`` rows of :func:`objective_rows`, evenly spaced in the table's order, in
    that order (deterministic whatever order ``rows`` came in)."""
    order = rows[ROW].arg_sort()
    if rows.height > limit:
        order = order.gather(np.linspace(0, rows.height - 1, limit).astype(np.int64))
    return rows[order]


def objective_matrix(frame: pl.DataFrame, objectives: Objectives) -> np.ndarray:
    """The objective columns of ``frame`` as a minimised n × m array, filled a column at a time
    (no copy of the columns as a whole: 10⁷ rows of three objectives need 240 MB, not three
    times that)."""
    out = np.empty((frame.height, len(objectives)))
    for j, (name, direction) in enumerate(objectives.items()):
        out[:, j] = frame[name].cast(pl.Float64).to_numpy()
        if direction == "maximize":
            out[:, j] *= -1.0
    return out
