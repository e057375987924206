"""Parameters of the crossbar-free digital SNN accelerator, and the per-action energy overrides.

Defaults are a mid-size chip: 16 cores of 16 processing elements (our choice), each core
with 1024 neurons and 128 KiB of synaptic memory as a Loihi core (Davies et al., IEEE Micro
2018: 1024 compartments and 128 KB of synaptic memory per core), 4 KiB of state SRAM (our
sizing: 1024 potentials of up to 32 bits), a 400 MHz clock as LSMCore
(docs/references/chips.md), and a mesh hop of 3.6 pJ, the mean of Loihi's 3.0 pJ (east/
west) and 4.2 pJ (north/south) per hop, taking 5.3 ns, the mean of its 4.1 and 6.5 ns
(docs/references/energy_tables.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Pj = float | None


#: The choices that change which formulas the model runs (dse_snn.modes groups designs by them),
#: in the order of a group's key.
MODE_COLUMNS = ("state_update", "leak", "spike_format", "bias")


class EnergyModel(BaseModel):
    """Per-action energies (pJ) that, when set, replace the values derived from the technology.

    Unset fields (None) come from the technology at the design's sizes and bit widths. Use it
    to run a paper's constants on this backend's counts (Ottati 2023, Lemaire 2022, Loihi).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, allow_inf_nan=False)

    weight_read_pj: Pj = Field(None, ge=0, description="one weight-word read from the weight SRAM (pJ)")
    bias_read_pj: Pj = Field(None, ge=0, description="one bias read from the weight SRAM (pJ)")
    state_read_pj: Pj = Field(None, ge=0, description="one membrane-potential read from the state SRAM (pJ)")
    state_write_pj: Pj = Field(None, ge=0, description="one membrane-potential write to the state SRAM (pJ)")
    event_read_pj: Pj = Field(
        None, ge=0, description="one input event taken from a core's queue (pJ); bitmap: one spike bit read"
    )
    event_write_pj: Pj = Field(
        None, ge=0, description="one output event written (pJ); bitmap: one spike bit written"
    )
    event_decode_pj: Pj = Field(None, ge=0, description="address arithmetic per event delivered to a core (pJ)")
    accumulate_pj: Pj = Field(None, ge=0, description="adding one weight into a current or potential (pJ)")
    address_pj: Pj = Field(None, ge=0, description="computing one synaptic target address (pJ)")
    register_pj: Pj = Field(
        None, ge=0, description="one write+read of the accumulating register per synaptic op (pJ)"
    )
    integrate_pj: Pj = Field(None, ge=0, description="adding a summed current into the potential (pJ)")
    leak_pj: Pj = Field(None, ge=0, description="one leak operation on one neuron (pJ)")
    bias_pj: Pj = Field(None, ge=0, description="adding the bias to one neuron (pJ)")
    compare_pj: Pj = Field(None, ge=0, description="one threshold comparison (pJ)")
    reset_pj: Pj = Field(None, ge=0, description="one reset after a spike (pJ)")
    buffer_access_pj: Pj = Field(
        None, ge=0, description="sorted_time: one write or read of the time-sorted event buffer (pJ)"
    )
    weight_load_pj_per_bit: Pj = Field(
        None, ge=0, description="writing one bit of a weight loaded from DRAM into the weight SRAM (pJ/bit)"
    )
    dram_pj_per_bit: Pj = Field(None, ge=0, description="DRAM traffic (pJ/bit)")
    leakage_mw_per_mm2: Pj = Field(None, ge=0, description="static power density (mW/mm²)")


class SnnParams(BaseModel):
    """A crossbar-free digital SNN accelerator: cores of PEs with weight SRAM, state SRAM and a mesh router."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, allow_inf_nan=False)

    cores: int = Field(16, ge=1, le=65536, description="cores on the chip")
    pes_per_core: int = Field(16, ge=1, le=4096, description="synaptic events processed in parallel per core")
    neurons_per_core: int = Field(1024, ge=1, le=2**24, description="neurons whose state one core can hold")
    weight_sram_kib: float = Field(128.0, gt=0, le=2**20, description="weight SRAM per core (KiB)")
    state_sram_kib: float = Field(4.0, ge=0.125, le=2**20, description="state (membrane) SRAM per core (KiB)")
    membrane_bits: int | None = Field(
        None, ge=1, le=64, description="membrane potential width (bits); default: each layer's activation_bits"
    )
    weight_bits: int | None = Field(None, ge=1, le=64, description="weight width (bits); default: each layer's")
    timesteps: int | None = Field(None, ge=1, le=100000, description="time steps; default: the workload's")
    weight_word_bits: int | None = Field(
        None, ge=1, le=1024,
        description="weight SRAM word (bits): packs ⌊word/weight_bits⌋ weights read together (at least one); "
        "default: one weight per read",
    )
    state_update: Literal["per_event", "per_active_neuron", "sorted_time"] = Field(
        "per_active_neuron",
        description="per_event: potential read-modify-write per synaptic op (Lemaire); per_active_neuron: "
        "current summed in a register, one read-modify-write per neuron with input (Ottati); sorted_time: "
        "time-sorted input spikes, potentials in registers, no state kept across ticks (SpinalFlow)",
    )
    leak: Literal["every_step", "active_only", "none"] = Field(
        "every_step", description="leak every neuron each step, only neurons that got input, or never (IF)"
    )
    leak_op: Literal["shift", "multiply"] = Field(
        "shift", description="leak as a shift-and-subtract (one add) or a multiply by the decay"
    )
    spike_format: Literal["events", "bitmap"] = Field(
        "events",
        description="events: address events read once per core and written per output spike; bitmap: one "
        "spike bit per neuron written each step and read per synaptic op (Ottati's gather)",
    )
    bias: bool = Field(False, description="layers add a bias to every neuron every step")
    event_bits: int | None = Field(
        None, ge=1, le=64, description="address-event width (bits); default: ⌈log2(input neurons)⌉ per layer"
    )
    noc_hop_pj: float = Field(3.6, ge=0, le=1e6, description="energy of one event crossing one router hop (pJ)")
    noc_hop_ns: float = Field(
        5.3, ge=0, le=1e6,
        description="latency of one router hop (ns); default 5.3, the mean of Loihi's 4.1 (east/west) and "
        "6.5 (north/south) ns per tile hop (Davies et al., IEEE Micro 2018, Table 2)",
    )
    mean_hops: float | None = Field(
        None, ge=0, le=1e6,
        description="router hops per event; default: the mean distance in a square mesh, 2(c−1)/(3√c)",
    )
    clock_mhz: float = Field(400.0, gt=0, le=1e5, description="clock (MHz)")
    memory_overflow: Literal["fail", "dram"] = Field(
        "fail",
        description="an overflow of the on-chip SRAMs or neuron slots is streamed from DRAM every step and "
        "charged either way; fail: the design does not fit (memory_fits false), dram: it counts as fitting",
    )
    weights_resident: bool = Field(
        False,
        description="the weights held on chip stay there across inferences (loaded once, outside the "
        "inference); default: every inference loads them from DRAM once",
    )
    dram_bytes_per_cycle: float = Field(
        10.0, gt=0, le=1e6,
        description="DRAM bandwidth (bytes/cycle); default: the systolic backend's (SCALE-Sim's TPU "
        "configuration), so the two compare at one bandwidth",
    )
    energy_model: EnergyModel = Field(
        default_factory=EnergyModel, description="per-action energies (pJ) replacing the technology's"
    )
