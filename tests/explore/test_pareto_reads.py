"""`dse pareto` reads the columns it needs: the objectives (and state, feasible, trial) of
every row, the other columns of the front's rows only.

The proof is a column that cannot be decoded: its values in the second row group are bytes
that are not UTF-8, so reading that column there fails. The front lies in the first row group;
the second is skipped by its ``trial`` statistics.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from dse.results.front_files import summarize
from dse.results.pareto import ROW, evenly_spaced, objective_rows

#: Same length as its replacement, so that the file's layout is unchanged.
MARK = "unreadable-after-writing"
OBJECTIVES = {"energy_pj": "minimize", "latency_s": "minimize"}


def poisoned(path: Path) -> Path:
    """Two row groups of 4 rows; the second's ``note`` is not UTF-8, its points dominated."""
    good = pl.DataFrame({"study": "s", "trial": [0, 1, 2, 3], "state": "COMPLETE", "feasible": True,
                         "energy_pj": [1.0, 2.0, 3.0, 3.0], "latency_s": [3.0, 2.0, 1.0, 3.0], "note": "fine"})
    bad = pl.DataFrame({"study": "s", "trial": [4, 5, 6, 7], "state": "COMPLETE", "feasible": True,
                        "energy_pj": [4.0, 5.0, 6.0, 7.0], "latency_s": [4.0, 5.0, 6.0, 7.0], "note": MARK})
    pl.concat([good, bad]).write_parquet(path, row_group_size=4, compression="uncompressed")
    path.write_bytes(path.read_bytes().replace(MARK.encode(), b"\xff" * len(MARK)))
    return path


def test_the_poisoned_column_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(pl.exceptions.ComputeError, match="invalid UTF-8"):
        pl.read_parquet(poisoned(tmp_path / "t.parquet"))


def test_the_front_is_found_without_reading_other_columns_of_other_rows(tmp_path: Path) -> None:
    summary = summarize(pl.scan_parquet(poisoned(tmp_path / "t.parquet")), OBJECTIVES)
    # (1, 3), (2, 2), (3, 1) dominate (3, 3) and every point of the second row group
    assert summary.front["trial"].to_list() == [0, 1, 2]
    assert summary.front["note"].to_list() == ["fine"] * 3
    assert summary.feasible == 8
    # reference: worst + a tenth of the range = 7 + 0.6 in both; by slabs along energy:
    # (7.6 − 1)(7.6 − 3) + (7.6 − 2)(3 − 2) + (7.6 − 3)(2 − 1) = 30.36 + 5.6 + 4.6 = 40.56
    assert summary.reference == pytest.approx((7.6, 7.6))
    assert summary.hypervolume == pytest.approx(40.56)


def test_dse_pareto_on_a_poisoned_file(tmp_path: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    path = poisoned(tmp_path / "t.parquet")
    code, out, err = cli("pareto", path, "--objectives", "energy_pj,latency_s", "--columns", "trial,note")
    assert code == 0, err
    assert "front: 3 designs; hypervolume 40.56 (reference: energy_pj 7.6, latency_s 7.6)" in out
    assert "from 8 feasible rows of 1 file(s)" in out


def test_a_subsample_follows_the_order_of_the_files(tmp_path: Path) -> None:
    # three files of 1,000 rows; the streaming engine may hand rows back in any order
    paths = []
    for f in range(3):
        frame = pl.DataFrame({"trial": range(f * 1000, (f + 1) * 1000), "energy_pj": [float(f)] * 1000,
                              "params_json": ["{}"] * 1000})
        frame.write_parquet(tmp_path / f"{f}.parquet")
        paths.append(tmp_path / f"{f}.parquet")
    rows = objective_rows(pl.scan_parquet(paths), {"energy_pj": "minimize"}, ("trial",))
    assert rows.columns == [ROW, "energy_pj", "trial"]
    assert sorted(rows[ROW].to_list()) == list(range(3000)) and (rows[ROW] == rows["trial"]).all()
    # 4 of 3,000 rows evenly spaced: positions 0, 999.67, 1999.33, 2999, truncated
    assert evenly_spaced(rows, 4)["trial"].to_list() == [0, 999, 1999, 2999]
    assert evenly_spaced(rows, 5000)["trial"].to_list() == list(range(3000))
