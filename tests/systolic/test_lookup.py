"""rates.lookup: a technology function evaluated once per distinct key, spread over the designs."""

from __future__ import annotations

import numpy as np
import polars as pl
from dse_systolic.designs import Designs, designs_from_frame
from dse_systolic.geometry import LayerShape, Views
from dse_systolic.rates import TABLE_SPAN, WIDTHS, _widest, lookup, width_lookup, widths
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


def _merged_shape(per_view: dict[str, list[int]], view: list[int], operand: bool = False) -> LayerShape:
    """A dense layer whose widths differ by view (as geometry.merged_shapes makes it), 8 bits otherwise."""
    values = {name: np.array(v) for name, v in per_view.items()}
    index = np.array(view)
    numbers = {"weight_bits": 8, "activation_bits": 8} | {name: v[index] for name, v in values.items()}
    return LayerShape(name="fc", kind_name="dense", kind="gemm", input_density=1.0, activation_operand=operand,
                      views=Views(values, index), **numbers)


def _designs(activation_bits: list[int | None]) -> Designs:
    return designs_from_frame(pl.DataFrame({"activation_bits": activation_bits}, schema={"activation_bits": pl.Int64}))[0]


def test_merged_views_evaluate_a_width_function_once_per_view_key() -> None:
    calls: list[tuple[int, int, int]] = []

    def fn(weight: int, activation: int, accumulator: int) -> float:
        calls.append((weight, activation, accumulator))
        return 100.0 * weight + 10.0 * activation + accumulator

    # views 8, 3, 8 bits of activation; four designs see views 2, 1, 0, 1: activations 8, 3, 8, 3 and
    # accumulators 8 + 8 = 16, 8 + 3 = 11; views 0 and 2 share the key (8, 8, 16)
    w = widths(_merged_shape({"activation_bits": [8, 3, 8]}, [2, 1, 0, 1]), _designs([None] * 4))
    assert w.by_view is not None
    assert width_lookup(fn, w, "weight", "activation", "accumulator").tolist() == [896.0, 841.0, 896.0, 841.0]
    assert calls == [(8, 8, 16), (8, 3, 11)]
    assert all(type(v) is int for key in calls for v in key)  # plain numbers, as lookup passes them


def test_a_design_overriding_a_width_takes_the_designs_path() -> None:
    w = widths(_merged_shape({"activation_bits": [8, 3]}, [0, 1]), _designs([4, None]))
    assert w.by_view is None
    assert w.activation.tolist() == [4, 3]


@given(st.lists(st.tuples(st.integers(1, 16), st.integers(1, 16)), min_size=1, max_size=5), st.data(),
       st.booleans(), st.booleans())
def test_per_view_widths_and_widest_equal_the_per_design_ones(views: list[tuple[int, int]], data: st.DataObject,
                                                              both: bool, operand: bool) -> None:
    view = data.draw(st.lists(st.integers(0, len(views) - 1), min_size=1, max_size=12))
    per_view = {"activation_bits": [a for a, _ in views]} | ({"weight_bits": [b for _, b in views]} if both else {})
    d = _designs([None] * len(view))
    shapes = [_merged_shape(per_view, view, operand),  # and a layer all views agree on
              LayerShape(name="add", kind_name="add", kind="vector", weight_bits=12, activation_bits=5,
                         input_density=1.0)]
    w = widths(shapes[0], d)
    # a matmul's stationary operand takes the activation width; else the view's weight width, or 8
    expected = [(a if operand else b if both else 8, a) for a, b in (views[i] for i in view)]
    assert list(zip(np.broadcast_to(w.weight, len(view)).tolist(), w.activation.tolist(), strict=True)) == expected
    assert np.array_equal(w.accumulator, np.add(w.weight, w.activation))
    fn = lambda *key: float(sum(k * 31**i for i, k in enumerate(key)))  # a key's fingerprint
    for names in (("activation",), ("weight", "activation", "accumulator"), ("activation", "activation")):
        plain = lookup(fn, *(getattr(w, name) for name in names))
        assert np.array_equal(width_lookup(fn, w, *names), np.broadcast_to(plain, len(view)))
    widest = _widest([widths(s, d) for s in shapes])
    for name in WIDTHS:
        per_design = np.maximum(np.broadcast_to(getattr(w, name), len(view)), getattr(widths(shapes[1], d), name))
        assert np.array_equal(np.broadcast_to(getattr(widest, name), len(view)), per_design)
