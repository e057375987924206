"""Workloads: a network as an ordered list of layers, with bit widths and activity.

Shapes, MAC counts and synaptic operations are derived from the fields, never typed.
Definitions follow NeuroBench 2.3.0 (docs/references/metrics.md):

- ``macs``: dense multiply-accumulates of one time step (every weight × every input).
- ``synops``: effective synaptic operations of one inference: ``timesteps × macs ×
  input_density × weight_density`` (independence assumed). Bias is not a synaptic op.

Layers run in list order. A layer reads the output of the layer before it unless
``input_from`` names an earlier layer (or ``"input"``, the network input), which is enough
to write residual and branched networks (ResNet downsample paths) as a list.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Annotated, Literal, TypeVar

from pydantic import Field, PositiveInt, model_validator

from dse.schema.layer_base import (
    PadPair,
    Pair,
    Shape,
    _Frozen,
    _LayerBase,
    _ShapedLayer,
    as_pair,
)
from dse.schema.tensor_ops import (
    ActivationLayer,
    LayerNormLayer,
    MatmulLayer,
    MulLayer,
    ReduceLayer,
    SoftmaxLayer,
    _VectorLayer,
    broadcasts,
)

__all__ = [
    "ActivationLayer", "AddLayer", "Conv2dLayer", "DenseLayer", "FlattenLayer", "Layer", "LayerNormLayer",
    "MatmulLayer", "MulLayer", "PoolLayer", "ReduceLayer", "SoftmaxLayer", "Workload", "as_pair",
]

class Conv2dLayer(_LayerBase):
    """2-D convolution (grouped and depthwise through ``groups``)."""

    kind: Literal["conv2d"] = "conv2d"
    in_channels: PositiveInt = Field(description="input channels C")
    out_channels: PositiveInt = Field(description="output channels (filters) M")
    in_height: PositiveInt = Field(description="input height H (pixels, before padding)")
    in_width: PositiveInt = Field(description="input width W (pixels, before padding)")
    kernel: Pair = Field(description="kernel size, int or [h, w]")
    stride: Pair = Field(1, description="stride, int or [h, w]")
    padding: PadPair = Field(0, description="zero padding per side, int or [h, w]")
    dilation: Pair = Field(1, description="dilation, int or [h, w]")
    groups: PositiveInt = Field(1, description="groups; groups = in_channels = out_channels is depthwise")

    @model_validator(mode="after")
    def _check_geometry(self) -> Conv2dLayer:
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(
                f"layer '{self.name}': groups={self.groups} must divide in_channels={self.in_channels} "
                f"and out_channels={self.out_channels}"
            )
        oh, ow = self._out_hw()
        if oh < 1 or ow < 1:
            raise ValueError(
                f"layer '{self.name}': kernel {as_pair(self.kernel)} does not fit the padded input "
                f"{self.in_height}x{self.in_width}"
            )
        return self

    def _out_hw(self) -> tuple[int, int]:
        (kh, kw), (sh, sw) = as_pair(self.kernel), as_pair(self.stride)
        (ph, pw), (dh, dw) = as_pair(self.padding), as_pair(self.dilation)
        oh = (self.in_height + 2 * ph - dh * (kh - 1) - 1) // sh + 1
        ow = (self.in_width + 2 * pw - dw * (kw - 1) - 1) // sw + 1
        return oh, ow

    @property
    def in_shape(self) -> Shape:
        return (self.in_channels, self.in_height, self.in_width)

    @property
    def out_shape(self) -> Shape:
        return (self.out_channels, *self._out_hw())

    @property
    def channels_per_group(self) -> int:
        """Input channels each output channel reads (``in_channels / groups``)."""
        return self.in_channels // self.groups

    @property
    def fan_in(self) -> int:
        kh, kw = as_pair(self.kernel)
        return self.channels_per_group * kh * kw

    @property
    def weights(self) -> int:
        return self.out_channels * self.fan_in

    @property
    def macs(self) -> int:
        return self.out_neurons * self.fan_in

    def valid_taps(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Kernel taps that land inside the unpadded input, per output row and per output column."""
        (kh, kw), (sh, sw) = as_pair(self.kernel), as_pair(self.stride)
        (ph, pw), (dh, dw) = as_pair(self.padding), as_pair(self.dilation)
        oh, ow = self._out_hw()
        return (_taps(self.in_height, oh, kh, sh, ph, dh), _taps(self.in_width, ow, kw, sw, pw, dw))

    @property
    def connections(self) -> int:
        """Synapses between real inputs and outputs per step: MACs minus taps on padding."""
        rows, cols = self.valid_taps()
        return self.out_channels * self.channels_per_group * sum(rows) * sum(cols)

    def expected_active_outputs(self, density: float) -> float:
        """As the base class, with each output's own fan-in (fewer taps at padded borders)."""
        # Outputs with the same taps share one term; math.fsum rounds the sum once (pure Python:
        # no numpy to import for the schema, issue 17).
        row_taps, col_taps = self.valid_taps()
        rows, cols = Counter(row_taps), Counter(col_taps)
        idle = math.fsum(n_row * n_col * (1.0 - density) ** float(self.channels_per_group * row * col)
                         for row, n_row in rows.items() for col, n_col in cols.items())
        return self.out_channels * (rows.total() * cols.total() - idle)


class DenseLayer(_LayerBase):
    """Fully connected layer; ``recurrent`` adds an out×out matrix fed by the previous step's outputs.

    With ``tokens`` > 1 the same weights apply to every row of a (tokens, in_features) input
    (a transformer's token-wise linear layer): ``macs = tokens·in_features·out_features``,
    shapes (tokens, in_features) → (tokens, out_features); ``fan_in`` and ``weights`` are per
    token as for one row.
    """

    kind: Literal["dense"] = "dense"
    in_features: PositiveInt = Field(description="input features")
    out_features: PositiveInt = Field(description="output features (neurons)")
    tokens: PositiveInt = Field(1, description="rows (tokens) the same weights are applied to")
    recurrent: bool = Field(False, description="outputs feed back to this layer's neurons at the next step")

    @model_validator(mode="after")
    def _one_row_if_recurrent(self) -> DenseLayer:
        if self.recurrent and self.tokens > 1:
            raise ValueError(f"layer '{self.name}': a recurrent dense layer takes one row (tokens = 1)")
        return self

    @property
    def in_shape(self) -> Shape:
        return (self.in_features,) if self.tokens == 1 else (self.tokens, self.in_features)

    @property
    def out_shape(self) -> Shape:
        return (self.out_features,) if self.tokens == 1 else (self.tokens, self.out_features)

    @property
    def fan_in(self) -> int:
        return self.in_features + (self.out_features if self.recurrent else 0)

    @property
    def weights(self) -> int:
        return self.out_features * self.fan_in

    @property
    def macs(self) -> int:
        return self.tokens * self.weights


class PoolLayer(_ShapedLayer):
    """Spatial pooling over (C, H, W); ``sum`` pooling is the SNN form."""

    kind: Literal["pool"] = "pool"
    mode: Literal["avg", "max", "sum"] = Field("max", description="avg | max | sum")
    kernel: Pair = Field(description="window, int or [h, w]")
    stride: Pair | None = Field(None, description="stride; default: the kernel")
    padding: PadPair = Field(0, description="padding per side")

    @property
    def out_shape(self) -> Shape:
        c, h, w = self.in_shape
        (kh, kw), (ph, pw) = as_pair(self.kernel), as_pair(self.padding)
        sh, sw = as_pair(self.stride if self.stride is not None else self.kernel)
        return (c, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1)

    @property
    def elementwise_ops(self) -> int:
        kh, kw = as_pair(self.kernel)
        return self.out_neurons * kh * kw


class AddLayer(_ShapedLayer):
    """Element-wise sum of the input and the output of ``skip_from`` (a residual join).

    The ``skip_from`` output may broadcast onto the input (a bias vector, a position
    embedding): aligned at the last axes or the first, every axis equal or 1
    (dse.schema.tensor_ops.broadcasts). One add per input element.
    """

    kind: Literal["add"] = "add"
    skip_from: str | None = Field(None, description="name of the layer whose output is added (or 'input')")

    @property
    def out_shape(self) -> Shape:
        return self.in_shape

    @property
    def elementwise_ops(self) -> int:
        return self.out_neurons


class FlattenLayer(_ShapedLayer):
    """Reshape to one dimension, or with ``shape`` any move of data: a reshape, transpose, slice
    or concatenation (an imported graph's Reshape, Transpose, Gather, Split, Concat). Costs
    nothing on its own; the output may hold fewer elements (a slice) or more (a class token
    concatenated)."""

    kind: Literal["flatten"] = "flatten"
    shape: tuple[PositiveInt, ...] | None = Field(
        None, description="output shape; default: the input flattened to one dimension"
    )

    @property
    def out_shape(self) -> Shape:
        return (math.prod(self.in_shape),) if self.shape is None else tuple(self.shape)


Layer = Annotated[
    Conv2dLayer | DenseLayer | PoolLayer | AddLayer | FlattenLayer | MatmulLayer | MulLayer | SoftmaxLayer
    | LayerNormLayer | ActivationLayer | ReduceLayer,
    Field(discriminator="kind"),
]


class Workload(_Frozen):
    """A network, its time steps and per-layer bit widths and activity."""

    name: str = Field(min_length=1, description="workload name")
    timesteps: PositiveInt = Field(1, description="time steps per inference (1 for an ANN)")
    input_shape: tuple[PositiveInt, ...] | None = Field(
        None, description="network input shape (C, H, W) or (N,); default: the first layer's input"
    )
    layers: tuple[Layer, ...] = Field(min_length=1, description="layers in execution order")

    @model_validator(mode="after")
    def _chain(self) -> Workload:
        resolved: list[Layer] = []
        outputs: dict[str, Shape] = {}
        first = self.layers[0]
        net_in = self.input_shape or (None if isinstance(first, _ShapedLayer) and first.in_shape_ is None
                                       else tuple(first.in_shape))
        if net_in is None:
            raise ValueError(f"layer '{first.name}': the first layer needs an input shape (set in_shape)")
        outputs["input"] = tuple(net_in)
        # the first layer that reads each output, to default output_density from its input_density
        first_reader: dict[str, int] = {}
        for index, layer in enumerate(self.layers):
            if layer.name in outputs:
                raise ValueError(f"layers[{index}]: layer name '{layer.name}' is used twice (or is 'input')")
            source = layer.input_from or (self.layers[index - 1].name if index else "input")
            first_reader.setdefault(source, index)
            if source not in outputs:
                raise ValueError(f"layer '{layer.name}': input_from '{source}' names no earlier layer")
            given = outputs[source]
            layer = _attach_input(layer, given, source)
            _check_other_operand(layer, outputs)
            outputs[layer.name] = tuple(layer.out_shape)
            resolved.append(layer)
        for index, layer in enumerate(resolved):
            if layer.output_density is None:
                reader = first_reader.get(layer.name)
                density = layer.input_density if reader is None else resolved[reader].input_density
                resolved[index] = layer.model_copy(update={"output_density": density})
        _resolve_other_densities(resolved)
        object.__setattr__(self, "layers", tuple(resolved))
        return self

    def sources(self, index: int) -> tuple[str, ...]:
        """Names of the tensors layer ``index`` reads, "input" for the network's input (add, mul
        and matmul read two: their input and ``skip_from`` / ``other_from``, or their input twice)."""
        layer = self.layers[index]
        first = layer.input_from or (self.layers[index - 1].name if index else "input")
        if isinstance(layer, (AddLayer, MulLayer, MatmulLayer)):
            return (first, other_operand(layer) or first)
        return (first,)

    def layer(self, name: str) -> Layer:
        """The layer called ``name``; KeyError if there is none."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    @property
    def macs(self) -> int:
        """Dense MACs per time step, all layers."""
        return sum(layer.macs for layer in self.layers)

    def synops(self) -> float:
        """Effective synaptic operations per inference, all layers."""
        return sum(layer.synops(self.timesteps) for layer in self.layers)

    def with_knobs(
        self,
        *,
        timesteps: int | None = None,
        weight_bits: int | None = None,
        activation_bits: int | None = None,
        densities: Mapping[str, tuple[float | None, float | None]] | None = None,
    ) -> Workload:
        """A copy with time steps, bit widths (all layers) or per-layer (input, output) densities set.

        The copy is validated again, so a knob outside its range raises like a bad file would.
        """
        data = self.model_dump(by_alias=True)
        if timesteps is not None:
            data["timesteps"] = timesteps
        for layer in data["layers"]:
            if weight_bits is not None:
                layer["weight_bits"] = weight_bits
            if activation_bits is not None:
                layer["activation_bits"] = activation_bits
            d_in, d_out = (densities or {}).get(layer["name"], (None, None))
            if d_in is not None:
                layer["input_density"] = d_in
            if d_out is not None:
                layer["output_density"] = d_out
        return Workload.model_validate(data)


def _taps(size: int, out: int, kernel: int, stride: int, pad: int, dilation: int) -> tuple[int, ...]:
    return tuple(
        sum(1 for k in range(kernel) if 0 <= o * stride - pad + k * dilation < size) for o in range(out)
    )


def other_operand(layer: _LayerBase) -> str | None:
    """Name of the second tensor a binary layer reads (``skip_from`` of add, ``other_from`` of
    mul and matmul), or None."""
    if isinstance(layer, AddLayer):
        return layer.skip_from
    if isinstance(layer, (MulLayer, MatmulLayer)):
        return layer.other_from
    return None


def _check_other_operand(layer: _LayerBase, outputs: dict[str, Shape]) -> None:
    """The second operand of add, mul or matmul names an earlier layer whose output fits: as many
    elements (a reshape or transpose is free) or, for add and mul, a shape that broadcasts."""
    name = other_operand(layer)
    if name is None:
        return
    field = "skip_from" if isinstance(layer, AddLayer) else "other_from"
    other = outputs.get(name)
    if other is None:
        raise ValueError(f"layer '{layer.name}': {field} '{name}' names no earlier layer")
    if isinstance(layer, MatmulLayer):
        if math.prod(other) != math.prod(layer.other_shape):
            raise ValueError(
                f"layers '{name}' and '{layer.name}' do not agree: matmul needs B of {layer.other_shape} "
                f"({math.prod(layer.other_shape)} elements) but '{name}' gives {tuple(other)}"
            )
    elif math.prod(other) != layer.in_neurons and not broadcasts(tuple(other), tuple(layer.in_shape)):
        kind = "add" if isinstance(layer, AddLayer) else "mul"
        raise ValueError(
            f"layers '{name}' and '{layer.name}' do not agree: {kind} needs {layer.in_shape} "
            f"(or a shape that broadcasts onto it) but '{name}' gives {tuple(other)}"
        )


def _resolve_other_densities(layers: list[Layer]) -> None:
    """Fill ``other_density`` of mul and matmul from the layer their ``other_from`` names."""
    by_name = {layer.name: layer for layer in layers}
    for index, layer in enumerate(layers):
        if isinstance(layer, (MulLayer, MatmulLayer)) and layer.other_density is None and layer.other_from:
            other = by_name.get(layer.other_from)
            density = 1.0 if other is None else other.resolved_output_density
            layers[index] = layer.model_copy(update={"other_density": density})


_Layer = TypeVar("_Layer", bound=_LayerBase)


def _attach_input(layer: _Layer, given: Shape, source: str) -> _Layer:
    """Fill a shaped layer's input from its source, or check that a typed layer agrees."""
    if isinstance(layer, _ShapedLayer):
        if layer.in_shape_ is None:
            layer = layer.model_copy(update={"in_shape_": tuple(given)})
        elif tuple(layer.in_shape_) != tuple(given):
            raise ValueError(_mismatch(source, given, layer))
        if isinstance(layer, PoolLayer):
            if len(layer.in_shape) != 3:
                raise ValueError(f"layer '{layer.name}': pool needs a (C, H, W) input, '{source}' gives {given}")
            if min(layer.out_shape) < 1:
                raise ValueError(f"layer '{layer.name}': pool window does not fit the input {given}")
        if isinstance(layer, _VectorLayer):
            layer.check_input()
        return layer
    if isinstance(layer, (DenseLayer, MatmulLayer)):  # a reshape before them is free: count elements
        if math.prod(given) != math.prod(layer.in_shape):
            raise ValueError(_mismatch(source, given, layer))
        return layer
    if tuple(given) != tuple(layer.in_shape):
        raise ValueError(_mismatch(source, given, layer))
    return layer


def _mismatch(source: str, given: Shape, layer: _LayerBase) -> str:
    expects = layer.in_shape if not isinstance(layer, _ShapedLayer) else layer.in_shape_
    return (
        f"layers '{source}' and '{layer.name}' do not agree: '{source}' gives {tuple(given)}, "
        f"'{layer.name}' expects {tuple(expects or ())}"
    )
