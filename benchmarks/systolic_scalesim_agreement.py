"""How close the bandwidth model comes to SCALE-Sim's finite-bandwidth (USER) mode.

    python benchmarks/systolic_scalesim_agreement.py --scalesim-python /tmp/scalesim-venv/bin/python \
        [--cache runs.json]

Runs SCALE-Sim 3.0.0 (benchmarks/scalesim_runner.py, in the interpreter given) on ResNet-18
layers in USER mode, W words (bytes) per cycle on each of its three DRAM ports, and costs the
same layers inside the whole ResNet-18 workload with ``latency_model: bandwidth`` (so the
layers' weights stream from DRAM, as SCALE-Sim's always do). dse has one DRAM port shared by
all operands; it is compared at dram_bytes_per_cycle = 3·W (SCALE-Sim's aggregate) and = W.
Prints, per run, both tools' total cycles (compute + stalls) and DRAM words, then the ratio
dse / SCALE-Sim over all runs: median, geometric mean, range.

Known differences, by design: dse counts fill and drain over the PEs a fold uses and drains
output-stationary folds; it keeps ws/is partial sums in the ofmap SRAM while they fit, where
SCALE-Sim writes every partial sum to DRAM; it reads each input word once per pass through a
line buffer; SCALE-Sim prefetches before cycle 0 and writes the outputs back after the last
compute cycle (its "Total Cycles (incl. prefetch)"), which its "Total Cycles" leave out.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from resnet18_layers import resnet18
from systolic_throughput import scalesim_spec

from dse import make_plugins

LAYERS = ("layer2.1.downsample", "layer3.1.downsample", "layer4.1.downsample", "fc", "layer4.1.conv1")
DATAFLOWS = ("ws", "os", "is")
ARRAY = 32
SRAM_KIB = 64


def runs(bandwidths: tuple[int, ...]) -> list[dict]:
    workload = resnet18()
    return [
        {**scalesim_spec(workload.layer(name)), "dataflow": df, "bandwidth": bw, "layer": name,
         "rows": ARRAY, "cols": ARRAY, "ifmap_kb": SRAM_KIB, "filter_kb": SRAM_KIB, "ofmap_kb": SRAM_KIB}
        for name, df, bw in itertools.product(LAYERS, DATAFLOWS, bandwidths)
    ]


def scalesim(specs: list[dict], python: str, cache: Path | None) -> list[dict]:
    """SCALE-Sim's results for ``specs``, from ``cache`` when it holds them (minutes of CPU otherwise)."""
    if cache is not None and cache.exists():
        cached = json.loads(cache.read_text())
        if len(cached) == len(specs) and all({k: r[k] for k in s} == s for r, s in zip(cached, specs, strict=True)):
            return cached
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(specs, f)
    runner = Path(__file__).parent / "scalesim_runner.py"
    done = subprocess.run([python, str(runner), f.name], capture_output=True, text=True, check=True)
    if cache is not None:
        cache.write_text(done.stdout)
    return json.loads(done.stdout)


PLUGINS = make_plugins()


def dse_layer(run: dict, bytes_per_cycle: float) -> dict:
    backend, tech = PLUGINS.backend("systolic"), PLUGINS.technology("horowitz45")
    params = backend.parse_params({"rows": ARRAY, "cols": ARRAY, "dataflow": run["dataflow"],
                                   "ifmap_sram_kib": SRAM_KIB, "filter_sram_kib": SRAM_KIB,
                                   "ofmap_sram_kib": SRAM_KIB, "dram_bytes_per_cycle": bytes_per_cycle})
    cost = backend.cost(resnet18(), params, tech)
    layer = next(lc for lc in cost.layers if lc.name == run["layer"])
    words = sum(layer.counts[k] for k in ("dram_ifmap_words", "dram_filter_words", "dram_output_words",
                                          "dram_psum_words"))
    busy = layer.counts["compute_cycles"] + layer.counts["refill_cycles"]
    return {"cycles": layer.latency_cycles, "busy": busy, "words": words}


def summary(label: str, ratios: list[float]) -> str:
    geo = math.exp(statistics.mean(math.log(r) for r in ratios))
    return (f"{label}: median {statistics.median(ratios):.2f}, geometric mean {geo:.2f}, "
            f"range {min(ratios):.2f}-{max(ratios):.2f} over {len(ratios)} runs")


def main() -> None:
    parser = argparse.ArgumentParser(description="dse bandwidth model vs SCALE-Sim USER mode")
    parser.add_argument("--scalesim-python", default=sys.executable)
    parser.add_argument("--bandwidth", type=int, nargs="+", default=[10, 2], help="words/cycle per SCALE-Sim port")
    parser.add_argument("--cache", type=Path, help="JSON file that keeps SCALE-Sim's results between runs")
    args = parser.parse_args()
    results = scalesim(runs(tuple(args.bandwidth)), args.scalesim_python, args.cache)
    ratios: dict[str, list[float]] = {
        "total cycles, dse at 3W": [], "total cycles, dse at W": [], "compute cycles": [], "DRAM words": [],
        "SCALE-Sim's total cycles / its own traffic bound": [],
    }
    print(f"{'layer':20s} {'df':3s} {'W':>3s} {'sim cycles':>11s} {'sim stalls':>11s} {'dse@3W':>10s} "
          f"{'dse@W':>10s} {'sim DRAM':>11s} {'dse DRAM':>10s} {'sim CPU s':>9s}")
    for run in results:
        sim_cycles, sim_stalls, w = run["Total Cycles"], run["Stall Cycles"], run["bandwidth"]
        sim_words = run["DRAM IFMAP Reads"] + run["DRAM Filter Reads"] + run["DRAM OFMAP Writes"]
        aggregate, single = dse_layer(run, 3 * w), dse_layer(run, w)
        # SCALE-Sim's reads wait for their own port; its output writes drain after "Total Cycles"
        bound = max(sim_cycles - sim_stalls, run["DRAM IFMAP Reads"] / w, run["DRAM Filter Reads"] / w)
        for key, value in (("total cycles, dse at 3W", aggregate["cycles"] / sim_cycles),
                           ("total cycles, dse at W", single["cycles"] / sim_cycles),
                           ("compute cycles", aggregate["busy"] / (sim_cycles - sim_stalls)),
                           ("DRAM words", aggregate["words"] / sim_words),
                           ("SCALE-Sim's total cycles / its own traffic bound", sim_cycles / bound)):
            ratios[key].append(value)
        print(f"{run['layer']:20s} {run['dataflow']:3s} {w:3d} {sim_cycles:11,.0f} {sim_stalls:11,.0f} "
              f"{aggregate['cycles']:10,.0f} {single['cycles']:10,.0f} {sim_words:11,.0f} {aggregate['words']:10,.0f} "
              f"{run['cpu_s']:9.1f}")
    for label, values in ratios.items():
        print(summary(f"dse / SCALE-Sim {label}" if "SCALE-Sim's" not in label else label, values))


if __name__ == "__main__":
    main()
