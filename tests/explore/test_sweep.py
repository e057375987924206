"""`dse sweep`: grids and random points in Parquet chunks, resumable, with the merged front."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from dse.plugin.manager import Plugins
from dse.results.pareto import pareto_mask
from dse.results.trials import TRIALS_SCHEMA
from dse.search.sweep import SweepConfig, sweep
from tests.explore.conftest import toy_space, write_space


def grid_space() -> dict:
    return toy_space(
        backends=[{"backend": "explore-toy", "params": {
            "x": {"type": "categorical", "choices": [1.0, 2.0, 3.0]},
            "y": {"type": "int", "low": 1, "high": 4},
        }}],
        knobs={"timesteps": {"type": "categorical", "choices": [1, 2]}},
        constraints=["area_mm2 <= 6"],
    )


def test_grid_sweep_evaluates_every_point_once(tmp_path: Path, toy_plugins: Plugins) -> None:
    config = SweepConfig(write_space(tmp_path, grid_space()), tmp_path / "out", "grid", chunk=10)
    result = sweep(config, toy_plugins)
    # 2 time steps · 3 x · 4 y = 24 points, in chunks of 10: 3 files
    assert (result.points, result.evaluated, result.failed) == (24, 24, 0)
    chunks = sorted((tmp_path / "out" / "points").iterdir())
    assert [p.name for p in chunks] == ["00-explore-toy-000000.parquet", "00-explore-toy-000001.parquet",
                                        "00-explore-toy-000002.parquet"]
    table = pl.read_parquet(chunks).sort("trial")
    assert dict(table.schema) == TRIALS_SCHEMA and table["trial"].to_list() == list(range(24))
    seen = set()
    for row in table.iter_rows(named=True):
        p, k = json.loads(row["params_json"]), json.loads(row["knobs_json"])
        seen.add((k["timesteps"], p["x"], p["y"]))
        # energy = 100 · x · T · 0.6; area = x + y; feasible when x + y <= 6
        assert row["energy_pj"] == pytest.approx(60.0 * p["x"] * k["timesteps"])
        assert row["feasible"] == (p["x"] + p["y"] <= 6)
    assert len(seen) == 24
    front = pl.read_parquet(tmp_path / "out" / "pareto.parquet").sort("trial")
    feasible = table.filter(pl.col("feasible"))
    mask = pareto_mask(feasible.select("energy_pj", "latency_s").to_numpy())
    assert front["trial"].to_list() == feasible.filter(pl.Series(mask))["trial"].to_list()
    # by hand: x = 1, T = 1 is the cheapest (60 pJ); y = 4 the fastest (1e-5 / 4 s) and
    # feasible (1 + 4 <= 6): the single design (T=1, x=1, y=4) dominates every other point.
    assert front.height == 1 and json.loads(front["params_json"][0]) == {"x": 1.0, "y": 4}


def test_random_sweep_resumes_by_chunks(tmp_path: Path, toy_plugins: Plugins) -> None:
    config = SweepConfig(write_space(tmp_path, toy_space()), tmp_path / "out", "random", points=1000, chunk=300)
    sweep(config, toy_plugins)
    chunks = sorted((tmp_path / "out" / "points").iterdir())
    assert len(chunks) == 4  # 300 + 300 + 300 + 100
    first = pl.read_parquet(chunks[1])
    chunks[1].unlink()
    again = sweep(config, toy_plugins)
    assert again.evaluated == 300  # only the missing chunk
    redone = pl.read_parquet(chunks[1])
    assert redone.drop("worker").equals(first.drop("worker"))  # the same points: seeded per chunk
    table = pl.read_parquet(sorted((tmp_path / "out" / "points").iterdir()))
    assert table.height == 1000 and table["trial"].n_unique() == 1000


def test_a_grid_too_large_is_refused(tmp_path: Path, toy_plugins: Plugins) -> None:
    from dse.errors import DseInputError

    space = toy_space(backends=[{"backend": "explore-toy", "params": {
        "x": {"type": "float", "low": 0.5, "high": 4.0}, "y": {"type": "float", "low": 0.5, "high": 4.0}}}])
    config = SweepConfig(write_space(tmp_path, space), tmp_path / "out", "grid", grid_points=100_000)
    with pytest.raises(DseInputError, match="the grid has 10,000,000,000 points"):
        sweep(config, toy_plugins)
