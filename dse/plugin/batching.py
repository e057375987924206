"""Batches of design points cut into chunks, and a backend's costs layer by layer over a batch.

A vectorised ``cost_batch`` keeps a few dozen float64 arrays of its batch's length alive per
layer. Cut into chunks of :data:`CHUNK_ROWS` designs, that working set is some megabytes
whatever the batch size (10⁶ designs of ResNet-18 then need no more memory than 10⁴), and
it stays in the processor's cache, which makes the arithmetic faster too
(benchmarks/systolic_throughput.py and snn_throughput.py print both figures).

:class:`LayerBatch` is what a composite backend (a hybrid) needs of the engines it builds
on: each design's energy and cycles per layer, and its chip totals. ``Backend.layer_batch``
builds it by calling ``cost`` per design; vectorised backends override it.

Energy totals of a batch are plain float64 sums (per layer over its breakdown, then over the
layers, in that order), where ``Cost.energy_pj`` rounds its sums once (``math.fsum``). For
the non-negative terms of an energy breakdown, a recursive sum of n terms is within
(n − 1)·u/(1 − (n − 1)·u) of the exact sum, relatively (u = 2⁻⁵³; Higham, *Accuracy and
Stability of Numerical Algorithms*, 2nd ed., 2002, §4.2), so a batch total differs from
``Cost.energy_pj`` by less than (c + L)·2⁻⁵³ of it for c components and L layers: 5·10⁻¹⁵
for 12 components and 32 layers, far below the kit's tolerance (dse.testing.BATCH_REL_TOL).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import polars as pl

#: Designs per chunk: a float64 array of 8192 is 64 KiB, so a layer's temporaries stay in the
#: processor's caches and below glibc's 128 KiB mmap threshold (each comes from the heap, not
#: from a fresh mapping that page-faults). Of 4096 to 32768 designs, 8192 was fastest for the
#: systolic backend on ResNet-18 (CPU time, AMD EPYC, 1 MiB L2 per core; 16384: 10 % slower,
#: 4096: 25 % slower).
CHUNK_ROWS = 8192
#: Chunks whose rows ``in_chunks`` gathers in one call when it reorders a batch: a gather costs some
#: 25 µs per column whatever its length, and 8 chunks of a few dozen columns are some megabytes.
GATHERED_CHUNKS = 8


def in_chunks(block: Callable[[pl.DataFrame], pl.DataFrame], params: pl.DataFrame, rows: int | None = None,
              by: Sequence[str] = ()) -> pl.DataFrame:
    """``block`` (a backend's ``cost_batch`` on one chunk) applied to chunks of at most ``rows`` rows
    (default :data:`CHUNK_ROWS`) of ``params``, its results in the order of ``params``; an empty
    ``params`` gives an empty batch frame.

    With ``by``, rows are ordered by those columns (those present), the first varying least,
    before they are cut: rows that share their values go into the same chunks, and a chunk
    spans as few values of the first columns as the batch allows. A backend that evaluates
    such rows as one group (a dataflow, a latency model) then works on whole chunks instead of
    a few slivers of each (``Backend.batch_groups``).
    """
    import polars as pl

    from dse.plugin.frame import BATCH_COLUMNS, batch_schema

    n, rows = params.height, rows or CHUNK_ROWS
    if n == 0:
        return pl.DataFrame(schema=batch_schema())
    if n <= rows:
        return block(params)
    rows = -(-n // -(-n // rows))  # chunks of equal size, none larger: no small last chunk to pay for alone
    # each column by a key equal for equal values (_order_key), the first column's most significant:
    # sorting brings equal rows together (two values that share a key only mix two groups in a chunk,
    # which costs time, never correctness; rows are costed one by one, so their order in a chunk
    # changes no number)
    ordered = (_order_key(params.get_column(c)) for c in dict.fromkeys(by) if c in params.columns)
    keys = [key for key in ordered if key.min() != key.max()]  # a column of one value orders nothing
    order = np.argsort(_packed(keys)) if keys else None  # None: one group, the chunks are slices
    # each chunk's results go straight to their rows: no list of chunk frames, no concatenated copy
    out = {name: np.empty(n, dtype=bool if name == "memory_fits" else np.float64) for name in BATCH_COLUMNS[:6]}
    errors: list[str | None] = []
    index: slice | np.ndarray
    for start in range(0, n, rows):
        if order is None:
            index, part = slice(start, start + rows), block(params.slice(start, rows))
        else:
            if start % (rows * GATHERED_CHUNKS) == 0:  # rows gathered a few chunks at a time: one call each
                gathered = params[order[start:start + rows * GATHERED_CHUNKS]]
            index = order[start:start + rows]
            part = block(gathered.slice(start % (rows * GATHERED_CHUNKS), rows))
        for name, values in out.items():
            values[index] = part[name].to_numpy()
        if part["error"].null_count() < part.height:
            errors = errors or [None] * n
            for row, error in zip(np.arange(n)[index].tolist(), part["error"].to_list(), strict=True):
                errors[row] = error
    error = pl.Series("error", errors, dtype=pl.String) if errors else pl.repeat(None, n, dtype=pl.String, eager=True)
    return pl.DataFrame({**out, "error": error}, schema=batch_schema())


def _order_key(column: pl.Series) -> np.ndarray:
    """A uint64 per row of ``column``, equal for equal values, its high bits the most telling: an
    integer's (or flag's) offset from the column's smallest, shifted to the top, so that sorting keeps
    the numbers' order and a chunk takes a range of them (a hybrid's split: a range of splits uses a
    range of each engine's layers); any other value's hash."""
    import polars as pl

    if not (column.dtype.is_integer() or column.dtype == pl.Boolean) or column.null_count():
        return np.asarray(column.hash().to_numpy(), dtype=np.uint64)
    values = column.to_numpy().astype(np.int64)
    offset = (values - values.min()).view(np.uint64)  # below 2**64, even where int64 wraps
    width = int(offset.max()).bit_length()
    key: np.ndarray = offset << np.uint64(64 - width) if width else offset
    return key


def _packed(keys: list[np.ndarray]) -> np.ndarray:
    """One sort key of several columns' keys (_order_key): the top 64 // k bits of each of the first k
    (k <= 16), the first most significant, so that rows equal in those columns have equal keys, and
    rows equal in the first columns are next to each other once sorted."""
    keys = keys[:16]
    bits = 64 // len(keys)
    packed = np.zeros(len(keys[0]), dtype=np.uint64)
    for column in keys:
        packed <<= np.uint64(bits)
        packed |= column >> np.uint64(64 - bits)
    return packed


@dataclass(frozen=True)
class LayerBatch:
    """Many designs costed layer by layer: row i is design i, column j layer j of the workload.

    A design with an ``error`` (invalid parameters, or no finite cost) has NaN numbers.
    """

    energy_pj: np.ndarray  # (designs, layers): each layer's breakdown summed (pJ)
    latency_cycles: np.ndarray  # (designs, layers): cycles each layer occupies its engine
    total_cycles: np.ndarray  # (designs,): cycles per inference, as Cost.latency_cycles
    clock_mhz: np.ndarray  # (designs,) MHz
    area_mm2: np.ndarray  # (designs,) mm²
    memory_fits: np.ndarray  # (designs,) bool
    error: list[str | None]  # (designs,) None where the design was costed

    @classmethod
    def empty(cls, n: int, layers: int) -> LayerBatch:
        """``n`` designs of ``layers`` layers, all NaN, none fitting, none failed: to be patched."""
        nan = np.full((2, n, layers), np.nan)
        totals = np.full((3, n), np.nan)  # cycles, clock, area
        return cls(nan[0], nan[1], totals[0], totals[1], totals[2], np.zeros(n, dtype=bool), [None] * n)

    def total_energy(self) -> np.ndarray:
        """Energy per inference of each design (pJ): its layers' energies added left to right."""
        total = np.zeros(self.energy_pj.shape[0])
        for column in self.energy_pj.T:
            total += column
        return total

    def patch(self, rows: np.ndarray, other: LayerBatch) -> None:
        """Overwrite the designs at ``rows`` (in order) with the designs of ``other``, in place."""
        for name in ("energy_pj", "latency_cycles", "total_cycles", "clock_mhz", "area_mm2", "memory_fits"):
            getattr(self, name)[rows] = getattr(other, name)
        if other.error.count(None) == len(other.error) and self.error.count(None) == len(self.error):
            return  # no message to write or to clear
        for row, error in zip(rows.tolist(), other.error, strict=True):
            self.error[row] = error

    def frame(self) -> pl.DataFrame:
        """The batch frame of these designs (dse.BATCH_COLUMNS), totals computed as ``Cost`` computes them."""
        import polars as pl

        from dse.plugin.frame import batch_schema

        energy = self.total_energy()
        seconds = self.total_cycles / (self.clock_mhz * 1e6)
        busy = seconds > 0
        power = np.divide(energy, seconds, out=np.zeros_like(energy), where=busy) * 1e-9
        n = len(self.error)
        failed = np.zeros(n, dtype=bool) if self.error.count(None) == n else \
            np.array([e is not None for e in self.error], dtype=bool)
        columns = {"energy_pj": energy, "latency_cycles": self.total_cycles, "latency_s": seconds,
                   "area_mm2": self.area_mm2, "power_mw": np.where(busy, power, 0.0)}
        if failed.any():  # as dse.plugin.types.failed_row does: NaN totals, memory_fits false
            columns = {name: np.where(failed, np.nan, values) for name, values in columns.items()}
        errors = pl.Series("error", self.error, dtype=pl.String) if failed.any() else \
            pl.Series("error", [None], dtype=pl.String).new_from_index(0, n)  # (pl.repeat: a query, 15x slower)
        return pl.DataFrame({**columns, "memory_fits": self.memory_fits & ~failed, "error": errors},
                            schema=batch_schema())

