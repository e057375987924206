"""pydantic v2 models for every input and output of dse."""

from dse.schema.architecture import Architecture
from dse.schema.cost import Cost, LayerCost
from dse.schema.preset import Preset
from dse.schema.technology import Technology
from dse.schema.workload import (
    AddLayer,
    Conv2dLayer,
    DenseLayer,
    FlattenLayer,
    Layer,
    Neuron,
    PoolLayer,
    Workload,
)

__all__ = [
    "AddLayer",
    "Architecture",
    "Conv2dLayer",
    "Cost",
    "DenseLayer",
    "FlattenLayer",
    "Layer",
    "LayerCost",
    "Neuron",
    "PoolLayer",
    "Preset",
    "Technology",
    "Workload",
]
