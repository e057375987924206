"""The spaces in spaces/ load against the installed plugins and run as they are.

to-spike-or-not trains a network per knob set with digits-proxy (seconds each, the [train]
extra); here its accuracy model is swapped for the toy one, which checks everything else:
three real backends, per-backend knobs, and parameters tied to knobs.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import yaml

from dse.inputs.space import load_space, space_header
from dse.plugin.manager import Plugins
from dse.results.front_files import VERSION_MIX_KEY
from dse.search.explore import ExploreConfig, explore

SPACES = Path(__file__).resolve().parents[2] / "spaces"


def needs_backends(path: Path, plugins: Plugins) -> None:
    """Every backend a shipped space names is a built-in one: a missing one is a failure."""
    missing = [b.backend for b in space_header(path).backends if b.backend not in plugins.backends]
    assert not missing, f"backends not registered: {', '.join(missing)}"


@pytest.mark.parametrize("name", ["systolic-resnet18", "systolic-cores-resnet18", "snn-dvs-gesture", "to-spike-or-not"])
def test_shipped_space_loads(name: str, toy_plugins: Plugins) -> None:
    path = SPACES / f"{name}.yaml"
    needs_backends(path, toy_plugins)
    space = load_space(path, toy_plugins)
    assert space.name == name and space.workload.startswith("zoo:")


@pytest.mark.parametrize("name", ["systolic-resnet18", "systolic-cores-resnet18", "snn-dvs-gesture"])
def test_shipped_hardware_space_runs(name: str, toy_plugins: Plugins, tmp_path: Path) -> None:
    path = SPACES / f"{name}.yaml"
    needs_backends(path, toy_plugins)
    result = explore(ExploreConfig(path, tmp_path / "out", name, 20, 0), toy_plugins)
    assert result.trials is not None
    trials = result.trials.collect()
    assert trials.height == 20
    assert trials["error"].null_count() == 20  # every corner of the space is a valid design


def test_to_spike_or_not_runs_with_a_stand_in_accuracy_model(toy_plugins: Plugins, tmp_path: Path) -> None:
    path = SPACES / "to-spike-or-not.yaml"
    needs_backends(path, toy_plugins)
    data = yaml.safe_load(path.read_text())
    data["accuracy"] = {"model": "explore-toy-accuracy"}
    copy = tmp_path / "to-spike-or-not.yaml"
    copy.write_text(yaml.safe_dump(data))
    result = explore(ExploreConfig(copy, tmp_path / "out", "tsn", 30, 0), toy_plugins)
    assert result.trials is not None
    trials = result.trials.collect()
    assert trials["error"].null_count() == 30
    assert sorted(trials["backend"].unique()) == ["hybrid", "snn", "systolic"]
    for row in trials.filter(pl.col("backend") == "hybrid").iter_rows(named=True):
        knobs, params = json.loads(row["knobs_json"]), json.loads(row["params_json"])
        assert knobs["kind"] == "hybrid" and params["split_after"] == knobs["split_after"] == 1
        assert params["order"] == knobs["order"]
    # written in parts and streamed: in (study, trial) order, the front's designs marked on every row
    assert trials.equals(trials.sort("study", "trial"))
    front = pl.read_parquet(tmp_path / "out" / "pareto.parquet")
    designs = set(front.select("backend", "params_json", "knobs_json").iter_rows())
    marked = [design in designs for design in trials.select("backend", "params_json", "knobs_json").iter_rows()]
    assert trials["pareto"].to_list() == marked and any(marked)
    assert not list((tmp_path / "out").glob(".trials-*"))  # the parts are gone
    # three backends, each its own plugin releases, one release each: no mix to report
    assert result.version_mix == [] and VERSION_MIX_KEY not in pl.read_parquet_metadata(tmp_path / "out" / "trials.parquet")
