"""The attention layer kinds on every built-in backend: counts by hand, batch = one at a time,
and energy that never falls with sequence length or spike rate."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dse import Workload
from dse.plugin.manager import make_plugins

PLUGINS = make_plugins()
H45 = PLUGINS.technology("horowitz45")
LIF = {"model": "LIF", "leak": 0.5}


def attention(n: int = 4, rate: float = 0.25, form: str = "ssa", timesteps: int = 2) -> Workload:
    """One head pair (2 heads of 4 features, d = 8) over n tokens: spike Q, K, V at ``rate``;
    ssa: Q·Kᵀ and (Q·Kᵀ)·V matmuls; sdsa: Q ⊙ K, a column sum with a neuron, a mask on V;
    softmax: an ANN head with softmax, a layernorm and a GELU."""
    spiking = form != "softmax"
    extra: dict[str, Any] = {"neuron": LIF, "output_density": rate} if spiking else {}
    d_in = rate if spiking else 1.0
    layers: list[dict[str, Any]] = [
        {"name": "q", "kind": "dense", "tokens": n, "in_features": 8, "out_features": 8, **extra},
        {"name": "k", "kind": "dense", "tokens": n, "in_features": 8, "out_features": 8, "input_from": "input",
         **extra},
        {"name": "v", "kind": "dense", "tokens": n, "in_features": 8, "out_features": 8, "input_from": "input",
         **extra},
    ]
    if form == "sdsa":
        layers += [
            {"name": "qk", "kind": "mul", "input_from": "q", "other_from": "k", "input_density": d_in},
            {"name": "colsum", "kind": "reduce", "axes": [0], "input_density": rate * rate, "neuron": LIF},
            {"name": "mask", "kind": "mul", "input_from": "v", "other_from": "colsum", "input_density": d_in},
        ]
    else:
        layers += [{"name": "scores", "kind": "matmul", "heads": 2, "m": n, "k": 4, "n": n, "input_from": "q",
                    "other_from": "k", "input_density": d_in}]
        if not spiking:
            layers += [{"name": "softmax", "kind": "softmax"}]
        layers += [{"name": "context", "kind": "matmul", "heads": 2, "m": n, "k": n, "n": 4, "other_from": "v"}]
    if not spiking:
        layers += [{"name": "ln", "kind": "layernorm"}, {"name": "gelu", "kind": "activation", "function": "gelu"}]
    return Workload.model_validate({"name": form, "timesteps": timesteps, "input_shape": [n, 8], "layers": layers})


def cost(backend: str, workload: Workload, **params: Any):
    b = PLUGINS.backend(backend)
    return b.cost(workload, b.parse_params(params), H45)


def test_systolic_matmul_refills_per_head_and_stages_its_activation_operand() -> None:
    layer = {lc.name: lc for lc in cost("systolic", attention(form="softmax")).layers}["scores"]
    assert layer.counts["macs"] == 2 * 4 * 4 * 4  # heads x m x k x n = 128
    # bandwidth model, 32 x 32 array, ws: per head Sr = K = 4 rows, Sc = n = 4 columns, T = m = 4:
    # two groups packed side by side on the diagonal (32 // 4 = 8 >= 2): 1 pass of 1 fold,
    # cycles = folds (T - 2) + g (2 Fc Sr + Fr Sc) = 1 x 2 + 2 x (8 + 4) = 26
    assert layer.counts["compute_cycles"] == 26
    # K (2 x 4 x 4 = 32 words) stays on chip: staged from the ofmap SRAM into the filter SRAM, no DRAM
    assert layer.counts["staged_operand_words"] == 32 and layer.counts["dram_filter_words"] == 0
    # ifmap and ofmap SRAMs of 1/8 KiB = 1,024 bits: a 32-token K (256 words x 8 = 2,048 bits) spills to
    # DRAM and comes back once (2 heads x 4 x 32 words fit the filter SRAM's active half)
    small = cost("systolic", attention(n=32, form="softmax"), ifmap_sram_kib=0.125, ofmap_sram_kib=0.125)
    scores = {lc.name: lc for lc in small.layers}["scores"]
    assert scores.counts["staged_operand_words"] == 0 and scores.counts["dram_filter_words"] == 2 * 4 * 32


def test_systolic_vector_unit_prices_softmax_by_operation_type() -> None:
    layers = {lc.name: lc for lc in cost("systolic", attention(form="softmax")).layers}
    softmax = layers["softmax"]
    # E = 2 x 4 x 4 = 32 scores in rows of 4 (R = 8): add 3E = 96, mul E = 32, nonlinear E + R = 40
    assert (softmax.counts["vector_ops"], softmax.counts["vector_muls"], softmax.counts["vector_nonlinear"]) == (
        168, 32, 40)
    assert softmax.counts["compute_cycles"] == 6  # ceil(168 / 32 lanes)
    add, mul = H45.add_energy(8), H45.mul_energy(8, 8)
    # 96 adds + 32 multiplies + 40 x (2 adds + 2 multiplies), I-BERT's polynomial
    assert softmax.breakdown["compute"] == pytest.approx(96 * add + 32 * mul + 40 * (2 * add + 2 * mul))
    given = {lc.name: lc for lc in cost("systolic", attention(form="softmax"), nonlinear_pj=5.0,
                                        vector_lanes=8).layers}["softmax"]
    assert given.breakdown["compute"] == pytest.approx(96 * add + 32 * mul + 40 * 5.0)
    assert given.counts["compute_cycles"] == 21  # ceil(168 / 8)


def test_snn_ssa_pairs_scale_with_both_spike_rates() -> None:
    layers = {lc.name: lc for lc in cost("snn", attention(rate=0.25)).layers}
    scores = layers["scores"]
    # 128 MACs x r_Q 0.25 x r_K 0.25 = 8 coincident spike pairs per step, T = 2: 16 AND + popcount adds
    assert scores.counts["operand_pairs"] == pytest.approx(16.0)
    # per Q spike (0.25 x 32 = 8 a step) K's row of n = 4 spike bits is read: 32 bits a step, 64 in all
    assert scores.counts["operand_bits_read"] == pytest.approx(64.0)
    # (Q·Kᵀ)·V: the scores are multi-bit (density 1.0 by default), V binary at 0.25: 128 x 0.25 x 2 = 64
    assert layers["context"].counts["operand_pairs"] == pytest.approx(64.0)


def test_snn_sdsa_is_linear_in_tokens() -> None:
    layers = {lc.name: lc for lc in cost("snn", attention(n=16, rate=0.25, form="sdsa")).layers}
    # Q ⊙ K over 16 x 8 elements: 128 x 0.25 x 0.25 = 8 ANDs a step, 16 in two steps
    assert layers["qk"].counts["operand_pairs"] == pytest.approx(16.0)
    # column sum: one accumulate per input spike, 128 x 0.0625 x 2 = 16
    assert layers["colsum"].counts["operand_pairs"] == pytest.approx(16.0)


@pytest.mark.parametrize("form", ["ssa", "sdsa", "softmax"])
@pytest.mark.parametrize("backend", ["systolic", "snn"])
def test_batch_equals_one_at_a_time(backend: str, form: str) -> None:
    workload = attention(n=8, form=form)
    rows = ([{"rows": 8, "cols": 16, "vector_lanes": None, "nonlinear_pj": None},
             {"rows": 16, "cols": 8, "vector_lanes": 4, "nonlinear_pj": 3.0},
             {"rows": 4, "cols": 4, "vector_lanes": 64, "nonlinear_pj": None}] if backend == "systolic" else
            [{"cores": 4, "pes_per_core": 8}, {"cores": 16, "pes_per_core": 2}, {"cores": 1, "pes_per_core": 32}])
    b = PLUGINS.backend(backend)
    batch = b.cost_batch(workload, pl.DataFrame(rows), H45)
    single = [cost(backend, workload, **{k: v for k, v in row.items() if v is not None}) for row in rows]
    # energy: plain sums against fsum's, within (components + layers)·2⁻⁵³ (dse.plugin.batching)
    bound = (12 + len(workload.layers)) * 2.0**-53
    np.testing.assert_allclose(batch["energy_pj"].to_numpy(), [c.energy_pj for c in single], rtol=bound, atol=0)
    assert np.array_equal(batch["latency_cycles"].to_numpy(), [c.latency_cycles for c in single])


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 24), rate=st.floats(0.0, 0.9), form=st.sampled_from(["ssa", "sdsa"]),
       backend=st.sampled_from(["snn", "hybrid"]))
def test_energy_never_falls_with_sequence_length_or_spike_rate(n: int, rate: float, form: str,
                                                              backend: str) -> None:
    def energy(tokens: int, r: float) -> float:
        params = {"split_after": 3} if backend == "hybrid" else {}
        return cost(backend, attention(n=tokens, rate=r, form=form), **params).energy_pj

    base = energy(n, rate)
    assert energy(n + 1, rate) >= base
    assert energy(n, min(1.0, rate + 0.1)) >= base


def test_hybrid_converts_both_operands_of_attention_that_cross_engines() -> None:
    """q, k, v on one engine, the attention matmuls on the other: Q and K cross into `scores`,
    V into `context` (its second operand), each converted once."""
    workload = attention(n=4, rate=0.25, form="ssa")  # T = 2, 2 heads of 4 features over 4 tokens
    lines = {lc.name: lc.breakdown for lc in cost("hybrid", workload, split_after=3).layers}
    # ANN -> SNN, rate coding: one draw per value and step, each an 8-bit compare (add) and a
    # 16-bit LFSR register update. Q as scores reads it: heads x m x k = 2 x 4 x 4 = 32 values;
    # K and V as produced: 4 tokens x 8 features = 32 values. 32 x 2 steps = 64 draws per tensor.
    draw = H45.add_energy(8) + H45.register_energy(16)
    assert lines["scores"]["conversion_rate_encoding"] == pytest.approx((64 + 64) * draw)
    assert lines["context"]["conversion_rate_encoding"] == pytest.approx(64 * draw)
    assert not any(key.startswith("conversion") for key in lines["q"])
    lines = {lc.name: lc.breakdown for lc in cost("hybrid", workload, split_after=3, order="snn_first").layers}
    # SNN -> ANN: a 2-bit counter (0..T = 2) per neuron of Q, K, V (32 each), bumped per spike:
    # 32 x 0.25 x 2 steps = 16 spikes, then read once
    counted = 16 * H45.add_energy(2) + 32 * H45.register_energy(2)
    assert lines["scores"]["conversion_spike_decoding"] == pytest.approx(2 * counted)
    assert lines["context"]["conversion_spike_decoding"] == pytest.approx(counted)
