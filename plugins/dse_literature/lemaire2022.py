"""Lemaire et al., "An Analytical Estimation of Spiking Neural Networks Energy Efficiency" (ICONIP 2022).

Counts restated from docs/references/lemaire2022.md, with the two corrections of the
authors' public implementation (LEAT-EDGE/qualia-plugin-snn): a dense SNN layer makes
θ_in·N_out accumulates (not θ_in·N_in·N_out) and counts the reset adds θ_out.

Every memory access costs E_ram(bits) = 1.09e-5·bits + 13.2 pJ, a linear fit through
Horowitz's 8 KB / 32 KB / 1 MB reads, evaluated at the size of the memory holding the
operand: the weight tensor for weights, the bias vector for biases, the input tensor for ANN
inputs, the output tensor for potentials and ANN outputs, and the spike FIFO (size 0
unless set, as the paper) for spikes read and written. Memory words are as wide as the
layer's declared bits (potentials at ``activation_bits``). Defaults are the paper's 32-bit
integer operations: add 0.1 pJ, multiply 3.1 pJ (Horowitz 2014).

Groups: a grouped convolution's input spike reaches ``out_channels / groups`` channels (the
paper has no groups; the counts equal the paper's when groups = 1). Pooling and residual
adds, which the paper does not cost, are charged as reads, adds and writes.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dse import Conv2dLayer, DenseLayer, FlattenLayer, LayerCost, MatmulLayer, as_pair
from dse_literature.common import PerLayerBackend, empty, vector_operands


class LemaireParams(BaseModel):
    """Lemaire et al.'s constants: operations (pJ), the SRAM fit, the spike FIFO."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    e_add_pj: float = Field(0.1, gt=0, description="add (pJ): 32-bit integer, Horowitz 2014")
    e_mul_pj: float = Field(3.1, gt=0, description="multiply (pJ): 32-bit integer, Horowitz 2014")
    ram_pj_per_bit: float = Field(1.09e-5, ge=0, description="slope of E_ram in the memory size (pJ per bit stored)")
    ram_offset_pj: float = Field(13.2, ge=0, description="E_ram at zero size (pJ per access)")
    spike_fifo_entries: int = Field(0, ge=0, description="spike FIFO entries (each activation_bits wide); 0 as the paper")
    bias: bool = Field(True, description="layers have biases (read and added once per output per step)")
    neuron: Literal["auto", "IF", "LIF"] = Field(
        "auto", description="IF (no leak) or LIF (a leak MAC per neuron per step); auto: from the layer's neuron"
    )
    clock_mhz: float = Field(100.0, gt=0, le=1e5, allow_inf_nan=False, description="clock for the one-operation-per-cycle latency (MHz)")

    def e_ram(self, bits: float) -> float:
        """Energy of one access to a memory of ``bits`` (pJ)."""
        return self.ram_pj_per_bit * bits + self.ram_offset_pj


def _ops(p: LemaireParams, macs: float, adds: float) -> float:
    return macs * (p.e_mul_pj + p.e_add_pj) + adds * p.e_add_pj


def _kernel(layer) -> tuple[int, int, int, int]:
    """(H_k, W_k, S_h, S_w) of a conv, (1, 1, 1, 1) otherwise."""
    if isinstance(layer, Conv2dLayer):
        (kh, kw), (sh, sw) = as_pair(layer.kernel), as_pair(layer.stride)
        return kh, kw, sh, sw
    return 1, 1, 1, 1


class Lemaire2022Ann(PerLayerBackend):
    name = "lemaire2022-ann"
    description = "Lemaire et al. 2022: formal (ANN) layer, every operand read from SRAM"
    Params = LemaireParams

    def layer_cost(self, layer, timesteps: int, p: LemaireParams) -> LayerCost:
        if isinstance(layer, FlattenLayer):
            return empty(layer)
        ab, wb = layer.activation_bits, layer.weight_bits
        e_in, e_out = p.e_ram(layer.in_neurons * ab), p.e_ram(layer.out_neurons * ab)
        outputs = layer.out_neurons
        if vector_operands(layer):
            reads = vector_operands(layer) * layer.in_neurons
            counts = {"input_reads": reads, "adds": layer.elementwise_ops, "output_writes": outputs}
            breakdown = {"sram_input_read": reads * e_in, "sram_output_write": outputs * e_out,
                         "compute": _ops(p, 0, layer.elementwise_ops)}
            return LayerCost(name=layer.name, kind=layer.kind, breakdown=breakdown, latency_cycles=reads,
                             counts=counts, footprint_bits={"activations": outputs * ab})
        macs = layer.macs
        bias = outputs if p.bias else 0
        if isinstance(layer, (DenseLayer, MatmulLayer)):
            input_reads, addressing = layer.in_neurons, macs
        else:
            kh, kw, _, _ = _kernel(layer)
            input_reads = macs
            addressing = layer.in_neurons + outputs + layer.out_channels * kh * kw
        counts = {"macs": macs, "bias_adds": bias, "addressing_adds": addressing, "input_reads": input_reads,
                  "weight_reads": macs, "bias_reads": bias, "output_writes": outputs}
        breakdown = {
            "sram_input_read": input_reads * e_in,
            "sram_weight_read": macs * p.e_ram(layer.weights * wb),
            "sram_bias_read": bias * p.e_ram(outputs_bias_bits(layer, wb)),
            "sram_output_write": outputs * e_out,
            "compute": _ops(p, macs, bias),
            "addressing": _ops(p, 0, addressing),
        }
        footprint = {"weights": layer.weight_footprint_bits, "activations": outputs * ab}
        return LayerCost(name=layer.name, kind=layer.kind, breakdown=breakdown, latency_cycles=macs,
                         utilization=1.0, counts=counts, footprint_bits=footprint)


def outputs_bias_bits(layer, bits: int) -> int:
    """Size of the bias vector (bits): one bias per output channel or feature."""
    return layer.out_shape[0] * bits


class Lemaire2022Snn(PerLayerBackend):
    name = "lemaire2022-snn"
    description = "Lemaire et al. 2022: event-driven IF/LIF layer, a potential read-modify-write per synaptic event"
    Params = LemaireParams

    def layer_cost(self, layer, timesteps: int, p: LemaireParams) -> LayerCost:
        if isinstance(layer, FlattenLayer):
            return empty(layer)
        T, ab, wb = timesteps, layer.activation_bits, layer.weight_bits
        theta_in = layer.input_density * layer.in_neurons * T
        theta_out = layer.resolved_output_density * layer.out_neurons * T
        e_fifo = p.e_ram(p.spike_fifo_entries * ab)
        e_pot = p.e_ram(layer.out_neurons * ab)
        neurons = T * layer.out_neurons
        if vector_operands(layer):
            counts = {"spike_reads": theta_in, "accumulates": theta_in, "output_writes": theta_out}
            breakdown = {"sram_spike_read": theta_in * e_fifo, "sram_spike_write": theta_out * e_fifo,
                         "compute": _ops(p, 0, theta_in)}
            return LayerCost(name=layer.name, kind=layer.kind, breakdown=breakdown, latency_cycles=theta_in,
                             counts=counts, footprint_bits={"neuron_state": layer.out_neurons * ab})
        leaky = p.neuron == "LIF" or (p.neuron == "auto" and layer.neuron.leaky)
        leak_macs = neurons if leaky else 0
        bias_reads = neurons if p.bias else 0
        if isinstance(layer, (DenseLayer, MatmulLayer)):
            n_out = layer.n if isinstance(layer, MatmulLayer) else layer.out_features
            synaptic = theta_in * n_out
            accumulates = synaptic + neurons + theta_out
            weight_reads = synaptic
            addressing_macs, addressing_adds = 0.0, synaptic
            spike_reads, bias_reads = 0.0, 0
        else:
            kh, kw, sh, sw = _kernel(layer)
            c_out = layer.out_channels // layer.groups
            accumulates = theta_in * math.ceil(kh / sh) * math.ceil(kw / sw) * c_out + neurons + theta_out
            weight_reads = synaptic = theta_in * c_out * kh * kw
            addressing_macs, addressing_adds = 2 * theta_in, synaptic
            spike_reads = theta_in
        potential = synaptic + neurons
        counts = {"input_spikes": theta_in, "output_spikes": theta_out, "accumulates": accumulates,
                  "leak_macs": leak_macs, "spike_reads": spike_reads, "weight_reads": weight_reads,
                  "bias_reads": bias_reads, "potential_reads": potential, "potential_writes": potential,
                  "output_writes": theta_out, "addressing_macs": addressing_macs, "addressing_adds": addressing_adds}
        breakdown = {
            "sram_spike_read": spike_reads * e_fifo,
            "sram_weight_read": weight_reads * p.e_ram(layer.weights * wb),
            "sram_bias_read": bias_reads * p.e_ram(outputs_bias_bits(layer, wb)),
            "neuron_state": 2 * potential * e_pot,
            "sram_spike_write": theta_out * e_fifo,
            "compute": _ops(p, leak_macs, accumulates),
            "addressing": _ops(p, addressing_macs, addressing_adds),
        }
        footprint = {"weights": layer.weight_footprint_bits, "neuron_state": layer.out_neurons * ab}
        return LayerCost(name=layer.name, kind=layer.kind, breakdown=breakdown, latency_cycles=accumulates,
                         utilization=1.0, counts=counts, footprint_bits=footprint)
