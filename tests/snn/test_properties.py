"""Invariants of the snn backend, over random designs and workloads (hypothesis)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
import pytest
from dse_snn.charges import SYNAPTIC_CHARGES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from dse import Backend, Workload
from dse.plugin.manager import make_plugins
from dse.testing import BackendConformance, conformance_workload_set

PLUGINS = make_plugins()
SNN = PLUGINS.backend("snn")
H45 = PLUGINS.technology("horowitz45")
WORKLOADS = (*conformance_workload_set(), Workload.model_validate({"name": "rnn", "timesteps": 3, "layers": [
    {"name": "conv", "kind": "conv2d", "in_channels": 2, "out_channels": 6, "in_height": 9, "in_width": 9,
     "kernel": 3, "stride": 2, "padding": 1, "dilation": 1, "input_density": 0.3, "weight_bits": 4,
     "neuron": {"model": "LIF", "leak": 0.9}},
    {"name": "flat", "kind": "flatten", "input_density": 0.2},
    {"name": "rec", "kind": "dense", "in_features": 150, "out_features": 16, "recurrent": True, "input_density": 0.2,
     "output_density": 0.1, "activation_bits": 16, "neuron": {"model": "CubaLIF", "leak": 0.8}}]}))

#: Roundings in a batch's energy of one layer, the most of any layer: it adds the products of a
#: synaptic layer's counts and energies (dse_snn.charges.SYNAPTIC_CHARGES), a count shared by several
#: actions once times their energies' sum (one rounding more per action), and leakage.
ENERGY_ROUNDINGS = 2 * len(SYNAPTIC_CHARGES) + 1
SLOW_OK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "cores": st.integers(1, 64),
    "pes_per_core": st.integers(1, 64),
    "neurons_per_core": st.integers(1, 4096),
    "weight_sram_kib": st.sampled_from([0.5, 4.0, 64.0, 1024.0]) | st.floats(0.01, 256.0),
    "state_sram_kib": st.floats(0.125, 64.0),
    "membrane_bits": st.none() | st.integers(1, 32),
    "weight_bits": st.none() | st.integers(1, 16),
    "weight_word_bits": st.none() | st.integers(1, 128),
    "state_update": st.sampled_from(["per_event", "per_active_neuron", "sorted_time"]),
    "leak": st.sampled_from(["every_step", "active_only", "none"]),
    "leak_op": st.sampled_from(["shift", "multiply"]),
    "spike_format": st.sampled_from(["events", "bitmap"]),
    "bias": st.booleans(),
    "event_bits": st.none() | st.integers(1, 32),
    "noc_hop_pj": st.floats(0.0, 10.0),
    "noc_hop_ns": st.floats(0.0, 20.0),
    "mean_hops": st.none() | st.floats(0.0, 8.0),
    "clock_mhz": st.floats(1.0, 2000.0),
    "memory_overflow": st.sampled_from(["fail", "dram"]),
    "weights_resident": st.booleans(),
    "dram_bytes_per_cycle": st.floats(0.01, 64.0),
    "energy_model.leak_pj": st.none() | st.floats(0.0, 10.0),
    "energy_model.weight_read_pj": st.none() | st.floats(0.0, 10.0),
    "energy_model.leakage_mw_per_mm2": st.none() | st.floats(0.0, 50.0),
}
flat_params = st.fixed_dictionaries({}, optional=FIELDS)
# values the model refuses, one field each, with the column type of the valid values
BAD = [{"cores": 0}, {"pes_per_core": -3}, {"leak": "sometimes"}, {"weight_sram_kib": 0.0},
       {"state_sram_kib": 0.1}, {"membrane_bits": 65}, {"clock_mhz": 0.0}, {"energy_model.leak_pj": -1.0},
       {"noc_hop_ns": -1.0}]


def nested(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        if value is None:
            continue
        head, _, leaf = key.rpartition(".")
        (out.setdefault(head, {}) if head else out)[leaf] = value
    return out


def energy(workload: Workload, params: dict[str, Any]) -> float:
    return SNN.cost(workload, SNN.parse_params(nested(params)), H45).energy_pj


@SLOW_OK
@given(rows=st.lists(flat_params | st.sampled_from(BAD), min_size=1, max_size=6),
       workload=st.sampled_from(WORKLOADS))
def test_batch_equals_the_one_at_a_time_path(rows, workload):
    frame = pl.DataFrame(rows, infer_schema_length=None)
    fast = SNN.cost_batch(workload, frame, H45)
    loop = Backend.cost_batch(SNN, workload, frame, H45)  # the base class: one cost() per row
    exact = ["latency_cycles", "latency_s", "area_mm2", "memory_fits", "error"]
    assert_frame_equal(fast.select(exact), loop.select(exact), check_exact=True)
    # energy and power: plain sums against fsum's, within (roundings + layers + 2)·2⁻⁵³ (dse.plugin.batching)
    bound = (ENERGY_ROUNDINGS + len(workload.layers) + 2) * 2.0**-53
    assert_frame_equal(fast.drop(exact), loop.drop(exact), check_exact=False, rel_tol=bound, abs_tol=0.0)


def test_batch_of_many_chunks_and_modes_equals_the_one_at_a_time_path(monkeypatch):
    # designs of every mode, interleaved, in chunks of 5: grouped by mode across chunks (dse.in_chunks)
    # and within a chunk (dse_snn.modes), each design's costs come back to its own row
    monkeypatch.setattr("dse.plugin.batching.CHUNK_ROWS", 5)
    modes = [{"state_update": u, "leak": k, "spike_format": f, "bias": b}
             for u in ("per_event", "per_active_neuron", "sorted_time") for k in ("every_step", "active_only", "none")
             for f in ("events", "bitmap") for b in (False, True)]
    frame = pl.DataFrame([{**mode, "cores": 1 + i % 7, "timesteps": None if i % 3 else 2, "weight_word_bits": 32}
                          for i, mode in enumerate(modes[::-1] + modes)])
    for workload in WORKLOADS[:2]:
        fast = SNN.cost_batch(workload, frame, H45)
        loop = Backend.cost_batch(SNN, workload, frame, H45)
        exact = ["latency_cycles", "latency_s", "area_mm2", "memory_fits", "error"]
        assert_frame_equal(fast.select(exact), loop.select(exact), check_exact=True)
        bound = (ENERGY_ROUNDINGS + len(workload.layers) + 2) * 2.0**-53
        assert_frame_equal(fast.drop(exact), loop.drop(exact), check_exact=False, rel_tol=bound, abs_tol=0.0)


@SLOW_OK
@given(rows=st.lists(flat_params, min_size=1, max_size=6), workload=st.sampled_from(WORKLOADS), data=st.data())
def test_layers_not_asked_for_have_no_energy_and_the_rest_is_unchanged(rows, workload, data):
    # a hybrid asks its SNN engine only for the layers its rows run there: those layers' energies are
    # the whole batch's, every layer's cycles, the latency, area and fit are the whole network's
    layers = np.array(data.draw(st.lists(st.booleans(), min_size=len(workload.layers),
                                         max_size=len(workload.layers))))
    frame = pl.DataFrame(rows, infer_schema_length=None)
    view = np.zeros(frame.height, dtype=np.int64)
    asked = SNN.layer_batch_views([workload], view, frame, H45, layers)
    whole = SNN.layer_batch_views([workload], view, frame, H45)
    np.testing.assert_array_equal(asked.energy_pj[:, layers], whole.energy_pj[:, layers])
    rerouted = np.array([e is not None for e in whole.error]) | ~np.isfinite(whole.total_energy())
    priced = np.array([layer.kind != "flatten" for layer in workload.layers])  # a flatten costs nothing
    assert np.isnan(asked.energy_pj[~rerouted][:, ~layers & priced]).all()  # rows through cost() have them all
    for name in ("latency_cycles", "total_cycles", "clock_mhz", "area_mm2", "memory_fits"):
        np.testing.assert_array_equal(getattr(asked, name), getattr(whole, name), err_msg=name)
    assert asked.error == whole.error


def test_batch_rejects_unknown_columns_row_by_row():
    frame = pl.DataFrame({"cores": [4, 8], "rows": [1, 2]})
    out = SNN.cost_batch(WORKLOADS[0], frame, H45)
    assert out["error"].str.contains("rows").all()
    assert out["energy_pj"].is_nan().all()


def _scaled(workload: Workload, scale: float) -> Workload:
    return workload.with_knobs(densities={
        layer.name: (layer.input_density * scale, layer.resolved_output_density * scale) for layer in workload.layers})


@SLOW_OK
@given(params=flat_params, workload=st.sampled_from(WORKLOADS), low=st.floats(0.0, 1.0), high=st.floats(0.0, 1.0))
def test_energy_never_decreases_with_spike_density(params, workload, low, high):
    low, high = sorted((low, high))
    assert energy(_scaled(workload, low), params) <= energy(_scaled(workload, high), params) * (1 + 1e-12)


@SLOW_OK
@given(params=flat_params, workload=st.sampled_from(WORKLOADS), steps=st.integers(1, 12), more=st.integers(0, 12))
def test_energy_never_decreases_with_time_steps(params, workload, steps, more):
    params = {**params, "timesteps": None}
    shorter, longer = workload.with_knobs(timesteps=steps), workload.with_knobs(timesteps=steps + more)
    assert energy(shorter, params) <= energy(longer, params) * (1 + 1e-12)


@SLOW_OK
@given(params=flat_params, workload=st.sampled_from(WORKLOADS))
def test_breakdown_sums_to_total_and_is_non_negative(params, workload):
    cost = SNN.cost(workload, SNN.parse_params(nested(params)), H45)
    for layer in cost.layers:
        assert all(value >= 0 for value in layer.breakdown.values())
        assert math.fsum(layer.breakdown.values()) == pytest.approx(layer.energy_pj, rel=1e-12, abs=1e-12)
    assert math.fsum(cost.breakdown.values()) == pytest.approx(cost.energy_pj, rel=1e-12, abs=1e-12)


@SLOW_OK
@given(params=flat_params, workload=st.sampled_from(WORKLOADS))
def test_sorted_time_stores_no_state_across_ticks(params, workload):
    params = {**params, "state_update": "sorted_time"}
    cost = SNN.cost(workload, SNN.parse_params(nested(params)), H45)
    assert cost.counts.get("state_reads", 0.0) == cost.counts.get("state_writes", 0.0) == 0.0
    assert cost.breakdown.get("neuron_state", 0.0) == 0.0
    assert cost.footprint_bits.get("neuron_state", 0.0) == 0.0
    # so the state SRAM's access energy cannot matter: only its area and leakage could
    priced = {**params, "energy_model.state_read_pj": 99.0, "energy_model.state_write_pj": 99.0}
    assert energy(workload, priced) == cost.energy_pj


@SLOW_OK
@given(params=flat_params, workload=st.sampled_from(WORKLOADS), resource=st.sampled_from(
    ["neurons_per_core", "state_sram_kib", "weight_sram_kib"]), factor=st.floats(1.0, 64.0))
def test_less_memory_never_means_less_dram_traffic(params, workload, resource, factor):
    # what a layer cannot get on chip it reads (and, state, writes) every step: at least once, as
    # the on-chip weights are loaded, so the DRAM bits never fall when a capacity shrinks, and an
    # overflow is never free, whether the design counts as fitting or not
    bits = {}
    for scale in (1.0, factor):
        grown = {**params, resource: min(FIELDS_MAX[resource], (params.get(resource) or DEFAULTS[resource]) * scale)}
        if resource == "neurons_per_core":
            grown[resource] = int(grown[resource])
        cost = SNN.cost(workload, SNN.parse_params(nested(grown)), H45)
        bits[scale] = cost.counts.get("dram_bits", 0.0)
    assert bits[factor] <= bits[1.0] * (1 + 1e-12)


DEFAULTS = {"neurons_per_core": 1024, "state_sram_kib": 4.0, "weight_sram_kib": 128.0}
FIELDS_MAX = {"neurons_per_core": 2**24, "state_sram_kib": 2.0**20, "weight_sram_kib": 2.0**20}


class TestSnnConformance(BackendConformance):
    backend_name = "snn"
    params_examples = (
        {},
        {"state_update": "per_event", "leak": "every_step", "bias": True, "memory_overflow": "dram"},
        {"state_update": "sorted_time", "leak": "active_only", "leak_op": "multiply", "spike_format": "bitmap"},
        {"cores": 1, "pes_per_core": 1, "weight_sram_kib": 0.5, "state_sram_kib": 0.125, "weight_word_bits": 64,
         "memory_overflow": "dram", "timesteps": 3, "weight_bits": 4, "membrane_bits": 12},
    )
