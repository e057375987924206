"""The seed paper's per-event energy model (Ottati et al., IEEE JETCAS 13(4), 2023).

Restated from docs/references/ottati2023.md (the authors' `to-spike-or-not` script) as
expected values: no random draws. Constants are the paper's (Horowitz 45 nm, 8-bit):
``e_add`` 0.03 pJ, ``e_mul`` 0.2 pJ, ``e_mem`` 2.5 pJ per 8-bit SRAM word, a spike bit
``e_mem / 8``. Layers whose widths differ from 8 bits scale memory energy with the word
width, adds linearly and multiplies with the product of the widths (Aladdin's rule).

ANN (zero-skipping, no reuse), per output and non-zero input: weight read + activation read
+ multiply + add; each output written once. Non-zero inputs per output = fan-in × input
density (the paper's random 8-bit data has density d·255/256: set it in the workload).

SNN (crossbar-free, LIF, current summed in a register), per step and output neuron: per
input spike a spike read, a weight read and an add; if the neuron got any spike, a
potential read, a leak multiply, an add of the current, a write back; a compare-and-reset
add per output spike; one spike write per neuron. T steps per inference.

The paper models neither latency nor area. Here latency is one event per cycle on one
processing element (an honest lower bound on work, not a chip), and area is the SRAM
holding weights and activations (or potentials) at the technology's µm² per bit. Pooling
and residual adds, which the paper does not cost, are charged as memory traffic and adds
(ANN) or spike traffic and adds (SNN).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from dse import FlattenLayer, LayerCost
from dse_literature.common import PerLayerBackend, empty, vector_operands


class OttatiParams(BaseModel):
    """The paper's constants (pJ) and a clock for the one-event-per-cycle latency."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    e_add_pj: float = Field(0.03, gt=0, description="8-bit add (pJ), Horowitz 2014")
    e_mul_pj: float = Field(0.2, gt=0, description="8-bit multiply (pJ), Horowitz 2014")
    e_mem_pj: float = Field(2.5, gt=0, description="8-bit SRAM word access (pJ): 20 pJ per 64-bit read of 32 KB / 8")
    clock_mhz: float = Field(100.0, gt=0, le=1e5, allow_inf_nan=False, description="clock for the one-event-per-cycle latency (MHz)")


def _scale(p: OttatiParams, layer) -> tuple[float, float, float, float, float]:
    """(e_add, e_mul, weight word, activation word, spike bit) energies at the layer's widths (pJ)."""
    wb, ab = layer.weight_bits, layer.activation_bits
    return (p.e_add_pj * ab / 8, p.e_mul_pj * wb * ab / 64, p.e_mem_pj * wb / 8, p.e_mem_pj * ab / 8, p.e_mem_pj / 8)


DENSITY_NOTE = ("input_density is the fraction of non-zero inputs: the paper's table draws random 8-bit "
                "activations, non-zero with probability d·255/256, so `dse reproduce ottati2023` costs d·255/256 "
                "(346.0 nJ on the paper's layer at 90 % sparsity; d = 0.1 exactly gives 347.4 nJ)")
"""Why the seed paper's ANN figures sit 255/256 below a workload that says 0.1 (ottati2023.md)."""


class Ottati2023Ann(PerLayerBackend):
    name = "ottati2023-ann"
    description = "Ottati et al. 2023: zero-skipping ANN layer, no on-chip reuse (per-event model)"
    notes = (DENSITY_NOTE,)
    Params = OttatiParams

    def layer_cost(self, layer, timesteps: int, p: OttatiParams) -> LayerCost:
        e_add, e_mul, e_w, e_a, _ = _scale(p, layer)
        d = layer.input_density
        if isinstance(layer, FlattenLayer):
            return empty(layer)
        if vector_operands(layer):
            operands = vector_operands(layer)
            reads = operands * layer.in_neurons * d
            counts = {"activation_reads": reads, "adds": layer.elementwise_ops * d, "output_writes": layer.out_neurons}
            breakdown = {
                "sram_activation_read": reads * e_a,
                "compute": counts["adds"] * e_add,
                "sram_output_write": layer.out_neurons * e_a,
            }
            footprint = {"activations": layer.out_neurons * layer.activation_bits}
            return LayerCost(name=layer.name, kind=layer.kind, breakdown=breakdown,
                             latency_cycles=reads + layer.out_neurons, counts=counts, footprint_bits=footprint)
        macs = layer.connections * d * layer.weight_density
        counts = {"nonzero_macs": macs, "weight_reads": macs, "activation_reads": macs,
                  "output_writes": layer.out_neurons}
        breakdown = {
            "sram_weight_read": macs * e_w,
            "sram_activation_read": macs * e_a,
            "sram_output_write": layer.out_neurons * e_a,
            "compute": macs * (e_mul + e_add),
        }
        footprint = {"weights": layer.weight_footprint_bits, "activations": layer.out_neurons * layer.activation_bits}
        return LayerCost(name=layer.name, kind=layer.kind, breakdown=breakdown, latency_cycles=macs,
                         utilization=1.0, counts=counts, footprint_bits=footprint)


class Ottati2023Snn(PerLayerBackend):
    name = "ottati2023-snn"
    description = "Ottati et al. 2023: crossbar-free event-driven LIF layer, current summed in a register"
    Params = OttatiParams

    def layer_cost(self, layer, timesteps: int, p: OttatiParams) -> LayerCost:
        e_add, e_mul, e_w, e_a, e_spike = _scale(p, layer)
        d = layer.input_density
        if isinstance(layer, FlattenLayer):
            return empty(layer)
        if vector_operands(layer):
            operands = vector_operands(layer)
            events = timesteps * operands * layer.in_neurons * d
            outputs = timesteps * layer.out_neurons
            counts = {"spike_reads": events, "adds": events, "spike_writes": outputs}
            breakdown = {"sram_spike_read": events * e_spike, "compute": events * e_add,
                         "sram_spike_write": outputs * e_spike}
            return LayerCost(name=layer.name, kind=layer.kind, breakdown=breakdown,
                             latency_cycles=events + outputs, counts=counts,
                             footprint_bits={"neuron_state": layer.out_neurons * layer.activation_bits})
        events = timesteps * layer.connections * d * layer.weight_density  # synaptic events
        active = timesteps * layer.expected_active_outputs(d * layer.weight_density)
        fired = timesteps * layer.out_neurons * layer.resolved_output_density
        neurons = timesteps * layer.out_neurons
        counts = {"synaptic_events": events, "active_neuron_updates": active, "output_spikes": fired,
                  "spike_reads": events, "weight_reads": events, "potential_reads": active,
                  "potential_writes": active, "spike_writes": neurons}
        breakdown = {
            "sram_spike_read": events * e_spike,
            "sram_weight_read": events * e_w,
            "neuron_state": 2 * active * e_a,
            "sram_spike_write": neurons * e_spike,
            # accumulate per event; per active neuron a leak multiply and the current add;
            # a compare-and-reset add per output spike
            "compute": events * e_add + active * (e_mul + e_add) + fired * e_add,
        }
        footprint = {"weights": layer.weight_footprint_bits, "neuron_state": layer.out_neurons * layer.activation_bits}
        return LayerCost(name=layer.name, kind=layer.kind, breakdown=breakdown,
                         latency_cycles=events + active, utilization=1.0, counts=counts, footprint_bits=footprint)
