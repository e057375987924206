"""Layer-evaluations per second of the hybrid backend's batch path, against a bare numpy hybrid of the
same counts, against its engines alone, and against the loop over ``cost`` it replaced.

    python benchmarks/hybrid_throughput.py [--designs 100000] [--repeats 3] [--memory-designs 1000000]

ResNet-18 at T = 4 (benchmarks/resnet18_layers.py) on random hybrid designs: the split point,
its order, the encoding, memory and schedule drawn from their choices; the systolic engine's
parameters as systolic_throughput.py draws them (scalesim latency model), the snn engine's as
snn_throughput.py draws them in the region its closed form covers (per-event updates), at T = 4.

Issue 17 asks for the hybrid within 1.5x of a bare closed form of the same counts. A hybrid
layer's cost is its engine's cost of that layer within the engine's whole workload (the snn
engine places every layer before the one it runs, the systolic engine checks every layer's
fit), so the bare hybrid (:func:`bare_hybrid`) runs both engines' bare forms on every design
and layer (systolic_throughput.closed_form and snn_throughput.closed_form, keeping each layer's
energy and cycles), then per layer picks the engine the split gives it and adds the crossing's
conversion, the idle engine's leakage and busy time per engine; dse's time over its time is
printed beside 1.5x (the faster of the bare form on the whole batch and in chunks of 8192, as
the engines' own benchmarks take it). Beside it: dse's time over the two engines' bare forms
alone (the bare side without its combining arithmetic), over its two engines' ``cost_batch``
times (what the hybrid adds to its engines: views, conversions, combining, less the layers
it does not ask them for), and ``Backend.cost_batch``'s loop over ``cost`` on a sample. All
take turns, CPU time, best of ``--repeats``. Last, the peak memory of one ``cost_batch`` of
``--memory-designs`` designs in a fresh process, beside its 200 MB (batch_figures.memory_line).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))

import snn_throughput
import systolic_throughput
from batch_figures import BARE_CHUNK, TARGET_RATIO, best_cpu_seconds, chunked, measure_child, memory_line
from dse_hybrid.boundaries import conversion
from dse_hybrid.params import HybridParams
from dse_snn.layers import layer_stats
from dse_systolic.geometry import layer_shapes
from resnet18_layers import resnet18

from dse import Backend, Technology, Workload, make_plugins

TIMESTEPS = 4


def random_designs(n: int, layers: int, seed: int = 0) -> pl.DataFrame:
    """``n`` hybrid design points, engine parameters as ``ann.*`` and ``snn.*`` columns, each engine's
    drawn as its own benchmark draws them where its closed form holds."""
    rng = np.random.default_rng(seed)
    ann = systolic_throughput.random_designs(n, seed, latency_models=("scalesim",))
    snn = snn_throughput.random_points(n, seed, False).with_columns(
        timesteps=pl.lit(TIMESTEPS), **{name: pl.lit(value) for name, value in snn_throughput.CLOSED_FORM_REGION.items()})
    return pl.DataFrame({
        "split_after": rng.integers(0, layers + 1, n), "order": rng.choice(["ann_first", "snn_first"], n),
        "encoding": rng.choice(["rate", "direct"], n), "memory": rng.choice(["separate", "shared"], n),
        "schedule": rng.choice(["sequential", "pipelined"], n),
    }).hstack(ann.rename(lambda c: f"ann.{c}")).hstack(snn.rename(lambda c: f"snn.{c}"))


def engine_frame(frame: pl.DataFrame, prefix: str) -> pl.DataFrame:
    return frame.select(pl.col(c).alias(c[len(prefix):]) for c in frame.columns if c.startswith(prefix))


def hybrid_arrays(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    """The hybrid-level choices of ``frame`` as the bare form takes them."""
    return {"split": frame["split_after"].cast(pl.Float64).to_numpy(),
            "ann_first": (frame["order"] == "ann_first").to_numpy(), "rate": (frame["encoding"] == "rate").to_numpy(),
            "shared": (frame["memory"] == "shared").to_numpy(), "pipelined": (frame["schedule"] == "pipelined").to_numpy()}


def conversion_table(workload: Workload, tech: Technology) -> np.ndarray:
    """(3, layers): each layer's conversion energy (pJ) when it is the first layer past the split and
    reads its input from the other engine: rate-encoded, direct, or decoded spike counts
    (dse_hybrid.boundaries.conversion, design-independent numbers, computed once)."""
    table = np.zeros((3, len(workload.layers)))
    for j in range(1, len(workload.layers)):
        for row, (engine, encoding) in enumerate((("snn", "rate"), ("snn", "direct"), ("ann", "rate"))):
            lines, _ = conversion(workload, j, [(0, j - 1)], engine, HybridParams(encoding=encoding), tech)
            table[row, j] = sum(lines.values())
    return table


def bare_hybrid(shapes: tuple, stats: tuple, ann: dict[str, np.ndarray], snn: dict[str, np.ndarray],
                h: dict[str, np.ndarray], convert: np.ndarray, tech: Technology,
                at: slice = slice(None)) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Energy (pJ), latency (cycles) and area (mm²) of the hybrid designs ``at`` as bare numpy: both
    engines' closed forms on every layer (each keeps its layers' energy and cycles), then per layer
    the engine its split gives it, the conversion where the split crosses (its input only), the idle
    engine's leakage with separate memories, busy time per engine, and the schedule."""
    ann_layers: list = []
    snn_layers: list = []
    ann_area = systolic_throughput.closed_form(shapes, ann, tech, at, ann_layers)[2]
    snn_area = snn_throughput.closed_form(stats, snn, tech, at, snn_layers)[2]
    split, ann_first, rate = h["split"][at], h["ann_first"][at], h["rate"][at]
    ann_hz, snn_hz = ann["clock_mhz"][at] * 1e6, snn["clock_mhz"][at] * 1e6
    both = (split > 0) & (split < len(ann_layers))
    shared = both & h["shared"][at]
    idle_k = tech.leakage_mw_per_mm2 * 1e9 * (both & ~shared)
    energy, busy, busy_snn = np.zeros(len(split)), np.zeros(len(split)), np.zeros(len(split))
    for j, ((ann_pj, ann_cycles), (snn_pj, snn_cycles)) in enumerate(zip(ann_layers, snn_layers, strict=True)):
        on_snn = (j >= split) == ann_first
        seconds = np.where(on_snn, snn_cycles / snn_hz, ann_cycles / ann_hz)
        layer = np.where(on_snn, snn_pj, ann_pj)
        layer += idle_k * np.where(on_snn, ann_area, snn_area) * seconds
        crossing = np.flatnonzero(split == j)  # a few designs cross here
        layer[crossing] += np.where(on_snn[crossing], np.where(rate[crossing], convert[0, j], convert[1, j]),
                                    convert[2, j])
        energy += layer
        busy += seconds
        busy_snn += seconds * on_snn
    busy_ann = busy - busy_snn
    seconds = np.where(h["pipelined"][at], np.maximum(busy_ann, busy_snn), busy)
    overhead = HybridParams.model_fields["shared_overhead"].default
    area = np.where(shared, np.maximum(ann_area, snn_area) * (1 + overhead), ann_area + snn_area)
    return energy, seconds * ann_hz, area


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--designs", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-designs", type=int, default=1_000_000, help="0: skip the memory figure")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    plugins = make_plugins()
    tech = plugins.technology("horowitz45")
    hybrid, systolic, snn = (plugins.backend(name) for name in ("hybrid", "systolic", "snn"))
    workload = resnet18().with_knobs(timesteps=TIMESTEPS)
    layers = len(workload.layers)
    if args.memory_child:
        measure_child(lambda: random_designs(args.memory_child, layers),
                      lambda frame: hybrid.cost_batch(workload, frame, tech))
        return
    frame = random_designs(args.designs, layers)
    ann, spiking = engine_frame(frame, "ann."), engine_frame(frame, "snn.")
    shapes, stats = layer_shapes(workload.with_knobs(timesteps=1)), layer_stats(workload)
    ann_arrays, snn_arrays = systolic_throughput.design_arrays(ann), snn_throughput.design_arrays(spiking)
    hybrid.cost_batch(workload, frame.head(100), tech)  # warm-up: imports, caches
    h, convert = hybrid_arrays(frame), conversion_table(workload, tech)
    seconds = best_cpu_seconds({
        "hybrid": lambda: hybrid.cost_batch(workload, frame, tech),
        "systolic": lambda: systolic.cost_batch(workload.with_knobs(timesteps=1), ann, tech),
        "snn": lambda: snn.cost_batch(workload, spiking, tech),
        "bare hybrid": lambda: bare_hybrid(shapes, stats, ann_arrays, snn_arrays, h, convert, tech),
        "bare hybrid, chunked": chunked(lambda at: bare_hybrid(shapes, stats, ann_arrays, snn_arrays, h, convert,
                                                               tech, at), args.designs, BARE_CHUNK),
        "bare systolic": lambda: systolic_throughput.closed_form(shapes, ann_arrays, tech),
        "bare snn": lambda: snn_throughput.closed_form(stats, snn_arrays, tech),
        "bare systolic, chunked": chunked(lambda at: systolic_throughput.closed_form(shapes, ann_arrays, tech, at),
                                          args.designs, BARE_CHUNK),
        "bare snn, chunked": chunked(lambda at: snn_throughput.closed_form(stats, snn_arrays, tech, at),
                                     args.designs, BARE_CHUNK),
    }, args.repeats)
    for form in ("hybrid", "systolic", "snn"):  # the faster of the whole batch and chunks, as their own benchmarks
        seconds[f"bare {form}"] = min(seconds[f"bare {form}"], seconds.pop(f"bare {form}, chunked"))
    sample = frame.head(100)
    start = time.process_time()
    Backend.cost_batch(hybrid, workload, sample, tech)
    loop = (time.process_time() - start) / sample.height
    evaluations = args.designs * layers
    engines, bare = seconds["systolic"] + seconds["snn"], seconds["bare systolic"] + seconds["bare snn"]
    print(f"hybrid on ResNet-18 (T = {TIMESTEPS}, {layers} layers), {args.designs:,} random designs, "
          f"{os.cpu_count()} CPU cores; best of {args.repeats}, CPU time")
    rate = {name: f"{evaluations / s:,.0f}" for name, s in seconds.items()}
    print(f"layer-evaluations per CPU-s: hybrid cost_batch {rate['hybrid']}, its bare form {rate['bare hybrid']}; "
          f"its engines' cost_batch: systolic {rate['systolic']}, snn {rate['snn']}; their bare forms: systolic "
          f"{rate['bare systolic']}, snn {rate['bare snn']}")
    for what, ratio, target in (
            ("hybrid / bare hybrid", seconds["hybrid"] / seconds["bare hybrid"], TARGET_RATIO),
            ("hybrid / (bare systolic + bare snn), a bound that leaves the hybrid's own arithmetic out of the bare side",
             seconds["hybrid"] / bare, None),
            ("hybrid / (systolic + snn cost_batch), what the hybrid adds to its engines", seconds["hybrid"] / engines,
             None),
            ("engines / their bare forms, for scale", engines / bare, None)):
        verdict = f" (target <= {target}x: {'meets' if ratio <= target else 'misses'})" if target else ""
        print(f"  {what}: {ratio:.2f}x{verdict}")
    print(f"the loop over cost() it replaced: {layers / loop:,.0f} layer-evaluations per CPU-s "
          f"(speed-up {loop * args.designs / seconds['hybrid']:,.0f}x)")
    if args.memory_designs:
        print(memory_line(__file__, ["--memory-child", str(args.memory_designs)],
                          f"{args.memory_designs:,} designs x ResNet-18 (T = {TIMESTEPS})"))


if __name__ == "__main__":
    main()
