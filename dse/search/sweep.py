"""`dse sweep`: every point of a grid, or N random points, evaluated in vectorised blocks.

No Optuna. Each backend's points are cut into chunks of :data:`CHUNK` points; a chunk is
drawn (vectorised, :mod:`dse.search.parameters`), evaluated (one ``cost_batch`` call per knob set,
:mod:`dse.evaluation.batch`) and written as ``OUT/points/NN-BACKEND-CCCCCC.parquet`` in the fixed
results schema (:mod:`dse.results.trials`), then the merged front goes to ``pareto.parquet``,
``pareto.png`` and, with ``--html``, ``pareto.html``. With ``--cluster ADDRESS`` the chunks are
costed on the workers of a Dask cluster, several at a time (:mod:`dse.evaluation.fanout`); the
files are written here, the same as without it.

``--grid`` takes every categorical choice and up to ``--grid-points`` values per range (see
:func:`dse.search.parameters.grid_axes`); ``--random N`` draws N points in all, split evenly between
the backends, chunk c of backend b from ``numpy.random.default_rng([seed, b, c])``. Both are
deterministic, so rerunning the same command skips the chunks already written and finishes
the rest. A million points take memory for one chunk at a time.
"""

from __future__ import annotations

import itertools
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from dse.errors import DseInputError
from dse.evaluation.fanout import Coster
from dse.inputs.space import read_space
from dse.plugin.manager import Plugins
from dse.progress import Progress
from dse.results.atomic import write_parquet_atomic
from dse.results.front_files import run_metadata, summarize, write_front_files
from dse.results.provenance import config_hash
from dse.results.trials import evaluation_frame
from dse.schema.space import SearchSpace
from dse.search.cluster import open_executor
from dse.search.parameters import grid_axes, grid_block, grid_size, random_block
from dse.search.run_dir import claimed, space_identity, sub_study_name

#: Points per chunk (one Parquet file, one evaluation call per knob set).
CHUNK = 65_536
#: Largest grid accepted: beyond it, lower --grid-points or sample with --random.
MAX_GRID = 10**9
POINTS_DIR = "points"


@dataclass(frozen=True)
class SweepConfig:
    """One `dse sweep` invocation."""

    space_path: Path
    out: Path
    mode: Literal["grid", "random"]
    points: int = 0  # random: points in all
    grid_points: int = 5  # grid: values per range at most
    seed: int | None = None
    chunk: int = CHUNK
    activity: Path | None = None  # measured densities for the space's workload (--activity)
    cluster: str | None = None  # a Dask scheduler's address: chunks are costed on its workers (--cluster)
    plugin_modules: tuple[str, ...] = ()  # plugins registered in code, imported again by the cluster's workers
    html: bool = False  # also write the interactive pareto.html (--html)


@dataclass
class SweepResult:
    """What `dse sweep` did."""

    points: int = 0
    evaluated: int = 0
    failed: int = 0
    front_size: int = 0
    hypervolume: float | None = None
    reference: tuple[float, ...] | None = None
    files: list[Path] = field(default_factory=list)


def sweep(config: SweepConfig, plugins: Plugins, progress: Progress | None = None) -> SweepResult:
    """Evaluate every point of ``config`` and write chunks and front files to ``config.out``."""
    progress = progress or Progress()
    space, workload = read_space(config.space_path, plugins, config.activity)
    seed = space.seed if config.seed is None else config.seed
    plans = _plans(space, config)
    identity = {"kind": "sweep", "space": space_identity(space, config_hash(workload)), "mode": config.mode,
                "points": config.points, "grid_points": config.grid_points, "seed": seed, "chunk": config.chunk}
    meta = run_metadata(space, {"space": space, "workload": workload}, config.activity)
    result = SweepResult(points=sum(plans))
    who = f"{socket.gethostname()}:{os.getpid()}"
    # the cluster is reached before anything is written: a bad address leaves no directory behind
    with open_executor(config.cluster) as executor, claimed(config.out, identity):
        folder = config.out / POINTS_DIR
        chunks = [(b, c) for b, total in enumerate(plans) for c in range(-(-total // config.chunk))]
        todo = [(b, c) for b, c in chunks if not _chunk_path(folder, space, b, c).exists()]
        progress.start(result.points, result.points - sum(_chunk_len(plans[b], c, config.chunk) for b, c in todo))
        for b, group in itertools.groupby(todo, key=lambda chunk: chunk[0]):
            entry = space.backends[b]
            numbers = [c for _, c in group]
            coster = Coster(space, b, workload, plugins, executor, config.plugin_modules)
            blocks = (_block(space, config, b, c, plans[b], seed) for c in numbers)
            for c, evaluation in zip(numbers, coster.evaluate_each(blocks), strict=True):
                frame = evaluation_frame(evaluation.frame, evaluation.constraint_names,
                                         study=sub_study_name(space.name, entry.backend), backend=entry.backend,
                                         technology=space.technology_for(b), workload=workload.name,
                                         first_trial=c * config.chunk, worker=who)
                write_parquet_atomic(frame, _chunk_path(folder, space, b, c), meta)
                result.evaluated += frame.height
                result.failed += int(frame["error"].is_not_null().sum())
                progress.advance(frame.height, 0)
        summary = summarize(pl.scan_parquet(folder / "*.parquet"), space.directions)
        result.files = write_front_files(config.out, summary, space.directions, meta, space.name, config.html)
        result.front_size = summary.front.height
        result.hypervolume = summary.hypervolume
        result.reference = summary.reference
    return result


def _plans(space: SearchSpace, config: SweepConfig) -> list[int]:
    """Points per backend."""
    if config.mode == "random":
        return [space.trials_for(b, config.points) for b in range(len(space.backends))]
    sizes = []
    for b, entry in enumerate(space.backends):
        size = grid_size(grid_axes(entry.params, space.knobs_for(b), config.grid_points))
        if size > MAX_GRID:
            raise DseInputError(
                f"{config.space_path}: backends[{b}]: the grid has {size:,} points (at most {MAX_GRID:,}); "
                "lower --grid-points or use --random N"
            )
        sizes.append(size)
    return sizes


def _block(space: SearchSpace, config: SweepConfig, b: int, c: int, total: int, seed: int) -> pl.DataFrame:
    entry = space.backends[b]
    knobs = space.knobs_for(b)
    start = c * config.chunk
    stop = min(total, start + config.chunk)
    if config.mode == "grid":
        return grid_block(grid_axes(entry.params, knobs, config.grid_points), entry.params, knobs, start, stop)
    return random_block(entry.params, knobs, stop - start, np.random.default_rng([seed, b, c]))


def _chunk_len(total: int, c: int, chunk: int) -> int:
    return min(total, (c + 1) * chunk) - c * chunk


def _chunk_path(folder: Path, space: SearchSpace, b: int, c: int) -> Path:
    return folder / f"{b:02d}-{space.backends[b].backend}-{c:06d}.parquet"
