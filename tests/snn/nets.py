"""Workloads and published constants shared by the snn tests (sources named at each)."""

from __future__ import annotations

from typing import Any

from dse import Workload
from dse.plugin.manager import Plugins

# Ottati et al. 2023 (docs/references/ottati2023.md): Horowitz 45 nm, 8-bit add 0.03 pJ,
# multiply 0.2 pJ, SRAM word 2.5 pJ, a spike bit e_mem / 8. Mapped onto this backend's actions:
# per synaptic op a spike-bit read, a weight read and an accumulate; per active neuron a
# potential read, a leak multiply, an integrate add and a write; a reset add per output spike;
# a spike bit written per neuron per step. Ottati charges no comparison, address arithmetic,
# routing, leakage, DRAM or weight loading.
E_ADD, E_MUL, E_MEM = 0.03, 0.2, 2.5
OTTATI_MODEL: dict[str, float] = {
    "weight_read_pj": E_MEM, "state_read_pj": E_MEM, "state_write_pj": E_MEM,
    "event_read_pj": E_MEM / 8, "event_write_pj": E_MEM / 8,
    "accumulate_pj": E_ADD, "integrate_pj": E_ADD, "reset_pj": E_ADD, "leak_pj": E_MUL,
    "compare_pj": 0.0, "address_pj": 0.0, "register_pj": 0.0, "event_decode_pj": 0.0,
    "leakage_mw_per_mm2": 0.0, "dram_pj_per_bit": 0.0, "weight_load_pj_per_bit": 0.0,
}
OTTATI_PARAMS: dict[str, Any] = {
    "state_update": "per_active_neuron", "leak": "active_only", "leak_op": "multiply",
    "spike_format": "bitmap", "noc_hop_pj": 0.0, "energy_model": OTTATI_MODEL,
}


def paper_cnn(density: float, timesteps: int = 1) -> Workload:
    """Ottati's CNN layer: 512 x 14 x 14 input, one 3x3 filter, no padding (ottati2023.md)."""
    return Workload.model_validate({"name": "paper-cnn", "timesteps": timesteps, "layers": [
        {"name": "conv", "kind": "conv2d", "in_channels": 512, "out_channels": 1, "in_height": 14,
         "in_width": 14, "kernel": 3, "stride": 1, "padding": 0, "input_density": density}]})


# Lemaire et al. 2022 (docs/references/lemaire2022.md): E_add 0.1 pJ, E_mul 3.1 pJ (32-bit,
# Horowitz), every memory access E_ram(bits) = 1.09e-5 · bits + 13.2 pJ at the size of the memory
# holding the operand; spike FIFO of size 0.
LEMAIRE_ADD, LEMAIRE_MUL = 0.1, 3.1


def e_ram(bits: float) -> float:
    """Lemaire's SRAM access energy for a memory of ``bits`` (pJ)."""
    return 1.09e-5 * bits + 13.2


def lemaire_model(layer: Any) -> dict[str, float]:
    """Lemaire's constants for one layer's memories and operations, as this backend's actions.

    Conv: per input spike a FIFO read and 2 addressing MACs; dense: neither, and no bias read
    (Lemaire's dense counts list no spike reads, no addressing MACs and no bias reads). Per
    synaptic op a weight read, a potential read and write, an accumulate and an addressing add;
    per neuron per step a bias add, a potential read and write, and a leak MAC (LIF); per output
    spike a reset add and a FIFO write. Lemaire counts no threshold comparison.
    """
    conv = layer.kind == "conv2d"
    potential = e_ram(layer.out_neurons * layer.activation_bits)
    return {
        "weight_read_pj": e_ram(layer.weights * layer.weight_bits),
        "bias_read_pj": e_ram(layer.out_shape[0] * layer.weight_bits) if conv else 0.0,
        "state_read_pj": potential, "state_write_pj": potential,
        "event_read_pj": e_ram(0) if conv else 0.0,
        "event_decode_pj": 2 * (LEMAIRE_MUL + LEMAIRE_ADD) if conv else 0.0,
        "event_write_pj": e_ram(0),
        "accumulate_pj": LEMAIRE_ADD, "address_pj": LEMAIRE_ADD, "bias_pj": LEMAIRE_ADD,
        "reset_pj": LEMAIRE_ADD, "leak_pj": LEMAIRE_MUL + LEMAIRE_ADD, "compare_pj": 0.0,
        "leakage_mw_per_mm2": 0.0, "dram_pj_per_bit": 0.0, "weight_load_pj_per_bit": 0.0,
    }


# A chip big enough that every layer sits on one core (Lemaire's model has one memory per operand).
LEMAIRE_PARAMS: dict[str, Any] = {
    "state_update": "per_event", "leak": "every_step", "bias": True, "noc_hop_pj": 0.0,
    "cores": 64, "neurons_per_core": 1 << 16, "state_sram_kib": 1024.0, "weight_sram_kib": 1024.0,
}


def lemaire_net() -> Workload:
    """Stride-1 convolutions padded by kernel − 1 (every input reaches every tap, so Lemaire's
    θ_in·C_out·H_k·W_k is exact) and dense layers; LIF and IF; T = 4."""
    lif = {"model": "LIF", "leak": 0.9}
    return Workload.model_validate({"name": "lemaire-net", "timesteps": 4, "layers": [
        {"name": "c1", "kind": "conv2d", "in_channels": 2, "out_channels": 8, "in_height": 10, "in_width": 10,
         "kernel": 3, "padding": 2, "input_density": 0.2, "neuron": lif},
        {"name": "c2", "kind": "conv2d", "in_channels": 8, "out_channels": 4, "in_height": 12, "in_width": 12,
         "kernel": [3, 5], "padding": [2, 4], "input_density": 0.1, "neuron": {"model": "IF"}},
        {"name": "flat", "kind": "flatten", "input_density": 0.05},
        {"name": "d1", "kind": "dense", "in_features": 4 * 14 * 16, "out_features": 20, "input_density": 0.05,
         "neuron": {"model": "LIF", "leak": 0.8}},
        {"name": "d2", "kind": "dense", "in_features": 20, "out_features": 10, "input_density": 0.3,
         "output_density": 0.1, "neuron": {"model": "IF"}},
    ]})


def dvs_gesture_net(activity: float, timesteps: int = 100) -> Workload:
    """A DVS-Gesture-sized convolutional SNN (our definition): the DVS128 sensor's 2 x 128 x 128
    polarity frames in 100 time bins, four 3x3 stride-2 convolutions (16, 32, 64, 64 channels,
    LIF), a dense classifier to the 11 gestures; 4-bit weights as SNE (Di Mauro et al., DATE
    2022). Every layer's input spikes at the sensor's activity (inner activity tracks input)."""
    lif = {"model": "LIF", "leak": 0.9}
    layers: list[dict[str, Any]] = []
    for name, c_in, c_out, size in (("c1", 2, 16, 128), ("c2", 16, 32, 64), ("c3", 32, 64, 32), ("c4", 64, 64, 16)):
        layers.append({"name": name, "kind": "conv2d", "in_channels": c_in, "out_channels": c_out,
                       "in_height": size, "in_width": size, "kernel": 3, "stride": 2, "padding": 1,
                       "weight_bits": 4, "input_density": activity, "neuron": lif})
    layers.append({"name": "flat", "kind": "flatten", "input_density": activity})
    layers.append({"name": "fc", "kind": "dense", "in_features": 64 * 8 * 8, "out_features": 11, "weight_bits": 4,
                   "input_density": activity, "neuron": lif})
    return Workload.model_validate({"name": "dvs-gesture-like", "timesteps": timesteps, "layers": layers})


# An SNE-like engine (our reading of an SNE-sized chip, not SNE's published floor plan): 8
# cores of 16 PEs, 16 k neurons and 16 KiB of 8-bit potentials per core, 8 KiB of weights per
# core, a potential read-modify-write per synaptic event, every-step shift leak, 400 MHz; the
# weights stay on chip from one gesture to the next (SNE is configured once per network).
SNE_LIKE: dict[str, Any] = {
    "cores": 8, "pes_per_core": 16, "neurons_per_core": 16384, "weight_sram_kib": 8.0,
    "state_sram_kib": 16.0, "membrane_bits": 8, "state_update": "per_event", "leak": "every_step",
    "leak_op": "shift", "clock_mhz": 400.0, "weights_resident": True,
}
# SNE on IBM DVS Gesture (chips.md, arXiv 2204.10687): (input activity, µJ per inference).
SNE_PUBLISHED = ((0.012, 80.0), (0.049, 261.0))


def snn_energy(plugins: Plugins, workload: Workload, params: dict[str, Any], technology: str = "horowitz45") -> float:
    """Energy (pJ) of ``workload`` on the snn backend."""
    backend = plugins.backend("snn")
    return backend.cost(workload, backend.parse_params(params), plugins.technology(technology)).energy_pj
