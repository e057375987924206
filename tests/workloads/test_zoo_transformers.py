"""Transformer zoo entries: sizes against the papers, and every one costed on every built-in backend."""

from __future__ import annotations

import math

import pytest
from dse_workloads.zoo import build

from dse import Architecture, DseInputError
from dse.evaluation.evaluate import evaluate, resolve

TRANSFORMERS = ("vit-b16-imagenet", "bert-base-seq128", "gpt2-small@seq=64", "spikformer-cifar10",
                "spike-driven-transformer-imagenet")


def test_vit_b16_macs_match_the_paper() -> None:
    w = build("vit-b16-imagenet", "zoo:vit-b16-imagenet").workload
    attention = sum(layer.macs for layer in w.layers if layer.kind == "matmul")
    # per block 2 matmuls x 12 heads x 197 x 197 x 64 = 59,610,624; x 12 blocks = 715,327,488
    assert attention == 715_327_488
    # + 12 x 197 x (4 x 768² + 2 x 768 x 3072) = 16,732,127,232 linear, 197 x 768² patch embedding
    # (116,195,328) and the 768 x 1000 head: 17,564,418,048 ≈ 17.56 G (ViT-B/16's published figure)
    assert w.macs == 17_564_418_048
    assert round(w.macs / 1e9, 2) == 17.56 and round(attention / 1e9, 2) == 0.72


def test_gpt2_sequence_knob_grows_attention_quadratically() -> None:
    def matmul_macs(seq: int) -> int:
        w = build(f"gpt2-small@seq={seq}", f"zoo:gpt2-small@seq={seq}").workload
        return sum(layer.macs for layer in w.layers if layer.kind == "matmul")

    # 12 blocks x 2 x 12 heads x seq² x 64
    assert matmul_macs(64) == 12 * 2 * 12 * 64 * 64 * 64
    assert matmul_macs(128) == 4 * matmul_macs(64)
    with pytest.raises(DseInputError, match="bad knob 'len=3'"):
        build("gpt2-small@len=3", "zoo:gpt2-small@len=3")


def test_spiking_transformers_have_their_published_sizes() -> None:
    # Zhou et al. 2023: Spikformer-4-384 has 9.32 M parameters (batch norm and biases included)
    spikformer = build("spikformer-cifar10", "zoo:spikformer-cifar10").workload
    assert sum(layer.weights for layer in spikformer.layers) == pytest.approx(9.32e6, rel=0.01)
    # Yao et al. 2023: Spike-driven Transformer 8-512 has 29.68 M parameters
    sdt = build("spike-driven-transformer-imagenet", "zoo:spike-driven-transformer-imagenet").workload
    assert sum(layer.weights for layer in sdt.layers) == pytest.approx(29.68e6, rel=0.01)
    assert spikformer.timesteps == sdt.timesteps == 4
    assert not any(layer.kind == "matmul" for layer in sdt.layers)  # SDSA: no N² matmul


@pytest.mark.parametrize("name", TRANSFORMERS)
@pytest.mark.parametrize("backend", ["systolic", "snn", "hybrid"])
def test_every_transformer_evaluates_on_every_built_in_backend(plugins, name: str, backend: str) -> None:
    workload = plugins.loaders.get("zoo").load(f"zoo:{name}")
    params = {"split_after": len(workload.layers) // 2} if backend == "hybrid" else {}
    design = resolve(Architecture(backend=backend, technology="horowitz45", params=params), plugins)
    cost = evaluate(workload, design)
    assert math.isfinite(cost.energy_pj) and cost.energy_pj > 0
    assert sum(cost.breakdown.values()) == pytest.approx(cost.energy_pj)
