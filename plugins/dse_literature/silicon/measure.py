"""What a chip's measurements mean in dse's terms (units in each docstring).

- energy per inference: the chip's energy (pJ) without DRAM, leakage over dse's latency included;
- dynamic energy: the same without leakage (what "running minus idle" measures);
- power at a frame rate: dynamic energy per frame x frames per second, plus the chip's static
  power (leakage density x area) over the whole second;
- Loihi's per-op energies read off a probe layer the way Davies et al. define them: an
  inactive update is a step of a compartment with no input, a synaptic op the energy added by
  one more op once every compartment is active, an active update the rest.
"""

from __future__ import annotations

from dse import Architecture, Cost, LayerCost, Plugins, Workload
from dse_literature.silicon.networks import PROBE_IN, PROBE_OUT, PROBE_STEPS, loihi_probe

OFF_CHIP = ("dram",)


def cost(plugins: Plugins, arch: Architecture, workload: Workload) -> Cost:
    backend = plugins.backend(arch.backend)
    return backend.cost(workload, backend.parse_params(arch.params), plugins.technology(arch.technology))


def chip_energy_pj(c: Cost | LayerCost) -> float:
    """Energy on the chip (pJ): every component but DRAM."""
    return sum(v for k, v in c.breakdown.items() if k not in OFF_CHIP)


def dynamic_energy_pj(c: Cost | LayerCost) -> float:
    """Dynamic energy on the chip (pJ): without DRAM and leakage."""
    return sum(v for k, v in c.breakdown.items() if k not in (*OFF_CHIP, "leakage"))


def power_mw(plugins: Plugins, arch: Architecture, workload: Workload, rate_hz: float) -> float:
    """Chip power (mW) running ``workload`` ``rate_hz`` times a second: dynamic + static over the second."""
    c = cost(plugins, arch, workload)
    return dynamic_energy_pj(c) * rate_hz * 1e-9 + plugins.technology(arch.technology).leakage_mw_per_mm2 * c.area_mm2


def static_mw(plugins: Plugins, arch: Architecture, workload: Workload) -> float:
    """The chip's static power (mW): leakage density x the area dse gives it for ``workload``."""
    return plugins.technology(arch.technology).leakage_mw_per_mm2 * cost(plugins, arch, workload).area_mm2


def loihi_per_op(plugins: Plugins, arch: Architecture) -> dict[str, float]:
    """Energy (pJ) per synaptic op, per inactive and per active compartment update, on the probe layer."""
    energy = {d: dynamic_energy_pj(cost(plugins, arch, loihi_probe(d))) for d in (0.0, 0.5, 1.0)}
    synops = PROBE_STEPS * PROBE_IN * PROBE_OUT  # at density 1; half of it at 0.5
    updates = PROBE_STEPS * PROBE_OUT
    synop = (energy[1.0] - energy[0.5]) / (synops / 2)  # all 32 compartments active at both densities
    return {"synop": synop, "inactive": energy[0.0] / updates, "active": (energy[1.0] - synops * synop) / updates}
