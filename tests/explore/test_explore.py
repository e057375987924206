"""`dse explore` on the toy backend: the table, the front, constraints, knobs, accuracy, reruns."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import optuna
import polars as pl
import pytest

from dse.errors import DseInputError
from dse.plugin.manager import Plugins
from dse.results.pareto import minimization, pareto_mask
from dse.results.trials import TRIALS_SCHEMA
from dse.search.explore import ExploreConfig, explore
from tests.explore.conftest import toy_space, write_space


def config(path: Path, out: Path, trials: int, **kw) -> ExploreConfig:
    return ExploreConfig(space_path=path, out=out, study="toy", trials=trials, seed=0, **kw)


def test_a_run_writes_the_table_front_and_plots(tmp_path: Path, toy_plugins: Plugins) -> None:
    path = write_space(tmp_path, toy_space())
    result = explore(config(path, tmp_path / "out", 40), toy_plugins)
    out = tmp_path / "out"
    assert {p.name for p in out.iterdir()} >= {"trials.parquet", "pareto.parquet", "pareto.png", "run.json",
                                             "study.journal"}
    assert not (out / "pareto.html").exists()  # about 5 MB: on request only (--html)
    assert (out / "pareto.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    trials = pl.read_parquet(out / "trials.parquet")
    assert dict(trials.schema) == TRIALS_SCHEMA
    assert result.told == trials.height == 40
    assert trials["trial"].to_list() == list(range(40)) and (trials["state"] == "COMPLETE").all()
    assert json.loads(pl.read_parquet_metadata(out / "trials.parquet")["dse.objectives"]) == {
        "energy_pj": "minimize", "latency_s": "minimize"}
    for row in trials.head(5).iter_rows(named=True):
        p = json.loads(row["params_json"])
        # toy_plugin: energy = 100 · x · T · Σ density = 100 · x · 1 · 0.6; latency = 1000 / y cycles at 100 MHz
        assert row["energy_pj"] == pytest.approx(60.0 * p["x"])
        assert row["latency_s"] == pytest.approx(1e-5 / p["y"])
        # area = x + y, constraint area <= 6, normalised by the bound: (x + y − 6) / 6
        assert row["constraint_violation"] == pytest.approx((p["x"] + p["y"] - 6.0) / 6.0)
        assert row["feasible"] == (p["x"] + p["y"] <= 6.0)
    feasible = trials.filter(pl.col("feasible"))
    mask = pareto_mask(feasible.select("energy_pj", "latency_s").to_numpy())
    assert sorted(feasible.filter(pl.Series(mask))["trial"].to_list()) == sorted(
        trials.filter(pl.col("pareto"))["trial"].to_list())
    front = pl.read_parquet(out / "pareto.parquet")
    # pareto.parquet lists each front design once (NSGA-II proposes some twice); trials marks every trial of it
    flagged = trials.filter(pl.col("pareto"))
    assert set(front["trial"].to_list()) <= set(flagged["trial"].to_list())
    assert sorted(front["params_json"].to_list()) == sorted(set(flagged["params_json"].to_list()))
    assert front["energy_pj"].is_sorted() and result.front_size == front.height
    assert result.hypervolume is not None and result.hypervolume > 0


def test_the_shared_study_is_an_ordinary_optuna_study(tmp_path: Path, toy_plugins: Plugins) -> None:
    path = write_space(tmp_path, toy_space())
    explore(config(path, tmp_path / "out", 20), toy_plugins)
    from optuna.storages.journal import JournalFileBackend

    storage = optuna.storages.JournalStorage(JournalFileBackend(str(tmp_path / "out" / "study.journal")))
    study = optuna.load_study(study_name="toy/explore-toy", storage=storage)
    trials = study.get_trials()
    assert len(trials) == 20 and set(trials[0].params) == {"x", "y"}
    assert trials[0].constraints == {"area_mm2 <= 6": pytest.approx((trials[0].params["x"] + trials[0].params["y"] - 6)
                                                                    / 6)}
    assert trials[0].values[0] == pytest.approx(60.0 * trials[0].params["x"])


def test_rerunning_continues_and_never_overwrites_another_run(tmp_path: Path, toy_plugins: Plugins) -> None:
    path = write_space(tmp_path, toy_space())
    out = tmp_path / "out"
    first = explore(config(path, out, 20), toy_plugins)
    before = pl.read_parquet(out / "trials.parquet")
    again = explore(config(path, out, 20), toy_plugins)  # the budget is met: nothing to do
    assert (first.told, again.told, again.resumed) == (20, 0, True)
    more = explore(config(path, out, 30), toy_plugins)
    after = pl.read_parquet(out / "trials.parquet")
    assert more.told == 10 and after.height == 30
    assert after.head(20).select("params_json", "energy_pj").equals(before.select("params_json", "energy_pj"))
    other = write_space(tmp_path, toy_space(objectives={"energy_pj": "minimize", "area_mm2": "minimize"}), "b.yaml")
    with pytest.raises(DseInputError, match="holds another run"):
        explore(config(other, out, 20), toy_plugins)
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    with pytest.raises(DseInputError, match="is not empty and holds no dse run"):
        explore(config(path, stranger, 20), toy_plugins)


def test_backends_split_the_budget_and_fronts_merge(tmp_path: Path, toy_plugins: Plugins) -> None:
    space = toy_space(backends=[
        {"backend": "explore-toy", "params": {"x": {"type": "float", "low": 0.5, "high": 4.0}, "y": 1.0}},
        {"backend": "ottati2023-ann", "params": {"e_mem_pj": {"type": "float", "low": 0.5, "high": 5.0}}},
    ], constraints=[])
    path = write_space(tmp_path, space)
    explore(config(path, tmp_path / "out", 41), toy_plugins)
    trials = pl.read_parquet(tmp_path / "out" / "trials.parquet")
    # 41 trials over two backends: 21 and 20
    assert trials.group_by("study").len().sort("study").rows() == [("toy/explore-toy", 21), ("toy/ottati2023-ann", 20)]
    merged = pareto_mask(trials.select("energy_pj", "latency_s").to_numpy())
    assert trials["pareto"].to_list() == merged.tolist()


def test_knobs_change_the_workload_and_feed_parameters(tmp_path: Path, toy_plugins: Plugins) -> None:
    space = toy_space(
        knobs={"timesteps": {"type": "categorical", "choices": [1, 3]},
               "input_density": {"type": "float", "low": 0.1, "high": 0.5, "step": 0.1}},
        backends=[{"backend": "explore-toy", "params": {"x": {"type": "knob", "knob": "timesteps"}, "y": 2.0}}],
    )
    explore(config(write_space(tmp_path, space), tmp_path / "out", 20), toy_plugins)
    trials = pl.read_parquet(tmp_path / "out" / "trials.parquet")
    for row in trials.iter_rows(named=True):
        knobs, params = json.loads(row["knobs_json"]), json.loads(row["params_json"])
        t, d = knobs["timesteps"], knobs["input_density"]
        assert params == {"x": t, "y": 2.0}
        # input_density sets both layers: Σ density = 2d; energy = 100 · x · T · 2d with x = T
        assert row["energy_pj"] == pytest.approx(100.0 * t * t * 2 * d)


def test_accuracy_is_an_objective_and_its_densities_drive_energy(tmp_path: Path, toy_plugins: Plugins) -> None:
    space = toy_space(
        objectives={"energy_pj": "minimize", "accuracy": "maximize"},
        constraints=["accuracy >= 0.7"],
        accuracy={"model": "explore-toy-accuracy"},
        knobs={"weight_bits": {"type": "categorical", "choices": [2, 4, 8]}},
    )
    explore(config(write_space(tmp_path, space), tmp_path / "out", 30), toy_plugins)
    trials = pl.read_parquet(tmp_path / "out" / "trials.parquet")
    for row in trials.iter_rows(named=True):
        bits, x = json.loads(row["knobs_json"])["weight_bits"], json.loads(row["params_json"])["x"]
        assert row["accuracy"] == pytest.approx(1 - 1 / (1 + bits))  # 2 → 0.667, 4 → 0.8, 8 → 0.889
        assert row["feasible"] == (bits >= 4) and (row["feasible"] or row["constraint_violation"] > 0)
        # measured densities: fc1 input 0.5 (was 0.2), fc2 keeps 0.4: Σ = 0.9; energy = 90 · x
        assert row["energy_pj"] == pytest.approx(90.0 * x)
    front = trials.filter(pl.col("pareto"))
    values = minimization(front.select("energy_pj", "accuracy").to_numpy(), ["minimize", "maximize"])
    assert pareto_mask(values).all() and front["feasible"].all()


def test_memory_storage_and_no_second_run_on_it(tmp_path: Path, toy_plugins: Plugins) -> None:
    path = write_space(tmp_path, toy_space())
    result = explore(config(path, tmp_path / "out", 20, storage="memory"), toy_plugins)
    assert result.told == 20 and not (tmp_path / "out" / "study.journal").exists()
    with pytest.raises(DseInputError, match="keeps nothing"):
        explore(config(path, tmp_path / "out", 20, storage="memory"), toy_plugins)
    assert np.isfinite(result.trials_per_second)


@pytest.mark.parametrize("sampler", [{"name": "nsga3", "population_size": 10}, {"name": "tpe", "batch_size": 5},
                                     {"name": "random", "batch_size": 7}])
def test_every_sampler_reaches_the_budget(tmp_path: Path, toy_plugins: Plugins, sampler: dict) -> None:
    path = write_space(tmp_path, toy_space(sampler=sampler))
    result = explore(config(path, tmp_path / "out", 20), toy_plugins)
    assert result.trials is not None
    trials = result.trials.collect()
    assert trials.height == 20
    assert (trials["state"] == "COMPLETE").all() and result.front_size > 0


def test_nsga2_generations_are_whole_batches(tmp_path: Path, toy_plugins: Plugins) -> None:
    path = write_space(tmp_path, toy_space())  # population 10
    explore(config(path, tmp_path / "out", 40), toy_plugins)
    from dse.search.journal import BatchedJournalFile

    study = optuna.load_study(study_name="toy/explore-toy",
                              storage=optuna.storages.JournalStorage(BatchedJournalFile(tmp_path / "out" / "study.journal")))
    generations = [t.system_attrs["BatchNSGAII:generation"] for t in study.get_trials()]
    assert generations == [g for g in range(4) for _ in range(10)]  # Optuna's rule, once per batch
