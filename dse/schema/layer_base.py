"""What every workload layer shares: widths, densities, the neuron model, derived counts.

The layer kinds are in dse.schema.workload (conv2d, dense, pool, add, flatten) and
dse.schema.tensor_ops (matmul, mul, softmax, layernorm, activation, reduce); the Workload
that chains them is in dse.schema.workload.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, PositiveInt

from dse.schema.strict import StrictNumbers

Shape = tuple[int, ...]
Pair = PositiveInt | tuple[PositiveInt, PositiveInt]
NonNegativeInt = Annotated[int, Field(ge=0)]
PadPair = NonNegativeInt | tuple[NonNegativeInt, NonNegativeInt]
Density = Annotated[float, Field(ge=0.0, le=1.0)]
Bits = Annotated[int, Field(ge=1, le=64)]

#: The operation types of ``vector_ops``: ``add`` (an add, subtract, compare or max),
#: ``mul`` (a multiply, or a divide by a precomputed reciprocal) and ``nonlinear`` (one
#: evaluation of exp, GELU, sigmoid, tanh, erf, a reciprocal or a reciprocal square root).
VECTOR_OP_TYPES: tuple[str, ...] = ("add", "mul", "nonlinear")


def as_pair(value: int | tuple[int, int]) -> tuple[int, int]:
    """An int or an (h, w) pair as an (h, w) pair."""
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


class _Frozen(StrictNumbers):
    """Frozen, no extra fields, numbers strict (dse.schema.strict)."""


class Neuron(_Frozen):
    """The neuron model of a layer's outputs (``none`` for an ANN activation)."""

    model: Literal["none", "IF", "LIF", "CubaLIF"] = Field(
        "none", description="none (ANN activation), IF, LIF or CubaLIF (current-based LIF)"
    )
    leak: float = Field(
        1.0, gt=0.0, le=1.0, description="membrane decay per time step (beta, dimensionless); 1 = no leak"
    )
    synapse_leak: float = Field(
        1.0, gt=0.0, le=1.0, description="synaptic current decay per time step (CubaLIF alpha)"
    )
    threshold: float = Field(1.0, gt=0.0, description="firing threshold (membrane units)")
    reset: Literal["subtract", "zero", "none"] = Field("subtract", description="reset after a spike")

    @property
    def spiking(self) -> bool:
        """True for spiking neurons (any model but ``none``)."""
        return self.model != "none"

    @property
    def leaky(self) -> bool:
        """True when the membrane decays between time steps (LIF or CubaLIF with leak < 1)."""
        return self.model in ("LIF", "CubaLIF") and self.leak < 1.0


class _LayerBase(_Frozen):
    name: str = Field(min_length=1, description="unique layer name")
    weight_bits: Bits = Field(8, description="weight width (bits)")
    activation_bits: Bits = Field(8, description="activation / membrane width (bits)")
    weight_density: Density = Field(1.0, description="fraction of non-zero weights (1 - connection sparsity)")
    input_density: Density = Field(
        1.0, description="fraction of non-zero inputs per time step (activations for an ANN, spikes for an SNN)"
    )
    output_density: Density | None = Field(
        None,
        description="fraction of non-zero outputs per time step; default: the next layer's input_density "
        "(the last layer keeps its own input_density)",
    )
    input_from: str | None = Field(
        None, description="name of an earlier layer (or 'input') this layer reads; default: the previous layer"
    )
    neuron: Neuron = Field(default_factory=Neuron, description="neuron model of this layer's outputs")

    # -- derived quantities; every subclass defines in_shape and out_shape -------------------
    @property
    def in_shape(self) -> Shape:  # pragma: no cover - overridden
        """Input shape per time step, e.g. (C, H, W), (features,) or (tokens, features)."""
        raise AttributeError

    @property
    def out_shape(self) -> Shape:  # pragma: no cover - overridden
        """Output shape per time step, e.g. (C, H, W), (features,) or (tokens, features)."""
        raise AttributeError

    @property
    def in_neurons(self) -> int:
        """Input elements per time step."""
        return math.prod(self.in_shape)

    @property
    def out_neurons(self) -> int:
        """Output elements (neurons) per time step."""
        return math.prod(self.out_shape)

    @property
    def weights(self) -> int:
        """Number of weights (dense count, zeros included)."""
        return 0

    @property
    def fan_in(self) -> int:
        """Synapses per output neuron (dense)."""
        return 0

    @property
    def macs(self) -> int:
        """Dense multiply-accumulates per time step."""
        return 0

    @property
    def vector_ops(self) -> dict[str, int]:
        """Vector-unit operations per time step by type (see :data:`VECTOR_OP_TYPES`); empty for none."""
        return {"add": self.elementwise_ops} if self.elementwise_ops else {}

    @property
    def elementwise_ops(self) -> int:
        """Vector-unit operations per time step (pool comparisons/adds, residual adds, every tensor op)."""
        return 0

    @property
    def connections(self) -> int:
        """Synapses between real (non-padding) inputs and outputs per time step."""
        return self.macs

    def synops(self, timesteps: int = 1) -> float:
        """Effective synaptic operations per inference (NeuroBench): non-zero weight × non-zero input."""
        return timesteps * self.connections * self.input_density * self.weight_density

    def expected_active_outputs(self, density: float) -> float:
        """Expected outputs per step that receive at least one non-zero input, inputs non-zero
        independently with probability ``density``: Σ_o 1 − (1 − density)^fan_in(o)."""
        if self.fan_in == 0:
            return float(self.out_neurons) if density > 0 else 0.0
        return self.out_neurons * (1.0 - (1.0 - density) ** self.fan_in)

    @property
    def weight_footprint_bits(self) -> int:
        """Weight storage at the declared width (bits)."""
        return self.weights * self.weight_bits

    @property
    def resolved_output_density(self) -> float:
        """``output_density``, or ``input_density`` where none is given (after chaining, the next layer's)."""
        return self.input_density if self.output_density is None else self.output_density


class _ShapedLayer(_LayerBase):
    """A layer whose input shape comes from the layer it reads (filled in by Workload)."""

    in_shape_: tuple[PositiveInt, ...] | None = Field(
        None, alias="in_shape", description="input shape; filled from the previous layer when omitted"
    )
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, populate_by_name=True, serialize_by_alias=True)

    @property
    def in_shape(self) -> Shape:
        if self.in_shape_ is None:
            raise ValueError(f"layer '{self.name}': input shape not resolved (use it inside a Workload)")
        return tuple(self.in_shape_)
