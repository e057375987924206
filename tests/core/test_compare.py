"""`dse compare` finds the seed paper's break-even rule; `dse reproduce` matches the papers."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import PAPER_CNN, write


def _archs(tmp_path: Path) -> tuple[Path, Path]:
    arch = {"name": "paper", "technology": "horowitz45", "params": {}}
    return (write(tmp_path / "ann.yaml", {**arch, "backend": "ottati2023-ann"}),
            write(tmp_path / "snn.yaml", {**arch, "backend": "ottati2023-snn"}))


def test_break_even_follows_t_d_snn_183_d_ann(cli, tmp_path: Path) -> None:
    ann, snn = _archs(tmp_path)
    out = tmp_path / "cmp"
    code, text, err = cli("compare", write(tmp_path / "w.yaml", PAPER_CNN), "--ann", ann, "--snn", snn,
                          "--density", "0.005:0.5:12", "--timesteps", "1,2,4,8", "--out", out, "--json")
    assert code == 0, err
    summary = json.loads(text)
    assert summary["ann_density"] == pytest.approx(0.1)
    for point in summary["break_even"]:
        # ottati2023.md: T * d_SNN ~ 1.83 * d_ANN; d* = 1.83 * 0.1 / T
        assert point["t_times_d_over_d_ann"] == pytest.approx(1.83, rel=0.015)
        assert point["spike_density"] == pytest.approx(0.183 / point["timesteps"], rel=0.015)
    grid = pl.read_parquet(out / "compare.parquet")
    assert grid.filter(pl.col("engine") == "snn").height == 4 * 12
    assert (out / "crossover.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(("option", "value", "needle"), [
    ("--density", "0.5:0.1:10", "need 0 <= LO < HI <= 1"),
    ("--density", "abc", "expected LO:HI:N"),
    ("--timesteps", "0,2", "every value must be >= 1"),
])
def test_compare_rejects_bad_grids(cli, tmp_path: Path, option: str, value: str, needle: str) -> None:
    ann, snn = _archs(tmp_path)
    code, _, err = cli("compare", write(tmp_path / "w.yaml", PAPER_CNN), "--ann", ann, "--snn", snn, option, value)
    assert code == 2 and needle in err


@pytest.mark.parametrize("study", ["ottati2023", "lemaire2022"])
def test_reproduce_matches_every_exact_number_within_1_percent(cli, tmp_path: Path, study: str) -> None:
    code, text, err = cli("reproduce", study, "--json", "--out", tmp_path)
    assert code == 0, err
    rows = json.loads(text)
    assert rows and all(r["within_1_percent"] for r in rows if r["exact"])
    # approximate sources still land close: within 2 %
    assert all(abs(r["relative_difference"]) <= 0.02 for r in rows)
    assert pl.read_parquet(tmp_path / f"reproduce-{study}.parquet").height == len(rows)


def test_reproduce_unknown_study(cli) -> None:
    code, _, err = cli("reproduce", "smith1999")
    assert code == 2 and "allowed: lemaire2022, ottati2023" in err
