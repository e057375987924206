"""Layer-evaluations per second of the systolic backend, and SCALE-Sim's seconds per layer.

    python benchmarks/systolic_throughput.py [--designs 100000] [--scalesim-python PATH]

Costs ResNet-18 (benchmarks/resnet18_layers.py: 20 convolutions and the classifier, plus
pools, residual adds and a flatten) on random design points in one ``cost_batch`` call and
prints layer-evaluations per second, counting only the 21 GEMM layers and counting every
layer; then the same designs with 1 to 16 cores each (every layer split over them both ways).
Then the one-design ``cost`` path, for scale. If ``scalesim`` imports here, or
``--scalesim-python`` names an interpreter where it does (benchmarks/scalesim_runner.py runs
it there), it times SCALE-Sim's ideal-bandwidth mode on some of the same layers (all 21
with ``--scalesim-layers all``; minutes to hours) on a 32x32 weight-stationary array and
prints its seconds per layer against dse's. zigzag-dse is not timed (it needs an
accelerator description of its own); the script says whether it is installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))

from resnet18_layers import resnet18

from dse import Conv2dLayer, DenseLayer, Workload, make_plugins
from dse.schema.workload import as_pair

CHEAP_LAYERS = ("layer2.1.downsample", "layer3.1.downsample", "layer4.1.downsample", "fc")


def random_designs(n: int, seed: int = 0) -> pl.DataFrame:
    """``n`` design points of a typical search space."""
    rng = np.random.default_rng(seed)
    sides = [4, 8, 16, 32, 64, 128, 256]
    sizes = [8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0]
    return pl.DataFrame({
        "rows": rng.choice(sides, n), "cols": rng.choice(sides, n), "dataflow": rng.choice(["os", "ws", "is"], n),
        "ifmap_sram_kib": rng.choice(sizes, n), "filter_sram_kib": rng.choice(sizes, n),
        "ofmap_sram_kib": rng.choice(sizes, n), "dram_bytes_per_cycle": rng.choice([4.0, 8.0, 16.0, 32.0, 64.0], n),
        "clock_mhz": rng.uniform(200.0, 1000.0, n), "latency_model": rng.choice(["bandwidth", "scalesim"], n),
        "zero_gating": rng.random(n) < 0.5,
    })


def time_batch(workload: Workload, frame: pl.DataFrame, repeats: int) -> list[float]:
    plugins = make_plugins()
    backend, tech = plugins.backend("systolic"), plugins.technology("horowitz45")
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = backend.cost_batch(workload, frame, tech)
        seconds.append(time.perf_counter() - start)
    assert out["error"].null_count() == frame.height, "every design point must be valid"
    return seconds


def time_scalar(workload: Workload, frame: pl.DataFrame) -> float:
    plugins = make_plugins()
    backend, tech = plugins.backend("systolic"), plugins.technology("horowitz45")
    params = [backend.parse_params(row) for row in frame.iter_rows(named=True)]
    start = time.perf_counter()
    for p in params:
        backend.cost(workload, p, tech)
    return (time.perf_counter() - start) / len(params)


def scalesim_spec(layer: Conv2dLayer | DenseLayer) -> dict:
    """A layer as a SCALE-Sim topology row (padding folded into the input size, as SCALE-Sim wants)."""
    common = {"name": layer.name.replace(".", "_"), "rows": 32, "cols": 32, "dataflow": "ws", "ifmap_kb": 64,
              "filter_kb": 64, "ofmap_kb": 64, "bandwidth": None}
    if isinstance(layer, DenseLayer):
        return {**common, "ifmap_h": 1, "ifmap_w": 1, "filter_r": 1, "filter_s": 1, "channels": layer.in_features,
                "filters": layer.out_features, "stride": 1}
    (kh, kw), (ph, pw) = as_pair(layer.kernel), as_pair(layer.padding)
    return {**common, "ifmap_h": layer.in_height + 2 * ph, "ifmap_w": layer.in_width + 2 * pw, "filter_r": kh,
            "filter_s": kw, "channels": layer.in_channels, "filters": layer.out_channels,
            "stride": as_pair(layer.stride)[0]}


def scalesim_seconds(layers: list, python: str) -> list[float]:
    """CPU seconds of one SCALE-Sim CALC run per layer."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([scalesim_spec(layer) for layer in layers], f)
    runner = Path(__file__).parent / "scalesim_runner.py"
    done = subprocess.run([python, str(runner), f.name], capture_output=True, text=True, check=True)
    return [run["cpu_s"] for run in json.loads(done.stdout)]


def main() -> None:
    parser = argparse.ArgumentParser(description="systolic backend throughput")
    parser.add_argument("--designs", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scalesim-python", help="an interpreter where scalesim imports (default: this one)")
    parser.add_argument("--scalesim-layers", default="cheap", help="'cheap' (3 downsamples + fc) or 'all'")
    args = parser.parse_args()

    workload = resnet18()
    gemm = [layer for layer in workload.layers if isinstance(layer, (Conv2dLayer, DenseLayer))]
    frame = random_designs(args.designs)
    seconds = time_batch(workload, frame, args.repeats)
    best, median = min(seconds), statistics.median(seconds)
    print(f"ResNet-18: {len(gemm)} GEMM layers of {len(workload.layers)}; {args.designs:,} random design points")
    print(f"cost_batch: best {best:.3f} s, median {median:.3f} s of {args.repeats}")
    print(f"  {args.designs * len(gemm) / best:,.0f} GEMM-layer evaluations/s "
          f"({args.designs * len(workload.layers) / best:,.0f} counting every layer)")
    per_layer_batch = best / (args.designs * len(gemm))
    cores = np.random.default_rng(1).choice([1, 2, 4, 8, 16], frame.height)
    several = min(time_batch(workload, frame.with_columns(cores=pl.Series(cores)), args.repeats))
    print(f"  with 1, 2, 4, 8 or 16 cores (partition auto, dse_systolic.cores): "
          f"{args.designs * len(gemm) / several:,.0f} GEMM-layer evaluations/s, {best / several:.2f}x the one-core rate")
    scalar = time_scalar(workload, frame.head(200))
    print(f"cost (one design): {scalar * 1e3:.2f} ms per network, {scalar / len(workload.layers) * 1e6:.0f} µs per layer")

    python = args.scalesim_python or (sys.executable if importlib.util.find_spec("scalesim") else None)
    if python is None:
        print("scalesim: not installed (pass --scalesim-python PATH to time it from another environment)")
    else:
        chosen = gemm if args.scalesim_layers == "all" else [workload.layer(name) for name in CHEAP_LAYERS]
        sim = scalesim_seconds(chosen, python)
        for layer, s in zip(chosen, sim, strict=True):
            print(f"  scalesim {layer.name}: {s:.2f} CPU s")
        per_layer_sim = statistics.mean(sim)
        print(f"scalesim CALC, 32x32 ws: {per_layer_sim:.2f} CPU s per layer on {len(chosen)} ResNet-18 layers; "
              f"dse: {per_layer_batch * 1e6:.2f} µs per layer-evaluation in a batch, "
              f"{scalar / len(workload.layers) * 1e6:.0f} µs alone: ratio {per_layer_sim / per_layer_batch:,.0f}x "
              f"(batch), {per_layer_sim / (scalar / len(workload.layers)):,.0f}x (alone)")
    print(f"zigzag-dse: {'installed, not timed' if importlib.util.find_spec('zigzag') else 'not installed'}")


if __name__ == "__main__":
    main()
