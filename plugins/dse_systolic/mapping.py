"""How a GEMM layer folds onto the array: compute cycles, mapping efficiency, SRAM accesses.

Per group the GEMM (Npx x K)·(K x M) puts two dimensions on the array and one in time
(docs/references/scalesim.md):

    dataflow  Sr (rows)  Sc (cols)  T (time)   stationary  streamed along rows  along cols
    os        Npx        M          K          ofmap       ifmap                filter
    ws        K          M          Npx        filter      ifmap                ofmap (psums)
    is        K          Npx        M          ifmap       filter               ofmap (psums)

Fr = ceil(Sr/rows), Fc = ceil(Sc/cols) folds; a tile is the part of a fold the data fills.
The scalesim model counts Npx as SCALE-Sim does (geometry.scalesim_outputs), the other
PyTorch's way.

``latency_model: scalesim`` is SCALE-Sim v3's ideal-bandwidth model, exactly (every group g
of a grouped or depthwise conv is its own layer, so each pays its fill, drain and -1):

    compute cycles  = g·(Fr·Fc·(T + a·rows + cols − 2) − 1),  a = 1 (os), 2 (ws, is)
    mapping eff.    = Sr·Sc / (Fr·Fc·rows·cols)
    row-streamed    = g·Fc·Sr·T words,  col-streamed = g·Fr·Sc·T,  stationary = g·Sr·Sc
    ifmap reads     = row-streamed (os, ws) | stationary (is)
    filter reads    = col-streamed (os) | stationary (ws) | row-streamed (is)
    ofmap writes    = g·Npx·M + g·Fr·Fc·(rows + cols) (os) | col-streamed (ws, is)

``latency_model: bandwidth`` (dse's own mapping) keeps a fill and a drain per fold but
counts them over the rows r and columns c the fold uses (a partial tile sits against the
edges its data enters and leaves by), and drains an output-stationary fold too (the
SCALE-Sim paper's 2·rows + cols + T − 2, scale-sim-v3 issue #4). Summed over the natural
tiling (full tiles and one remainder), Σ r = Sr per column fold and Σ c = Sc per row fold:

    compute cycles  = P·Fr·Fc·(T − 2) + g·(2·Fc·Sr + Fr·Sc)

Small groups are packed p to a pass along the array's diagonal (each group owns a
Sr x Sc block, the other PEs idle): p = min(g, rows // Sr, cols // Sc) when T ≥ 2 (at T = 1
packing would cost a cycle per pass), else 1; P = ceil(g/p) passes; without packing P = g.
Every term falls or stays when rows or cols grow (Sr ≥ Fr and Sc ≥ Fc), so compute cycles
never increase with the array (SCALE-Sim's own count can: a 1-fold layer pays for the rows
it does not use). Its SRAM counts drop SCALE-Sim's output-stationary over-count (ofmap
writes = g·Npx·M) and read the input once per pass through a line buffer that fans each
word to the R·S window positions that need it (Eyeriss's convolutional reuse, Chen et al.,
JSSC 2017): ifmap reads = g·Fc·U (os, ws), g·U·n (is, n chunks below), U = min(K·Npx,
C/g·H·W) per group. A design without one (``line_buffer: false``) reads the SRAM as the
scalesim model counts: every word the array consumes (row-streamed for os and ws, stationary
for is).

A weight-stationary PE with a weight register file of n words (``weight_register_words``,
bandwidth model; ZigZag's tpu_like has 128 bytes) holds n terms of its column's reduction:
for each output pixel it does its n MACs one after the other, adding them in its output
register, and passes the sum on. A row fold then spans rows·n reduction terms, so Fr =
ceil(Sr / (rows·n)) and the partial sums leave the array n times less often; the fold's time
grows by its depth ceil(terms / rows), so over a column fold the time steps still sum to
ceil(Sr / rows)·T (one MAC per PE per cycle), and the fills and drains are counted over the
fewer folds (deep_row_folds):

    compute cycles  = P·Fc·ceil(Sr/rows)·T − 2·P·Fr·Fc + g·(2·Fc·Σr + Fr·Sc)

With n = 1 this is the formula above. The scalesim model has one weight per PE, as SCALE-Sim.

The bandwidth model cuts a ws or is fold's time into chunks whose partial sums fit the
ofmap SRAM's active half (min(cols, Sc) words a step at accumulator width): n = ceil(T /
steps), steps = floor(ofmap bits / 2 / (min(cols, Sc)·accumulator bits)). Each chunk runs
through every row fold, reloading the stationary tile (stationary reads and loads x n) and
paying its own fill and drain: refill cycles = (n − 1)·Σ (2r + c − 2) over the folds. They
count as memory cycles, not compute cycles, which are those of SRAMs big enough for any
tile. When not one step fits, n = 1 and the partial sums spill to DRAM (traffic.py).

In both models the partial sums of a ws or is layer go back to the ofmap SRAM after every
row fold but the last (SCALE-Sim's convention) and are read back to be accumulated:
psum writes = psum reads = g·(Fr − 1)·Sc·T.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dse_systolic.designs import Designs
from dse_systolic.geometry import LayerShape, Widths

OS, WS, IS = 0, 1, 2  # codes of DATAFLOWS

Count = np.ndarray | int  # words or cycles: per design, or one number for all


@dataclass(frozen=True)
class Folding:
    """A GEMM layer on N designs of one dataflow (float64 arrays of exact integers, or ints)."""

    spatial_rows: int  # Sr
    spatial_cols: int  # Sc
    time: int  # T
    row_folds: np.ndarray  # Fr
    col_folds: np.ndarray  # Fc
    folds: np.ndarray  # folds over the layer: P·Fr·Fc
    chunks: Count  # pieces a ws/is fold's time is cut into so its partial sums fit the ofmap SRAM
    compute_cycles: np.ndarray  # with SRAMs big enough for any tile
    refill_cycles: Count  # the extra fills and drains of the chunks
    mapping_efficiency: np.ndarray
    ifmap_reads: Count
    filter_reads: Count
    stationary_loads: Count  # stationary words written into the PEs (once per chunk)
    outputs: int  # final output words
    ofmap_writes: Count  # final outputs and partial sums
    psum_reads: Count
    delivered_inputs: Count  # words the line buffer hands the array (0 without one)
    switching: Count = 0  # fraction of a ws layer's MACs whose PE holds several weights and switches between them


def spatial(shape: LayerShape, dataflow: int, scalesim: bool = False) -> tuple[int, int, int]:
    """(Sr, Sc, T) of one group of the layer (with SCALE-Sim's output count for ``scalesim``)."""
    npx, k, m = shape.scalesim_pixels if scalesim else shape.pixels, shape.window, shape.filters
    return {OS: (npx, m, k), WS: (k, m, npx), IS: (k, npx, m)}[dataflow]


def fold(shape: LayerShape, d: Designs, dataflow: int, scalesim: bool, w: Widths) -> Folding:
    """Folds, cycles and SRAM accesses of a GEMM layer on designs of one dataflow and latency model.

    Counts are float64 arrays: every value is an integer below 2⁵³, so exact, and a ceiling
    of a float quotient is exact too (a non-integer quotient of such numbers is at least
    1/rows away from an integer, far beyond its rounding error).
    """
    g = shape.groups
    sr, sc, t = spatial(shape, dataflow, scalesim)
    npx = shape.scalesim_pixels if scalesim else shape.pixels
    rows, cols = d.rows, d.cols
    fr, fc = np.ceil(sr / rows), np.ceil(sc / cols)
    chunks: Count = 1
    refill: Count = 0
    switching: Count = 0
    if scalesim:  # whole numbers below 2**53: any order of these products and sums is exact
        fr_fc = fr * fc
        folds = fr_fc if g == 1 else g * fr_fc
        fill = 1 if dataflow == OS else 2
        compute = fr_fc * ((rows if fill == 1 else fill * rows) + cols + (t - 2)) - 1
        compute = compute if g == 1 else g * compute
        efficiency = (g * sr * sc) / (folds * rows * cols)
    else:
        pack = np.clip(np.minimum(np.floor(rows / sr), np.floor(cols / sc)), 1, g) if g > 1 and t >= 2 else 1
        passes = np.ceil(g / pack)
        efficiency = (g * sr * sc) / (passes * fr * fc * rows * cols)
        if dataflow == WS and (d.weight_register_words > 1).any():
            steps, fr, used_rows = fr, *deep_row_folds(sr, rows, d.weight_register_words)
            # the terms of folds more than one weight deep: every fold but the last when n > 1,
            # the last when its remainder exceeds the rows
            n = d.weight_register_words
            last = sr - (fr - 1) * rows * n
            switching = ((fr - 1) * rows * n * (n > 1) + last * (last > rows)) / sr
            folds = passes * fr * fc
            edges = g * (2 * fc * used_rows + fr * sc)  # Σ (2r + c) over the folds
            compute = passes * fc * steps * t - 2 * folds + edges
        else:
            folds = passes * fr * fc
            edges = g * (2 * fc * sr + fr * sc)  # Σ (2r + c) over the folds
            compute = folds * (t - 2) + edges
        if dataflow != OS:
            chunks = psum_chunks(np.minimum(cols, sc), t, w, d)
            refill = (chunks - 1) * (edges - 2 * folds)

    row_streamed, col_streamed, stationary = (g * sr * t) * fc, (g * sc * t) * fr, (g * sr * sc) * chunks
    outputs, unique, im2col = g * npx * shape.filters, g * shape.unique_inputs, g * shape.window * npx
    psum_reads = 0 if dataflow == OS else col_streamed - outputs
    if dataflow == OS:
        ifmap, filt = row_streamed, col_streamed
        ofmap = outputs + folds * (rows + cols) if scalesim else outputs
    elif dataflow == WS:
        ifmap, filt, ofmap = row_streamed, stationary, col_streamed
    else:
        ifmap, filt, ofmap = stationary, row_streamed, col_streamed
    delivered: Count = 0
    if not scalesim and d.line_buffer.any():  # the line buffer: each input word read once per pass
        reads = chunks if dataflow == IS else fc  # per chunk (stationary) or per column fold (streamed)
        buffered, delivered = reads * unique, reads * im2col
        if d.line_buffer.all():
            ifmap = buffered
        else:
            ifmap, delivered = np.where(d.line_buffer, buffered, ifmap), np.where(d.line_buffer, delivered, 0.0)
    return Folding(sr, sc, t, fr, fc, folds, chunks, compute, refill, efficiency, ifmap, filt, stationary,
                   outputs, ofmap, psum_reads, delivered, switching)


def deep_row_folds(sr: int, rows: np.ndarray, depth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row folds of a ws reduction of Sr terms on PEs that hold ``depth`` weights each, and the
    rows they use summed over one column fold (Σ r): every fold but the last spans rows·depth terms
    on all rows, the last its remainder on min(rows, remainder) rows."""
    folds = np.ceil(sr / (rows * depth))
    last = sr - (folds - 1) * rows * depth
    return folds, (folds - 1) * rows + np.minimum(rows, last)


def psum_chunks(tile_cols: np.ndarray, t: int, w: Widths, d: Designs) -> Count:
    """Chunks of T whose partial sums (tile_cols words a step, accumulator wide) fit the active half of
    the accumulator buffer (or, without one, the ofmap SRAM); 1 when not even one step fits (the partial sums then spill to DRAM, traffic.py)."""
    steps = np.floor(d.psum_bits / 2 / (tile_cols * w.accumulator))
    return 1 + (np.ceil(t / np.maximum(steps, 1)) - 1) * (steps >= 1)  # exact: whole numbers below 2**53
