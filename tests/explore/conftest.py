"""Fixtures of the exploration tests: plugins with the toy backend, a workload, space files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from dse.plugin.manager import Plugins, make_plugins
from tests.explore import toy_plugin

#: Two dense layers; Σ input_density = 0.2 + 0.4 = 0.6.
WORKLOAD = {
    "name": "tiny-mlp",
    "layers": [
        {"name": "fc1", "kind": "dense", "in_features": 16, "out_features": 8, "input_density": 0.2},
        {"name": "fc2", "kind": "dense", "in_features": 8, "out_features": 4, "input_density": 0.4},
    ],
}


def toy_space(**overrides: Any) -> dict[str, Any]:
    """A space over the toy backend: x in [0.5, 4], y in [0.5, 4], energy and latency."""
    space = {
        "name": "toy",
        "workload": "tiny-mlp.yaml",
        "objectives": {"energy_pj": "minimize", "latency_s": "minimize"},
        "constraints": ["area_mm2 <= 6"],
        "backends": [{"backend": "explore-toy", "params": {
            "x": {"type": "float", "low": 0.5, "high": 4.0},
            "y": {"type": "float", "low": 0.5, "high": 4.0},
        }}],
        "sampler": {"name": "nsga2", "population_size": 10},
        "trials": 40,
        "seed": 0,
    }
    space.update(overrides)
    return space


def write_space(folder: Path, space: dict[str, Any], name: str = "space.yaml") -> Path:
    (folder / "tiny-mlp.yaml").write_text(yaml.safe_dump(WORKLOAD, sort_keys=False))
    path = folder / name
    path.write_text(yaml.safe_dump(space, sort_keys=False))
    return path


@pytest.fixture
def toy_plugins() -> Plugins:
    return make_plugins(extra=[toy_plugin])
