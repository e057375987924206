"""Transformers for the zoo, written as the schema's layer kinds (docs/transformers.md).

An encoder block on N tokens of width d with H heads and an MLP of width f: a layernorm,
Q, K and V as token-wise dense layers, scores = Q·Kᵀ (matmul), softmax, P·V (matmul), the
output projection, a residual add, a layernorm, two MLP dense layers with a GELU between
and a residual add. Spiking blocks drop softmax and layernorm (batch norm folds into the
weights) and give every linear layer a spiking neuron; their attention is Spikformer's SSA
(spike matmuls, Zhou et al., ICLR 2023) or the Spike-driven Transformer's SDSA (a binary
mask, Yao et al., NeurIPS 2023).
"""

from __future__ import annotations

from typing import Any, Literal

from dse_workloads.loaded import Draft
from dse_workloads.zoo_layers import Layer, conv, dense, pool

Attention = Literal["softmax", "ssa", "sdsa"]


def _tok(name: str, n: int, d_in: int, d_out: int, source: str, **extra: Any) -> Layer:
    return dense(name, d_in, d_out, tokens=n, input_from=source, **extra)


def encoder_block(draft: Draft, p: str, source: str, n: int, d: int, heads: int, mlp: int,
                  attention: Attention = "softmax", neuron: dict[str, Any] | None = None) -> str:
    """Append one block reading ``source`` (n x d); returns the name of its output."""
    spiking = neuron is not None
    emits = "spikes" if spiking else "analog"
    extra: dict[str, Any] = {"neuron": neuron} if spiking else {}
    head = d // heads
    x = source
    if not spiking:
        x = draft.add({"name": f"{p}ln1", "kind": "layernorm", "input_from": source}, "analog")
    q = draft.add(_tok(f"{p}q", n, d, d, x, **extra), emits)
    k = draft.add(_tok(f"{p}k", n, d, d, x, **extra), emits)
    v = draft.add(_tok(f"{p}v", n, d, d, x, **extra), emits)
    if attention == "sdsa":  # SN(SUM_c(Q ⊙ K)) ⊙ V: linear in n
        draft.add({"name": f"{p}qk", "kind": "mul", "input_from": q, "other_from": k}, "derived")
        col = draft.add({"name": f"{p}colsum", "kind": "reduce", "axes": [0], "mode": "sum", "neuron": neuron},
                        "spikes")
        ctx = draft.add({"name": f"{p}mask", "kind": "mul", "input_from": v, "other_from": col}, "derived")
    else:
        draft.add({"name": f"{p}scores", "kind": "matmul", "heads": heads, "m": n, "k": head, "n": n,
                   "input_from": q, "other_from": k}, "analog")
        if attention == "softmax":
            draft.add({"name": f"{p}softmax", "kind": "softmax"}, "analog")
        ctx = draft.add({"name": f"{p}context", "kind": "matmul", "heads": heads, "m": n, "k": n, "n": head,
                         "other_from": v, **extra}, emits)
    draft.add(_tok(f"{p}proj", n, d, d, ctx, **extra), emits)
    r1 = draft.add({"name": f"{p}res1", "kind": "add", "skip_from": source}, "derived")
    x = r1 if spiking else draft.add({"name": f"{p}ln2", "kind": "layernorm"}, "analog")
    draft.add(_tok(f"{p}fc1", n, d, mlp, x, **extra), emits)
    if not spiking:
        draft.add({"name": f"{p}gelu", "kind": "activation", "function": "gelu"}, "analog")
    draft.add(dense(f"{p}fc2", mlp, d, tokens=n, **extra), emits)
    return draft.add({"name": f"{p}res2", "kind": "add", "skip_from": r1}, "derived")


def ann_encoder(draft: Draft, source: str, n: int, d: int, heads: int, mlp: int, depth: int) -> str:
    """``depth`` softmax-attention blocks; returns the last output's name."""
    for index in range(depth):
        source = encoder_block(draft, f"b{index}.", source, n, d, heads, mlp)
    return source


def spiking_stem(draft: Draft, channels: tuple[int, ...], size: int, pools: tuple[bool, ...],
                 neuron: dict[str, Any]) -> tuple[str, int]:
    """Spiking patch splitting: 3x3 convs (batch norm folded) each with a spiking neuron, max pools
    where ``pools`` says, then a relative position conv; returns (last name, final side)."""
    cin = 3
    last = ""
    for index, (cout, pooled) in enumerate(zip(channels, pools, strict=True)):
        last = draft.add(conv(f"sps{index}", cin, cout, size, 3, padding=1, neuron=neuron), "spikes")
        if pooled:
            last = draft.add(pool(f"sps{index}.pool", 3, stride=2, padding=1), "derived")
            size //= 2
        cin = cout
    last = draft.add(conv("rpe", cin, cin, size, 3, padding=1, neuron=neuron), "spikes")
    return last, size


def vit_b16(draft: Draft) -> None:
    """ViT-B/16 at 224x224 (Dosovitskiy et al., ICLR 2021, Table 1: 12 layers, d 768, MLP 3072,
    12 heads): 196 patches of 16·16·3 = 768 values and the class token as a 197th (zero) row,
    so the patch embedding is a token-wise dense of 197·768·768 MACs (0.59 M above the
    convolution's 196 rows, 0.003 %). The head reads the mean token (a reduce) instead of
    gathering the class token; position embeddings (one add per element) are left out."""
    x = draft.add(dense("patch", 768, 768, tokens=197), "analog")
    x = ann_encoder(draft, x, 197, 768, 12, 3072, 12)
    draft.add({"name": "ln", "kind": "layernorm", "input_from": x}, "analog")
    draft.add({"name": "tokens", "kind": "reduce", "axes": [0], "mode": "mean"}, "analog")
    draft.add(dense("head", 768, 1000), "analog")


def bert_base(draft: Draft, seq: int = 128) -> None:
    """BERT-base encoder (Devlin et al., NAACL 2019: 12 layers, d 768, 12 heads, MLP 3072) on
    ``seq`` tokens; the input is the summed embeddings (lookups cost no MACs)."""
    x = draft.add({"name": "emb.ln", "kind": "layernorm", "in_shape": [seq, 768]}, "analog")
    ann_encoder(draft, x, seq, 768, 12, 3072, 12)


def gpt2_small(draft: Draft, seq: int) -> None:
    """GPT-2 small prefill of ``seq`` tokens (Radford et al. 2019: 12 layers, d 768, 12 heads,
    MLP 3072, vocabulary 50,257): pre-LN blocks, causal attention computed in full (as the
    reference implementation does, masking after Q·Kᵀ), the final layernorm and the tied LM
    head on every token."""
    x = draft.add({"name": "emb", "kind": "add", "in_shape": [seq, 768]}, "analog")
    x = ann_encoder(draft, x, seq, 768, 12, 3072, 12)
    draft.add({"name": "ln_f", "kind": "layernorm", "input_from": x}, "analog")
    draft.add(dense("lm_head", 768, 50257, tokens=seq), "analog")


def spiking_encoder(draft: Draft, source: str, n: int, d: int, heads: int, mlp: int, depth: int,
                    attention: Attention, neuron: dict[str, Any], classes: int) -> None:
    for index in range(depth):
        source = encoder_block(draft, f"b{index}.", source, n, d, heads, mlp, attention, neuron)
    draft.add({"name": "tokens", "kind": "reduce", "axes": [0], "mode": "mean", "input_from": source}, "derived")
    draft.add(dense("head", d, classes), "analog")


def spikformer_cifar10(draft: Draft, neuron: dict[str, Any]) -> None:
    """Spikformer-4-384 on CIFAR-10 (Zhou et al., ICLR 2023; ZK-Zhou/spikformer, cifar10/model.py):
    SPS convs 3→48→96→192→384, max pools after the third and fourth (32 → 8: 64 tokens),
    a position conv, 4 blocks of d 384, 12 heads, MLP 1536, SSA attention."""
    x, side = spiking_stem(draft, (48, 96, 192, 384), 32, (False, False, True, True), neuron)
    spiking_encoder(draft, x, side * side, 384, 12, 1536, 4, "ssa", neuron, 10)


def sdt_imagenet(draft: Draft, neuron: dict[str, Any]) -> None:
    """Spike-driven Transformer 8-512 on ImageNet (Yao et al., NeurIPS 2023): SPS convs
    3→64→128→256→512 each followed by a max pool (224 → 14: 196 tokens), a position conv,
    8 blocks of d 512, 8 heads, MLP 2048, SDSA attention."""
    x, side = spiking_stem(draft, (64, 128, 256, 512), 224, (True, True, True, True), neuron)
    spiking_encoder(draft, x, side * side, 512, 8, 2048, 8, "sdsa", neuron, 1000)
