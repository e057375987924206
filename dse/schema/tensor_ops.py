"""Layer kinds for transformers and other tensor graphs: matmul, mul, softmax, layernorm,
activation, reduce.

Shapes are tuples of element counts, time steps excluded; a batch, head or token axis is an
axis like any other. A reshape or transpose between two layers is free: a layer checks the
*number* of elements it receives (``matmul``) or a broadcast (``mul``, ``add``), never the
order of the axes. Operation counts are per time step, as ``macs`` is:

- ``matmul``: ``batch·heads`` products (m×k)·(k×n) of two activations (QKᵀ, AV):
  ``macs = batch·heads·m·k·n``; no weights (``weights = 0``: both operands are produced by
  earlier layers, nothing stays stationary across inferences);
- every other kind here runs on a vector unit and counts ``vector_ops`` by type (``add``:
  add, subtract, compare, max; ``mul``: multiply or divide by a reciprocal; ``nonlinear``:
  one exp, GELU, sigmoid, tanh, erf, reciprocal or reciprocal square root), E elements in
  rows of L (R = E/L rows):

  ============ ============================ ===================== ====================
  kind          add                          mul                   nonlinear
  ============ ============================ ===================== ====================
  mul           0                            E                     0
  softmax       3E (max, x − max, Σ)         E (× 1/Σ)             E + R (exp, 1/Σ)
  layernorm     3E + R (Σx, x − µ, Σx², +ε)  2E + 2R (x², ×σ⁻¹,    R (σ⁻¹ = rsqrt)
                + E with ``affine`` (+β)     ÷L twice) + E (×γ)
  activation    by ``function``: ACTIVATION_OPS per element
  reduce        E (sum, max; mean: + R mul)  R for ``mean``        0
  ============ ============================ ===================== ====================

  (a residual ``add``, in dse.schema.workload, is E adds). ``elementwise_ops`` is the sum.

Binary layers (``matmul``, ``mul``, and ``add``) name their second operand with
``other_from`` (``skip_from`` for ``add``); ``other_density``, the fraction of that operand's
elements that are non-zero per step, defaults to the output density of the layer it names
(1.0 for the network input). A spiking transformer's binary Q, K, V are the outputs of layers
with a spiking ``neuron``; backends read that from the producing layer.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, PositiveInt

from dse.schema.layer_base import Density, Shape, _LayerBase, _ShapedLayer

Function = Literal["relu", "gelu", "sigmoid", "hardsigmoid", "silu", "hardswish", "tanh", "erf", "exp"]

#: Vector-unit operations per element of each activation function. Smooth functions are one
#: ``nonlinear`` evaluation (GELU and SiLU include their x· product, as a fused unit computes
#: them); relu is one compare; hardsigmoid = clip(x/6 + 1/2, 0, 1) is a multiply, an add and
#: two compares; hardswish = x · hardsigmoid(x) one multiply more.
ACTIVATION_OPS: dict[str, dict[str, int]] = {
    "relu": {"add": 1},
    "gelu": {"nonlinear": 1},
    "sigmoid": {"nonlinear": 1},
    "silu": {"nonlinear": 1},
    "tanh": {"nonlinear": 1},
    "erf": {"nonlinear": 1},
    "exp": {"nonlinear": 1},
    "hardsigmoid": {"mul": 1, "add": 3},
    "hardswish": {"mul": 2, "add": 3},
}


class _VectorLayer(_ShapedLayer):
    """A layer computed on a vector unit: no weights, counts in ``vector_ops``."""

    @property
    def out_shape(self) -> Shape:
        return self.in_shape

    @property
    def elementwise_ops(self) -> int:
        return sum(self.vector_ops.values())

    def check_input(self) -> None:
        """Raise ValueError when the attached input shape does not suit the layer (its axes)."""

    def _axis(self, axis: int) -> int:
        """``axis`` of the input shape as a non-negative index (ONNX convention: −1 is the last)."""
        rank = len(self.in_shape)
        if not -rank <= axis < rank:
            raise ValueError(f"layer '{self.name}': axis {axis} is outside the input shape {self.in_shape}")
        return axis % rank


class MatmulLayer(_LayerBase):
    """Activation × activation: ``batch·heads`` products (m×k)·(k×n), both operands from earlier layers.

    The first operand A (batch·heads·m·k elements) is the layer's input (``input_from`` or the
    layer before); the second, B (batch·heads·k·n elements), is the output of ``other_from``.
    Attention is two of them: scores = Q·Kᵀ (m = queries, k = head dim, n = keys) and
    out = P·V (m = queries, k = keys, n = head dim). ``input_density`` is A's non-zero fraction,
    ``other_density`` B's.
    """

    kind: Literal["matmul"] = "matmul"
    batch: PositiveInt = Field(1, description="independent samples (a batch axis)")
    heads: PositiveInt = Field(1, description="attention heads: independent products per sample")
    m: PositiveInt = Field(description="rows of A and of the output (queries, tokens)")
    k: PositiveInt = Field(description="reduction length: columns of A, rows of B")
    n: PositiveInt = Field(description="columns of B and of the output")
    other_from: str = Field(min_length=1, description="name of the earlier layer (or 'input') whose output is B")
    other_density: Density | None = Field(
        None, description="fraction of non-zero elements of B per time step; default: the output density of "
        "other_from (1.0 for the network input)"
    )

    @property
    def products(self) -> int:
        """Independent (m×k)·(k×n) products: batch × heads."""
        return self.batch * self.heads

    @property
    def in_shape(self) -> Shape:
        return (self.products, self.m, self.k)

    @property
    def other_shape(self) -> Shape:
        """Shape of B: (batch·heads, k, n)."""
        return (self.products, self.k, self.n)

    @property
    def out_shape(self) -> Shape:
        return (self.products, self.m, self.n)

    @property
    def fan_in(self) -> int:
        return self.k

    @property
    def macs(self) -> int:
        return self.products * self.m * self.k * self.n

    @property
    def resolved_other_density(self) -> float:
        """Fraction of non-zero elements of the second operand per time step (``other_density``, else 1.0)."""
        return 1.0 if self.other_density is None else self.other_density

    def synops(self, timesteps: int = 1) -> float:
        """Products whose two operands are both non-zero (independence assumed), per inference."""
        return timesteps * self.macs * self.input_density * self.resolved_other_density


class MulLayer(_VectorLayer):
    """Element-wise product of the input and the output of ``other_from``, which may broadcast
    (an SE block's channel scale, a spike-driven attention mask). Without ``other_from`` the
    input is squared."""

    kind: Literal["mul"] = "mul"
    other_from: str | None = Field(None, description="name of the layer whose output multiplies the input")
    other_density: Density | None = Field(
        None, description="fraction of non-zero elements of the other operand per time step; default: the "
        "output density of other_from (1.0 for the network input; the input density without other_from)"
    )

    @property
    def vector_ops(self) -> dict[str, int]:
        return {"mul": self.out_neurons}

    @property
    def resolved_other_density(self) -> float:
        """Fraction of non-zero elements of the other operand per time step: ``other_density``, else the
        input density when the input is squared (no ``other_from``), else 1.0."""
        if self.other_density is not None:
            return self.other_density
        return self.input_density if self.other_from is None else 1.0


class SoftmaxLayer(_VectorLayer):
    """Softmax along ``axis``: per row a max, a subtract, an exp, a sum, a reciprocal, a scale."""

    kind: Literal["softmax"] = "softmax"
    axis: int = Field(-1, description="axis normalised over (−1: the last)")

    def check_input(self) -> None:
        self._axis(self.axis)

    @property
    def vector_ops(self) -> dict[str, int]:
        e = self.out_neurons
        rows = e // self.in_shape[self._axis(self.axis)]
        return {"add": 3 * e, "mul": e, "nonlinear": e + rows}


class LayerNormLayer(_VectorLayer):
    """Layer normalisation over the axes from ``axis`` to the last (ONNX LayerNormalization)."""

    kind: Literal["layernorm"] = "layernorm"
    axis: int = Field(-1, description="first normalised axis; the axes after it are normalised too")
    affine: bool = Field(True, description="a learned scale γ and shift β per element")

    def check_input(self) -> None:
        self._axis(self.axis)

    @property
    def vector_ops(self) -> dict[str, int]:
        e = self.out_neurons
        rows = e // math.prod(self.in_shape[self._axis(self.axis):])
        affine = e if self.affine else 0
        return {"add": 3 * e + rows + affine, "mul": 2 * e + 2 * rows + affine, "nonlinear": rows}


class ActivationLayer(_VectorLayer):
    """An element-wise function (GELU, sigmoid, ...) computed on its own, not folded into a layer."""

    kind: Literal["activation"] = "activation"
    function: Function = Field(description="relu | gelu | sigmoid | hardsigmoid | silu | hardswish | tanh | erf | exp")

    @property
    def vector_ops(self) -> dict[str, int]:
        return {op: count * self.out_neurons for op, count in ACTIVATION_OPS[self.function].items()}


class ReduceLayer(_VectorLayer):
    """Sum, mean or max over ``axes`` (the reduced axes are dropped; all of them leave (1,))."""

    kind: Literal["reduce"] = "reduce"
    axes: tuple[int, ...] = Field(min_length=1, description="axes reduced over (negative counts from the end)")
    mode: Literal["sum", "mean", "max"] = Field("sum", description="sum | mean | max")

    def check_input(self) -> None:
        if len({self._axis(a) for a in self.axes}) != len(self.axes):
            raise ValueError(f"layer '{self.name}': axes {self.axes} name an axis twice")

    @property
    def out_shape(self) -> Shape:
        gone = {self._axis(a) for a in self.axes}
        kept = tuple(size for axis, size in enumerate(self.in_shape) if axis not in gone)
        return kept or (1,)

    @property
    def vector_ops(self) -> dict[str, int]:
        ops = {"add": self.in_neurons}
        if self.mode == "mean":
            ops["mul"] = self.out_neurons
        return ops


def broadcasts(other: Shape, shape: Shape) -> bool:
    """Whether a tensor of shape ``other`` broadcasts onto ``shape``: aligned at the last axes
    (numpy and ONNX) or at the first (a (C,) vector scaling a (C, H, W) map), every axis equal
    or 1."""
    if len(other) > len(shape):
        if any(size != 1 for size in other[: len(other) - len(shape)]):
            return False
        other = other[len(other) - len(shape):]
    pad = (1,) * (len(shape) - len(other))
    return any(all(o in (1, s) for o, s in zip(aligned, shape, strict=True))
               for aligned in (pad + tuple(other), tuple(other) + pad))
