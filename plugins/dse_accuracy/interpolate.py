"""Monotone multilinear interpolation of measured accuracies in log2 of bits and time steps.

Accuracy is read as non-decreasing in every axis (more weight bits or more time steps can do
at least what fewer can), so measured points are first made monotone: each point takes the
best accuracy measured at no more of every axis (a measured dip, such as fp32 0.969 below
8-bit 0.970 in accuracy_digits.md, is noise). The value at a query is then multilinear in
log2 of each axis between the measured grid lines around it; multilinear weights of
monotone corner values give a function that is monotone in each axis.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

Point = tuple[float, ...]


class MissingPoint(LookupError):
    """A corner of the grid cell around the query was not measured."""

    def __init__(self, point: Point) -> None:
        super().__init__(point)
        self.point = point


def monotone(points: Mapping[Point, float]) -> dict[Point, float]:
    """Each point's value raised to the best value at a point no larger in every coordinate."""
    return {
        p: max(v for q, v in points.items() if all(qi <= pi for qi, pi in zip(q, p, strict=True)))
        for p in points
    }


def bracket(values: Sequence[float], x: float) -> tuple[float, float]:
    """The measured grid values ``lo <= x <= hi`` nearest to ``x`` (equal when x is measured)."""
    lo = max(v for v in values if v <= x)
    hi = min(v for v in values if v >= x)
    return lo, hi


def interpolate(points: Mapping[Point, float], query: Point) -> tuple[float, list[Point]]:
    """Multilinear value at ``query`` (log2 weights) from the (monotone) ``points``, and the
    measured corners it used.

    ``query`` must lie inside the range of every axis. Raises MissingPoint naming the first
    corner of the surrounding grid cell that has no measured value.
    """
    axes = len(query)
    grid = [sorted({p[a] for p in points}) for a in range(axes)]
    cell = [bracket(grid[a], query[a]) for a in range(axes)]
    weights = [_fraction(lo, hi, x) for (lo, hi), x in zip(cell, query, strict=True)]
    total, used = 0.0, []
    for corner in itertools.product((0, 1), repeat=axes):
        point = tuple(cell[a][corner[a]] for a in range(axes))
        weight = math.prod(w if c else 1.0 - w for w, c in zip(weights, corner, strict=True))
        if weight == 0.0:
            continue
        if point not in points:
            raise MissingPoint(point)
        total += weight * points[point]
        used.append(point)
    return total, used


def _fraction(lo: float, hi: float, x: float) -> float:
    """Position of x between lo and hi in log2 (0 at lo, 1 at hi)."""
    if hi == lo:
        return 0.0
    return (math.log2(x) - math.log2(lo)) / (math.log2(hi) - math.log2(lo))
