"""Points per second of `dse sweep` and trials per second of `dse explore`, in one process and
on a local Dask cluster of N worker processes (``--cluster``), in one run.

    python benchmarks/cluster_scale.py [--points 262144] [--trials 2000] [--workers N]

On ``spaces/systolic-resnet18.yaml``. The cluster is ``distributed.LocalCluster`` with N
processes of one thread (default: the machine's cores) on this machine, so the ratio is
what the fan-out gains here, client included (on a 2-core machine the client, which draws
and writes the sweep's chunks and asks and tells the search's generations, shares the cores
with the workers). Both runs must write the same rows. Needs the ``cluster`` extra.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path

import polars as pl

from dse.plugin.manager import make_plugins
from dse.search.explore import ExploreConfig, explore
from dse.search.sweep import SweepConfig, sweep

SPACE = Path(__file__).resolve().parents[1] / "spaces" / "systolic-resnet18.yaml"


def timed_sweep(out: Path, points: int, cluster: str | None) -> tuple[float, pl.DataFrame]:
    start = time.perf_counter()
    sweep(SweepConfig(SPACE, out, "random", points=points, cluster=cluster), make_plugins())
    seconds = time.perf_counter() - start
    return seconds, pl.read_parquet(sorted((out / "points").glob("*.parquet"))).drop("worker")


def timed_explore(out: Path, trials: int, cluster: str | None) -> tuple[float, pl.DataFrame]:
    result = explore(ExploreConfig(SPACE, out, "bench", trials, seed=0, storage="memory", cluster=cluster),
                     make_plugins())
    assert result.trials is not None
    return result.seconds, result.trials.drop("worker").collect()


def main() -> None:
    import dask
    from distributed import LocalCluster

    from dse.search.cluster import TRIM_SETTING

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=4 * 65_536)
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    # workers as docs/explore.md starts them: without Dask's eager glibc trimming
    with tempfile.TemporaryDirectory() as scratch, dask.config.set({TRIM_SETTING: None}), \
            LocalCluster(n_workers=args.workers, processes=True, threads_per_worker=1, dashboard_address=None,
                         silence_logs=40) as cluster:
        root = Path(scratch)
        address = cluster.scheduler_address
        print(f"{os.cpu_count()} cores; local Dask cluster of {args.workers} worker processes, one thread each")
        here_s, here = timed_sweep(root / "sweep-here", args.points, None)
        there_s, there = timed_sweep(root / "sweep-there", args.points, address)
        print(f"dse sweep --random {args.points:,}: {args.points / here_s:,.0f} points/s in one process, "
              f"{args.points / there_s:,.0f} on the cluster: {here_s / there_s:.2f}x; same rows: {here.equals(there)}")
        here_s, here = timed_explore(root / "explore-here", args.trials, None)
        there_s, there = timed_explore(root / "explore-there", args.trials, address)
        print(f"dse explore --trials {args.trials:,} (NSGA-II, population 100, the search loop): "
              f"{args.trials / here_s:,.0f} trials/s in one process, {args.trials / there_s:,.0f} on the cluster: "
              f"{here_s / there_s:.2f}x; same trials: {here.equals(there)}")


if __name__ == "__main__":
    main()
