"""The built-in networks, ``zoo:NAME``: layer shapes from the cited papers, activity cited or defaulted.

Layer names are short and stable so that activity files can key on them. Rectified ANN
layers emit ReLU density and spiking layers spike density (see :mod:`densities`) unless a
cited measurement is given; a warning lists the layers left on defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dse import DseInputError
from dse_workloads import zoo_transformers
from dse_workloads.densities import Density
from dse_workloads.loaded import Draft, Loaded
from dse_workloads.zoo_layers import Layer, add, conv, dense, flatten, pool

ANN_INPUT = Density(1.0, "default: network input dense, 1.0 (pixel values are rarely exactly 0)")
#: docs/references/ottati2023.md: LIF with leak 0.95, threshold 64, reset by subtraction.
OTTATI_NEURON = {"model": "LIF", "leak": 0.95, "threshold": 64.0, "reset": "subtract"}
#: docs/references/ottati2023.md: the 90 % input sparsity row of the published table.
OTTATI_DENSITY = Density(0.1, "published: 90 % input sparsity row of Ottati et al. 2023's table (ottati2023.md)")
OTTATI_OUTPUT = Density(0.1, "published: as the input; Ottati et al. 2023 give no output rate (ottati2023.md)")
#: docs/references/accuracy_digits.md: the measured digits SNN uses LIF with beta 0.9.
DIGITS_LIF = {"model": "LIF", "leak": 0.9, "threshold": 1.0, "reset": "subtract"}
#: docs/references/metrics.md: digits MLP, 5,193 effective of 9,472 dense MACs.
DIGITS_DENSITY = Density(5193 / 9472, "measured: digits MLP makes 5,193 effective of 9,472 dense MACs (metrics.md)")
#: docs/references/chips.md: SNE reports DVS Gesture at 1.2 % and 4.9 % input activity.
SNE_INPUT = Density(0.049, "published: SNE's busier DVS Gesture case, 4.9 % input activity (chips.md)")


@dataclass(frozen=True)
class Entry:
    """One zoo network: what it is, where its shapes come from, and how to build it."""

    name: str
    kind: str  # "ANN" or "SNN"
    summary: str
    source: str
    make: Callable[..., tuple[Density, int, str, dict[str, tuple[Density | None, Density | None]]]]
    knobs: tuple[str, ...] = ()  # integer knobs a reference may set: zoo:NAME@knob=value


def _ann(layers: list[tuple[Layer, str]], draft: Draft) -> tuple[Density, int, str, dict]:
    for layer, emits in layers:
        draft.add(layer, emits)  # type: ignore[arg-type]
    return ANN_INPUT, 1, "one pass (ANN)", {}


def _paper_cnn(draft: Draft) -> tuple[Density, int, str, dict]:
    # ottati2023.md: 512 x 14 x 14 input, one 3x3 output channel, stride 1, no padding, T = 1.
    draft.add(conv("conv", 512, 1, 14, 3, neuron=OTTATI_NEURON), "spikes")
    return OTTATI_DENSITY, 1, "published: one time step (ottati2023.md)", {"conv": (None, OTTATI_OUTPUT)}


def _paper_fc(draft: Draft) -> tuple[Density, int, str, dict]:
    # fabrizio-ottati/to-spike-or-not, sparsity-analysis-rnn.py: M, N = 512, 1024 (512 outputs of
    # 1024 inputs), the paper's fully connected case, same constants and sparsities as its CNN case.
    # That script's ANN also keeps a per-neuron (diagonal) recurrent state; dse's dense layer has none.
    draft.add(dense("fc", 1024, 512, neuron=OTTATI_NEURON), "spikes")
    return OTTATI_DENSITY, 1, "published: one time step (ottati2023.md)", {"fc": (None, OTTATI_OUTPUT)}


def _digits_mlp(draft: Draft) -> tuple[Density, int, str, dict]:
    # accuracy_digits.md / metrics.md: MLP 64-128-10 with ReLU on scikit-learn's 8x8 digits.
    draft.add(dense("fc1", 64, 128), "relu")
    draft.add(dense("fc2", 128, 10), "analog")
    return DIGITS_DENSITY, 1, "one pass (ANN)", {"fc1": (None, DIGITS_DENSITY), "fc2": (DIGITS_DENSITY, None)}


def _lenet5(draft: Draft) -> tuple[Density, int, str, dict]:
    # LeCun et al., Proc. IEEE 86(11) 1998, Fig. 2: 32x32 input, C1 6@5x5, S2, C3 16@5x5, S4,
    # C5 120@5x5, F6 84, 10 outputs; scaled tanh (analog outputs). C3 connects 60 of the 6x16
    # map pairs (Table I): weight density 60/96 = 0.625 (1,500 of its 1,516 parameters are weights).
    return _ann([
        (conv("c1", 1, 6, 32, 5), "analog"), (pool("s2", 2, mode="avg"), "derived"),
        (conv("c3", 6, 16, 14, 5, weight_density=60 / 96), "analog"), (pool("s4", 2, mode="avg"), "derived"),
        (conv("c5", 16, 120, 5, 5), "analog"), (flatten(), "derived"),
        (dense("f6", 120, 84), "analog"), (dense("output", 84, 10), "analog"),
    ], draft)


def _vgg9(draft: Draft) -> tuple[Density, int, str, dict]:
    # A 9-weight-layer VGG (Simonyan & Zisserman, ICLR 2015, 3x3 convolutions) for CIFAR-10 as
    # used for SNN training (Lee et al., Front. Neurosci. 14:119, 2020):
    # 64C3-64C3-AP2-128C3-128C3-AP2-256C3-256C3-256C3-AP2-1024FC-10, padding 1, ReLU.
    layers: list[tuple[Layer, str]] = []
    size, cin = 32, 3
    for stage, (width, count) in enumerate(((64, 2), (128, 2), (256, 3)), start=1):
        for i in range(1, count + 1):
            layers.append((conv(f"conv{stage}_{i}", cin, width, size, 3, padding=1), "relu"))
            cin = width
        layers.append((pool(f"pool{stage}", 2, mode="avg"), "derived"))
        size //= 2
    layers += [(flatten(), "derived"), (dense("fc1", 256 * 4 * 4, 1024), "relu"), (dense("fc2", 1024, 10), "analog")]
    return _ann(layers, draft)


def _resnet18(draft: Draft) -> tuple[Density, int, str, dict]:
    # He et al., CVPR 2016, Table 1 (18-layer): conv1 7x7/2 64, max pool 3x3/2, four stages of two
    # basic blocks (64, 128, 256, 512 channels; stride 2 and a 1x1/2 projection at stages 2-4),
    # global average pool, fc 1000; ReLU after each block's sum. Batch norm folds into the convs.
    layers: list[tuple[Layer, str]] = [(conv("conv1", 3, 64, 224, 7, 2, 3), "relu"),
                                       (pool("maxpool", 3, 2, 1), "derived")]
    block_in, cin, size = "maxpool", 64, 56
    for stage, width in enumerate((64, 128, 256, 512), start=1):
        for block in (1, 2):
            stride = 2 if stage > 1 and block == 1 else 1
            tag = f"layer{stage}.{block}"
            out = size // stride
            a = conv(f"{tag}.conv1", cin, width, size, 3, stride, 1)
            if layers[-1][0]["name"] != block_in:
                a["input_from"] = block_in
            layers += [(a, "relu"), (conv(f"{tag}.conv2", width, width, out, 3, 1, 1), "analog")]
            skip = block_in
            if stride != 1 or cin != width:
                layers.append((conv(f"{tag}.downsample", cin, width, size, 1, stride, input_from=block_in), "analog"))
                skip = f"{tag}.downsample"
            layers.append((add(f"{tag}.add", f"{tag}.conv2", skip), "relu"))
            block_in, cin, size = f"{tag}.add", width, out
    layers += [(pool("avgpool", 7, mode="avg"), "derived"), (flatten(), "derived"), (dense("fc", 512, 1000), "analog")]
    return _ann(layers, draft)


def _mobilenetv1(draft: Draft) -> tuple[Density, int, str, dict]:
    # Howard et al., arXiv 1704.04861 (2017), Table 1: 3x3/2 conv 32, then 13 depthwise-separable
    # blocks (3x3 depthwise + 1x1 pointwise, ReLU after each), 7x7 average pool, fc 1000. The
    # table's last depthwise "s2" keeps 7x7 outputs, so it is stride 1 (as every implementation).
    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), *[(512, 1)] * 5, (1024, 2), (1024, 1)]
    layers: list[tuple[Layer, str]] = [(conv("conv1", 3, 32, 224, 3, 2, 1), "relu")]
    cin, size = 32, 112
    for index, (cout, stride) in enumerate(plan, start=1):
        layers.append((conv(f"dw{index}", cin, cin, size, 3, stride, 1, groups=cin), "relu"))
        size //= stride
        layers.append((conv(f"pw{index}", cin, cout, size, 1), "relu"))
        cin = cout
    layers += [(pool("avgpool", 7, mode="avg"), "derived"), (flatten(), "derived"), (dense("fc", 1024, 1000), "analog")]
    return _ann(layers, draft)


def _efficientnet_b0(draft: Draft) -> tuple[Density, int, str, dict]:
    # Tan & Le, ICML 2019, Table 1 (EfficientNet-B0; Table 2: 0.39 B FLOPS, i.e. multiply-adds, at 224x224):
    # a 3x3/2 stem of 32, seven stages of MBConv blocks (t: expansion, k: kernel, s: stride of
    # the first block, c: output channels, n: blocks), a 1x1 conv to 1280, average pool, fc 1000.
    # Widths as torchvision's efficientnet_b0 (models/efficientnet.py): squeeze-and-excitation
    # of max(1, block input channels / 4); batch norm folds into the convs; SiLU after every conv
    # but the projection; a residual add where stride 1 keeps the channels.
    x = draft.add(conv("stem", 3, 32, 224, 3, 2, 1), "analog")
    x = draft.add({"name": "stem.silu", "kind": "activation", "function": "silu"}, "analog")
    cin, size = 32, 112
    for stage, (t, k, s, cout, n) in enumerate(EFFICIENTNET_B0_STAGES, start=1):
        for block in range(1, n + 1):
            stride = s if block == 1 else 1
            x = _mbconv(draft, f"s{stage}.{block}", x, cin, cout, size, k, stride, t)
            cin, size = cout, size // stride
    draft.add(conv("head", 320, 1280, 7, 1), "analog")
    draft.add({"name": "head.silu", "kind": "activation", "function": "silu"}, "analog")
    draft.add({"name": "avgpool", "kind": "reduce", "axes": [1, 2], "mode": "mean"}, "analog")
    draft.add(dense("fc", 1280, 1000), "analog")
    return ANN_INPUT, 1, "one pass (ANN)", {}


#: Tan & Le 2019, Table 1: (expansion t, kernel k, first stride s, output channels c, blocks n).
EFFICIENTNET_B0_STAGES = ((1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
                          (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1))


def _mbconv(draft: Draft, tag: str, source: str, cin: int, cout: int, size: int, kernel: int, stride: int,
            expand: int) -> str:
    """An MBConv block reading ``source`` (cin x size x size); returns its output's name. The SE
    block is a mean over the map, two 1x1 convs on one pixel (dense layers), SiLU, sigmoid and a
    per-channel scale (a broadcast ``mul``): elementwise ops on the vector unit."""
    hidden = cin * expand
    silu = {"kind": "activation", "function": "silu"}
    x = source
    if expand != 1:
        draft.add(conv(f"{tag}.expand", cin, hidden, size, 1, input_from=source), "analog")
        x = draft.add({"name": f"{tag}.expand.silu", **silu}, "analog")
    draft.add(conv(f"{tag}.dw", hidden, hidden, size, kernel, stride, (kernel - 1) // 2, groups=hidden,
                   input_from=x), "analog")
    x = draft.add({"name": f"{tag}.dw.silu", **silu}, "analog")
    squeeze = max(1, cin // 4)
    draft.add({"name": f"{tag}.se.pool", "kind": "reduce", "axes": [1, 2], "mode": "mean"}, "analog")
    draft.add(dense(f"{tag}.se.fc1", hidden, squeeze), "analog")
    draft.add({"name": f"{tag}.se.silu", **silu}, "analog")
    draft.add(dense(f"{tag}.se.fc2", squeeze, hidden), "analog")
    scale = draft.add({"name": f"{tag}.se.sigmoid", "kind": "activation", "function": "sigmoid"}, "analog")
    draft.add({"name": f"{tag}.se.scale", "kind": "mul", "input_from": x, "other_from": scale}, "analog")
    out = draft.add(conv(f"{tag}.project", hidden, cout, size // stride, 1), "analog")
    if stride == 1 and cin == cout:
        out = draft.add(add(f"{tag}.add", out, source), "derived")
    return out


def _dvs_gesture_scnn(draft: Draft) -> tuple[Density, int, str, dict]:
    # An event CNN sized for SNE (Di Mauro et al., DATE 2022; chips.md): 4-bit weights as SNE,
    # DVS128 events summed 4x4 to 2x32x32 as DECOLLE's DVS Gesture network (Kaiser et al.,
    # Front. Neurosci. 2020, Table 2), three 3x3 conv + 2x2 sum-pool stages (16, 32, 32 channels,
    # dse's sizing) and 11 gesture classes. LIF with beta 0.9 as the digits SNN (accuracy_digits.md).
    lif = {"neuron": DIGITS_LIF, "weight_bits": 4}
    layers: list[tuple[Layer, str]] = []
    size, cin = 32, 2
    for stage, width in enumerate((16, 32, 32), start=1):
        layers += [(conv(f"conv{stage}", cin, width, size, 3, padding=1, **lif), "spikes"),
                   (pool(f"pool{stage}", 2, mode="sum", weight_bits=4), "derived")]
        size, cin = size // 2, width
    layers += [(flatten(), "derived"), (dense("fc", 32 * 4 * 4, 11, **lif), "spikes")]
    for layer, emits in layers:
        draft.add(layer, emits)  # type: ignore[arg-type]
    # T = 20 frames per sample, as Fang et al. (ICCV 2021) use on DVS128 Gesture.
    return SNE_INPUT, 20, "published: 20 frames per sample as Fang et al., ICCV 2021", {}


def _shd_rsnn(draft: Draft) -> tuple[Density, int, str, dict]:
    # Spiking Heidelberg Digits (Cramer et al., IEEE TNNLS 33(7), 2022): 700 cochlea channels,
    # 20 classes; one recurrent layer of 128 LIF neurons and a leaky-integrator readout (dse's
    # sizing of the recurrent SNNs Cramer et al. train), LIF beta 0.9 as accuracy_digits.md.
    draft.add(dense("rec", 700, 128, recurrent=True, neuron=DIGITS_LIF), "spikes")
    draft.add(dense("readout", 128, 20, neuron={"model": "LIF", "leak": 0.9, "reset": "none"}), "analog")
    # T = 100 steps of 10 ms over SHD's roughly one-second utterances (dse's binning).
    input_default = Density(0.1, "default: input spikes 0.1 per channel and step, densest case of Ottati et al. "
                            "2023 (ottati2023.md)")
    return input_default, 100, "dse's choice: 100 steps of 10 ms per SHD utterance", {}


#: Spikformer and the Spike-driven Transformer use spikingjelly's LIF with tau = 2 (decay
#: 1 − 1/tau = 0.5 per step), threshold 1 and hard reset (Zhou et al. 2023, Yao et al. 2023).
SPIKING_TRANSFORMER_LIF = {"model": "LIF", "leak": 0.5, "threshold": 1.0, "reset": "zero"}
SPIKING_TRANSFORMER_T = "published: T = 4 (Zhou et al., ICLR 2023; Yao et al., NeurIPS 2023)"


def _vit(draft: Draft) -> tuple[Density, int, str, dict]:
    zoo_transformers.vit_b16(draft)
    return ANN_INPUT, 1, "one pass (ANN)", {}


def _bert(draft: Draft) -> tuple[Density, int, str, dict]:
    zoo_transformers.bert_base(draft, 128)
    return ANN_INPUT, 1, "one pass (ANN)", {}


def _gpt2(draft: Draft, seq: int = 1024) -> tuple[Density, int, str, dict]:
    zoo_transformers.gpt2_small(draft, seq)
    return ANN_INPUT, 1, "one pass (ANN)", {}


def _spikformer(draft: Draft) -> tuple[Density, int, str, dict]:
    zoo_transformers.spikformer_cifar10(draft, SPIKING_TRANSFORMER_LIF)
    return ANN_INPUT, 4, SPIKING_TRANSFORMER_T, {}


def _sdt(draft: Draft) -> tuple[Density, int, str, dict]:
    zoo_transformers.sdt_imagenet(draft, SPIKING_TRANSFORMER_LIF)
    return ANN_INPUT, 4, SPIKING_TRANSFORMER_T, {}


ENTRIES: dict[str, Entry] = {e.name: e for e in (
    Entry("paper-cnn", "SNN", "conv 512x14x14 -> 1x12x12, 3x3 (the seed paper's CNN case)",
          "Ottati et al., IEEE JETCAS 2023 (ottati2023.md)", _paper_cnn),
    Entry("paper-fc", "SNN", "dense 1024 -> 512 (the seed paper's fully connected case)",
          "fabrizio-ottati/to-spike-or-not, sparsity-analysis-rnn.py", _paper_fc),
    Entry("digits-mlp", "ANN", "MLP 64-128-10 on scikit-learn digits (9,472 MACs)",
          "accuracy_digits.md, metrics.md", _digits_mlp),
    Entry("lenet5-mnist", "ANN", "LeNet-5, 32x32 input, 416,520 MACs",
          "LeCun et al., Proc. IEEE 1998", _lenet5),
    Entry("vgg9-cifar10", "ANN", "VGG9 on CIFAR-10 (7 conv + 2 fc)",
          "Simonyan & Zisserman 2015; Lee et al., Front. Neurosci. 2020", _vgg9),
    Entry("resnet18-imagenet", "ANN", "ResNet-18 on 224x224 with residual adds and projections",
          "He et al., CVPR 2016, Table 1", _resnet18),
    Entry("mobilenetv1-imagenet", "ANN", "MobileNet v1 1.0-224, depthwise separable",
          "Howard et al., arXiv 1704.04861, Table 1", _mobilenetv1),
    Entry("efficientnet-b0-imagenet", "ANN", "EfficientNet-B0 at 224x224, MBConv with squeeze-and-excitation, "
          "0.39 G MACs", "Tan & Le, ICML 2019, Table 1; torchvision efficientnet_b0", _efficientnet_b0),
    Entry("dvs-gesture-scnn", "SNN", "event CNN for DVS Gesture sized for SNE, 4-bit weights, T=20",
          "Di Mauro et al., DATE 2022 (chips.md); Kaiser et al. 2020", _dvs_gesture_scnn),
    Entry("shd-rsnn", "SNN", "recurrent SNN 700-128(rec)-20 on Spiking Heidelberg Digits, T=100",
          "Cramer et al., IEEE TNNLS 2022", _shd_rsnn),
    Entry("vit-b16-imagenet", "ANN", "ViT-B/16 at 224x224: 197 tokens, 12 blocks, 17.56 G MACs (0.72 G attention)",
          "Dosovitskiy et al., ICLR 2021, Table 1", _vit),
    Entry("bert-base-seq128", "ANN", "BERT-base encoder on 128 tokens, 12 blocks",
          "Devlin et al., NAACL 2019", _bert),
    Entry("gpt2-small", "ANN", "GPT-2 small prefill of seq tokens (zoo:gpt2-small@seq=N, default 1024)",
          "Radford et al. 2019 (GPT-2 small: 12 layers, d 768)", _gpt2, ("seq",)),
    Entry("spikformer-cifar10", "SNN", "Spikformer-4-384 on CIFAR-10, SSA attention, T=4",
          "Zhou et al., ICLR 2023", _spikformer),
    Entry("spike-driven-transformer-imagenet", "SNN", "Spike-driven Transformer 8-512, SDSA attention, T=4",
          "Yao et al., NeurIPS 2023", _sdt),
)}


def build(name: str, ref: str) -> Loaded:
    """The zoo network ``name``; DseInputError listing the names if there is none."""
    name, _, knob_text = name.partition("@")
    entry = ENTRIES.get(name)
    if entry is None:
        raise DseInputError(f"{ref}: no such zoo workload (known: {', '.join(ENTRIES)})")
    knobs = _knobs(ref, knob_text, entry)
    draft = Draft(ref)
    network_input, timesteps, timesteps_source, measured = entry.make(draft, **knobs)
    return draft.build(entry.name, network_input, timesteps=timesteps, timesteps_source=timesteps_source,
                       measured=measured)


def _knobs(ref: str, text: str, entry: Entry) -> dict[str, int]:
    """``seq=512`` (comma-separated) as {knob: value}; DseInputError naming what is allowed."""
    knobs: dict[str, int] = {}
    for item in filter(None, text.split(",")):
        key, _, value = item.partition("=")
        if key not in entry.knobs or not value.isdigit() or int(value) < 1:
            allowed = ", ".join(f"{k}=<positive int>" for k in entry.knobs) or "none"
            raise DseInputError(f"{ref}: bad knob '{item}' for zoo:{entry.name} (allowed: {allowed})")
        knobs[key] = int(value)
    return knobs
