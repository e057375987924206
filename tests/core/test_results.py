"""Parquet results: the fixed schema, atomic writes, metadata."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from dse import Architecture, Workload
from dse.evaluation.evaluate import evaluate, resolve
from dse.plugin.manager import make_plugins
from dse.results.atomic import write_parquet_atomic
from dse.results.evaluation_table import EVALUATION_SCHEMA, evaluation_frame
from dse.results.provenance import config_hash
from tests.conftest import PAPER_CNN


def test_evaluation_frame_has_the_fixed_schema_and_reads_back(tmp_path: Path) -> None:
    plugins = make_plugins()
    w = Workload.model_validate(PAPER_CNN)
    arch = Architecture(backend="ottati2023-ann", name="a")
    frame = evaluation_frame(w, arch, evaluate(w, resolve(arch, plugins)))
    assert frame.schema == pl.Schema(EVALUATION_SCHEMA)
    path = write_parquet_atomic(frame, tmp_path / "sub" / "r.parquet", {"k": "v"})
    assert pl.read_parquet(path).equals(frame)
    assert pl.read_parquet_metadata(path)["k"] == "v"
    assert [p.name for p in path.parent.iterdir()] == ["r.parquet"]  # no temporary left behind


def test_failed_write_leaves_the_old_file(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "r.parquet"
    path.write_bytes(b"old")

    def boom(self, *a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", boom)
    with pytest.raises(OSError):
        write_parquet_atomic(pl.DataFrame({"a": [1]}), path)
    assert path.read_bytes() == b"old" and len(list(tmp_path.iterdir())) == 1


def test_config_hash_is_stable_and_sensitive() -> None:
    a = Architecture(backend="x", params={"rows": 8, "cols": 8})
    b = Architecture(backend="x", params={"cols": 8, "rows": 8})
    assert config_hash(a) == config_hash(b)
    assert config_hash(a) != config_hash(Architecture(backend="x", params={"rows": 8, "cols": 16}))
