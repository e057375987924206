"""Technology functions (scalar Python) applied to arrays of design points, exactly and fast.

A technology's energies and areas are scalar functions with logarithms inside; numpy's
vectorised logarithms can differ from ``math``'s in the last bit, so the tables are called
as they are: once per distinct value (``per_value``) or bit width (``per_width``). (SRAM
energies per bit, which every design has its own of when sizes are continuous, come whole
from :meth:`dse.Technology.sram_read_energies`, with the same bits.) The one-at-a-time and
batch paths get the same bits.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def per_value(fn: Callable[[float], float], values: np.ndarray) -> np.ndarray:
    """``fn`` of every element, called once per distinct value."""
    distinct, inverse = np.unique(values, return_inverse=True)
    return np.array([fn(v) for v in distinct.tolist()], dtype=float)[inverse.reshape(np.shape(values))]


def per_width(fn: Callable[[int], float], bits: np.ndarray) -> np.ndarray:
    """``fn`` of every element of integer-valued ``bits``, called once per distinct width."""
    index = np.asarray(bits, dtype=np.int64)
    table = np.zeros(int(index.max()) + 1)
    for width in np.flatnonzero(np.bincount(index.ravel())).tolist():
        table[width] = fn(width)
    return table[index]


def ceil_log2(x: np.ndarray) -> np.ndarray:
    """⌈log2 x⌉ for x ≥ 1, exactly (from the binary exponent, no rounding of a logarithm)."""
    mantissa, exponent = np.frexp(np.asarray(x, dtype=float))
    return np.where(mantissa == 0.5, exponent - 1, exponent).astype(float)
