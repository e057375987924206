"""Where the hybrid's engines meet: which layers feed which, the workload the ANN engine sees,
and the cost of converting values at an engine boundary (the model: dse_hybrid.backend)."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Protocol

from dse import Technology, Workload


class ConversionOptions(Protocol):
    """What a conversion depends on: a HybridParams, or the same fields over many designs."""

    @property
    def encoding(self) -> str: ...

    @property
    def lfsr_bits(self) -> Any: ...  # bits: a number, or an array over designs

    @property
    def converter_lanes(self) -> Any: ...  # values per cycle: a number, or an array over designs


def sources(workload: Workload) -> list[tuple[int | None, ...]]:
    """Per layer, the index of the layer producing each tensor it reads: its input, then its
    second operand if it has one (None for the network input, which needs no conversion)."""
    by_name = {layer.name: index for index, layer in enumerate(workload.layers)}
    # a tensor read twice (x·xᵀ, a squared input) crosses once
    return [tuple(by_name.get(name) for name in dict.fromkeys(workload.sources(index)))
            for index in range(len(workload.layers))]


def counter_bits(timesteps: int) -> int:
    """Width of a spike counter that holds 0..T (bits)."""
    return max(1, math.ceil(math.log2(timesteps + 1)))


def fed_operands(engines: list[str] | tuple[str, ...],
                 sources: list[tuple[int | None, ...]]) -> tuple[tuple[int, int], ...]:
    """The (layer, operand) pairs where an ANN layer reads a tensor produced by an SNN layer:
    all that tells the ANN engine's view of one assignment from another's (ann_view)."""
    return tuple((index, operand) for index, srcs in enumerate(sources) if engines[index] == "ann"
                 for operand, source in enumerate(srcs) if source is not None and engines[source] == "snn")


@lru_cache(maxsize=128)
def ann_view(workload: Workload, fed: tuple[tuple[int, int], ...]) -> Workload:
    """The workload as the ANN engine sees it: one pass, and spike counts as the operands ``fed``
    (fed_operands) read from an SNN layer (cached: a batch asks for a few views, chunk after chunk)."""
    T = workload.timesteps
    data = workload.model_dump(by_alias=True)
    data["timesteps"] = 1
    for index, operand in fed:
        layer = data["layers"][index]
        key = "input_density" if operand == 0 else "other_density"
        if layer.get(key) is not None:  # an add's skip tensor carries no density of its own
            layer[key] = 1 - (1 - layer[key]) ** T  # a count is non-zero if any step spiked
        layer["activation_bits"] = counter_bits(T)
    return Workload.model_validate(data)


def conversion(workload: Workload, index: int, crossing: list[tuple[int, int]], engine: str,
                params: ConversionOptions, technology: Technology) -> tuple[dict[str, Any], Any]:
    """Conversion energy (pJ) lines and cycles for the tensors that reach layer ``index`` from the
    other engine: ``crossing`` holds (operand, producing layer) pairs, operand 0 the input, 1 the second
    (numbers, or arrays over designs when ``params`` holds arrays)."""
    if not crossing:
        return {}, 0.0
    layer, T = workload.layers[index], workload.timesteps
    if engine == "snn" and params.encoding == "direct":  # analog operands: a multiply per synaptic operation
        synops = layer.connections * layer.weight_density * layer.input_density * T
        return {"conversion_direct_mac": synops * technology.mul_energy(layer.weight_bits, layer.activation_bits)}, 0.0
    pj = values = 0.0
    for operand, source in crossing:
        produced = workload.layers[source]
        if engine == "snn":  # rate: one Bernoulli draw per activation of the tensor per step
            draws = (layer.in_neurons if operand == 0 else produced.out_neurons) * T
            pj += draws * (technology.add_energy(layer.activation_bits) + technology.register_energy(params.lfsr_bits))
            values += draws
        else:  # a spike counter per neuron of the SNN layer, bumped per spike and read once
            bits = counter_bits(T)
            spikes = produced.out_neurons * produced.resolved_output_density * T
            pj += spikes * technology.add_energy(bits) + produced.out_neurons * technology.register_energy(bits)
            values += produced.out_neurons
    line = "conversion_rate_encoding" if engine == "snn" else "conversion_spike_decoding"
    return {line: pj}, values / params.converter_lanes
