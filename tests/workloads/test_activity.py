"""Activity files (CSV, Parquet, JSON; per step or mean) override default densities."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from dse_workloads.activity import read_activity
from dse_workloads.annotate import read_annotated
from dse_workloads.densities import Density, propagate
from dse_workloads.zoo import build
from hypothesis import given, settings
from hypothesis import strategies as st

from dse import DseInputError
from tests.conftest import PAPER_CNN, write


def test_csv_per_step_rows_are_averaged_and_set_the_time_steps(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("layer,timestep,input_density,output_density\n"
                    "fc1,0,0.2,0.3\nfc1,1,0.4,0.1\nfc1,2,0.3,0.2\nfc2,0,,0.5\nfc2,1,,0.1\nfc2,2,,0.3\n")
    activity = read_activity(path)
    assert activity.timesteps == 3
    assert activity.layers["fc1"] == (pytest.approx(0.3), pytest.approx(0.2))  # (0.2+0.4+0.3)/3, (0.3+0.1+0.2)/3
    assert activity.layers["fc2"] == (None, pytest.approx(0.3))


def test_parquet_and_json_give_the_same_means(tmp_path: Path) -> None:
    pl.DataFrame({"layer": ["fc1", "fc2"], "input_density": [0.25, 0.5], "output_density": [0.5, 0.1]}) \
        .write_parquet(tmp_path / "a.parquet")
    write(tmp_path / "a.json", {"layers": {"fc1": {"input_density": [0.2, 0.3], "output_density": 0.5},
                                           "fc2": {"input_density": 0.5, "output_density": [0.0, 0.2]}}})
    table, doc = read_activity(tmp_path / "a.parquet"), read_activity(tmp_path / "a.json")
    assert table.layers == {"fc1": (0.25, 0.5), "fc2": (0.5, 0.1)}
    assert doc.layers["fc1"] == (pytest.approx(0.25), 0.5) and doc.layers["fc2"] == (0.5, pytest.approx(0.1))
    assert (table.timesteps, doc.timesteps) == (None, 2)  # lists of 2 steps


def test_measured_output_feeds_the_next_layers_input(plugins, tmp_path: Path) -> None:
    write(tmp_path / "a.json", {"timesteps": 4, "conv1_1": {"input_density": 0.9, "output_density": 0.3}})
    loaded = read_annotated("zoo:vgg9-cifar10", plugins, tmp_path / "a.json")
    conv1, conv2 = loaded.workload.layers[:2]
    assert (conv1.input_density, conv1.output_density, conv2.input_density) == (0.9, 0.3, 0.3)
    assert loaded.workload.timesteps == 4
    assert loaded.resolved.sources["conv1_2"][0].startswith("measured: ")
    assert loaded.resolved.sources["conv1_2"][1].startswith("default: ReLU")  # not in the file


def test_yaml_workload_keeps_its_densities_where_the_file_is_silent(plugins, tmp_path: Path) -> None:
    two = {**PAPER_CNN, "layers": [*PAPER_CNN["layers"], {"name": "fc", "kind": "dense", "in_features": 144,
                                                         "out_features": 10, "input_density": 0.7}]}
    (tmp_path / "a.csv").write_text("layer,input_density\nconv,0.05\n")
    loaded = read_annotated(str(write(tmp_path / "w.yaml", two)), plugins, tmp_path / "a.csv")
    conv, fc = loaded.workload.layers
    assert (conv.input_density, fc.input_density) == (0.05, 0.7)
    assert loaded.resolved.sources["fc"][0] == f"as given in {tmp_path / 'w.yaml'}"


@pytest.mark.parametrize("content, message", [
    ("layer,input_density\nnope,0.1\n", "layer 'nope' is not in workload"),
    ("layer,input_density\nconv,1.5\n", "a density is a number in [0, 1]"),
    ("name,density\nconv,0.1\n", "needs a 'layer' column"),
])
def test_bad_activity_files_say_what_is_wrong(plugins, tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "a.csv").write_text(content)
    with pytest.raises(DseInputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        read_annotated("zoo:paper-cnn", plugins, tmp_path / "a.csv")


def test_json_lists_of_different_lengths_are_refused(tmp_path: Path) -> None:
    write(tmp_path / "a.json", {"a": {"input_density": [0.1, 0.2]}, "b": {"input_density": [0.1]}})
    with pytest.raises(DseInputError, match="different lengths"):
        read_activity(tmp_path / "a.json")


@settings(max_examples=40, deadline=None)
@given(d_in=st.floats(0.0, 1.0), d_hidden=st.floats(0.0, 1.0))
def test_propagated_densities_stay_fractions_and_pooling_never_thins(d_in: float, d_hidden: float) -> None:
    loaded = build("vgg9-cifar10", "zoo:vgg9-cifar10")
    measured = {layer.name: (None, Density(d_hidden, "test")) for layer in loaded.workload.layers
                if layer.kind == "conv2d"}
    resolved = propagate(loaded.workload, loaded.emits, Density(d_in, "test"), measured)
    for layer in resolved.workload.layers:
        assert 0.0 <= layer.input_density <= 1.0 and 0.0 <= layer.output_density <= 1.0
        if layer.kind == "pool":  # max of k inputs: non-zero if any is, 1 - (1 - d)^4 >= d
            assert layer.output_density >= layer.input_density - 1e-12
