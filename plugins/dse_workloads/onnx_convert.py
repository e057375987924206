"""ONNX graph → dse layers, as the torch exporters (dynamo and TorchScript) and quantisers write them.

Nodes are visited in file order (ONNX stores them topologically sorted). A tensor is *data*
if it descends from a graph input through something other than ``Shape``/``Size``; nodes
without data inputs compute constants or shapes and are skipped. Each data tensor maps to
the dse layer whose output holds its values, which gives ``input_from``, ``skip_from`` and
``other_from`` for residual, branched and attention graphs.

- Conv / ConvInteger / QLinearConv → conv2d (grouped, depthwise, 1-D as height 1);
  Gemm / MatMul / MatMulInteger / QLinearMatMul with a constant weight → dense (every row
  of a (tokens, features) input: ``tokens``), of two data tensors → matmul (QKᵀ, AV).
- MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, and ReduceMean / ReduceMax over
  the spatial axes of a (N, C, H, W) tensor → pool; other reductions → reduce.
- Add/Sub/Sum/QLinearAdd of two layers → add, Mul/Div/QLinearMul → mul (the second operand
  may broadcast: a squeeze-and-excitation scale); with a constant (a bias, a scale) they fold.
- Softmax → softmax, LayerNormalization → layernorm; Sigmoid, HardSigmoid, HardSwish, Gelu,
  Erf, Tanh, Exp → activation, and ``x · f(x)`` becomes one activation (sigmoid → silu,
  hardsigmoid → hardswish, erf → gelu: SiLU, HardSwish and GELU as exporters split them).
- ReLU (and Clip from 0) folds into the layer before it and makes its outputs sparse.
- Reshape, Flatten, Transpose, (Un)Squeeze, Slice, Gather, Split, Concat, Expand, Pad move
  data and cost nothing: a flatten to one vector per sample is a ``flatten`` layer; any other
  change of shape becomes a ``flatten`` layer with ``shape`` only where the reader needs
  the new shape (a conv, a softmax axis, a slice of fewer elements). Identity, Dropout,
  Cast and (De)QuantizeLinear pass through.
- Any other op with one data input folds into the layer before; every folded op that is
  not a bias, a rectifier or a pass-through is listed once in a warning, by type and count.
  An unknown op with a weight (ConvTranspose, LSTM, ...) is refused: its MACs would be lost.
"""

from __future__ import annotations

import ast
import math
from collections import Counter
from typing import Any

from dse import DseInputError
from dse_workloads.densities import Density, Emits
from dse_workloads.loaded import Draft, Loaded
from dse_workloads.onnx_reader import OnnxGraph, attributes
from dse_workloads.onnx_weights import activation_fields, is_constant, weight_fields

Shape = tuple[int, ...]

CONV_OPS = {"Conv": (1, None), "ConvInteger": (1, 3), "QLinearConv": (3, 5)}  # op → (weight, zero point)
MATMUL_OPS = {"Gemm": (1, None), "MatMul": (1, None), "MatMulInteger": (1, 3), "QLinearMatMul": (3, 5)}
POOL_OPS = {"MaxPool": "max", "AveragePool": "avg", "GlobalAveragePool": "avg", "GlobalMaxPool": "max",
            "QLinearAveragePool": "avg", "QLinearGlobalAveragePool": "avg"}
REDUCE_OPS = {"ReduceMean": "mean", "ReduceMax": "max", "ReduceSum": "sum"}
BINARY_OPS = {"Add": "add", "Sum": "add", "Sub": "add", "QLinearAdd": "add",
              "Mul": "mul", "Div": "mul", "QLinearMul": "mul"}
ACTIVATION_OPS = {"Sigmoid": "sigmoid", "QLinearSigmoid": "sigmoid", "HardSigmoid": "hardsigmoid",
                  "HardSwish": "hardswish", "Gelu": "gelu", "Erf": "erf", "Tanh": "tanh", "Exp": "exp"}
GATED = {"sigmoid": "silu", "hardsigmoid": "hardswish", "erf": "gelu"}  # x · f(x) as one function
RECTIFIERS = {"Relu", "ThresholdedRelu"}
PASS_THROUGH = {"Identity", "Dropout", "Cast", "QuantizeLinear", "DequantizeLinear"}
MOVES = {"Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Slice", "Gather", "Split", "Concat",
         "Expand", "Pad", "Tile"}
SHAPE_OPS = {"Shape", "Size"}
NETWORK_INPUT = Density(1.0, "default: network input dense, 1.0 (pixel and feature values are rarely exactly 0)")


def convert(graph: OnnxGraph, name: str) -> Loaded:
    """The workload of an ONNX graph (an ANN: one pass, T = 1)."""
    return _Converter(graph).run(name)


def dse_shape(shape: Shape) -> Shape:
    """A tensor's shape without the batch axis of 1 (a 2-D (tokens, features) keeps both)."""
    return shape[1:] if len(shape) > 1 and shape[0] == 1 else shape


class _Converter:
    def __init__(self, graph: OnnxGraph) -> None:
        self.g = graph
        self.draft = Draft(graph.ref)
        self.where: dict[str, str] = {t: "input" for t in graph.inputs}
        first = graph.inputs[0] if graph.inputs else None
        self.input_shape = dse_shape(graph.shapes[first]) if first in graph.shapes else None
        self.out_shapes: dict[str, Shape] = {"input": self.input_shape or ()}
        self.labels: dict[str, str] = {}  # tensor → label of the node that made it (names views)
        self.views: dict[tuple[str, Shape], str] = {}
        self.activation_source: dict[str, str] = {}  # activation layer → the layer it reads
        self.uncosted: Counter[str] = Counter()

    def run(self, name: str) -> Loaded:
        for index, node in enumerate(self.g.nodes):
            data = [t for t in node.input if t in self.where]
            if not data or node.op_type in SHAPE_OPS:
                continue
            label = _label(node, index)
            for out in node.output:
                self.labels[out] = label
            self._node(node, label, data)
        if self.uncosted:
            counts = ", ".join(f"{op} ×{n}" for op, n in sorted(self.uncosted.items()))
            self.draft.notes.append(f"{self.g.ref}: ops not costed (folded into the layer before): {counts}")
        return self.draft.build(name, NETWORK_INPUT, input_shape=self.input_shape)

    # -- dispatch ---------------------------------------------------------------------------
    def _node(self, node: Any, label: str, data: list[str]) -> None:
        op = node.op_type
        sources = {self.where[t] for t in data}
        if op in CONV_OPS:
            self._conv(node, label)
        elif op in MATMUL_OPS:
            self._matmul(node, label)
        elif op in POOL_OPS or (op in ("ReduceMean", "ReduceMax") and self._spatial(node)):
            self._pool(node, label)
        elif op in REDUCE_OPS:
            self._reduce(node, label)
        elif op in BINARY_OPS and len(data) > 1:
            self._binary(node, label, data)
        elif op in ("Add", "Sub", "Sum") and len(data) == 1:
            self._fold(node, data)  # a bias or a position embedding: part of the layer before
        elif op in RECTIFIERS or (op == "Clip" and self._clip_min(node) >= 0):
            self._fold(node, data, emits="relu", note=sources == {"input"})
        elif op in ACTIVATION_OPS:
            self._activation(node, label, data[0], ACTIVATION_OPS[op])
        elif op in ("Softmax", "LogSoftmax", "QLinearSoftmax"):
            self._softmax(node, label, data[0])
        elif op == "LayerNormalization":
            self._layernorm(node, label, data[0])
        elif op in PASS_THROUGH:
            self._fold(node, data)
        elif op in ("Flatten", "Reshape") and len(self.g.shape(node.output[0], node)) == 2 \
                and len(dse_shape(self.g.shape(data[0], node))) > 1:
            self._flatten(node, label, data[0])
        elif op in MOVES:
            for out in node.output:
                self.where[out] = self.where[data[0]]
        elif self._has_weight(node):
            raise DseInputError(
                f"{self.g.ref}: node '{node.name or label}' ({op}) is not supported by dse's ONNX importer and "
                "has weights, so its MACs would be lost (supported: Conv, Gemm, MatMul, pooling, elementwise, "
                "Softmax, LayerNormalization, activations, reshapes)"
            )
        else:
            self._fold(node, data, note=True)

    def _emit(self, node: Any, layer: dict[str, Any], emits: Emits, out_shape: Shape) -> str:
        name = self.draft.add(layer, emits)
        self.out_shapes[name] = out_shape
        self.where[node.output[0]] = name
        return name

    def _read(self, tensor: str, node: Any, want: Shape | None = None) -> str:
        """The layer to read ``tensor`` from: its source, or a free view of it in the shape the reader
        needs (``want``; None: any shape with the tensor's number of elements)."""
        source = self.where[tensor]
        have = self.out_shapes[source]
        actual = dse_shape(self.g.shape(tensor, node))
        if want is None:
            if math.prod(have) == math.prod(actual):
                return source
            want = actual
        if tuple(have) == tuple(want):
            return source
        key = (tensor, tuple(want))
        if key not in self.views:
            label = self.labels.get(tensor, f"{tensor}_view")
            layer: dict[str, Any] = {"name": label, "kind": "flatten", "input_from": source}
            if len(want) != 1 or want[0] != math.prod(have):
                layer["shape"] = list(want)
            self.views[key] = self.draft.add(layer, "derived")
            self.out_shapes[self.views[key]] = tuple(want)
        return self.views[key]

    def _input_from(self, layer: dict[str, Any], source: str) -> dict[str, Any]:
        """``layer`` reading ``source``: input_from unless it is the previous layer's output."""
        previous = self.draft.layers[-1]["name"] if self.draft.layers else "input"
        return layer if source == previous else {**layer, "input_from": source}

    def _fold(self, node: Any, data: list[str], *, emits: Emits | None = None, note: bool = False) -> None:
        """The node's outputs are its input's layer's output; ``note`` counts it in the uncosted warning."""
        source = self.where[data[0]]
        for out in node.output:
            self.where[out] = source
        if note:
            self.uncosted[node.op_type] += 1
        elif emits is not None and source != "input":
            self.draft.set_emits(source, emits)

    # -- layers with weights ------------------------------------------------------------------
    def _conv(self, node: Any, label: str) -> None:
        a = attributes(node)
        x = node.input[0]
        w_index, zp_index = CONV_OPS[node.op_type]
        w = node.input[w_index]
        w_shape = self.g.shape(w, node)
        x_shape = self.g.shape(x, node)
        y_shape = self.g.shape(node.output[0], node)
        if len(x_shape) not in (3, 4):
            raise DseInputError(f"{self.g.ref}: node '{node.name or label}' ({node.op_type}): only 1-D and 2-D "
                                f"convolutions are supported, input shape {x_shape}")
        one_d = len(x_shape) == 3
        kernel = list(a.get("kernel_shape") or w_shape[2:])
        strides = list(a.get("strides") or [1] * len(kernel))
        dilations = list(a.get("dilations") or [1] * len(kernel))
        in_sizes, out_sizes = list(x_shape[2:]), list(y_shape[2:])
        pads = [pad_of(in_sizes[i], out_sizes[i], kernel[i], strides[i], dilations[i], a, i, len(kernel))
                for i in range(len(kernel))]
        if any(p is None for p in pads):
            raise DseInputError(f"{self.g.ref}: node '{node.name or label}' ({node.op_type}): asymmetric padding "
                                f"{a.get('pads')} is not supported")
        if one_d:
            kernel, strides, dilations, pads = [1, *kernel], [1, *strides], [1, *dilations], [0, *pads]
            in_sizes, out_sizes = [1, *in_sizes], [1, *out_sizes]
        zero_point = node.input[zp_index] if zp_index is not None and len(node.input) > zp_index else None
        layer = {
            "name": label, "kind": "conv2d", "in_channels": x_shape[1], "out_channels": w_shape[0],
            "in_height": in_sizes[0], "in_width": in_sizes[1], "kernel": kernel, "stride": strides,
            "padding": pads, "dilation": dilations, "groups": int(a.get("group", 1)),
            **weight_fields(self.g, w, zero_point), **activation_fields(self.g, x),
        }
        source = self._read(x, node, (x_shape[1], in_sizes[0], in_sizes[1]))
        self._emit(node, self._input_from(layer, source), "analog", (w_shape[0], *out_sizes))

    def _matmul(self, node: Any, label: str) -> None:
        a = attributes(node)
        w_index, zp_index = MATMUL_OPS[node.op_type]
        x, w = node.input[0], node.input[w_index]
        if a.get("transA", 0):
            raise DseInputError(f"{self.g.ref}: node '{node.name or label}' (Gemm): transA is not supported")
        if w in self.where and not is_constant(self.g, w):
            self._matmul_of_activations(node, label, x, w)
            return
        w_shape = self.g.shape(w, node)
        x_shape = self.g.shape(x, node)
        if len(w_shape) != 2:
            raise DseInputError(f"{self.g.ref}: node '{node.name or label}' ({node.op_type}): weight shape "
                                f"{w_shape} is not a matrix")
        k, n = (w_shape[1], w_shape[0]) if a.get("transB", 0) else w_shape
        if x_shape[-1] != k:
            raise DseInputError(f"{self.g.ref}: node '{node.name or label}' ({node.op_type}): input {x_shape} "
                                f"does not end in {k} features")
        tokens = math.prod(x_shape[:-1])  # the batch of 1 and every token row share the weights
        zero_point = node.input[zp_index] if zp_index is not None and len(node.input) > zp_index else None
        layer: dict[str, Any] = {"name": label, "kind": "dense", "in_features": k, "out_features": n,
                                 **weight_fields(self.g, w, zero_point), **activation_fields(self.g, x)}
        if tokens > 1:
            layer["tokens"] = tokens
        source = self._read(x, node)
        self._emit(node, self._input_from(layer, source), "analog", (n,) if tokens == 1 else (tokens, n))

    def _matmul_of_activations(self, node: Any, label: str, x: str, y: str) -> None:
        """A · B of two data tensors (…, m, k) · (…, k, n): one product per leading index (heads)."""
        a_shape, b_shape = self.g.shape(x, node), self.g.shape(y, node)
        if len(a_shape) < 2 or len(b_shape) < 2 or math.prod(a_shape[:-2]) != math.prod(b_shape[:-2]):
            raise DseInputError(f"{self.g.ref}: node '{node.name or label}' ({node.op_type}): a product of "
                                f"{a_shape} and {b_shape} (broadcast batch axes) is not supported")
        heads, (m, k), n = math.prod(a_shape[:-2]), a_shape[-2:], b_shape[-1]
        layer = {"name": label, "kind": "matmul", "heads": heads, "m": m, "k": k, "n": n,
                 "other_from": self._read(y, node), **activation_fields(self.g, x)}
        source = self._read(x, node)
        self._emit(node, self._input_from(layer, source), "analog", (heads, m, n))

    def _has_weight(self, node: Any) -> bool:
        return any(t in self.g.constants and self.g.constants[t].ndim >= 2 for t in node.input)

    # -- layers without weights -----------------------------------------------------------------
    def _pool(self, node: Any, label: str) -> None:
        a = attributes(node)
        x = node.input[0]
        x_shape = self.g.shape(x, node)
        spatial = len(x_shape) - 2
        if node.op_type.startswith(("Global", "QLinearGlobal", "Reduce")):
            kernel, strides, pads = list(x_shape[2:]), [1] * spatial, [0] * spatial
        else:
            y_shape = self.g.shape(node.output[0], node)
            kernel = list(a["kernel_shape"])
            strides = list(a.get("strides") or [1] * len(kernel))
            pads = [pad_of(x_shape[2 + i], y_shape[2 + i], kernel[i], strides[i], 1, a, i, len(kernel))
                    for i in range(len(kernel))]
            if any(p is None for p in pads):
                raise DseInputError(f"{self.g.ref}: node '{node.name or label}' ({node.op_type}): padding or "
                                    "ceil_mode that needs asymmetric padding is not supported")
        in_sizes = list(x_shape[2:])
        if spatial == 1:
            kernel, strides, pads, in_sizes = [1, *kernel], [1, *strides], [0, *pads], [1, *in_sizes]
        mode = REDUCE_OPS.get(node.op_type) or POOL_OPS[node.op_type]
        layer = {"name": label, "kind": "pool", "mode": "avg" if mode == "mean" else mode, "kernel": kernel,
                 "stride": strides, "padding": pads}
        source = self._read(x, node, (x_shape[1], *in_sizes))
        out = tuple((size + 2 * p - k) // s + 1 for size, k, s, p in zip(in_sizes, kernel, strides, pads, strict=True))
        self._emit(node, self._input_from(layer, source), "derived", (x_shape[1], *out))

    def _spatial(self, node: Any) -> bool:
        """Whether a reduction runs over exactly the spatial axes of a (N, C, H, W) or (N, C, L) tensor."""
        x_shape = self.g.shape(node.input[0], node)
        axes = self._axes(node, len(x_shape))
        return len(x_shape) in (3, 4) and axes == set(range(2, len(x_shape)))

    def _axes(self, node: Any, rank: int) -> set[int]:
        """The axes a Reduce node reduces (attribute before opset 18, input from 18; none: all)."""
        a = attributes(node)
        axes = a.get("axes")
        if axes is None and len(node.input) > 1 and node.input[1] in self.g.constants:
            axes = self.g.constants[node.input[1]].reshape(-1).tolist()
        return {int(v) % rank for v in axes} if axes else set(range(rank))

    def _reduce(self, node: Any, label: str) -> None:
        x_shape = self.g.shape(node.input[0], node)
        axes = self._axes(node, len(x_shape))
        if 0 in axes and len(x_shape) > 1:
            raise DseInputError(f"{self.g.ref}: node '{node.name or label}' ({node.op_type}): reducing over "
                                "the batch axis is not supported")
        want = dse_shape(x_shape)
        dse_axes = sorted(axis - (len(x_shape) - len(want)) for axis in axes)
        layer = {"name": label, "kind": "reduce", "axes": dse_axes, "mode": REDUCE_OPS[node.op_type]}
        source = self._read(node.input[0], node, want)
        kept = tuple(size for axis, size in enumerate(want) if axis not in dse_axes) or (1,)
        self._emit(node, self._input_from(layer, source), "analog", kept)

    def _binary(self, node: Any, label: str, data: list[str]) -> None:
        """An elementwise op of two data tensors: add or mul, the second operand broadcast onto the first."""
        kind = BINARY_OPS[node.op_type]
        first, second = data[0], data[1]
        out_shape = dse_shape(self.g.shape(node.output[0], node))
        if dse_shape(self.g.shape(first, node)) != out_shape:
            first, second = second, first
        if self.where[first] == self.where[second] and kind == "add":
            self._fold(node, [first])  # x + x: an add the layer before can fold, as a bias
            return
        if kind == "mul" and self._gate(node, first, second):
            return
        other = self._read(second, node, self._operand_shape(second, node, out_shape))
        field = "skip_from" if kind == "add" else "other_from"
        layer = {"name": label, "kind": kind, field: other, **activation_fields(self.g, first)}
        source = self._read(first, node, out_shape)
        self._emit(node, self._input_from(layer, source), "derived", out_shape)

    def _operand_shape(self, tensor: str, node: Any, out_shape: Shape) -> Shape:
        """A broadcast operand's shape beside the output's: without the batch axis when it has one."""
        shape = self.g.shape(tensor, node)
        full = self.g.shape(node.output[0], node)
        return dse_shape(shape) if len(shape) == len(full) else tuple(shape)

    def _gate(self, node: Any, x: str, y: str) -> bool:
        """``x · f(x)`` with f an activation layer reading x's layer: that layer becomes the gated
        function (sigmoid → silu, hardsigmoid → hardswish, erf → gelu) and the product is its output."""
        for data, gate in ((x, y), (y, x)):
            layer_name = self.where[gate]
            if self.activation_source.get(layer_name) != self.where[data]:
                continue
            layer = self.draft.layer(layer_name)
            if layer["function"] in GATED and self.out_shapes[layer_name] == self.out_shapes[self.where[data]]:
                layer["function"] = GATED[layer["function"]]
                self.where[node.output[0]] = layer_name
                del self.activation_source[layer_name]
                return True
        return False

    def _activation(self, node: Any, label: str, x: str, function: str) -> None:
        source = self._read(x, node)
        layer = {"name": label, "kind": "activation", "function": function}
        name = self._emit(node, self._input_from(layer, source), "analog", self.out_shapes[source])
        self.activation_source[name] = source

    def _softmax(self, node: Any, label: str, x: str) -> None:
        x_shape = self.g.shape(x, node)
        axis = int(attributes(node).get("axis", -1 if self.g.opset >= 13 else 1))
        want = dse_shape(x_shape)
        layer = {"name": label, "kind": "softmax", "axis": _dse_axis(axis, len(x_shape), len(want))}
        self._emit(node, self._input_from(layer, self._read(x, node, want)), "analog", want)

    def _layernorm(self, node: Any, label: str, x: str) -> None:
        x_shape = self.g.shape(x, node)
        axis = int(attributes(node).get("axis", -1))
        want = dse_shape(x_shape)
        layer = {"name": label, "kind": "layernorm", "axis": _dse_axis(axis, len(x_shape), len(want)),
                 "affine": True}
        self._emit(node, self._input_from(layer, self._read(x, node, want)), "analog", want)

    def _flatten(self, node: Any, label: str, x: str) -> None:
        source = self._read(x, node)
        n = math.prod(self.out_shapes[source])
        self._emit(node, self._input_from({"name": label, "kind": "flatten"}, source), "derived", (n,))

    def _clip_min(self, node: Any) -> float:
        a = attributes(node)
        if "min" in a:
            return float(a["min"])
        if len(node.input) > 1 and node.input[1] in self.g.constants:
            return float(self.g.constants[node.input[1]])
        return -math.inf


def _dse_axis(axis: int, rank: int, dse_rank: int) -> int:
    """An ONNX axis of a tensor of ``rank`` as an axis of its dse shape (batch axis dropped)."""
    return axis if axis < 0 else axis - (rank - dse_rank)


def pad_of(size: int, out: int, kernel: int, stride: int, dilation: int, a: dict[str, Any], axis: int,
           rank: int) -> int | None:
    """The symmetric padding of one axis that gives the inferred output size, or None."""
    pads = a.get("pads")
    candidates = [pads[axis], pads[axis + rank]] if pads else [0]
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET", b"VALID", "VALID") or a.get("ceil_mode", 0):
        total = max((out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
        candidates = [total // 2, (total + 1) // 2]
    for p in candidates:
        if (size + 2 * p - dilation * (kernel - 1) - 1) // stride + 1 == out:
            return int(p)
    return None


def _label(node: Any, index: int) -> str:
    """A readable layer name: the module path the dynamo exporter records (``fc.Gemm``), else the
    node's name without exporter slashes (TorchScript: ``/fc/Gemm`` → ``fc.Gemm``), else op and index."""
    scopes = next((p.value for p in node.metadata_props if p.key == "pkg.torch.onnx.name_scopes"), None)
    if scopes:
        try:
            module = [s for s in ast.literal_eval(scopes)[:-1] if s]
        except (ValueError, SyntaxError):
            module = []
        if module:
            return f"{module[-1]}.{node.op_type}"
    name = node.name.strip("/").replace("/", ".")
    return name or f"{node.op_type.lower()}{index}"
