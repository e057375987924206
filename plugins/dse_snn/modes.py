"""The discrete choices that change the model's formulas, and designs grouped by them.

A design's ``state_update``, ``leak``, ``spike_format`` and ``bias`` decide which counts it
has at all (a per-event design keeps no register, an events design decodes addresses, ...).
Costing every design with every mode's formulas and picking per design would pay for all of
them; instead the designs are grouped by these choices, each group costed with its own
formulas only (a :class:`Mode` of plain Python values), and the groups' results put back in
the designs' order. One design is one group: ``cost`` and ``cost_batch`` run the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import numpy as np

from dse_snn.columns import Columns
from dse_snn.params import MODE_COLUMNS


@dataclass(frozen=True)
class Mode:
    """The formula-changing choices one group of designs shares."""

    state_update: str
    leak: str
    spike_format: str
    bias: bool

    @property
    def per_event(self) -> bool:
        return self.state_update == "per_event"

    @property
    def per_active(self) -> bool:
        return self.state_update == "per_active_neuron"

    @property
    def sorted_time(self) -> bool:
        return self.state_update == "sorted_time"

    @property
    def bitmap(self) -> bool:
        return self.spike_format == "bitmap"


def grouped(p: Columns, evaluate: Callable[[Columns, Mode], Any], expand: bool) -> Any:
    """``evaluate`` on each group of designs that share a Mode, the results in the designs' order.

    ``evaluate``'s result is a tree of dataclasses, dicts and lists whose leaves are arrays over
    the group's designs or numbers (the same for all of them); a single group's comes back as it
    is, its numbers made arrays if ``expand``.
    """
    codes = [p[path].astype(np.int64) for path in MODE_COLUMNS]
    key = ((codes[0] * 3 + codes[1]) * 2 + codes[2]) * 2 + codes[3]  # state_update, leak: 3 choices each
    if len(key) == 0 or key.min() == key.max():
        tree = evaluate(p, _mode(p, [int(c[0]) if len(c) else 0 for c in codes]))
        return filled(tree, len(key)) if expand else tree
    order = np.argsort(key, kind="stable")
    starts = np.flatnonzero(np.diff(key[order])) + 1
    parts: list[tuple[np.ndarray | slice, Any]] = []
    for rows in np.split(order, starts):
        parts.append((rows, evaluate(p.take(rows), _mode(p, [int(c[rows[0]]) for c in codes]))))
    return scatter(parts, len(key))


def _mode(p: Columns, codes: list[int]) -> Mode:
    state_update, leak, spike_format, bias = codes
    return Mode(p.name("state_update", state_update), p.name("leak", leak), p.name("spike_format", spike_format),
                bool(bias))


def filled(tree: Any, n: int) -> Any:
    """``tree`` with its numbers made arrays of ``n`` designs (its arrays as they are)."""
    if isinstance(tree, np.ndarray):
        return tree
    if isinstance(tree, dict):
        return {key: filled(leaf, n) for key, leaf in tree.items()}
    if isinstance(tree, list):
        return [filled(leaf, n) for leaf in tree]
    if isinstance(tree, (float, int, np.generic)):
        return np.full(n, tree)
    return type(tree)(**{f.name: filled(getattr(tree, f.name), n) for f in fields(tree)})


def scatter(parts: list[tuple[np.ndarray | slice, Any]], n: int) -> Any:
    """One tree of arrays over ``n`` designs from trees over the designs at each part's rows."""
    first = parts[0][1]
    if isinstance(first, dict):
        return {key: scatter([(rows, tree[key]) for rows, tree in parts], n) for key in first}
    if isinstance(first, list):
        return [scatter([(rows, tree[i]) for rows, tree in parts], n) for i in range(len(first))]
    if is_dataclass(first):
        return type(first)(**{f.name: scatter([(rows, getattr(tree, f.name)) for rows, tree in parts], n)
                              for f in fields(first)})
    out = np.empty(n, dtype=np.result_type(*(leaf for _, leaf in parts)))
    for rows, leaf in parts:
        out[rows] = leaf
    return out
