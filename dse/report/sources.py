"""What a directory holds for `dse report`: a run, a comparison, evaluations, or several.

- a run (`dse explore`: ``trials.parquet``; `dse sweep`: ``points/*.parquet``; both:
  ``pareto.parquet`` and ``run.json``), its objectives, constraints and space read from the
  Parquet key-value metadata (``dse.objectives``, ``dse.constraints``, ``dse.space``);
- a comparison (`dse compare --out`: ``compare.parquet``, ``breakeven.json``);
- evaluations (`dse evaluate --out`: any other ``*.parquet`` in the directory with the
  evaluation columns of :mod:`dse.results.evaluation_table`).

A file that cannot be read is bad input (one line naming it), as is a directory that holds
none of these.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from dse.errors import DseInputError
from dse.results.front_files import summarize
from dse.results.pareto import ROW, evenly_spaced, objective_rows
from dse.search.run_dir import RUN_FILE
from dse.search.sweep import POINTS_DIR

TRIALS_FILE = "trials.parquet"
PARETO_FILE = "pareto.parquet"
COMPARE_FILE = "compare.parquet"
BREAKEVEN_FILE = "breakeven.json"
#: Columns that make a Parquet file a `dse evaluate --out` file (dse.results.evaluation_table.EVALUATION_SCHEMA).
EVALUATION_COLUMNS = frozenset({"architecture", "backend", "layer_index", "layer", "kind", "energy_pj",
                                "breakdown_json"})
#: Feasible trials drawn behind a front at most (presentation choice: a light page).
BACKGROUND_POINTS = 5_000


@dataclass(frozen=True)
class ParquetFile:
    """A file the report read, with its key-value metadata."""

    path: Path
    metadata: dict[str, str]


@dataclass(frozen=True)
class Run:
    """An exploration or a sweep."""

    directory: Path
    identity: dict[str, Any]  # run.json, or {} when absent
    objectives: dict[str, str]
    constraints: tuple[str, ...]
    space_json: str | None
    trials: pl.LazyFrame | None  # every trial, in the fixed schema of dse.results.trials
    front: pl.DataFrame
    background: pl.DataFrame  # feasible trials' objectives, subsampled
    hypervolume: dict[str, Any] | None
    files: tuple[ParquetFile, ...]


@dataclass(frozen=True)
class Comparison:
    """A `dse compare` grid and its break-even summary (None when breakeven.json is absent)."""

    grid: pl.DataFrame
    summary: dict[str, Any] | None
    files: tuple[ParquetFile, ...]


@dataclass(frozen=True)
class Evaluation:
    """One `dse evaluate --out` file: one row per layer."""

    file: ParquetFile
    frame: pl.DataFrame


@dataclass(frozen=True)
class Contents:
    directory: Path
    run: Run | None
    comparison: Comparison | None
    evaluations: tuple[Evaluation, ...]


def read_directory(directory: Path) -> Contents:
    """Everything reportable in ``directory``."""
    if not directory.exists():
        raise DseInputError(f"{directory}: no such directory")
    if not directory.is_dir():
        raise DseInputError(f"{directory}: not a directory (give the output directory of dse explore, "
                            "dse sweep, dse compare --out, or of dse evaluate --out files)")
    contents = Contents(directory, _run(directory), _comparison(directory), _evaluations(directory))
    if contents.run is None and contents.comparison is None and not contents.evaluations:
        raise DseInputError(
            f"{directory}: nothing to report: no {TRIALS_FILE} or {PARETO_FILE} (dse explore, dse sweep), "
            f"no {COMPARE_FILE} (dse compare --out) and no dse evaluate --out Parquet files")
    return contents


def _metadata(path: Path) -> dict[str, str]:
    try:
        return pl.read_parquet_metadata(path)
    except Exception as error:  # noqa: BLE001 - polars raises several types for a damaged file
        raise DseInputError(f"{path}: not a readable Parquet file ({type(error).__name__})") from None


def _read(path: Path) -> pl.DataFrame:
    try:
        return pl.read_parquet(path)
    except Exception as error:  # noqa: BLE001 - as above
        raise DseInputError(f"{path}: not a readable Parquet file ({type(error).__name__})") from None


def _json_value(meta: dict[str, str], key: str, path: Path) -> Any:
    try:
        return json.loads(meta[key])
    except json.JSONDecodeError:
        raise DseInputError(f"{path}: metadata {key}: not valid JSON") from None


def _run(directory: Path) -> Run | None:
    trials_path, pareto_path = directory / TRIALS_FILE, directory / PARETO_FILE
    points = sorted((directory / POINTS_DIR).glob("*.parquet")) if (directory / POINTS_DIR).is_dir() else []
    sources = [p for p in (trials_path, pareto_path) if p.is_file()] + points
    if not sources:
        return None
    files = tuple(ParquetFile(p, _metadata(p)) for p in sources)
    marked = next((f for f in files if "dse.objectives" in f.metadata), None)
    if marked is None:
        raise DseInputError(f"{sources[0]}: metadata dse.objectives is missing (not written by dse explore or "
                            "dse sweep)")
    meta = marked.metadata
    objectives = _json_value(meta, "dse.objectives", marked.path)
    constraints = tuple(_json_value(meta, "dse.constraints", marked.path)) if "dse.constraints" in meta else ()
    trials = (pl.scan_parquet(trials_path) if trials_path.is_file()
              else pl.concat([pl.scan_parquet(p) for p in points], how="vertical_relaxed") if points else None)
    if pareto_path.is_file():
        front = _read(pareto_path)
        pareto_meta = files[sources.index(pareto_path)].metadata
        hypervolume = (_json_value(pareto_meta, "dse.hypervolume", pareto_path)
                       if "dse.hypervolume" in pareto_meta else None)
    else:
        summary = summarize(trials, objectives)  # type: ignore[arg-type]  # trials exist: sources is not empty
        front = summary.front
        hypervolume = (None if summary.hypervolume is None
                       else {"value": summary.hypervolume, "reference": list(summary.reference or ())})
    background = (front.select(list(objectives)) if trials is None
                  else evenly_spaced(objective_rows(trials, objectives), BACKGROUND_POINTS).drop(ROW))
    identity = json.loads((directory / RUN_FILE).read_text()) if (directory / RUN_FILE).is_file() else {}
    return Run(directory, identity, objectives, constraints, meta.get("dse.space"), trials, front, background,
               hypervolume, files)


def _comparison(directory: Path) -> Comparison | None:
    path = directory / COMPARE_FILE
    if not path.is_file():
        return None
    grid = _read(path)
    missing = {"engine", "timesteps", "spike_density", "energy_pj", "energy_ratio"} - set(grid.columns)
    if missing:
        raise DseInputError(f"{path}: not a dse compare grid (missing columns: {', '.join(sorted(missing))})")
    summary_path = directory / BREAKEVEN_FILE
    summary = None
    if summary_path.is_file():
        try:
            summary = json.loads(summary_path.read_text())
        except json.JSONDecodeError:
            raise DseInputError(f"{summary_path}: not valid JSON") from None
    return Comparison(grid, summary, (ParquetFile(path, _metadata(path)),))


def _evaluations(directory: Path) -> tuple[Evaluation, ...]:
    reserved = {TRIALS_FILE, PARETO_FILE, COMPARE_FILE}
    out = []
    for path in sorted(directory.glob("*.parquet")):
        if path.name in reserved or path.name.startswith("."):
            continue
        try:
            columns = set(pl.read_parquet_schema(path))
        except Exception as error:  # noqa: BLE001 - as above
            raise DseInputError(f"{path}: not a readable Parquet file ({type(error).__name__})") from None
        if EVALUATION_COLUMNS <= columns:
            out.append(Evaluation(ParquetFile(path, _metadata(path)), _read(path).sort("layer_index")))
    return tuple(out)
