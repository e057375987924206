"""How `dse explore` holds up as the study grows: per-trial cost, memory, resume, workers.

Each figure is measured in a fresh process (so that peak memory is that run's own), on the
embedded journal storage (the default), NSGA-II with a population of 100:

- **scale**: studies of 10³, 10⁴, 10⁵ and 10⁶ trials (up to ``--max``): the search loop's
  cost per trial (µs, ask + evaluate + tell + store), its peak resident memory (MiB, sampled
  at every stored generation), the whole run's peak (the loop, then ``trials.parquet`` and
  the front files), and journal bytes per trial. The loop's CPU time per trial (this
  process, first stored generation to last) is printed too: on a machine shared with other
  work it is the steadier of the two. Target: the per-trial cost at 10⁵ trials
  over that at 10³ about 1 (printed beside it), loop memory flat.
- **resume**: the largest study run again one generation further: seconds from the start
  of the command to the first new trial (reading the stored study), and the whole rerun.
- **workers**: ``--workers N`` against ``--workers 1`` (trials/s of the loop), on a CPU-bound
  cost (the shipped ``systolic-resnet18`` space: every trial costs ResNet-18's layers on a
  systolic array). Target: near N on N free cores. The two searches differ (N generations in
  flight explore other designs, whose costs differ), so the generations of the 1-worker
  study are also evaluated again, the same points both ways: in this process one
  generation at a time, and on the N-process pool, all submitted at once.

The scale runs use the shipped ``systolic-resnet18`` space as the issue measured it;
``--space`` runs them on another space file.

    python benchmarks/explore_scale.py [--max 100000] [--workers 2] [--space FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYSTOLIC = ROOT / "spaces" / "systolic-resnet18.yaml"
SCALES = (1_000, 10_000, 100_000, 1_000_000)
GENERATION = 100  # the shipped space's NSGA-II population


def run(space: Path, out: Path, trials: int, workers: int = 1) -> dict[str, float]:
    """One `dse explore` in a fresh process; its figures."""
    code = f"""
import json, os, resource, sys, time
from pathlib import Path
from dse.plugin.manager import make_plugins
from dse.progress import Progress
from dse.search.explore import ExploreConfig, explore

PAGE = os.sysconf("SC_PAGE_SIZE")

class Watch(Progress):
    peak = 0
    cpu = []  # process CPU seconds at each stored generation
    counted = 0  # trials stored after the first generation
    def advance(self, count, front_size):
        with open("/proc/self/statm") as handle:
            Watch.peak = max(Watch.peak, int(handle.read().split()[1]) * PAGE)
        Watch.counted += count if Watch.cpu else 0
        Watch.cpu[1:] = [time.process_time()] if Watch.cpu else []
        if not Watch.cpu:
            Watch.cpu = [time.process_time()]

start = time.perf_counter()
config = ExploreConfig(space_path=Path({str(space)!r}), out=Path({str(out)!r}), study="scale", trials={trials},
                       seed=0, workers={workers})
result = explore(config, make_plugins(), Watch())
print(json.dumps({{"told": result.told, "loop_s": result.seconds, "total_s": time.perf_counter() - start,
                  "load_s": getattr(result, "load_seconds", float("nan")), "loop_peak_mib": Watch.peak / 2**20,
                  "loop_cpu_us": (Watch.cpu[-1] - Watch.cpu[0]) / max(Watch.counted, 1) * 1e6,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(done.stderr)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    journal = out / "study.journal"
    figures["journal_bytes"] = journal.stat().st_size if journal.exists() else 0
    return figures


def same_generations(space_path: Path, out: Path, trials: int, workers: int) -> tuple[float, float]:
    """Trials/s of evaluating a stored study's generations in this process, then on a pool."""
    import polars as pl

    from dse.inputs.space import read_space
    from dse.plugin.manager import make_plugins
    from dse.search.executors import InProcess, PoolSetup, ProcessPool

    plugins = make_plugins()
    space, workload = read_space(space_path, plugins)
    table = pl.read_parquet(out / "trials.parquet")
    points = [{**json.loads(p), **{f"knob:{k}": v for k, v in json.loads(k_).items()}}
              for p, k_ in zip(table["params_json"], table["knobs_json"], strict=True)]
    generations = [points[i:i + GENERATION] for i in range(0, len(points), GENERATION)]
    local = InProcess(space, workload, plugins)
    start = time.perf_counter()
    for generation in generations:
        local.evaluate(0, generation)
    one = len(points) / (time.perf_counter() - start)
    pool = ProcessPool(PoolSetup(space_path, None, trials, 0, ()), workers)
    try:
        start = time.perf_counter()
        for future in [pool.submit(0, generation) for generation in generations]:
            future.result()
        many = len(points) / (time.perf_counter() - start)
    finally:
        pool.close()
    return one, many


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=100_000, help="largest study (trials); 1000000 takes long")
    parser.add_argument("--workers", type=int, default=2, help="workers compared with one")
    parser.add_argument("--worker-trials", type=int, default=2_000, help="trials of each workers run")
    parser.add_argument("--space", type=Path, default=SYSTOLIC, help="space of the scale runs")
    parser.add_argument("--worker-space", type=Path, default=SYSTOLIC, help="space of the workers runs")
    parser.add_argument("--skip-scale", action="store_true", help="the workers runs only")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    print(f"{cores} cores; NSGA-II, population {GENERATION}; embedded journal storage")
    with tempfile.TemporaryDirectory(prefix="dse-scale-") as tmp:
        folder = Path(tmp)
        space = args.space
        print(f"\nscale ({space.name}):")
        print(f"{'trials':>10} {'trials/s':>9} {'µs/trial':>9} {'CPU µs/trial':>13} {'loop MiB':>9} {'run MiB':>8} "
              f"{'journal B/trial':>16}")
        per_trial: dict[int, float] = {}
        cpu_per_trial: dict[int, float] = {}
        largest = None
        for trials in (n for n in SCALES if n <= args.max and not args.skip_scale):
            out = folder / f"scale-{trials}"
            f = run(space, out, trials)
            per_trial[trials] = f["loop_s"] / f["told"] * 1e6
            cpu_per_trial[trials] = f["loop_cpu_us"]
            print(f"{trials:>10,} {f['told'] / f['loop_s']:>9,.0f} {per_trial[trials]:>9.1f} {f['loop_cpu_us']:>13.1f} "
                  f"{f['loop_peak_mib']:>9.0f} "
                  f"{f['peak_mib']:>8.0f} {f['journal_bytes'] / trials:>16.0f}")
            largest = (trials, out)
        top = max(per_trial, default=0)
        if 1_000 in per_trial and top > 1_000:
            print(f"per-trial cost at {top:,} / at 1,000 trials: {per_trial[top] / per_trial[1_000]:.2f} wall, "
                  f"{cpu_per_trial[top] / cpu_per_trial[1_000]:.2f} CPU (target ~1)")
        if largest is not None:
            trials, out = largest
            start = time.perf_counter()
            f = run(space, out, trials + GENERATION)
            print(f"\nresume a {trials:,}-trial study: {f['load_s']:.2f} s reading it before the first new trial; "
                  f"whole rerun {time.perf_counter() - start:.1f} s (process start, one generation, files)")
        print(f"\nworkers ({args.worker_space.name}, {args.worker_trials:,} trials, CPU-bound cost):")
        rates = {}
        for workers in (1, args.workers):
            f = run(args.worker_space, folder / f"workers-{workers}", args.worker_trials, workers)
            rates[workers] = f["told"] / f["loop_s"]
            print(f"  --workers {workers}: {rates[workers]:,.0f} trials/s")
        print(f"  {args.workers} workers / 1 worker: {rates[args.workers] / rates[1]:.2f}x "
              f"(target: near {min(args.workers, cores)}x on {cores} free cores)")
        local, pool = same_generations(args.worker_space, folder / "workers-1", args.worker_trials, args.workers)
        print(f"  the 1-worker study's generations again: one process {local:,.0f} trials/s, {args.workers}-process "
              f"pool {pool:,.0f} trials/s: {pool / local:.2f}x")


if __name__ == "__main__":
    main()
