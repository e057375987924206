"""Energy of each action (pJ) for one layer on many design points: the technology's, or the override.

From the technology (its tables and interpolation rules, dse.schema.technology), at the
design's memory sizes and the layer's bit widths:

- weight word, bias: reads of the core's weight SRAM (word = the packed weights, or one weight);
- potential: read and write of the core's state SRAM, ``membrane_bits`` wide;
- events: an address event passes a flip-flop buffer at the sender and the receiver's input
  queue, each a register write+read of ``event_bits``; a bitmap spike is one bit of the
  state SRAM; sorted_time's event buffer is a state-SRAM word of event + timestamp bits;
- accumulate, integrate, bias, compare (a subtractor) and reset: adds at ``membrane_bits``;
  address arithmetic (per synaptic op and per event received): an add at ⌈log2 neurons_per_core⌉;
  the register that sums a current: a register write+read at ``membrane_bits``;
- leak: ``shift`` is v − (v >> k), one add; ``multiply`` is v × decay, a
  ``membrane_bits`` × ``membrane_bits`` multiply;
- a weight loaded from DRAM: a write of the weight SRAM per bit;
- DRAM per bit as the technology's; a mesh hop the design's ``noc_hop_pj``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dse import Technology
from dse_snn.columns import Columns
from dse_snn.lookup import per_width
from dse_snn.modes import Mode


@dataclass(frozen=True)
class Widths:
    """Bit widths of one layer on each design point (arrays, or one number for all designs; bits)."""

    weight: np.ndarray | float
    membrane: np.ndarray | float
    event: np.ndarray | float
    per_word: np.ndarray | float  # weights read together in one weight SRAM word
    word: np.ndarray | float  # weight SRAM word read per access
    address: np.ndarray | float  # ⌈log2 neurons_per_core⌉, at least 1
    timestamp: np.ndarray | float  # ⌈log2 T⌉


#: The widths (Widths fields) each action's energy depends on.
DEPENDS = {"weight_read": ("word",), "bias_read": ("weight",), "state_read": ("membrane",),
           "state_write": ("membrane",), "event_read": ("event",), "event_write": ("event",),
           "event_decode": ("address",), "accumulate": ("membrane",), "address": ("address",),
           "register": ("membrane",), "integrate": ("membrane",), "leak": ("membrane",), "bias": ("membrane",),
           "compare": ("membrane",), "reset": ("membrane",), "buffer_write": ("event", "timestamp"),
           "buffer_read": ("event", "timestamp"), "weight_load": (), "dram": (), "noc_hop": ()}

#: Actions whose energy an EnergyModel field named otherwise than ``<action>_pj`` replaces.
OVERRIDES = {"buffer_write": "buffer_access_pj", "buffer_read": "buffer_access_pj",
             "weight_load": "weight_load_pj_per_bit", "dram": "dram_pj_per_bit"}


class Pricing:
    """The technology's energies for a group of design points that share a Mode; per-layer actions by
    :meth:`actions`.

    SRAM energy per bit is the technology's per design (:meth:`Technology.sram_read_energies`); a word of w bits costs w
    times that, and a write ``sram_write_factor`` times a read (the Technology's own rules).
    A table looked up by bit width is looked up once per array of widths (layers share them).
    """

    def __init__(self, p: Columns, mode: Mode, tech: Technology) -> None:
        self.p, self.mode, self.tech = p, mode, tech
        self.weight_bit = tech.sram_read_energies(p["weight_sram_kib"] * 8192.0)
        self.state_bit = tech.sram_read_energies(p["state_sram_kib"] * 8192.0)
        self._tables: dict[tuple[str, int], tuple[object, np.ndarray | float]] = {}
        # the widths or energies a cached value was worked out from are kept: their ids stay theirs
        self._energies: dict[tuple[object, ...], tuple[object, np.ndarray | float]] = {}
        self._totals: dict[tuple[int, ...], tuple[object, np.ndarray | float]] = {}

    def _write(self, read: np.ndarray | float) -> np.ndarray | float:
        return self.tech.sram_write_factor * read

    def table(self, name: str, fn: Callable[[int], float], bits: np.ndarray | float) -> np.ndarray | float:
        """``fn`` (the technology's ``name``) at ``bits``, once per array of widths."""
        key = (name, id(bits))
        if key not in self._tables:
            self._tables[key] = (bits, per_width(fn, bits))  # the widths are kept: their id stays theirs
        return self._tables[key][1]

    def actions(self, w: Widths) -> Prices:
        """Energy per action (pJ) for one layer, keyed as the EnergyModel fields without ``_pj``."""
        return Prices(self, w)

    def derived(self, action: str, w: Widths) -> np.ndarray | float:
        """The technology's energy of ``action`` (pJ) at the widths ``w``."""
        tech, bitmap = self.tech, self.mode.bitmap
        if action in ("accumulate", "integrate", "bias", "compare", "reset"):
            return self.table("add", tech.add_energy, w.membrane)
        if action in ("event_decode", "address"):
            return self.table("add", tech.add_energy, w.address)
        if action in ("state_read", "state_write"):
            read = w.membrane * self.state_bit
            return read if action == "state_read" else self._write(read)
        if action in ("event_read", "event_write"):
            if not bitmap:
                return self.table("register", tech.register_energy, w.event)
            return self.state_bit if action == "event_read" else self._write(self.state_bit)
        if action in ("buffer_read", "buffer_write"):
            buffer = (w.event + w.timestamp) * self.state_bit
            return buffer if action == "buffer_read" else self._write(buffer)
        if action == "leak":
            multiply = self.table("mul", lambda b: tech.mul_energy(b, b), w.membrane)
            return np.where(self.p.choice("leak_op", "multiply"), multiply,
                            self.table("add", tech.add_energy, w.membrane))
        if action == "register":
            return self.table("register", tech.register_energy, w.membrane)
        if action in ("weight_read", "bias_read"):
            return (w.word if action == "weight_read" else w.weight) * self.weight_bit
        if action == "weight_load":
            return self._write(self.weight_bit)
        return tech.dram_pj_per_bit if action == "dram" else self.p["noc_hop_pj"]

    def energy(self, action: str, w: Widths) -> np.ndarray | float:
        """The energy of ``action`` (pJ): the design's EnergyModel value where it gives one, else
        derived; worked out once per distinct widths it depends on (layers share most of them)."""
        widths = tuple(getattr(w, name) for name in DEPENDS[action])
        key = (action, *map(id, widths))
        if key not in self._energies:
            field = f"energy_model.{OVERRIDES.get(action, action + '_pj')}"
            derived = self.derived(action, w)
            self._energies[key] = (widths, self.p.given(field, derived) if field in self.p else derived)
        return self._energies[key][1]

    def total(self, energies: list[np.ndarray | float]) -> np.ndarray | float:
        """``energies`` added up (pJ), once per distinct list."""
        key = tuple(map(id, energies))
        if key not in self._totals:
            total = energies[0]
            for energy in energies[1:]:
                total = total + energy
            self._totals[key] = (energies, total)
        return self._totals[key][1]


class Prices:
    """One layer's energy per action (pJ), each worked out when first asked for: a group of designs
    whose mode never does an action never prices it."""

    def __init__(self, pricing: Pricing, w: Widths) -> None:
        self._pricing, self._w = pricing, w
        self._known: dict[str, np.ndarray | float] = {}
        self._sums: dict[tuple[str, ...], np.ndarray | float] = {}

    def __getitem__(self, action: str) -> np.ndarray | float:
        if action not in self._known:
            self._known[action] = self._pricing.energy(action, self._w)
        return self._known[action]

    def total(self, actions: tuple[str, ...]) -> np.ndarray | float:
        """The energies of ``actions`` added up (pJ): the price of a count that each of them has."""
        if actions not in self._sums:
            self._sums[actions] = self._pricing.total([self[action] for action in actions])
        return self._sums[actions]
