"""Correctly rounded sums of float64 arrays, element by element (``math.fsum`` over columns).

The scalar path's totals are ``math.fsum`` sums (dse.schema.cost); the batch path must give
the same floats. Each column is added with Knuth's TwoSum, which keeps the rounding error
of every addition exactly; the errors are summed apart and added once at the end. The
result is the exact sum rounded once, as fsum's, unless that sum lies within about
n·2⁻¹⁰⁶ of it of a rounding boundary (n terms), which float64 inputs of this model do not
produce in practice (the batch-equals-scalar test checks it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def fsum_columns(terms: Sequence[np.ndarray | float], n: int) -> np.ndarray:
    """Σ terms[i] over ``n`` elements (a term may be one number for all), rounded once."""
    total = np.zeros(n)
    error = np.zeros(n)
    for term in terms:
        new = total + term
        back = new - total
        error += (total - (new - back)) + (term - back)
        total = new
    return total + error
