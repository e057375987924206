"""The named chips: each one's organisation as read from its publication, and its fitted factor.

Every ``read`` entry names where the value comes from (docs/references/chips.md restates the
figures); values marked "assumed" are dse's reading where the publication gives none. ``K``
is each chip's fitted factor on the technology's on-chip energies and leakage (silicon.technology); the
points it was fitted on are named in ``fitted`` and the rows of `dse reproduce silicon` that
check it are the others. tests/silicon/test_silicon.py fails if any of these changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dse import Architecture, Preset
from dse_literature.silicon.technology import chip_technology


@dataclass(frozen=True)
class Chip:
    """One chip: backend, node, parameters, the fitted factor and where each came from."""

    name: str
    description: str
    backend: str
    node_nm: float
    params: dict[str, Any]
    source: str
    read: dict[str, str]
    k: float = 1.0  # fitted factor on on-chip energies (and leakage unless leak_k); 1.0: nothing fitted
    fitted_on: str = ""
    leak_k: float | None = None  # fitted factor on leakage alone; None: k
    leak_fitted_on: str = ""
    
    def architecture(self, k: float | None = None, leak_k: float | None = None) -> Architecture:
        """The chip with factors ``k`` and ``leak_k`` (default: its fitted ones) on the technology."""
        factor = self.k if k is None else k
        leak = self.leak_k if leak_k is None else leak_k
        return Architecture(backend=self.backend, name=self.name, params=self.params,
                            technology=chip_technology(self.name, self.node_nm, factor, self.fitted_on, leak))

    def preset(self) -> Preset:
        fitted = {"k (energy factor)": f"{self.k:.4g}, fitted on {self.fitted_on}"} if self.fitted_on else {}
        if self.leak_fitted_on:
            fitted["leak_k (leakage factor)"] = f"{self.leak_k:.4g}, fitted on {self.leak_fitted_on}"
        return Preset(name=self.name, description=self.description, architecture=self.architecture(),
                      source=self.source, read=self.read, fitted=fitted)


DAVIES = "Davies et al., IEEE Micro 38(1):82-99, 2018 (chips.md)"

LOIHI = Chip(
    name="loihi",
    description="Intel Loihi: 128 asynchronous neuromorphic cores, 1024 compartments each, 14 nm",
    backend="snn",
    node_nm=14,
    params={"cores": 128, "pes_per_core": 1, "neurons_per_core": 1024, "weight_sram_kib": 128.0,
            "state_sram_kib": 16.0, "weight_bits": 16, "weight_word_bits": 64, "membrane_bits": 48,
            "state_update": "per_active_neuron", "leak": "every_step", "leak_op": "multiply",
            "noc_hop_pj": 3.6, "clock_mhz": 250.0, "weights_resident": True},
    source=DAVIES + ", section 'Architecture' and Table 2",
    read={
        "cores": "128 neuromorphic cores (Davies 2018)",
        "neurons_per_core": "1024 compartments per core (Davies 2018)",
        "weight_sram_kib": "128 KB synaptic memory per core (Davies 2018)",
        "weight_word_bits, weight_bits": "a 16-bit synapse in a 64-bit synaptic-memory word (SANA-FE's Loihi "
                                         "model, energy_tables.md)",
        "membrane_bits": "24-bit current u and 24-bit voltage v per compartment (Davies 2018), 48 bits",
        "state_sram_kib": "assumed: 1024 compartments x 128 bits (u, v and a configuration word)",
        "state_update, leak": "dendritic input summed, then every compartment updated every time step "
                              "(Davies 2018: active and inactive neuron updates)",
        "noc_hop_pj": "3.0 (E/W) and 4.2 (N/S) pJ per hop, mean 3.6 (energy_tables.md)",
        "clock_mhz": "4 ns per synaptic op (SANA-FE's Loihi model): 250 MHz equivalent",
        "weights_resident": "the synaptic memory is configured once per network and keeps its weights "
                            "across inferences (Davies 2018)",
        "technology": "horowitz45 at 14 nm by Stillmaker & Baas",
    },
    k=20.32,  # fitted: `dse reproduce silicon` refits it (tests/silicon/test_silicon.py)
    fitted_on="Davies 2018 Table 2: 23.6 pJ/synaptic op, 52 and 81 pJ/neuron update (the rows check them "
              "two-fold: the synaptic op with k refitted on the updates, the updates with k refitted on the op)",
    leak_k=0.2256,  # fitted: `dse reproduce silicon` refits it (tests/silicon/test_silicon.py)
    leak_fitted_on="Loihi's 29 mW idle power running nothing (Blouw et al. 2019, Table 1)",
)

LOIHI2_BRIEF = ("Intel Labs, 'Taking neuromorphic computing to the next level with Loihi 2', technology brief, 2021, "
                "table 'Loihi 2 vs Loihi' (chips.md)")

LOIHI2 = Chip(
    name="loihi2",
    description="Intel Loihi 2: 128 asynchronous neuro cores, up to 1 M neurons and 120 M synapses, Intel 4",
    backend="snn",
    node_nm=7,
    params={"cores": 128, "pes_per_core": 1, "neurons_per_core": 8192, "weight_sram_kib": 144.0,
            "state_sram_kib": 48.0, "weight_bits": 8, "weight_word_bits": 64, "membrane_bits": 48,
            "state_update": "per_active_neuron", "leak": "every_step", "leak_op": "multiply",
            "noc_hop_pj": 3.6, "clock_mhz": 250.0, "weights_resident": True},
    source=LOIHI2_BRIEF + "; Orchard et al., 'Efficient neuromorphic signal processing with Loihi 2', IEEE SiPS "
           "2021, arXiv 2111.03746",
    read={
        "cores": "128 neuro cores (Loihi 2 brief)",
        "neurons_per_core": "up to 1 M neurons per chip (Loihi 2 brief): 1,048,576 / 128 = 8192 per core",
        "weight_sram_kib, state_sram_kib": "192 KB of memory per neuro core, flexibly allocated (Loihi 2 brief); "
                                           "assumed split: 8192 neurons x 48 bits = 48 KiB of state, 144 KiB of "
                                           "synapses",
        "weight_bits": "1 to 8-bit synaptic weights (Loihi 2 brief): the widest, 8",
        "node": "Intel 4 (pre-production; Loihi 2 brief), formerly Intel's 7 nm: 7 nm in Stillmaker & Baas",
        "weight_word_bits, membrane_bits, state_update, leak, noc_hop_pj, clock_mhz":
            "assumed: as the loihi preset (Loihi's 64-bit synaptic word, 24-bit u and v, mesh hop energy and "
            "4 ns per synaptic op); the brief's 'up to 10x faster' is not split into per-op figures",
        "weights_resident": "the synaptic memory is configured once per network (as on Loihi)",
        "technology": "horowitz45 at 7 nm by Stillmaker & Baas",
    },
    k=20.32,  # carried from LOIHI (tests/silicon/test_silicon.py checks it equals LOIHI.k)
    fitted_on="Loihi's (14 nm) per-op energies, carried over unrefitted: Intel publishes no per-op energy for "
              "Loihi 2, so nothing of Loihi 2's own checks it",
    leak_k=0.2256,  # carried from LOIHI with k
    leak_fitted_on="Loihi's 29 mW idle power (Blouw et al. 2019), carried over unrefitted",
)

SNE = Chip(
    name="sne",
    description="SNE (ETH/Bologna, Kraken SoC): crossbar-free event-driven conv engine, 4-bit weights, 22 nm FDX",
    backend="snn",
    node_nm=22,
    params={"cores": 8, "pes_per_core": 16, "neurons_per_core": 16384, "weight_sram_kib": 8.0,
            "state_sram_kib": 16.0, "weight_bits": 4, "membrane_bits": 8, "state_update": "per_event",
            "leak": "every_step", "leak_op": "shift", "clock_mhz": 400.0, "weights_resident": True},
    source="Di Mauro et al., DATE 2022, arXiv 2204.10687 (chips.md)",
    read={
        "node": "22 nm FDX (Di Mauro 2022)",
        "weight_bits": "4-bit weights (Di Mauro 2022)",
        "state_update": "a potential read-modify-write per input event (crossbar-free, event-driven; Di Mauro 2022)",
        "cores, pes_per_core, neurons_per_core, SRAMs, membrane_bits, clock_mhz":
            "assumed: dse's SNE-sized reading (8 engines of 16 PEs, 16 k 8-bit neurons each, 400 MHz), "
            "not SNE's floor plan",
        "technology": "horowitz45 at 22 nm by Stillmaker & Baas",
        "weights_resident": "assumed: the weights are loaded once per network and kept across gestures",
    },
    k=0.07999,  # fitted: `dse reproduce silicon` refits it (tests/silicon/test_silicon.py)
    fitted_on="SNE's 0.221 pJ per synaptic op (4.5 TOP/s/W), as the marginal energy per op on DVS Gesture "
              "(the two DVS-Gesture points check it)",
)

CUTIE = Chip(
    name="cutie",
    description="CUTIE (ETH, Kraken SoC): completely unrolled ternary CNN accelerator, 96 channels, 22 nm FDX",
    backend="systolic",
    node_nm=22,
    params={"rows": 864, "cols": 96, "dataflow": "ws", "ifmap_sram_kib": 64.0, "filter_sram_kib": 64.0,
            "ofmap_sram_kib": 64.0, "dram_bytes_per_cycle": 16.0, "clock_mhz": 50.0, "zero_gating": True},
    source="Scherer et al., 'TCN-CUTIE', arXiv 2212.00688, 2022 (abstract; section 'Architecture')",
    read={
        "rows, cols": "96 output-channel units, each a fully unrolled 3x3x96 ternary dot product (864 inputs)",
        "weight and activation bits": "ternary: 2 bits each (set by the workloads)",
        "node": "22 nm FDX",
        "SRAMs, dram_bytes_per_cycle, clock_mhz": "assumed: 64 KiB feature-map and weight memories, 16 B/cycle, "
                                                  "50 MHz at 0.5 V",
        "dataflow": "weights stay in the compute units while a layer runs: weight stationary",
        "technology": "horowitz45 at 22 nm by Stillmaker & Baas",
    },
    k=0.01668,  # fitted: `dse reproduce silicon` refits it (tests/silicon/test_silicon.py)
    fitted_on="CUTIE's 2.72 µJ per CIFAR-10 inference (the DVS TCN's 5.5 µJ checks it)",
)

EYERISS = Chip(
    name="eyeriss",
    description="Eyeriss (MIT): 12x14 = 168 PEs, 108 KB global buffer, 16-bit, 65 nm, 200 MHz",
    backend="systolic",
    node_nm=65,
    params={"rows": 12, "cols": 14, "dataflow": "ws", "ifmap_sram_kib": 54.0, "filter_sram_kib": 73.5,
            "ofmap_sram_kib": 54.0, "dram_bytes_per_cycle": 8.0, "clock_mhz": 200.0, "zero_gating": True},
    source="Chen et al., IEEE JSSC 52(1):127-138, 2017 (abstract, Tables IV-VI) and ISSCC 2016 (chips.md)",
    read={
        "rows, cols": "168 PEs in a 12x14 array (Chen 2017)",
        "ifmap_sram_kib, ofmap_sram_kib": "the 108 KB global buffer, split evenly between inputs and partial sums "
                                          "(the split is assumed)",
        "filter_sram_kib": "224 x 16-bit filter scratch pad per PE x 168 PEs = 73.5 KiB (Chen 2017)",
        "clock_mhz": "200 MHz core clock (Chen 2017)",
        "zero_gating": "data gating of zero activations (Chen 2017, Fig. 12); each layer's zeros from Tables V-VI",
        "dataflow": "row stationary is not a dse dataflow; weight stationary is the nearest (assumed)",
        "dram_bytes_per_cycle": "assumed: 64-bit off-chip bus",
        "technology": "horowitz45 at 65 nm by Stillmaker & Baas",
    },
    k=0.4242,  # fitted: `dse reproduce silicon` refits it (tests/silicon/test_silicon.py)
    fitted_on="the 13 per-layer chip powers of VGG-16 (Chen 2017 Table VI), with leak_k (AlexNet's Table V "
              "layers and its 278 mW check it)",
    leak_k=24.10,  # fitted with k: the static power stands for Eyeriss's fixed power per second
    leak_fitted_on="the same 13 VGG-16 layer powers: Eyeriss's power paid per second whatever the work (clock "
                   "network, control), carried as static power (docs/silicon.md)",
)


TRUENORTH = Chip(
    name="truenorth",
    description="IBM TrueNorth: 4096 cores of a 256x256 binary crossbar and 256 neurons, 28 nm, 1 kHz ticks",
    backend="snn",
    node_nm=28,
    params={"cores": 4096, "pes_per_core": 1, "neurons_per_core": 256, "weight_sram_kib": 8.0,
            "state_sram_kib": 4.8, "weight_bits": 1, "weight_word_bits": 256, "membrane_bits": 20,
            "state_update": "per_active_neuron", "leak": "every_step", "leak_op": "shift", "clock_mhz": 1.0,
            "weights_resident": True},
    source="Merolla et al., Science 345(6197):668-673, 2014 (abstract, Fig. 2)",
    read={
        "cores, neurons_per_core": "4096 cores, 256 neurons each, 1 M neurons (Merolla 2014)",
        "weight_sram_kib, weight_bits, weight_word_bits": "a 256x256 binary crossbar per core (8 KiB), a row read "
                                                          "per axon event (Merolla 2014)",
        "membrane_bits, state_sram_kib": "assumed: 20-bit potentials and 128 bits of neuron parameters per neuron",
        "clock_mhz": "1 kHz ticks; 1 MHz is dse's per-core event rate (assumed)",
        "weights_resident": "the crossbars are programmed once per network (Merolla 2014)",
        "technology": "horowitz45 at 28 nm by Stillmaker & Baas; nothing fitted",
    },
)

TPU_V1 = Chip(
    name="tpu-v1",
    description="Google TPU v1-like: 256x256 8-bit weight-stationary MAC array, 700 MHz, 28 nm",
    backend="systolic",
    node_nm=28,
    params={"rows": 256, "cols": 256, "dataflow": "ws", "ifmap_sram_kib": 24576.0, "filter_sram_kib": 256.0,
            "ofmap_sram_kib": 4096.0, "dram_bytes_per_cycle": 48.6, "clock_mhz": 700.0},
    source="Jouppi et al., ISCA 2017, section 2 and Table 1",
    read={
        "rows, cols, dataflow": "256x256 8-bit MACs, weights shifted in and held (Jouppi 2017)",
        "ifmap_sram_kib": "24 MiB Unified Buffer (Jouppi 2017)",
        "ofmap_sram_kib": "4 MiB of 32-bit accumulators (Jouppi 2017)",
        "filter_sram_kib": "weight FIFO of four 64 KiB tiles (Jouppi 2017)",
        "dram_bytes_per_cycle": "34 GB/s DDR3 at 700 MHz = 48.6 B/cycle (Jouppi 2017)",
        "technology": "horowitz45 at 28 nm by Stillmaker & Baas; nothing fitted, no published energy row",
    },
)

TIANJIC = Chip(
    name="tianjic",
    description="Tsinghua Tianjic: 156 synchronous cores running ANN or SNN layers on shared memory, 28 nm, 300 MHz",
    backend="hybrid",
    node_nm=28,
    params={"memory": "shared",
            "ann": {"rows": 16, "cols": 156, "dataflow": "ws", "ifmap_sram_kib": 468.0, "filter_sram_kib": 2496.0,
                    "ofmap_sram_kib": 468.0, "clock_mhz": 300.0, "weights_resident": True},
            "snn": {"cores": 156, "pes_per_core": 16, "neurons_per_core": 256, "weight_sram_kib": 16.0,
                    "state_sram_kib": 6.0, "clock_mhz": 300.0, "weights_resident": True}},
    source="Pei et al., Nature 572:106-111, 2019; figures as summarised in IEEE Circuits and Systems Magazine "
           "22(2), 2022, p. 24 (chips.md)",
    read={
        "snn.cores, neurons_per_core": "156 FCores, 256 fan-in/fan-out each (Pei 2019)",
        "memory": "each FCore's axon, dendrite and soma run ANN (MAC) or SNN (integrate) mode on shared memory",
        "SRAM per core": "about 22 KB per FCore: 16 KiB weights and 6 KiB state in SNN mode; across 156 cores "
                         "2496 KiB of weights and 468 KiB each of inputs and outputs in ANN mode (the split is assumed)",
        "clock_mhz": "synchronous, 300 MHz (Pei 2019)",
        "ann.rows, cols, snn.pes_per_core": "assumed: 16 MAC/AC lanes per core, the 156 cores side by side in ANN mode",
        "weights_resident": "every weight lives in the cores' SRAM; nothing is reloaded between rounds (Pei 2019)",
        "technology": "horowitz45 at 28 nm by Stillmaker & Baas; nothing fitted",
    },
)


CHIPS: tuple[Chip, ...] = (LOIHI, LOIHI2, SNE, CUTIE, EYERISS, TRUENORTH, TPU_V1, TIANJIC)
