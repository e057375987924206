"""The knob vocabulary: defaults from the workload, canonical form, one-line errors."""

from __future__ import annotations

import pytest
from dse_accuracy.knobs import DEFAULT_LEAK, KNOB_NAMES, resolve_knobs

from dse import DseInputError, Workload
from tests.accuracy.conftest import digits_mlp


def test_the_vocabulary_is_the_documented_one():
    assert KNOB_NAMES == ("kind", "timesteps", "weight_bits", "encoding", "neuron", "leak", "split_after",
                          "order", "seed")


def test_an_ann_workload_defaults_to_an_ann_with_its_own_bits(mlp):
    knobs = resolve_knobs(mlp, {})
    # DenseLayer.weight_bits defaults to 8; an ANN runs once.
    assert (knobs.kind, knobs.timesteps, knobs.weight_bits, knobs.seed) == ("ann", 1, 8, 0)
    assert (knobs.encoding, knobs.neuron, knobs.leak, knobs.split_after, knobs.order) == (None,) * 5


def test_an_ann_ignores_spiking_knobs_so_caches_and_tables_see_one_point(mlp):
    a = resolve_knobs(mlp, {"kind": "ann", "timesteps": 4, "encoding": "direct", "neuron": "IF"})
    b = resolve_knobs(mlp, {"kind": "ann", "timesteps": 8})
    assert a == b and a.timesteps == 1


def test_a_spiking_workload_defaults_to_snn_with_its_neuron_and_timesteps():
    wl = digits_mlp(fc1="LIF", fc2="LIF").with_knobs(timesteps=4)
    knobs = resolve_knobs(wl, {})
    # Neuron.leak defaults to 1 (no leak), so the LIF leak falls back to beta 0.9 (accuracy_digits.md).
    assert (knobs.kind, knobs.timesteps, knobs.neuron, knobs.leak, knobs.encoding) == (
        "snn", 4, "LIF", DEFAULT_LEAK, "rate")


def test_an_if_network_has_no_leak(mlp):
    assert resolve_knobs(mlp, {"kind": "snn", "neuron": "IF", "leak": 0.5}).leak is None


def test_a_mixed_workload_is_a_hybrid_with_its_own_split():
    knobs = resolve_knobs(digits_mlp(fc2="IF"), {})
    assert (knobs.kind, knobs.split_after, knobs.order, knobs.neuron) == ("hybrid", 1, "ann_first", "IF")
    knobs = resolve_knobs(digits_mlp(fc1="LIF"), {})
    assert (knobs.kind, knobs.split_after, knobs.order) == ("hybrid", 1, "snn_first")


@pytest.mark.parametrize(("raw", "message"), [
    ({"bits": 4}, "knobs: bits: unknown knob (known: kind, timesteps"),
    ({"weight_bits": 1}, "knobs: weight_bits: Input should be greater than or equal to 2 (got 1)"),
    ({"kind": "cnn"}, "knobs: kind: Input should be 'ann', 'snn' or 'hybrid'"),
    ({"kind": "hybrid"}, "knobs: split_after: a hybrid needs split_after between 1 and 1"),
    ({"kind": "hybrid", "split_after": 2}, "knobs: split_after: must be between 1 and 1 for the 2-layer"),
])
def test_bad_knobs_get_one_line(mlp: Workload, raw, message):
    with pytest.raises(DseInputError) as caught:
        resolve_knobs(mlp, raw)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
