"""A workload without densities says so on every costing command, and every costing command
takes measured ones with --activity."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import polars as pl
import pytest

from dse.plugin.manager import Plugins
from dse.search.sweep import SweepConfig, sweep
from tests.conftest import write
from tests.explore.conftest import toy_space, write_space

NO_DENSITIES = {"name": "nod", "timesteps": 1, "layers": [
    {"name": "fc1", "kind": "dense", "in_features": 256, "out_features": 128},
    {"name": "fc2", "kind": "dense", "in_features": 128, "out_features": 10, "input_density": 0.5}]}
ANN = {"backend": "ottati2023-ann", "name": "paper", "technology": "horowitz45", "params": {}}
SNN = {**ANN, "backend": "ottati2023-snn"}
WARNING = ("no input_density for 1 of 2 synaptic layers (fc1): costed as dense (1.0, the schema default); "
           "give measured ones with --activity FILE")


@pytest.mark.parametrize("command", ["evaluate", "compare", "explore", "sweep", "report"])
def test_every_costing_command_has_activity(cli, command: str) -> None:
    code, out, _ = cli(command, "--help")
    assert code == 0 and "--activity" in out


def test_evaluate_compare_and_sweep_say_which_layers_have_no_density(cli, tmp_path: Path, caplog,
                                                                    toy_plugins: Plugins) -> None:
    workload, ann, snn = (write(tmp_path / "w.yaml", NO_DENSITIES), write(tmp_path / "ann.yaml", ANN),
                          write(tmp_path / "snn.yaml", SNN))
    with caplog.at_level(logging.WARNING, logger="dse.inputs"):
        cli("evaluate", workload, ann, "--json")
        cli("compare", workload, "--ann", ann, "--snn", snn, "--density", "0.1:0.5:2", "--timesteps", "1")
        space = write_space(tmp_path, toy_space(workload="w.yaml"))
        write(tmp_path / "w.yaml", NO_DENSITIES)  # write_space wrote its own workload beside it
        sweep(SweepConfig(space, tmp_path / "out", "random", points=1), toy_plugins)
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [f"warning: {workload}: {WARNING}"] * 2 + [f"warning: {workload.resolve()}: {WARNING}"]


def test_compare_with_activity_costs_the_ann_at_the_measured_densities(cli, tmp_path: Path) -> None:
    workload, ann, snn = (write(tmp_path / "w.yaml", NO_DENSITIES), write(tmp_path / "ann.yaml", ANN),
                          write(tmp_path / "snn.yaml", SNN))
    activity = tmp_path / "a.csv"
    activity.write_text("layer,input_density\nfc1,0.25\nfc2,0.5\n")
    code, out, err = cli("compare", workload, "--ann", ann, "--snn", snn, "--density", "0.1:0.5:2",
                         "--timesteps", "1", "--activity", activity, "--json")
    assert code == 0 and "warning" not in err
    summary = json.loads(out)
    # d_ANN weighted by synapses: (32,768 x 0.25 + 1,280 x 0.5) / 34,048 = 8,832 / 34,048
    assert summary["ann_density"] == pytest.approx(8_832 / 34_048)
    _, doc, _ = cli("evaluate", workload, ann, "--activity", activity, "--json")
    assert summary["ann_energy_pj"] == pytest.approx(json.loads(doc)["totals"]["energy_pj"])


def test_sweep_with_activity_costs_and_records_the_measured_densities(tmp_path: Path, toy_plugins: Plugins) -> None:
    space = toy_space(backends=[{"backend": "explore-toy", "params": {"x": 1.0, "y": 1.0}}])
    path = write_space(tmp_path, space)
    activity = tmp_path / "a.csv"
    activity.write_text("layer,input_density\nfc1,0.5\nfc2,0.25\n")
    sweep(SweepConfig(path, tmp_path / "out", "random", points=1, activity=activity), toy_plugins)
    chunk = next((tmp_path / "out" / "points").iterdir())
    # toy backend: 100 pJ x x x T x (0.5 + 0.25) = 75 pJ (the workload file says 0.2 + 0.4: 60 pJ)
    assert pl.read_parquet(chunk)["energy_pj"].to_list() == [pytest.approx(75.0)]
    assert pl.read_parquet_metadata(chunk)["dse.activity"] == str(activity.resolve())


def test_workload_show_does_not_call_a_default_given(cli, tmp_path: Path) -> None:
    workload = write(tmp_path / "w.yaml", NO_DENSITIES)
    code, out, _ = cli("workload", "show", workload, "--json")
    layers = {layer["name"]: layer for layer in json.loads(out)["layers"]}
    assert code == 0
    assert layers["fc1"]["input_density_source"] == f"default: 1.0, the schema's ({workload} gives none)"
    assert layers["fc2"]["input_density_source"] == f"as given in {workload}"
