"""Entry point of the accuracy plugin: ``table`` and ``digits-proxy`` models, `dse accuracy`.

Both take the knobs described in :mod:`dse_accuracy.knobs` (kind, timesteps, weight_bits,
encoding, neuron, leak, split_after, order, seed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from dse import AccuracyModel, hookimpl

#: The dse plugin API this plugin is written for (dse refuses it when it provides another).
DSE_PLUGIN_API = 1

if TYPE_CHECKING:
    import typer


@hookimpl
def dse_register_accuracy_models(register: Callable[[AccuracyModel], None]) -> None:
    from dse_accuracy.digits_proxy import DigitsProxy
    from dse_accuracy.table import TableAccuracy

    register(TableAccuracy())
    register(DigitsProxy())


@hookimpl
def dse_register_commands(app: typer.Typer) -> None:
    from dse_accuracy.commands import register

    register(app)
