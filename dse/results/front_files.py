"""The summary files of a run: ``pareto.parquet``, ``pareto.png`` and ``pareto.html``.

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
from typing import Any

import numpy as np
import polars as pl

from dse.results.atomic import write_bytes_atomic, write_parquet_atomic
from dse.results.pareto import candidates, default_reference, hypervolume, objective_matrix, pareto_mask
from dse.results.plots import pareto_html, pareto_png, subsample
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
    ``trial`` are used when present (see :func:`dse.results.pareto.candidates`).
    """
    names = list(objectives)
    pool = candidates(trials, objectives).with_row_index("_row")
    values = pool.select("_row", *names).collect()
    points = objective_matrix(values, objectives)
    rows = values["_row"].filter(pl.Series(pareto_mask(points)))
    front = distinct_designs(pool.filter(pl.col("_row").is_in(rows.implode())).collect().drop("_row")
                             .sort(names, descending=[objectives[n] == "maximize" for n in names]))
    background = subsample(values.drop("_row"))
    if front.height == 0:
        return FrontSummary(front, background, 0, None, None)
    reference = default_reference(points)
    volume = hypervolume(objective_matrix(front, objectives), reference)
    sign = np.array([-1.0 if objectives[n] == "maximize" else 1.0 for n in names])
    return FrontSummary(front, background, values.height, volume, tuple(float(v) for v in reference * sign))


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
                      title: str) -> list[Path]:
    """``pareto.parquet``, ``pareto.png`` and, with plotly installed, ``pareto.html``."""
    extra = dict(meta)
    if summary.hypervolume is not None:
        extra["dse.hypervolume"] = json.dumps({"value": summary.hypervolume, "reference": summary.reference})
    files = [write_parquet_atomic(summary.front, out / "pareto.parquet", extra)]
    files.append(write_bytes_atomic(pareto_png(summary.background, summary.front, objectives, title),
                                    out / "pareto.png"))
    html = pareto_html(summary.background, summary.front, objectives, title)
    if html is not None:
        files.append(write_bytes_atomic(html, out / "pareto.html"))
    return files


def mark_front(trials: pl.DataFrame, front: pl.DataFrame) -> pl.DataFrame:
    """``trials`` with ``pareto`` true on the rows of ``front`` and on every other trial of a front
    design (``front`` lists each design once; a design is evaluated the same way each time)."""
    on = [c for c in DESIGN_COLUMNS if c in trials.columns and c in front.columns] or ["study", "trial"]
    keys = front.select(on).unique().with_columns(pl.lit(True).alias("_front"))
    return (trials.join(keys, on=on, how="left", maintain_order="left", nulls_equal=True)
            .with_columns(pl.col("_front").fill_null(False).alias("pareto")).drop("_front"))
