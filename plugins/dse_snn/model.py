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
from dse_snn.charges import SPIKE_CHARGES, SYNAPTIC_CHARGES, Number, charge
from dse_snn.columns import Columns
from dse_snn.energies import Prices, Pricing, Widths
from dse_snn.layers import LayerStats
from dse_snn.lookup import ceil_log2, per_value, per_width
from dse_snn.mapping import Placement, place
from dse_snn.modes import Mode, grouped
from dse_snn.tensor import tensor_cycles, tensor_energy

# A 2-D mesh router has five ports (four neighbours and the local core): Dally & Towles 2004.
ROUTER_PORTS = 5


@dataclass(frozen=True)
class LayerArrays:
    """One layer on every design point: energy by component (pJ), counts, busy cycles, footprint (bits)."""

    breakdown: dict[str, Number]  # lean: {"energy": the layer's total}
    counts: dict[str, Number]  # lean: none
    busy_cycles: np.ndarray
    utilization: Number  # NaN: not reported (pool, add, flatten, no work, or lean)
    footprint: dict[str, Number]


@dataclass(frozen=True)
class Evaluation:
    """Every layer and the chip totals, one entry per design point."""

    layers: list[LayerArrays]
    latency_cycles: np.ndarray
    area_mm2: np.ndarray
    memory_fits: np.ndarray
    resident: np.ndarray
    short: dict[str, np.ndarray]  # resource -> some layer did not get all it needs (dse_snn.mapping.RESOURCES)


@dataclass(frozen=True)
class Chip:
    """What every layer of a group of designs shares: its mode, time steps, mesh and pricing."""

    p: Columns
    mode: Mode
    t: np.ndarray | float  # time steps
    hops: np.ndarray  # mean router hops per event
    flight: np.ndarray  # cycles of a step's last spike in the mesh (_flight)
    lean: bool
    costed: np.ndarray | None = None  # lean: bool per layer, the layers whose energy is asked for (None: all)

    def priced(self, index: int) -> bool:
        """Whether layer ``index``'s energy is computed (a lean batch may ask for some layers only)."""
        return self.costed is None or bool(self.costed[index])


def evaluate(stats: Sequence[LayerStats], workload_timesteps: int, p: Columns, tech: Technology,
             lean: bool = False, costed: np.ndarray | None = None) -> Evaluation:
    """Counts, energies (pJ), latency (cycles), area (mm²) of every layer on every design point.

    Designs are costed in groups that share a Mode (dse_snn.modes). ``lean`` (a batch that needs
    totals only) keeps of each layer only its energy, summed as one component ``energy``, its
    memory cycles and busy cycles, not (designs x layers x counts) arrays; its numbers may then
    stand for all designs of a group (a float, not an array). A lean evaluation prices only the
    layers ``costed`` (bool per layer; None: all): the others' energy is NaN, their cycles, the
    placement, latency and leakage are those of the whole network.
    """
    return grouped(p, lambda part, mode: _evaluate(stats, workload_timesteps, part, mode, tech, lean, costed),
                   not lean)


def _evaluate(stats: Sequence[LayerStats], workload_timesteps: int, p: Columns, mode: Mode, tech: Technology,
              lean: bool, costed: np.ndarray | None) -> Evaluation:
    """:func:`evaluate` of one group of designs that share ``mode``."""
    timesteps = p.given("timesteps", float(workload_timesteps))
    priced = _priced_widths(stats, p, mode, timesteps, tech)
    widths = [w for w, _ in priced]
    placement = place(stats, widths, p, mode, timesteps)
    chip = p["cores"]
    hops = p.given("mean_hops", 2.0 * (chip - 1.0) / (3.0 * np.sqrt(chip)))
    chip_group = Chip(p, mode, timesteps, hops, _flight(p, hops), lean, costed if lean else None)
    layers, steps = [], []
    n = len(chip)
    memory = np.zeros(n)
    for index, (s, (w, energies)) in enumerate(zip(stats, priced, strict=True)):
        dram = _dram(s, w, chip_group, placement, index)
        if s.synaptic:
            cores = np.minimum(placement.cores[index], chip)  # with cores of its own, all it asked for
            np.copyto(cores, placement.cores[index], where=placement.resident)
            arrays, step = _synaptic(s, w, chip_group, cores, energies, dram, placement.footprint[index], n,
                                     chip_group.priced(index))
        else:
            arrays, step = _spike_logic(s, w, chip_group, energies, dram, tech, n, chip_group.priced(index))
        if s.kind != "flatten":
            memory += dram["memory_cycles"]
        layers.append(arrays)
        steps.append(step)
    latency = np.maximum(_latency(stats, steps, timesteps, placement.resident), memory)
    area = _area(stats, widths, p, tech)
    _share_leakage(layers, p, tech, area, latency)
    fits = placement.fits | p.choice("memory_overflow", "dram")
    return Evaluation(layers, latency, area, fits, placement.resident, placement.short)


def _priced_widths(stats: Sequence[LayerStats], p: Columns, mode: Mode, timesteps: np.ndarray | float,
                   tech: Technology) -> list[tuple[Widths, Prices]]:
    """Each layer's widths and action energies; layers that declare the same widths share them."""
    pricing = Pricing(p, mode, tech)
    address, timestamp = np.maximum(1.0, ceil_log2(p["neurons_per_core"])), ceil_log2(timesteps)
    shared: dict[tuple[int, int, int], tuple[Widths, Prices]] = {}
    for s in stats:
        key = (s.weight_bits, s.activation_bits, s.address_bits)
        if key not in shared:
            w = _widths(s, p, timestamp, address)
            shared[key] = (w, pricing.actions(w))
    return [shared[(s.weight_bits, s.activation_bits, s.address_bits)] for s in stats]


def _widths(s: LayerStats, p: Columns, timestamp: np.ndarray, address: np.ndarray) -> Widths:
    weight = p.given("weight_bits", float(s.weight_bits))
    unset = p.unset("weight_word_bits")
    per_word = 1.0 if unset is True else np.maximum(1.0, np.floor(p["weight_word_bits"] / weight))
    if unset is not True and unset is not False:
        per_word = np.where(unset, 1.0, per_word)
    return Widths(
        weight=weight,
        membrane=p.given("membrane_bits", float(s.activation_bits)),
        event=p.given("event_bits", float(s.address_bits)),
        per_word=per_word,
        word=per_word * weight,
        address=address,
        timestamp=timestamp,
    )


def _dram(s: LayerStats, w: Widths, c: Chip, placement: Placement, index: int) -> dict[str, Number]:
    """DRAM counts of one layer per inference: bits read and written, weight bits loaded, cycles."""
    bitmap = c.mode.bitmap
    read: Number = placement.dram_read_bits[index]
    if s.external_inputs if bitmap else s.external_events:  # the network's input (none: nothing to add)
        read = read + c.t * (s.external_inputs if bitmap else s.external_events * w.event)
    write: Number = placement.dram_write_bits[index]
    if s.output_external:
        out_event = c.p.given("event_bits", float(s.output_address_bits))
        write = write + c.t * (s.out_neurons if bitmap else s.spikes * out_event)
    bits = read + write
    cycles = bits / 8.0
    cycles /= c.p["dram_bytes_per_cycle"]
    loads = placement.weight_loads[index]
    if c.lean:
        return {"dram_bits": bits, "weight_load_bits": loads, "memory_cycles": cycles}
    return {"dram_read_bits": read, "dram_write_bits": write, "dram_bits": bits, "weight_load_bits": loads,
            "memory_cycles": cycles}


def _synaptic(s: LayerStats, w: Widths, c: Chip, cores: np.ndarray, e: Prices, dram: dict[str, Number],
              footprint: dict[str, Number], n: int, priced: bool = True) -> tuple[LayerArrays, np.ndarray]:
    mode, t = c.mode, c.t
    leaks = s.leaks and mode.leak != "none"
    every = leaks and mode.leak == "every_step"
    neurons = float(s.out_neurons)
    active = neurons if mode.bias else s.active
    sweep = mode.bias or every
    # neurons visited outside the event stream, per step
    updates = (neurons if sweep else 0.0) if mode.per_event else (neurons if every else active)
    pes = cores * c.p["pes_per_core"]
    step = s.synops / pes
    np.maximum(step, s.events, out=step)
    if updates:
        step += updates / pes
    step += c.flight
    busy = _busy(t, step, dram["memory_cycles"])
    if c.lean and not priced:  # its time only: the counts are not asked for
        return LayerArrays({"energy": np.full(n, np.nan)}, {}, busy, _NOT_REPORTED, {}), step
    synops = t * s.synops
    deliveries = t * s.events * cores
    state: Number = 0.0
    if mode.per_event:
        state = synops + t * neurons if sweep else synops
    elif mode.per_active:
        state = t * updates
    per_neuron = t * neurons if mode.bias or every or mode.bitmap else 0.0
    spikes = t * s.spikes
    counts: dict[str, Number] = {
        "synaptic_ops": synops,
        "weight_reads": _per(synops * np.ceil(s.group / w.per_word), s.group),
        "bias_reads": per_neuron if mode.bias else 0.0,
        "state_reads": state,
        "state_writes": state,
        "register_accumulates": 0.0 if mode.per_event else synops,
        "integrate_ops": t * active if mode.per_active else 0.0,
        "leak_ops": per_neuron if every else t * active if leaks else 0.0,
        "bias_adds": per_neuron if mode.bias else 0.0,
        "compares": (per_neuron if sweep else synops) if mode.per_event else t * active,
        "resets": spikes if s.resets else 0.0,
        "event_reads": synops if mode.bitmap else deliveries,
        "event_writes": per_neuron if mode.bitmap else spikes,
        "event_decodes": 0.0 if mode.bitmap else deliveries,
        "buffer_writes": deliveries if mode.sorted_time else 0.0,
        "buffer_reads": deliveries if mode.sorted_time else 0.0,
        "noc_hops": (t * cores * np.ceil(s.in_neurons / w.event) if mode.bitmap else deliveries) * c.hops,
        **dram,
    }
    if c.lean:
        total = np.zeros(n)
        charge(SYNAPTIC_CHARGES, counts, e, total)
        return LayerArrays({"energy": total}, {}, busy, _NOT_REPORTED, {}), step
    counts.update({"input_events": t * s.events, "event_deliveries": deliveries,
                   "active_neuron_updates": t * active, "output_spikes": spikes,
                   "noc_flight_cycles": t * c.flight, "cores": cores})
    counts = {key: counts[key] for key in SYNAPTIC_COUNTS}
    utilization = np.divide(s.synops, pes * step, out=np.full_like(step, np.nan), where=step > 0)
    return LayerArrays(charge(SYNAPTIC_CHARGES, counts, e, None), counts, busy, utilization, footprint), step


#: The counts a conv2d or dense layer reports, in the order a report lists them.
SYNAPTIC_COUNTS = ("input_events", "event_deliveries", "synaptic_ops", "weight_reads", "bias_reads", "state_reads",
                   "state_writes", "active_neuron_updates", "register_accumulates", "integrate_ops", "leak_ops",
                   "bias_adds", "compares", "resets", "output_spikes", "event_reads", "event_writes",
                   "event_decodes", "buffer_writes", "buffer_reads", "noc_hops", "noc_flight_cycles",
                   "dram_read_bits", "dram_write_bits", "dram_bits", "weight_load_bits", "memory_cycles", "cores")

def _per(count: Number, group: int) -> Number:
    """``count`` / ``group``, in place when ``count`` is a new array."""
    if isinstance(count, np.ndarray):
        count /= group
        return count
    return count / group


def _busy(t: Number, step: np.ndarray, memory_cycles: Number) -> np.ndarray:
    """Cycles a layer is busy: its T steps, or its DRAM transfers when they take longer (a roofline)."""
    busy = t * step
    return np.maximum(busy, memory_cycles, out=busy)


#: A lean layer's utilization: not kept.
_NOT_REPORTED = np.nan


def _spike_logic(s: LayerStats, w: Widths, c: Chip, e: Prices, dram: dict[str, Number], tech: Technology,
                 n: int, priced: bool = True) -> tuple[LayerArrays, Number]:
    """Pooling and residual adds (one add per event and window); tensor layers (dse_snn.tensor);
    flatten (nothing). Lean and not ``priced``: its cycles only, NaN energy."""
    t = c.t
    if s.kind == "flatten":
        return LayerArrays({}, {}, np.zeros(n), np.full(n, np.nan), {}), 0.0
    events, spikes = t * s.events, t * s.spikes
    counts: dict[str, Number] = {"input_events": events, "adds": t * s.synops, "output_spikes": spikes,
                                 "event_reads": events,
                                 "event_writes": t * s.out_neurons if c.mode.bitmap else spikes,
                                 "noc_hops": events * c.hops}
    if not c.lean:
        counts["noc_flight_cycles"] = t * c.flight
    counts.update(dram)
    total = (np.zeros(n) if priced else np.full(n, np.nan)) if c.lean else None
    breakdown = charge(SPIKE_CHARGES, counts, e, total) if priced else {}
    step = s.events + c.flight
    if s.tensor is not None:
        extra, tensor_counts = tensor_energy(s.tensor, t, w, e, tech)
        if total is None:
            breakdown["compute"] = breakdown["compute"] + extra["compute"]
            breakdown["neuron_state"] = extra["neuron_state"]
        else:
            total += extra["compute"]
            total += extra["neuron_state"]
        counts.update(tensor_counts)
        step = tensor_cycles(s.tensor, s.events, w, c.p) + c.flight
    busy = _busy(t, step, dram["memory_cycles"])
    if total is not None:
        return LayerArrays({"energy": total}, {}, busy, _NOT_REPORTED, {}), step
    return LayerArrays(breakdown, counts, busy, np.full(n, np.nan), {}), step


def _flight(p: Columns, hops: np.ndarray) -> np.ndarray:
    """Cycles a layer's last spike of a step (or, with none, the step's end-of-step message) spends in
    the mesh before the step can end: ``mean_hops`` hops of ``noc_hop_ns`` each."""
    return hops * p["noc_hop_ns"] * p["clock_mhz"] / 1000.0


def _latency(stats: Sequence[LayerStats], steps: list[Number], t: Number, resident: np.ndarray) -> np.ndarray:
    """Cycles per inference: pipelined across steps when every layer has its own cores, else sequential."""
    stages = sum(1 for s in stats if s.kind != "flatten")
    total, slowest = np.zeros(len(resident)), np.zeros(len(resident))
    for step in steps:
        total += step
        np.maximum(slowest, step, out=slowest)
    sequential = t * total
    pipelined = (t + (stages - 1)) * slowest
    return np.where(resident, np.minimum(sequential, pipelined), sequential)


def _area(stats: Sequence[LayerStats], widths: Sequence[Widths], p: Columns, tech: Technology) -> np.ndarray:
    """Chip area (mm²) at the widest membrane, weight and event of the workload."""
    synaptic = [w for s, w in zip(stats, widths, strict=True) if s.synaptic] or list(widths)
    membrane = _widest([w.membrane for w in synaptic])
    weight = _widest([w.weight for w in synaptic])
    event = _widest([w.event for w in widths])
    sram = per_value(tech.sram_area, (p["weight_sram_kib"] + p["state_sram_kib"]) * 8192.0)
    adder = per_width(tech.add_area, membrane)
    pe = adder + per_width(tech.register_area, membrane + weight)
    leak_unit = np.where(p.choice("leak_op", "multiply"), per_width(lambda b: tech.mul_area(b, b), membrane), adder)
    neuron_unit = leak_unit + 2.0 * adder
    router = per_width(tech.register_area, ROUTER_PORTS * event)
    return p["cores"] * (sram + p["pes_per_core"] * pe + neuron_unit + router)


def _widest(bits: list[Number]) -> Number:
    """The most bits of each design; the layers' widths are often the same array, or numbers."""
    numbers = [b for b in bits if np.ndim(b) == 0]
    arrays = list({id(b): b for b in bits if np.ndim(b) != 0}.values())
    widest: Number = max(numbers) if numbers else arrays.pop()
    for array in arrays:
        widest = np.maximum(widest, array)
    return widest


def _share_leakage(layers: list[LayerArrays], p: Columns, tech: Technology, area: np.ndarray,
                   latency: np.ndarray) -> None:
    """Add each layer's share (by busy cycles) of the chip's static energy (pJ) to its breakdown (a
    lean layer: to its energy)."""
    density = p.given("energy_model.leakage_mw_per_mm2", tech.leakage_mw_per_mm2)
    seconds = latency / (p["clock_mhz"] * 1e6)
    total = density * area * seconds * 1e9  # as Technology.leakage_energy: mW·s = 1e9 pJ
    busy = np.zeros_like(latency)
    for layer in layers:
        busy += layer.busy_cycles
    per_cycle = np.divide(total, busy, out=np.zeros_like(busy), where=busy > 0)
    scratch = np.empty_like(busy)
    for layer in layers:
        if "energy" in layer.breakdown:
            layer.breakdown["energy"] += np.multiply(layer.busy_cycles, per_cycle, out=scratch)
        elif layer.breakdown:
            layer.breakdown["leakage"] = layer.busy_cycles * per_cycle
