"""`dse reproduce silicon`: one row per published measurement of a named chip, dse's value beside it.

Each chip's factor k (silicon.technology) is fitted on the points its Chip names; a row with
``fitted`` true was one of them, every other row is a check held apart from the fit. Loihi's
three per-op energies are checked two-fold, by kind of event: the synaptic op with k fitted on the two
neuron updates, each neuron update with k fitted on the synaptic op.
Figures and sources: docs/references/chips.md; discussion of every error: docs/silicon.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from dse import Architecture, Plugins, Workload, load_workload
from dse_literature.silicon import networks as nets
from dse_literature.silicon.chips import CUTIE, LOIHI, SNE, TIANJIC, TRUENORTH, Chip
from dse_literature.silicon.eyeriss import fit as eyeriss_fit
from dse_literature.silicon.eyeriss import layer_terms, network_power_mw
from dse_literature.silicon.measure import (
    chip_energy_pj,
    cost,
    dynamic_energy_pj,
    loihi_per_op,
    power_mw,
    static_mw,
)
from dse_literature.silicon.technology import fit_k

# Published figures (docs/references/chips.md).
LOIHI_PER_OP = {"synop": 23.6, "inactive": 52.0, "active": 81.0}  # pJ, Davies 2018 Table 2
# Two-fold cross-validation by kind of event: the synaptic op is checked with k fitted on the two neuron
# updates, each neuron update with k fitted on the synaptic op (docs/silicon.md says why not leave-one-out).
LOIHI_CROSS_FIT = {"synop": ("inactive", "active"), "inactive": ("synop",), "active": ("synop",)}
LOIHI_KWS_MJ = 0.27  # mJ dynamic energy per inference, Blouw et al. 2019 Table 1
# Blouw et al. 2019 ('Data I/O'): about 70 mW of the 81 mW dynamic power is the embedded x86
# cores, which start after the first run; the mesh's own share is (81 - 70) mW / 296 per second.
LOIHI_KWS_MESH_MJ = (81.0 - 70.0) / 296.0  # mJ: mW / (inferences/s) = mJ per inference
LOIHI_IDLE_MW = 29.0  # mW idle (board running nothing), Blouw et al. 2019 Table 1
SNE_DVS_UJ = {0.012: 80.0, 0.049: 261.0}  # µJ per inference at input activity, Di Mauro 2022
SNE_PJ_PER_SOP = 0.221  # pJ per synaptic op, Di Mauro 2022
CUTIE_CIFAR_UJ, CUTIE_DVS_UJ = 2.72, 5.5  # µJ per inference, Scherer et al. 2022 abstract
EYERISS_VGG_MW, EYERISS_ALEX_MW = 236.0, 278.0  # Chen et al. 2017 abstract and Tables V-VI (per-layer rows: nets)
TRUENORTH_MW = 63.0  # mW, 400x240 video at 30 fps, Merolla et al. 2014 abstract
# Tianjic (Pei et al. 2019, as summarised in IEEE CAS Magazine 22(2), 2022, p. 24): 400 mW average over the
# bicycle's control, audio and base applications at 0.9 V; a round of computation and communication takes
# 5,050 cycles at 300 MHz; the die is 3.8 mm x 3.8 mm.
TIANJIC_MW, TIANJIC_ROUND_HZ, TIANJIC_DIE_MM2 = 400.0, 300e6 / 5050, 3.8 * 3.8
SNE_NET = "zoo:dvs-gesture-scnn"
SNE_ASSUMED = ("dse's DVS-Gesture network sized for SNE (zoo:dvs-gesture-scnn, T = 20), not SNE's own: its layers, "
               "time steps and the fixed 21 µJ the two points imply are not in dse's references; every layer's input "
               "at the sensor's activity")

Quantity = Callable[[float], float]  # dse's value at factor k


@dataclass(frozen=True)
class SiliconRow:
    chip: str
    quantity: str
    workload: str
    published: float
    dse: float
    unit: str
    fitted: bool
    source: str
    assumed: str = ""

    @property
    def error_pct(self) -> float:
        return 100.0 * (self.dse - self.published) / self.published

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "error_pct": self.error_pct}


def _at(chip: Chip, measure: Callable[..., float], *args: object) -> Quantity:
    """dse's value of ``measure`` on ``chip`` as a function of its factor k."""
    def value(k: float) -> float:
        return measure(chip.architecture(k), *args)
    return value


def fits(plugins: Plugins) -> dict[str, float]:
    """Every chip's factor k, fitted on the points its Chip names."""
    q = _quantities(plugins)
    return {
        "loihi": fit_k([q["loihi"][n] for n in LOIHI_PER_OP], list(LOIHI_PER_OP.values())),
        "loihi-leak": fit_k([q["loihi-idle"]], [LOIHI_IDLE_MW]),
        "sne": fit_k([q["sne-sop"]], [SNE_PJ_PER_SOP]),
        "cutie": fit_k([q["cutie-cifar"]], [CUTIE_CIFAR_UJ]),
        **dict(zip(("eyeriss", "eyeriss-leak"), eyeriss_fit(q["eyeriss-vgg"], [r.power_mw for r in nets.EYERISS_VGG16]),
                   strict=True)),
    }


def _quantities(plugins: Plugins) -> dict[str, Any]:
    per_op_cache: dict[float, dict[str, float]] = {}

    def per_op(name: str) -> Quantity:
        def value(k: float) -> float:
            if k not in per_op_cache:
                per_op_cache[k] = loihi_per_op(plugins, LOIHI.architecture(k))
            return per_op_cache[k][name]
        return value

    sne_net = _quietly_loaded(SNE_NET, plugins)

    def energy_uj(arch: Architecture, workload: Workload) -> float:
        return chip_energy_pj(cost(plugins, arch, workload)) / 1e6

    def dynamic_mj(arch: Architecture, workload: Workload) -> float:
        return dynamic_energy_pj(cost(plugins, arch, workload)) / 1e9

    return {
        "loihi": {name: per_op(name) for name in LOIHI_PER_OP},
        "loihi-kws": _at(LOIHI, dynamic_mj, nets.keyword_spotter()),
        "loihi-idle": lambda leak: static_mw(plugins, LOIHI.architecture(leak_k=leak), nets.keyword_spotter()),
        "sne": {a: _at(SNE, energy_uj, nets.with_activity(sne_net, a)) for a in SNE_DVS_UJ},
        "sne-sop": lambda k: _sne_pj_per_sop(plugins, sne_net, k),
        "cutie-cifar": _at(CUTIE, energy_uj, nets.cutie_cifar9()),
        "cutie-dvs": _at(CUTIE, energy_uj, nets.cutie_dvs_tcn()),
        "eyeriss-vgg": layer_terms(plugins, nets.vgg16_conv(), nets.EYERISS_VGG16, nets.EYERISS_VGG16_BATCH),
        "eyeriss-alex": layer_terms(plugins, nets.alexnet_conv(), nets.EYERISS_ALEXNET, nets.EYERISS_ALEXNET_BATCH),
        "sne-net": sne_net,
    }


def silicon(plugins: Plugins) -> list[SiliconRow]:
    """Every published measurement beside dse's value (see the module docstring for what is fitted)."""
    q = _quantities(plugins)
    k = fits(plugins)
    rows: list[SiliconRow] = []
    davies = "Davies et al., IEEE Micro 2018, Table 2"
    names = {"synop": "energy per synaptic op", "inactive": "energy per inactive neuron update",
             "active": "energy per active neuron update"}
    for held, published in LOIHI_PER_OP.items():
        basis = LOIHI_CROSS_FIT[held]
        k_held = fit_k([q["loihi"][n] for n in basis], [LOIHI_PER_OP[n] for n in basis])
        rows.append(SiliconRow("loihi", names[held], "probe: dense 64->32, 5 steps", published,
                               q["loihi"][held](k_held), "pJ", False, davies,
                               f"k = {k_held:.4g} fitted on: {', '.join(names[n][11:] for n in basis)} "
                               "(two-fold: synaptic op against neuron updates)"))
    rows.append(SiliconRow("loihi", "dynamic energy per inference", "keyword spotting (Blouw et al.)",
                           LOIHI_KWS_MJ, q["loihi-kws"](k["loihi"]), "mJ", False,
                           "Blouw et al., NICE 2019, Table 1", nets.KWS_ASSUMED))
    rows.append(SiliconRow("loihi", "dynamic energy per inference, x86 share removed",
                           "keyword spotting (Blouw et al.)", LOIHI_KWS_MESH_MJ, q["loihi-kws"](k["loihi"]), "mJ",
                           False, "Blouw et al., NICE 2019, Table 1 and section 'Data I/O'",
                           "derived: (81 - 70) mW / 296 inferences/s; " + nets.KWS_ASSUMED))
    rows.append(SiliconRow("loihi", "idle (static) power", "none running", LOIHI_IDLE_MW,
                           q["loihi-idle"](k["loihi-leak"]), "mW", True, "Blouw et al., NICE 2019, Table 1",
                           "the board's idle power, its embedded x86 cores included, fits Loihi's leak_k"))
    sne, sne_net = "Di Mauro et al., DATE 2022", "DVS Gesture (zoo:dvs-gesture-scnn)"
    rows.append(SiliconRow("sne", "energy per synaptic op (marginal)", sne_net, SNE_PJ_PER_SOP,
                           q["sne-sop"](k["sne"]), "pJ", True, sne, "slope between the 1.2 % and 4.9 % points"))
    for activity, published in SNE_DVS_UJ.items():
        rows.append(SiliconRow("sne", f"energy per inference at {activity:.1%} activity", sne_net, published,
                               q["sne"][activity](k["sne"]), "µJ", False, sne, SNE_ASSUMED))
    low, high = (q["sne"][a](k["sne"]) for a in SNE_DVS_UJ)
    rows.append(SiliconRow("sne", "energy at 4.9 % / energy at 1.2 %", sne_net, SNE_DVS_UJ[0.049] / SNE_DVS_UJ[0.012],
                           high / low, "ratio", False, sne, SNE_ASSUMED))
    cutie = "Scherer et al., arXiv 2212.00688, abstract"
    rows.append(SiliconRow("cutie", "energy per inference", "CIFAR-10 9-layer ternary CNN", CUTIE_CIFAR_UJ,
                           q["cutie-cifar"](k["cutie"]), "µJ", True, cutie, nets.CIFAR_ASSUMED))
    rows.append(SiliconRow("cutie", "energy per inference", "DVS Gesture ternary TCN", CUTIE_DVS_UJ,
                           q["cutie-dvs"](k["cutie"]), "µJ", False, cutie, nets.DVS_ASSUMED))
    eyeriss = "Chen et al., IEEE JSSC 2017, abstract and Tables V-VI"
    ke, le = k["eyeriss"], k["eyeriss-leak"]
    measured = ("each layer at its measured latency, input zeros as measured (Tables V-VI); a fixed power per "
                "second (leak_k) and k fitted on VGG-16's 13 layer powers; DRAM not counted (off chip)")
    rows.append(SiliconRow("eyeriss", "chip power (13 layers fitted)", "VGG-16 conv layers", EYERISS_VGG_MW,
                           network_power_mw(q["eyeriss-vgg"], ke, le), "mW", True, eyeriss, measured))
    rows.append(SiliconRow("eyeriss", "chip power", "AlexNet conv layers", EYERISS_ALEX_MW,
                           network_power_mw(q["eyeriss-alex"], ke, le), "mW", False, eyeriss, measured))
    for layer, terms in zip(nets.EYERISS_ALEXNET, q["eyeriss-alex"], strict=True):
        rows.append(SiliconRow("eyeriss", f"chip power, {layer.name.upper()}", "AlexNet conv layers", layer.power_mw,
                               terms.power_mw(ke, le), "mW", False, "Chen et al., IEEE JSSC 2017, Table V", measured))
    rows.append(SiliconRow("truenorth", "chip power", "400x240 video at 30 fps", TRUENORTH_MW,
                           _truenorth_mw(plugins), "mW", False, "Merolla et al., Science 2014, abstract",
                           nets.TRUENORTH_ASSUMED))
    rows.extend(_tianjic(plugins))
    return rows


def tianjic_split(split_after: int) -> Architecture:
    """The Tianjic preset with its first ``split_after`` layers in ANN mode, the rest in SNN mode."""
    arch = TIANJIC.architecture()
    return arch.model_copy(update={"params": {**arch.params, "split_after": split_after}})


def _tianjic(plugins: Plugins) -> list[SiliconRow]:
    """Tianjic's power on a hybrid network split across ANN- and SNN-mode cores, and its die area."""
    arch, workload = tianjic_split(nets.TIANJIC_SPLIT), nets.tianjic_hybrid()
    source = "Pei et al., Nature 2019, via IEEE CAS Magazine 22(2), 2022, p. 24"
    name = "hybrid CNN -> spiking MLP, split after conv3"
    return [
        SiliconRow("tianjic", "chip power, one hybrid round per 5,050 cycles", name, TIANJIC_MW,
                   power_mw(plugins, arch, workload, TIANJIC_ROUND_HZ), "mW", False, source, nets.TIANJIC_ASSUMED),
        SiliconRow("tianjic", "area (dse: cores; published: die)", name, TIANJIC_DIE_MM2,
                   cost(plugins, arch, workload).area_mm2, "mm²", False, source,
                   "dse counts cores only (SRAM, arithmetic, routers); the die adds pads, clocking and I/O"),
    ]


def _quietly_loaded(ref: str, plugins: Plugins) -> Workload:
    """A zoo workload without the loader's default-density warning: every density is replaced here."""
    import logging

    logger = logging.getLogger("dse.workloads")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return load_workload(ref, plugins)
    finally:
        logger.setLevel(level)


def _sne_pj_per_sop(plugins: Plugins, net: Workload, k: float) -> float:
    low, high = (cost(plugins, SNE.architecture(k), nets.with_activity(net, a)) for a in SNE_DVS_UJ)
    return (chip_energy_pj(high) - chip_energy_pj(low)) / (high.counts["synaptic_ops"] - low.counts["synaptic_ops"])


def _truenorth_mw(plugins: Plugins) -> float:
    """All 4096 cores for one second (one core's dynamic energy x 4096) plus the chip's static power."""
    arch = TRUENORTH.architecture()
    core = cost(plugins, arch, nets.truenorth_core_second())
    chip_area = core.area_mm2  # the backend's area is already the whole chip (4096 cores)
    static = plugins.technology(arch.technology).leakage_mw_per_mm2 * chip_area
    return float(dynamic_energy_pj(core) * TRUENORTH.params["cores"] * 1e-9 + static)
