"""NIR import: shapes, MACs, neurons, recurrence and ordering of the generated fixtures, by hand."""

from __future__ import annotations

import pytest
from dse_workloads.loaders import NirLoader
from dse_workloads.nir_convert import DEFAULT_TIMESTEPS, back_edges, topological_order
from dse_workloads.nir_reader import read_nir

from tests.workloads.conftest import layers_by_name


def test_conv_snn_imports_to_hand_worked_shapes_and_neurons(models) -> None:
    workload = NirLoader().load(str(models["snn_conv"]))
    # nodes come back alphabetically (conv, fc, flat, if_, input, ...): the order is the edges'
    assert [l.name for l in workload.layers] == ["conv", "pool", "flat", "fc"]
    conv, pool, flat, fc = workload.layers
    # 8 x 16 x 16 outputs (pad 1) x fan-in 2*3*3 = 2048 * 18 = 36,864 MACs; 36 of 144 weights zero
    assert (conv.in_shape, conv.out_shape, conv.macs) == ((2, 16, 16), (8, 16, 16), 36_864)
    assert conv.weight_density == pytest.approx(108 / 144)
    # LIF with tau = 1e-4 / (1 - 0.95): beta = 1 - dt/tau = 0.95; threshold 0.5; NIR resets to v_reset
    assert (conv.neuron.model, conv.neuron.leak, conv.neuron.threshold, conv.neuron.reset) == \
        ("LIF", pytest.approx(0.95), 0.5, "zero")
    assert (pool.mode, pool.out_shape, pool.neuron.model) == ("sum", (8, 8, 8), "IF")
    assert flat.out_shape == (512,)
    # LI readout (tau 2e-3): leak 1 - 1e-4/2e-3 = 0.95, no spikes: analog outputs
    assert (fc.macs, fc.neuron.model, fc.neuron.leak, fc.neuron.reset) == (5_120, "LIF", pytest.approx(0.95), "none")
    assert fc.output_density == 1.0 and conv.output_density == pytest.approx(0.1)
    assert workload.timesteps == DEFAULT_TIMESTEPS


def test_conv1d_becomes_a_conv2d_of_height_one_and_cuba_leaks_are_recovered(models) -> None:
    conv, flat, fc = NirLoader().load(str(models["snn_conv1d"])).layers
    # 6 filters of 4 x 3 over 20 samples, no padding: 18 outputs; 6*18 * 12 = 1,296 MACs
    assert (conv.in_shape, conv.out_shape, conv.macs) == ((4, 1, 20), (6, 1, 18), 1_296)
    # tau_mem 1e-3: 1 - 0.1 = 0.9; tau_syn 2e-4: 1 - 0.5 = 0.5
    assert (conv.neuron.model, conv.neuron.leak, conv.neuron.synapse_leak) == \
        ("CubaLIF", pytest.approx(0.9), pytest.approx(0.5))
    assert (flat.out_shape, fc.macs) == ((108,), 540)
    # Threshold: spikes out without neuron state
    assert fc.neuron.model == "none" and fc.output_density == pytest.approx(0.1)


def test_snntorch_style_file_with_scalar_params_and_batch_on_input(models) -> None:
    # nir.read's type check fails on this file (0-d LIF params, Input [1, 64]): the tolerant read copes
    with pytest.raises(ValueError):
        import nir

        nir.read(str(models["snntorch_like"]))
    fc1, fc2 = NirLoader().load(str(models["snntorch_like"])).layers
    # the batch of 1 is dropped: 64 → 128 → 10, 8,192 + 1,280 = 9,472 MACs (the digits MLP)
    assert (fc1.in_shape, fc1.out_shape, fc2.out_shape) == ((64,), (128,), (10,))
    assert fc1.macs + fc2.macs == 9_472
    # snnTorch Leaky(beta): tau = dt / (1 - beta) with dt = 1e-4 recovers beta (formats.md)
    assert (fc1.neuron.leak, fc2.neuron.leak) == (pytest.approx(0.9), pytest.approx(0.8))


def test_recurrent_cell_becomes_a_recurrent_dense_layer(models) -> None:
    rec, readout = NirLoader().load(str(models["rsnn"])).layers
    assert (rec.name, rec.recurrent, rec.neuron.model) == ("fc1", True, "LIF")
    # fan-in 700 + 128 recurrent: 128 * 828 = 105,984 MACs per step
    assert (rec.fan_in, rec.macs) == (828, 105_984)
    # 4,096 of the 128 x 128 recurrent weights are zero: (89,600 + 16,384 - 4,096) / 105,984
    assert rec.weight_density == pytest.approx(101_888 / 105_984)
    assert (readout.macs, readout.recurrent) == (2_560, False)


def test_cycle_is_found_and_ordering_follows_edges(models) -> None:
    net = read_nir(models["rsnn"])
    back = back_edges(net)
    assert back == {("rlif.w_rec", "rlif.lif")}
    order = topological_order(net, back)
    assert order.index("fc1") < order.index("rlif.lif") < order.index("rlif.w_rec") < order.index("fc2")


def test_two_edges_into_one_node_are_summed_by_an_add_layer(models) -> None:
    layers = layers_by_name(NirLoader().load(str(models["snn_residual"])))
    assert list(layers) == ["fc1", "fc2", "lif2.sum", "fc3"]
    join = layers["lif2.sum"]
    assert (join.kind, join.skip_from, join.out_shape, join.neuron.model) == ("add", "fc1", (32,), "LIF")
    assert layers["fc2"].neuron.model == "none" and layers["fc2"].output_density == 1.0
    # MACs: 32*32 + 32*32 + 32*10 = 2,368
    assert sum(l.macs for l in layers.values()) == 2_368
