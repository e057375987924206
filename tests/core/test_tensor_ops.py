"""Transformer layer kinds: shapes, MAC and vector-op counts worked by hand, and refusals."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dse import MatmulLayer, MulLayer, Workload


def block(**changes: dict) -> Workload:
    """One attention block: 4 tokens of 8 features, 2 heads of 4 (hand-sized)."""
    layers = [
        {"name": "ln", "kind": "layernorm"},
        {"name": "q", "kind": "dense", "tokens": 4, "in_features": 8, "out_features": 8},
        {"name": "k", "kind": "dense", "tokens": 4, "in_features": 8, "out_features": 8, "input_from": "ln",
         "output_density": 0.5},
        {"name": "v", "kind": "dense", "tokens": 4, "in_features": 8, "out_features": 8, "input_from": "ln"},
        {"name": "scores", "kind": "matmul", "heads": 2, "m": 4, "k": 4, "n": 4, "input_from": "q",
         "other_from": "k"},
        {"name": "softmax", "kind": "softmax"},
        {"name": "av", "kind": "matmul", "heads": 2, "m": 4, "k": 4, "n": 4, "other_from": "v"},
        {"name": "proj", "kind": "dense", "tokens": 4, "in_features": 8, "out_features": 8},
        {"name": "res", "kind": "add", "skip_from": "input"},
        {"name": "gelu", "kind": "activation", "function": "gelu"},
        {"name": "gate", "kind": "dense", "in_features": 32, "out_features": 8, "input_from": "input"},
        {"name": "scale", "kind": "mul", "input_from": "gelu", "other_from": "gate"},
        {"name": "pool", "kind": "reduce", "axes": [0], "mode": "mean"},
    ]
    for layer in layers:
        layer.update(changes.get(layer["name"], {}))
    return Workload.model_validate({"name": "block", "input_shape": [4, 8], "layers": layers})


def test_attention_block_shapes_and_macs() -> None:
    w = block()
    shapes = {layer.name: layer.out_shape for layer in w.layers}
    assert shapes["q"] == (4, 8) and shapes["scores"] == (2, 4, 4) and shapes["av"] == (2, 4, 4)
    assert shapes["gate"] == (8,) and shapes["scale"] == (4, 8) and shapes["pool"] == (8,)
    macs = {layer.name: layer.macs for layer in w.layers}
    assert macs["q"] == 4 * 8 * 8 == 256  # tokens x in x out
    assert macs["scores"] == 2 * 4 * 4 * 4 == 128  # heads x m x k x n
    assert w.layer("scores").weights == 0  # both operands are activations
    assert w.macs == 4 * 256 + 2 * 128 + 32 * 8  # q, k, v, proj + two matmuls + gate


def test_vector_op_counts_by_hand() -> None:
    w = block()
    # layernorm over 8 features, E = 32, R = 4: add 3E + R + E = 132, mul 2E + 2R + E = 104, rsqrt R = 4
    assert w.layer("ln").vector_ops == {"add": 132, "mul": 104, "nonlinear": 4}
    # softmax over 4 keys, E = 32, R = 8: add 3E = 96, mul E = 32, exp E + reciprocal R = 40
    assert w.layer("softmax").vector_ops == {"add": 96, "mul": 32, "nonlinear": 40}
    assert w.layer("softmax").elementwise_ops == 96 + 32 + 40
    assert w.layer("gelu").vector_ops == {"nonlinear": 32}
    assert w.layer("scale").vector_ops == {"mul": 32}  # (8,) broadcast over 4 tokens: one multiply per output
    assert w.layer("res").vector_ops == {"add": 32}
    assert w.layer("pool").vector_ops == {"add": 32, "mul": 8}  # mean of 4 tokens: 32 adds, 8 scalings


def test_other_density_follows_the_operand() -> None:
    w = block()
    scores = w.layer("scores")
    assert isinstance(scores, MatmulLayer)
    assert scores.other_density == 0.5  # k's declared output density
    assert scores.synops(2) == pytest.approx(2 * 128 * 1.0 * 0.5)
    scale = w.layer("scale")
    assert isinstance(scale, MulLayer) and scale.other_density == 1.0


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"scores": {"n": 5}}, "matmul needs B of \\(2, 4, 5\\)"),
        ({"scores": {"other_from": "nowhere"}}, "other_from 'nowhere' names no earlier layer"),
        ({"scores": {"m": 3}}, "'q' and 'scores' do not agree"),
        ({"gate": {"out_features": 5}}, "mul needs \\(4, 8\\)"),
        ({"softmax": {"axis": 3}}, "axis 3 is outside"),
        ({"pool": {"axes": [0, -2]}}, "name an axis twice"),
        ({"q": {"recurrent": True}}, "recurrent dense layer takes one row"),
    ],
)
def test_bad_tensor_layers_are_refused(changes: dict, needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        block(**changes)


def test_round_trip_through_json() -> None:
    w = block()
    assert Workload.model_validate_json(w.model_dump_json(by_alias=True)) == w
