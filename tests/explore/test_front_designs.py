"""Fronts list distinct designs, and `dse pareto` shows their parameters and knobs (--columns)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from dse.results.front_files import summarize


def _trials(path: Path) -> Path:
    # trial 0 and 2 are one design (the sampler proposed it twice); trial 1 another; trial 3 dominated
    rows = [
        (0, "systolic", {"rows": 16}, {"weight_bits": 4}, 10.0, 2.0),
        (1, "systolic", {"rows": 32}, {"weight_bits": 8}, 20.0, 1.0),
        (2, "systolic", {"rows": 16}, {"weight_bits": 4}, 10.0, 2.0),
        (3, "systolic", {"rows": 8}, {"weight_bits": 2}, 30.0, 3.0),
    ]
    pl.DataFrame({
        "study": ["s"] * 4, "trial": [r[0] for r in rows], "state": ["COMPLETE"] * 4, "feasible": [True] * 4,
        "backend": [r[1] for r in rows], "params_json": [json.dumps(r[2]) for r in rows],
        "knobs_json": [json.dumps(r[3]) for r in rows], "energy_pj": [r[4] for r in rows],
        "latency_s": [r[5] for r in rows],
    }).write_parquet(path)
    return path


def test_a_design_found_twice_is_on_the_front_once(tmp_path: Path) -> None:
    summary = summarize(pl.scan_parquet(_trials(tmp_path / "t.parquet")),
                        {"energy_pj": "minimize", "latency_s": "minimize"})
    assert summary.front["trial"].to_list() == [0, 1]  # trial 2 repeats trial 0's design
    # the hypervolume is that of the two distinct points: duplicates add nothing
    # reference: worst + a tenth of the range = (30 + 2, 3 + 0.2); boxes 22 x 1.2 + 12 x 1.0 = 38.4
    assert summary.hypervolume == pytest.approx(22 * 1.2 + 12 * 1.0)


def test_pareto_shows_knobs_and_takes_columns(cli, tmp_path: Path) -> None:
    table = _trials(tmp_path / "t.parquet")
    code, out, err = cli("pareto", table, "--objectives", "energy_pj,latency_s")
    assert code == 0, err
    assert "weight_bits" in out and "rows" in out and "2 distinct designs" in out
    code, out, _ = cli("pareto", table, "--objectives", "energy_pj,latency_s", "--columns", "trial,weight_bits")
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in out.splitlines() if "│" in line]
    assert rows == [["0", "4"], ["1", "8"]]
    code, _, err = cli("pareto", table, "--objectives", "energy_pj,latency_s", "--columns", "trial,colour")
    assert code == 2 and "--columns: unknown column colour (allowed: " in err and "weight_bits" in err
