"""Small workloads that touch every layer kind and the border cases of convolution."""

from __future__ import annotations

from dse.schema.workload import Workload


def conformance_workload_set() -> tuple[Workload, ...]:
    """A CNN (padding, stride, groups, residual add, pooling, flatten, dense) and an SNN (T = 4)."""
    cnn = Workload.model_validate({
        "name": "conformance-cnn",
        "layers": [
            {"name": "c1", "kind": "conv2d", "in_channels": 3, "out_channels": 8, "in_height": 12,
             "in_width": 12, "kernel": 3, "padding": 1, "input_density": 0.8},
            {"name": "dw", "kind": "conv2d", "in_channels": 8, "out_channels": 8, "in_height": 12,
             "in_width": 12, "kernel": 3, "stride": 2, "padding": 1, "groups": 8, "input_density": 0.5},
            {"name": "c2", "kind": "conv2d", "in_channels": 8, "out_channels": 8, "in_height": 6,
             "in_width": 6, "kernel": 1, "input_density": 0.4},
            {"name": "res", "kind": "add", "skip_from": "dw", "input_density": 0.4},
            {"name": "pool", "kind": "pool", "mode": "max", "kernel": 2, "input_density": 0.4},
            {"name": "flat", "kind": "flatten", "input_density": 0.3},
            {"name": "fc", "kind": "dense", "in_features": 72, "out_features": 10, "input_density": 0.3},
        ],
    })
    snn = Workload.model_validate({
        "name": "conformance-snn",
        "timesteps": 4,
        "layers": [
            {"name": "fc1", "kind": "dense", "in_features": 64, "out_features": 32, "input_density": 0.2,
             "neuron": {"model": "LIF", "leak": 0.9}},
            {"name": "fc2", "kind": "dense", "in_features": 32, "out_features": 10, "input_density": 0.1,
             "neuron": {"model": "IF"}},
        ],
    })
    return cnn, snn
