"""Entry point of the accuracy plugin: the ``table`` and ``digits-proxy`` accuracy models.

Both take the knobs described in :mod:`dse_accuracy.knobs` (kind, timesteps, weight_bits,
encoding, neuron, leak, split_after, order, seed).
"""

from __future__ import annotations

from collections.abc import Callable

from dse import AccuracyModel, hookimpl


@hookimpl
def dse_register_accuracy_models(register: Callable[[AccuracyModel], None]) -> None:
    from dse_accuracy.digits_proxy import DigitsProxy
    from dse_accuracy.table import TableAccuracy

    register(TableAccuracy())
    register(DigitsProxy())
