"""Parameters of one systolic-array design point (the ``params`` of a ``backend: systolic`` file)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: Dataflows in the order of their integer codes in the vectorised model.
DATAFLOWS: tuple[str, ...] = ("os", "ws", "is")
LATENCY_MODELS: tuple[str, ...] = ("scalesim", "bandwidth")
#: Ways of splitting a layer over several arrays, in the order of their integer codes (dse_systolic.cores).
PARTITIONS: tuple[str, ...] = ("auto", "channels", "spatial")

# Upper bounds keep search spaces and hypothesis strategies finite; they are far beyond any
# chip (TPU v1's array is 256 x 256 and its buffers 24 MiB; Jouppi et al., ISCA 2017).
_MAX_PES_PER_SIDE = 4096
_MAX_SRAM_KIB = 1 << 20
_MAX_CORES = 4096


def _register_field(operand: str, access: str, when: str) -> Any:
    """An optional per-operand register energy: default the technology's ``register_pj_per_bit``
    for a write (its price of clocking a bit into a flip-flop and reading it) and 0 for a read
    (a one-word register's output is a wire the multiplier reads for free)."""
    default = "the technology's register_pj_per_bit" if access == "write" else "0"
    return Field(None, ge=0.0, le=1e6, allow_inf_nan=False,
                 description=f"energy per bit of the PE's {operand} register on each {access}, when {when}; "
                 f"default: {default}")


class SystolicParams(BaseModel):
    """A rows x cols PE array with three double-buffered SRAMs in front of a DRAM port.

    Defaults: the 32 x 32 array and 64 KiB SRAMs of SCALE-Sim's example configuration
    (scale-sim-v2 ``configs/scale.cfg``), weight stationary and 10 bytes per cycle of DRAM
    bandwidth as its TPU configuration (``configs/google.cfg``: ``Dataflow: ws``,
    ``Bandwidth: 10`` one-byte words), and TPU v1's 700 MHz clock (Jouppi et al., ISCA 2017).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    rows: int = Field(32, ge=1, le=_MAX_PES_PER_SIDE, description="PE array rows (PEs)")
    cols: int = Field(32, ge=1, le=_MAX_PES_PER_SIDE, description="PE array columns (PEs)")
    dataflow: Literal["os", "ws", "is"] = Field(
        "ws", description="output (os), weight (ws) or input (is) stationary"
    )
    ifmap_sram_kib: float = Field(
        64.0, gt=0.0, le=_MAX_SRAM_KIB, allow_inf_nan=False, description="input feature-map SRAM (KiB)"
    )
    filter_sram_kib: float = Field(
        64.0, gt=0.0, le=_MAX_SRAM_KIB, allow_inf_nan=False, description="weight (filter) SRAM (KiB)"
    )
    ofmap_sram_kib: float = Field(
        64.0, gt=0.0, le=_MAX_SRAM_KIB, allow_inf_nan=False,
        description="output feature-map and partial-sum SRAM (KiB)",
    )
    accumulator_sram_kib: float = Field(
        0.0, ge=0.0, le=_MAX_SRAM_KIB, allow_inf_nan=False,
        description="accumulator buffer for weight- and input-stationary partial sums (KiB), as TPU v1's "
        "4 MiB of 32-bit accumulators (Jouppi et al., ISCA 2017); 0 (default): none, partial sums are "
        "read-modify-written in the ofmap SRAM",
    )
    dram_bytes_per_cycle: float = Field(
        10.0, gt=0.0, le=1e6, allow_inf_nan=False,
        description="DRAM bandwidth shared by all operands (bytes/cycle)",
    )
    weights_resident: bool = Field(
        False,
        description="the weights stay in the filter SRAM across inferences (loaded once, outside the "
        "inference) when the whole workload's weights fit it; default: every inference loads them "
        "from DRAM at least once",
    )
    cores: int = Field(
        1, ge=1, le=_MAX_CORES,
        description="arrays on the chip, each rows x cols with its own SRAMs of the sizes above; with more "
        "than one they share a global buffer and every layer is split over them (dse_systolic.cores)",
    )
    partition: Literal["auto", "channels", "spatial"] = Field(
        "auto",
        description="how a layer is split over the cores: channels (output channels, the input broadcast), "
        "spatial (output rows, the weights broadcast) or auto (per layer, the one with fewer cycles)",
    )
    global_buffer_kib: float = Field(
        108.0, gt=0.0, le=_MAX_SRAM_KIB, allow_inf_nan=False,
        description="global buffer shared by the cores, between their SRAMs and DRAM (KiB); default Eyeriss's "
        "108 KB (Chen et al., JSSC 2017); unused with one core, whose SRAMs talk to DRAM directly",
    )
    global_buffer_bytes_per_cycle: float | None = Field(
        None, gt=0.0, le=1e6, allow_inf_nan=False,
        description="bandwidth of the global buffer to all cores together (bytes/cycle); default rows bytes "
        "per cycle per core, as TPU v1's unified buffer feeds its 256-row array 256 bytes a cycle "
        "(Jouppi et al., ISCA 2017); unused with one core",
    )
    line_buffer: bool = Field(
        True,
        description="the bandwidth model reads each input word once per pass into a line buffer that hands it "
        "to every window position that needs it (Eyeriss's convolutional reuse, Chen et al., JSSC 2017); false: "
        "the array reads its inputs from the ifmap SRAM every time it needs them (im2col, as SCALE-Sim counts)",
    )
    weight_register_words: int = Field(
        1, ge=1, le=65536,
        description="weights each PE's weight register file holds (words); a weight-stationary array with more "
        "than one keeps that many terms of its column's reduction per PE and adds them up in the PE before "
        "passing the sum on (bandwidth model; ZigZag's tpu_like: 128 bytes); default 1, SCALE-Sim's PE",
    )
    weight_register_read_pj_per_bit: float | None = _register_field("weight", "read", "the MAC reads it (pJ/bit)")
    weight_register_write_pj_per_bit: float | None = _register_field("weight", "write", "a weight enters it (pJ/bit)")
    input_register_read_pj_per_bit: float | None = _register_field("input", "read", "the MAC reads it (pJ/bit)")
    input_register_write_pj_per_bit: float | None = _register_field(
        "input", "write", "an activation enters it (pJ/bit)")
    output_register_read_pj_per_bit: float | None = _register_field(
        "output", "read", "the accumulator adds to it (pJ/bit)")
    output_register_write_pj_per_bit: float | None = _register_field(
        "output", "write", "a sum enters it (pJ/bit)")
    clock_mhz: float = Field(700.0, gt=0.0, le=1e5, allow_inf_nan=False, description="clock frequency (MHz)")
    latency_model: Literal["scalesim", "bandwidth"] = Field(
        "bandwidth",
        description="scalesim: SCALE-Sim v3's ideal-bandwidth cycles and SRAM counts, exactly; "
        "bandwidth: dse's mapping plus DRAM tiling traffic and double-buffered stalls",
    )
    zero_gating: bool = Field(
        True,
        description="a MAC whose activation is zero costs only its 1-bit zero flag "
        "(saves energy, not cycles); "
        "default on, as Eyeriss's data gating (Chen et al., JSSC 2017)",
    )
    vector_lanes: int | None = Field(
        None, ge=1, le=_MAX_PES_PER_SIDE * _MAX_PES_PER_SIDE,
        description="lanes of the vector unit (pooling, adds, softmax, layernorm, activations), one operation "
        "per lane per cycle; default: cols, one lane per array column as SCALE-Sim's TPU-like layout",
    )
    nonlinear_pj: float | None = Field(
        None, gt=0.0, le=1e6, allow_inf_nan=False,
        description="energy of one nonlinear evaluation on the vector unit (exp, GELU, sigmoid, rsqrt) (pJ); "
        "default: two multiplies and two adds at activation width, I-BERT's second-order polynomial "
        "(Kim et al., ICML 2021; docs/references/transformers.md)",
    )
    weight_bits: int | None = Field(
        None, ge=1, le=64, description="weight width (bits); default: the layer's"
    )
    activation_bits: int | None = Field(
        None, ge=1, le=64, description="activation width (bits); default: the layer's"
    )
    accumulator_bits: int | None = Field(
        None, ge=1, le=128, description="partial-sum width (bits); default: weight + activation bits"
    )
