"""Faults: an exception, NaN or infinity fails that trial with its error kept; the study goes on."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from dse.errors import DseInputError
from dse.evaluation.batch import BlockEvaluator
from dse.inputs.space import read_space
from dse.plugin.manager import Plugins
from dse.search.explore import ExploreConfig, explore
from tests.explore.conftest import toy_space, write_space

FAULTS = ["none", "raise", "nan", "inf", "batch"]


def test_each_fault_fails_its_own_trials_only(tmp_path: Path, toy_plugins: Plugins) -> None:
    space = toy_space(backends=[{"backend": "explore-toy", "params": {
        "x": {"type": "float", "low": 0.5, "high": 4.0},
        "y": {"type": "float", "low": 0.5, "high": 4.0},
        "fault": {"type": "categorical", "choices": FAULTS},
    }}], trials=100)
    result = explore(ExploreConfig(write_space(tmp_path, space), tmp_path / "out", "toy", 100, 0), toy_plugins)
    trials = pl.read_parquet(tmp_path / "out" / "trials.parquet")
    assert result.told == trials.height == 100  # the study reached its budget
    fault = trials["params_json"].map_elements(lambda p: json.loads(p)["fault"], return_dtype=pl.String)
    expected = {
        "raise": "ValueError: toy fault",  # the backend's own error for that row
        "nan": "energy_pj is NaN",  # no error given, a NaN objective
        "inf": "latency_s is inf",
        # retried point by point; the error names the plugin
        "batch": "backend 'explore-toy' of plugin 'tests.explore.toy_plugin' (registered in code): "
                 "RuntimeError: toy batch fault",
    }
    seen = set()
    for kind, state, error, energy in zip(fault, trials["state"], trials["error"], trials["energy_pj"], strict=True):
        if kind == "none":
            assert (state, error) == ("COMPLETE", None) and energy is not None
        else:  # metrics that were computed are kept: an infinite latency still has its energy
            assert (state, error) == ("FAIL", expected[kind]) and (energy is None) == (kind != "inf")
        seen.add(kind)
    assert seen == set(FAULTS)
    assert not trials.filter(pl.col("state") == "FAIL")["feasible"].any()
    assert not trials.filter(pl.col("state") == "FAIL")["pareto"].any()


def test_a_failing_accuracy_model_fails_its_knob_set_only(tmp_path: Path, toy_plugins: Plugins) -> None:
    space = toy_space(
        objectives={"energy_pj": "minimize", "accuracy": "maximize"},
        accuracy={"model": "explore-toy-accuracy", "params": {"fail_bits": 4}},
        knobs={"weight_bits": {"type": "categorical", "choices": [2, 4, 8]}},
        trials=30,
    )
    explore(ExploreConfig(write_space(tmp_path, space), tmp_path / "out", "toy", 30, 0), toy_plugins)
    trials = pl.read_parquet(tmp_path / "out" / "trials.parquet")
    bits = trials["knobs_json"].map_elements(lambda k: json.loads(k)["weight_bits"], return_dtype=pl.Int64)
    failed = trials.filter(bits == 4)
    assert failed.height and (failed["state"] == "FAIL").all()
    assert set(failed["error"]) == {"accuracy model 'explore-toy-accuracy': RuntimeError: toy accuracy fault"}
    assert (trials.filter(bits != 4)["state"] == "COMPLETE").all()


def test_a_bad_knob_value_fails_its_points(tmp_path: Path, toy_plugins: Plugins) -> None:
    space = toy_space(knobs={"density.nonesuch": 0.3})
    loaded, workload = read_space(write_space(tmp_path, space), toy_plugins)
    evaluator = BlockEvaluator(loaded, 0, workload, toy_plugins)
    frame = evaluator.evaluate(pl.DataFrame({"x": [1.0], "y": [1.0], "knob:density.nonesuch": [0.3]})).frame
    assert frame["error"][0] == ("knobs: ValueError: knob 'density.nonesuch' names no layer of 'tiny-mlp' "
                                 "(layers: fc1, fc2)")


def test_an_empty_technology_name_is_one_line_naming_the_field(tmp_path: Path, toy_plugins: Plugins) -> None:
    # found by the fuzz test: '' is not "no technology" (the default), it names none
    space = toy_space()
    space["backends"][0]["technology"] = ""
    with pytest.raises(DseInputError, match=r"space\.yaml: backends\[0\]\.technology: String should have at least 1 character \(got ''\)"):
        read_space(write_space(tmp_path, space), toy_plugins)
