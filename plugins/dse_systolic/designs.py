"""Design points as columns: one numpy array per parameter, from one Params or a polars frame.

The model is written once, over arrays, so that one design (arrays of length 1) and a batch
of a million run the same arithmetic and give the same numbers.

A frame is validated column by column with each field's own pydantic constraints applied to
the column's distinct values. SystolicParams has no cross-field validators, so a row is
valid exactly when every one of its fields is; an invalid row gets the error message that
validating it whole gives (as the default ``Backend.cost_batch`` reports it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cache, cached_property, partial
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args, get_origin

import numpy as np
from pydantic import TypeAdapter, ValidationError

from dse_systolic.params import DATAFLOWS, PARTITIONS, SystolicParams

if TYPE_CHECKING:
    import polars as pl

KIB_BITS = 8192  # bits per KiB

#: The per-operand register energies, in the column order of ``Designs.registers``.
REGISTER_FIELDS: tuple[str, ...] = tuple(
    f"{operand}_register_{access}_pj_per_bit" for operand in ("weight", "input", "output") for access in ("read", "write"))


@dataclass(frozen=True)
class Designs:
    """N design points, one array per parameter; bit-width overrides are 0 where unset."""

    rows: np.ndarray  # float64, PEs (whole numbers: the model's counts are float64)
    cols: np.ndarray  # float64, PEs
    dataflow: np.ndarray  # int64 code: index in DATAFLOWS
    ifmap_bits: np.ndarray  # float64, SRAM capacity (bits)
    filter_bits: np.ndarray
    ofmap_bits: np.ndarray
    accumulator_bits_sram: np.ndarray  # float64, accumulator buffer capacity (bits), 0 = none
    dram_bytes_per_cycle: np.ndarray  # float64
    clock_mhz: np.ndarray  # float64
    weights_resident: np.ndarray  # bool: the user keeps fitting weights on chip across inferences
    scalesim: np.ndarray  # bool: latency_model == "scalesim"
    zero_gating: np.ndarray  # bool
    weight_bits: np.ndarray  # int64, 0 = the layer's
    activation_bits: np.ndarray  # int64, 0 = the layer's
    accumulator_bits: np.ndarray  # int64, 0 = weight + activation bits
    vector_lanes: np.ndarray  # float64, lanes of the vector unit (cols when unset)
    nonlinear_pj: np.ndarray  # float64, pJ per nonlinear evaluation, 0 = from the technology
    cores: np.ndarray  # float64, arrays on the chip
    partition: np.ndarray  # int64 code: index in PARTITIONS
    global_buffer_bits: np.ndarray  # float64, capacity of the shared global buffer (bits)
    global_buffer_bytes_per_cycle: np.ndarray  # float64, its bandwidth to all cores (rows·cores when unset)
    weight_register_words: np.ndarray  # float64, weights a PE holds (ws: reduction terms per PE)
    line_buffer: np.ndarray  # bool: inputs reach the array through a line buffer (bandwidth model)
    registers: np.ndarray  # float64 (N, 6): REGISTER_FIELDS' pJ/bit, NaN = the default

    def __len__(self) -> int:
        return len(self.rows)

    @cached_property
    def activation_room(self) -> np.ndarray:
        """Bits an activation tensor may take and stay on chip between layers (traffic.py)."""
        return np.minimum(self.ifmap_bits, self.ofmap_bits)

    @cached_property
    def psum_bits(self) -> np.ndarray:
        """Capacity that holds ws/is partial sums (bits): the accumulator buffer, or the ofmap SRAM."""
        return np.where(self.accumulator_bits_sram > 0, self.accumulator_bits_sram, self.ofmap_bits)

    @cached_property
    def hz(self) -> np.ndarray:
        """Clock frequency (Hz)."""
        return self.clock_mhz * 1e6

    def take(self, index: np.ndarray) -> Designs:
        """The designs at ``index``."""
        return Designs(**{f.name: getattr(self, f.name)[index] for f in fields(self)})


def _encode(name: str, value: Any) -> float:
    """A validated parameter value as the number the model's arrays hold."""
    if name == "dataflow":
        return float(DATAFLOWS.index(value))
    if name == "partition":
        return float(PARTITIONS.index(value))
    if name == "latency_model":
        return float(value == "scalesim")
    if name in REGISTER_FIELDS and value is None:
        return math.nan
    return 0.0 if value is None else float(value)


def designs_from_params(params: SystolicParams) -> Designs:
    """One design point as arrays of length 1."""
    return _designs({name: np.array([_encode(name, getattr(params, name))])
                     for name in SystolicParams.model_fields})


def designs_from_frame(frame: pl.DataFrame) -> tuple[Designs, np.ndarray, dict[int, str]]:
    """The valid rows of ``frame`` as Designs, their row indices, and {row: error} for the others.

    A missing column or a null takes the field's default, as ``Backend.cost_batch`` does.
    """
    import polars as pl

    model_fields = SystolicParams.model_fields
    bad = np.zeros(frame.height, dtype=bool)
    for extra in (c for c in frame.columns if c not in model_fields):
        bad |= frame[extra].is_not_null().to_numpy()
    columns: dict[str, np.ndarray] = {}
    for name, info in model_fields.items():
        default = _encode(name, info.default)
        if name in frame.columns:
            adapter = _adapter(name)
            series = frame[name]
            if info.annotation is float and series.dtype.is_numeric():
                columns[name], invalid = _float_column(series, adapter, default)
            elif info.annotation in (int, int | None) and series.dtype.is_integer() and not series.null_count():
                columns[name], invalid = _int_column(series, adapter, partial(_encode, name), default)
            elif info.annotation is bool and series.dtype == pl.Boolean and not series.null_count():
                columns[name], invalid = series.to_numpy().astype(float), np.zeros(frame.height, dtype=bool)
            elif series.dtype == pl.String and _choices(name):
                columns[name], invalid = _choice_column(series, name, adapter, default)
            else:
                columns[name], invalid = _validated_column(series, adapter, partial(_encode, name), default)
            bad |= invalid
        else:
            columns[name] = np.full(frame.height, default)
    if not bad.any():
        return _designs(columns), np.arange(frame.height), {}
    keep = np.flatnonzero(~bad)
    errors = {int(i): _row_error(frame, int(i)) for i in np.flatnonzero(bad)}
    return _designs({name: values[keep] for name, values in columns.items()}), keep, errors


@cache
def _adapter(name: str) -> TypeAdapter:
    """The validator of field ``name`` of SystolicParams (built once: building one takes ~1 ms)."""
    info = SystolicParams.model_fields[name]
    return TypeAdapter(Annotated[info.annotation, info])


def _validated_column(series: pl.Series, adapter: TypeAdapter, encode: Callable[[Any], float],
                      default: float) -> tuple[np.ndarray, np.ndarray]:
    """The column as the field validates and encodes it (nulls: the default), and where it refuses it.

    Each distinct value is validated once.
    """
    import polars as pl

    old, new = [], []
    for value in series.unique().to_list():
        if value is None:
            continue
        try:
            new.append(encode(adapter.validate_python(value)))
            old.append(value)
        except ValidationError:
            continue
    # a refused value and a null both become NaN here (no encoding is NaN); only the refused were given
    values = series.replace_strict(old, new, default=None, return_dtype=pl.Float64).to_numpy() if old else \
        np.full(len(series), np.nan)
    missing = np.isnan(values)
    if not missing.any():
        return values, missing
    invalid = missing & series.is_not_null().to_numpy()
    values[missing] = default
    return values, invalid


@cache
def _choices(name: str) -> tuple[str, ...]:
    """The strings field ``name`` allows when it is a Literal of strings, else ()."""
    annotation = SystolicParams.model_fields[name].annotation
    allowed = get_args(annotation) if get_origin(annotation) is Literal else ()
    return allowed if allowed and all(isinstance(a, str) for a in allowed) else ()


def _choice_column(series: pl.Series, name: str, adapter: TypeAdapter[Any],
                   default: float) -> tuple[np.ndarray, np.ndarray]:
    """A string column of a Literal field, encoded by one cast to the field's choices (an Enum) and a
    table of their encodings (nulls: the default); value by value when some value is no choice."""
    import polars as pl

    allowed = _choices(name)
    codes = series.cast(pl.Enum(allowed), strict=False)
    if codes.null_count() != series.null_count():  # some value is refused: _validated_column finds which
        return _validated_column(series, adapter, partial(_encode, name), default)
    table = np.array([_encode(name, choice) for choice in allowed] + [default])
    physical = codes.to_physical()
    index = physical.fill_null(len(allowed)).to_numpy() if series.null_count() else physical.to_numpy()
    return table[index], np.zeros(len(series), dtype=bool)


def _float_column(series: pl.Series, adapter: TypeAdapter, default: float) -> tuple[np.ndarray, np.ndarray]:
    """A numeric column of a float field, validated by its extremes.

    A float field's constraints are bounds and finiteness, so when the column's smallest and
    largest finite values pass, every finite value does, and validates to itself.
    """
    given = series.is_not_null().to_numpy() if series.null_count() else np.ones(len(series), dtype=bool)
    values = series.cast(float).to_numpy().copy()
    finite = np.isfinite(values) & given
    if finite.any():
        extremes = (values[finite].min(), values[finite].max())
        if not all(_passes(adapter, float(v)) for v in extremes):
            return _validated_column(series, adapter, float, default)
    invalid = given & ~finite
    values[~given | invalid] = default
    if invalid.any():  # non-finite values: let the field decide (it refuses them: allow_inf_nan=False)
        return _validated_column(series, adapter, float, default)
    return values, invalid


def _int_column(series: pl.Series, adapter: TypeAdapter, encode: Callable[[Any], float],
                default: float) -> tuple[np.ndarray, np.ndarray]:
    """An integer column without nulls of an int field, validated by its extremes (an int field's
    constraints are bounds), or value by value when an extreme fails."""
    values = series.to_numpy()
    if not all(_passes(adapter, int(v)) for v in (values.min(), values.max())):
        return _validated_column(series, adapter, encode, default)
    return values.astype(float), np.zeros(len(series), dtype=bool)


def _passes(adapter: TypeAdapter, value: float) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


def _row_error(frame: pl.DataFrame, index: int) -> str:
    """The message that validating row ``index`` whole gives."""
    from dse import unflatten

    try:
        SystolicParams.model_validate(unflatten(frame.row(index, named=True)))
    except ValidationError as error:
        return f"{type(error).__name__}: {error}"
    raise AssertionError(f"row {index} passed whole-row validation but failed a field")  # pragma: no cover


def _designs(columns: dict[str, np.ndarray]) -> Designs:
    return Designs(
        rows=columns["rows"],
        cols=columns["cols"],
        dataflow=columns["dataflow"].astype(np.int64),
        ifmap_bits=columns["ifmap_sram_kib"] * KIB_BITS,
        filter_bits=columns["filter_sram_kib"] * KIB_BITS,
        ofmap_bits=columns["ofmap_sram_kib"] * KIB_BITS,
        accumulator_bits_sram=columns["accumulator_sram_kib"] * KIB_BITS,
        dram_bytes_per_cycle=columns["dram_bytes_per_cycle"],
        clock_mhz=columns["clock_mhz"],
        weights_resident=columns["weights_resident"] == 1.0,
        scalesim=columns["latency_model"] == 1.0,
        zero_gating=columns["zero_gating"] == 1.0,
        weight_bits=columns["weight_bits"].astype(np.int64),
        activation_bits=columns["activation_bits"].astype(np.int64),
        accumulator_bits=columns["accumulator_bits"].astype(np.int64),
        vector_lanes=np.where(columns["vector_lanes"] > 0, columns["vector_lanes"], columns["cols"]),
        nonlinear_pj=columns["nonlinear_pj"],
        cores=columns["cores"],
        partition=columns["partition"].astype(np.int64),
        global_buffer_bits=columns["global_buffer_kib"] * KIB_BITS,
        global_buffer_bytes_per_cycle=np.where(columns["global_buffer_bytes_per_cycle"] > 0,
                                               columns["global_buffer_bytes_per_cycle"],
                                               columns["rows"] * columns["cores"]),
        weight_register_words=columns["weight_register_words"],
        line_buffer=columns["line_buffer"] == 1.0,
        registers=np.stack([columns[name] for name in REGISTER_FIELDS], axis=1),
    )
