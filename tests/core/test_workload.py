"""Workload schema: derived shapes and counts, chaining, and refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from dse import Workload
from tests.conftest import PAPER_CNN


def wl(*layers: dict, **extra) -> Workload:
    return Workload.model_validate({"name": "w", "layers": list(layers), **extra})


def test_paper_cnn_shapes_and_counts() -> None:
    # ottati2023.md: 512x14x14, 3x3, no padding -> 12x12 outputs, fan-in 512*9 = 4608
    layer = Workload.model_validate(PAPER_CNN).layers[0]
    assert layer.out_shape == (1, 12, 12)
    assert layer.fan_in == 4608
    assert layer.macs == 144 * 4608 == 663_552
    assert layer.connections == layer.macs  # no padding: every tap is real
    assert layer.synops(1) == pytest.approx(66_355.2)


def test_padding_taps_are_not_connections() -> None:
    # 1 channel 3x3 input, 3x3 kernel, padding 1 -> 3x3 outputs; valid taps per row: 2, 3, 2
    layer = wl({"name": "c", "kind": "conv2d", "in_channels": 1, "out_channels": 1, "in_height": 3,
                "in_width": 3, "kernel": 3, "padding": 1}).layers[0]
    assert layer.valid_taps() == ((2, 3, 2), (2, 3, 2))
    assert layer.macs == 81
    assert layer.connections == 7 * 7  # (2+3+2)^2 = 49


def test_expected_active_outputs_count_each_outputs_own_taps() -> None:
    # the layer above at input density 0.5: fan-ins 4 (4 corners), 6 (4 edges), 9 (centre);
    # idle = 4·0.5^4 + 4·0.5^6 + 0.5^9 = 0.25 + 0.0625 + 0.001953125 = 0.314453125 (exact in binary)
    layer = wl({"name": "c", "kind": "conv2d", "in_channels": 1, "out_channels": 2, "in_height": 3,
                "in_width": 3, "kernel": 3, "padding": 1}).layers[0]
    assert layer.expected_active_outputs(0.5) == 2 * (9 - 0.314453125)


def test_grouped_conv_counts() -> None:
    # depthwise 32 channels, 3x3, stride 2, pad 1, 16x16 -> 8x8; fan-in 9 per output
    layer = wl({"name": "dw", "kind": "conv2d", "in_channels": 32, "out_channels": 32, "in_height": 16,
                "in_width": 16, "kernel": 3, "stride": 2, "padding": 1, "groups": 32}).layers[0]
    assert layer.out_shape == (32, 8, 8)
    assert layer.fan_in == 9 and layer.weights == 288
    assert layer.macs == 32 * 64 * 9


def test_dense_recurrent_counts() -> None:
    layer = wl({"name": "r", "kind": "dense", "in_features": 700, "out_features": 128, "recurrent": True}).layers[0]
    assert layer.fan_in == 828 and layer.macs == 128 * 828


def test_shapes_chain_through_pool_flatten_and_residual() -> None:
    w = wl(
        {"name": "c1", "kind": "conv2d", "in_channels": 3, "out_channels": 4, "in_height": 8, "in_width": 8,
         "kernel": 3, "padding": 1},
        {"name": "c2", "kind": "conv2d", "in_channels": 4, "out_channels": 4, "in_height": 8, "in_width": 8,
         "kernel": 3, "padding": 1},
        {"name": "sum", "kind": "add", "skip_from": "c1"},
        {"name": "p", "kind": "pool", "mode": "avg", "kernel": 2},
        {"name": "f", "kind": "flatten"},
        {"name": "fc", "kind": "dense", "in_features": 64, "out_features": 10},
    )
    assert [l.out_shape for l in w.layers] == [(4, 8, 8), (4, 8, 8), (4, 8, 8), (4, 4, 4), (64,), (10,)]
    assert w.layers[3].elementwise_ops == 64 * 4


def test_output_density_defaults_to_consumer_input_density() -> None:
    w = wl({"name": "a", "kind": "dense", "in_features": 4, "out_features": 4, "input_density": 0.5},
           {"name": "b", "kind": "dense", "in_features": 4, "out_features": 2, "input_density": 0.25})
    assert w.layers[0].output_density == 0.25
    assert w.layers[1].output_density == 0.25  # last layer keeps its own input density


def test_output_density_defaults_to_the_first_reader_through_input_from() -> None:
    # a feeds b (the next layer, density 0.25) and later c (input_from, 0.75): the first reader wins;
    # b is read only by nothing after it (c reads a), so b keeps its own 0.25
    w = wl({"name": "a", "kind": "dense", "in_features": 4, "out_features": 4, "input_density": 0.5},
           {"name": "b", "kind": "dense", "in_features": 4, "out_features": 4, "input_density": 0.25},
           {"name": "c", "kind": "dense", "in_features": 4, "out_features": 2, "input_density": 0.75,
            "input_from": "a"})
    assert [l.output_density for l in w.layers] == [0.25, 0.25, 0.75]


def test_expected_active_outputs_dense() -> None:
    # 10 inputs at density 0.1: P(no input) = 0.9^10 = 0.3487 -> 6.513 of 10 outputs active
    layer = wl({"name": "a", "kind": "dense", "in_features": 10, "out_features": 10}).layers[0]
    assert layer.expected_active_outputs(0.1) == pytest.approx(10 * (1 - 0.9**10))


@pytest.mark.parametrize(
    ("layers", "needle"),
    [
        ([{"name": "a", "kind": "dense", "in_features": 4, "out_features": 3},
          {"name": "b", "kind": "dense", "in_features": 4, "out_features": 2}], "'a' and 'b' do not agree"),
        ([{"name": "a", "kind": "conv2d", "in_channels": 3, "out_channels": 8, "in_height": 8, "in_width": 8,
           "kernel": 3},
          {"name": "b", "kind": "conv2d", "in_channels": 8, "out_channels": 8, "in_height": 8, "in_width": 8,
           "kernel": 3}], "'a' and 'b' do not agree"),
        ([{"name": "a", "kind": "dense", "in_features": 4, "out_features": 4},
          {"name": "a", "kind": "dense", "in_features": 4, "out_features": 4}], "used twice"),
        ([{"name": "a", "kind": "conv2d", "in_channels": 3, "out_channels": 4, "in_height": 2, "in_width": 2,
           "kernel": 3}], "does not fit"),
        ([{"name": "a", "kind": "conv2d", "in_channels": 3, "out_channels": 4, "in_height": 8, "in_width": 8,
           "kernel": 3, "groups": 2}], "groups=2 must divide"),
    ],
)
def test_bad_workloads_are_refused_naming_the_layers(layers: list, needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        wl(*layers)


def test_density_out_of_range_is_refused() -> None:
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        wl({"name": "a", "kind": "dense", "in_features": 4, "out_features": 4, "input_density": 1.5})


def test_with_knobs_sets_and_revalidates() -> None:
    w = wl({"name": "a", "kind": "dense", "in_features": 4, "out_features": 4})
    k = w.with_knobs(timesteps=4, weight_bits=2, densities={"a": (0.3, 0.2)})
    assert (k.timesteps, k.layers[0].weight_bits, k.layers[0].input_density, k.layers[0].output_density) == (
        4, 2, 0.3, 0.2)
    with pytest.raises(ValidationError):
        w.with_knobs(densities={"a": (2.0, None)})


def test_workload_round_trips_through_json() -> None:
    w = wl({"name": "c", "kind": "conv2d", "in_channels": 2, "out_channels": 2, "in_height": 4, "in_width": 4,
            "kernel": [3, 1], "padding": [1, 0]},
           {"name": "p", "kind": "pool", "kernel": 2})
    assert Workload.model_validate_json(w.model_dump_json(by_alias=True)) == w


@given(
    c=st.integers(1, 8), m=st.integers(1, 8), h=st.integers(1, 20), k=st.integers(1, 5),
    s=st.integers(1, 3), p=st.integers(0, 2),
)
def test_connections_never_exceed_macs(c: int, m: int, h: int, k: int, s: int, p: int) -> None:
    if h + 2 * p < k:
        return
    layer = wl({"name": "c", "kind": "conv2d", "in_channels": c, "out_channels": m, "in_height": h,
                "in_width": h, "kernel": k, "stride": s, "padding": p}).layers[0]
    assert layer.connections <= layer.macs
    assert (layer.connections == layer.macs) == (p == 0 or all(
        t == k for t in layer.valid_taps()[0]))
