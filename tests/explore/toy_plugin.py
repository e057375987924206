"""A toy backend and accuracy model for the exploration tests, registered in code.

Backend ``explore-toy`` (every value below is worked out by hand in the tests):

- ``energy_pj = 100 · x · T · Σ_layers input_density`` (T: the workload's time steps)
- ``latency_cycles = 1000 / y`` at ``clock_mhz`` (default 100 MHz: ``latency_s = 1e-5 / y``)
- ``area_mm2 = x + y``; ``memory_fits`` when ``x <= 8``
- ``fault`` makes a point fail: ``raise`` (the backend raises for it), ``nan`` (energy NaN,
  no error given), ``inf`` (latency infinite), ``batch`` (the batch call raises as a whole).

Accuracy model ``explore-toy-accuracy``: ``accuracy = 1 - 1 / (1 + weight_bits)`` (knob,
default 8), measured densities ``{first layer: (0.5, 0.25)}``; raises for
``weight_bits == fail_bits``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from dse import Accuracy, AccuracyModel, Backend, Cost, LayerCost, Technology, Workload, hookimpl
from dse.plugin.types import batch_schema

ENERGY_SCALE = 100.0  # pJ per unit of x · T · Σ density
CYCLE_SCALE = 1000.0  # cycles per 1/y


class ToyParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    x: float = Field(1.0, ge=0.0, le=10.0)
    y: float = Field(1.0, gt=0.0, le=10.0)
    clock_mhz: float = Field(100.0, gt=0.0)
    fault: Literal["none", "raise", "nan", "inf", "batch"] = "none"


def _density(workload: Workload) -> float:
    return workload.timesteps * sum(layer.input_density for layer in workload.layers)


class ToyBackend(Backend):
    name = "explore-toy"
    description = "toy backend of the exploration tests"
    Params = ToyParams

    def cost(self, workload: Workload, params: BaseModel, technology: Technology) -> Cost:
        assert isinstance(params, ToyParams)
        if params.fault in ("raise", "batch"):
            raise ValueError("toy fault")
        energy = ENERGY_SCALE * params.x * _density(workload)
        layer = LayerCost(name="all", kind="dense", breakdown={"compute": energy}, latency_cycles=CYCLE_SCALE / params.y)
        return Cost(layers=(layer,), latency_cycles=CYCLE_SCALE / params.y, clock_mhz=params.clock_mhz,
                    area_mm2=params.x + params.y, memory_fits=params.x <= 8)

    def cost_batch(self, workload: Workload, params: pl.DataFrame, technology: Technology) -> pl.DataFrame:
        n = params.height
        column = lambda name, default: params[name].to_numpy() if name in params.columns else np.full(n, default)
        x, y, clock = column("x", 1.0).astype(float), column("y", 1.0).astype(float), column("clock_mhz", 100.0)
        fault = params["fault"].to_list() if "fault" in params.columns else ["none"] * n
        if "batch" in fault:
            raise RuntimeError("toy batch fault")
        energy = ENERGY_SCALE * x * _density(workload)
        cycles = CYCLE_SCALE / y
        energy[[f == "nan" for f in fault]] = np.nan
        cycles[[f == "inf" for f in fault]] = np.inf
        seconds = cycles / (clock * 1e6)
        error = ["ValueError: toy fault" if f == "raise" else None for f in fault]
        broken = np.array([f == "raise" for f in fault])
        energy[broken] = np.nan
        return pl.DataFrame({"energy_pj": energy, "latency_cycles": cycles, "latency_s": seconds,
                             "area_mm2": x + y, "power_mw": energy / seconds * 1e-9, "memory_fits": x <= 8,
                             "error": error}, schema=batch_schema())


class ToyAccuracyParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fail_bits: int | None = None


class ToyAccuracy(AccuracyModel):
    name = "explore-toy-accuracy"
    description = "toy accuracy model of the exploration tests"
    Params = ToyAccuracyParams

    def accuracy(self, workload: Workload, knobs: Mapping[str, Any], params: BaseModel) -> Accuracy:
        assert isinstance(params, ToyAccuracyParams)
        bits = int(knobs.get("weight_bits") or 8)
        if bits == params.fail_bits:
            raise RuntimeError("toy accuracy fault")
        return Accuracy(value=1 - 1 / (1 + bits), source=f"toy: {sorted(knobs.items())}",
                        densities={workload.layers[0].name: (0.5, 0.25)})


@hookimpl
def dse_register_backends(register: Callable[[Backend], None]) -> None:
    register(ToyBackend())


@hookimpl
def dse_register_accuracy_models(register: Callable[[AccuracyModel], None]) -> None:
    register(ToyAccuracy())
