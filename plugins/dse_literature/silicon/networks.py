"""The published networks the chips ran, as dse workloads; where a paper leaves a detail out,
the assumption is stated here and in the row of `dse reproduce silicon` that uses it."""

from __future__ import annotations

from typing import Any, NamedTuple

from dse import Workload

# -- Loihi -------------------------------------------------------------------------------------
PROBE_STEPS, PROBE_IN, PROBE_OUT = 5, 64, 32


def loihi_probe(density: float) -> Workload:
    """One dense layer (64 inputs, 32 LIF compartments, 5 steps, no output spikes) to read per-op energies off."""
    return Workload.model_validate({"name": "loihi-probe", "timesteps": PROBE_STEPS, "layers": [
        {"name": "fc", "kind": "dense", "in_features": PROBE_IN, "out_features": PROBE_OUT, "input_density": density,
         "output_density": 0.0, "neuron": {"model": "LIF", "leak": 0.9}}]})


KWS_STEPS, KWS_INPUT_DENSITY, KWS_HIDDEN_DENSITY = 10, 0.2, 0.1
KWS_ASSUMED = (f"390-256-256-29 dense (Blouw et al. 2019); assumed: {KWS_STEPS} steps per inference, input "
               f"spikes {KWS_INPUT_DENSITY} and hidden {KWS_HIDDEN_DENSITY} per neuron and step")


def keyword_spotter() -> Workload:
    """Blouw et al.'s keyword spotter: 390 MFCC features, two hidden layers of 256, 29 characters."""
    lif = {"model": "LIF", "leak": 0.9}
    return Workload.model_validate({"name": "loihi-kws", "timesteps": KWS_STEPS, "layers": [
        {"name": "h1", "kind": "dense", "in_features": 390, "out_features": 256,
         "input_density": KWS_INPUT_DENSITY, "neuron": lif},
        {"name": "h2", "kind": "dense", "in_features": 256, "out_features": 256,
         "input_density": KWS_HIDDEN_DENSITY, "neuron": lif},
        {"name": "out", "kind": "dense", "in_features": 256, "out_features": 29,
         "input_density": KWS_HIDDEN_DENSITY, "output_density": KWS_HIDDEN_DENSITY, "neuron": lif}]})


# -- TrueNorth ---------------------------------------------------------------------------------
TRUENORTH_RATE_HZ, TRUENORTH_TICK_HZ, TRUENORTH_ACTIVE_SYNAPSES = 20.0, 1000.0, 128
TRUENORTH_ASSUMED = ("the video network is not published in full; assumed: every core a 256x256 crossbar with "
                     f"{TRUENORTH_ACTIVE_SYNAPSES} active synapses per neuron, {TRUENORTH_RATE_HZ:g} Hz spikes, "
                     f"{TRUENORTH_TICK_HZ:g} Hz ticks")


def truenorth_core_second() -> Workload:
    """One TrueNorth core for one second: 1000 ticks of a 256-axon, 256-neuron crossbar."""
    density = TRUENORTH_RATE_HZ / TRUENORTH_TICK_HZ
    return Workload.model_validate({"name": "truenorth-core", "timesteps": int(TRUENORTH_TICK_HZ), "layers": [
        {"name": "crossbar", "kind": "dense", "in_features": 256, "out_features": 256, "weight_bits": 1,
         "activation_bits": 20, "weight_density": TRUENORTH_ACTIVE_SYNAPSES / 256, "input_density": density,
         "output_density": density, "neuron": {"model": "LIF", "leak": 1.0}}]})


# -- SNE -----------------------------------------------------------------------------------------
def with_activity(workload: Workload, activity: float) -> Workload:
    """``workload`` with every layer's input spiking at the sensor's ``activity`` (spikes per neuron and step)."""
    layers = [layer.model_copy(update={"input_density": activity}) for layer in workload.layers]
    return Workload.model_validate({**workload.model_dump(), "layers": [la.model_dump() for la in layers]})


# -- ANN accelerators ----------------------------------------------------------------------------
def _conv(name: str, c_in: int, c_out: int, size: int, kernel: int, stride: int = 1, padding: int = 0,
          groups: int = 1, density: float = 1.0, bits: int = 16) -> dict[str, Any]:
    return {"name": name, "kind": "conv2d", "in_channels": c_in, "out_channels": c_out, "in_height": size,
            "in_width": size, "kernel": kernel, "stride": stride, "padding": padding, "groups": groups,
            "input_density": density, "weight_bits": bits, "activation_bits": bits}


def _pool(name: str, kernel: int, stride: int | None = None) -> dict[str, Any]:
    return {"name": name, "kind": "pool", "mode": "max", "kernel": kernel, "stride": stride or kernel}


class EyerissLayer(NamedTuple):
    """One conv layer as Eyeriss measured it: chip power (mW), latency of the whole batch (ms), zeros in its
    input feature map (%)."""

    name: str
    power_mw: float
    latency_ms: float
    zeros_pct: float


# Chen et al., IEEE JSSC 52(1), 2017, Table V (p. 136, AlexNet, batch 4) and Table VI (p. 137, VGG-16,
# batch 3), at 1 V and 200 MHz; transcribed in docs/references/chips.md. Eyeriss gates zero activations
# (its Fig. 12), so a layer's input density is 1 - zeros. VGG-16 CONV1-1's 1.6 % is the table's figure for
# the mean-subtracted image.
EYERISS_ALEXNET_BATCH, EYERISS_VGG16_BATCH = 4, 3
EYERISS_ALEXNET = (
    EyerissLayer("conv1", 332.0, 20.9, 0.01), EyerissLayer("conv2", 288.0, 41.9, 38.7),
    EyerissLayer("conv3", 266.0, 23.6, 72.5), EyerissLayer("conv4", 235.0, 18.4, 79.3),
    EyerissLayer("conv5", 236.0, 10.5, 77.6))
EYERISS_VGG16 = (
    EyerissLayer("conv1_1", 247.0, 76.2, 1.6), EyerissLayer("conv1_2", 218.0, 910.3, 47.7),
    EyerissLayer("conv2_1", 242.0, 470.3, 24.8), EyerissLayer("conv2_2", 231.0, 894.3, 38.7),
    EyerissLayer("conv3_1", 254.0, 241.1, 39.7), EyerissLayer("conv3_2", 235.0, 460.9, 58.1),
    EyerissLayer("conv3_3", 233.0, 457.7, 58.7), EyerissLayer("conv4_1", 278.0, 135.3, 64.3),
    EyerissLayer("conv4_2", 261.0, 254.8, 74.7), EyerissLayer("conv4_3", 240.0, 246.3, 85.4),
    EyerissLayer("conv5_1", 258.0, 54.3, 79.4), EyerissLayer("conv5_2", 236.0, 53.7, 87.4),
    EyerissLayer("conv5_3", 230.0, 53.7, 88.5))


def _density(layer: EyerissLayer) -> float:
    return 1.0 - layer.zeros_pct / 100.0


def alexnet_conv() -> Workload:
    """AlexNet's five conv layers as Eyeriss ran them (227x227 input, grouped conv2/4/5: 666 M MACs), each
    layer's input density from Table V's zeros."""
    c1, c2, c3, c4, c5 = (_density(layer) for layer in EYERISS_ALEXNET)
    return Workload.model_validate({"name": "alexnet-conv", "timesteps": 1, "layers": [
        _conv("conv1", 3, 96, 227, 11, 4, density=c1), _pool("pool1", 3, 2),
        _conv("conv2", 96, 256, 27, 5, 1, 2, 2, c2), _pool("pool2", 3, 2),
        _conv("conv3", 256, 384, 13, 3, 1, 1, 1, c3), _conv("conv4", 384, 384, 13, 3, 1, 1, 2, c4),
        _conv("conv5", 384, 256, 13, 3, 1, 1, 2, c5)]})


def vgg16_conv() -> Workload:
    """VGG-16's 13 conv layers on 224x224 (15.3 G MACs), pools between stages, each layer's input density
    from Table VI's zeros."""
    layers: list[dict[str, Any]] = []
    densities = iter(_density(layer) for layer in EYERISS_VGG16)
    c_in, size = 3, 224
    for stage, (width, repeats) in enumerate(((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)), start=1):
        if stage > 1:
            layers.append(_pool(f"pool{stage - 1}", 2))
            size //= 2
        for index in range(1, repeats + 1):
            layers.append(_conv(f"conv{stage}_{index}", c_in, width, size, 3, 1, 1, 1, next(densities)))
            c_in = width
    return Workload.model_validate({"name": "vgg16-conv", "timesteps": 1, "layers": layers})


# Tianjic's hybrid network: half of the ReLU outputs feeding conv2 onward assumed zero.
RELU_DENSITY = 0.5


CUTIE_DENSITY = 0.5
CIFAR_ASSUMED = ("9 ternary 3x3 conv layers of 96 channels (Scherer et al. 2022); assumed: 32x32 input, max-pool "
                 f"after layers 3 and 6, {CUTIE_DENSITY} of activations non-zero")
DVS_ASSUMED = ("ternary TCN on DVS128 event frames (Scherer et al. 2022); assumed: 2x64x64 frames, 5 3x3 conv "
               "layers of 96 channels with 2x2 pools to 2x2, then 3 temporal layers over 5 frames (a 1x1 conv "
               f"of 96x5 channels each), {CUTIE_DENSITY} of activations non-zero")


def cutie_cifar9() -> Workload:
    """CUTIE's CIFAR-10 network: 9 ternary conv layers of 96 channels."""
    layers: list[dict[str, Any]] = []
    c_in, size = 3, 32
    for index in range(1, 10):
        layers.append(_conv(f"conv{index}", c_in, 96, size, 3, 1, 1, 1, CUTIE_DENSITY if index > 1 else 1.0, 2))
        c_in = 96
        if index in (3, 6):
            layers.append(_pool(f"pool{index}", 2))
            size //= 2
    return Workload.model_validate({"name": "cutie-cifar9", "timesteps": 1, "layers": layers})


def cutie_dvs_tcn() -> Workload:
    """CUTIE's DVS gesture TCN, as assumed in DVS_ASSUMED."""
    layers: list[dict[str, Any]] = []
    c_in, size = 2, 64
    for index in range(1, 6):
        layers.append(_conv(f"conv{index}", c_in, 96, size, 3, 1, 1, 1, CUTIE_DENSITY, 2))
        layers.append(_pool(f"pool{index}", 2))
        c_in, size = 96, size // 2
    layers.append({"name": "flat", "kind": "flatten"})
    for index in range(1, 4):
        layers.append({"name": f"tcn{index}", "kind": "dense", "in_features": 96 * 2 * 2 if index == 1 else 96 * 5,
                       "out_features": 96 * 5 if index < 3 else 11, "input_density": CUTIE_DENSITY,
                       "weight_bits": 2, "activation_bits": 2})
    return Workload.model_validate({"name": "cutie-dvs-tcn", "timesteps": 1, "layers": layers})


# -- Tianjic -------------------------------------------------------------------------------------
TIANJIC_SPLIT = 4  # conv1-3 and the flatten on ANN-mode cores, the dense layers on SNN-mode cores
TIANJIC_ASSUMED = ("the bicycle demo's hybrid network is not published layer by layer; assumed: a CNN "
                   "(3x64x64 camera frame, three 3x3 stride-2 convolutions of 16, 32, 32 channels) on ANN-mode "
                   "cores feeding a spiking MLP (2048-256-64-10, LIF, spikes 0.1 per neuron and step) on "
                   "SNN-mode cores, rate-coded at the boundary; one round (one step) per 5,050 cycles at 300 MHz")


def tianjic_hybrid() -> Workload:
    """A Tianjic-style hybrid network: convolutional front end in ANN mode, spiking MLP in SNN mode (assumed)."""
    lif = {"model": "LIF", "leak": 0.9}
    layers: list[dict[str, Any]] = []
    c_in, size = 3, 64
    for index, width in enumerate((16, 32, 32), start=1):
        layers.append({**_conv(f"conv{index}", c_in, width, size, 3, 2, 1, 1, 1.0 if index == 1 else RELU_DENSITY,
                               8)})
        c_in, size = width, size // 2
    layers.append({"name": "flat", "kind": "flatten"})
    for index, (n_in, n_out) in enumerate(((32 * 8 * 8, 256), (256, 64), (64, 10)), start=1):
        layers.append({"name": f"fc{index}", "kind": "dense", "in_features": n_in, "out_features": n_out,
                       "input_density": 0.1, "output_density": 0.1, "neuron": lif})
    return Workload.model_validate({"name": "tianjic-hybrid", "timesteps": 1, "layers": layers})
