"""rates.lookup: a technology function evaluated once per distinct key, spread over the designs."""

from __future__ import annotations

import numpy as np
from dse_systolic.rates import TABLE_SPAN, lookup
from hypothesis import given
from hypothesis import strategies as st


def test_each_distinct_key_is_evaluated_once_and_spread_over_its_designs() -> None:
    calls: list[tuple[int, int, int]] = []

    def fn(a: int, b: int, c: int) -> float:
        calls.append((a, b, c))
        return 100.0 * a + 10.0 * b + c

    # designs (8, 3), (8, 8), (8, 3), (4, 8) with c = 2 shared: three distinct keys, in increasing order
    out = lookup(fn, np.array([8, 8, 8, 4]), np.array([3, 8, 3, 8]), 2)
    assert out.tolist() == [832.0, 882.0, 832.0, 482.0]
    assert calls == [(4, 8, 2), (8, 3, 2), (8, 8, 2)]
    assert all(type(v) is int for key in calls for v in key)  # plain numbers, as np.unique's tolist gives


@given(st.lists(st.tuples(st.integers(-5, 70), st.sampled_from([0, 1, TABLE_SPAN + 3])), min_size=1, max_size=30),
       st.booleans())
def test_a_table_or_a_sort_gives_what_fn_gives_per_design(keys: list[tuple[int, int]], as_float: bool) -> None:
    a = np.array([k for k, _ in keys], dtype=np.float64 if as_float else np.int64)
    b = np.array([k for _, k in keys])
    out = lookup(lambda x, y: x * 1000.0 + y, a, b)
    assert out.tolist() == [x * 1000.0 + y for x, y in zip(a.tolist(), b.tolist(), strict=True)]
