"""The hybrid's vectorised batch path (dse_hybrid.batch) equals ``cost`` one design at a time."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
import pytest
from dse_hybrid.batch import _chosen, _crossed, _overwrite
from dse_hybrid.boundaries import fed_operands, sources
from dse_systolic.layer import COMPONENTS
from hypothesis import given, settings
from hypothesis import strategies as st

from dse import Backend, Workload
from tests.hybrid.test_hybrid_engines import HYBRID, MIXED, PLUGINS, TECH

#: Terms of a hybrid layer's energy: an engine's components (the systolic's 12 at most), a
#: conversion line and the idle engine's leakage; plain sums within (terms + layers + 2)·2⁻⁵³ of
#: fsum's, power included (dse.plugin.batching).
BOUND = (len(COMPONENTS) + 2 + len(MIXED.layers) + 2) * 2.0**-53

design = st.fixed_dictionaries({
    "split_after": st.integers(0, len(MIXED.layers)) | st.none(),
    "order": st.sampled_from(["ann_first", "snn_first"]),
    "encoding": st.sampled_from(["rate", "direct"]),
    "memory": st.sampled_from(["separate", "shared"]),
    "schedule": st.sampled_from(["sequential", "pipelined"]),
    "converter_lanes": st.sampled_from([1, 16]),
    "lfsr_bits": st.sampled_from([8, 16]),
    "ann.rows": st.integers(1, 64),
    "ann.cols": st.integers(1, 64),
    "ann.dataflow": st.sampled_from(["os", "ws", "is"]),
    "ann.latency_model": st.sampled_from(["scalesim", "bandwidth"]),
    "ann.clock_mhz": st.floats(50.0, 1000.0),
    "ann.filter_sram_kib": st.sampled_from([0.5, 64.0]),
    "snn.cores": st.integers(1, 64),
    "snn.pes_per_core": st.integers(1, 16),
    "snn.state_update": st.sampled_from(["per_event", "per_active_neuron", "sorted_time"]),
    "snn.weights_resident": st.booleans(),
    "snn.clock_mhz": st.floats(50.0, 1000.0),
})


def scalar_row(raw: dict[str, Any]) -> tuple:
    return Backend.cost_batch(HYBRID, MIXED, pl.DataFrame([raw]), TECH).row(0)


def assert_matches(got: tuple, want: tuple) -> None:
    """Cycles, seconds, area, fits and error ==; energy and power within the plain-sum bound."""
    assert got[1:4] + got[5:] == want[1:4] + want[5:]
    for column in (0, 4):
        assert math.isclose(got[column], want[column], rel_tol=BOUND, abs_tol=0.0)


@settings(max_examples=30, deadline=None)
@given(designs=st.lists(design, min_size=1, max_size=10))
def test_batch_equals_cost_one_design_at_a_time(designs: list[dict[str, Any]]) -> None:
    out = HYBRID.cost_batch(MIXED, pl.DataFrame(designs), TECH)
    assert out.height == len(designs)
    for raw, got in zip(designs, out.iter_rows(), strict=True):
        assert_matches(got, scalar_row(raw))


def test_a_two_layer_split_worked_by_hand() -> None:
    # fc1 on the array, fc2 on the SNN chip (split_after 3 puts conv1, conv2, fc1 on the array);
    # shared memory: no idle leakage. Rate encoding of fc2's 128 inputs x T=4 draws, each an 8-bit
    # compare 0.03 pJ + a 16-bit LFSR update 16 x 0.009 pJ (Horowitz 2014; Aladdin register) = 0.174 pJ:
    # 512 x 0.174 = 89.088 pJ, and 512 draws / 16 lanes = 32 cycles at the array's clock.
    rows = [{"split_after": 3, "memory": "shared", "ann.rows": r, "ann.clock_mhz": 500.0, "snn.cores": 4}
            for r in (8, 16)]
    out = HYBRID.cost_batch(MIXED, pl.DataFrame(rows), TECH)
    systolic, snn = PLUGINS.backend("systolic"), PLUGINS.backend("snn")
    for raw, got in zip(rows, out.iter_rows(named=True), strict=True):
        ann = systolic.cost(MIXED.with_knobs(timesteps=1), systolic.parse_params({"rows": raw["ann.rows"],
                                                                                  "clock_mhz": 500.0}), TECH)
        spiking = snn.cost(MIXED, snn.parse_params({"cores": 4}), TECH)
        energy = sum(layer.energy_pj for layer in ann.layers[:3]) + spiking.layers[3].energy_pj + 512 * 0.174
        assert got["energy_pj"] == pytest.approx(energy, rel=1e-12)
        seconds = sum(layer.latency_cycles for layer in ann.layers[:3]) / 500e6 \
            + spiking.layers[3].latency_cycles / (spiking.clock_mhz * 1e6) + 32 / 500e6
        assert got["latency_s"] == pytest.approx(seconds, rel=1e-12)
        assert got["area_mm2"] == pytest.approx(max(ann.area_mm2, spiking.area_mm2) * 1.1, rel=1e-12)


def test_a_bad_row_fails_alone_with_the_message_of_cost() -> None:
    rows = [{"split_after": 1, "ann.rows": 8}, {"split_after": 9, "ann.rows": 8}, {"split_after": 1, "ann.rows": 0}]
    out = HYBRID.cost_batch(MIXED, pl.DataFrame(rows), TECH)
    loop = Backend.cost_batch(HYBRID, MIXED, pl.DataFrame(rows), TECH)
    assert out["error"][0] is None and out["error"].to_list()[1:] == loop["error"].to_list()[1:]
    assert "beyond the last layer" in out["error"][1] and "NestedParamsError" in out["error"][2]
    assert_matches(out.row(0), loop.row(0))


#: A residual block: ``add`` reads conv2's output and, as its second operand, conv1's (skip_from), so a
#: split between them makes both operands cross, and every snn_first split is its own ANN view.
RESIDUAL = Workload.model_validate({"name": "residual", "timesteps": 4, "layers": [
    {"name": "conv1", "kind": "conv2d", "in_channels": 2, "out_channels": 8, "in_height": 8, "in_width": 8,
     "kernel": 3, "padding": 1, "input_density": 1.0},
    {"name": "conv2", "kind": "conv2d", "in_channels": 8, "out_channels": 8, "in_height": 8, "in_width": 8,
     "kernel": 3, "padding": 1, "input_density": 0.4},
    {"name": "add", "kind": "add", "skip_from": "conv1"},
    {"name": "fc", "kind": "dense", "in_features": 512, "out_features": 10, "input_density": 0.3}]})


def test_fed_operands_name_the_ann_layers_reading_spikes() -> None:
    # conv1 on the SNN chip, the rest on the array: conv2 reads conv1 (operand 0), add reads conv2
    # (on the array) and conv1 (operand 1, the skip); fc reads add.
    feeds = sources(RESIDUAL)
    assert feeds == [(None,), (0,), (1, 0), (2,)]
    assert fed_operands(("snn", "ann", "ann", "ann"), feeds) == ((1, 0), (2, 1))
    assert fed_operands(("ann", "ann", "snn", "snn"), feeds) == ()


def test_every_split_and_order_of_a_residual_block_equals_cost() -> None:
    # one batch holding every assignment: the ANN engine is asked once per view, the conversions
    # once per assignment and options; each row must still be the design costed on its own
    rows = [{"split_after": k, "order": order, "encoding": encoding, "memory": memory, "schedule": schedule,
             "ann.rows": 8, "ann.cols": 16, "snn.cores": 4}
            for k in range(len(RESIDUAL.layers) + 1) for order in ("ann_first", "snn_first")
            for encoding in ("rate", "direct") for memory in ("separate", "shared")
            for schedule in ("sequential", "pipelined")]
    frame = pl.DataFrame(rows)
    out = HYBRID.cost_batch(RESIDUAL, frame, TECH)
    loop = Backend.cost_batch(HYBRID, RESIDUAL, frame, TECH)
    assert out["error"].null_count() == out.height
    for got, want in zip(out.iter_rows(), loop.iter_rows(), strict=True):
        assert_matches(got, want)


def test_each_engine_is_asked_only_for_the_layers_its_rows_run_there(monkeypatch) -> None:
    # ANN-first splits after 1 or 2 layers of 4: the array runs layers 0-1 of some row, the SNN
    # chip layers 1-3; the array's other layers need no cost (Backend.layer_batch_views' layers)
    asked = []
    systolic = PLUGINS.backend("systolic")
    original = systolic.layer_batch_views
    monkeypatch.setattr(systolic, "layer_batch_views",
                        lambda *args: asked.append(args[4]) or original(*args))
    frame = pl.DataFrame({"split_after": [1, 2, 1], "memory": ["separate", "shared", "separate"],
                          "ann.rows": [8, 16, 4], "snn.cores": [4, 2, 8]})
    out = HYBRID.cost_batch(RESIDUAL, frame, TECH)
    assert [list(layers) for layers in asked] == [[True, True, False, False]]
    for got, want in zip(out.iter_rows(), Backend.cost_batch(HYBRID, RESIDUAL, frame, TECH).iter_rows(), strict=True):
        assert_matches(got, want)


def test_conversions_are_added_at_the_layers_each_row_crosses() -> None:
    # three layers, two parameter sets: set 0 converts at layer 1 (energy only), set 1 at layers 0
    # (cycles only) and 2; rows use sets 1, 0, 1
    pj = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 7.0]])
    cycles = np.array([[0.0, 3.0], [0.0, 0.0], [0.0, 2.0]])
    layer, row, choice = _crossed(pj, cycles, np.array([1, 0, 1]))
    assert layer.tolist() == [0, 2, 1, 0, 2]
    assert row.tolist() == [0, 0, 1, 2, 2]
    assert choice.tolist() == [1, 1, 0, 1, 1]


floats = st.floats(allow_nan=True, allow_infinity=True, width=64)


@given(st.lists(st.tuples(st.booleans(), floats, floats), min_size=1, max_size=40))
def test_bit_mask_selects_equal_np_where_bit_for_bit(cells: list[tuple[bool, float, float]]) -> None:
    """_chosen and _overwrite pick each element's bits as np.where and np.copyto do: NaN, -0.0 and
    infinities included."""
    where, one, other = (np.array(column) for column in zip(*cells, strict=True))
    mask = np.negative(where.astype(np.uint64))
    expected = np.where(where, one, other).view(np.uint64)
    assert np.array_equal(_chosen(mask, one, other).view(np.uint64), expected)
    out = other.copy()
    _overwrite(out, mask, one)
    assert np.array_equal(out.view(np.uint64), expected)
