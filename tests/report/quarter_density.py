"""A plugin for the tests: an accuracy model that 'measures' density 0.25 in every layer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from dse import Accuracy, AccuracyModel, Workload, hookimpl


class QuarterParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuarterDensity(AccuracyModel):
    name = "quarter-density"
    description = "test model: accuracy 0.9, every layer measured at density 0.25"
    Params = QuarterParams

    def accuracy(self, workload: Workload, knobs: Mapping[str, Any], params: BaseModel) -> Accuracy:
        return Accuracy(value=0.9, source="test", densities={layer.name: (0.25, 0.25) for layer in workload.layers})


@hookimpl
def dse_register_accuracy_models(register: Callable[[AccuracyModel], None]) -> None:
    register(QuarterDensity())
