"""The batch search loop: Optuna reads what it stores, its NSGA-II rules are Optuna's, its
memory holds two populations whatever the study's size, and a seed gives one study."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import optuna
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from optuna.distributions import FloatDistribution
from optuna.samplers.nsgaii._constraints_evaluation import _constrained_dominates
from optuna.storages.journal import JournalFileBackend
from optuna.study import StudyDirection
from optuna.study._multi_objective import _dominates
from optuna.trial import FrozenTrial, TrialState

from dse.inputs.space import read_space
from dse.plugin.manager import Plugins
from dse.results.provenance import config_hash
from dse.schema.space import Nsga2
from dse.search.executors import InProcess
from dse.search.explore import ExploreConfig, Search, explore, open_store
from dse.search.optuna_samplers import GenerationSampler, make_sampler
from dse.search.run_dir import space_identity
from tests.explore.conftest import toy_space, write_space


def test_optuna_load_study_reads_trials_values_params_and_distributions(tmp_path: Path, toy_plugins: Plugins) -> None:
    path = write_space(tmp_path, toy_space())
    explore(ExploreConfig(path, tmp_path / "out", "toy", 40, 0), toy_plugins)
    table = pl.read_parquet(tmp_path / "out" / "trials.parquet")
    storage = optuna.storages.JournalStorage(JournalFileBackend(str(tmp_path / "out" / "study.journal")))
    [summary] = optuna.get_all_study_summaries(storage)  # optuna-dashboard's list of studies
    assert (summary.study_name, summary.n_trials) == ("toy/explore-toy", 40)
    study = optuna.load_study(study_name="toy/explore-toy", storage=storage)
    assert study.metric_names == ["energy_pj", "latency_s"]
    trials = study.get_trials()
    assert [t.number for t in trials] == list(range(40)) == table["trial"].to_list()
    for trial, row in zip(trials, table.iter_rows(named=True), strict=True):
        # written in Optuna's abbreviated form, read back as the space's ranges
        assert trial.distributions == {"x": FloatDistribution(0.5, 4.0), "y": FloatDistribution(0.5, 4.0)}
        assert trial.params == {k: v for k, v in json.loads(row["params_json"]).items() if k in ("x", "y")}
        assert trial.values == [row["energy_pj"], row["latency_s"]]
        # area = x + y <= 6, normalised: (x + y - 6) / 6, the value in the table's constraints_json
        assert trial.constraints == {"area_mm2 <= 6": pytest.approx((trial.params["x"] + trial.params["y"] - 6) / 6)}
        assert json.loads(row["constraints_json"]) == trial.constraints
        assert trial.system_attrs["BatchNSGAII:generation"] == trial.number // 10  # population 10
        assert trial.datetime_start is not None and trial.datetime_complete >= trial.datetime_start
    # the dashboard's front (Optuna's, feasible trials only) is dse's
    assert {t.number for t in study.best_trials} == set(table.filter(pl.col("pareto"))["trial"].to_list())


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 10), st.floats(0, 10), st.floats(-1, 1)), min_size=2, max_size=12),
       st.booleans())
def test_the_dominance_matrix_is_optunas(rows: list[tuple[float, float, float]], constrained: bool) -> None:
    directions = ["minimize", "maximize"]
    trials = [FrozenTrial(number=i, trial_id=i, state=TrialState.COMPLETE, value=None, values=[a, b],
                          datetime_start=None, datetime_complete=None, params={}, distributions={}, user_attrs={},
                          system_attrs={"constraints:c": c} if constrained else {}, intermediate_values={})
              for i, (a, b, c) in enumerate(rows)]
    sampler = GenerationSampler(make_sampler(Nsga2(), 0), Nsga2(), directions, {}, 0)
    beats = sampler._beats(trials)
    rule = _constrained_dominates if constrained else _dominates
    lanes = [StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE]
    for i, j in itertools.product(range(len(trials)), repeat=2):
        assert beats[i, j] == rule(trials[i], trials[j], lanes), (i, j)


def test_memory_holds_two_populations_whatever_the_study_size(tmp_path: Path, toy_plugins: Plugins) -> None:
    path = write_space(tmp_path, toy_space(trials=600))  # population 10: 60 generations
    config = ExploreConfig(path, tmp_path / "out", "toy", 600, 0)
    (tmp_path / "out").mkdir()
    space, workload = read_space(path, toy_plugins)
    space = space.model_copy(update={"trials": 600})
    search = Search(config, space, open_store(config.storage_url), space_identity(space, config_hash(workload)),
                    toy_plugins)
    search.load()
    search.run(InProcess(space, workload, toy_plugins), lambda told: None)
    assert search.stored == [600]
    sampler = search.samplers[0]
    assert isinstance(sampler, GenerationSampler)
    # the newest generation (59), its parents, and nothing else: 10 + 10 trials of 600
    assert sampler.newest == 59 and len(sampler.members) == 10 and sampler.late == []
    assert list(sampler.parents) == [59] and len(sampler.parents[59]) == 10
    assert search._pending == [[]]  # every stored trial handed over and dropped


def test_a_seed_gives_the_same_study_with_generations_in_flight(tmp_path: Path, toy_plugins: Plugins) -> None:
    path = write_space(tmp_path, toy_space(trials=60))
    tables = []
    for run in ("a", "b"):
        explore(ExploreConfig(path, tmp_path / run, "toy", 60, 0, workers=2,
                              plugin_modules=("tests.explore.toy_plugin",)), toy_plugins)
        tables.append(pl.read_parquet(tmp_path / run / "trials.parquet").select("trial", "params_json", "energy_pj"))
    assert tables[0].equals(tables[1]) and tables[0].height == 60
    # every row is its own parameters' cost: energy = 60 · x (toy_plugin)
    x = np.asarray([json.loads(p)["x"] for p in tables[0]["params_json"]])
    assert np.allclose(tables[0]["energy_pj"].to_numpy(), 60.0 * x)


def test_a_resumed_run_takes_the_stored_parents_instead_of_selecting_again(tmp_path: Path,
                                                                           toy_plugins: Plugins) -> None:
    path = write_space(tmp_path, toy_space())  # population 10
    config = ExploreConfig(path, tmp_path / "out", "toy", 40, 0)
    explore(config, toy_plugins)
    storage = optuna.storages.JournalStorage(JournalFileBackend(str(tmp_path / "out" / "study.journal")))
    study = optuna.load_study(study_name="toy/explore-toy", storage=storage)
    # generations 0-3 of 10 trials; the parents of 1, 2 and 3 were selected once each and
    # stored under Optuna's own cache key (trial ids)
    attrs = storage.get_study_system_attrs(study._study_id)
    cached = {k: v for k, v in attrs.items() if k.startswith("BatchNSGAII:parent:")}
    assert sorted(cached) == ["BatchNSGAII:parent:1", "BatchNSGAII:parent:2", "BatchNSGAII:parent:3"]
    assert all(len(ids) == 10 for ids in cached.values())

    space, workload = read_space(path, toy_plugins)
    search = Search(config, space.model_copy(update={"trials": 40}), open_store(config.storage_url),
                    space_identity(space, config_hash(workload)), toy_plugins)
    sampler = search.samplers[0]
    assert isinstance(sampler, GenerationSampler)

    def no_selection(*_: object) -> None:
        raise AssertionError("a stored selection was made again")

    sampler.sampler._elite_population_selection_strategy = no_selection  # type: ignore[attr-defined]
    search.load()
    assert sampler.newest == 3 and [t._trial_id for t in sampler.parents[3]] == cached["BatchNSGAII:parent:3"]


def test_an_rdb_study_is_read_a_generation_at_a_time(tmp_path: Path, toy_plugins: Plugins,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # 40 trials, population 10, on SQLite through Optuna's RDB storage (as PostgreSQL): each look
    # asks for the trials after the highest id read, so the search reads each trial once
    read: list[int] = []
    real = optuna.storages.RDBStorage._get_trials

    def spy(self: optuna.storages.RDBStorage, study_id: int, states: object, included: set[int],
            greater_than: int) -> list[FrozenTrial]:
        trials = real(self, study_id, states, included, greater_than)
        assert all(t._trial_id > greater_than for t in trials)
        read.extend(t._trial_id for t in trials)
        return trials

    monkeypatch.setattr(optuna.storages.RDBStorage, "_get_trials", spy)
    path = write_space(tmp_path, toy_space())
    explore(ExploreConfig(path, tmp_path / "rdb", "toy", 40, 0, storage=f"sqlite:///{tmp_path / 'toy.db'}"),
            toy_plugins)
    ids = list(range(1, 41))
    assert sorted(read[:40]) == ids and read[40:] == ids  # then once more, whole, for trials.parquet
    monkeypatch.undo()
    # the same study as on the embedded journal
    explore(ExploreConfig(path, tmp_path / "journal", "toy", 40, 0), toy_plugins)
    rdb, journal = (pl.read_parquet(tmp_path / run / "trials.parquet").drop("worker") for run in ("rdb", "journal"))
    assert rdb.equals(journal)
    # written a generation at a time into Optuna's tables, read by Optuna as the trials it writes itself
    stored = optuna.load_study(study_name="toy/explore-toy", storage=f"sqlite:///{tmp_path / 'toy.db'}").trials
    own = optuna.load_study(study_name="toy/explore-toy", storage=optuna.storages.JournalStorage(
        JournalFileBackend(str(tmp_path / "journal" / "study.journal")))).trials
    assert [t.number for t in stored] == list(range(40)) and len(own) == 40
    for a, b in zip(stored, own, strict=True):
        assert (a.number, a.state, a.values, a.params, a.distributions, a.system_attrs) == \
            (b.number, b.state, b.values, b.params, b.distributions, b.system_attrs)
        assert {k: v for k, v in a.user_attrs["dse"].items() if k != "worker"} == \
            {k: v for k, v in b.user_attrs["dse"].items() if k != "worker"}
