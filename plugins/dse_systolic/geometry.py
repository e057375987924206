"""A workload's layers as the shapes the systolic array sees (design-independent, computed once).

A conv2d or dense layer is ``groups`` independent GEMMs (Npx x K) · (K x M) (SCALE-Sim's
im2col view, docs/references/scalesim.md): Npx = E·F output pixels (1 for dense), K =
R·S·C/groups the window, M = out_channels/groups the filters of a group. A depthwise conv is
C one-channel GEMMs, as SCALE-Sim runs it. The input's padding is part of the window (the
array multiplies padded zeros), so ``macs`` is the dense count; ``connections`` excludes the
padding taps, which are always zero.

A matmul (activation × activation, QKᵀ or AV) is ``batch·heads`` GEMMs (m x k)·(k x n):
Npx = m, K = k, M = n, one group per product, so the array refills per head and per batch
(every group pays its own fill and drain). Its second operand B takes the weights' place in
the array but is an activation: it is as wide as the activations, produced by an earlier
layer in this inference (never resident across inferences), staged into the filter SRAM
from on chip, or from DRAM when it did not fit (traffic.py).

Pooling, residual adds, mul, softmax, layernorm, activations and reductions run on the
vector unit (their add, mul and nonlinear operation counts: dse.schema.tensor_ops);
flatten is a reshape and costs nothing.
Sizes are in words (one word per tensor element; its width in bits is the layer's, or the
design's override).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Literal

import numpy as np

from dse import Conv2dLayer, DenseLayer, MatmulLayer, Workload, as_pair

Kind = Literal["gemm", "vector", "free"]
Bits = np.ndarray | int  # a width per design, or one for all


@dataclass(frozen=True)
class Widths:
    """Operand widths of one layer (bits): the layer's, or arrays where designs override them."""

    weight: Bits
    activation: Bits
    accumulator: Bits
    # in merged views (merged_shapes) with no design overriding a width: the widths of each view, and
    # each design's view (the arrays above are these gathered), so that a function of the widths
    # (rates.width_lookup) is evaluated per view, not over the designs
    by_view: tuple[Widths, np.ndarray] | None = None


@dataclass(frozen=True, eq=False)
class Views:
    """Where a merged shape's per-design numbers come from (merged_shapes): each number's value in
    every view, and each design's view (an index into them)."""

    values: dict[str, np.ndarray]
    index: np.ndarray


@dataclass(frozen=True)
class LayerShape:
    """One layer, reduced to what the array model needs (counts in words or operations)."""

    name: str
    kind_name: str
    kind: Kind
    weight_bits: Bits  # an array over designs only in merged views (merged_shapes)
    activation_bits: Bits
    input_density: float | np.ndarray
    groups: int = 1
    pixels: int = 0  # Npx: output pixels of one group
    scalesim_pixels: int = 0  # Npx as SCALE-Sim counts it (see scalesim_outputs)
    window: int = 0  # K: reduction length of one group
    filters: int = 0  # M: output channels of one group
    unique_inputs: int = 0  # input words one pass over a group needs: min(K·Npx, C/groups·H·W)
    macs: int = 0  # dense MACs, padding taps included
    connections: int = 0  # MACs whose input is not padding
    weights: int = 0
    input_words: tuple[int, ...] = ()  # each input tensor (two for an add)
    input_external: tuple[bool, ...] = ()  # whether each input tensor is the network's input
    output_words: int = 0
    output_external: bool = False  # no later layer reads the output: it is the network's
    vector_ops: int = 0  # all vector-unit operations: pool comparisons/adds, residual adds, tensor ops
    vector_muls: int = 0  # of which multiplies
    vector_nonlinear: int = 0  # of which nonlinear function evaluations (exp, GELU, rsqrt, ...)
    activation_operand: bool = False  # matmul: the stationary operand B is an activation, not a weight
    # the rows a spatial split over cores cuts (dse_systolic.cores): output rows (a conv's E, a dense
    # layer's tokens, a matmul's m), SCALE-Sim's count of them, and the input rows they read
    out_rows: int = 1
    scalesim_out_rows: int = 1
    in_rows: int = 1
    row_stride: int = 1
    row_span: int = 1  # input rows one output row reads: the kernel's dilated height
    in_row_words: int = 0  # input words of one input row of one group
    views: Views | None = None  # merged views only: the per-view values behind the per-design numbers


@lru_cache(maxsize=256)
def layer_shapes(workload: Workload) -> tuple[LayerShape, ...]:
    """Every layer of ``workload`` in order (cached: workloads are frozen, and a batch asks once
    per chunk)."""
    sources = [workload.sources(index) for index in range(len(workload.layers))]
    read = {name for names in sources for name in names}
    words = {layer.name: layer.out_neurons for layer in workload.layers}
    if workload.layers:
        words["input"] = workload.layers[0].in_neurons if workload.input_shape is None else \
            math.prod(workload.input_shape)
    return tuple(
        _shape(layer, tuple(name == "input" for name in names), layer.name not in read,
               tuple(words[name] for name in names))
        for layer, names in zip(workload.layers, sources, strict=True)
    )


#: The numbers views of one network may differ in (a hybrid's ANN engine reads spike counts: other
#: densities and widths, dse_hybrid.boundaries.ann_view), each taken per design by the model: the
#: widths through rates.widths (arrays where designs override them), the density by layer._gemm's
#: arithmetic alone.
PER_DESIGN_FIELDS = frozenset({"weight_bits", "activation_bits", "input_density"})


def merged_shapes(views: Sequence[tuple[LayerShape, ...]]) -> Callable[[np.ndarray], tuple[LayerShape, ...]] | None:
    """The shapes of designs that each see one of ``views`` (by index): a layer the views agree on is
    shared, a number they differ in (PER_DESIGN_FIELDS) becomes an array over the designs. None when
    the views differ in anything else."""
    varying = _varying(tuple(views))
    if varying is None:
        return None
    first = views[0]

    def shapes_of(view: np.ndarray) -> tuple[LayerShape, ...]:
        return tuple(_with(shape, {name: values[view] for name, values in numbers.items()},
                           Views(numbers, view)) if numbers else shape
                     for shape, numbers in zip(first, varying, strict=True))
    return shapes_of


def _with(shape: LayerShape, numbers: dict[str, np.ndarray], views: Views) -> LayerShape:
    """dataclasses.replace(shape, **numbers, views=views) without re-running __init__ over its
    ~35 fields (LayerShape has no __post_init__: the same object, ~10x faster)."""
    new = object.__new__(LayerShape)
    new.__dict__.update(shape.__dict__, **numbers, views=views)
    return new


@lru_cache(maxsize=64)
def _varying(views: tuple[tuple[LayerShape, ...], ...]) -> tuple[dict[str, np.ndarray], ...] | None:
    """Per layer, each number the views differ in and its value in every view; None when they differ
    in more than PER_DESIGN_FIELDS (cached: a batch asks once per chunk, with the shapes layer_shapes
    cached, so a repeated question is told by identity)."""
    first = views[0]
    if any(len(shapes) != len(first) for shapes in views):
        return None
    varying: list[dict[str, np.ndarray]] = []
    for index, shape in enumerate(first):
        names = {f.name for other in views[1:] if other[index] != shape for f in fields(shape)
                 if getattr(other[index], f.name) != getattr(shape, f.name)}
        if not names <= PER_DESIGN_FIELDS:
            return None
        varying.append({name: np.array([getattr(shapes[index], name) for shapes in views]) for name in sorted(names)})
    return tuple(varying)


def scalesim_outputs(layer: Conv2dLayer) -> int:
    """Output pixels as SCALE-Sim computes them: ceil((H − R + s)/s) per side of the padded input.

    PyTorch's floor((H − R)/s) + 1 is one smaller when s does not divide H − R; SCALE-Sim then
    computes a last row (column) of windows that runs past the input (topology_utils.py).
    A dilated kernel spans (R − 1)·dilation + 1 pixels.
    """
    rows, cols = _scalesim_sides(layer)
    return rows * cols


def _scalesim_sides(layer: Conv2dLayer) -> tuple[int, int]:
    """SCALE-Sim's output rows and columns (scalesim_outputs)."""
    (sh, sw), (ph, pw) = as_pair(layer.stride), as_pair(layer.padding)
    span_h, span_w = _spans(layer)
    return -(-(layer.in_height + 2 * ph - span_h + sh) // sh), -(-(layer.in_width + 2 * pw - span_w + sw) // sw)


def _spans(layer: Conv2dLayer) -> tuple[int, int]:
    """Input rows and columns one output pixel reads: (R − 1)·dilation + 1 per side."""
    (kh, kw), (dh, dw) = as_pair(layer.kernel), as_pair(layer.dilation)
    return (kh - 1) * dh + 1, (kw - 1) * dw + 1


def _shape(layer, input_external: tuple[bool, ...], output_external: bool,
           operand_words: tuple[int, ...]) -> LayerShape:
    common = {
        "name": layer.name, "kind_name": layer.kind, "weight_bits": layer.weight_bits,
        "activation_bits": layer.activation_bits, "input_density": layer.input_density,
        "output_words": layer.out_neurons, "output_external": output_external,
    }
    if isinstance(layer, Conv2dLayer):
        kh, kw = as_pair(layer.kernel)
        _, out_h, out_w = layer.out_shape
        pixels, window = out_h * out_w, layer.channels_per_group * kh * kw
        unique = min(window * pixels, layer.channels_per_group * layer.in_height * layer.in_width)
        return LayerShape(
            kind="gemm", groups=layer.groups, pixels=pixels, scalesim_pixels=scalesim_outputs(layer),
            window=window,
            filters=layer.out_channels // layer.groups, unique_inputs=unique, macs=layer.macs,
            connections=layer.connections, weights=layer.weights, input_words=(layer.in_neurons,),
            input_external=input_external[:1], out_rows=out_h, scalesim_out_rows=_scalesim_sides(layer)[0],
            in_rows=layer.in_height, row_stride=as_pair(layer.stride)[0], row_span=_spans(layer)[0],
            in_row_words=layer.channels_per_group * layer.in_width, **common,
        )
    if isinstance(layer, DenseLayer):
        # a recurrent layer's previous outputs are extra inputs of the same GEMM
        # tokens share the weights: tokens rows of one GEMM, as output pixels share a conv's filters
        return LayerShape(
            kind="gemm", pixels=layer.tokens, scalesim_pixels=layer.tokens, window=layer.fan_in,
            filters=layer.out_features, unique_inputs=layer.fan_in * layer.tokens,
            macs=layer.macs, connections=layer.connections, weights=layer.weights,
            input_words=(layer.in_neurons,), input_external=input_external[:1], out_rows=layer.tokens,
            scalesim_out_rows=layer.tokens, in_rows=layer.tokens, in_row_words=layer.fan_in, **common,
        )
    if isinstance(layer, MatmulLayer):
        common["weight_bits"] = layer.activation_bits  # B is an activation
        return LayerShape(
            kind="gemm", groups=layer.products, pixels=layer.m, scalesim_pixels=layer.m, window=layer.k,
            filters=layer.n, unique_inputs=layer.m * layer.k, macs=layer.macs, connections=layer.macs,
            input_words=(layer.in_neurons, math.prod(layer.other_shape)), input_external=input_external,
            activation_operand=True, out_rows=layer.m, scalesim_out_rows=layer.m, in_rows=layer.m,
            in_row_words=layer.k, **common,
        )
    if layer.elementwise_ops:
        ops = layer.vector_ops
        words = (layer.in_neurons,) + operand_words[1:]  # a broadcast operand is read once
        return LayerShape(
            kind="vector", input_words=words, input_external=input_external,
            vector_ops=layer.elementwise_ops, vector_muls=ops.get("mul", 0),
            vector_nonlinear=ops.get("nonlinear", 0), **common,
        )
    return LayerShape(kind="free", input_words=(layer.in_neurons,), input_external=input_external, **common)
