"""Several arrays on one chip: each layer split over ``cores`` arrays that share a global buffer.

With ``cores`` = c > 1 the chip has c arrays of rows x cols PEs, each with its own ifmap,
filter and ofmap SRAMs (and accumulator buffer) of the sizes the parameters give, and one
global buffer of ``global_buffer_kib`` between them and DRAM (Eyeriss's 108 KB global buffer
between its PE array and DRAM, Chen et al., JSSC 2017). With one core there is no global
buffer: the array's SRAMs talk to DRAM directly and every number is the single-array
model's (layer.py), unchanged.

A layer is split over the cores in one of two ways (``partition``; ``auto`` takes, per layer
and design, the one with fewer cycles, channels on a tie):

- ``channels``: the output channels. A layer of one group gives each core ⌈M/c⌉ or ⌊M/c⌋
  filters (M mod c cores get the larger share) and broadcasts the whole input to all of
  them; a grouped or depthwise conv, or a matmul of several products, gives each core whole
  groups the same way (⌈g/c⌉ or ⌊g/c⌋) with only their inputs, and broadcasts nothing.
- ``spatial``: the output rows (a conv's E rows, a dense layer's tokens, a matmul's m rows;
  SCALE-Sim's row count in the scalesim model) in the same balanced shares, the weights (or a
  matmul's B) broadcast. A core with e output rows reads min(H, (e − 1)·stride + span) input
  rows: the halo rows its neighbours read too are fetched by both. Padding taps are spread
  over the cores in proportion to their rows.

Cores without a share (c above the channels, groups or rows) stay idle. Pooling, adds and
the other vector-unit layers are split evenly (each core 1/c of every count). Each core's
share is costed by the single-array model with the global buffer in the place of DRAM:
the core fills its SRAMs from the buffer and writes its outputs back to it (layers exchange
activations through it), at its share of the buffer's bandwidth,
``global_buffer_bytes_per_cycle``/c, for its double-buffered stalls (traffic.py).

The chip then pays, per layer:

- latency = the slowest core's, and at least the chip's DRAM traffic / ``dram_bytes_per_cycle``
  (a roofline; the scalesim model has no memory term);
- energy = the sum over the cores of every component but DRAM and leakage, plus the global
  buffer (``sram_global_read``, ``sram_global_write``: bits x the technology's energy per
  bit of one bank of buffer/c bits, one bank per core port as the array's SRAMs are banked
  per port, rates.py), DRAM bits read x ``dram_energy`` and written x ``dram_write_energy``,
  and the chip's leakage over the layer;
- global-buffer reads: a broadcast operand's words once (one read multicast to every core,
  as Eyeriss's global input network does), the other operands' words summed over the
  cores, and the outputs it writes back to DRAM; writes: the outputs of every core, and
  what DRAM fills it with. Partial sums a core spills go to the buffer and back;
- DRAM: the network's input and output, activations that do not fit the global buffer
  (words·bits > buffer bits, read back by the next layer), and the weights unless
  ``weights_resident`` keeps them in the global buffer across inferences (they must all fit
  it). An operand that fits the buffer's active half is read from DRAM once; otherwise
  every fetch of it by the cores goes to DRAM. Spilled partial sums go to DRAM too when
  they do not fit the buffer's active half.

Area: c arrays with their SRAMs (rates.area) and the global buffer's SRAM area.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import reduce
from typing import Any

import numpy as np

from dse import Technology
from dse_systolic.designs import Designs
from dse_systolic.geometry import LayerShape, Widths
from dse_systolic.layer import Group, LayerArrays, evaluate_layer
from dse_systolic.params import PARTITIONS
from dse_systolic.rates import widths
from dse_systolic.traffic import input_from_dram, output_to_dram

Value = np.ndarray | float  # per design, or one number for all

CHANNELS, SPATIAL = PARTITIONS.index("channels"), PARTITIONS.index("spatial")  # codes in the Designs

#: Cycle counts of a split layer are the slowest core's; every other count is summed over the cores.
SLOWEST = ("compute_cycles", "refill_cycles", "stall_cycles", "folds", "chunks", "mapping_efficiency")


@dataclass(frozen=True)
class Share:
    """``cores`` arrays that each run ``shape``, a part of the layer."""

    cores: int
    shape: LayerShape


@dataclass(frozen=True)
class Split:
    """A layer's shares under one partition, and the operand every core receives whole."""

    shares: tuple[Share, ...]
    broadcast: str  # "ifmap", "filter" or "" (nothing broadcast)
    code: int = 0  # CHANNELS or SPATIAL (0: a vector-unit layer, split evenly)


@dataclass(frozen=True)
class Chip:
    """What the designs of a group with c > 1 cores share: the global buffer and its energies."""

    cores: int
    core_group: Group  # the per-core arrays, with the global buffer in DRAM's place
    buffer: Designs  # the designs with the global buffer as their activation room (traffic.py)
    resident: np.ndarray  # the weights stay in the global buffer across inferences
    read_pj_per_bit: np.ndarray
    write_pj_per_bit: np.ndarray
    area_mm2: np.ndarray


def chip(group: Group, cores: int, shapes: Sequence[LayerShape], technology: Technology) -> Chip:
    """The chip of ``cores`` arrays around the designs of ``group`` (which all have ``cores`` cores)."""
    d = group.designs
    per_core = replace(d, dram_bytes_per_cycle=d.global_buffer_bytes_per_cycle / cores)
    core_group = replace(group, designs=per_core, weights_resident=np.zeros(len(d), dtype=bool))
    weight_bits = sum(s.weights * widths(s, d).weight for s in shapes if s.weights)
    bank = d.global_buffer_bits / cores  # one bank per core port (pJ per bit of a bank this size)
    read = technology.sram_read_energies(bank)
    write = technology.sram_write_factor * read
    area = cores * group.rates.area_mm2 + technology.sram_area(d.global_buffer_bits)
    return Chip(cores, core_group, replace(d, ifmap_bits=d.global_buffer_bits, ofmap_bits=d.global_buffer_bits),
                d.weights_resident & (weight_bits <= d.global_buffer_bits), read, write, area)


def evaluate_layer_on_cores(shape: LayerShape, group: Group, c: Chip, technology: Technology) -> LayerArrays:
    """The cost of ``shape`` split over the cores of every design of ``group``."""
    if shape.kind == "free":
        return evaluate_layer(shape, group, technology)
    if shape.kind == "vector":
        return _on_cores(shape, _even(shape, c.cores), group, c, technology)
    part = group.designs.partition
    if (part == CHANNELS).all():
        return _on_cores(shape, channel_split(shape, c.cores), group, c, technology)
    by_rows = _on_cores(shape, spatial_split(shape, c.cores, group.scalesim), group, c, technology)
    if (part == SPATIAL).all():
        return by_rows
    by_channels = _on_cores(shape, channel_split(shape, c.cores), group, c, technology)
    spatial = (part == SPATIAL) | ((part != CHANNELS) & (by_rows.latency_cycles < by_channels.latency_cycles))
    return _select(spatial, by_rows, by_channels)


def _balanced(n: int, cores: int) -> list[tuple[int, int]]:
    """(cores, part) pairs: n mod c cores get ⌈n/c⌉, the others ⌊n/c⌋; parts of 0 are left out."""
    q, r = divmod(n, cores)
    return [(count, part) for count, part in ((r, q + 1), (cores - r, q)) if count and part]


def channel_split(shape: LayerShape, cores: int) -> Split:
    """Output channels over the cores (whole groups when the layer has several)."""
    if shape.groups == 1:
        return Split(tuple(Share(k, _scaled(shape, m / shape.filters, 1.0, m / shape.filters, filters=m))
                           for k, m in _balanced(shape.filters, cores)), "ifmap", CHANNELS)
    return Split(tuple(Share(k, _scaled(shape, g / shape.groups, g / shape.groups, g / shape.groups, groups=g))
                       for k, g in _balanced(shape.groups, cores)), "", CHANNELS)


def spatial_split(shape: LayerShape, cores: int, scalesim: bool) -> Split:
    """Output rows over the cores, with the input rows (halo included) each core's rows read."""
    rows = shape.scalesim_out_rows if scalesim else shape.out_rows
    per_row, scalesim_per_row = shape.pixels // shape.out_rows, shape.scalesim_pixels // shape.scalesim_out_rows
    shares = []
    for k, e in _balanced(rows, cores):
        band = min(shape.in_rows, (e - 1) * shape.row_stride + shape.row_span)
        pixels = e * (scalesim_per_row if scalesim else per_row)
        unique = min(shape.window * pixels, shape.in_row_words * band)
        sub = _scaled(shape, e / rows, band / shape.in_rows, 1.0, pixels=pixels,
                      scalesim_pixels=e * scalesim_per_row, unique_inputs=unique, weights=shape.weights)
        shares.append(Share(k, sub))
    return Split(tuple(shares), "filter", SPATIAL)


def _even(shape: LayerShape, cores: int) -> Split:
    """A vector-unit layer, 1/c of it on every core."""
    part = _scaled(shape, 1 / cores, 1 / cores, 1 / cores, vector_ops=shape.vector_ops / cores,
                   vector_muls=shape.vector_muls / cores, vector_nonlinear=shape.vector_nonlinear / cores)
    return Split((Share(cores, part),), "")


def _scaled(shape: LayerShape, fraction: float, first: float, others: float, **fields: Any) -> LayerShape:
    """The part of ``shape`` a core runs: ``fraction`` of its MACs, weights and outputs, ``first`` of its
    first input tensor and ``others`` of the others (a matmul's B, an add's second operand), read from
    and written to the global buffer; ``fields`` overrides."""
    words = (shape.input_words[0] * first,) + tuple(w * others for w in shape.input_words[1:])
    scaled = {"macs": shape.macs * fraction, "connections": shape.connections * fraction,
              "weights": shape.weights * fraction, "output_words": shape.output_words * fraction}
    return replace(shape, **(scaled | fields), input_words=words, input_external=(True,) * len(words),
                   output_external=True)


def _on_cores(shape: LayerShape, split: Split, group: Group, c: Chip, technology: Technology) -> LayerArrays:
    """The layer on the chip when every core runs its share of ``split``."""
    d = group.designs
    parts = [evaluate_layer(share.shape, c.core_group, technology) for share in split.shares]
    busy = [share.cores for share in split.shares]
    w = widths(shape, d)

    def total(values: list[Value]) -> Value:
        """Σ over the cores: each share's value times the cores that run it."""
        return busy[0] * values[0] if len(values) == 1 else sum(k * v for k, v in zip(busy, values, strict=True))

    def slowest(values: list[Value]) -> Value:
        return values[0] if len(values) == 1 else reduce(np.maximum, values)

    def fetched(key: str, operand: str) -> Value:
        """Global-buffer words of an operand: once for all cores when broadcast."""
        values = [a.counts.get(key, 0.0) for a in parts]
        return slowest(values) if operand == split.broadcast else total(values)

    ifmap, filt = fetched("dram_ifmap_words", "ifmap"), fetched("dram_filter_words", "filter")
    outputs, psums = fetched("dram_output_words", ""), fetched("dram_psum_words", "")
    dram = _dram_words(shape, c, w, ifmap, filt, psums)
    dram_read = dram["ifmap"] * w.activation + dram["filter"] * w.weight + dram["psum"] / 2 * w.accumulator
    dram_write = dram["output"] * w.activation + dram["psum"] / 2 * w.accumulator
    buffer_read = ifmap * w.activation + filt * w.weight + psums / 2 * w.accumulator + dram_write
    buffer_write = outputs * w.activation + psums / 2 * w.accumulator + dram_read

    cycles = slowest([a.latency_cycles for a in parts])
    memory = np.ceil((dram_read + dram_write) / 8 / d.dram_bytes_per_cycle)
    latency = cycles if group.scalesim else np.maximum(cycles, memory)
    breakdown = {key: total([a.breakdown[key] for a in parts])
                 for key in parts[0].breakdown if key not in ("dram", "leakage")}
    breakdown |= {
        "sram_global_read": buffer_read * c.read_pj_per_bit,
        "sram_global_write": buffer_write * c.write_pj_per_bit,
        "dram": technology.dram_energy(dram_read) + technology.dram_write_energy(dram_write),
        "leakage": technology.leakage_energy(c.area_mm2, latency / (d.clock_mhz * 1e6)),
    }
    counts = {key: (slowest if key in SLOWEST else total)([a.counts[key] for a in parts]) for key in parts[0].counts}
    counts |= {
        "cores_busy": float(sum(busy)), "global_buffer_read_bits": buffer_read,
        "global_buffer_write_bits": buffer_write,
        "dram_ifmap_words": dram["ifmap"], "dram_filter_words": dram["filter"],
        "dram_output_words": dram["output"], "dram_psum_words": dram["psum"],
        "dram_bits": dram_read + dram_write, "dram_read_bits": dram_read, "dram_write_bits": dram_write,
    }
    if split.code:
        counts["partition"] = float(split.code)
    if "stall_cycles" in counts:  # the chip's DRAM roofline adds to the slowest core's stalls
        counts["stall_cycles"] = counts["stall_cycles"] + (latency - cycles)
    utilization = None if parts[0].utilization is None else \
        shape.macs / np.maximum(latency * d.rows * d.cols * c.cores, shape.macs)
    return LayerArrays(breakdown, latency, utilization, counts, reduce(np.logical_and, [a.memory_fits for a in parts]))


def _dram_words(shape: LayerShape, c: Chip, w: Widths, ifmap: np.ndarray, filt: np.ndarray,
                psums: np.ndarray) -> dict[str, np.ndarray]:
    """Words between DRAM and the global buffer: once when the operand fits the buffer's active half,
    else every fetch the cores make of it."""
    room = c.buffer.global_buffer_bits
    if shape.kind == "vector":
        inputs = sum(words * input_from_dram(shape, i, w.activation, c.buffer)
                     for i, words in enumerate(shape.input_words))
        weights = np.zeros_like(room)
    else:
        unique, stationary = shape.groups * shape.unique_inputs, shape.groups * shape.window * shape.filters
        inputs = input_from_dram(shape, 0, w.activation, c.buffer) * _once(unique, w.activation, ifmap, room)
        source = input_from_dram(shape, 1, w.weight, c.buffer) if shape.activation_operand else ~c.resident
        weights = source * _once(stationary, w.weight, filt, room)
    outputs = shape.output_words * output_to_dram(shape, w.activation, c.buffer)
    spilled = psums * (psums * w.accumulator > room)  # one way's psums/2 words exceed the active half
    return {"ifmap": inputs + np.zeros_like(room), "filter": weights, "output": outputs + np.zeros_like(room),
            "psum": spilled}


def _once(words: int, bits: np.ndarray | int, fetched: np.ndarray, room: np.ndarray) -> np.ndarray:
    """``words`` when they fit the active half of the buffer (``room`` bits), else ``fetched``."""
    return np.where(words * bits * 2 <= room, words, fetched)


def _select(spatial: np.ndarray, a: LayerArrays, b: LayerArrays) -> LayerArrays:
    """Per design, ``a`` where ``spatial`` else ``b``."""
    def pick(x: Value, y: Value) -> np.ndarray:
        return np.where(spatial, x, y)

    return LayerArrays(
        {key: pick(a.breakdown[key], b.breakdown[key]) for key in a.breakdown},
        pick(a.latency_cycles, b.latency_cycles),
        None if a.utilization is None else pick(a.utilization, b.utilization),
        {key: pick(a.counts[key], b.counts[key]) for key in a.counts},
        pick(a.memory_fits, b.memory_fits),
    )


def cores_of(d: Designs) -> list[tuple[np.ndarray, int]]:
    """(indices, c) for every distinct number of cores among the designs."""
    distinct, inverse = np.unique(d.cores, return_inverse=True)
    return [(np.flatnonzero(inverse == i), int(c)) for i, c in enumerate(distinct.tolist())]

