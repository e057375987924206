"""Several worker processes on one study: every trial counted once, none run twice.

The PostgreSQL case runs only when ``DSE_TEST_POSTGRES_URL`` names a server (``.ci/run``
starts a throwaway one), e.g. ``postgresql+psycopg://dse@127.0.0.1:5432/dse``.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import optuna
import polars as pl
import pytest

from dse.plugin.manager import make_plugins
from dse.search.explore import ExploreConfig, explore
from tests.explore import toy_plugin
from tests.explore.conftest import toy_space, write_space

TRIALS = 200
POPULATION = 10


def check_shared_run(path: Path, out: Path, storage: str | None, study: str) -> pl.DataFrame:
    """Run two workers on one study and check the table it leaves."""
    plugins = make_plugins(extra=[toy_plugin])
    config = ExploreConfig(space_path=path, out=out, study=study, trials=TRIALS, seed=0, workers=2, storage=storage,
                           plugin_modules=("tests.explore.toy_plugin",))
    result = explore(config, plugins)
    trials = pl.read_parquet(out / "trials.parquet")
    # workers stop once the study holds its budget; one racing past it adds one generation at most
    assert TRIALS <= trials.height <= TRIALS + POPULATION
    # every evaluation the workers reported is stored once: none lost, none twice
    assert result.told == trials.height
    assert trials["trial"].to_list() == list(range(trials.height))
    # two processes ran; on a loaded machine one may take the whole budget before the other
    # has started, so the count of distinct workers in the table is 1 or 2
    assert 1 <= trials["worker"].n_unique() <= 2
    for row in trials.iter_rows(named=True):  # each row is the evaluation of its own parameters
        assert row["energy_pj"] == pytest.approx(60.0 * json.loads(row["params_json"])["x"])
    return trials


def test_two_workers_on_the_embedded_storage(tmp_path: Path) -> None:
    path = write_space(tmp_path, toy_space(trials=TRIALS))
    check_shared_run(path, tmp_path / "out", None, "toy")


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("DSE_TEST_POSTGRES_URL"), reason="DSE_TEST_POSTGRES_URL is not set")
def test_two_workers_share_one_postgresql_study(tmp_path: Path) -> None:
    url = os.environ["DSE_TEST_POSTGRES_URL"]
    study = f"toy-{uuid.uuid4().hex[:8]}"
    path = write_space(tmp_path, toy_space(trials=TRIALS))
    trials = check_shared_run(path, tmp_path / "out", url, study)
    # the database holds exactly the trials of the table, all finished
    stored = optuna.load_study(study_name=f"{study}/explore-toy", storage=url).get_trials()
    assert len(stored) == trials.height and {t.state.name for t in stored} == {"COMPLETE"}
    assert not (tmp_path / "out" / "study.journal").exists()


@pytest.mark.parametrize("kind", ["journal", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_independent_runs_share_one_study(tmp_path: Path, kind: str) -> None:
    """Two `dse explore` runs (own --out, own --seed) on one storage, as on two machines: each
    reads the other's trials before asking; together they fill the budget, each trial once."""
    from concurrent.futures import ThreadPoolExecutor

    if kind == "postgresql" and not os.environ.get("DSE_TEST_POSTGRES_URL"):
        pytest.skip("DSE_TEST_POSTGRES_URL is not set")
    url = os.environ["DSE_TEST_POSTGRES_URL"] if kind == "postgresql" else f"journal:{tmp_path / 'shared.journal'}"
    study = f"toy-{uuid.uuid4().hex[:8]}"
    path = write_space(tmp_path, toy_space(trials=TRIALS))
    plugins = make_plugins(extra=[toy_plugin])
    configs = [ExploreConfig(space_path=path, out=tmp_path / f"out{seed}", study=study, trials=TRIALS, seed=seed,
                             storage=url) for seed in (1, 2)]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda c: explore(c, plugins), configs))
    if kind == "journal":
        from dse.search.journal import BatchedJournalFile

        storage: object = optuna.storages.JournalStorage(BatchedJournalFile(tmp_path / "shared.journal"))
    else:
        storage = url
    stored = optuna.load_study(study_name=f"{study}/explore-toy", storage=storage).get_trials()  # type: ignore[arg-type]
    # each run stops once the study holds the budget; the one racing past it adds a generation at most
    assert TRIALS <= len(stored) <= TRIALS + POPULATION
    assert sum(r.told for r in results) == len(stored)  # none lost, none stored twice
    assert [t.number for t in stored] == list(range(len(stored)))
    assert {t.state.name for t in stored} == {"COMPLETE"}
