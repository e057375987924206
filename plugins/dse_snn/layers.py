"""What a workload's layers demand of an event-driven chip, per time step, before any design choice.

Expected values, inputs spiking independently with the layer's densities:

- input events = input density × input neurons (a recurrent dense layer also receives its
  own previous spikes: + output density × output neurons);
- synaptic ops = events × fan-out, exact for convolution borders, stride, dilation and
  groups because it counts ``layer.connections`` (synapses that touch a real input, padding
  taps excluded), times the weight density (pruned synapses are not in the synapse lists);
- active neurons = neurons that receive at least one synaptic op (``expected_active_outputs``,
  with each output's own fan-in at padded borders);
- output spikes = output density × output neurons.

Pooling and residual adds carry spikes without weights or stored state: one add per input
event and target window; flatten is free. Matmul, mul, reduce, softmax, layernorm and
activations carry a TensorDemand (dse_snn.tensor), with whether each operand is binary
(written by a layer with a spiking neuron).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from dse import AddLayer, Conv2dLayer, DenseLayer, FlattenLayer, PoolLayer, Workload
from dse_snn.tensor import TensorDemand, demand


@dataclass(frozen=True)
class LayerStats:
    """One layer's per-step demand (events, ops, neurons) and its declared widths (bits)."""

    name: str
    kind: str
    synaptic: bool  # conv2d or dense: weights, stored state, neurons
    in_neurons: int
    out_neurons: int
    events: float  # input events per step
    synops: float  # synaptic ops per step (pool/add: adds per step)
    active: float  # neurons receiving input per step
    spikes: float  # output spikes per step
    group: int  # weights one event needs per kernel tap, side by side in memory
    weights: int
    biases: int  # one per output channel or feature
    weight_bits: int
    activation_bits: int
    address_bits: int  # ⌈log2(input neurons)⌉: the default event width
    leaks: bool  # the chip's leak policy applies (LIF, or no neuron model given)
    resets: bool
    external_inputs: int = 0  # input neurons read from the network's input (an add may read it twice)
    external_events: float = 0.0  # input events per step that come from the network's input
    output_external: bool = False  # no later layer reads the output: it is the network's
    output_address_bits: int = 1  # ⌈log2(output neurons)⌉: the width of an output event
    tensor: TensorDemand | None = None  # matmul, mul, reduce, softmax, layernorm, activation


@lru_cache(maxsize=256)
def layer_stats(workload: Workload) -> tuple[LayerStats, ...]:
    """Per-step demand of every layer, in execution order (cached: workloads are frozen)."""
    sources = [workload.sources(index) for index in range(len(workload.layers))]
    read = {name for names in sources for name in names}
    spiking = {layer.name: layer.neuron.spiking for layer in workload.layers}
    return tuple(_stats(layer, names.count("input") / len(names), layer.name not in read,
                        (spiking.get(names[0], False), spiking.get(names[-1], False)))
                 for layer, names in zip(workload.layers, sources, strict=True))


def _stats(layer, external: float, output_external: bool, binary: tuple[bool, bool]) -> LayerStats:
    """One layer's demand; ``external``: the fraction of its input tensors that are the network's input."""
    d_in, d_out = layer.input_density, layer.resolved_output_density
    n_in, n_out = layer.in_neurons, layer.out_neurons
    events, synops, active, group = 0.0, 0.0, 0.0, 1
    if isinstance(layer, Conv2dLayer):
        events = d_in * n_in
        synops = layer.weight_density * d_in * layer.connections
        active = layer.expected_active_outputs(d_in * layer.weight_density)
        group = layer.out_channels // layer.groups
    elif isinstance(layer, DenseLayer):  # tokens > 1: every token's events reach its own out_features
        own = d_out * n_out if layer.recurrent else 0.0
        events = d_in * n_in + own
        synops = layer.weight_density * events * layer.out_features
        idle = (1.0 - d_in * layer.weight_density) ** layer.in_features
        if layer.recurrent:
            idle *= (1.0 - d_out * layer.weight_density) ** n_out
        active = n_out * (1.0 - idle)
        group = layer.out_features
    elif isinstance(layer, PoolLayer):
        events = d_in * n_in
        synops = d_in * layer.elementwise_ops
    elif isinstance(layer, AddLayer):
        events = 2 * d_in * n_in  # the main input and the skip input, both at the layer's density
        synops = events
    tensor = None
    if not isinstance(layer, (Conv2dLayer, DenseLayer, PoolLayer, AddLayer, FlattenLayer)):
        events = d_in * n_in
        tensor = demand(layer, binary)
    neuron = layer.neuron
    return LayerStats(
        name=layer.name,
        kind=layer.kind,
        synaptic=isinstance(layer, (Conv2dLayer, DenseLayer)),
        in_neurons=n_in,
        out_neurons=n_out,
        events=events,
        synops=synops,
        active=active,
        spikes=d_out * n_out,
        group=group,
        weights=layer.weights,
        biases=layer.out_shape[0],
        weight_bits=layer.weight_bits,
        activation_bits=layer.activation_bits,
        address_bits=max(1, (n_in - 1).bit_length()),
        leaks=neuron.model == "none" or neuron.leaky,
        resets=neuron.reset != "none",
        external_inputs=round(external * n_in * (2 if isinstance(layer, AddLayer) else 1)),
        external_events=external * d_in * n_in * (2 if isinstance(layer, AddLayer) else 1),
        output_external=output_external,
        output_address_bits=max(1, (n_out - 1).bit_length()),
        tensor=tensor,
    )
