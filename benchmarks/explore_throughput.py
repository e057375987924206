"""Throughput of `dse explore`: a 10,000-trial NSGA-II study on ResNet-18, systolic space.

Runs ``spaces/systolic-resnet18.yaml`` (NSGA-II, population 100) end to end twice in one
process, on the embedded journal storage (the default: one locked, fsynced append per asked
and per told generation) and on Optuna's in-memory storage, and prints trials per second for
each: of the search loop (ask, evaluate through the backend's ``cost_batch``, tell), and of
the whole command (loading, the loop, then ``trials.parquet``, ``pareto.parquet`` and the
plots). Aim: at least 300 trials/s with the embedded storage on a 2-core machine.
``--storage URL`` adds a run on that Optuna RDB storage (PostgreSQL: one transaction per
generation, the trials stored since the last look read back each time), in a study named
afresh for each run.

If the ``systolic`` backend is not registered, the study runs on ``ottati2023-ann`` over its
clock and memory energy instead, and says so.

    python benchmarks/explore_throughput.py [--trials 10000] [--storage postgresql+psycopg://user@host/db]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import yaml

from dse.plugin.manager import make_plugins
from dse.search.explore import ExploreConfig, explore

SPACE = Path(__file__).resolve().parent.parent / "spaces" / "systolic-resnet18.yaml"
#: Stand-in parameters when the systolic backend is missing (Ottati et al. 2023's model).
FALLBACK = {"backend": "ottati2023-ann", "params": {
    "e_mem_pj": {"type": "float", "low": 0.5, "high": 5.0, "log": True},
    "clock_mhz": {"type": "float", "low": 200, "high": 1000, "step": 50},
}}


def space_file(folder: Path, backends: list[str]) -> tuple[Path, str]:
    """The shipped space, or a copy on ottati2023-ann when systolic is not registered."""
    if "systolic" in backends:
        return SPACE, "systolic"
    data = yaml.safe_load(SPACE.read_text())
    data["backends"] = [FALLBACK]
    path = folder / "fallback.yaml"
    path.write_text(yaml.safe_dump(data))
    print("systolic backend not registered: falling back to ottati2023-ann (same workload, objectives, sampler)")
    return path, "ottati2023-ann"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--storage", help="also run on this Optuna RDB storage URL (e.g. PostgreSQL)")
    args = parser.parse_args()
    storages = [(None, "embedded journal"), ("memory", "in-memory")]
    if args.storage:
        storages.append((args.storage, "RDB storage"))
    plugins = make_plugins()
    with tempfile.TemporaryDirectory(prefix="dse-bench-") as tmp:
        folder = Path(tmp)
        path, backend = space_file(folder, plugins.backends.names())
        print(f"space {path.name}, backend {backend}, workload ResNet-18, NSGA-II, {args.trials:,} trials")
        for storage, label in storages:
            config = ExploreConfig(space_path=path, out=folder / label.replace(" ", "-"), study=f"bench-{tmp}",
                                   trials=args.trials, seed=0, storage=storage)
            start = time.perf_counter()
            result = explore(config, plugins)
            total = time.perf_counter() - start
            print(f"{label:>17}: {result.told:,} trials, loop {result.seconds:6.1f} s = "
                  f"{result.trials_per_second:6.0f} trials/s; end to end {total:6.1f} s = "
                  f"{result.told / total:6.0f} trials/s; front {result.front_size}")


if __name__ == "__main__":
    main()
