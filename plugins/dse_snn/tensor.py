"""Tensor layers on the event-driven chip: matmul, mul, reduce, softmax, layernorm, activation.

Spiking self-attention comes in two forms, both written with the schema's layer kinds
(docs/transformers.md) and costed here from the producing layers' neurons (an operand is
binary when the layer that wrote it has a spiking neuron):

- Spikformer's SSA (Zhou et al., ICLR 2023): binary Q, K, V, no softmax; Q·Kᵀ is a
  ``matmul`` of two spike tensors, an AND and a popcount increment per pair of coincident
  spikes: r_Q·r_K·N²·d pairs per head set and step.
- The Spike-driven Transformer's SDSA (Yao et al., NeurIPS 2023): Q ⊙ K is a binary ``mul``
  (an AND per Q spike), its column sum a ``reduce`` (an add per spike), a spiking neuron,
  then a ``mul`` mask on V: linear in N.

Per step, A the first operand (density d_A), B the second (d_B):

- events: d_A·|A| input events, delivered, read from the queue and routed as pooling's are;
- pairs: ``matmul`` macs·d_A·d_B, ``mul`` |out|·d_A·d_B; each an ``accumulate`` when an
  operand is binary (both binary: AND + popcount increment), a multiply + accumulate when
  neither is;
- operand reads (memory traffic, state SRAM): per A event of a matmul, B's row of n values,
  as an n-bit spike bitmap when B is binary, else its d_B·n non-zero values at activation
  width; per A event of a mul, one B value (1 bit or activation width);
- ``reduce``: one accumulate per input event;
- ``softmax``, ``layernorm``, ``activation`` (not spiking maths on a spiking chip): their
  ``vector_ops`` on the PEs at membrane width, an add as an ``accumulate``, a multiply as
  ``mul_energy(m, m)``, a nonlinear evaluation as two adds and two multiplies (I-BERT's
  polynomial, Kim et al., ICML 2021), every input read and every output written once in the
  state SRAM at activation width;
- outputs: a spiking output writes its spikes as events; a multi-bit one writes every value
  once in the state SRAM (attention scores, sums).

Cycles per step: max(events, (pairs + vector ops) / (cores·PEs)) + operand words / cores
(the chip's cores share the work; one state-SRAM word per cycle per core).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dse import MatmulLayer, MulLayer, ReduceLayer, Technology
from dse_snn.columns import Columns
from dse_snn.energies import Widths
from dse_snn.lookup import per_width

#: I-BERT's second-order polynomial per nonlinear evaluation (Kim et al., ICML 2021).
NONLINEAR_ADDS, NONLINEAR_MULS = 2, 2


@dataclass(frozen=True)
class TensorDemand:
    """One tensor layer's per-step work (expected values)."""

    pairs: float = 0.0  # coincident non-zero operand pairs (matmul, mul) or reduce accumulates
    multiply: bool = False  # neither operand binary: each pair multiplies
    operand_bits: float = 0.0  # bits of the second operand read from the state SRAM
    adds: float = 0.0  # vector adds / compares of non-spiking maths
    muls: float = 0.0
    nonlinear: float = 0.0
    value_words: float = 0.0  # multi-bit words read and written in the state SRAM


def demand(layer, binary: tuple[bool, bool]) -> TensorDemand:
    """The work of a tensor layer; ``binary``: whether its first and second operands are spikes."""
    d_a = layer.input_density
    spiking_out = layer.neuron.spiking
    out_words = 0.0 if spiking_out else float(layer.out_neurons)  # multi-bit outputs are written
    compares = float(layer.out_neurons) if spiking_out else 0.0  # a threshold compare per neuron
    if isinstance(layer, (MatmulLayer, MulLayer)):
        d_b = layer.resolved_other_density
        count = layer.macs if isinstance(layer, MatmulLayer) else layer.out_neurons
        events = d_a * layer.in_neurons
        b_bits = 1.0 if binary[1] else d_b * layer.activation_bits
        row = layer.n if isinstance(layer, MatmulLayer) else 1
        return TensorDemand(pairs=count * d_a * d_b, multiply=not (binary[0] or binary[1]),
                            operand_bits=events * row * b_bits, adds=compares, value_words=out_words)
    if isinstance(layer, ReduceLayer):
        return TensorDemand(pairs=d_a * layer.in_neurons, adds=compares, value_words=out_words)
    ops = layer.vector_ops
    return TensorDemand(adds=ops.get("add", 0) + compares, muls=ops.get("mul", 0),
                        nonlinear=ops.get("nonlinear", 0), value_words=layer.in_neurons + out_words)


def tensor_energy(work: TensorDemand, t: np.ndarray, w: Widths, e: dict[str, np.ndarray],
                  tech: Technology) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(breakdown pJ, counts) of the pairs, operand reads and vector maths over T steps."""
    mul = per_width(lambda b: tech.mul_energy(b, b), w.membrane)
    state_bit = e["state_read"] / w.membrane
    pairs = t * work.pairs
    adds = t * (work.adds + NONLINEAR_ADDS * work.nonlinear)
    muls = t * (work.muls + NONLINEAR_MULS * work.nonlinear)
    counts = {"operand_pairs": pairs, "operand_bits_read": t * work.operand_bits, "vector_adds": adds,
              "vector_muls": muls, "state_words": 2 * t * work.value_words}
    breakdown = {
        "compute": pairs * (e["accumulate"] + (mul if work.multiply else 0.0)) + adds * e["accumulate"]
        + muls * mul,
        "neuron_state": t * work.operand_bits * state_bit
        + t * work.value_words * (e["state_read"] + e["state_write"]),
    }
    return breakdown, counts


def tensor_cycles(work: TensorDemand, events: float, w: Widths, p: Columns) -> np.ndarray:
    """Cycles per step on all of the chip's cores (a state-SRAM word of membrane width per cycle and core)."""
    pes = p["cores"] * p["pes_per_core"]
    ops = work.pairs + work.adds + work.muls + work.nonlinear * (NONLINEAR_ADDS + NONLINEAR_MULS)
    words = work.value_words + work.operand_bits / w.membrane
    return np.maximum(events, ops / pes) + words / p["cores"]
