"""Layer-evaluations per second of the systolic backend against a bare numpy closed form, its
peak memory, and SCALE-Sim's seconds per layer.

    python benchmarks/systolic_throughput.py [--designs 1000000] [--memory-designs 1000000]
        [--scalesim-python PATH]

Costs ResNet-18 (benchmarks/resnet18_layers.py: 20 convolutions and the classifier, plus
pools, residual adds and a flatten) on random design points in one ``cost_batch`` call and
prints layer-evaluations per CPU-second, counting only the 21 GEMM layers and counting every
layer, beside :func:`closed_form`: the same per-layer counts (SCALE-Sim's folds and compute
cycles, SRAM accesses, DRAM words with a fits-or-refetch rule, vector-unit cycles) and the
energy, latency and area they give, written as bare numpy over arrays of designs (no
validation, no frames, one dataflow formula per ``np.where``). Its registers are one
flip-flop price per bit (it predates per-operand register prices, ``weight_register_words``
and the output-stationary accumulator write), so its energy is a few percent off dse's,
printed, and it does less work than dse: the ratio errs on dse's side. The two take turns; the
ratio of their times is printed beside the target of issue 17 (1.5x). Then the same designs
with 1 to 16 cores each (dse_systolic.cores: every layer split over them both ways), the peak memory of one
``cost_batch`` of ``--memory-designs`` designs in a fresh process, beside its 200 MB
target, and the one-design ``cost`` path, for scale. If ``scalesim`` imports here, or
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
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))

from batch_figures import BARE_CHUNK, best_cpu_seconds, chunked, measure_child, memory_line, ratio_line
from dse_systolic.geometry import LayerShape, layer_shapes
from resnet18_layers import resnet18

from dse import Conv2dLayer, DenseLayer, Technology, Workload, make_plugins
from dse.schema.workload import as_pair

CHEAP_LAYERS = ("layer2.1.downsample", "layer3.1.downsample", "layer4.1.downsample", "fc")


def random_designs(n: int, seed: int = 0, latency_models: tuple[str, ...] = ("bandwidth", "scalesim")) -> pl.DataFrame:
    """``n`` design points of a typical search space."""
    rng = np.random.default_rng(seed)
    sides = [4, 8, 16, 32, 64, 128, 256]
    sizes = [8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0]
    return pl.DataFrame({
        "rows": rng.choice(sides, n), "cols": rng.choice(sides, n), "dataflow": rng.choice(["os", "ws", "is"], n),
        "ifmap_sram_kib": rng.choice(sizes, n), "filter_sram_kib": rng.choice(sizes, n),
        "ofmap_sram_kib": rng.choice(sizes, n), "dram_bytes_per_cycle": rng.choice([4.0, 8.0, 16.0, 32.0, 64.0], n),
        "clock_mhz": rng.uniform(200.0, 1000.0, n), "latency_model": rng.choice(latency_models, n),
        "zero_gating": rng.random(n) < 0.5,
    })


def design_arrays(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    """The frame's designs as the closed form takes them: float64 columns, dataflow 0/1/2 (os/ws/is)."""
    out = {name: frame[name].cast(pl.Float64).to_numpy() for name in
           ("rows", "cols", "ifmap_sram_kib", "filter_sram_kib", "ofmap_sram_kib", "dram_bytes_per_cycle", "clock_mhz")}
    out["zero_gating"] = frame["zero_gating"].cast(pl.Float64).to_numpy()
    out["dataflow"] = frame["dataflow"].replace_strict({"os": 0, "ws": 1, "is": 2}, return_dtype=pl.Int64).to_numpy()
    return out


def per_value(fn, values: np.ndarray) -> np.ndarray:
    """``fn`` of every value, evaluated once per distinct value (the technology's tables are scalar)."""
    distinct, inverse = np.unique(values, return_inverse=True)
    return np.array([fn(v) for v in distinct.tolist()])[inverse]


def closed_form(shapes: tuple[LayerShape, ...], d: dict[str, np.ndarray], tech: Technology,
                at: slice = slice(None), layers: list | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Energy (pJ), latency (cycles) and area (mm²) of the designs ``at`` (scalesim latency model,
    no accumulator buffer, weights from DRAM, 8-bit operands): every count of dse's model
    (docs/references/scalesim.md; dse_systolic's mapping, traffic and layer docstrings) as one
    bare numpy expression per count, all dataflows at once. ``layers``, if given, receives each
    layer's (energy, cycles) in turn (0 for a layer the array does not run)."""
    rows, cols, df, gate = d["rows"][at], d["cols"][at], d["dataflow"][at], d["zero_gating"][at]
    ifmap, filt, ofmap = (d[k][at] * 8192.0 for k in ("ifmap_sram_kib", "filter_sram_kib", "ofmap_sram_kib"))
    clock = d["clock_mhz"][at]
    os_, ws, is_ = df == 0, df == 1, df == 2
    room = np.minimum(ifmap, ofmap)  # an activation tensor stays on chip when it fits both
    r_ifmap, w_ifmap = (per_value(lambda b, f=f: f(b, 1.0), ifmap / np.where(is_, cols, rows))
                        for f in (tech.sram_read_energy, tech.sram_write_energy))
    r_filter, w_filter = (per_value(lambda b, f=f: f(b, 1.0), filt / np.where(is_, rows, cols))
                          for f in (tech.sram_read_energy, tech.sram_write_energy))
    r_ofmap, w_ofmap = (per_value(lambda b, f=f: f(b, 1.0), ofmap / cols)
                        for f in (tech.sram_read_energy, tech.sram_write_energy))
    a, acc = 8, 16
    mac, add = tech.mac_energy(a, a, acc), tech.add_energy(a)
    gated = min(tech.register_energy(1), mac)
    pe = tech.mul_area(a, a) + tech.add_area(acc) + tech.register_area(a + a + acc)
    area = rows * cols * pe + cols * tech.add_area(a) + tech.sram_area(ifmap + filt + ofmap)
    leak = tech.leakage_mw_per_mm2 * area / (clock * 1e6) * 1e9  # pJ per cycle
    energy, latency = np.zeros(len(rows)), np.zeros(len(rows))
    for s in shapes:
        if s.kind == "gemm":
            g, npx, k, m = s.groups, s.scalesim_pixels, s.window, s.filters
            sr, sc = np.where(os_, npx, k), np.where(is_, npx, m)
            t = np.where(os_, k, np.where(ws, npx, m))
            fr, fc = np.ceil(sr / rows), np.ceil(sc / cols)
            cycles = g * (fr * fc * (t + np.where(os_, 1, 2) * rows + cols - 2) - 1)
            row_streamed, col_streamed, stationary = g * fc * sr * t, g * fr * sc * t, g * sr * sc
            outputs = g * npx * m
            ifmap_reads = np.where(is_, stationary, row_streamed)
            filter_reads = np.where(os_, col_streamed, np.where(ws, stationary, row_streamed))
            psum_reads = np.where(os_, 0.0, col_streamed - outputs)
            psum_writes = np.where(os_, g * fr * fc * (rows + cols), psum_reads)  # SCALE-Sim's os over-count
            # DRAM: an operand is fetched once when it fits the active half of its SRAM, else per fold
            u, weights = s.unique_inputs, k * m
            ifmap_in = s.input_external[0] or s.input_words[0] * a > room
            fills_i = g * u * np.where(is_ | (u * a * 2 <= ifmap), 1.0, fc) * ifmap_in
            col_tile = np.minimum(cols, sc) * t
            fills_f = g * weights * np.where(os_, np.where(col_tile * a * 2 <= filt, 1.0, fr),
                                             np.where(ws | (weights * a * 2 <= filt), 1.0, fc))
            spills = np.where(os_, 0.0, g * sc * t * (fr - 1) * (col_tile * acc * 2 > ofmap))
            writebacks = s.output_words * (s.output_external | (s.output_words * a > room))
            dram_bits = (fills_i + fills_f + writebacks) * a + 2 * spills * acc
            moving = np.where(os_, a + a, a + acc)
            still = np.where(os_, acc, a)
            zero = (s.macs - s.connections * s.input_density) / s.macs
            activation_words = np.where(is_, stationary, s.macs)
            register_bits = s.macs * moving + stationary * still - zero * (a - 1) * activation_words * gate
            layer = (s.macs * mac - s.macs * zero * (mac - gated) * gate + tech.register_energy(register_bits)
                     + ifmap_reads * a * r_ifmap + fills_i * a * w_ifmap
                     + filter_reads * a * r_filter + fills_f * a * w_filter
                     + ((psum_reads + spills) * acc + writebacks * a) * r_ofmap
                     + (outputs * a + (psum_writes + spills) * acc) * w_ofmap
                     + tech.dram_energy(dram_bits))
        elif s.kind == "vector":
            cycles = np.ceil(s.vector_ops / cols)
            fills = sum(words * (external or words * a > room)
                        for words, external in zip(s.input_words, s.input_external, strict=True))
            writebacks = s.output_words * (s.output_external | (s.output_words * a > room))
            layer = (s.vector_ops * add + sum(s.input_words) * a * r_ifmap + fills * a * w_ifmap
                     + writebacks * a * r_ofmap + s.output_words * a * w_ofmap
                     + tech.dram_energy((fills + writebacks) * a))
        else:
            if layers is not None:
                layers.append((0.0, 0.0))
            continue
        layer = layer + leak * cycles
        energy += layer
        latency += cycles
        if layers is not None:
            layers.append((layer, cycles))
    return energy, latency, area


def check_energy(workload: Workload, frame: pl.DataFrame, tech: Technology) -> float:
    """The largest relative gap between the closed form's energy and dse's on 50 designs of ``frame``."""
    out = make_plugins().backend("systolic").cost_batch(workload, frame.head(50), tech)
    ours, latency, _ = closed_form(layer_shapes(workload), design_arrays(frame.head(50)), tech)
    assert np.array_equal(latency, out["latency_cycles"].to_numpy()), "latency differs from dse's"
    return float(np.max(np.abs(ours / out["energy_pj"].to_numpy() - 1)))


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
    parser.add_argument("--designs", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-designs", type=int, default=1_000_000, help="0: skip the memory figure")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--scalesim-python", help="an interpreter where scalesim imports (default: this one)")
    parser.add_argument("--scalesim-layers", default="cheap", help="'cheap' (3 downsamples + fc) or 'all'")
    args = parser.parse_args()

    workload = resnet18()
    plugins = make_plugins()
    backend, tech = plugins.backend("systolic"), plugins.technology("horowitz45")
    if args.memory_child:
        measure_child(lambda: random_designs(args.memory_child), lambda f: backend.cost_batch(workload, f, tech))
        return
    gemm = [layer for layer in workload.layers if isinstance(layer, (Conv2dLayer, DenseLayer))]
    frame, mixed = random_designs(args.designs, latency_models=("scalesim",)), random_designs(args.designs)
    several = mixed.with_columns(cores=pl.Series(np.random.default_rng(1).choice([1, 2, 4, 8, 16], args.designs)))
    arrays, shapes = design_arrays(frame), layer_shapes(workload)
    backend.cost_batch(workload, frame.head(1000), tech)  # warm-up: imports, caches
    seconds = best_cpu_seconds({
        "dse": lambda: backend.cost_batch(workload, frame, tech),
        "bare": lambda: closed_form(shapes, arrays, tech),
        "bare, chunked": chunked(lambda at: closed_form(shapes, arrays, tech, at), args.designs, BARE_CHUNK),
        "dse, both latency models": lambda: backend.cost_batch(workload, mixed, tech),
        "dse, 1-16 cores": lambda: backend.cost_batch(workload, several, tech),
    }, args.repeats)
    bare = min(seconds["bare"], seconds["bare, chunked"])
    evaluations = args.designs * len(workload.layers)
    print(f"ResNet-18: {len(gemm)} GEMM layers of {len(workload.layers)}; {args.designs:,} random design points; "
          f"{os.cpu_count()} CPU cores; best of {args.repeats}, CPU time")
    print(ratio_line("systolic cost_batch, scalesim latency model, every layer", evaluations, seconds["dse"], bare))
    print(f"  bare form on the whole batch {seconds['bare']:.2f} s, in chunks of {BARE_CHUNK} "
          f"{seconds['bare, chunked']:.2f} s; same latency as dse, energy within "
          f"{check_energy(workload, frame, tech):.1e} of dse's (50 designs)")
    print(f"  both latency models (half bandwidth-aware): dse {evaluations / seconds['dse, both latency models']:,.0f} "
          f"layer-evaluations per CPU-s, {args.designs * len(gemm) / seconds['dse, both latency models']:,.0f} "
          f"counting GEMM layers only")
    print(f"  with 1, 2, 4, 8 or 16 cores (partition auto, dse_systolic.cores): "
          f"{evaluations / seconds['dse, 1-16 cores']:,.0f} layer-evaluations per CPU-s, "
          f"{seconds['dse, both latency models'] / seconds['dse, 1-16 cores']:.2f}x the one-core rate")
    if args.memory_designs:
        print(memory_line(__file__, ["--memory-child", str(args.memory_designs)],
                          f"{args.memory_designs:,} designs x ResNet-18"))
    per_layer_batch = seconds["dse, both latency models"] / (args.designs * len(gemm))
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
