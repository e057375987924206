"""Layers onto cores by neurons and memory, and what does not fit on the chip.

A synaptic layer (conv2d, dense) is split by output neurons over ``k`` cores, the fewest
that hold its neurons, its potentials and its weights:

    k = max(1, ⌈N / min(neurons_per_core, ⌊state bits / membrane_bits⌋)⌉, ⌈weight bits / weight SRAM bits⌉)

(sorted_time keeps no potentials: its neurons need only ``neurons_per_core``). Every core of
a layer receives every input event of the layer. Pooling, residual adds and flatten take no
core of their own.

Capacity is then handed out in layer order, each resource on its own: weight SRAM (weights
and biases), state SRAM (potentials, or sorted_time's time-sorted input buffer of
T × events × (event + timestamp) bits), and neuron slots. What a layer cannot get is its
excess. The excess lives in DRAM and is paid for every inference, whatever
``memory_overflow`` says: excess weights are read once per step, excess potentials (neuron
slots beyond neurons_per_core x cores, or state beyond the state SRAMs, whichever is more)
read and written once per step, an excess event buffer written once and read once. With
``memory_overflow: fail`` (the default) any excess also makes ``memory_fits`` false, naming
the resource (the design is infeasible in a search, and costed so that a plot does not
flatter it); with ``dram`` the DRAM-backed design counts as fitting.

The weights held on chip are loaded from DRAM into the weight SRAMs once per inference
(read from DRAM, written into the SRAM), unless ``weights_resident`` keeps them there
across inferences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dse_snn.columns import Columns
from dse_snn.energies import Widths
from dse_snn.layers import LayerStats
from dse_snn.modes import Mode


@dataclass(frozen=True)
class Placement:
    """Where the layers went, on each design point (arrays)."""

    cores: list[np.ndarray]  # cores per layer (0 for layers without neurons)
    dram_read_bits: list[np.ndarray]  # per layer, per inference (bits): weight loads, overflow reads
    dram_write_bits: list[np.ndarray]  # per layer, per inference (bits): overflow writes
    weight_loads: list[np.ndarray]  # per layer, per inference: weight bits written into the weight SRAMs
    footprint: list[dict[str, np.ndarray]]  # bits held per layer
    resident: np.ndarray  # every layer has cores of its own (layers can pipeline)
    fits: np.ndarray  # no excess anywhere
    short: dict[str, np.ndarray]  # per resource (RESOURCES), whether some layer could not get all it needs


def place(stats: Sequence[LayerStats], widths: Sequence[Widths], p: Columns, mode: Mode,
          timesteps: np.ndarray | float) -> Placement:
    weight_sram = p["weight_sram_kib"] * 8192.0
    state_sram = p["state_sram_kib"] * 8192.0
    sorted_time = mode.sorted_time
    chip_cores = p["cores"]
    caps = {"weights": chip_cores * weight_sram, "state": chip_cores * state_sram,
            "neurons": chip_cores * p["neurons_per_core"]}
    used = {key: np.zeros_like(chip_cores) for key in caps}
    zero = np.zeros_like(chip_cores)
    cores, reads, writes, loads, footprint = [], [], [], [], []
    total_cores = np.zeros_like(chip_cores)
    excess_sum = {key: np.zeros_like(chip_cores) for key in caps}  # > 0 where some layer did not get all
    resident = p["weights_resident"] if p["weights_resident"].any() else None  # weights kept across inferences
    slots: dict[int, np.ndarray] = {}  # neurons per core, by membrane widths (layers share them)
    for s, w in zip(stats, widths, strict=True):
        if not s.synaptic:
            for out in (cores, reads, writes, loads):
                out.append(zero)
            footprint.append({})
            continue
        weight_bits = (s.weights + s.biases * mode.bias) * w.weight
        state_bits = s.out_neurons * w.membrane
        buffer_bits = timesteps * s.events * (w.event + w.timestamp) if sorted_time else 0.0
        if id(w.membrane) not in slots:
            slots[id(w.membrane)] = p["neurons_per_core"] if sorted_time else \
                np.minimum(p["neurons_per_core"], np.floor(state_sram / w.membrane))
        k = _cores(s.out_neurons, slots[id(w.membrane)], weight_bits, weight_sram)
        total_cores += k
        excess_w = _claim(used, caps, "weights", weight_bits)
        excess_s = _claim(used, caps, "state", buffer_bits if sorted_time else state_bits)
        excess_sum["weights"] += excess_w
        excess_sum["state"] += excess_s
        state_each_way = excess_s  # sorted_time: its buffer, written and read once
        if not sorted_time:  # excess potentials (state, or neurons without a slot) each way every step
            state_each_way = _claim(used, caps, "neurons", float(s.out_neurons))
            excess_sum["neurons"] += state_each_way
            state_each_way *= w.membrane
            np.maximum(state_each_way, excess_s, out=state_each_way)
            state_each_way *= timesteps
        load = weight_bits - excess_w
        if resident is not None:
            np.copyto(load, 0.0, where=resident)
        read = timesteps * excess_w
        read += load
        read += state_each_way
        cores.append(k)
        loads.append(load)
        reads.append(read)
        writes.append(state_each_way)
        footprint.append({"weights": weight_bits, "neuron_state": 0.0 if sorted_time else state_bits,
                          "event_buffer": buffer_bits})
    short = {key: excess > 0 for key, excess in excess_sum.items()}
    fits = ~np.logical_or.reduce(list(short.values()))
    return Placement(cores, reads, writes, loads, footprint, total_cores <= chip_cores, fits,
                     {RESOURCES[key]: value for key, value in short.items()})


RESOURCES = {"weights": "weight SRAM", "state": "state SRAM", "neurons": "neuron slots"}
"""The chip's capacities a layer claims, by the name a user reads in a note."""


def _claim(used: dict[str, np.ndarray], caps: dict[str, np.ndarray], key: str,
           demand: np.ndarray | float) -> np.ndarray:
    """Give ``demand`` what is left of ``caps[key]``; return the excess (a new array)."""
    granted = caps[key] - used[key]
    np.maximum(granted, 0.0, out=granted)  # np.clip(left, 0, demand), in place
    np.minimum(granted, demand, out=granted)
    used[key] += granted
    return np.subtract(demand, granted, out=granted)


def _cores(neurons: int, slots: np.ndarray, weight_bits: np.ndarray | float, weight_sram: np.ndarray) -> np.ndarray:
    """k = max(1, ⌈N / slots⌉, ⌈weight bits / weight SRAM bits⌉), in place in two arrays."""
    k = neurons / slots
    np.ceil(k, out=k)
    by_weights = weight_bits / weight_sram
    np.ceil(by_weights, out=by_weights)
    np.maximum(k, by_weights, out=k)
    return np.maximum(k, 1.0, out=k)
