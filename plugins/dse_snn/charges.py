"""A layer's energy (pJ) from its counts: each count times the energy of the action it counts.

The tables say which action prices which count and under which breakdown component it is
booked. ``cost`` keeps the breakdown; a batch that needs totals only adds the products into
one array in place (no array per component), each count (one array for several counts, as a
per-event design's synaptic ops, state reads and compares) once, times the sum of the energies
of its actions. A count that a group's mode never has is the number 0.0 and is neither priced
nor added.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from dse_snn.energies import Prices

Number = np.ndarray | float

#: (breakdown component, count, action) of a conv2d or dense layer (dse_snn.model).
SYNAPTIC_CHARGES = (
    ("sram_weight_read", "weight_reads", "weight_read"),
    ("sram_bias_read", "bias_reads", "bias_read"),
    ("neuron_state", "state_reads", "state_read"),
    ("neuron_state", "state_writes", "state_write"),
    ("events", "event_reads", "event_read"),
    ("events", "event_writes", "event_write"),
    ("events", "buffer_writes", "buffer_write"),
    ("events", "buffer_reads", "buffer_read"),
    ("noc", "noc_hops", "noc_hop"),
    ("compute", "synaptic_ops", "accumulate"),
    ("compute", "synaptic_ops", "address"),
    ("compute", "event_decodes", "event_decode"),
    ("register", "register_accumulates", "register"),
    ("neuron_update", "integrate_ops", "integrate"),
    ("neuron_update", "leak_ops", "leak"),
    ("neuron_update", "bias_adds", "bias"),
    ("neuron_update", "compares", "compare"),
    ("neuron_update", "resets", "reset"),
    ("sram_weight_write", "weight_load_bits", "weight_load"),
    ("dram", "dram_bits", "dram"),
)

#: (breakdown component, count, action) of pooling, residual adds and tensor layers.
SPIKE_CHARGES = (
    ("events", "event_reads", "event_read"),
    ("events", "event_writes", "event_write"),
    ("noc", "noc_hops", "noc_hop"),
    ("compute", "adds", "accumulate"),
    ("dram", "dram_bits", "dram"),
)


def is_zero(count: Number) -> bool:
    """Whether ``count`` is the number 0.0 that stands for a count the mode does not have."""
    return isinstance(count, float) and count == 0.0


def charge(charges: tuple[tuple[str, str, str], ...], counts: Mapping[str, Number],
           prices: Prices, total: np.ndarray | None) -> dict[str, Number]:
    """The breakdown (pJ per component, in the order of ``charges``); or, given ``total``, the
    products added into it in place and no breakdown."""
    if total is None:
        breakdown: dict[str, Number] = {}
        for component, count, action in charges:
            term = 0.0 if is_zero(counts[count]) else counts[count] * prices[action]
            breakdown[component] = breakdown[component] + term if component in breakdown else term
        return breakdown
    priced: dict[int, tuple[Number, list[str]]] = {}  # a count that several actions share is multiplied once
    for _, name, action in charges:
        count = counts[name]
        if count.__class__ is not float or count != 0.0:  # (is_zero, inlined: this loop is hot)
            if id(count) in priced:
                priced[id(count)][1].append(action)
            else:
                priced[id(count)] = (count, [action])
    scratch = np.empty_like(total)
    for count, actions in priced.values():
        total += np.multiply(count, prices.total(tuple(actions)), out=scratch)
    return {}
