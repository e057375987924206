"""ONNX import: shapes, MACs, weight density and bits of the generated fixtures, worked by hand."""

from __future__ import annotations

import logging
import sys

import pytest
from dse_workloads.loaders import OnnxLoader
from dse_workloads.onnx_convert import pad_of as _pad
from hypothesis import given
from hypothesis import strategies as st

from dse import DseInputError
from tests.workloads.conftest import layers_by_name


def test_helper_cnn_imports_to_hand_worked_shapes_and_macs(models, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="dse.workloads"):
        workload = OnnxLoader().load(str(models["cnn_helper"]))
    layers = layers_by_name(workload)
    assert [l.name for l in workload.layers] == ["conv1", "pool1", "dw", "pw", "proj", "add", "gap", "reshape", "fc"]
    # conv1 has no kernel_shape: 3x3 read from the weight (8, 3, 3, 3); pads 1 keep 32x32.
    # 8 x 32 x 32 outputs x fan-in 3*3*3 = 8192 * 27 = 221,184 MACs
    assert (layers["conv1"].out_shape, layers["conv1"].macs) == ((8, 32, 32), 221_184)
    assert layers["conv1"].weight_density == pytest.approx(162 / 216)  # 54 of 216 weights zeroed
    assert layers["pool1"].out_shape == (8, 16, 16)
    # depthwise: groups 8, fan-in 1*3*3 = 9; 8*16*16 = 2048 outputs → 18,432 MACs
    assert (layers["dw"].groups, layers["dw"].macs) == (8, 18_432)
    # pointwise and projection 1x1, 8 → 16 channels: 16*16*16 * 8 = 32,768 each
    assert layers["pw"].macs == layers["proj"].macs == 32_768
    assert layers["proj"].input_from == "pool1"  # a branch off the pool, not off pw
    assert (layers["add"].input_from, layers["add"].skip_from) == ("pw", "proj")
    # GlobalAveragePool: a 16x16 window → 16x1x1; the Shape/Gather/Concat/Reshape chain flattens to 16
    assert layers["gap"].out_shape == (16, 1, 1) and layers["reshape"].out_shape == (16,)
    assert (layers["fc"].in_features, layers["fc"].out_features, layers["fc"].macs) == (16, 10, 160)
    assert workload.macs == 221_184 + 18_432 + 2 * 32_768 + 160  # 305,312
    assert workload.timesteps == 1
    text = caplog.text
    assert "ops not costed (folded into the layer before): BatchNormalization ×1" in text
    assert "default densities" in text


def test_relu_folds_into_the_layer_before_and_sets_its_density(models) -> None:
    loaded = OnnxLoader().read(str(models["cnn_helper"]))
    layers = layers_by_name(loaded.workload)
    # metrics.md: digits MLP 5,193 / 9,472 = 0.548 non-zero after ReLU
    assert layers["conv1"].output_density == pytest.approx(0.548)
    # max-pool of 2x2 ReLU outputs, independent: 1 - 0.452^4 = 0.95826
    assert layers["pool1"].output_density == pytest.approx(1 - 0.452 ** 4)
    assert layers["pw"].output_density == 1.0  # no activation before the add
    assert layers["add"].output_density == pytest.approx(0.548)  # relu3 after the add
    assert loaded.resolved.sources["conv1"][0].startswith("default: network input dense")


def test_quantized_model_gives_bits_and_density_from_zero_points(models) -> None:
    layers = layers_by_name(OnnxLoader().load(str(models["qdq"])))
    fc1, fc2 = layers["fc1"], layers["fc2"]
    assert (fc1.in_features, fc1.out_features, fc2.in_features, fc2.out_features) == (16, 8, 8, 4)
    assert (fc1.weight_bits, fc1.activation_bits) == (4, 16)  # INT4 weights, UINT16 activations
    # 4 rows of 8 plus 4 more weights equal the zero point 1: (128 - 36) / 128
    assert fc1.weight_density == pytest.approx(92 / 128)
    assert fc2.weight_density == 1.0 and fc2.weight_bits == 4


def test_torch_export_imports_to_hand_worked_macs(models) -> None:
    if "cnn_torch" not in models:
        pytest.skip("torch is not installed")
    workload = OnnxLoader().load(str(models["cnn_torch"]))
    convs = [l for l in workload.layers if l.kind == "conv2d"]
    dense = [l for l in workload.layers if l.kind == "dense"]
    # conv1: 6 x 24 x 24 x 25 = 86,400; conv2: 16 x 8 x 8 x 150 = 153,600
    assert [(c.out_shape, c.macs) for c in convs] == [((6, 24, 24), 86_400), ((16, 8, 8), 153_600)]
    # x.view(N, -1) exports as Shape/Gather/Unsqueeze/Concat/Reshape: needs the batch fix and data_prop
    assert [l.kind for l in workload.layers].count("flatten") == 1
    assert [d.macs for d in dense] == [256 * 120, 120 * 84, 84 * 10]
    assert workload.macs == 281_640
    assert convs[0].weight_density == pytest.approx(125 / 150)  # the first of 6 filters zeroed


def test_missing_onnx_package_names_the_extra(models, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(DseInputError, match=r"pip install -e '\.\[formats\]' in a checkout, or pip install 'dse-accel\[formats\]'$"):
        OnnxLoader().read(str(models["cnn_helper"]))


@given(size=st.integers(1, 64), kernel=st.integers(1, 7), stride=st.integers(1, 4), pad=st.integers(0, 3))
def test_padding_found_reproduces_the_inferred_output(size: int, kernel: int, stride: int, pad: int) -> None:
    out = (size + 2 * pad - kernel) // stride + 1
    if out < 1:
        return
    found = _pad(size, out, kernel, stride, 1, {"pads": [pad, pad]}, 0, 1)
    assert found == pad
    same = -(-size // stride)  # SAME_UPPER: ceil(size / stride) outputs
    found = _pad(size, same, kernel, stride, 1, {"auto_pad": b"SAME_UPPER"}, 0, 1)
    if found is not None:
        assert (size + 2 * found - kernel) // stride + 1 == same
