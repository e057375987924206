"""The zoo: sizes against the cited papers, and every entry costed by the four literature backends."""

from __future__ import annotations

import logging
import math

import pytest
from dse_workloads.zoo import ENTRIES, build

from dse import Architecture
from dse.evaluation.evaluate import evaluate, resolve
from tests.workloads.conftest import layers_by_name

BACKENDS = ("ottati2023-ann", "ottati2023-snn", "lemaire2022-ann", "lemaire2022-snn")


@pytest.mark.parametrize("name", sorted(ENTRIES))
@pytest.mark.parametrize("backend", BACKENDS)
def test_every_entry_evaluates_on_every_literature_backend(plugins, name: str, backend: str) -> None:
    workload = plugins.loaders.get("zoo").load(f"zoo:{name}")
    design = resolve(Architecture(backend=backend, technology="horowitz45"), plugins)
    cost = evaluate(workload, design)
    assert math.isfinite(cost.energy_pj) and cost.energy_pj > 0
    assert sum(cost.breakdown.values()) == pytest.approx(cost.energy_pj)
    assert [lc.name for lc in cost.layers] == [l.name for l in workload.layers]


def test_paper_cnn_gives_the_published_snn_energy(plugins) -> None:
    design = resolve(Architecture(backend="ottati2023-snn", technology="horowitz45"), plugins)
    cost = evaluate(build("paper-cnn", "zoo:paper-cnn").workload, design)
    assert cost.energy_pj == pytest.approx(189_480, rel=0.01)  # ottati2023.md, 90 % sparsity, 189.48 nJ


def test_paper_fc_snn_energy_by_hand(plugins) -> None:
    design = resolve(Architecture(backend="ottati2023-snn", technology="horowitz45"), plugins)
    cost = evaluate(build("paper-fc", "zoo:paper-fc").workload, design)
    # ottati2023.md per step: events 1024*512*0.1 = 52,428.8 at 2.8425 pJ (spike read 0.3125 + weight
    # 2.5 + add 0.03) = 149,028.864; all 512 neurons active (1 - 0.9^1024 ≈ 1): 2*512*2.5 = 2,560
    # potential traffic + 512*(0.2 + 0.03) = 117.76; 51.2 output spikes * 0.03 = 1.536; 512 spike
    # writes * 0.3125 = 160 → 151,868.16 pJ
    assert cost.energy_pj == pytest.approx(151_868.16, rel=1e-9)


def test_sizes_match_the_cited_papers() -> None:
    def size(name: str) -> tuple[int, int]:
        workload = build(name, f"zoo:{name}").workload
        return workload.macs, sum(l.weights for l in workload.layers)

    # torchvision's ResNet-18: 1.81 GFLOPs (MACs) and 11,689,512 parameters, of which batch norm
    # 2*(64 + 4*64 + 5*128 + 5*256 + 5*512) = 9,600 and the fc bias 1,000 are not weights
    macs, weights = size("resnet18-imagenet")
    assert macs == pytest.approx(1.81e9, rel=0.005) and weights == 11_689_512 - 9_600 - 1_000
    # Howard et al. 2017, Table 1: 569 million mult-adds, 4.2 million parameters
    macs, weights = size("mobilenetv1-imagenet")
    assert macs == pytest.approx(569e6, rel=0.001) and weights == pytest.approx(4.2e6, rel=0.01)
    # LeNet-5: 6*28*28*25 + 16*10*10*150 + 120*400 + 84*120 + 10*84 = 416,520
    assert size("lenet5-mnist")[0] == 416_520
    # VGG9: 1,769,472 + 37,748,736 + 18,874,368 + 3 * 37,748,736 + 18,874,368 + 4,194,304 + 10,240
    assert size("vgg9-cifar10")[0] == 194_717_696
    # event CNN: 16*32*32*18 + 32*16*16*144 + 32*8*8*288 + 512*11 = 2,070,016
    assert size("dvs-gesture-scnn")[0] == 2_070_016
    # SHD: 128 * (700 + 128) recurrent + 20 * 128 readout = 108,544
    assert size("shd-rsnn")[0] == 108_544


def test_efficientnet_b0_has_the_published_macs_and_forward_hook_count() -> None:
    workload = build("efficientnet-b0-imagenet", "zoo:efficientnet-b0-imagenet").workload
    # Tan & Le 2019, Table 2: 0.39 B FLOPS (multiply-adds) at 224x224 and 5.3 M parameters; of
    # torchvision's 5,288,548 parameters, 5,236,192 are conv and linear weights (no batch norm, no bias)
    assert round(workload.macs / 1e9, 2) == 0.39
    assert sum(l.weights for l in workload.layers) == 5_236_192
    # 16 blocks, each an SE block: mean over the map, two 1x1 convs, SiLU, sigmoid, channel scale
    scales = [l for l in workload.layers if l.kind == "mul"]
    assert len(scales) == 16 and scales[0].other_from == "s1.1.se.sigmoid" and scales[0].out_shape == (32, 112, 112)
    assert scales[0].vector_ops == {"mul": 32 * 112 * 112}
    torch = pytest.importorskip("torch")
    from tests.workloads import torch_nets

    # torchvision's efficientnet_b0, rebuilt layer for layer, counted by forward hooks at 224x224
    assert workload.macs == torch_nets.hook_macs(torch_nets.EfficientNetB0().eval(), torch.zeros(1, 3, 224, 224))
    assert workload.macs == 385_814_752


def test_lenet5_c3_connection_table_as_weight_density() -> None:
    c3 = layers_by_name(build("lenet5-mnist", "zoo:lenet5-mnist").workload)["c3"]
    # LeCun et al. 1998, Table I: 60 of 96 map pairs → 1,500 of 2,400 weights (1,516 params - 16 biases)
    assert c3.weights * c3.weight_density == pytest.approx(1_500)


def test_digits_mlp_reproduces_the_measured_effective_macs() -> None:
    workload = build("digits-mlp", "zoo:digits-mlp").workload
    assert workload.macs == 9_472 and workload.synops() == pytest.approx(5_193)  # metrics.md


def test_resnet18_residuals_use_input_from_and_skip_from() -> None:
    layers = layers_by_name(build("resnet18-imagenet", "zoo:resnet18-imagenet").workload)
    adds = [l for l in layers.values() if l.kind == "add"]
    downsamples = [l for l in layers.values() if l.name.endswith("downsample")]
    assert len(adds) == 8 and len(downsamples) == 3
    ds = layers["layer2.1.downsample"]
    assert (ds.input_from, ds.stride, ds.out_shape) == ("layer1.2.add", 2, (128, 28, 28))
    assert layers["layer2.1.add"].skip_from == "layer2.1.downsample"
    assert layers["layer1.1.add"].skip_from == "maxpool"
    assert layers["fc"].in_features == 512


def test_recurrent_and_quantised_entries() -> None:
    rec = layers_by_name(build("shd-rsnn", "zoo:shd-rsnn").workload)["rec"]
    assert (rec.recurrent, rec.in_features, rec.fan_in) == (True, 700, 828)
    dvs = build("dvs-gesture-scnn", "zoo:dvs-gesture-scnn").workload
    assert dvs.timesteps == 20 and {l.weight_bits for l in dvs.layers if l.weights} == {4}  # SNE: 4-bit weights
    assert dvs.layers[0].input_density == pytest.approx(0.049)  # SNE's 4.9 % input activity


def test_defaults_are_warned_and_cited_measurements_are_not(plugins, caplog) -> None:
    zoo = plugins.loaders.get("zoo")
    with caplog.at_level(logging.WARNING, logger="dse.workloads"):
        zoo.load("zoo:paper-cnn")
        zoo.load("zoo:digits-mlp")
    assert caplog.text == ""
    with caplog.at_level(logging.WARNING, logger="dse.workloads"):
        zoo.load("zoo:resnet18-imagenet")
    assert "default densities for 30 of 32 layers" in caplog.text
