"""The non-dominated filter and the hypervolume: properties, hand-worked cases, an oracle."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dse.results import pareto as pareto_module
from dse.results.pareto import default_reference, hypervolume, minimization, pareto_mask


def dominates(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.all(a <= b) and np.any(a < b))


def point_sets(max_dims: int = 4, max_points: int = 40):
    """Small integer grids make ties and duplicates common, the hard cases of a filter."""
    return st.integers(2, max_dims).flatmap(lambda m: st.lists(
        st.lists(st.integers(0, 6), min_size=m, max_size=m), min_size=1, max_size=max_points))


@settings(max_examples=150, deadline=None)
@given(point_sets())
def test_no_front_point_is_dominated(rows: list[list[int]]) -> None:
    points = np.asarray(rows, dtype=float)
    front = points[pareto_mask(points)]
    assert not any(dominates(p, q) for p in points for q in front)


@settings(max_examples=150, deadline=None)
@given(point_sets())
def test_every_other_point_is_dominated_by_a_front_point(rows: list[list[int]]) -> None:
    points = np.asarray(rows, dtype=float)
    mask = pareto_mask(points)
    front = points[mask]
    assert mask.any()
    for q in points[~mask]:
        assert any(dominates(p, q) for p in front)


@settings(max_examples=50, deadline=None)
@given(point_sets(max_dims=3), st.data())
def test_rows_with_nan_or_inf_are_never_on_the_front(rows: list[list[int]], data: st.DataObject) -> None:
    points = np.asarray(rows, dtype=float)
    bad = data.draw(st.lists(st.booleans(), min_size=len(points), max_size=len(points)))
    points[np.asarray(bad), 0] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    mask = pareto_mask(points)
    assert not mask[np.asarray(bad)].any()
    finite = ~np.asarray(bad)
    if finite.any():  # the finite rows keep exactly their own front
        assert (mask[finite] == pareto_mask(points[finite])).all()


@settings(max_examples=100, deadline=None)
@given(point_sets(max_points=60), st.integers(1, 8))
def test_a_set_filtered_in_blocks_has_the_front_of_the_whole(rows: list[list[int]], block: int) -> None:
    points = np.asarray(rows, dtype=float)
    whole = pareto_mask(points)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pareto_module, "ROWS_AT_ONCE", block)  # blocks of 1 to 8 rows, then their union
        assert pareto_mask(points).tolist() == whole.tolist()


def test_duplicates_of_a_front_point_are_all_on_the_front() -> None:
    points = np.array([[1.0, 2.0], [1.0, 2.0], [2.0, 1.0], [2.0, 2.0]])
    # (2, 2) is dominated by (1, 2) and by (2, 1); equal points do not dominate each other.
    assert pareto_mask(points).tolist() == [True, True, True, False]


def test_maximised_objectives_are_negated() -> None:
    values = np.array([[10.0, 0.9], [5.0, 0.8], [5.0, 0.95]])  # energy (min), accuracy (max)
    mask = pareto_mask(minimization(values, ["minimize", "maximize"]))
    # (5, 0.95) is cheaper than (10, 0.9) and more accurate than both: the only front point.
    assert mask.tolist() == [False, False, True]


def test_many_points_match_a_brute_force_filter() -> None:
    rng = np.random.default_rng(7)
    points = rng.integers(0, 30, size=(3000, 3)).astype(float)  # over the 2048-point block size
    mask = pareto_mask(points)
    front = points[mask]
    expected = [not any(dominates(p, q) for p in front) for q in points]
    assert mask.tolist() == expected


# -- hypervolume ------------------------------------------------------------------------------
def test_hypervolume_of_one_point_is_its_box() -> None:
    # (1, 2, 3) against (4, 4, 4): 3 · 2 · 1 = 6.
    assert hypervolume(np.array([[1.0, 2.0, 3.0]]), np.array([4.0, 4.0, 4.0])) == pytest.approx(6.0)


def test_hypervolume_two_objectives_by_hand() -> None:
    # Boxes [1,3]x[2,3] (area 2) and [2,3]x[1,3] (area 2) overlap on [2,3]x[2,3] (area 1): 3.
    assert hypervolume(np.array([[1.0, 2.0], [2.0, 1.0]]), np.array([3.0, 3.0])) == pytest.approx(3.0)
    # A staircase (1,4), (2,2), (4,1) against (5,5): 4·1 + 3·2 + 1·1 = 11 (slabs in y:
    # y in [4,5]: x from 1 → 4; y in [2,4]: x from 2 → 3·2 = 6; y in [1,2]: x from 4 → 1).
    stair = np.array([[1.0, 4.0], [2.0, 2.0], [4.0, 1.0]])
    assert hypervolume(stair, np.array([5.0, 5.0])) == pytest.approx(11.0)


def test_hypervolume_three_objectives_by_hand() -> None:
    # (0,0,1) → box 2·2·1 = 4; (1,1,0) → box 1·1·2 = 2; overlap [1,2]x[1,2]x[1,2] = 1: 5.
    front = np.array([[0.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    assert hypervolume(front, np.array([2.0, 2.0, 2.0])) == pytest.approx(5.0)


def test_dominated_and_outside_points_add_nothing() -> None:
    base = np.array([[1.0, 2.0], [2.0, 1.0]])
    more = np.vstack([base, [[2.5, 2.5], [0.5, 7.0], [3.0, 0.0]]])  # dominated; beyond ref; on its edge
    assert hypervolume(more, np.array([3.0, 3.0])) == pytest.approx(3.0)
    assert hypervolume(np.array([[4.0, 4.0]]), np.array([3.0, 3.0])) == 0.0


def _union_volume(points: np.ndarray, reference: np.ndarray) -> float:
    """Inclusion-exclusion over every subset of boxes: exponential, but independent of HSO."""
    total = 0.0
    for k in range(1, len(points) + 1):
        for subset in itertools.combinations(points, k):
            corner = np.max(subset, axis=0)
            total += (-1) ** (k + 1) * float(np.prod(np.clip(reference - corner, 0.0, None)))
    return total


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 4).flatmap(lambda m: st.lists(
    st.lists(st.integers(0, 9), min_size=m, max_size=m), min_size=1, max_size=6)))
def test_hypervolume_equals_inclusion_exclusion(rows: list[list[int]]) -> None:
    points = np.asarray(rows, dtype=float)
    reference = np.full(points.shape[1], 10.0)
    assert hypervolume(points, reference) == pytest.approx(_union_volume(points, reference), rel=1e-12, abs=1e-9)


def test_default_reference_adds_a_tenth_of_the_range() -> None:
    points = np.array([[1.0, 10.0], [3.0, 30.0]])
    # worst + 0.1 · (worst − best): 3 + 0.2 = 3.2 and 30 + 2 = 32.
    assert default_reference(points).tolist() == pytest.approx([3.2, 32.0])
    # an empty range moves by 1 % of the value (or by 1 at zero)
    assert default_reference(np.array([[5.0, 0.0]])).tolist() == pytest.approx([5.05, 1.0])
    assert math.isfinite(hypervolume(points, default_reference(points)))
