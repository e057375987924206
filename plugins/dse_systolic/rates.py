"""What the technology charges each design: SRAM energy per bit by bank, and chip area.

Every number comes from the architecture's Technology. Its interpolating methods take
scalars, so they are evaluated once per distinct argument and spread over the designs;
the linear ones (registers, DRAM, SRAM area, leakage) take the arrays directly.

SRAM banks: every port of the array reads or writes one word per cycle, so each SRAM is
split into one bank per port it serves and an access costs the technology's energy for an
SRAM of the bank's size (bank bits = SRAM bits / banks): the SRAM streamed along the rows
(the ifmap for os and ws, the filter for is) has ``rows`` banks, the others (and the
accumulator buffer) ``cols``.

Area (mm²): rows·cols PEs, each a weight x activation multiplier, an accumulator adder and
three pipeline registers (weight, activation, partial sum; the weight register
``weight_register_words`` words deep), at the widest widths any layer uses; a vector unit of ``vector_lanes`` (default ``cols``) adders at activation width, and
as many multipliers when a layer multiplies or evaluates a nonlinear function there;
and the three SRAMs and the accumulator buffer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from dse import Technology
from dse_systolic.designs import REGISTER_FIELDS, Designs
from dse_systolic.geometry import Bits, LayerShape, Widths
from dse_systolic.mapping import IS


def lookup(fn: Callable[..., float], *keys: np.ndarray | int) -> np.ndarray | float:
    """``fn(*key)`` for every design, evaluated once per distinct key.

    Keys are arrays over the designs, or plain numbers shared by all; each array's values are
    numbered (_numbered), and the numbers combined into one mixed-radix code per design before
    looking for the distinct keys (a row-wise np.unique sorts rows as bytes: several times slower).
    The model passes at most three keys, so a code stays below TABLE_SPAN³ = 2⁴⁸ (no int64 overflow).
    """
    if not any(isinstance(k, np.ndarray) for k in keys):
        return fn(*keys)
    n = next(k for k in keys if isinstance(k, np.ndarray)).size
    columns = [_numbered(np.broadcast_to(k, n)) if isinstance(k, np.ndarray) else (np.asarray([k]), None)
               for k in keys]
    code = np.zeros(n, dtype=np.int64)
    for values, number in columns:
        if number is not None:
            code = code * len(values) + number
    distinct, inverse = _distinct(code)
    chosen = []
    for values, number in reversed(columns):
        chosen.append(values[distinct % len(values) if number is not None else np.zeros_like(distinct)].tolist())
        if number is not None:
            distinct = distinct // len(values)
    return np.array([fn(*key) for key in zip(*reversed(chosen), strict=True)], dtype=np.float64)[inverse]


#: Integer keys spanning fewer values than this are numbered by their offset from the smallest (a
#: table of that length, O(n)), rather than by np.unique's sort (O(n log n)): widths span a few dozen
#: bits, and the codes of a few of them their product.
TABLE_SPAN = 1 << 16


def _numbered(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate values of ``key`` (every value it takes among them) and each design's index into them."""
    if key.size and key.dtype.kind in "iu":
        low, high = int(key.min()), int(key.max())
        if high - low < TABLE_SPAN:
            return np.arange(low, high + 1), key - low
    return _distinct(key)


def _distinct(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of ``key`` in increasing order, and each design's index among them (as np.unique)."""
    if key.size and key.dtype.kind in "iu":
        low, high = int(key.min()), int(key.max())
        if high - low < TABLE_SPAN:
            offset = key - low
            present = np.zeros(high - low + 1, dtype=bool)
            present[offset] = True
            return np.flatnonzero(present) + low, (np.cumsum(present) - 1)[offset]
    distinct, inverse = np.unique(key, return_inverse=True)
    return distinct, inverse.reshape(-1)


def widths(shape: LayerShape, d: Designs) -> Widths:
    """The layer's widths, or arrays where some design overrides them or, in merged views, where the
    designs see views of other widths (bits)."""
    activation = _override(d.activation_bits, shape.activation_bits)
    # a matmul's stationary operand is an activation: it takes the activation width
    weight = activation if shape.activation_operand else _override(d.weight_bits, shape.weight_bits)
    total = weight + activation
    accumulator = _override(d.accumulator_bits, total)
    views = shape.views
    own = activation is shape.activation_bits and accumulator is total and \
        (shape.activation_operand or weight is shape.weight_bits)  # no design overrides a width
    if views is None or not own or not isinstance(activation, np.ndarray) and not isinstance(weight, np.ndarray):
        return Widths(weight, activation, accumulator)
    # each design's widths are its view's (the same sum, per view)
    per_activation = views.values.get("activation_bits", activation)
    per_weight = per_activation if shape.activation_operand else views.values.get("weight_bits", weight)
    return Widths(weight, activation, accumulator,
                  (Widths(per_weight, per_activation, per_weight + per_activation), views.index))


def width_lookup(fn: Callable[..., float], w: Widths, *names: str) -> np.ndarray | float:
    """``lookup`` of ``fn`` on the widths ``names`` (fields of Widths) of every design; in merged views,
    ``fn`` of each view's widths (once per distinct key) gathered by the designs' views: the same
    values, without numbering keys over the designs."""
    values, view = view_lookup(fn, w, *names)
    return values if view is None else np.asarray(values)[view]


def view_lookup(fn: Callable[..., float], w: Widths, *names: str) -> tuple[np.ndarray | float, np.ndarray | None]:
    """width_lookup before the gather: in merged views, ``fn`` of each view's widths and each design's
    view (so that arithmetic on the values can run per view, then be gathered: the same values);
    otherwise the values per design and None."""
    if w.by_view is None:
        return lookup(fn, *(getattr(w, name) for name in names)), None
    per_view, view = w.by_view
    keys = [getattr(per_view, name) for name in names]
    count = max(len(key) if isinstance(key, np.ndarray) else 1 for key in keys)  # np.size: slower
    columns = [key.tolist() if isinstance(key, np.ndarray) else [key] * count for key in keys]
    table: dict[tuple[int, ...], float] = {}
    values = [table[key] if key in table else table.setdefault(key, fn(*key)) for key in zip(*columns, strict=True)]
    return np.array(values, dtype=np.float64), view


def _override(given: np.ndarray, default: Bits) -> Bits:
    if not given.any():
        return default
    return np.where(given > 0, given, default)


@dataclass(frozen=True)
class RegisterRates:
    """Per-design energy per bit of each PE register access (pJ/bit): numbers, or arrays where
    some design sets its own."""

    weight_read: np.ndarray | float
    weight_write: np.ndarray | float
    input_read: np.ndarray | float
    input_write: np.ndarray | float
    output_read: np.ndarray | float
    output_write: np.ndarray | float


def register_rates(d: Designs, technology: Technology) -> RegisterRates:
    """The designs' register energies: a write defaults to the technology's register_pj_per_bit
    (its price of clocking a bit in and reading it out), a read to 0 (a one-word register's
    output is a wire the multiplier reads)."""
    defaults = [0.0 if name.endswith("_read_pj_per_bit") else technology.register_pj_per_bit
                for name in REGISTER_FIELDS]
    given = ~np.isnan(d.registers)
    values = [np.where(given[:, i], d.registers[:, i], default) if given[:, i].any() else default
              for i, default in enumerate(defaults)]
    return RegisterRates(*values)


@dataclass(frozen=True)
class Rates:
    """Per-design SRAM energies (pJ per bit accessed) and area (mm²)."""

    ifmap_read: np.ndarray
    ifmap_write: np.ndarray
    filter_read: np.ndarray
    filter_write: np.ndarray
    ofmap_read: np.ndarray
    ofmap_write: np.ndarray
    accumulator_read: np.ndarray  # of the accumulator buffer; 0 where a design has none
    accumulator_write: np.ndarray
    registers: RegisterRates
    area_mm2: np.ndarray


def rates(d: Designs, dataflow: int, shapes: Sequence[LayerShape], layer_widths: Sequence[Widths],
          technology: Technology) -> Rates:
    """Look the technology up for designs of one dataflow (``layer_widths``: widths(shape, d) of each shape)."""
    row_banks, col_banks = (d.cols, d.rows) if dataflow == IS else (d.rows, d.cols)
    ifmap_read, ifmap_write = _sram(d.ifmap_bits / row_banks, technology)
    filter_read, filter_write = _sram(d.filter_bits / col_banks, technology)
    ofmap_read, ofmap_write = _sram(d.ofmap_bits / d.cols, technology)
    has = d.accumulator_bits_sram > 0
    if has.any():
        accumulator_read, accumulator_write = (np.where(has, e, 0.0) for e in _sram(d.psum_bits / d.cols, technology))
    else:
        accumulator_read = accumulator_write = np.zeros(len(d))
    return Rates(ifmap_read, ifmap_write, filter_read, filter_write, ofmap_read, ofmap_write,
                 accumulator_read, accumulator_write, register_rates(d, technology),
                 area(d, shapes, layer_widths, technology))


def _sram(bank_bits: np.ndarray, technology: Technology) -> tuple[np.ndarray, np.ndarray]:
    """Read and write energy per bit of banks of ``bank_bits`` (pJ/bit); a write costs
    ``sram_write_factor`` times a read, the Technology's own rule."""
    read = technology.sram_read_energies(bank_bits)
    return read, technology.sram_write_factor * read


def area(d: Designs, shapes: Sequence[LayerShape], layer_widths: Sequence[Widths], technology: Technology) -> np.ndarray:
    """Chip area of every design (mm²); ``layer_widths``: widths(shape, d) of each shape."""
    w = _widest(list(layer_widths))
    pe = (
        width_lookup(technology.mul_area, w, "weight", "activation")
        + width_lookup(technology.add_area, w, "accumulator")
        + technology.register_area(w.weight * d.weight_register_words + w.activation + w.accumulator)
    )
    vector_unit = d.vector_lanes * width_lookup(technology.add_area, w, "activation")
    if any(shape.vector_muls or shape.vector_nonlinear for shape in shapes):  # a multiplier per lane
        vector_unit = vector_unit + d.vector_lanes * width_lookup(technology.mul_area, w, "activation", "activation")
    srams = technology.sram_area(d.ifmap_bits + d.filter_bits + d.ofmap_bits + d.accumulator_bits_sram)
    return d.rows * d.cols * pe + vector_unit + srams


WIDTHS = ("weight", "activation", "accumulator")  # the operand fields of geometry.Widths


def _widest(layers: list[Widths]) -> Widths:
    """The widest width of each operand over the layers, per design; in merged views, where only views
    set widths apart, per view and gathered by the designs' views (the same maxima)."""
    views = [w.by_view for w in layers if w.by_view is not None]
    index = views[0][1] if views else None
    if index is None or any(view is not index for _, view in views) or \
            any(isinstance(getattr(w, name), np.ndarray) for w in layers if w.by_view is None for name in WIDTHS):
        return Widths(*(_max([getattr(w, name) for w in layers]) for name in WIDTHS))
    per_view = [w.by_view[0] if w.by_view is not None else w for w in layers]
    widest = Widths(*(_max([getattr(w, name) for w in per_view]) for name in WIDTHS))
    gathered = (getattr(widest, name) for name in WIDTHS)
    return Widths(*(value[index] if isinstance(value, np.ndarray) else value for value in gathered), (widest, index))


def _max(values: list[Bits]) -> Bits:
    """The largest of ``values`` (numbers, or arrays of one length), element-wise."""
    arrays = [v for v in values if isinstance(v, np.ndarray)]
    if not arrays:
        return max(values)
    numbers = [v for v in values if not isinstance(v, np.ndarray)]
    widest = np.stack(arrays).max(axis=0)
    return np.maximum(widest, max(numbers)) if numbers else widest  # the numbers once, not each broadcast
