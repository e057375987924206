"""One layer on N designs: energy by component (pJ), cycles and the counts behind them.

Energy components (pJ), every rate from the architecture's Technology:

- ``compute``: MACs x ``mac_energy(weight, activation, accumulator bits)``. With zero
  gating a MAC whose activation is zero (padding taps always, the other inputs with
  probability 1 − input_density) costs only its 1-bit zero flag, ``register_energy(1)``
  (no design gates when the flag costs more than the MAC).
- ``register``: the PE's weight, input and output registers, each at its own width and its
  own price per bit written and read (``<operand>_register_<read|write>_pj_per_bit``;
  default: a write costs ``register_pj_per_bit``, the technology's price of clocking a bit
  in and reading it out, and a read is free, a one-word register's output being a wire).
  Writes: every moving operand enters the next PE's register once per MAC (os: weight and
  activation; ws: activation; is: weight); every stationary word is written into its PE each
  time it is loaded (once per chunk, mapping.py); every MAC writes its sum into an output
  register (ws, is: the next PE's, the sum moves down; os: its own, and the finished sums
  are written once more as they shift out); with the bandwidth model's line buffer, every
  input word it hands the array enters an input register. Reads: every MAC that works reads
  its weight and its activation, and the sum it adds to. With zero gating a zero
  activation moves as its 1-bit flag, its data register keeps its old value, and its MAC
  (in os, its accumulation too) does not work. A stationary operand that sits alone in its
  register (ws weights, is activations) is read for free, its value latched at the
  register's output; a ws PE holding several weights (``weight_register_words``) reads the
  one each MAC needs, on the MACs of folds more than one weight deep (mapping.py).
- ``sram_<ifmap|filter|ofmap>_<read|write>``: array-side accesses (mapping.py) and DRAM
  fills and write-backs (traffic.py), each word x its width x the SRAM bank's energy per
  bit (rates.py); partial sums at accumulator width, outputs at activation width.
- ``sram_accumulator_<read|write>``: with ``accumulator_sram_kib`` > 0, a ws or is layer's
  partial sums live in the accumulator buffer instead of the ofmap SRAM (TPU v1's
  accumulators, Jouppi et al. 2017): every row fold writes its sums there (psum writes +
  outputs), every fold but the first reads them back, and the finished sums are read out
  once (psum reads + outputs), all at accumulator width; the ofmap SRAM then receives only
  the outputs. Output-stationary arrays accumulate in the PEs and never use it.
- ``dram``: DRAM bits read x ``dram_energy`` + bits written x ``dram_write_energy``.
- ``leakage``: ``leakage_energy(chip area, layer seconds)``.

Pooling, adds, mul, softmax, layernorm, activations and reductions run on a vector unit of
``vector_lanes`` lanes (default ``cols``), one operation per lane per cycle
(ceil(ops / lanes) cycles): each input word is read once from the ifmap SRAM (a line buffer
serves overlapping windows; a broadcast operand is read once), an add, compare or max costs
``add_energy(activation bits)``, a multiply ``mul_energy(a, a)``, a nonlinear evaluation
``nonlinear_pj`` or two adds and two multiplies (NONLINEAR_ADDS, NONLINEAR_MULS), each output is written
once to the ofmap SRAM; operands in DRAM are filled and written back as traffic.py says.
Flatten is a reshape of data in place and costs nothing.

The array runs a workload once per inference: ``timesteps``, an SNN notion, do not repeat it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dse import Technology
from dse_systolic.designs import Designs
from dse_systolic.geometry import LayerShape, Widths
from dse_systolic.mapping import IS, OS, WS, Count, Folding, fold, spatial
from dse_systolic.rates import Rates, RegisterRates, view_lookup, width_lookup, widths
from dse_systolic.traffic import Traffic, gemm_traffic, stall_cycles, vector_traffic

#: I-BERT evaluates exp and GELU as a second-order polynomial a(x + b)² + c after a shift
#: (Kim et al., ICML 2021, i-exp and i-GELU): two adds and two multiplies per evaluation.
NONLINEAR_ADDS, NONLINEAR_MULS = 2, 2

COMPONENTS: tuple[str, ...] = (
    "compute", "register", "sram_ifmap_read", "sram_ifmap_write", "sram_filter_read", "sram_filter_write",
    "sram_ofmap_read", "sram_ofmap_write", "sram_accumulator_read", "sram_accumulator_write", "dram", "leakage",
)


@dataclass(frozen=True)
class Group:
    """Designs that share a dataflow and a latency model, with the chip-level facts of each."""

    designs: Designs
    dataflow: int
    scalesim: bool
    rates: Rates
    weights_resident: np.ndarray


@dataclass(frozen=True)
class LayerArrays:
    """A layer's results on the designs of a group (numbers or arrays over the designs)."""

    breakdown: dict[str, np.ndarray | float]  # pJ, keys COMPONENTS
    latency_cycles: np.ndarray | float
    utilization: np.ndarray | None
    counts: dict[str, np.ndarray | float]
    memory_fits: np.ndarray | bool


def evaluate_layer(shape: LayerShape, group: Group, technology: Technology, w: Widths | None = None) -> LayerArrays:
    """The cost of ``shape`` on every design of ``group`` (``w``: widths(shape, group.designs), when
    already known)."""
    if shape.kind == "free":
        return LayerArrays({key: 0.0 for key in COMPONENTS}, 0.0, None, {}, True)
    w = widths(shape, group.designs) if w is None else w
    if shape.kind == "gemm":
        return _gemm(shape, group, technology, w)
    return _vector(shape, group, technology, w)


def layer_fits(shape: LayerShape, group: Group, w: Widths) -> LayerArrays:
    """Only whether ``shape`` fits on chip on every design of ``group`` (a layer whose costs nobody
    reads): no breakdown, NaN cycles."""
    fits = _stationary_fits(shape, w, group) if shape.kind == "gemm" else True
    return LayerArrays({}, math.nan, None, {}, fits)


def _gemm(shape: LayerShape, group: Group, technology: Technology, w: Widths) -> LayerArrays:
    d, r, dataflow = group.designs, group.rates, group.dataflow
    f = fold(shape, d, dataflow, group.scalesim, w)
    t = gemm_traffic(shape, f, w, d, dataflow, group.scalesim, group.weights_resident)
    busy = f.compute_cycles + f.refill_cycles
    stalls = 0.0 if group.scalesim else stall_cycles(t, busy, f.folds * f.chunks, d)
    latency = busy + stalls

    nonzero = shape.connections * shape.input_density
    registers = _registers(shape, f, w, d, dataflow, nonzero, r.registers)

    psum_writes = f.ofmap_writes - f.outputs
    staged = _staged_operand(shape, t)
    # with an accumulator buffer (ws, is) every fold's partial sums go there and the finished
    # sums are read out once to be written, activation wide, to the ofmap SRAM
    buffered = (d.accumulator_bits_sram > 0) & (dataflow != OS)
    buffer = bool(buffered.any())
    if buffer:
        ofmap_psum_reads, ofmap_psum_writes = (np.where(buffered, 0.0, n) for n in (f.psum_reads, psum_writes))
        accumulated = np.where(buffered, psum_writes + f.outputs, 0.0) * w.accumulator
        read_out = np.where(buffered, f.psum_reads + f.outputs, 0.0) * w.accumulator
    else:  # the same numbers, without the passes over the designs
        ofmap_psum_reads, ofmap_psum_writes, accumulated, read_out = f.psum_reads, psum_writes, 0, 0
    breakdown = {
        "compute": _mac_energy(shape, w, d, technology, nonzero),
        "register": registers.energy,
        "sram_ifmap_read": f.ifmap_reads * w.activation * r.ifmap_read,
        "sram_ifmap_write": t.ifmap_fills * w.activation * r.ifmap_write,
        "sram_filter_read": f.filter_reads * w.weight * r.filter_read,
        "sram_filter_write": (t.filter_fills + staged) * w.weight * r.filter_write,
        "sram_ofmap_read": ((ofmap_psum_reads + t.psum_spills) * w.accumulator
                            + (t.output_writebacks + staged) * w.activation) * r.ofmap_read,
        "sram_ofmap_write": (f.outputs * w.activation
                             + (ofmap_psum_writes + t.psum_spills) * w.accumulator) * r.ofmap_write,
        "sram_accumulator_read": read_out * r.accumulator_read if buffer else 0.0,
        "sram_accumulator_write": accumulated * r.accumulator_write if buffer else 0.0,
        "dram": _dram_energy(t, technology),
        "leakage": technology.leakage_energy(r.area_mm2, latency / d.hz),
    }
    counts = {
        "macs": shape.macs,
        "nonzero_macs": nonzero,
        "compute_cycles": f.compute_cycles,
        "refill_cycles": f.refill_cycles,
        "stall_cycles": stalls,
        "folds": f.folds,
        "chunks": f.chunks,
        "mapping_efficiency": f.mapping_efficiency,
        "sram_ifmap_reads": f.ifmap_reads,
        "sram_filter_reads": f.filter_reads,
        "sram_ofmap_writes": f.ofmap_writes,
        "sram_psum_reads": f.psum_reads,
        "register_write_bits": registers.written,
        "register_read_bits": registers.read,
        "staged_operand_words": staged,
        **_traffic_counts(t),
    }
    # SCALE-Sim's count can fall below MACs / PEs (its -1; 0 cycles for a 1x1x1 GEMM on one PE)
    utilization = shape.macs / np.maximum(latency * d.rows * d.cols, shape.macs)
    return LayerArrays(breakdown, latency, utilization, counts, _stationary_fits(shape, w, group))


def _staged_operand(shape: LayerShape, t: Traffic) -> Count:
    """Words of a matmul's B copied on chip from the ofmap SRAM (where its layer wrote it) into the
    filter SRAM: all of B unless it comes from DRAM (then the DRAM fill writes it)."""
    if not shape.activation_operand:
        return 0
    words = shape.groups * shape.window * shape.filters
    return words * (t.filter_fills == 0)


def _mac_energy(shape: LayerShape, w: Widths, d: Designs, technology: Technology,
                nonzero: float | np.ndarray) -> np.ndarray:
    """MACs x MAC energy; with zero gating, a zero-activation MAC costs its 1-bit flag instead. In
    merged views, what depends only on the view is computed per view and gathered (the same values)."""
    mac, view = view_lookup(technology.mac_energy, w, "weight", "activation", "accumulator")
    if view is not None and shape.views is not None:
        nonzero = shape.connections * shape.views.values.get("input_density", shape.input_density)
    gate = np.minimum(technology.register_energy(1), mac)
    ungated, saving = shape.macs * mac, (shape.macs - nonzero) * (mac - gate)
    if view is not None:
        ungated, saving = np.asarray(ungated)[view], np.asarray(saving)[view]
    return ungated - saving * d.zero_gating  # never above the ungated energy, even after rounding


@dataclass(frozen=True)
class RegisterAccesses:
    """A layer's PE register traffic: bits written, bits read, and their energy (pJ)."""

    written: np.ndarray | float
    read: np.ndarray | float
    energy: np.ndarray | float


def _registers(shape: LayerShape, f: Folding, w: Widths, d: Designs, dataflow: int, nonzero: float,
               price: RegisterRates) -> RegisterAccesses:
    """Bits written into and read from the PEs' weight, input and output registers (and the line
    buffer's input words, which enter the input registers), each at its operand's price."""
    # with gating a zero activation moves as its 1-bit flag and the MAC it feeds does not work
    gated = (shape.macs - nonzero) / shape.macs * d.zero_gating
    working = shape.macs * (1 - gated)
    activation = w.activation - gated * (w.activation - 1)  # mean bits written per activation word
    weight_words = shape.macs if dataflow != WS else f.stationary_loads
    input_words = (shape.macs if dataflow != IS else f.stationary_loads) + f.delivered_inputs
    # ws/is pass every sum down to the next PE; os adds into its own register on working MACs only
    sums = working if dataflow == OS else shape.macs
    drained = f.stationary_loads if dataflow == OS else 0  # finished os sums shift out of the array
    writes = (weight_words * w.weight * price.weight_write + input_words * activation * price.input_write
              + (sums + drained) * w.accumulator * price.output_write)
    # a stationary register that holds one value is read for free (its output is latched); a ws PE
    # that holds several weights reads the one each MAC needs
    weight_reads = working * f.switching if dataflow == WS else working
    input_reads = 0 if dataflow == IS else working
    reads = (weight_reads * w.weight * price.weight_read + input_reads * w.activation * price.input_read
             + sums * w.accumulator * price.output_read)
    written = weight_words * w.weight + input_words * activation + (sums + drained) * w.accumulator
    read = weight_reads * w.weight + input_reads * w.activation + sums * w.accumulator
    return RegisterAccesses(written, read, writes + reads)


def _stationary_fits(shape: LayerShape, w: Widths, group: Group) -> np.ndarray:
    """Whether one fold's stationary tile fits the active half of the SRAM it is staged in."""
    d = group.designs
    sr, sc, _ = spatial(shape, group.dataflow, group.scalesim)
    deep = d.weight_register_words if group.dataflow == WS and not group.scalesim else 1  # mapping.py
    tile = np.minimum(d.rows * deep, sr) * np.minimum(d.cols, sc)
    bits, sram = {OS: (w.activation, d.ofmap_bits), WS: (w.weight, d.filter_bits),
                  IS: (w.activation, d.ifmap_bits)}[group.dataflow]
    return tile * bits * 2 <= sram


def _vector(shape: LayerShape, group: Group, technology: Technology, w: Widths) -> LayerArrays:
    d, r = group.designs, group.rates
    t = vector_traffic(shape, w, d)
    compute_cycles = np.ceil(shape.vector_ops / d.vector_lanes)
    stalls = 0.0 if group.scalesim else stall_cycles(t, compute_cycles, compute_cycles, d)
    latency = compute_cycles + stalls
    reads = sum(shape.input_words)
    breakdown = {
        "compute": _vector_energy(shape, w, d, technology),
        "register": 0.0,
        "sram_ifmap_read": reads * w.activation * r.ifmap_read,
        "sram_ifmap_write": t.ifmap_fills * w.activation * r.ifmap_write,
        "sram_filter_read": 0.0,
        "sram_filter_write": 0.0,
        "sram_accumulator_read": 0.0,
        "sram_accumulator_write": 0.0,
        "sram_ofmap_read": t.output_writebacks * w.activation * r.ofmap_read,
        "sram_ofmap_write": shape.output_words * w.activation * r.ofmap_write,
        "dram": _dram_energy(t, technology),
        "leakage": technology.leakage_energy(r.area_mm2, latency / d.hz),
    }
    counts = {
        "vector_ops": shape.vector_ops,
        "vector_muls": shape.vector_muls,
        "vector_nonlinear": shape.vector_nonlinear,
        "compute_cycles": compute_cycles,
        "stall_cycles": stalls,
        "sram_ifmap_reads": reads,
        "sram_ofmap_writes": shape.output_words,
        **_traffic_counts(t),
    }
    return LayerArrays(breakdown, latency, None, counts, True)


def _vector_energy(shape: LayerShape, w: Widths, d: Designs, technology: Technology) -> np.ndarray | float:
    """Adds, multiplies and nonlinear evaluations at activation width (pJ). A nonlinear evaluation
    costs ``nonlinear_pj``, or I-BERT's second-order polynomial a(x + b)² + c: two adds and two
    multiplies (Kim et al., ICML 2021; docs/references/transformers.md)."""
    add = width_lookup(technology.add_energy, w, "activation")
    energy = (shape.vector_ops - shape.vector_muls - shape.vector_nonlinear) * add
    if shape.vector_muls or shape.vector_nonlinear:
        mul = width_lookup(technology.mul_energy, w, "activation", "activation")
        polynomial = NONLINEAR_ADDS * add + NONLINEAR_MULS * mul
        nonlinear = np.where(d.nonlinear_pj > 0, d.nonlinear_pj, polynomial)
        energy = energy + shape.vector_muls * mul + shape.vector_nonlinear * nonlinear
    return energy


def _dram_energy(t: Traffic, technology: Technology) -> np.ndarray | float:
    """DRAM bits read and written, each at its price (pJ)."""
    return technology.dram_energy(t.dram_read_bits) + technology.dram_write_energy(t.dram_write_bits)


def _traffic_counts(t: Traffic) -> dict[str, np.ndarray | float]:
    return {
        "dram_ifmap_words": t.ifmap_fills,
        "dram_filter_words": t.filter_fills,
        "dram_output_words": t.output_writebacks,
        "dram_psum_words": 2 * t.psum_spills,
        "dram_bits": t.dram_bits,
        "dram_read_bits": t.dram_read_bits,
        "dram_write_bits": t.dram_write_bits,
    }
