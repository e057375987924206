"""Shared by the systolic tests: the backend, the technology, small workloads, SCALE-Sim runs."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from dse import Workload
from dse.plugin.manager import make_plugins

PLUGINS = make_plugins()
BACKEND = PLUGINS.backend("systolic")
TECH = PLUGINS.technology("horowitz45")
HERE = Path(__file__).parent

# SCALE-Sim 3.0.0 ideal-bandwidth runs: docs/references/scalesim_calc_public.csv, and more
# shapes made by benchmarks/systolic_scalesim_reference.py (odd and rectangular arrays,
# rectangular kernels, strides that do not divide H − R, stride 3, dense, depthwise).
REFERENCE_FILES = (HERE.parents[1] / "docs" / "references" / "scalesim_calc_public.csv",
                   HERE / "scalesim_calc_extra.csv")


def reference_runs() -> list[dict[str, str]]:
    runs = []
    for path in REFERENCE_FILES:
        with open(path) as f:
            runs += [{**row, "file": path.name} for row in csv.DictReader(f)]
    return runs


def layer_of(run: dict[str, str]) -> dict[str, Any]:
    """A run's layer as a dse conv2d, the way ../shared/checks/contract.py builds it."""
    r, s, c = int(run["filter_r"]), int(run["filter_s"]), int(run["channels_c"])
    layer = {"name": run["layer_name"], "kind": "conv2d", "in_channels": c, "out_channels": int(run["num_filters_m"]),
             "in_height": int(run["ifmap_h"]), "in_width": int(run["ifmap_w"]), "kernel": r if r == s else [r, s],
             "stride": int(run["stride"]), "padding": 0}
    if "DP" in run["layer_name"]:  # SCALE-Sim's depthwise: C one-channel layers of one filter
        layer.update(out_channels=c, groups=c)
    return layer


def workload(*layers: dict[str, Any], **fields: Any) -> Workload:
    return Workload.model_validate({"name": "w", "layers": list(layers), **fields})


def conv(name: str = "conv", **fields: Any) -> dict[str, Any]:
    """A 2 -> 3 channel 3x3 convolution of a 4x4 input (2x2 outputs) unless overridden."""
    return {"name": name, "kind": "conv2d", "in_channels": 2, "out_channels": 3, "in_height": 4, "in_width": 4,
            "kernel": 3, **fields}


def cost(w: Workload, **params: Any):
    return BACKEND.cost(w, BACKEND.parse_params(params), TECH)
