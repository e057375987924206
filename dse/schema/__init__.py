"""pydantic v2 models for every input and output of dse."""

from dse.schema.architecture import Architecture
from dse.schema.cost import Cost, LayerCost
from dse.schema.layer_base import VECTOR_OP_TYPES, Neuron
from dse.schema.preset import Preset
from dse.schema.technology import Technology
from dse.schema.workload import (
    ActivationLayer,
    AddLayer,
    Conv2dLayer,
    DenseLayer,
    FlattenLayer,
    Layer,
    LayerNormLayer,
    MatmulLayer,
    MulLayer,
    PoolLayer,
    ReduceLayer,
    SoftmaxLayer,
    Workload,
)

__all__ = [
    "VECTOR_OP_TYPES",
    "ActivationLayer",
    "AddLayer",
    "Architecture",
    "Conv2dLayer",
    "Cost",
    "DenseLayer",
    "FlattenLayer",
    "Layer",
    "LayerCost",
    "LayerNormLayer",
    "MatmulLayer",
    "MulLayer",
    "Neuron",
    "PoolLayer",
    "Preset",
    "ReduceLayer",
    "SoftmaxLayer",
    "Technology",
    "Workload",
]
