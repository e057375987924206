"""dse: analytical design-space exploration for ANN, SNN and hybrid accelerators.

The public API, everything a plugin needs and nothing more (docs/api.md): schemas, plugin
base classes, the ``hookimpl`` marker, the plugin manager, and the helpers plugin commands
use (input loading, one-line errors, atomic result files). Everything that models hardware
is a plugin (docs/plugins.md). Names resolve on first use, so ``import dse`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    "hookimpl": "dse.plugin.hookspecs",
    "DSE_PLUGIN_API": "dse.plugin.api_version",
    "Backend": "dse.plugin.types",
    "Accuracy": "dse.plugin.types",
    "AccuracyModel": "dse.plugin.types",
    "WorkloadLoader": "dse.plugin.types",
    "BATCH_COLUMNS": "dse.plugin.types",
    "batch_schema": "dse.plugin.types",
    "unflatten": "dse.plugin.types",
    "LayerBatch": "dse.plugin.batching",
    "in_chunks": "dse.plugin.batching",
    "Plugins": "dse.plugin.manager",
    "make_plugins": "dse.plugin.manager",
    "DseInputError": "dse.errors",
    "NestedParamsError": "dse.errors",
    "ModelUnavailable": "dse.errors",
    "describe_validation_error": "dse.errors",
    "install_hint": "dse.extras",
    "Architecture": "dse.schema",
    "Cost": "dse.schema",
    "LayerCost": "dse.schema",
    "Technology": "dse.schema",
    "Workload": "dse.schema",
    "Neuron": "dse.schema",
    "Preset": "dse.schema",
    "AddLayer": "dse.schema",
    "Conv2dLayer": "dse.schema",
    "DenseLayer": "dse.schema",
    "FlattenLayer": "dse.schema",
    "PoolLayer": "dse.schema",
    "MatmulLayer": "dse.schema",
    "MulLayer": "dse.schema",
    "SoftmaxLayer": "dse.schema",
    "LayerNormLayer": "dse.schema",
    "ActivationLayer": "dse.schema",
    "ReduceLayer": "dse.schema",
    "VECTOR_OP_TYPES": "dse.schema",
    "as_pair": "dse.schema.workload",
    "scale_technology": "dse.schema.scaling",
    "load_workload": "dse.inputs.documents",
    "validate_document": "dse.inputs.documents",
    "context_plugins": "dse.cli.context",
    "echo_json": "dse.cli.context",
    "provenance": "dse.results.provenance",
    "installed_versions": "dse.results.provenance",
    "output_directory": "dse.results.atomic",
    "write_bytes_atomic": "dse.results.atomic",
    "write_parquet_atomic": "dse.results.atomic",
}

__all__ = [
    "BATCH_COLUMNS",
    "DSE_PLUGIN_API",
    "VECTOR_OP_TYPES",
    "Accuracy",
    "AccuracyModel",
    "ActivationLayer",
    "AddLayer",
    "Architecture",
    "Backend",
    "Conv2dLayer",
    "Cost",
    "DenseLayer",
    "DseInputError",
    "FlattenLayer",
    "LayerBatch",
    "LayerCost",
    "LayerNormLayer",
    "MatmulLayer",
    "ModelUnavailable",
    "MulLayer",
    "NestedParamsError",
    "Neuron",
    "Plugins",
    "PoolLayer",
    "Preset",
    "ReduceLayer",
    "SoftmaxLayer",
    "Technology",
    "Workload",
    "WorkloadLoader",
    "__version__",
    "as_pair",
    "batch_schema",
    "context_plugins",
    "describe_validation_error",
    "echo_json",
    "hookimpl",
    "in_chunks",
    "install_hint",
    "installed_versions",
    "load_workload",
    "make_plugins",
    "output_directory",
    "provenance",
    "scale_technology",
    "unflatten",
    "validate_document",
    "write_bytes_atomic",
    "write_parquet_atomic",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dse' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from dse.cli.context import context_plugins, echo_json
    from dse.errors import DseInputError, ModelUnavailable, NestedParamsError, describe_validation_error
    from dse.extras import install_hint
    from dse.inputs.documents import load_workload, validate_document
    from dse.plugin.api_version import DSE_PLUGIN_API
    from dse.plugin.batching import LayerBatch, in_chunks
    from dse.plugin.hookspecs import hookimpl
    from dse.plugin.manager import Plugins, make_plugins
    from dse.plugin.types import (
        BATCH_COLUMNS,
        Accuracy,
        AccuracyModel,
        Backend,
        WorkloadLoader,
        batch_schema,
        unflatten,
    )
    from dse.results.atomic import output_directory, write_bytes_atomic, write_parquet_atomic
    from dse.results.provenance import installed_versions, provenance
    from dse.schema import (
        VECTOR_OP_TYPES,
        ActivationLayer,
        AddLayer,
        Architecture,
        Conv2dLayer,
        Cost,
        DenseLayer,
        FlattenLayer,
        LayerCost,
        LayerNormLayer,
        MatmulLayer,
        MulLayer,
        Neuron,
        PoolLayer,
        Preset,
        ReduceLayer,
        SoftmaxLayer,
        Technology,
        Workload,
    )
    from dse.schema.scaling import scale_technology
    from dse.schema.workload import as_pair
