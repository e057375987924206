"""DRAM traffic from a tiling that fits the SRAMs, and the stalls it causes (the bandwidth model).

Where data lives (both latency models; it sets the DRAM energy):

- Weights stay in the filter SRAM across inferences when the whole workload's weights fit
  in it (Σ weights·weight_bits ≤ filter SRAM bits); otherwise every layer streams its
  weights from DRAM on every inference.
- An activation tensor between two layers stays on chip when it fits both the ofmap SRAM
  that receives it and the ifmap SRAM that reads it next (words·bits ≤ min(ifmap, ofmap
  SRAM bits)); otherwise it is written to DRAM and read back from it. The network's input
  is on chip when it fits the ifmap SRAM (the host writes it there), its output when it
  fits the ofmap SRAM (the host reads it there); else they go through DRAM.

A tensor that lives in DRAM is tiled through the active half of its double-buffered SRAM
(SCALE-Sim's convention: half of each SRAM is filled while the other half is read). Folds
are visited column fold by column fold, then chunk by chunk of T (ws/is, mapping.py), row
folds inside, so a column's partial sums finish before the next column starts. Per group,
in words:

- the row-streamed input (the ifmap for os/ws, U words; the weights for is, K·M words) is
  fetched once if it fits the active half, else once per column fold (Fc times);
- the column-streamed input (the weights for os) is fetched once if one column tile
  (min(cols, Sc)·T words) fits the active half, else once per row fold (Fr times);
- the stationary input (the weights for ws, the ifmap for is) is fetched once if it fits
  the active half, else once per chunk of T (mapping.py; 1 chunk in the scalesim model);
- outputs are written once (Npx·M words). The partial sums of a ws/is column tile stay in
  the ofmap SRAM's active half while they fit: the bandwidth model cuts T into chunks so
  that they do (mapping.py), the scalesim model keeps them over all of T (min(cols, Sc)·T
  words at accumulator width). When they do not fit (in the bandwidth model, not even one
  step of them), (Fr − 1)·Sc·T partial sums spill to DRAM and come back.

Stalls (``latency_model: bandwidth`` only): the layer moves D = DRAM bytes /
dram_bytes_per_cycle cycles of data, spread evenly over its n tiles (folds x chunks).
Double buffering overlaps each tile's transfer with the previous tile's work, all but the
first's:

    stall cycles = ceil(D/n + max(0, D − D/n − (compute + refill cycles)))

A vector-unit layer streams element by element (n = its compute cycles).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dse_systolic.designs import Designs
from dse_systolic.geometry import Bits, LayerShape, Widths
from dse_systolic.mapping import OS, WS, Count, Folding


@dataclass(frozen=True)
class Traffic:
    """Words moved between DRAM and the SRAMs by one layer."""

    ifmap_fills: Count  # DRAM → ifmap SRAM
    filter_fills: Count  # DRAM → filter SRAM
    output_writebacks: Count  # ofmap SRAM → DRAM, activation words
    psum_spills: Count  # partial sums to DRAM, and the same number back
    dram_bits: Count


def input_on_chip(shape: LayerShape, operand: int, bits: Bits, d: Designs) -> np.ndarray:
    """Whether input tensor ``operand`` of the layer is on chip when the layer starts."""
    room = d.ifmap_bits if shape.input_external[operand] else d.activation_room
    return shape.input_words[operand] * bits <= room


def output_on_chip(shape: LayerShape, bits: Bits, d: Designs) -> np.ndarray:
    """Whether the layer's output stays on chip."""
    room = d.ofmap_bits if shape.output_external else d.activation_room
    return shape.output_words * bits <= room


def gemm_traffic(shape: LayerShape, f: Folding, w: Widths, d: Designs, dataflow: int, scalesim: bool,
                 weights_resident: np.ndarray) -> Traffic:
    """DRAM words of a GEMM layer on designs of one dataflow."""
    g, unique, weights = shape.groups, shape.unique_inputs, shape.window * shape.filters
    col_tile = np.minimum(d.cols, f.spatial_cols) * f.time
    if dataflow == OS:
        ifmap = g * unique * _refetch(unique * w.activation, d.ifmap_bits, f.col_folds)
        filt = g * weights * _refetch(col_tile * w.weight, d.filter_bits, f.row_folds)
    elif dataflow == WS:
        ifmap = g * unique * _refetch(unique * w.activation, d.ifmap_bits, f.col_folds)
        filt = g * weights * _refetch(weights * w.weight, d.filter_bits, f.chunks)
    else:
        ifmap = g * unique * _refetch(unique * w.activation, d.ifmap_bits, f.chunks)
        filt = g * weights * _refetch(weights * w.weight, d.filter_bits, f.col_folds)
    spills: Count = 0
    if dataflow != OS:  # the psums of a column tile over all of T (scalesim) or one step (bandwidth)
        held = col_tile if scalesim else np.minimum(d.cols, f.spatial_cols)
        spills = (g * f.spatial_cols * f.time) * (f.row_folds - 1) * (held * w.accumulator * 2 > d.ofmap_bits)
    ifmap = ifmap * ~input_on_chip(shape, 0, w.activation, d)
    filt = filt * ~weights_resident
    writebacks = shape.output_words * ~output_on_chip(shape, w.activation, d)
    dram_bits = (ifmap + writebacks) * w.activation + filt * w.weight + 2 * spills * w.accumulator
    return Traffic(ifmap, filt, writebacks, spills, dram_bits)


def _refetch(words_bits: Count, sram_bits: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """1 when the operand fits the active half of its SRAM, else once per fold of the outer loop."""
    return folds - (folds - 1) * (words_bits * 2 <= sram_bits)  # exact: whole numbers below 2**53


def vector_traffic(shape: LayerShape, w: Widths, d: Designs) -> Traffic:
    """DRAM words of a pooling or add layer: operands that live in DRAM are read once."""
    ifmap = sum(words * ~input_on_chip(shape, operand, w.activation, d)
                for operand, words in enumerate(shape.input_words))
    writebacks = shape.output_words * ~output_on_chip(shape, w.activation, d)
    dram_bits = (ifmap + writebacks) * w.activation
    return Traffic(ifmap, 0, writebacks, 0, dram_bits)


def stall_cycles(traffic: Traffic, compute: np.ndarray, tiles: np.ndarray, d: Designs) -> np.ndarray:
    """Cycles the array waits for DRAM under double buffering."""
    transfer = traffic.dram_bits / 8 / d.dram_bytes_per_cycle
    first = transfer / tiles
    return np.ceil(first + np.maximum(0.0, transfer - first - compute))
