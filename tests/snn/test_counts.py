"""Counts, energies, latency, mapping and area of the snn backend, worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from dse import Workload
from dse.plugin.manager import make_plugins

PLUGINS = make_plugins()
SNN = PLUGINS.backend("snn")
H45 = PLUGINS.technology("horowitz45")

# A dense LIF layer 10 -> 4, T = 2, input density 0.5, output density 0.25, 8-bit weights and
# activations. Per step: 5 input events, 5 x 4 = 20 synaptic ops, 1 output spike, and
# A = 4 (1 - 0.5^10) = 3.99609375 neurons with input.
DENSE = Workload.model_validate({"name": "dense", "timesteps": 2, "layers": [
    {"name": "fc", "kind": "dense", "in_features": 10, "out_features": 4, "input_density": 0.5,
     "output_density": 0.25, "neuron": {"model": "LIF", "leak": 0.9}}]})
ACTIVE = 4 * (1 - 0.5**10)
# One core of 2 PEs, 32 KiB weights, 8 KiB state, no static power: only dynamic energy is checked.
SMALL = {"cores": 1, "pes_per_core": 2, "weight_sram_kib": 32.0, "state_sram_kib": 8.0,
         "energy_model": {"leakage_mw_per_mm2": 0.0}}


def run(workload: Workload, **params: Any):
    return SNN.cost(workload, SNN.parse_params({**SMALL, **params}), H45)


@pytest.mark.parametrize(("mode", "leak", "state", "compares", "leaks", "integrates", "registers"), [
    # per event: a read-modify-write per synaptic op (2 x 20) + the every-step sweep (2 x 4)
    ("per_event", "every_step", 48.0, 8.0, 8.0, 0.0, 0.0),
    # no sweep without leak or bias: the threshold is compared after every update
    ("per_event", "none", 40.0, 40.0, 0.0, 0.0, 0.0),
    # active only: the leak rides on a neuron's first update of the step, no extra access
    ("per_event", "active_only", 40.0, 40.0, 2 * ACTIVE, 0.0, 0.0),
    # per active neuron with an every-step leak: every neuron read and written each step
    ("per_active_neuron", "every_step", 8.0, 2 * ACTIVE, 8.0, 2 * ACTIVE, 40.0),
    ("per_active_neuron", "active_only", 2 * ACTIVE, 2 * ACTIVE, 2 * ACTIVE, 2 * ACTIVE, 40.0),
    # sorted time: potentials live in registers, never in the state SRAM
    ("sorted_time", "every_step", 0.0, 2 * ACTIVE, 8.0, 0.0, 40.0),
])
def test_state_accesses_follow_the_state_update_choice(mode, leak, state, compares, leaks, integrates, registers):
    counts = run(DENSE, state_update=mode, leak=leak).counts
    assert counts["synaptic_ops"] == pytest.approx(40.0)
    assert counts["state_reads"] == pytest.approx(state)
    assert counts["state_writes"] == pytest.approx(state)
    assert counts["compares"] == pytest.approx(compares)
    assert counts["leak_ops"] == pytest.approx(leaks)
    assert counts["integrate_ops"] == pytest.approx(integrates)
    assert counts["register_accumulates"] == pytest.approx(registers)
    assert counts["resets"] == pytest.approx(2.0)
    assert counts["output_spikes"] == pytest.approx(2.0)


def test_if_layers_never_leak():
    data = DENSE.model_dump()
    data["layers"][0]["neuron"] = {"model": "IF"}
    assert run(Workload.model_validate(data), leak="every_step").counts["leak_ops"] == 0.0


def test_bias_sweeps_every_neuron_every_step():
    # bias: 2 x 4 bias reads and adds; every neuron counts as active, so per_active_neuron
    # reads and writes all 8 neuron-steps.
    counts = run(DENSE, bias=True, leak="none").counts
    assert counts["bias_reads"] == counts["bias_adds"] == pytest.approx(8.0)
    assert counts["state_reads"] == pytest.approx(8.0)


@pytest.mark.parametrize(("word", "reads"), [
    (None, 40.0),  # one weight per read
    (32, 10.0),  # 4 weights a word: an event's 4 targets in one read -> 10 events x 1
    (24, 20.0),  # 3 weights a word: ceil(4 / 3) = 2 reads per event -> 10 events x 2
    (4, 40.0),  # a word narrower than a weight still reads one weight
])
def test_weight_reads_per_synaptic_op_or_per_packed_word(word, reads):
    assert run(DENSE, weight_word_bits=word).counts["weight_reads"] == pytest.approx(reads)


def test_convolution_synapses_are_exact_at_borders_stride_and_groups():
    # 4 channels of 4x4 in, 4 out, 2 groups (2 input channels per group), 3x3, stride 2, padding 1
    # -> 2x2 outputs. Real taps per output row: 2 (row 0), 3 (row 1); columns the same: 25 per
    # (output channel, input channel of its group) pair: 4 x 2 x 25 = 200 synapses per step.
    # T = 3, density 0.25: 150 synaptic ops from 3 x 0.25 x 64 = 48 input events.
    workload = Workload.model_validate({"name": "g", "timesteps": 3, "layers": [
        {"name": "c", "kind": "conv2d", "in_channels": 4, "out_channels": 4, "groups": 2, "in_height": 4,
         "in_width": 4, "kernel": 3, "stride": 2, "padding": 1, "input_density": 0.25}]})
    counts = run(workload, state_update="per_event").counts
    assert counts["input_events"] == pytest.approx(48.0)
    assert counts["synaptic_ops"] == pytest.approx(150.0)


def test_technology_energies_of_a_per_event_layer():
    # horowitz45: 8-bit add 0.03 pJ; a 10-bit address add (1024 neurons per core) 0.03 + 0.07 x 2/24
    # = 0.0358333 pJ; SRAM 8 KiB 10/64 pJ/bit (8-bit potential 1.25 pJ), 32 KiB 20/64 pJ/bit
    # (8-bit weight 2.5 pJ); register 0.009 pJ/bit, events ⌈log2 10⌉ = 4 bits -> 0.036 pJ.
    cost = run(DENSE, state_update="per_event", leak="every_step")
    b = cost.layers[0].breakdown
    address = 0.03 + 0.07 * 2 / 24
    assert b["sram_weight_read"] == pytest.approx(40 * 2.5)  # 40 weight reads
    assert b["neuron_state"] == pytest.approx(2 * 48 * 1.25)  # 48 reads + 48 writes
    assert b["compute"] == pytest.approx(40 * (0.03 + address) + 10 * address)  # ops + 10 event decodes
    assert b["events"] == pytest.approx((10 + 2) * 0.036)  # 10 deliveries read, 2 spikes written
    assert b["neuron_update"] == pytest.approx((8 + 8 + 2) * 0.03)  # leaks (shift), compares, resets
    assert b["noc"] == 0.0  # one core: no hops
    assert b["register"] == 0.0 and b["leakage"] == 0.0
    # compulsory DRAM: the 40 8-bit weights loaded once (320 bits, written into the 32 KiB weight
    # SRAM at 20/64 pJ/bit), the network's input: 2 steps x 5 events x 4 bits = 40 bits, its
    # output: 2 steps x 1 spike x ⌈log2 4⌉ = 2 bits = 4 bits; 364 bits at 1300/64 pJ/bit
    counts = cost.layers[0].counts
    assert (counts["dram_read_bits"], counts["dram_write_bits"]) == (pytest.approx(360), pytest.approx(4))
    assert b["sram_weight_write"] == pytest.approx(320 * 20 / 64)
    assert b["dram"] == pytest.approx(364 * 1300 / 64)
    resident = run(DENSE, state_update="per_event", leak="every_step", weights_resident=True).layers[0]
    assert resident.counts["dram_bits"] == pytest.approx(44) and resident.breakdown["sram_weight_write"] == 0


def test_multiply_leak_costs_a_membrane_by_membrane_multiply():
    shift = run(DENSE, leak_op="shift").layers[0].breakdown["neuron_update"]
    multiply = run(DENSE, leak_op="multiply").layers[0].breakdown["neuron_update"]
    assert multiply - shift == pytest.approx(8 * (0.2 - 0.03))  # 8 leaks: 8x8 multiply 0.2 pJ vs add 0.03


def test_latency_is_events_on_pes_plus_the_neuron_sweep():
    # one core, 2 PEs: per step max(5 events, 20 ops / 2 PEs) + 4 neurons / 2 PEs = 12 cycles;
    # T = 2 -> 24 cycles (one layer: pipelined and sequential agree).
    assert run(DENSE, state_update="per_event").latency_cycles == pytest.approx(24.0)
    # per active neuron, active-only leak: 10 + 3.99609375 / 2 cycles per step
    assert run(DENSE, leak="active_only").latency_cycles == pytest.approx(2 * (10 + ACTIVE / 2))
    # 8 PEs: the event stream (one event a cycle) bounds the step: max(5, 20/8) + 4/8 = 5.5
    assert run(DENSE, state_update="per_event", pes_per_core=8).latency_cycles == pytest.approx(11.0)


def test_a_slow_dram_port_bounds_the_latency():
    # per_event on one core: 24 cycles of work (above); its 364 DRAM bits (weights, input,
    # output: test_technology_energies_of_a_per_event_layer) at 0.1 byte/cycle take 455 cycles
    slow = run(DENSE, state_update="per_event", dram_bytes_per_cycle=0.1)
    assert slow.layers[0].counts["memory_cycles"] == pytest.approx(455.0)
    assert slow.latency_cycles == pytest.approx(455.0)
    assert run(DENSE, state_update="per_event", dram_bytes_per_cycle=100.0).latency_cycles == pytest.approx(24.0)


def test_layers_pipeline_across_steps_when_each_has_its_own_cores():
    two = Workload.model_validate({"name": "two", "timesteps": 4, "layers": [
        {"name": "a", "kind": "dense", "in_features": 10, "out_features": 4, "input_density": 0.5},
        {"name": "b", "kind": "dense", "in_features": 4, "out_features": 4, "input_density": 0.5}]})
    # per step (per_event, leak every step, 2 PEs per core): a: max(5, 20/2) + 4/2 = 12;
    # b: max(2, 8/2) + 4/2 = 6, each plus the mesh flight f of its last spike: two cores (√2 x √2)
    # are 2 (2 - 1) / (3 √2) = 0.4714 hops apart on average, f = 0.4714 x 5.3 ns x 400 MHz = 0.99938
    # cycles. Two cores: (T + 1) x (12 + f) = 64.9969 < sequential 4 x (18 + 2f) = 79.995.
    # One core: no hops; the layers share it, sequential 4 x 18 = 72.
    f = 2 / (3 * 2**0.5) * 5.3 * 400 / 1000
    assert run(two, state_update="per_event", cores=2).latency_cycles == pytest.approx(5 * (12 + f))
    assert run(two, state_update="per_event", cores=1).latency_cycles == pytest.approx(72.0)


BIG = Workload.model_validate({"name": "big", "timesteps": 3, "layers": [
    {"name": "fc", "kind": "dense", "in_features": 1000, "out_features": 1000, "input_density": 0.1}]})


def test_weights_beyond_the_sram_are_charged_whether_or_not_the_design_counts_as_fitting():
    # 1000 x 1000 8-bit weights = 8,000,000 bits; 2 cores x 256 KiB = 4,194,304 bits on chip,
    # loaded once per inference; excess 3,805,696 bits read once per step: 3 x 3,805,696 =
    # 11,417,088 bits. Compulsory I/O: 3 steps x 100 input events x ⌈log2 1000⌉ = 10 bits in,
    # 3 x 100 output spikes x 10 bits out: 3,000 + 3,000 bits. All at 1300/64 pJ/bit.
    params = {"cores": 2, "weight_sram_kib": 256.0}
    bits = 4_194_304 + 11_417_088 + 6_000
    failed = run(BIG, **params)  # memory_overflow: fail, the default
    assert not failed.memory_fits and "does not fit on chip: not enough weight SRAM" in failed.notes
    assert failed.counts["dram_bits"] == pytest.approx(bits)  # not silently cheap: the overflow is paid
    assert failed.breakdown["dram"] == pytest.approx(bits * 1300 / 64)
    streamed = run(BIG, memory_overflow="dram", **params)
    assert streamed.memory_fits and streamed.energy_pj == failed.energy_pj


def test_neurons_beyond_the_chip_spill_their_potentials():
    # 5000 neurons on 2 cores of 1024: 2952 neurons x 8 bits = 23,616 bits read and written once
    # per step; T = 1 -> 47,232 bits. (The 4,000,000 weight bits fit 2 x 1 MiB and are loaded
    # once; the input's 10 events of ⌈log2 100⌉ = 7 bits come in, 500 spikes of 13 bits go out.)
    wide = Workload.model_validate({"name": "wide", "layers": [
        {"name": "fc", "kind": "dense", "in_features": 100, "out_features": 5000, "input_density": 0.1}]})
    params = {"cores": 2, "neurons_per_core": 1024, "weight_sram_kib": 1024.0}
    for overflow, fits in (("dram", True), ("fail", False)):
        spilled = run(wide, memory_overflow=overflow, **params)
        assert spilled.counts["dram_write_bits"] == pytest.approx(23_616 + 500 * 13)
        assert spilled.counts["dram_read_bits"] == pytest.approx(23_616 + 4_000_000 + 10 * 7)
        assert spilled.memory_fits is fits
    assert "does not fit on chip: not enough neuron slots" in run(wide, **params).notes


def test_cores_per_layer_by_neurons_and_weights():
    # 1000 neurons at 8 bits fit ⌊4 KiB x 8192 / 8⌋ = 4096 slots, capped at 1024 per core -> 1 core;
    # weights 8,000,000 bits / (1024 KiB x 8192) -> 1 core; with 256 KiB -> ⌈3.81⌉ = 4 cores.
    assert run(BIG, cores=8, weight_sram_kib=1024.0, state_sram_kib=4.0).counts["cores"] == 1.0
    assert run(BIG, cores=8, weight_sram_kib=256.0, state_sram_kib=4.0).counts["cores"] == 4.0
    # every core of a layer receives every input event: 3 x 100 events x 4 cores
    assert run(BIG, cores=8, weight_sram_kib=256.0).counts["event_deliveries"] == pytest.approx(1200.0)


def test_sorted_time_keeps_a_time_sorted_event_buffer_instead_of_potentials():
    # T = 2 -> 1 timestamp bit; 4-bit events; 2 x 5 events x (4 + 1) bits = 50 bits buffered.
    layer = run(DENSE, state_update="sorted_time").layers[0]
    assert layer.footprint_bits["neuron_state"] == 0.0
    assert layer.footprint_bits["event_buffer"] == pytest.approx(50.0)
    assert layer.counts["buffer_writes"] == layer.counts["buffer_reads"] == pytest.approx(10.0)
    assert layer.breakdown["neuron_state"] == 0.0


def test_mesh_hops_default_to_the_mean_distance_of_a_square_mesh():
    # 16 cores (4 x 4): 2 (16 - 1) / (3 x 4) = 2.5 hops per delivery; 10 deliveries at 3.6 pJ.
    cost = run(DENSE, cores=16)
    assert cost.counts["noc_hops"] == pytest.approx(25.0)
    assert cost.breakdown["noc"] == pytest.approx(25.0 * 3.6)
    assert run(DENSE, cores=16, mean_hops=1.0).breakdown["noc"] == pytest.approx(10 * 3.6)


def test_spikes_crossing_cores_pay_the_hops_in_energy_and_latency():
    # DENSE per_event on a 16-core (4 x 4) chip: 2.5 mean hops per delivery (above). Energy: 2 steps x
    # 5 events x 1 core x 2.5 hops x 3.6 pJ = 90 pJ. Latency: every step ends when its last spike has
    # crossed the mesh, 2.5 hops x 5.3 ns at 400 MHz = 5.3 cycles, on top of the 12 cycles of work:
    # 2 x (12 + 5.3) = 34.6 cycles. With one core nothing crosses: 24 cycles, 0 pJ.
    far = run(DENSE, state_update="per_event", cores=16)
    assert far.breakdown["noc"] == pytest.approx(90.0)
    assert far.layers[0].counts["noc_flight_cycles"] == pytest.approx(2 * 5.3)
    assert far.latency_cycles == pytest.approx(34.6)
    near = run(DENSE, state_update="per_event", cores=1)
    assert (near.breakdown["noc"], near.latency_cycles) == (0.0, pytest.approx(24.0))
    # a slower router (Loihi's north/south 6.5 ns per hop): 2 x (12 + 2.5 x 6.5 x 0.4) = 37.0
    assert run(DENSE, state_update="per_event", cores=16, noc_hop_ns=6.5).latency_cycles == pytest.approx(37.0)


def test_area_is_srams_pes_neuron_unit_and_router():
    # per core: (32 + 8) KiB of SRAM, 2 PEs (8-bit adder + 16-bit register), a neuron unit
    # (shift leak adder, integrate adder, comparator: three 8-bit adders), a 5-port router of
    # 4-bit event registers.
    sram = H45.sram_area(40 * 8192)
    pe = H45.add_area(8) + H45.register_area(16)
    neuron_unit = 3 * H45.add_area(8)
    router = H45.register_area(5 * 4)
    assert run(DENSE).area_mm2 == pytest.approx(sram + 2 * pe + neuron_unit + router)
    assert run(DENSE, cores=3).area_mm2 == pytest.approx(3 * (sram + 2 * pe + neuron_unit + router))


def test_leakage_is_static_power_times_inference_time():
    cost = SNN.cost(DENSE, SNN.parse_params({k: v for k, v in SMALL.items() if k != "energy_model"}), H45)
    assert cost.breakdown["leakage"] == pytest.approx(H45.leakage_energy(cost.area_mm2, cost.latency_s))


def test_overrides_of_time_steps_and_bit_widths():
    base = run(DENSE, state_update="per_event")
    longer = run(DENSE, state_update="per_event", timesteps=6)
    assert longer.counts["synaptic_ops"] == pytest.approx(3 * base.counts["synaptic_ops"])
    # 4-bit weights halve the weight read energy; 16-bit membranes double the potential access energy
    assert run(DENSE, weight_bits=4).breakdown["sram_weight_read"] == pytest.approx(base.breakdown["sram_weight_read"] / 2)
    wide = run(DENSE, state_update="per_event", membrane_bits=16)
    assert wide.breakdown["neuron_state"] == pytest.approx(2 * base.breakdown["neuron_state"])


def test_pool_and_add_layers_carry_spikes_without_weights_or_state():
    # 4 x 4 x 4 input at density 0.5, 2x2 sum pooling: 32 events per step, each one add.
    workload = Workload.model_validate({"name": "p", "input_shape": [4, 4, 4], "layers": [
        {"name": "pool", "kind": "pool", "mode": "sum", "kernel": 2, "input_density": 0.5, "output_density": 0.25}]})
    layer = run(workload).layers[0]
    assert layer.counts["adds"] == pytest.approx(32.0)
    assert layer.counts["output_spikes"] == pytest.approx(4.0)  # 16 outputs x 0.25
    assert "neuron_state" not in layer.breakdown and "sram_weight_read" not in layer.breakdown
