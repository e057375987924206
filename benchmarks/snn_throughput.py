"""Layer-evaluations per second of the snn backend's batch path, against its one-at-a-time path.

    python benchmarks/snn_throughput.py [--points 100000] [--seed 0]

Random design points (every parameter of the backend drawn at random) are costed on two zoo
networks, ResNet-18 (ANN layers run as SNN layers) and the DVS Gesture event CNN, in one
``cost_batch`` call each; SRAM sizes are drawn twice: from power-of-two macro sizes, as a
search space over real macros would, and from a continuous range, where every point has its
own size and the technology's SRAM table is called once per point. A sample of rows is
checked against ``cost`` one by one (the numbers must be identical).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import polars as pl

from dse import Workload
from dse.inputs.documents import load_workload
from dse.plugin.manager import make_plugins
from dse.plugin.types import totals_row

NETWORKS = ("zoo:resnet18-imagenet", "zoo:dvs-gesture-scnn")
MACRO_KIB = np.array([0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512])


def random_points(n: int, seed: int, continuous: bool) -> pl.DataFrame:
    """``n`` random parameter sets of the snn backend."""
    rng = np.random.default_rng(seed)

    def size(low: float, high: float) -> np.ndarray:
        if continuous:
            return np.exp(rng.uniform(np.log(low), np.log(high), n))
        choices = MACRO_KIB[(MACRO_KIB >= low) & (MACRO_KIB <= high)]
        return rng.choice(choices, n)

    return pl.DataFrame({
        "cores": rng.integers(1, 257, n),
        "pes_per_core": rng.integers(1, 65, n),
        "neurons_per_core": rng.choice([256, 1024, 4096, 16384], n),
        "weight_sram_kib": size(1, 512),
        "state_sram_kib": size(0.5, 128),
        "membrane_bits": rng.choice([8, 12, 16, 24], n),
        "weight_word_bits": pl.Series(rng.choice([0, 32, 64], n)).replace(0, None),
        "state_update": rng.choice(["per_event", "per_active_neuron", "sorted_time"], n),
        "leak": rng.choice(["every_step", "active_only", "none"], n),
        "leak_op": rng.choice(["shift", "multiply"], n),
        "spike_format": rng.choice(["events", "bitmap"], n),
        "bias": rng.integers(0, 2, n).astype(bool),
        "noc_hop_pj": rng.uniform(0.5, 5.0, n),
        "memory_overflow": rng.choice(["fail", "dram"], n),
        "timesteps": rng.integers(1, 33, n),
        "clock_mhz": rng.uniform(100, 1000, n),
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000, help="design points per batch")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    plugins = make_plugins()
    backend, tech = plugins.backend("snn"), plugins.technology("horowitz45")
    print(f"snn backend, {args.points:,} random design points per batch, technology {tech.name}")
    for ref in NETWORKS:
        workload: Workload = load_workload(ref, plugins)
        layers = len(workload.layers)
        backend.cost_batch(workload, random_points(1000, args.seed, False), tech)  # warm-up: imports, allocator
        for continuous in (False, True):
            frame = random_points(args.points, args.seed, continuous)
            start = time.perf_counter()
            out = backend.cost_batch(workload, frame, tech)
            batch_s = time.perf_counter() - start
            sample = frame.head(200)
            start = time.perf_counter()
            scalar = [backend.cost(workload, backend.parse_params({k: v for k, v in row.items() if v is not None}), tech)
                      for row in sample.iter_rows(named=True)]
            scalar_s = (time.perf_counter() - start) / sample.height
            identical = all(totals_row(cost) == out.row(i) for i, cost in enumerate(scalar))
            rate = args.points * layers / batch_s
            sizes = "continuous SRAM sizes" if continuous else "macro SRAM sizes"
            print(f"{ref} ({layers} layers), {sizes}: batch {rate:,.0f} layer-evaluations/s "
                  f"({batch_s:.2f} s); one at a time {layers / scalar_s:,.0f} layer-evaluations/s; "
                  f"speed-up {scalar_s * args.points / batch_s:,.0f}x; identical on 200 rows: {identical}")


if __name__ == "__main__":
    main()
