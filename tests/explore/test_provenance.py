"""Every result file says what wrote it: Python, dse, plugins and library versions, the git
commit, when, and every parameter of the architecture costed; studies name their metrics."""

from __future__ import annotations

import json
import platform
import subprocess
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

import optuna
import polars as pl

import dse
from dse.plugin.manager import Plugins
from dse.search.explore import ExploreConfig, explore
from tests.conftest import PAPER_CNN, write
from tests.explore.conftest import toy_space, write_space

ROOT = Path(__file__).resolve().parents[2]


def _check_versions(meta: dict[str, str]) -> None:
    assert meta["dse_version"] == dse.__version__ and meta["dse_python"] == platform.python_version()
    libraries = json.loads(meta["dse_libraries"])
    for name in ("optuna", "numpy", "polars", "torch"):
        assert libraries[name] == metadata.version(name)
    written = datetime.fromisoformat(meta["dse_created_utc"])
    assert timedelta(0) <= datetime.now(UTC) - written < timedelta(hours=1)
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert meta["dse_git_commit"].removesuffix("+modified") == head


def test_evaluate_out_records_versions_commit_time_and_every_parameter(cli, tmp_path: Path) -> None:
    arch = write(tmp_path / "a.yaml", {"backend": "snn", "name": "mine", "technology": "horowitz45",
                                       "params": {"cores": 4}})
    out = tmp_path / "r.parquet"
    code, _, err = cli("evaluate", write(tmp_path / "w.yaml", PAPER_CNN), arch, "--out", out)
    assert code == 0, err
    meta = pl.read_parquet_metadata(out)
    _check_versions(meta)
    recorded = json.loads(meta["dse.architecture"])
    assert (recorded["name"], recorded["backend"], recorded["file"]) == ("mine", "snn", str(arch))
    # the file gave cores only; the record has every parameter, defaults included (dse_snn/params.py)
    assert recorded["params"]["cores"] == 4 and recorded["params"]["neurons_per_core"] == 1024
    assert recorded["technology"]["name"] == "horowitz45"


def test_a_run_records_versions_and_its_studies_name_their_metrics(tmp_path: Path, toy_plugins: Plugins) -> None:
    path = write_space(tmp_path, toy_space())
    out = tmp_path / "out"
    explore(ExploreConfig(space_path=path, out=out, study="toy", trials=10, seed=0), toy_plugins)
    for name in ("trials.parquet", "pareto.parquet"):
        _check_versions(pl.read_parquet_metadata(out / name))
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(out / "study.journal")))
    for summary in optuna.get_all_study_summaries(storage):
        assert optuna.load_study(study_name=summary.study_name, storage=storage).metric_names == [
            "energy_pj", "latency_s"]
