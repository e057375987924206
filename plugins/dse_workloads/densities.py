"""Default activity and its propagation through a network, with the source of every density.

A model file carries no activity: ONNX has weights but no activation statistics, NIR has no
spike rates (docs/references/formats.md). Until a measured activity file replaces them,
each layer's output density follows from what the layer emits:

- ``spikes`` (a spiking neuron): :data:`SPIKE_DENSITY` per neuron and time step;
- ``relu`` (a rectifier): :data:`RELU_DENSITY`;
- ``analog`` (no activation, or one that is rarely exactly zero): 1.0;
- ``derived`` (pooling, flatten, residual add): computed from the input density, inputs
  non-zero independently (pooling a window of k inputs: 1 - (1 - d)^k; an add of two
  inputs: 1 - (1 - a)(1 - b); flatten: unchanged).

A layer's input density is the output density of the layer it reads (NeuroBench's
activation sparsity, docs/references/metrics.md, read per layer).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from dse import AddLayer, FlattenLayer, PoolLayer, Workload, as_pair

Emits = Literal["spikes", "relu", "analog", "derived"]

#: Spikes per neuron per time step when none are measured: the densest case (90 % input
#: sparsity) of Ottati et al. 2023's published table (docs/references/ottati2023.md).
SPIKE_DENSITY = 0.1
#: Non-zero fraction of a ReLU output when none is measured: the digits MLP 64-128-10 makes
#: 5,193 effective of 9,472 dense MACs, 5193 / 9472 = 0.548 (docs/references/metrics.md).
RELU_DENSITY = 0.548

SPIKE_SOURCE = "default: 0.1 spikes per neuron and step, densest case of Ottati et al. 2023 (ottati2023.md)"
RELU_SOURCE = "default: ReLU output 0.548 = 5,193 / 9,472 effective / dense MACs of the digits MLP (metrics.md)"
ANALOG_SOURCE = "analog output (no rectifier or spike): every value non-zero"


@dataclass(frozen=True)
class Density:
    """A density (fraction of non-zero values per time step) and where it came from."""

    value: float
    source: str


@dataclass(frozen=True)
class Resolved:
    """A workload with densities set, and the source of each layer's (input, output) density."""

    workload: Workload
    sources: dict[str, tuple[str, str]]

    def defaulted(self) -> list[str]:
        """Layers whose input or output density is a default, in order."""
        return [name for name, (a, b) in self.sources.items() if a.startswith("default") or b.startswith("default")]


def propagate(
    workload: Workload,
    emits: Mapping[str, Emits],
    network_input: Density,
    measured: Mapping[str, tuple[Density | None, Density | None]] | None = None,
) -> Resolved:
    """Set every layer's densities: measured ones first, then what its source emits."""
    measured = measured or {}
    out: dict[str, Density] = {"input": network_input}
    densities: dict[str, tuple[float, float]] = {}
    sources: dict[str, tuple[str, str]] = {}
    for index, layer in enumerate(workload.layers):
        source = layer.input_from or (workload.layers[index - 1].name if index else "input")
        given_in, given_out = measured.get(layer.name, (None, None))
        d_in = given_in or out[source]
        d_out = given_out or _emitted(layer, emits.get(layer.name, "analog"), d_in.value, out)
        out[layer.name] = d_out
        densities[layer.name] = (d_in.value, d_out.value)
        sources[layer.name] = (d_in.source, d_out.source)
    return Resolved(workload.with_knobs(densities=densities), sources)


def _emitted(layer, emits: Emits, d_in: float, out: Mapping[str, Density]) -> Density:
    if emits == "spikes":
        return Density(SPIKE_DENSITY, SPIKE_SOURCE)
    if emits == "relu":
        return Density(RELU_DENSITY, RELU_SOURCE)
    if emits == "analog":
        return Density(1.0, ANALOG_SOURCE)
    if isinstance(layer, PoolLayer):
        k = math.prod(as_pair(layer.kernel))
        return Density(1.0 - (1.0 - d_in) ** k, f"derived: pool window of {k} inputs at density {d_in:.3g}")
    if isinstance(layer, AddLayer) and layer.skip_from is not None:
        other = out[layer.skip_from].value
        return Density(1.0 - (1.0 - d_in) * (1.0 - other), f"derived: sum of inputs at {d_in:.3g} and {other:.3g}")
    if isinstance(layer, FlattenLayer):
        return Density(d_in, "derived: flatten keeps its input density")
    return Density(d_in, "derived: same as the input")
