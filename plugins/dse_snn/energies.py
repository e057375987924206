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
- DRAM per bit as the technology's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dse import Technology
from dse_snn.columns import Columns
from dse_snn.lookup import per_value, per_width


@dataclass(frozen=True)
class Widths:
    """Bit widths of one layer on each design point (arrays, bits)."""

    weight: np.ndarray
    membrane: np.ndarray
    event: np.ndarray
    word: np.ndarray  # weight SRAM word read per access
    address: np.ndarray  # ⌈log2 neurons_per_core⌉, at least 1
    timestamp: np.ndarray  # ⌈log2 T⌉


class Pricing:
    """The technology's energies for a batch of design points; per-layer actions by :meth:`actions`.

    SRAM energy per bit is looked up once per distinct memory size; a word of w bits costs w
    times that, and a write ``sram_write_factor`` times a read (the Technology's own rules).
    """

    def __init__(self, p: Columns, tech: Technology) -> None:
        self.p, self.tech = p, tech
        self.weight_bit = per_value(lambda size: tech.sram_read_energy(size, 1.0), p["weight_sram_kib"] * 8192.0)
        self.state_bit = per_value(lambda size: tech.sram_read_energy(size, 1.0), p["state_sram_kib"] * 8192.0)

    def _write(self, read: np.ndarray) -> np.ndarray:
        return self.tech.sram_write_factor * read

    def actions(self, w: Widths) -> dict[str, np.ndarray]:
        """Energy per action (pJ) for one layer, keyed as the EnergyModel fields without ``_pj``."""
        p, tech = self.p, self.tech
        bitmap = p.choice("spike_format", "bitmap")
        add_m = per_width(tech.add_energy, w.membrane)
        add_a = per_width(tech.add_energy, w.address)
        register_e = per_width(tech.register_energy, w.event)
        buffer = (w.event + w.timestamp) * self.state_bit
        multiply = per_width(lambda b: tech.mul_energy(b, b), w.membrane)
        derived = {
            "weight_read": w.word * self.weight_bit,
            "bias_read": w.weight * self.weight_bit,
            "state_read": w.membrane * self.state_bit,
            "state_write": self._write(w.membrane * self.state_bit),
            "event_read": np.where(bitmap, self.state_bit, register_e),
            "event_write": np.where(bitmap, self._write(self.state_bit), register_e),
            "event_decode": add_a,
            "accumulate": add_m,
            "address": add_a,
            "register": per_width(tech.register_energy, w.membrane),
            "integrate": add_m,
            "leak": np.where(p.choice("leak_op", "multiply"), multiply, add_m),
            "bias": add_m,
            "compare": add_m,
            "reset": add_m,
            "buffer_write": self._write(buffer),
            "buffer_read": buffer,
            "weight_load": self._write(self.weight_bit),
            "dram": np.full(add_m.shape, tech.dram_pj_per_bit),
        }
        overrides = {"buffer_write": "buffer_access_pj", "buffer_read": "buffer_access_pj",
                     "weight_load": "weight_load_pj_per_bit", "dram": "dram_pj_per_bit"}
        out = {}
        for action, value in derived.items():
            given = p[f"energy_model.{overrides.get(action, action + '_pj')}"]
            out[action] = np.where(np.isnan(given), value, given)
        return out
