"""dse: analytical design-space exploration for ANN, SNN and hybrid accelerators.

The public API: schemas, plugin base classes, the ``hookimpl`` marker and the plugin
manager factory. Everything that models hardware is a plugin (see docs/plugins.md).
"""

from dse.errors import DseInputError
from dse.hookspecs import hookimpl
from dse.plugin_types import Accuracy, AccuracyModel, Backend, WorkloadLoader
from dse.plugins import Plugins, make_plugins
from dse.schema import (
    AddLayer,
    Architecture,
    Conv2dLayer,
    Cost,
    DenseLayer,
    FlattenLayer,
    LayerCost,
    Neuron,
    PoolLayer,
    Technology,
    Workload,
)

__version__ = "0.1.0"

__all__ = [
    "Accuracy",
    "AccuracyModel",
    "AddLayer",
    "Architecture",
    "Backend",
    "Conv2dLayer",
    "Cost",
    "DenseLayer",
    "DseInputError",
    "FlattenLayer",
    "LayerCost",
    "Neuron",
    "Plugins",
    "PoolLayer",
    "Technology",
    "Workload",
    "WorkloadLoader",
    "__version__",
    "hookimpl",
    "make_plugins",
]
