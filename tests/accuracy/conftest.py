"""Workloads for the accuracy tests, built in Python (zoo:digits-mlp has the same layers)."""

from __future__ import annotations

import pytest

from dse import Workload


def digits_mlp(**neurons: str) -> Workload:
    """The 64-128-10 MLP of accuracy_digits.md; ``neurons`` sets a layer's neuron model by name."""
    return Workload.model_validate({
        "name": "digits-mlp",
        "layers": [
            {"name": "fc1", "kind": "dense", "in_features": 64, "out_features": 128,
             "neuron": {"model": neurons.get("fc1", "none")}},
            {"name": "fc2", "kind": "dense", "in_features": 128, "out_features": 10,
             "neuron": {"model": neurons.get("fc2", "none")}},
        ],
    })


@pytest.fixture
def mlp() -> Workload:
    return digits_mlp()
