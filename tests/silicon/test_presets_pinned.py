"""Every preset's cited constants, written out again: a test fails if one changes.

The values are the publications' (docs/references/chips.md) or dse's stated assumptions
(the preset's ``read`` says which); k is the fitted factor, refitted in test_silicon.py.
"""

from __future__ import annotations

import pytest
from dse_literature.silicon.chips import CHIPS

PINNED = {
    # Spiking chips keep their weights on chip across inferences (configured once per network).
    # Davies et al. 2018: 128 cores, 1024 compartments, 128 KB synaptic memory; 24-bit u and v;
    # SANA-FE: 16-bit synapses in 64-bit words, 4 ns per synaptic op; mesh hop 3.0/4.2 pJ -> 3.6.
    "loihi": (14, 20.32, {"cores": 128, "pes_per_core": 1, "neurons_per_core": 1024, "weight_sram_kib": 128.0,
                          "state_sram_kib": 16.0, "weight_bits": 16, "weight_word_bits": 64, "membrane_bits": 48,
                          "state_update": "per_active_neuron", "leak": "every_step", "leak_op": "multiply",
                          "noc_hop_pj": 3.6, "clock_mhz": 250.0, "weights_resident": True}),
    # Loihi 2 brief (Intel Labs 2021): Intel 4 (7 nm), 128 cores, 1 M neurons (8192 per core), 192 KB per core
    # (48 KiB state + 144 KiB synapses, the split assumed), 1-8-bit weights; the rest as Loihi; k carried from Loihi.
    "loihi2": (7, 20.32, {"cores": 128, "pes_per_core": 1, "neurons_per_core": 8192, "weight_sram_kib": 144.0,
                          "state_sram_kib": 48.0, "weight_bits": 8, "weight_word_bits": 64, "membrane_bits": 48,
                          "state_update": "per_active_neuron", "leak": "every_step", "leak_op": "multiply",
                          "noc_hop_pj": 3.6, "clock_mhz": 250.0, "weights_resident": True}),
    # Di Mauro et al. 2022: 22 nm FDX, 4-bit weights, event-driven read-modify-write.
    "sne": (22, 0.07999, {"cores": 8, "pes_per_core": 16, "neurons_per_core": 16384, "weight_sram_kib": 8.0,
                        "state_sram_kib": 16.0, "weight_bits": 4, "membrane_bits": 8, "state_update": "per_event",
                        "leak": "every_step", "leak_op": "shift", "clock_mhz": 400.0,
                        "weights_resident": True}),
    # Scherer et al. 2022: 96 output-channel units of 3x3x96 ternary inputs, 22 nm FDX.
    "cutie": (22, 0.01668, {"rows": 864, "cols": 96, "dataflow": "ws", "ifmap_sram_kib": 64.0,
                            "filter_sram_kib": 64.0, "ofmap_sram_kib": 64.0, "dram_bytes_per_cycle": 16.0,
                            "clock_mhz": 50.0, "zero_gating": True}),
    # Chen et al. 2017: 12x14 PEs, 108 KB global buffer, 224x16-bit filter spads, 200 MHz, 65 nm.
    "eyeriss": (65, 0.4242, {"rows": 12, "cols": 14, "dataflow": "ws", "ifmap_sram_kib": 54.0,
                            "filter_sram_kib": 73.5, "ofmap_sram_kib": 54.0, "dram_bytes_per_cycle": 8.0,
                            "clock_mhz": 200.0, "zero_gating": True}),
    # Merolla et al. 2014: 4096 cores, 256x256 binary crossbar, 256 neurons, 28 nm.
    "truenorth": (28, 1.0, {"cores": 4096, "pes_per_core": 1, "neurons_per_core": 256, "weight_sram_kib": 8.0,
                            "state_sram_kib": 4.8, "weight_bits": 1, "weight_word_bits": 256, "membrane_bits": 20,
                            "state_update": "per_active_neuron", "leak": "every_step", "leak_op": "shift",
                            "clock_mhz": 1.0, "weights_resident": True}),
    # Jouppi et al. 2017: 256x256 MACs, 24 MiB unified buffer, 4 MiB accumulators, 34 GB/s at 700 MHz.
    "tpu-v1": (28, 1.0, {"rows": 256, "cols": 256, "dataflow": "ws", "ifmap_sram_kib": 24576.0,
                         "filter_sram_kib": 256.0, "ofmap_sram_kib": 4096.0, "dram_bytes_per_cycle": 48.6,
                         "clock_mhz": 700.0}),
    # Pei et al. 2019 (IEEE CAS Magazine 2022 summary): 156 cores of 256 fan-in/out, about 22 KB each, 300 MHz.
    "tianjic": (28, 1.0, {"memory": "shared",
                          "ann": {"rows": 16, "cols": 156, "dataflow": "ws", "ifmap_sram_kib": 468.0,
                                  "filter_sram_kib": 2496.0, "ofmap_sram_kib": 468.0, "clock_mhz": 300.0,
                                  "weights_resident": True},
                          "snn": {"cores": 156, "pes_per_core": 16, "neurons_per_core": 256,
                                  "weight_sram_kib": 16.0, "state_sram_kib": 6.0, "clock_mhz": 300.0,
                                  "weights_resident": True}}),
}


# Loihi's leakage factor, fitted on its 29 mW idle power (Blouw et al. 2019) and carried to Loihi 2; Eyeriss's, with k, on VGG-16's
# 13 layer powers (its fixed power per second, Chen et al. 2017 Table VI); the others follow k.
LEAK_K = {"loihi": 0.2256, "loihi2": 0.2256, "eyeriss": 24.10}


def test_every_chip_is_pinned() -> None:
    assert {chip.name for chip in CHIPS} == set(PINNED)


@pytest.mark.parametrize("chip", CHIPS, ids=lambda c: c.name)
def test_a_presets_cited_constants_have_not_changed(chip) -> None:
    node, k, params = PINNED[chip.name]
    assert (chip.node_nm, chip.k, chip.params) == (node, k, params)
    assert chip.leak_k == LEAK_K.get(chip.name)
    preset = chip.preset()
    assert preset.architecture.params == params
    assert preset.architecture.technology.node_nm == node
    assert bool(preset.fitted) == (k != 1.0)  # a fitted factor is declared as fitted


@pytest.mark.parametrize("chip", CHIPS, ids=lambda c: c.name)
def test_a_preset_costs_a_workload_on_its_backend(chip) -> None:
    from dse import Workload
    from dse.plugin.manager import make_plugins

    plugins = make_plugins()
    arch = chip.preset().architecture
    backend = plugins.backend(arch.backend)
    workload = Workload.model_validate({"name": "fc", "timesteps": 2, "layers": [
        {"name": "fc", "kind": "dense", "in_features": 64, "out_features": 16, "input_density": 0.1}]})
    cost = backend.cost(workload, backend.parse_params(arch.params), plugins.technology(arch.technology))
    assert cost.energy_pj > 0 and cost.area_mm2 > 0


def test_loihi2_memory_is_the_briefs_192_kb_per_core_and_its_million_neurons() -> None:
    # Loihi 2 brief: 192 KB per neuro core, 128 cores, up to 1 M neurons: 128 x 8192 = 1,048,576.
    from dse_literature.silicon.chips import LOIHI2

    assert LOIHI2.params["weight_sram_kib"] + LOIHI2.params["state_sram_kib"] == 192.0
    assert LOIHI2.params["cores"] * LOIHI2.params["neurons_per_core"] == 2**20
    # 8192 neurons x 48 bits (Loihi's 24-bit u and v) = 393,216 bits = 48 KiB of state
    assert LOIHI2.params["neurons_per_core"] * LOIHI2.params["membrane_bits"] / 8 / 1024 == 48.0


def test_the_published_measurements_the_rows_compare_against_have_not_changed() -> None:
    # docs/references/chips.md: Davies 2018 Table 2; Blouw 2019 Table 1; Di Mauro 2022 abstract; Scherer 2022
    # abstract; Chen 2017 abstract; Merolla 2014 abstract; Pei 2019 via IEEE CAS Magazine 2022 p. 24.
    from dse_literature.silicon import study

    assert study.LOIHI_PER_OP == {"synop": 23.6, "inactive": 52.0, "active": 81.0}
    assert (study.LOIHI_KWS_MJ, study.LOIHI_IDLE_MW) == (0.27, 29.0)
    assert study.LOIHI_KWS_MESH_MJ == pytest.approx(11.0 / 296.0)  # (81 - 70) mW / 296 inferences/s
    assert (study.SNE_DVS_UJ, study.SNE_PJ_PER_SOP) == ({0.012: 80.0, 0.049: 261.0}, 0.221)
    assert (study.CUTIE_CIFAR_UJ, study.CUTIE_DVS_UJ) == (2.72, 5.5)
    assert (study.EYERISS_VGG_MW, study.EYERISS_ALEX_MW, study.TRUENORTH_MW) == (236.0, 278.0, 63.0)
    assert study.TIANJIC_MW == 400.0
    assert study.TIANJIC_ROUND_HZ == pytest.approx(300e6 / 5050)  # 5,050 cycles per round at 300 MHz
    assert study.TIANJIC_DIE_MM2 == pytest.approx(14.44)  # 3.8 mm x 3.8 mm
