"""ONNX as exporters write it: both torch exporters, opsets 17-23, dynamic batch, external data,
QOperator graphs, and the one warning that lists what is not costed."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from dse_workloads.loaders import OnnxLoader

from dse import DseInputError
from tests.workloads.conftest import layers_by_name


def test_qoperator_graph_imports_with_bits_and_zero_points(models) -> None:
    layers = layers_by_name(OnnxLoader().load(str(models["qoperator"])))
    assert [l.kind for l in layers.values()] == ["conv2d", "conv2d", "add", "pool", "flatten", "dense"]
    # conv1: 4 x 8 x 8 outputs x 3*3*3 = 6,912; conv2 (1x1, 4 -> 4): 256 x 4 = 1,024; fc 4 x 10 = 40
    assert [layers[n].macs for n in ("conv1", "conv2", "fc")] == [6_912, 1_024, 40]
    # channel 1 equals its per-channel zero point 1: 27 of 108 weights are zero
    assert layers["conv1"].weight_density == pytest.approx(81 / 108)
    assert layers["fc"].weight_density == pytest.approx(30 / 40)  # the first row is 0 = zero point
    # QLinearAdd and QLinearGlobalAveragePool (com.microsoft): shapes computed past ONNX inference
    assert (layers["add"].skip_from, layers["gap"].out_shape) == ("conv2", (4, 1, 1))
    assert all((l.weight_bits, l.activation_bits) == (8, 8) for l in layers.values())  # int8 / uint8


def test_external_data_is_read_from_the_model_folder(models, tmp_path: Path) -> None:
    import onnx

    model = onnx.load(str(models["cnn_helper"]))
    path = tmp_path / "external.onnx"
    onnx.save(model, str(path), save_as_external_data=True, location="external.onnx.data", size_threshold=0)
    assert (tmp_path / "external.onnx.data").exists()
    assert OnnxLoader().load(str(path)).macs == 305_312  # as the embedded fixture (test_onnx.py)
    (tmp_path / "external.onnx.data").unlink()
    with pytest.raises(DseInputError, match=r"external\.onnx: not a readable ONNX model"):
        OnnxLoader().load(str(path))


def test_uncosted_ops_are_listed_once_by_type_and_count(tmp_path: Path, caplog) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.ones((4, 4, 1, 1), np.float32), "w")
    nodes = [helper.make_node("Conv", ["x", "w"], ["c1"], name="conv1"),
             helper.make_node("LeakyRelu", ["c1"], ["l1"], name="leaky1"),
             helper.make_node("Conv", ["l1", "w"], ["c2"], name="conv2"),
             helper.make_node("LeakyRelu", ["c2"], ["l2"], name="leaky2"),
             helper.make_node("Neg", ["l2"], ["y"], name="neg")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 2, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 2, 2])], [w])
    path = tmp_path / "leaky.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), str(path))
    with caplog.at_level(logging.WARNING, logger="dse.workloads"):
        workload = OnnxLoader().load(str(path))
    assert workload.macs == 2 * 16 * 4  # two 1x1 convs: 4 x 2 x 2 outputs x 4 inputs each
    lines = [r.getMessage() for r in caplog.records if "not costed" in r.getMessage()]
    assert lines == [f"warning: {path}: ops not costed (folded into the layer before): LeakyRelu ×2, Neg ×1"]


def test_a_slice_becomes_a_free_view_that_every_backend_costs(tmp_path: Path, plugins) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from dse import Architecture
    from dse.evaluation.evaluate import evaluate, resolve

    inits = [numpy_helper.from_array(np.ones((4, 2, 3, 3), np.float32), "w1"),
             numpy_helper.from_array(np.ones((4, 2, 1, 1), np.float32), "w2"),
             numpy_helper.from_array(np.array([0], np.int64), "start"),
             numpy_helper.from_array(np.array([2], np.int64), "end"),
             numpy_helper.from_array(np.array([1], np.int64), "axis")]
    nodes = [helper.make_node("Conv", ["x", "w1"], ["c"], name="conv1", pads=[1, 1, 1, 1]),
             helper.make_node("Slice", ["c", "start", "end", "axis"], ["half"], name="first_half"),
             helper.make_node("Conv", ["half", "w2"], ["y"], name="conv2")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 4, 4])], inits)
    path = tmp_path / "slice.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), str(path))
    workload = OnnxLoader().load(str(path))
    conv1, view, conv2 = workload.layers
    # conv1: 4 x 4 x 4 outputs x 2*3*3 = 1,152 MACs; the slice keeps 2 of 4 channels, free;
    # conv2: 4 x 4 x 4 outputs x 2 = 128 MACs
    assert (view.name, view.kind, view.in_shape, view.out_shape, view.macs) == \
        ("first_half", "flatten", (4, 4, 4), (2, 4, 4), 0)
    assert (conv1.macs, conv2.macs, workload.macs) == (1_152, 128, 1_280)
    for name in plugins.backends.names():
        design = resolve(Architecture(backend=name, name=name, technology="horowitz45", params={}), plugins)
        cost = evaluate(workload, design)
        assert cost.energy_pj > 0
        free = next(layer for layer in cost.layers if layer.name == "first_half")
        assert free.energy_pj == 0.0, name


# -- the torch exporters -------------------------------------------------------------------------
torch = pytest.importorskip("torch")
from tests.workloads import torch_nets

SIZE = 32  # input 3x32x32: every net downsamples to at least 1x1


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory):
    """Export on first use: (net, dynamo) → (path, forward-hook MACs)."""
    folder = tmp_path_factory.mktemp("exports")
    cache: dict[tuple[str, bool], tuple[str, int]] = {}

    def get(net: str, dynamo: bool) -> tuple[str, int]:
        if (net, dynamo) not in cache:
            torch.manual_seed(0)
            model = torch_nets.NETS[net]().eval()
            x = torch.randn(1, 3, SIZE, SIZE)
            path = str(folder / f"{net}-{'dynamo' if dynamo else 'torchscript'}.onnx")
            torch_nets.export(model, x, path, dynamo=dynamo, dynamic_batch=True)
            cache[net, dynamo] = (path, torch_nets.hook_macs(model, x))
        return cache[net, dynamo]

    return get


@pytest.mark.slow
@pytest.mark.parametrize("dynamo", [True, False], ids=["dynamo", "torchscript"])
@pytest.mark.parametrize("net", ["resnet18", "mobilenet_v2", "efficientnet_b0", "vit"])
def test_exported_net_imports_with_the_forward_hook_macs(exported, net: str, dynamo: bool) -> None:
    path, reference = exported(net, dynamo)
    workload = OnnxLoader().load(path)
    assert workload.macs == reference


@pytest.mark.slow
@pytest.mark.parametrize("dynamo", [True, False], ids=["dynamo", "torchscript"])
def test_efficientnet_squeeze_excitation_is_costed_as_elementwise_ops(exported, dynamo: bool) -> None:
    workload = OnnxLoader().load(exported("efficientnet_b0", dynamo)[0])
    functions = Counter(l.function for l in workload.layers if l.kind == "activation")
    # SiLU: stem 1 + first block 2 (depthwise, SE) + 15 blocks x 3 (expand, depthwise, SE) + head 1 = 49;
    # the SE gate: one sigmoid per block, 16
    assert functions == {"silu": 49, "sigmoid": 16}
    scales = [l for l in workload.layers if l.kind == "mul"]
    assert len(scales) == 16
    by_name = layers_by_name(workload)
    first = scales[0]  # the first block's 32 channels at 16x16, scaled by a (32, 1, 1) gate
    assert first.in_shape == (32, 16, 16) and by_name[first.other_from].out_shape == (32, 1, 1)
    assert first.elementwise_ops == 32 * 16 * 16


@pytest.mark.slow
@pytest.mark.parametrize("dynamo", [True, False], ids=["dynamo", "torchscript"])
def test_vit_attention_becomes_matmul_softmax_layernorm_gelu(exported, dynamo: bool) -> None:
    workload = OnnxLoader().load(exported("vit", dynamo)[0])
    kinds = Counter(l.kind for l in workload.layers)
    # 2 blocks: 2 matmuls, 1 softmax, 2 layernorms, 1 GELU each; the final norm
    assert (kinds["matmul"], kinds["softmax"], kinds["layernorm"], kinds["activation"]) == (4, 2, 5, 2)
    scores = next(l for l in workload.layers if l.kind == "matmul")
    # 4 heads, 17 tokens (16 patches and the class token), head size 16: Q·Kᵀ = 4 x 17 x 16 x 17
    assert (scores.heads, scores.m, scores.k, scores.n, scores.macs) == (4, 17, 16, 17, 18_496)
    qkv = next(l for l in workload.layers if l.kind == "dense")
    assert (qkv.tokens, qkv.in_features, qkv.out_features) == (17, 64, 192)
    assert workload.layers[-1].in_shape == (64,)  # the head reads the class token only


@pytest.mark.slow
@pytest.mark.parametrize(("dynamo", "opset"), [(False, 17), (False, 20), (True, 18), (True, 23)])
def test_opsets_17_to_23_import_alike(tmp_path: Path, dynamo: bool, opset: int) -> None:
    torch.manual_seed(0)
    model = torch_nets.ViT(depth=1).eval()
    x = torch.randn(1, 3, SIZE, SIZE)
    path = torch_nets.export(model, x, str(tmp_path / "vit.onnx"), dynamo=dynamo, opset=opset)
    workload = OnnxLoader().load(path)
    assert workload.macs == torch_nets.hook_macs(model, x)
    # GELU is one op from opset 20, Div/Erf/Add/Mul/Mul before: one gelu layer either way
    assert [l.function for l in workload.layers if l.kind == "activation"] == ["gelu"]
