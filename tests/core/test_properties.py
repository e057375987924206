"""Invariants every registered backend keeps, on random workloads (hypothesis)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from dse import Workload
from dse.plugin.manager import make_plugins

PLUGINS = make_plugins()
TECH = PLUGINS.technology("horowitz45")
BACKENDS = [name for name in PLUGINS.backends.names()]


@st.composite
def workloads(draw) -> Workload:
    c, m = draw(st.integers(1, 16)), draw(st.integers(1, 16))
    h = draw(st.integers(3, 12))
    k = draw(st.integers(1, 3))
    p = draw(st.integers(0, k // 2))
    conv = {"name": "conv", "kind": "conv2d", "in_channels": c, "out_channels": m, "in_height": h, "in_width": h,
            "kernel": k, "padding": p, "input_density": draw(st.floats(0, 1)),
            "neuron": {"model": "LIF", "leak": 0.9}}
    side = h + 2 * p - k + 1
    dense = {"name": "fc", "kind": "dense", "in_features": m * side * side, "out_features": draw(st.integers(1, 32)),
             "input_density": draw(st.floats(0, 1)), "weight_bits": draw(st.sampled_from([2, 4, 8, 16]))}
    return Workload.model_validate({"name": "random", "timesteps": draw(st.integers(1, 8)),
                                    "layers": [conv, {"name": "flat", "kind": "flatten"}, dense]})


@settings(max_examples=25, deadline=None)
@given(workload=workloads())
def test_breakdowns_sum_to_totals_on_every_backend(workload: Workload) -> None:
    for name in BACKENDS:
        backend = PLUGINS.backend(name)
        cost = backend.cost(workload, backend.parse_params({}), TECH)
        for layer in cost.layers:
            assert all(math.isfinite(v) and v >= 0 for v in layer.breakdown.values()), name
        assert math.isclose(sum(cost.breakdown.values()), cost.energy_pj, rel_tol=1e-9), name
        assert math.isclose(sum(layer.energy_pj for layer in cost.layers), cost.energy_pj, rel_tol=1e-9), name
