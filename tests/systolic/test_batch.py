"""``cost_batch`` equals ``cost`` row by row (to the last bit but for the rounding of plain energy
sums, dse.plugin.batching) and reports bad rows as the default does."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
from dse_systolic.layer import COMPONENTS
from hypothesis import given, settings
from hypothesis import strategies as st

from dse.plugin.types import BATCH_COLUMNS, Backend
from tests.systolic.cases import BACKEND, TECH, conv, workload

WORKLOADS = (
    workload(conv(padding=1, input_density=0.3),
             conv("dw", in_channels=3, out_channels=3, groups=3, stride=2, padding=1, input_density=0.6),
             {"name": "pool", "kind": "pool", "kernel": 2, "input_density": 0.5},
             {"name": "flat", "kind": "flatten"},
             {"name": "fc", "kind": "dense", "in_features": 3, "out_features": 7, "weight_bits": 4}),
    workload(conv(in_channels=16, out_channels=24, in_height=14, in_width=14, padding=1),
             conv("c2", in_channels=24, out_channels=24, in_height=14, in_width=14, padding=1),
             {"name": "res", "kind": "add", "skip_from": "conv"},
             {"name": "fc", "kind": "dense", "in_features": 24 * 14 * 14, "out_features": 10, "recurrent": True}),
)

design = st.fixed_dictionaries(
    {
        "rows": st.integers(1, 80),
        "cols": st.integers(1, 80),
        "dataflow": st.sampled_from(["os", "ws", "is"]),
        "latency_model": st.sampled_from(["scalesim", "bandwidth"]),
        "zero_gating": st.booleans(),
        "ifmap_sram_kib": st.sampled_from([0.01, 0.5, 2.0, 64.0, 300.0]),
        "filter_sram_kib": st.floats(0.005, 512.0),
        "ofmap_sram_kib": st.sampled_from([0.02, 1.0, 16.0, 64.0]),
        "dram_bytes_per_cycle": st.floats(0.1, 64.0),
        "weights_resident": st.booleans(),
        "accumulator_sram_kib": st.sampled_from([0.0, 0.01, 4.0, 256.0]),
        "clock_mhz": st.floats(10.0, 2000.0),
        "cores": st.sampled_from([1, 1, 2, 3, 4]),
        "partition": st.sampled_from(["auto", "channels", "spatial"]),
        "global_buffer_kib": st.sampled_from([0.05, 4.0, 108.0]),
    },
    optional={
        "global_buffer_bytes_per_cycle": st.floats(0.5, 256.0),
        "weight_bits": st.integers(1, 16),
        "activation_bits": st.integers(1, 16),
        "accumulator_bits": st.integers(8, 40),
        "line_buffer": st.booleans(),
        "weight_register_words": st.sampled_from([1, 2, 3, 128]),
        "weight_register_read_pj_per_bit": st.sampled_from([0.0, 0.0119, 0.125]),
        "input_register_write_pj_per_bit": st.sampled_from([0.0, 0.02, 0.1875]),
        "output_register_read_pj_per_bit": st.sampled_from([0.0013, 0.0625]),
        "output_register_write_pj_per_bit": st.sampled_from([0.0, 0.0833]),
    },
)


def scalar_row(w, raw: dict[str, Any]) -> tuple:
    c = BACKEND.cost(w, BACKEND.parse_params(raw), TECH)
    return (c.energy_pj, c.latency_cycles, c.latency_s, c.area_mm2, c.power_mw, c.memory_fits)


def sum_bound(w) -> float:
    """Relative error of plain energy sums against fsum's: (c + L)·2⁻⁵³ for c components (the array's,
    and a multi-core chip's two global-buffer ones) and L layers (Higham 2002, §4.2;
    dse.plugin.batching), plus 2 roundings for power (a division and a product)."""
    return (len(COMPONENTS) + 2 + len(w.layers) + 2) * 2.0**-53


@settings(max_examples=40, deadline=None)
@given(designs=st.lists(design, min_size=1, max_size=12), which=st.sampled_from(range(len(WORKLOADS))))
def test_batch_equals_scalar(designs: list[dict[str, Any]], which: int) -> None:
    w = WORKLOADS[which]
    frame = pl.DataFrame(designs)
    out = BACKEND.cost_batch(w, frame, TECH)
    assert out.columns == list(BATCH_COLUMNS) and out.height == len(designs)
    for raw, got in zip(designs, out.iter_rows(), strict=True):
        assert_matches(got, scalar_row(w, raw), w)


def assert_matches(got: tuple, want: tuple, w) -> None:
    """A batch row against ``cost``'s: cycles, seconds, area and fits ==; energy and power within
    the plain-sum bound."""
    assert got[1:4] + got[5:6] == want[1:4] + want[5:6] and got[6] is None
    for column in (0, 4):
        assert math.isclose(got[column], want[column], rel_tol=sum_bound(w), abs_tol=0.0)


bad_value = st.sampled_from([
    ("rows", 0), ("cols", -3), ("dataflow", "xs"), ("latency_model", "exact"), ("ifmap_sram_kib", 0.0),
    ("clock_mhz", math.nan), ("dram_bytes_per_cycle", math.inf), ("weight_bits", 65), ("rows", 2.5),
    ("cores", 0), ("partition", "rows"), ("global_buffer_kib", -1.0),
])


@settings(max_examples=30, deadline=None)
@given(designs=st.lists(st.tuples(design, st.none() | bad_value), min_size=1, max_size=8))
def test_bad_rows_fail_alone_with_the_default_message(designs: list[tuple[dict[str, Any], Any]]) -> None:
    rows = [raw if bad is None else {**raw, bad[0]: bad[1]} for raw, bad in designs]
    frame = pl.DataFrame([{k: str(v) for k, v in r.items()} for r in rows]) if _mixed(rows) else pl.DataFrame(rows)
    ours = BACKEND.cost_batch(WORKLOADS[0], frame, TECH)
    default = Backend.cost_batch(BACKEND, WORKLOADS[0], frame, TECH)  # the loop over cost()
    assert ours["error"].to_list() == default["error"].to_list()
    exact = ["latency_cycles", "latency_s", "area_mm2", "memory_fits"]
    assert ours.select(exact).equals(default.select(exact))  # NaN equals NaN here
    for column in ("energy_pj", "power_mw"):
        for got, want in zip(ours[column], default[column], strict=True):
            assert (math.isnan(got) and math.isnan(want)) or math.isclose(got, want, rel_tol=sum_bound(WORKLOADS[0]))


def _mixed(rows: list[dict[str, Any]]) -> bool:
    """Whether some column mixes strings and numbers (polars needs one type per column)."""
    kinds: dict[str, set[type]] = {}
    for row in rows:
        for key, value in row.items():
            kinds.setdefault(key, set()).add(str if isinstance(value, str) else float)
    return any(len(k) > 1 for k in kinds.values())


def test_missing_columns_and_nulls_take_the_defaults() -> None:
    frame = pl.DataFrame({"rows": [8, None], "weight_bits": [None, 4]})
    out = BACKEND.cost_batch(WORKLOADS[0], frame, TECH)
    assert_matches(out.row(0), scalar_row(WORKLOADS[0], {"rows": 8}), WORKLOADS[0])
    assert_matches(out.row(1), scalar_row(WORKLOADS[0], {"weight_bits": 4}), WORKLOADS[0])


def test_a_choice_column_with_nulls_takes_the_default_where_null() -> None:
    # a string column of a Literal field is encoded by one cast to its choices; a null is the default
    frame = pl.DataFrame({"dataflow": [None, "is", "os"], "latency_model": ["scalesim", None, "bandwidth"]})
    out = BACKEND.cost_batch(WORKLOADS[0], frame, TECH)
    for row, raw in enumerate(({"latency_model": "scalesim"}, {"dataflow": "is"},
                               {"dataflow": "os", "latency_model": "bandwidth"})):
        assert_matches(out.row(row), scalar_row(WORKLOADS[0], raw), WORKLOADS[0])


def test_an_unknown_column_fails_only_the_rows_that_set_it() -> None:
    frame = pl.DataFrame({"rows": [8, 16], "colums": [None, 4]})
    out = BACKEND.cost_batch(WORKLOADS[0], frame, TECH)
    assert out["error"][0] is None and "colums" in out["error"][1] and math.isnan(out["energy_pj"][1])


def test_an_empty_frame_gives_an_empty_result() -> None:
    out = BACKEND.cost_batch(WORKLOADS[0], pl.DataFrame({"rows": []}, schema={"rows": pl.Int64}), TECH)
    assert out.height == 0 and out.columns == list(BATCH_COLUMNS)


def _view(w, layer: str, **changes: Any):
    """``w`` with the numbers of one layer changed, as a hybrid's ANN engine sees a layer fed spike counts."""
    data = w.model_dump(by_alias=True)
    data["layers"] = [{**spec, **changes} if spec["name"] == layer else spec for spec in data["layers"]]
    return type(w).model_validate(data)


@settings(max_examples=25, deadline=None)
@given(designs=st.lists(design, min_size=1, max_size=12), which=st.sampled_from(range(len(WORKLOADS))),
       seed=st.integers(0, 2**16))
def test_views_in_one_pass_equal_one_layer_batch_per_view(designs: list[dict[str, Any]], which: int,
                                                          seed: int) -> None:
    # the views differ in a layer's width and density (ann_view's counter_bits(4) = 3 bits, 1 - (1 - d)^4);
    # merged, those numbers are arrays over the designs: every number must be the one its own view gives
    w = WORKLOADS[which]
    first, last = w.layers[0].name, w.layers[-1].name
    views = (w, _view(w, first, activation_bits=3, input_density=1 - 0.7**4), _view(w, last, activation_bits=3))
    view = np.random.default_rng(seed).integers(0, len(views), len(designs))
    frame = pl.DataFrame(designs)
    got = BACKEND.layer_batch_views(views, view, frame, TECH)
    want = Backend.layer_batch_views(BACKEND, views, view, frame, TECH)
    for name in ("energy_pj", "latency_cycles", "total_cycles", "clock_mhz", "area_mm2", "memory_fits"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
    assert got.error == want.error


@settings(max_examples=25, deadline=None)
@given(designs=st.lists(design, min_size=1, max_size=12), which=st.sampled_from(range(len(WORKLOADS))),
       data=st.data())
def test_layers_not_asked_for_are_nan_and_the_rest_unchanged(designs: list[dict[str, Any]], which: int,
                                                             data: st.DataObject) -> None:
    # a hybrid asks its ANN engine only for the layers its rows run there: those are the numbers of
    # the whole batch, the others NaN (total cycles too), and fit and area still cover every layer
    w = WORKLOADS[which]
    layers = np.array(data.draw(st.lists(st.booleans(), min_size=len(w.layers), max_size=len(w.layers))))
    frame, view = pl.DataFrame(designs), np.zeros(len(designs), dtype=np.int64)
    got = BACKEND.layer_batch_views([w], view, frame, TECH, layers)
    whole = BACKEND.layer_batch_views([w], view, frame, TECH)
    one_array = frame["cores"].to_numpy() == 1 if "cores" in frame.columns else np.ones(len(designs), dtype=bool)
    for name in ("energy_pj", "latency_cycles"):
        asked, full = getattr(got, name), getattr(whole, name)
        np.testing.assert_array_equal(asked[:, layers], full[:, layers], err_msg=name)
        if not layers.all():  # several cores: every layer costed (allowed, not required, by the contract)
            assert np.isnan(asked[one_array][:, ~layers]).all()
    for name in ("clock_mhz", "area_mm2", "memory_fits"):
        np.testing.assert_array_equal(getattr(got, name), getattr(whole, name), err_msg=name)
    if layers.all():
        np.testing.assert_array_equal(got.total_cycles, whole.total_cycles)
