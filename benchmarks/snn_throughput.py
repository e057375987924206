"""Layer-evaluations per second of the snn backend's batch path, against a bare numpy closed form
of the same counts and its one-at-a-time path, and its peak memory.

    python benchmarks/snn_throughput.py [--points 1000000] [--memory-designs 1000000] [--seed 0]

First, on ResNet-18, dse's ``cost_batch`` and :func:`closed_form` (the model's counts, energy,
latency and area for per-event designs, CLOSED_FORM_REGION, written as bare numpy) take turns;
their CPU times' ratio is printed beside issue 17's target (1.5x), and the peak memory of one
``cost_batch`` of ``--memory-designs`` designs in a fresh process beside its 200 MB. Then:

Random design points (every parameter of the backend drawn at random) are costed on two zoo
networks, ResNet-18 (ANN layers run as SNN layers) and the DVS Gesture event CNN, in one
``cost_batch`` call each; SRAM sizes are drawn twice: from power-of-two macro sizes, as a
search space over real macros would, and from a continuous range, where every point has its
own size and the technology's SRAM table is called once per point. A sample of rows is
checked against ``cost`` one by one (equal within 1e-12: batch energies are plain sums).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))

from batch_figures import BARE_CHUNK, best_cpu_seconds, chunked, measure_child, memory_line, ratio_line
from dse_snn.layers import LayerStats, layer_stats
from dse_snn.params import SnnParams

from dse import Technology, Workload
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


#: The region of the design space the closed form covers (the other parameters drawn at random).
CLOSED_FORM_REGION = {"state_update": "per_event", "leak": "none", "leak_op": "shift", "spike_format": "events",
                      "bias": False, "memory_overflow": "dram", "weight_word_bits": None}


def per_value(fn, values: np.ndarray) -> np.ndarray:
    """``fn`` of every value, evaluated once per distinct value (the technology's tables are scalar)."""
    distinct, inverse = np.unique(values, return_inverse=True)
    return np.array([fn(v) for v in distinct.tolist()])[inverse]


def design_arrays(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    """The frame's numeric columns as float64 arrays."""
    return {name: frame[name].cast(pl.Float64).to_numpy() for name in
            ("cores", "pes_per_core", "neurons_per_core", "weight_sram_kib", "state_sram_kib", "membrane_bits",
             "noc_hop_pj", "timesteps", "clock_mhz")}


def closed_form(stats: tuple[LayerStats, ...], d: dict[str, np.ndarray], tech: Technology,
                at: slice = slice(None), layers: list | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Energy (pJ), latency (cycles) and area (mm²) of the designs ``at`` in CLOSED_FORM_REGION:
    the counts of dse_snn.model's docstring (placement with DRAM overflow, per-event state updates,
    address events over a mesh, pipelining across steps, leakage) as bare numpy, layer by layer.
    ``layers``, if given, receives each layer's (energy before leakage, busy cycles) in turn."""
    chip, pes, npc = d["cores"][at], d["pes_per_core"][at], d["neurons_per_core"][at]
    wsram, ssram = d["weight_sram_kib"][at] * 8192.0, d["state_sram_kib"][at] * 8192.0
    m, t, hop_pj, clock = d["membrane_bits"][at], d["timesteps"][at], d["noc_hop_pj"][at], d["clock_mhz"][at]
    hops = 2.0 * (chip - 1.0) / (3.0 * np.sqrt(chip))
    flight = hops * SnnParams.model_fields["noc_hop_ns"].default * clock / 1000.0  # the last spike's mesh flight
    weight_bit = per_value(lambda b: tech.sram_read_energy(b, 1.0), wsram)
    state_bit = per_value(lambda b: tech.sram_read_energy(b, 1.0), ssram)
    add_m = per_value(tech.add_energy, m)
    address = np.maximum(1.0, np.ceil(np.log2(npc)))  # npc is a power of two here: exact
    add_a = per_value(tech.add_energy, address)
    factor, dram_pj = tech.sram_write_factor, tech.dram_pj_per_bit
    caps = {"w": chip * wsram, "s": chip * ssram, "n": chip * npc}
    used = {key: np.zeros_like(chip) for key in caps}

    def claim(key: str, demand: np.ndarray) -> np.ndarray:
        granted = np.clip(caps[key] - used[key], 0.0, demand)
        used[key] = used[key] + granted
        return demand - granted

    placed, total_cores = [], np.zeros_like(chip)
    for s in stats:  # cores per layer and the DRAM traffic of what does not fit
        if not s.synaptic:
            placed.append((0.0, 0.0, 0.0, 0.0))
            continue
        weight_bits, state_bits = s.weights * s.weight_bits, s.out_neurons * m
        slots = np.minimum(npc, np.floor(ssram / m))
        k = np.maximum(1.0, np.maximum(np.ceil(s.out_neurons / slots), np.ceil(weight_bits / wsram)))
        total_cores += k
        excess_w, excess_s, excess_n = claim("w", weight_bits), claim("s", state_bits), claim("n", s.out_neurons)
        each_way = t * np.maximum(excess_s, excess_n * m)
        load = weight_bits - excess_w
        placed.append((k, load, load + t * excess_w + each_way, each_way))
    resident = total_cores <= chip
    energy, busy_total, memory, steps = np.zeros_like(chip), np.zeros_like(chip), np.zeros_like(chip), []
    for s, (k, load, reads, writes) in zip(stats, placed, strict=True):
        if s.kind == "flatten":
            steps.append(0.0)
            if layers is not None:
                layers.append((0.0, 0.0))
            continue
        event = tech.register_energy(s.address_bits)
        read = reads + t * s.external_events * s.address_bits
        write = writes + (t * s.spikes * s.output_address_bits if s.output_external else 0.0)
        cycles = (read + write) / 8.0 / 10.0  # dram_bytes_per_cycle: the default, 10
        layer = (read + write) * dram_pj + t * s.spikes * event
        if s.synaptic:
            cores = np.where(resident, k, np.minimum(k, chip))
            synops, deliveries = t * s.synops, t * s.events * cores
            layer = layer + (synops * np.ceil(s.group) / s.group * s.weight_bits * weight_bit
                             + synops * m * state_bit * (1 + factor) + deliveries * event
                             + deliveries * hops * hop_pj + synops * (add_m + add_a) + deliveries * add_a
                             + synops * add_m + (t * s.spikes * add_m if s.resets else 0.0) + load * factor * weight_bit)
            step = np.maximum(s.events, s.synops / (cores * pes)) + flight
        else:
            events = t * s.events
            layer = layer + events * event + events * hops * hop_pj + t * s.synops * add_m
            step = s.events + flight
        energy += layer
        busy = np.maximum(t * step, cycles)
        busy_total += busy
        if layers is not None:
            layers.append((layer, busy))
        memory += cycles
        steps.append(step)
    stages = sum(1 for s in stats if s.kind != "flatten")
    sequential = t * sum(steps)
    pipelined = (t + (stages - 1)) * np.maximum.reduce([np.broadcast_to(x, chip.shape) for x in steps])
    latency = np.maximum(np.where(resident, np.minimum(sequential, pipelined), sequential), memory)
    weight = max(s.weight_bits for s in stats if s.synaptic)
    event_bits = max(s.address_bits for s in stats)
    adder = per_value(tech.add_area, m)
    area = chip * (tech.sram_area(wsram + ssram) + pes * (adder + per_value(tech.register_area, m + weight))
                   + 3 * adder + tech.register_area(5 * event_bits))
    leakage = tech.leakage_mw_per_mm2 * area * latency / (clock * 1e6) * 1e9
    return energy + np.where(busy_total > 0, leakage, 0.0), latency, area


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000, help="design points per batch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-designs", type=int, default=1_000_000, help="0: skip the memory figure")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    plugins = make_plugins()
    backend, tech = plugins.backend("snn"), plugins.technology("horowitz45")
    if args.memory_child:
        workload = load_workload(NETWORKS[0], plugins)
        measure_child(lambda: random_points(args.memory_child, args.seed, False),
                      lambda frame: backend.cost_batch(workload, frame, tech))
        return
    print(f"snn backend, {args.points:,} random design points per batch, technology {tech.name}, "
          f"{os.cpu_count()} CPU cores; best of {args.repeats}, CPU time")
    resnet = load_workload(NETWORKS[0], plugins)
    region = random_points(args.points, args.seed, False).with_columns(
        **{name: pl.lit(value) for name, value in CLOSED_FORM_REGION.items()})
    arrays, stats = design_arrays(region), layer_stats(resnet)
    backend.cost_batch(resnet, region.head(1000), tech)  # warm-up: imports, caches
    seconds = best_cpu_seconds({
        "dse": lambda: backend.cost_batch(resnet, region, tech),
        "bare": lambda: closed_form(stats, arrays, tech),
        "bare, chunked": chunked(lambda at: closed_form(stats, arrays, tech, at), args.points, BARE_CHUNK),
    }, args.repeats)
    bare = min(seconds["bare"], seconds["bare, chunked"])
    print(ratio_line(f"{NETWORKS[0]} ({len(resnet.layers)} layers), per-event designs", args.points * len(resnet.layers),
                     seconds["dse"], bare))
    print(f"  bare form on the whole batch {seconds['bare']:.2f} s, in chunks of {BARE_CHUNK} "
          f"{seconds['bare, chunked']:.2f} s; energy, latency and area within "
          f"{closed_form_gap(resnet, region, tech):.1e} of dse's (200 designs)")
    if args.memory_designs:
        print(memory_line(__file__, ["--memory-child", str(args.memory_designs)],
                          f"{args.memory_designs:,} designs x {NETWORKS[0]}"))
    for ref in NETWORKS:
        workload: Workload = load_workload(ref, plugins)
        layers = len(workload.layers)
        for continuous in (False, True):
            frame = random_points(args.points, args.seed, continuous)
            start = time.process_time()
            out = backend.cost_batch(workload, frame, tech)
            batch_s = time.process_time() - start
            sample = frame.head(200)
            start = time.process_time()
            scalar = [backend.cost(workload, backend.parse_params({k: v for k, v in row.items() if v is not None}), tech)
                      for row in sample.iter_rows(named=True)]
            scalar_s = (time.process_time() - start) / sample.height
            agree = all(math.isclose(a, b, rel_tol=1e-12) for cost, row in zip(scalar, out.head(200).iter_rows(), strict=True)
                        for a, b in zip(totals_row(cost)[:5], row[:5], strict=True))
            rate = args.points * layers / batch_s
            sizes = "continuous SRAM sizes" if continuous else "macro SRAM sizes"
            print(f"{ref} ({layers} layers), every parameter random, {sizes}: batch {rate:,.0f} layer-evaluations "
                  f"per CPU-s ({batch_s:.2f} s); one at a time {layers / scalar_s:,.0f}; "
                  f"speed-up {scalar_s * args.points / batch_s:,.0f}x; equal to cost() within 1e-12 on 200 rows: {agree}")


def closed_form_gap(workload: Workload, frame: pl.DataFrame, tech: Technology) -> float:
    """The largest relative gap between the closed form's totals and dse's on 200 designs of ``frame``."""
    sample = frame.head(200)
    out = make_plugins().backend("snn").cost_batch(workload, sample, tech)
    ours = closed_form(layer_stats(workload), design_arrays(sample), tech)
    return max(float(np.max(np.abs(mine / out[name].to_numpy() - 1)))
               for name, mine in zip(("energy_pj", "latency_cycles", "area_mm2"), ours, strict=True))


if __name__ == "__main__":
    main()
