"""Invariants of the systolic model over random layers and designs (hypothesis)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dse.testing import BackendConformance
from tests.systolic.cases import conv, cost, workload


@st.composite
def gemm_layer(draw: st.DrawFn) -> dict[str, Any]:
    """A conv2d (grouped or depthwise sometimes, with padding and stride) or a dense layer."""
    if draw(st.booleans()):
        return {"name": "fc", "kind": "dense", "in_features": draw(st.integers(1, 300)),
                "out_features": draw(st.integers(1, 300)), "input_density": draw(st.floats(0, 1))}
    groups = draw(st.sampled_from([1, 1, 2, 4]))
    size = draw(st.integers(3, 20))
    return conv(in_channels=groups * draw(st.integers(1, 6)), out_channels=groups * draw(st.integers(1, 6)),
                groups=groups, in_height=size, in_width=size, kernel=draw(st.sampled_from([1, 3])),
                stride=draw(st.integers(1, 2)), padding=draw(st.integers(0, 1)),
                input_density=draw(st.floats(0, 1)))


dataflows = st.sampled_from(["os", "ws", "is"])


@settings(max_examples=150, deadline=None)
@given(layer=gemm_layer(), dataflow=dataflows, rows=st.integers(1, 64), cols=st.integers(1, 64),
       more_rows=st.integers(0, 64), more_cols=st.integers(0, 64))
def test_more_rows_or_cols_never_increase_compute_cycles(layer, dataflow, rows, cols, more_rows, more_cols) -> None:
    w = workload(layer)

    def cycles(r: int, c: int) -> float:
        return cost(w, rows=r, cols=c, dataflow=dataflow).counts["compute_cycles"]

    base = cycles(rows, cols)
    assert cycles(rows + more_rows, cols) <= base
    assert cycles(rows, cols + more_cols) <= base
    assert cycles(rows + more_rows, cols + more_cols) <= base


@settings(max_examples=150, deadline=None)
@given(layer=gemm_layer(), rows=st.integers(1, 40), cols=st.integers(1, 40), words=st.integers(1, 16),
       more=st.integers(0, 16))
def test_deeper_weight_register_files_never_add_cycles_or_partial_sums(layer, rows, cols, words, more) -> None:
    # a ws PE holding more weights folds the reduction fewer times: fewer fills and drains, fewer
    # partial sums leaving the array, the same MACs
    w = workload(layer)

    def counts(n: int) -> dict[str, float]:
        return cost(w, rows=rows, cols=cols, dataflow="ws", weight_register_words=n).counts

    shallow, deep = counts(words), counts(words + more)
    assert deep["compute_cycles"] <= shallow["compute_cycles"]
    assert deep["sram_psum_reads"] <= shallow["sram_psum_reads"]
    assert deep["mapping_efficiency"] == shallow["mapping_efficiency"]


def test_scalesims_own_count_can_grow_with_the_array() -> None:
    # the property above holds for dse's mapping, not for SCALE-Sim's: a one-fold layer pays
    # fill and drain over every row. The 2->3 conv (K = 18, M = 3, Npx = 4) on WS 18x3 vs 19x3:
    # 1·(4 + 2·18 + 3 - 2) - 1 = 40, then 1·(4 + 2·19 + 3 - 2) - 1 = 42.
    w = workload(conv())
    scalesim = [cost(w, rows=r, cols=3, latency_model="scalesim").counts["compute_cycles"] for r in (18, 19)]
    assert scalesim == [40, 42]


designs = st.fixed_dictionaries({
    "rows": st.integers(1, 48), "cols": st.integers(1, 48), "dataflow": dataflows,
    "latency_model": st.sampled_from(["scalesim", "bandwidth"]),
    "ifmap_sram_kib": st.sampled_from([0.01, 1.0, 64.0]), "filter_sram_kib": st.sampled_from([0.01, 1.0, 64.0]),
    "ofmap_sram_kib": st.sampled_from([0.01, 1.0, 64.0]), "dram_bytes_per_cycle": st.floats(0.5, 64),
})


@settings(max_examples=100, deadline=None)
@given(layers=st.lists(gemm_layer(), min_size=1, max_size=1), params=designs)
def test_zero_gating_never_increases_energy(layers, params) -> None:
    w = workload(*layers)
    gated, plain = cost(w, **params, zero_gating=True), cost(w, **params, zero_gating=False)
    assert gated.energy_pj <= plain.energy_pj
    assert gated.latency_cycles == plain.latency_cycles  # energy, not cycles
    for key in ("compute", "register"):
        assert gated.breakdown[key] <= plain.breakdown[key]


@settings(max_examples=100, deadline=None)
@given(layer=gemm_layer(), params=designs)
def test_breakdowns_sum_to_totals_and_nothing_is_negative(layer, params) -> None:
    w = workload(layer, {"name": "res", "kind": "add", "skip_from": layer["name"]})
    c = cost(w, **params)
    assert c.energy_pj == pytest.approx(sum(c.breakdown.values()), rel=1e-12)
    for lc in c.layers:
        assert lc.energy_pj == pytest.approx(sum(lc.breakdown.values()), rel=1e-12)
        assert all(v >= 0 for v in lc.breakdown.values()) and lc.latency_cycles >= 0
    assert c.latency_cycles == sum(lc.latency_cycles for lc in c.layers)
    counts = c.layers[0].counts
    assert c.layers[0].latency_cycles == counts["compute_cycles"] + counts["refill_cycles"] + counts["stall_cycles"]
    assert 0 < counts["mapping_efficiency"] <= 1 and 0 < c.layers[0].utilization <= 1


@settings(max_examples=60, deadline=None)
@given(layer=gemm_layer(), params=designs)
def test_stalls_vanish_with_unlimited_bandwidth_and_grow_as_it_shrinks(layer, params) -> None:
    w = workload(layer)
    params = {**params, "latency_model": "bandwidth"}
    fast = cost(w, **{**params, "dram_bytes_per_cycle": 1e6})
    slow = cost(w, **{**params, "dram_bytes_per_cycle": 0.5})
    assume(fast.counts["dram_bits"] > 0)
    assert fast.counts["stall_cycles"] <= 1  # the first fold's transfer, rounded up to a cycle
    assert slow.latency_cycles >= fast.latency_cycles


class TestSystolicConformance(BackendConformance):
    backend_name = "systolic"
    params_examples = (
        {},
        {"rows": 8, "cols": 16, "dataflow": "os", "latency_model": "scalesim"},
        {"rows": 4, "cols": 4, "dataflow": "is", "ifmap_sram_kib": 0.5, "filter_sram_kib": 0.5,
         "ofmap_sram_kib": 0.25, "dram_bytes_per_cycle": 1.0, "zero_gating": False},
        {"dataflow": "ws", "weight_bits": 4, "activation_bits": 4, "accumulator_bits": 16},
        {"rows": 8, "cols": 8, "cores": 4, "partition": "auto", "global_buffer_kib": 16.0},
        {"rows": 4, "cols": 8, "cores": 3, "partition": "spatial", "dataflow": "os", "latency_model": "scalesim"},
    )
