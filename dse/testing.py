"""The test kit for plugin authors: a pytest plugin with fixtures and a backend conformance suite.

Installed as a pytest plugin (entry point ``pytest11: dse``), so in any project with dse
installed::

    from dse.testing import BackendConformance

    class TestToyBackend(BackendConformance):
        backend_name = "toy"                       # as registered
        params_examples = ({}, {"pj_per_mac": 2.0})  # raw params to check

Every example is checked on a set of small workloads (conv with padding and groups, dense,
pool, add, flatten, an SNN with T = 4): params round-trip through JSON, costs are finite and
non-negative, every breakdown sums to its total, and energy never grows when input density
falls. Fixtures: ``dse_plugins`` (a fresh plugin manager per test) and ``conformance_workloads``.
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Any, ClassVar

import pytest

from dse.plugin.manager import Plugins, make_plugins
from dse.schema.workload import Workload


def conformance_workload_set() -> tuple[Workload, ...]:
    """Small workloads that touch every layer kind and the border cases of convolution."""
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


def _check_cost(cost: Any, where: str) -> None:
    assert math.isfinite(cost.energy_pj) and cost.energy_pj >= 0, f"{where}: energy {cost.energy_pj}"
    assert math.isfinite(cost.latency_cycles) and cost.latency_cycles >= 0, f"{where}: latency"
    assert math.isfinite(cost.area_mm2) and cost.area_mm2 >= 0, f"{where}: area"
    for layer in cost.layers:
        for key, value in layer.breakdown.items():
            assert math.isfinite(value) and value >= 0, f"{where}: layer {layer.name} {key} = {value}"
        assert math.isclose(sum(layer.breakdown.values()), layer.energy_pj, rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(sum(cost.breakdown.values()), cost.energy_pj, rel_tol=1e-9, abs_tol=1e-6), where


class BackendConformance:
    """Subclass in a test module; set ``backend_name`` and ``params_examples``."""

    backend_name: ClassVar[str] = ""
    params_examples: ClassVar[tuple[dict[str, Any], ...]] = ({},)
    technology: ClassVar[str | None] = None  # None: the installation's default technology

    @pytest.fixture
    def plugins(self) -> Plugins:
        return make_plugins()

    def _design(self, plugins: Plugins, raw: dict[str, Any]) -> tuple[Any, Any, Any]:
        backend = plugins.backend(self.backend_name)
        return backend, backend.parse_params(raw), plugins.technology(self.technology)

    def test_params_round_trip_through_json(self, plugins: Plugins) -> None:
        for raw in self.params_examples:
            backend, params, _ = self._design(plugins, raw)
            again = backend.Params.model_validate(json.loads(params.model_dump_json()))
            assert again == params

    def test_costs_are_finite_non_negative_and_sum(self, plugins: Plugins) -> None:
        for raw in self.params_examples:
            backend, params, tech = self._design(plugins, raw)
            for workload in conformance_workload_set():
                _check_cost(backend.cost(workload, params, tech), f"{self.backend_name} {raw} {workload.name}")

    def test_energy_never_grows_when_inputs_get_sparser(self, plugins: Plugins) -> None:
        for raw in self.params_examples:
            backend, params, tech = self._design(plugins, raw)
            for workload in conformance_workload_set():
                energies = []
                for scale in (1.0, 0.5, 0.1, 0.0):
                    densities = {
                        layer.name: (layer.input_density * scale, layer.resolved_output_density * scale)
                        for layer in workload.layers
                    }
                    energies.append(backend.cost(workload.with_knobs(densities=densities), params, tech).energy_pj)
                for denser, sparser in itertools.pairwise(energies):
                    assert sparser <= denser * (1 + 1e-9), f"{self.backend_name} {raw}: {energies}"


@pytest.fixture
def dse_plugins() -> Plugins:
    """A fresh plugin manager with every installed plugin."""
    return make_plugins()


@pytest.fixture
def conformance_workloads() -> tuple[Workload, ...]:
    return conformance_workload_set()
