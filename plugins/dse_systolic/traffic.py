"""DRAM traffic from a tiling that fits the SRAMs, and the stalls it causes (the bandwidth model).

Where data lives (both latency models; it sets the DRAM energy). Compulsory traffic is
always paid: the network's input comes from DRAM and its output goes back to it, and
weights are loaded from DRAM at least once per inference.

- Weights stay in the filter SRAM across inferences only when the user says so
  (``weights_resident: true``) and the whole workload's weights fit in it
  (Σ weights·weight_bits ≤ filter SRAM bits); otherwise every layer loads its weights from
  DRAM on every inference (once when they fit the active half of the filter SRAM, else as
  the tiling below refetches them).
- A matmul's second operand B (dse_systolic.geometry) takes the weights' place but is an
  activation of this inference: it comes from DRAM (refetched as weights are) only when it
  did not stay on chip, and is never resident across inferences.
- An activation tensor between two layers stays on chip when it fits both the ofmap SRAM
  that receives it and the ifmap SRAM that reads it next (words·bits ≤ min(ifmap, ofmap
  SRAM bits)); otherwise it spills: it is written to DRAM and read back from it. The
  network's input (a tensor no layer wrote) is read from DRAM, the network's output (a
  tensor no layer reads) written to DRAM.

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

Latency (``latency_model: bandwidth`` only): a roofline per layer. The layer moves
D = DRAM bytes / dram_bytes_per_cycle cycles of data (``memory_cycles``), spread evenly
over its n tiles (folds x chunks). Double buffering overlaps each tile's transfer with the
previous tile's work, all but the first's, so

    latency = max(compute + refill, D − D/n) + D/n,
    stall cycles = latency − (compute + refill) = ceil(D/n + max(0, D − D/n − (compute + refill)))

(the first tile's load is the fill; the last tile's outputs drain inside the array's own
drain). A vector-unit layer streams element by element (n = its compute cycles).
SCALE-Sim's ideal-bandwidth mode (``latency_model: scalesim``) has no memory term: its
latency is its compute cycles, exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

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
    dram_read_bits: Count  # fills of the ifmap and filter SRAMs, spilled partial sums coming back
    dram_write_bits: Count  # output write-backs, spilled partial sums going out

    @cached_property
    def dram_bits(self) -> Count:
        """Bits moved over the DRAM port, read and written."""
        return self.dram_read_bits + self.dram_write_bits


def input_from_dram(shape: LayerShape, operand: int, bits: Bits, d: Designs) -> np.ndarray | bool:
    """Whether input tensor ``operand`` of the layer is in DRAM when the layer starts: the network's
    input always is, another layer's output when it did not fit on chip."""
    if shape.input_external[operand]:
        return True
    return shape.input_words[operand] * bits > d.activation_room


def output_to_dram(shape: LayerShape, bits: Bits, d: Designs) -> np.ndarray | bool:
    """Whether the layer's output goes to DRAM: the network's output always does, another when it
    does not fit on chip."""
    if shape.output_external:
        return True
    return shape.output_words * bits > d.activation_room


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
        spills = (g * f.spatial_cols * f.time) * (f.row_folds - 1) * (held * w.accumulator * 2 > d.psum_bits)
    ifmap = ifmap * input_from_dram(shape, 0, w.activation, d)
    # a matmul's B is an activation of this inference: from DRAM only when it did not fit on chip
    filt = filt * (input_from_dram(shape, 1, w.weight, d) if shape.activation_operand else ~weights_resident)
    writebacks = shape.output_words * output_to_dram(shape, w.activation, d)
    psum_bits = spills * w.accumulator
    return Traffic(ifmap, filt, writebacks, spills, ifmap * w.activation + filt * w.weight + psum_bits,
                   writebacks * w.activation + psum_bits)


def _refetch(words_bits: Count, sram_bits: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """1 when the operand fits the active half of its SRAM, else once per fold of the outer loop."""
    return folds - (folds - 1) * (words_bits * 2 <= sram_bits)  # exact: whole numbers below 2**53


def vector_traffic(shape: LayerShape, w: Widths, d: Designs) -> Traffic:
    """DRAM words of a pooling or add layer: operands that live in DRAM are read once."""
    ifmap = sum(words * input_from_dram(shape, operand, w.activation, d)
                for operand, words in enumerate(shape.input_words))
    writebacks = shape.output_words * output_to_dram(shape, w.activation, d)
    return Traffic(ifmap, 0, writebacks, 0, ifmap * w.activation, writebacks * w.activation)


def stall_cycles(traffic: Traffic, compute: np.ndarray, tiles: np.ndarray, d: Designs) -> np.ndarray:
    """Cycles the array waits for DRAM under double buffering."""
    transfer = traffic.dram_bits / 8 / d.dram_bytes_per_cycle
    first = transfer / tiles
    return np.ceil(first + np.maximum(0.0, transfer - first - compute))
