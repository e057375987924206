"""NIR import: shapes, MACs, neurons, recurrence and ordering of the generated fixtures, by hand."""

from __future__ import annotations

import logging
import math

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


def test_norse_file_with_default_parameters_imports(models, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="dse.workloads"):
        first, second = NirLoader().load(str(models["norse_like"])).layers
    # 10 → 8 → 2 Affine: 80 + 16 = 96 MACs; norse's names and edge order
    assert (first.name, first.macs, second.name, second.macs) == ("0", 80, "2", 16)
    # tau = 1e-5 s is below the default dt = 1e-4 s: exp(-dt/tau) = exp(-10) = 4.54e-5, still leaky
    assert first.neuron.model == "LIF" and first.neuron.leak == pytest.approx(math.exp(-10))
    text = caplog.text
    assert "no dt in the file (metadata 'dt'): the leak of 1, 3 uses dt = 0.0001 s" in text
    assert "tau at or below dt in 1, 3" in text


def test_sinabs_file_with_time_steps_on_input_imports(models, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="dse.workloads"):
        first, second = NirLoader().load(str(models["sinabs_like"])).layers
    # Input (T, N) = (5, 64): the Affine reads 64, so the 5 time steps are dropped from the shape
    assert (first.in_shape, first.out_shape, second.out_shape) == ((64,), (32,), (10,))
    assert first.macs + second.macs == 64 * 32 + 32 * 10  # 2,368
    # tau = 10 (sinabs counts steps) with the default dt 1e-4 s: 1 - 1e-5
    assert first.neuron.leak == pytest.approx(1 - 1e-5) and second.neuron.model == "IF"
    assert "has shape (5, 64); the first layer reads (64,), so the leading (5,)" in caplog.text


def test_dt_in_the_graph_metadata_sets_the_leak(tmp_path) -> None:
    import nir
    import numpy as np

    graph = nir.NIRGraph(nodes={
        "input": nir.Input(input_type={"input": np.array([4])}),
        "fc": nir.Affine(weight=np.ones((2, 4)), bias=np.zeros(2)),
        "lif": nir.LIF(tau=np.full(2, 1e-3), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2)),
        "output": nir.Output(output_type={"output": np.array([2])}),
    }, edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")], metadata={"dt": 5e-4})
    nir.write(str(tmp_path / "dt.nir"), graph)
    loaded = NirLoader().read(str(tmp_path / "dt.nir"))
    # beta = 1 - dt/tau = 1 - 5e-4 / 1e-3 = 0.5, and no warning about dt
    assert loaded.workload.layers[0].neuron.leak == pytest.approx(0.5)
    assert not any("no dt in the file" in line for line in loaded.warnings())


@pytest.mark.parametrize("library", ["norse", "sinabs"])
def test_files_from_the_real_exporters_import(library: str, tmp_path) -> None:
    """With norse or sinabs installed: their own to_nir output, written uncompressed (nir 1.0.8
    cannot gzip their 0-d parameters), imports like the reproductions above."""
    pytest.importorskip(library)
    torch = pytest.importorskip("torch")
    import nir

    if library == "norse":
        import norse.torch as norse

        model = norse.SequentialState(torch.nn.Linear(10, 8), norse.LIFBoxCell(), torch.nn.Linear(8, 2),
                                      norse.LIFBoxCell())
        graph, macs = norse.to_nir(model, torch.randn(1, 10)), 96
    else:
        import sinabs
        import sinabs.layers as sl

        model = torch.nn.Sequential(torch.nn.Linear(64, 32), sl.LIF(tau_mem=10.0), torch.nn.Linear(32, 10), sl.IAF())
        graph, macs = sinabs.to_nir(model, torch.randn(4, 5, 64)), 2_368
    nir.write(str(tmp_path / "real.nir"), graph, compression=None)
    assert NirLoader().load(str(tmp_path / "real.nir")).macs == macs
