"""The frame a batch of design points is costed into: its columns, their order and dtypes."""

from __future__ import annotations

from typing import Any

#: Columns of a batch result frame, in order (units in their names, latency also in s).
#: One batch-frame row: energy (pJ), latency (cycles), latency (s), area (mm²), power (mW),
#: memory fits, error text (None when the design was costed).
BatchRow = tuple[float, float, float, float, float, bool, str | None]

BATCH_COLUMNS: tuple[str, ...] = (
    "energy_pj",
    "latency_cycles",
    "latency_s",
    "area_mm2",
    "power_mw",
    "memory_fits",
    "error",
)


def batch_schema() -> dict[str, Any]:
    """The polars schema of a batch frame: :data:`BATCH_COLUMNS` with their dtypes."""
    import polars as pl

    types = (pl.Float64, pl.Float64, pl.Float64, pl.Float64, pl.Float64, pl.Boolean, pl.String)
    return dict(zip(BATCH_COLUMNS, types, strict=True))
