"""`--cluster`: sweeps and searches costed on the workers of a Dask cluster give the tables of
one process.

The cluster is a local one of two worker processes (one thread each) that share this
environment and load the plugins themselves (entry points). In CI the cluster extra is
installed (it is in the test extra) and this module must run; elsewhere it is skipped
without Dask.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest

from dse.errors import DseInputError
from dse.plugin.manager import Plugins, make_plugins
from dse.search import cluster as cluster_io
from dse.search.explore import ExploreConfig, explore
from dse.search.sweep import SweepConfig, sweep

if not os.environ.get("CI"):
    pytest.importorskip("distributed")

SPACE = Path(__file__).resolve().parents[2] / "spaces" / "systolic-resnet18.yaml"
#: host:pid (sweep) or host:pid:run id (explore) of the process that drove the run: the one
#: column that differs between two runs of the same command.
DRIVER = "worker"
#: An address where no scheduler listens (port 1, tcpmux, is not served on a test machine).
NOWHERE = "tcp://127.0.0.1:1"


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    import dask
    from distributed import LocalCluster

    # workers as docs/explore.md starts them: without Dask's eager glibc trimming
    with dask.config.set({cluster_io.TRIM_SETTING: None}), \
            LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return make_plugins()


def _points(out: Path) -> pl.DataFrame:
    return pl.read_parquet(sorted((out / "points").glob("*.parquet"))).drop(DRIVER)


def test_cluster_sweep_writes_the_chunks_of_one_process(tmp_path: Path, scheduler: str, plugins: Plugins) -> None:
    # 600 random points in chunks of 128: 5 chunks (4 × 128 + 88), several in flight at once
    here = SweepConfig(SPACE, tmp_path / "here", "random", points=600, chunk=128)
    there = SweepConfig(SPACE, tmp_path / "there", "random", points=600, chunk=128, cluster=scheduler)
    local, remote = sweep(here, plugins), sweep(there, plugins)
    assert (remote.points, remote.evaluated, remote.failed) == (local.points, local.evaluated, local.failed)
    assert [p.name for p in sorted((tmp_path / "there" / "points").iterdir())] == \
        [f"00-systolic-{c:06d}.parquet" for c in range(5)]
    table = _points(tmp_path / "there")
    assert table.height == 600 and table["trial"].to_list() == list(range(600))
    assert table.equals(_points(tmp_path / "here"))
    assert (remote.front_size, remote.hypervolume) == (local.front_size, local.hypervolume)
    assert pl.read_parquet(tmp_path / "there" / "pareto.parquet").drop(DRIVER).equals(
        pl.read_parquet(tmp_path / "here" / "pareto.parquet").drop(DRIVER))


def test_cluster_search_tells_the_trials_of_one_process(tmp_path: Path, scheduler: str, plugins: Plugins) -> None:
    # NSGA-II with a population of 100: 2 generations, each cut in two pieces (one per worker)
    def config(out: str, cluster: str | None) -> ExploreConfig:
        return ExploreConfig(SPACE, tmp_path / out, "s", trials=200, seed=3, cluster=cluster)

    local, remote = explore(config("here", None), plugins), explore(config("there", scheduler), plugins)
    assert remote.told == local.told == 200
    assert remote.trials is not None and local.trials is not None
    # same parameters asked (the sampler saw the same values told), same costs, same front
    assert remote.trials.drop(DRIVER).collect().equals(local.trials.drop(DRIVER).collect())
    assert (remote.front_size, remote.hypervolume) == (local.front_size, local.hypervolume)


@pytest.mark.parametrize("command", ["sweep", "explore"])
def test_unreachable_cluster_is_one_line_and_writes_nothing(
        command: str, tmp_path: Path, cli: Callable[..., tuple[int, str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster_io, "CONNECT_TIMEOUT_S", 1.0)
    args = ["--random", 50] if command == "sweep" else ["--trials", 10]
    code, out, err = cli(command, SPACE, *args, "--cluster", NOWHERE, "--out", tmp_path / "run")
    lines = err.strip().splitlines()
    assert code == 2 and "Traceback" not in out + err
    assert lines[-1] == (f"dse: --cluster: cannot reach a Dask scheduler at '{NOWHERE}' "
                         f"(OSError: Timed out trying to connect to {NOWHERE} after 1 s)")
    assert not (tmp_path / "run").exists()


def test_a_scheduler_without_workers_is_refused(tmp_path: Path, plugins: Plugins,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from distributed import LocalCluster

    monkeypatch.setattr(cluster_io, "CONNECT_TIMEOUT_S", 1.0)
    with LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as empty:
        config = SweepConfig(SPACE, tmp_path / "run", "random", points=10, cluster=empty.scheduler_address)
        with pytest.raises(DseInputError, match=f"^--cluster: the Dask scheduler at '{empty.scheduler_address}' "
                                                r"has no workers \(waited 1 s\)$"):
            sweep(config, plugins)
    assert not (tmp_path / "run").exists()


def test_malformed_address_is_refused(tmp_path: Path, plugins: Plugins) -> None:
    config = SweepConfig(SPACE, tmp_path / "run", "random", points=10, cluster="no-port")
    with pytest.raises(DseInputError, match="^--cluster: cannot reach a Dask scheduler at 'no-port' "
                                            r"\(ValueError: missing port number"):
        sweep(config, plugins)
    assert not (tmp_path / "run").exists()


def test_cluster_without_dask_names_the_extra(tmp_path: Path, plugins: Plugins,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    config = ExploreConfig(SPACE, tmp_path / "run", "s", trials=10, seed=0, cluster=NOWHERE)
    with pytest.raises(DseInputError, match=r"^--cluster: needs Dask distributed \(pip install -e '\.\[cluster\]'"):
        explore(config, plugins)
    assert not (tmp_path / "run").exists()


def test_cluster_and_local_workers_are_exclusive(tmp_path: Path, plugins: Plugins) -> None:
    config = ExploreConfig(SPACE, tmp_path / "run", "s", trials=10, seed=0, workers=2, cluster=NOWHERE)
    with pytest.raises(DseInputError, match="give --workers 1"):
        explore(config, plugins)


class FakeClient:
    def __init__(self, settings: dict[str, str | None]) -> None:
        self.settings = settings

    def run(self, function: Callable[[], str | None]) -> dict[str, str | None]:
        assert function() == os.environ.get("MALLOC_TRIM_THRESHOLD_")  # what each worker would answer
        return self.settings


def test_workers_that_trim_memory_eagerly_are_named_once(caplog: pytest.LogCaptureFixture) -> None:
    cluster_io._warn_if_trimming(FakeClient({"tcp://a:1": None, "tcp://b:2": None}), "tcp://s:8786")
    assert not caplog.records
    cluster_io._warn_if_trimming(FakeClient({"tcp://a:1": "65536", "tcp://b:2": "65536"}), "tcp://s:8786")
    assert [r.getMessage() for r in caplog.records] == [
        ("warning: --cluster: the workers at tcp://s:8786 run with MALLOC_TRIM_THRESHOLD_=65536 (Dask's default), "
         "which costs dse's batches 2 to 4 times slower; start them with the Dask setting "
         "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_: null (docs/explore.md)")]
