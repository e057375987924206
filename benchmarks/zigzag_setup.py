"""dse set up to match a ZigZag 3.x accelerator, with the unit energies read from ZigZag's own YAML.

Nothing here is a number of ours: every energy, size and bandwidth is read at run time from
the installed package's ``zigzag/inputs/hardware/<name>.yaml`` (ZigZag 3.9.1 inputs). A
memory's ``r_cost``/``w_cost`` is per access of its widest port (``bandwidth_max`` bits;
``zigzag/cost_model/cost_model.py``, ``_calc_memory_access``), so per bit it is
cost / bandwidth_max. How each ZigZag level maps onto dse's hierarchy is the mapping below,
one function per accelerator; docs/memory.md explains it.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from zigzag_layers import BITS

from dse import Technology

KIB_BITS = 8192


@dataclass(frozen=True)
class Level:
    """One ZigZag memory: capacity (bits), read and write energy per bit (pJ/bit), widest port (bits)."""

    name: str
    bits: float
    read: float
    write: float
    port_bits: float
    in_pe: bool  # served_dimensions == []: one instance per PE (a register file)


@dataclass(frozen=True)
class Setup:
    """A ZigZag accelerator and the dse design and technology that stand for it."""

    name: str
    hardware: Path
    mapping: Path | None  # ZigZag's own mapping file, or None (a default mapping is written)
    levels: dict[str, Level]
    params: dict[str, Any]
    technology: Technology


def hardware_file(name: str) -> Path:
    return Path(str(importlib.resources.files("zigzag") / "inputs" / "hardware" / f"{name}.yaml"))


def mapping_file(name: str) -> Path | None:
    path = Path(str(importlib.resources.files("zigzag") / "inputs" / "mapping" / f"{name}.yaml"))
    return path if path.exists() else None


def read_levels(data: dict[str, Any]) -> dict[str, Level]:
    levels = {}
    for name, mem in data["memories"].items():
        port = max(p["bandwidth_max"] for p in mem["ports"])
        levels[name] = Level(name, float(mem["size"]), mem["r_cost"] / port, mem["w_cost"] / port, port,
                             not mem["served_dimensions"])
    return levels


def _technology(name: str, mac_pj: float, sram: dict[float, float], sram_write_factor: float, dram: Level,
                register: float) -> Technology:
    """A technology carrying ZigZag's unit energies: the MAC (split evenly between its 8x8
    multiply and its 16-bit add, so that dse's MAC is ZigZag's ``unit_energy``), SRAM per bit at
    the bank sizes the matched design uses, DRAM per bit read and written. No leakage and no areas (ZigZag's
    tpu_like and eyeriss_like give none that dse could use; area is not compared)."""
    return Technology(
        name=f"zigzag-{name}", node_nm=28, mul_pj={8: mac_pj / 2}, add_pj={16: mac_pj / 2},
        sram_read_pj_per_bit=sram, sram_write_factor=sram_write_factor, dram_pj_per_bit=dram.read,
        dram_write_factor=dram.write / dram.read,
        register_pj_per_bit=register, leakage_mw_per_mm2=0.0, sram_um2_per_bit=1.0, add_um2={16: 1.0},
        mul_um2={8: 1.0}, register_um2_per_bit=1.0,
        sources={"all": f"ZigZag 3.9.1 inputs/hardware/{name}.yaml, read at run time"},
    )


def _registers(weight: Level | None, activation: Level | None, output: Level | None) -> dict[str, float]:
    """The per-operand register energies of dse's PE from ZigZag's per-PE register files (0 where
    ZigZag's PE has none for that operand)."""
    params = {}
    for operand, level in (("weight", weight), ("input", activation), ("output", output)):
        params[f"{operand}_register_read_pj_per_bit"] = level.read if level else 0.0
        params[f"{operand}_register_write_pj_per_bit"] = level.write if level else 0.0
    return params


def tpu_like() -> Setup:
    """ZigZag's tpu_like: a 32x32 weight-stationary array; per PE a 128-byte weight register file
    and a 16-bit output register; one 2 MB SRAM for inputs and outputs; weights come from DRAM
    straight into the PEs' register files; one 64-bit DRAM port.

    dse: the same array, ws; the 2 MB SRAM split into a 1 MiB ifmap and a 1 MiB ofmap SRAM
    at its energies; the filter SRAM stands for the PEs' weight register files (32·32·128 B
    = 128 KiB at their energy) and each PE holds 128 one-byte weights; no line buffer (inputs are read from the SRAM every cycle and
    broadcast, as ZigZag counts them); DRAM at 8 bytes a cycle."""
    data = yaml.safe_load(hardware_file("tpu_like").read_text())
    levels = read_levels(data)
    array = data["operational_array"]
    rows, cols = array["sizes"]
    weights, outputs, sram, dram = levels["rf_128B"], levels["rf_2B"], levels["sram_2MB"], levels["dram"]
    ifmap_kib = ofmap_kib = sram.bits / 2 / KIB_BITS
    filter_kib = rows * cols * weights.bits / KIB_BITS
    params = {"rows": rows, "cols": cols, "dataflow": "ws", "ifmap_sram_kib": ifmap_kib, "ofmap_sram_kib": ofmap_kib,
              "filter_sram_kib": filter_kib, "dram_bytes_per_cycle": dram.port_bits / 8, "zero_gating": False,
              "line_buffer": False, "weight_register_words": int(weights.bits // BITS),
              **_registers(weights, None, outputs)}
    # dse's banks: the ifmap SRAM has one per row, the filter and ofmap SRAMs one per column (rates.py)
    table = {ifmap_kib / rows: sram.read, ofmap_kib / cols: sram.read, filter_kib / cols: weights.read}
    tech = _technology("tpu_like", array["unit_energy"], table, sram.write / sram.read, dram, outputs.write)
    return Setup("tpu_like", hardware_file("tpu_like"), mapping_file("tpu_like"), levels, params, tech)


def eyeriss_like() -> Setup:
    """ZigZag's eyeriss_like: a 14x12 array, per PE register files for inputs (64 B), weights
    (64 B) and outputs (16 B); global SRAMs of 1 MiB (inputs and outputs), 64 KiB (weights) and
    8 KiB (outputs); one 64-bit DRAM port.

    dse has no row-stationary dataflow; the nearest is output stationary (partial sums stay
    in the PE). The 1 MiB SRAM is split into a 512 KiB ifmap and a 512 KiB ofmap SRAM, the
    64 KiB one is the filter SRAM; the 8 KiB output SRAM has no dse counterpart (outputs go to
    the ofmap SRAM at the 1 MiB SRAM's energy)."""
    data = yaml.safe_load(hardware_file("eyeriss_like").read_text())
    levels = read_levels(data)
    array = data["operational_array"]
    rows, cols = array["sizes"]
    big, wsram, dram = levels["sram_1M"], levels["sram_64KB"], levels["dram"]
    ifmap_kib = ofmap_kib = big.bits / 2 / KIB_BITS
    filter_kib = wsram.bits / KIB_BITS
    params = {"rows": rows, "cols": cols, "dataflow": "os", "ifmap_sram_kib": ifmap_kib, "ofmap_sram_kib": ofmap_kib,
              "filter_sram_kib": filter_kib, "dram_bytes_per_cycle": dram.port_bits / 8, "zero_gating": False,
              "line_buffer": False, **_registers(levels["rf_64B_W"], levels["rf_64B_A"], levels["rf_16B"])}
    # output stationary: the ifmap SRAM streams along the rows (rows banks), the filter and ofmap
    # SRAMs have one bank per column (rates.py)
    table = {ifmap_kib / rows: big.read, ofmap_kib / cols: big.read, filter_kib / cols: wsram.read}
    tech = _technology("eyeriss_like", array["unit_energy"], table, big.write / big.read, dram, levels["rf_16B"].write)
    return Setup("eyeriss_like", hardware_file("eyeriss_like"), None, levels, params, tech)


SETUPS = {"tpu_like": tpu_like, "eyeriss_like": eyeriss_like}
