"""The SNN accelerator's counts, energy, latency and area, on arrays of design points.

One code path serves ``cost`` (one design point) and ``cost_batch`` (many), so the two agree
exactly (energy totals: within the rounding of plain sums, dse.plugin.batching). Per synaptic layer (conv2d, dense), over an inference of T steps, with E input
events, S synaptic ops, A active neurons, F output spikes per step (dse_snn.layers), N
neurons and k cores (dse_snn.mapping):

- every core of the layer receives every event: T·E·k deliveries, each routed over
  ``mean_hops`` hops (``noc_hop_pj`` each), read from the core's queue and decoded;
- T·S synaptic ops, each an accumulate and a target-address add; weight reads are one per
  synaptic op, or with ``weight_word_bits`` one per word of ⌊word/weight_bits⌋ weights
  that one event uses side by side (output channels of a kernel tap, or a dense row):
  T·S·⌈g/w⌉/g reads for g such weights per tap;
- state by ``state_update``:
  ``per_event``: a potential read and write per synaptic op, plus one per neuron per step when
  a step-end sweep is needed (every-step leak or bias); the threshold is compared after every
  update (per neuron in the sweep, when there is one);
  ``per_active_neuron``: the current is summed in a register (a register access per synaptic
  op), then per active neuron a potential read, an integrate add, a compare and a write;
  with every-step leak the inactive neurons are read, leaked and written too;
  ``sorted_time``: input spikes sorted by time (each delivered event written to and read from
  a time-sorted buffer in the state SRAM); a neuron's potential lives in a register while all
  its T steps are processed, so no potential is stored across ticks (no state reads or
  writes); a compare per active neuron per step;
- leak by ``leak``: every neuron every step, active neurons only, or never; IF layers never
  (layers that name no neuron model leak as the chip does). An active-only leak rides on a
  neuron's first update of the step (per_event) or on its active update: no extra access;
- bias (``bias``): per neuron per step a bias read and an add;
- a reset per output spike; an output event per spike, or with ``spike_format: bitmap`` a
  spike bit written per neuron per step and read per synaptic op (Ottati's gather), the map
  sent to each core as ⌈N_in/event_bits⌉ words per step.

Pooling and residual adds: a queue read and an add per input event and target window, an
event per output spike, no weights, no state. Flatten costs nothing.

DRAM (per inference): the network's input arrives from DRAM (its events at ``event_bits``, or
with ``bitmap`` one bit per input neuron per step) and its output leaves to DRAM (output
spikes at ⌈log2 output neurons⌉ bits, or one bit per output neuron per step); the weights
held on chip are loaded once (DRAM read and weight-SRAM write, dse_snn.mapping) unless
``weights_resident``; overflow traffic as dse_snn.mapping says. ``dram_read_bits`` and
``dram_write_bits`` per layer; ``memory_cycles`` = their bytes / ``dram_bytes_per_cycle``.

Latency (cycles): a core takes one event per cycle and spreads its synaptic ops over
``pes_per_core`` units; neuron updates outside the event stream (active-neuron updates,
leak sweeps) also run on the PEs. A layer's step takes max(E, S/(k·PEs)) + U/(k·PEs) + f with U
those updates per step and f the mesh flight of the step's last spike, ``mean_hops`` x
``noc_hop_ns`` at the clock (``noc_flight_cycles``; the routers pipeline the other spikes
behind each core's one event a cycle); pooling and adds one cycle per event + f. DRAM transfers overlap the
work (a roofline): a layer is busy max(T × step, its memory_cycles), and an inference takes at
least the memory_cycles of all layers together (one DRAM port). When every synaptic layer has
cores of its own, layers pipeline across time steps as on Loihi (layer l works on step t
while layer l+1 works on step t−1): an inference takes (T + L − 1) ticks of the slowest
layer, or the sequential time if that is shorter; otherwise layers run one after another on
the chip (each on at most all cores): T × Σ layer step times.

Area (mm²): per core the weight and state SRAMs, ``pes_per_core`` PEs (an adder at the
widest membrane and a register of membrane + weight bits), a neuron unit (leak unit: a
multiplier or an adder; an integrate adder; a comparator) and a 5-port mesh router with one
event register per port (north, south, east, west, local: a 2-D mesh router as in Dally &
Towles, "Principles and Practices of Interconnection Networks", 2004). Leakage is the
chip's static power × inference time, shared among layers by their busy cycles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dse import Technology
from dse_snn.columns import Columns
from dse_snn.energies import Pricing, Widths
from dse_snn.layers import LayerStats
from dse_snn.lookup import ceil_log2, per_value, per_width
from dse_snn.mapping import Placement, place
from dse_snn.tensor import tensor_cycles, tensor_energy

# A 2-D mesh router has five ports (four neighbours and the local core): Dally & Towles 2004.
ROUTER_PORTS = 5


@dataclass(frozen=True)
class LayerArrays:
    """One layer on every design point: energy by component (pJ), counts, busy cycles, footprint (bits)."""

    breakdown: dict[str, np.ndarray]
    counts: dict[str, np.ndarray]
    busy_cycles: np.ndarray
    utilization: np.ndarray  # NaN: not reported (pool, add, flatten, or no work)
    footprint: dict[str, np.ndarray]


@dataclass(frozen=True)
class Evaluation:
    """Every layer and the chip totals, one entry per design point."""

    layers: list[LayerArrays]
    latency_cycles: np.ndarray
    area_mm2: np.ndarray
    memory_fits: np.ndarray
    resident: np.ndarray
    short: dict[str, np.ndarray]  # resource -> some layer did not get all it needs (dse_snn.mapping.RESOURCES)


def evaluate(stats: Sequence[LayerStats], workload_timesteps: int, p: Columns, tech: Technology,
             lean: bool = False) -> Evaluation:
    """Counts, energies (pJ), latency (cycles), area (mm²) of every layer on every design point.

    ``lean`` (a batch that needs totals only) keeps of each layer its breakdown summed, as one
    component ``energy``, and its memory cycles, not (designs x layers x counts) arrays.
    """
    timesteps = np.where(np.isnan(p["timesteps"]), float(workload_timesteps), p["timesteps"])
    priced = _priced_widths(stats, p, timesteps, tech)
    widths = [w for w, _ in priced]
    placement = place(stats, widths, p, timesteps)
    chip = p["cores"]
    hops = np.where(np.isnan(p["mean_hops"]), 2.0 * (chip - 1.0) / (3.0 * np.sqrt(chip)), p["mean_hops"])
    layers, steps = [], []
    for index, (s, (w, energies)) in enumerate(zip(stats, priced, strict=True)):
        cores = np.where(placement.resident, placement.cores[index], np.minimum(placement.cores[index], chip))
        dram = _dram(s, w, p, timesteps, placement, index)
        if s.synaptic:
            arrays, step = _synaptic(s, w, p, timesteps, cores, hops, energies, dram, placement.footprint[index])
        else:
            arrays, step = _spike_logic(s, w, p, timesteps, hops, energies, dram, tech)
        layers.append(_summed(arrays) if lean else arrays)
        steps.append(step)
    memory = np.zeros_like(timesteps)
    for layer in layers:
        memory = memory + layer.counts.get("memory_cycles", 0.0)
    latency = np.maximum(_latency(stats, steps, timesteps, placement.resident), memory)
    area = _area(stats, widths, p, tech)
    _share_leakage(layers, p, tech, area, latency)
    fits = placement.fits | p.choice("memory_overflow", "dram")
    return Evaluation(layers, latency, area, fits, placement.resident, placement.short)


def _summed(arrays: LayerArrays) -> LayerArrays:
    """The layer with its breakdown added up, component after component, and only the counts the
    chip totals need."""
    if not arrays.breakdown:
        return arrays
    energy = np.zeros_like(arrays.busy_cycles)
    for value in arrays.breakdown.values():
        energy += value
    return LayerArrays({"energy": energy}, {"memory_cycles": arrays.counts["memory_cycles"]}, arrays.busy_cycles,
                       arrays.utilization, {})


def _priced_widths(stats: Sequence[LayerStats], p: Columns, timesteps: np.ndarray,
                   tech: Technology) -> list[tuple[Widths, dict[str, np.ndarray]]]:
    """Each layer's widths and action energies; layers that declare the same widths share them."""
    pricing = Pricing(p, tech)
    address, timestamp = np.maximum(1.0, ceil_log2(p["neurons_per_core"])), ceil_log2(timesteps)
    shared: dict[tuple[int, int, int], tuple[Widths, dict[str, np.ndarray]]] = {}
    for s in stats:
        key = (s.weight_bits, s.activation_bits, s.address_bits)
        if key not in shared:
            w = _widths(s, p, timestamp, address)
            shared[key] = (w, pricing.actions(w))
    return [shared[(s.weight_bits, s.activation_bits, s.address_bits)] for s in stats]


def _widths(s: LayerStats, p: Columns, timestamp: np.ndarray, address: np.ndarray) -> Widths:
    weight = np.where(np.isnan(p["weight_bits"]), float(s.weight_bits), p["weight_bits"])
    word = p["weight_word_bits"]
    per_word = np.where(np.isnan(word), 1.0, np.maximum(1.0, np.floor(word / weight)))
    return Widths(
        weight=weight,
        membrane=np.where(np.isnan(p["membrane_bits"]), float(s.activation_bits), p["membrane_bits"]),
        event=np.where(np.isnan(p["event_bits"]), float(s.address_bits), p["event_bits"]),
        word=per_word * weight,
        address=address,
        timestamp=timestamp,
    )


def _dram(s: LayerStats, w: Widths, p: Columns, t: np.ndarray, placement: Placement,
          index: int) -> dict[str, np.ndarray]:
    """DRAM counts of one layer per inference: bits read and written, weight bits loaded, cycles."""
    bitmap = p.choice("spike_format", "bitmap")
    out_event = np.where(np.isnan(p["event_bits"]), float(s.output_address_bits), p["event_bits"])
    read = placement.dram_read_bits[index] + t * np.where(bitmap, s.external_inputs, s.external_events * w.event)
    written = t * np.where(bitmap, s.out_neurons, s.spikes * out_event) if s.output_external else 0.0
    write = placement.dram_write_bits[index] + written
    return {"dram_read_bits": read, "dram_write_bits": write, "dram_bits": read + write,
            "weight_load_bits": placement.weight_loads[index],
            "memory_cycles": (read + write) / 8.0 / p["dram_bytes_per_cycle"]}


def _synaptic(s: LayerStats, w: Widths, p: Columns, t: np.ndarray, cores: np.ndarray, hops: np.ndarray,
              e: dict[str, np.ndarray], dram: dict[str, np.ndarray],
              footprint: dict[str, np.ndarray]) -> tuple[LayerArrays, np.ndarray]:
    per_event, per_active = p.choice("state_update", "per_event"), p.choice("state_update", "per_active_neuron")
    sorted_time = p.choice("state_update", "sorted_time")
    bias, bitmap = p["bias"], p.choice("spike_format", "bitmap")
    leaks = s.leaks & ~p.choice("leak", "none")
    every = leaks & p.choice("leak", "every_step")
    n = float(s.out_neurons)
    active = np.where(bias, n, s.active)
    synops = t * s.synops
    deliveries = t * s.events * cores
    sweep = bias | every
    # neurons visited outside the event stream, per step
    updates = np.where(per_event, np.where(sweep, n, 0.0), np.where(every, n, active))
    state = np.where(per_event, synops + t * np.where(sweep, n, 0.0), np.where(per_active, t * updates, 0.0))
    per_word = w.word / w.weight
    counts = {
        "input_events": t * s.events,
        "event_deliveries": deliveries,
        "synaptic_ops": synops,
        "weight_reads": synops * np.ceil(s.group / per_word) / s.group,
        "bias_reads": np.where(bias, t * n, 0.0),
        "state_reads": state,
        "state_writes": state,
        "active_neuron_updates": t * active,
        "register_accumulates": np.where(per_event, 0.0, synops),
        "integrate_ops": np.where(per_active, t * active, 0.0),
        "leak_ops": np.where(every, t * n, np.where(leaks, t * active, 0.0)),
        "bias_adds": np.where(bias, t * n, 0.0),
        "compares": np.where(per_event, np.where(sweep, t * n, synops), t * active),
        "resets": t * s.spikes if s.resets else np.zeros_like(t),
        "output_spikes": t * s.spikes,
        "event_reads": np.where(bitmap, synops, deliveries),
        "event_writes": np.where(bitmap, t * n, t * s.spikes),
        "event_decodes": np.where(bitmap, 0.0, deliveries),
        "buffer_writes": np.where(sorted_time, deliveries, 0.0),
        "buffer_reads": np.where(sorted_time, deliveries, 0.0),
        "noc_hops": np.where(bitmap, t * cores * np.ceil(s.in_neurons / w.event), deliveries) * hops,
        "noc_flight_cycles": t * _flight(p, hops),
        **dram,
        "cores": cores,
    }
    breakdown = _energy(counts, p, e)
    pes = cores * p["pes_per_core"]
    step = np.maximum(s.events, s.synops / pes) + updates / pes + _flight(p, hops)
    utilization = np.divide(s.synops, pes * step, out=np.full_like(step, np.nan), where=step > 0)
    return LayerArrays(breakdown, counts, np.maximum(t * step, dram["memory_cycles"]), utilization, footprint), step


def _energy(c: dict[str, np.ndarray], p: Columns, e: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {
        "sram_weight_read": c["weight_reads"] * e["weight_read"],
        "sram_bias_read": c["bias_reads"] * e["bias_read"],
        "neuron_state": c["state_reads"] * e["state_read"] + c["state_writes"] * e["state_write"],
        "events": c["event_reads"] * e["event_read"] + c["event_writes"] * e["event_write"]
        + c["buffer_writes"] * e["buffer_write"] + c["buffer_reads"] * e["buffer_read"],
        "noc": c["noc_hops"] * p["noc_hop_pj"],
        "compute": c["synaptic_ops"] * e["accumulate"] + c["synaptic_ops"] * e["address"]
        + c["event_decodes"] * e["event_decode"],
        "register": c["register_accumulates"] * e["register"],
        "neuron_update": c["integrate_ops"] * e["integrate"] + c["leak_ops"] * e["leak"]
        + c["bias_adds"] * e["bias"] + c["compares"] * e["compare"] + c["resets"] * e["reset"],
        "sram_weight_write": c["weight_load_bits"] * e["weight_load"],
        "dram": c["dram_bits"] * e["dram"],
    }


def _spike_logic(s: LayerStats, w: Widths, p: Columns, t: np.ndarray, hops: np.ndarray,
                 e: dict[str, np.ndarray], dram: dict[str, np.ndarray],
                 tech: Technology) -> tuple[LayerArrays, np.ndarray]:
    """Pooling and residual adds (one add per event and window); tensor layers (dse_snn.tensor);
    flatten (nothing)."""
    zero = np.zeros_like(t)
    if s.kind == "flatten":
        return LayerArrays({}, {}, zero, np.full_like(t, np.nan), {}), zero
    bitmap = p.choice("spike_format", "bitmap")
    events = t * s.events
    writes = np.where(bitmap, t * s.out_neurons, t * s.spikes)
    counts = {"input_events": events, "adds": t * s.synops, "output_spikes": t * s.spikes,
              "event_reads": events, "event_writes": writes, "noc_hops": events * hops,
              "noc_flight_cycles": t * _flight(p, hops), **dram}
    breakdown = {
        "events": events * e["event_read"] + writes * e["event_write"],
        "noc": counts["noc_hops"] * p["noc_hop_pj"],
        "compute": counts["adds"] * e["accumulate"],
        "dram": dram["dram_bits"] * e["dram"],
    }
    step = s.events + _flight(p, hops)
    if s.tensor is not None:
        extra, tensor_counts = tensor_energy(s.tensor, t, w, e, tech)
        breakdown["compute"] = breakdown["compute"] + extra["compute"]
        breakdown["neuron_state"] = extra["neuron_state"]
        counts.update(tensor_counts)
        step = tensor_cycles(s.tensor, s.events, w, p) + _flight(p, hops)
    return LayerArrays(breakdown, counts, np.maximum(t * step, dram["memory_cycles"]), np.full_like(t, np.nan), {}), step


def _flight(p: Columns, hops: np.ndarray) -> np.ndarray:
    """Cycles a layer's last spike of a step (or, with none, the step's end-of-step message) spends in
    the mesh before the step can end: ``mean_hops`` hops of ``noc_hop_ns`` each."""
    return hops * p["noc_hop_ns"] * p["clock_mhz"] / 1000.0


def _latency(stats: Sequence[LayerStats], steps: list[np.ndarray], t: np.ndarray, resident: np.ndarray) -> np.ndarray:
    """Cycles per inference: pipelined across steps when every layer has its own cores, else sequential."""
    stages = sum(1 for s in stats if s.kind != "flatten")
    total, slowest = np.zeros_like(t), np.zeros_like(t)
    for step in steps:
        total = total + step
        slowest = np.maximum(slowest, step)
    sequential = t * total
    pipelined = (t + (stages - 1)) * slowest
    return np.where(resident, np.minimum(sequential, pipelined), sequential)


def _area(stats: Sequence[LayerStats], widths: Sequence[Widths], p: Columns, tech: Technology) -> np.ndarray:
    """Chip area (mm²) at the widest membrane, weight and event of the workload."""
    synaptic = [w for s, w in zip(stats, widths, strict=True) if s.synaptic] or list(widths)
    membrane = np.maximum.reduce([w.membrane for w in synaptic])
    weight = np.maximum.reduce([w.weight for w in synaptic])
    event = np.maximum.reduce([w.event for w in widths])
    sram = per_value(tech.sram_area, (p["weight_sram_kib"] + p["state_sram_kib"]) * 8192.0)
    adder = per_width(tech.add_area, membrane)
    pe = adder + per_width(tech.register_area, membrane + weight)
    leak_unit = np.where(p.choice("leak_op", "multiply"), per_width(lambda b: tech.mul_area(b, b), membrane), adder)
    neuron_unit = leak_unit + 2.0 * adder
    router = per_width(tech.register_area, ROUTER_PORTS * event)
    return p["cores"] * (sram + p["pes_per_core"] * pe + neuron_unit + router)


def _share_leakage(layers: list[LayerArrays], p: Columns, tech: Technology, area: np.ndarray,
                   latency: np.ndarray) -> None:
    """Add each layer's share (by busy cycles) of the chip's static energy (pJ) to its breakdown."""
    given = p["energy_model.leakage_mw_per_mm2"]
    density = np.where(np.isnan(given), tech.leakage_mw_per_mm2, given)
    seconds = latency / (p["clock_mhz"] * 1e6)
    total = density * area * seconds * 1e9  # as Technology.leakage_energy: mW·s = 1e9 pJ
    busy = np.zeros_like(latency)
    for layer in layers:
        busy = busy + layer.busy_cycles
    for layer in layers:
        if layer.breakdown:
            share = np.divide(layer.busy_cycles, busy, out=np.zeros_like(busy), where=busy > 0)
            layer.breakdown["leakage"] = total * share
