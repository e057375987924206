"""The summary files of a run: ``pareto.parquet``, ``pareto.png`` and, on request, ``pareto.html``.

The front is taken over every finished, feasible trial with finite objectives, across all
backends (the merged front). Every file is written atomically (a temporary file in the same
directory, then a rename). Parquet files carry key-value metadata: dse and plugin versions,
input hashes, and ``dse.objectives`` (JSON {name: direction}), ``dse.constraints`` and
``dse.space``, which `dse pareto` reads when no ``--objectives`` are given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import polars as pl

from dse.results.atomic import write_bytes_atomic, write_parquet_atomic
from dse.results.pareto import (
    ROW,
    candidates,
    default_reference,
    evenly_spaced,
    hypervolume,
    objective_matrix,
    objective_rows,
    pareto_mask,
)
from dse.results.plots import MAX_BACKGROUND, pareto_html, pareto_png
from dse.results.provenance import provenance
from dse.schema.space import Objectives, SearchSpace


@dataclass(frozen=True)
class FrontSummary:
    """The merged front of a run and its hypervolume."""

    front: pl.DataFrame  # full rows, sorted by the objectives
    background: pl.DataFrame  # feasible trials (objective columns; subsampled) for plots
    feasible: int
    hypervolume: float | None
    reference: tuple[float, ...] | None  # in the objectives' own orientation


#: A table, in memory or a lazy scan.
Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)

#: Parquet metadata key listing the plugin releases of a run whose trials mix several.
VERSION_MIX_KEY = "dse.plugin_versions_mixed"


def run_metadata(space: SearchSpace, inputs: Mapping[str, Any], activity: Path | None = None) -> dict[str, str]:
    """Parquet key-value metadata of a run's files (``dse.activity``: the activity file it was run with)."""
    meta = provenance(inputs)
    if activity is not None:
        meta["dse.activity"] = str(activity.resolve())
    meta["dse.objectives"] = json.dumps(dict(space.objectives))
    meta["dse.constraints"] = json.dumps(list(space.constraints))
    meta["dse.space"] = space.model_dump_json()
    return meta


def summarize(trials: pl.LazyFrame, objectives: Objectives) -> FrontSummary:
    """The merged front of ``trials`` with its hypervolume (default reference point).

    Works on any table with the objective columns; ``state``, ``feasible``, ``study`` and
    ``trial`` are used when present (see :func:`dse.results.pareto.candidates`). Of a lazy
    scan, only the objectives, ``state``, ``feasible`` and ``trial`` of every row are read;
    the other columns of the front's rows only (:func:`front_rows`).
    """
    names = list(objectives)
    values = objective_rows(trials, objectives, ("trial",))
    points = objective_matrix(values, objectives)
    front = distinct_designs(front_rows(trials, objectives, values.filter(pl.Series(pareto_mask(points)))))
    background = evenly_spaced(values, MAX_BACKGROUND).select(names)
    if front.height == 0:
        return FrontSummary(front, background, 0, None, None)
    reference = default_reference(points)
    volume = hypervolume(objective_matrix(front, objectives), reference)
    sign = np.array([-1.0 if objectives[n] == "maximize" else 1.0 for n in names])
    return FrontSummary(front, background, values.height, volume, tuple(float(v) for v in reference * sign))


def front_rows(trials: pl.LazyFrame, objectives: Objectives, on_front: pl.DataFrame) -> pl.DataFrame:
    """Every column of the candidate rows of ``trials`` whose objective values are those of a row
    of ``on_front`` (the non-dominated rows of :func:`objective_rows`), sorted by the objectives,
    then by ``(study, trial)``, or by position in a table without them.

    A candidate row with the objective values of a front row is on the front itself (equal
    points do not dominate each other), so matching values finds exactly the front's rows. The
    filter on ``trial`` and on the first objective goes down to the Parquet reader, which skips
    the row groups of other trials by their statistics and decodes the other columns of
    matching rows only.
    """
    names = list(objectives)
    pool = trials.lazy()
    keys: list[str] = [k for k in ("study", "trial") if k in pool.collect_schema().names()]
    if not keys:
        pool, keys = pool.with_row_index(ROW), [ROW]
    pool = candidates(pool, objectives)
    if "trial" in on_front.columns:
        trials_on_front = on_front["trial"]
        pool = pool.filter(pl.col("trial").is_between(trials_on_front.min(), trials_on_front.max()),
                           _among(pl.col("trial"), trials_on_front))
    pool = pool.filter(_among(pl.col(names[0]), on_front[names[0]]))
    wanted = on_front.select(pl.col(n).cast(pl.Float64) for n in names).unique()
    rows = (pool.collect(engine="streaming")
            .join(wanted, on=[pl.col(n).cast(pl.Float64) for n in names], how="semi"))
    descending = [objectives[n] == "maximize" for n in names] + [False] * len(keys)
    return rows.sort([*names, *keys], descending=descending).drop(ROW, strict=False)


def _among(column: pl.Expr, values: pl.Series) -> pl.Expr:
    """``column`` is one of ``values``: a literal list, which the Parquet reader checks against
    row-group statistics (an imploded Series is not, polars 2.1)."""
    return column.is_in(pl.lit(values.unique()).implode())


DESIGN_COLUMNS = ("backend", "params_json", "knobs_json")
"""What makes a design: its backend, parameters and workload knobs (trials of a run repeat designs)."""


def distinct_designs(front: pl.DataFrame) -> pl.DataFrame:
    """``front`` with each design once (its first row: the earliest trial, rows sorted by study and
    trial, or the first in order); a table without design columns is returned as it is."""
    key = [c for c in DESIGN_COLUMNS if c in front.columns]
    if not key:
        return front
    order = [c for c in ("study", "trial") if c in front.columns]
    first = (front.with_row_index("_order").sort([*order, "_order"]) if order else front.with_row_index("_order"))
    kept = first.unique(subset=key, keep="first", maintain_order=True)["_order"]
    return front.with_row_index("_order").filter(pl.col("_order").is_in(kept.implode())).drop("_order")


def write_front_files(out: Path, summary: FrontSummary, objectives: Objectives, meta: Mapping[str, str],
                      title: str, html: bool = False) -> list[Path]:
    """``pareto.parquet``, ``pareto.png`` and, when asked (``html``, `--html`) and plotly is
    installed, ``pareto.html`` (plotly inlined: about 5 MB, so not written by default)."""
    extra = dict(meta)
    if summary.hypervolume is not None:
        extra["dse.hypervolume"] = json.dumps({"value": summary.hypervolume, "reference": summary.reference})
    files = [write_parquet_atomic(summary.front, out / "pareto.parquet", extra)]
    files.append(write_bytes_atomic(pareto_png(summary.background, summary.front, objectives, title),
                                    out / "pareto.png"))
    page = pareto_html(summary.background, summary.front, objectives, title) if html else None
    if page is not None:
        files.append(write_bytes_atomic(page, out / "pareto.html"))
    return files


def mark_front(trials: Frame, front: pl.DataFrame) -> Frame:
    """``trials`` with ``pareto`` true on the rows of ``front`` and on every other trial of a front
    design (``front`` lists each design once; a design is evaluated the same way each time).

    A row-wise test against the front's designs, no join: on a lazy scan it streams, keeping
    row order."""
    names = trials.collect_schema().names()
    on = [c for c in DESIGN_COLUMNS if c in names and c in front.columns] or ["study", "trial"]
    designs = front.select(_design_key(on)).to_series()
    return trials.with_columns(_among(_design_key(on), designs).alias("pareto"))


def _design_key(columns: list[str]) -> pl.Expr:
    """One string naming a row's values of ``columns`` (null kept apart from every string)."""
    return pl.concat_str([pl.col(c).cast(pl.String).fill_null("\x00null") for c in columns], separator="\x1f")
