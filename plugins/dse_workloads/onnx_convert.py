"""ONNX graph → dse layers: conv, dense, pooling, residual add and flatten; activations folded.

Nodes are visited in file order (ONNX stores them topologically sorted). A tensor is *data*
if it descends from a graph input through something other than ``Shape``/``Size``; nodes
without data inputs compute constants or shapes and are skipped. Each data tensor maps to
the dse layer whose output it is, which gives ``input_from`` and ``skip_from`` for
residual and branched graphs.

- Conv / ConvInteger / QLinearConv → conv2d (grouped, depthwise, 1-D as height 1);
  Gemm / MatMul / MatMulInteger / QLinearMatMul with a constant weight → dense.
- MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool → pool; Add/Sum of two layers → add;
  Flatten, or a Reshape/Squeeze to one dimension → flatten.
- Activations fold into the layer before them (a rectifier makes its outputs sparse);
  normalisations and arithmetic with constants fold too but are not costed, and a warning
  names them with their shapes; Identity, Dropout, Cast and (De)QuantizeLinear pass through.
- Weight density: non-zero fraction of the weight initializer (quantized weights: values
  that differ from the zero point). Bit widths: from the integer type of quantized weights
  and of (De)QuantizeLinear activations; float models keep the schema default (8 bits).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dse import DseInputError
from dse_workloads.densities import Density
from dse_workloads.loaded import Draft, Loaded
from dse_workloads.onnx_reader import OnnxGraph, attributes

CONV_OPS = {"Conv": 1, "ConvInteger": 1, "QLinearConv": 3}  # op → index of the weight input
DENSE_OPS = {"Gemm": 1, "MatMul": 1, "MatMulInteger": 1, "QLinearMatMul": 3}
POOL_OPS = {"MaxPool": "max", "AveragePool": "avg", "GlobalAveragePool": "avg", "GlobalMaxPool": "max"}
RECTIFIERS = {"Relu", "ThresholdedRelu"}
ACTIVATIONS = {"Sigmoid", "Tanh", "LeakyRelu", "PRelu", "Elu", "Selu", "Celu", "Gelu", "HardSigmoid",
               "HardSwish", "Softplus", "Softsign", "Mish", "Softmax", "LogSoftmax", "Erf", "Clip"}
PASS_THROUGH = {"Identity", "Dropout", "Cast", "QuantizeLinear", "DequantizeLinear"}
UNCOSTED = {"BatchNormalization", "InstanceNormalization", "LayerNormalization", "LRN", "Mul", "Div", "Sub",
            "Pow", "Sqrt", "Neg", "Abs", "Exp", "Log", "Reciprocal"}
RESHAPES = {"Flatten", "Reshape", "Squeeze", "Unsqueeze"}
SHAPE_OPS = {"Shape", "Size"}
NETWORK_INPUT = Density(1.0, "default: network input dense, 1.0 (pixel and feature values are rarely exactly 0)")


def convert(graph: OnnxGraph, name: str) -> Loaded:
    """The workload of an ONNX graph (an ANN: one pass, T = 1)."""
    return _Converter(graph).run(name)


class _Converter:
    def __init__(self, graph: OnnxGraph) -> None:
        self.g = graph
        self.draft = Draft(graph.ref)
        self.where: dict[str, str] = {t: "input" for t in graph.inputs}
        self.uncosted: list[str] = []

    def run(self, name: str) -> Loaded:
        for index, node in enumerate(self.g.nodes):
            data = [t for t in node.input if t in self.where]
            if not data or node.op_type in SHAPE_OPS:
                continue
            self._node(node, index, data)
        if self.uncosted:
            self.draft.notes.append(f"{self.g.ref}: ops not costed (folded into the layer before): "
                                    + ", ".join(self.uncosted))
        first = self.draft.layers[0] if self.draft.layers else None
        input_shape = None
        if first is not None and first["kind"] in ("pool", "add", "flatten") and self.g.inputs:
            input_shape = self.g.shape(self.g.inputs[0], self.g.nodes[0])[1:]
        return self.draft.build(name, NETWORK_INPUT, input_shape=input_shape)

    # -- dispatch ---------------------------------------------------------------------------
    def _node(self, node: Any, index: int, data: list[str]) -> None:
        op = node.op_type
        label = _label(node, index)
        sources = {self.where[t] for t in data}
        if op in CONV_OPS:
            self._emit(node, self._conv(node, label), "analog")
        elif op in DENSE_OPS:
            self._emit(node, self._dense(node, label), "analog")
        elif op in POOL_OPS:
            self._emit(node, self._pool(node, label), "derived")
        elif op in ("Add", "Sum") and len(data) == 2 and len(sources) == 2:
            layer = {"name": label, "kind": "add", "skip_from": self.where[data[1]]}
            self._emit(node, self._from(layer, data[0]), "derived")
        elif op in ("Add", "Sum", "Mul") and len(data) > 1 and len(sources) == 1:
            self._fold(node, data)  # a gate on one layer's own output (x * sigmoid(x)): an activation
        elif op in ("Add", "Sum") and len(data) == 1:
            self._fold(node, data)  # a bias
        elif op in RECTIFIERS or (op == "Clip" and self._clip_min(node) >= 0):
            self._fold(node, data, emits="relu", note=sources == {"input"})
        elif op in ACTIVATIONS:
            self._fold(node, data, note=sources == {"input"})
        elif op in PASS_THROUGH:
            self._fold(node, data)
        elif op in UNCOSTED and len(data) == 1:
            self._fold(node, data, note=True)
        elif op in RESHAPES and len(data) == 1:
            self._reshape(node, label, data[0])
        else:
            raise DseInputError(
                f"{self.g.ref}: node '{node.name or label}' ({op}) is not supported by dse's ONNX importer "
                "(supported: Conv, Gemm, MatMul, pooling, Add, Flatten/Reshape, activations, normalisations)"
            )

    def _emit(self, node: Any, layer: dict[str, Any], emits: str) -> None:
        name = self.draft.add(layer, emits)  # type: ignore[arg-type]
        self.where[node.output[0]] = name

    def _from(self, layer: dict[str, Any], tensor: str) -> dict[str, Any]:
        """Read ``tensor``: set input_from unless it is the previous layer's output."""
        source = self.where[tensor]
        previous = self.draft.layers[-1]["name"] if self.draft.layers else "input"
        return layer if source == previous else {**layer, "input_from": source}

    def _fold(self, node: Any, data: list[str], *, emits: str | None = None, note: bool = False) -> None:
        """The node's output is its input's layer's output; ``note`` names it in the uncosted warning."""
        source = self.where[data[0]]
        self.where[node.output[0]] = source
        if note:
            shape = self.g.shapes.get(node.output[0])
            dims = "x".join(str(d) for d in shape[1:]) if shape else "?"
            self.uncosted.append(f"{node.name or node.op_type} ({node.op_type}, {dims})")
        elif emits is not None and source != "input":
            self.draft.set_emits(source, emits)  # type: ignore[arg-type]

    # -- layers -------------------------------------------------------------------------------
    def _conv(self, node: Any, label: str) -> dict[str, Any]:
        a = attributes(node)
        x = node.input[0]
        w_shape = self.g.shape(node.input[CONV_OPS[node.op_type]], node)
        x_shape = self.g.shape(x, node)
        y_shape = self.g.shape(node.output[0], node)
        if len(x_shape) not in (3, 4):
            raise DseInputError(f"{self.g.ref}: node '{node.name or label}' (Conv): only 1-D and 2-D convolutions "
                                f"are supported, input shape {x_shape}")
        one_d = len(x_shape) == 3
        kernel = list(a.get("kernel_shape") or w_shape[2:])
        strides = list(a.get("strides") or [1] * len(kernel))
        dilations = list(a.get("dilations") or [1] * len(kernel))
        in_sizes, out_sizes = list(x_shape[2:]), list(y_shape[2:])
        pads = [_pad(in_sizes[i], out_sizes[i], kernel[i], strides[i], dilations[i], a, i, len(kernel))
                for i in range(len(kernel))]
        if any(p is None for p in pads):
            raise DseInputError(f"{self.g.ref}: node '{node.name or label}' (Conv): asymmetric padding "
                                f"{a.get('pads')} is not supported")
        if one_d:
            kernel, strides, dilations, pads = [1, *kernel], [1, *strides], [1, *dilations], [0, *pads]
            in_sizes = [1, *in_sizes]
        groups = int(a.get("group", 1))
        layer = {
            "name": label, "kind": "conv2d", "in_channels": x_shape[1], "out_channels": w_shape[0],
            "in_height": in_sizes[0], "in_width": in_sizes[1], "kernel": kernel, "stride": strides,
            "padding": pads, "dilation": dilations, "groups": groups,
            **self._weights(node, node.input[CONV_OPS[node.op_type]]), **self._act_bits(node, x),
        }
        return self._from(layer, x)

    def _dense(self, node: Any, label: str) -> dict[str, Any]:
        a = attributes(node)
        x, w = node.input[0], node.input[DENSE_OPS[node.op_type]]
        if w in self.where or a.get("transA", 0):
            raise DseInputError(f"{self.g.ref}: node '{node.name or label}' ({node.op_type}): only a product of "
                                "an activation and a constant weight is supported")
        w_shape = self.g.shape(w, node)
        x_shape = self.g.shape(x, node)
        if len(w_shape) != 2:
            raise DseInputError(f"{self.g.ref}: node '{node.name or label}' ({node.op_type}): weight shape "
                                f"{w_shape} is not a matrix")
        k, n = (w_shape[1], w_shape[0]) if a.get("transB", 0) else w_shape
        if math.prod(x_shape[1:]) != k:
            raise DseInputError(f"{self.g.ref}: node '{node.name or label}' ({node.op_type}): input {x_shape} "
                                f"is not one vector of {k} features per sample")
        layer = {"name": label, "kind": "dense", "in_features": k, "out_features": n,
                 **self._weights(node, w), **self._act_bits(node, x)}
        return self._from(layer, x)

    def _pool(self, node: Any, label: str) -> dict[str, Any]:
        a = attributes(node)
        x = node.input[0]
        x_shape = self.g.shape(x, node)
        if node.op_type.startswith("Global"):
            kernel, strides, pads = list(x_shape[2:]), [1] * (len(x_shape) - 2), [0] * (len(x_shape) - 2)
        else:
            y_shape = self.g.shape(node.output[0], node)
            kernel = list(a["kernel_shape"])
            strides = list(a.get("strides") or [1] * len(kernel))
            pads = [_pad(x_shape[2 + i], y_shape[2 + i], kernel[i], strides[i], 1, a, i, len(kernel))
                    for i in range(len(kernel))]
            if any(p is None for p in pads):
                raise DseInputError(f"{self.g.ref}: node '{node.name or label}' ({node.op_type}): padding or "
                                    "ceil_mode that needs asymmetric padding is not supported")
        if len(kernel) == 1:
            kernel, strides, pads = [1, *kernel], [1, *strides], [0, *pads]
        layer = {"name": label, "kind": "pool", "mode": POOL_OPS[node.op_type], "kernel": kernel,
                 "stride": strides, "padding": pads}
        return self._from(layer, x)

    def _reshape(self, node: Any, label: str, x: str) -> None:
        x_dims = self.g.shape(x, node)[1:]
        y_dims = self.g.shape(node.output[0], node)[1:]
        if len(y_dims) == 1 and len(x_dims) > 1:
            self._emit(node, self._from({"name": label, "kind": "flatten"}, x), "derived")
        elif len(y_dims) == 1 and len(x_dims) == 1 or y_dims == x_dims:
            self.where[node.output[0]] = self.where[x]  # already that shape
        else:
            raise DseInputError(f"{self.g.ref}: node '{node.name or label}' ({node.op_type}): reshaping "
                                f"{x_dims} to {y_dims} is not supported (only flattening to one vector per sample)")

    # -- weights and bits -----------------------------------------------------------------------
    def _weights(self, node: Any, w: str) -> dict[str, Any]:
        values, zero, bits = self._trace_weight(w)
        fields: dict[str, Any] = {}
        if values is not None and values.size:
            fields["weight_density"] = float(np.count_nonzero(values != zero) / values.size)
        if bits is not None:
            fields["weight_bits"] = bits
        return fields

    def _trace_weight(self, tensor: str) -> tuple[np.ndarray | None, Any, int | None]:
        """(values, zero point, bits) of a weight, through DequantizeLinear, Identity, Cast, Transpose."""
        zero: Any = 0
        zero_axis = 1
        bits: int | None = None
        for _ in range(8):
            if tensor in self.g.constants:
                values = self.g.constants[tensor]
                if np.ndim(zero) == 1 and values.ndim > zero_axis:  # per-channel zero points
                    shape = [1] * values.ndim
                    shape[zero_axis] = -1
                    zero = np.reshape(zero, shape)
                return values, zero, _bits(self.g.elem_types.get(tensor)) or bits
            producer = self.g.producers.get(tensor)
            if producer is None or producer.op_type not in ("DequantizeLinear", "QuantizeLinear", "Identity",
                                                            "Cast", "Transpose"):
                return None, zero, bits
            if producer.op_type == "QuantizeLinear":  # fake-quantised float weights: zero stays 0
                zero, bits = 0, _quantize_bits(self.g, producer)
            if producer.op_type == "DequantizeLinear" and len(producer.input) > 2 and \
                    producer.input[2] in self.g.constants:
                zero = self.g.constants[producer.input[2]]
                zero_axis = int(attributes(producer).get("axis", 1))
            tensor = producer.input[0]
        return None, zero, bits

    def _act_bits(self, node: Any, x: str) -> dict[str, Any]:
        """activation_bits from the integer type feeding the layer (QDQ or QLinear models)."""
        producer = self.g.producers.get(x)
        bits = _bits(self.g.elem_types.get(x))
        if bits is None and producer is not None and producer.op_type == "DequantizeLinear":
            bits = _bits(self.g.elem_types.get(producer.input[0]))
        return {"activation_bits": bits} if bits is not None else {}

    def _clip_min(self, node: Any) -> float:
        a = attributes(node)
        if "min" in a:
            return float(a["min"])
        if len(node.input) > 1 and node.input[1] in self.g.constants:
            return float(self.g.constants[node.input[1]])
        return -math.inf


def _bits(elem_type: int | None) -> int | None:
    """Bits of an integer ONNX element type (TensorProto enum); None for floats and unknowns."""
    # TensorProto: UINT8 2, INT8 3, UINT16 4, INT16 5, INT32 6, UINT4 21, INT4 22 (onnx.proto3)
    return {2: 8, 3: 8, 4: 16, 5: 16, 6: 32, 21: 4, 22: 4}.get(elem_type or 0)


def _quantize_bits(graph: OnnxGraph, node: Any) -> int:
    """Bits of a QuantizeLinear's output: its zero point's type, else ``output_dtype``, else uint8."""
    if len(node.input) > 2 and node.input[2]:
        return _bits(graph.elem_types.get(node.input[2])) or 8
    return _bits(int(attributes(node).get("output_dtype", 2))) or 8


def _pad(size: int, out: int, kernel: int, stride: int, dilation: int, a: dict[str, Any], axis: int,
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
    """A readable layer name: the node's name without exporter slashes, else op and index."""
    name = node.name.strip("/").replace("/", ".")
    return name or f"{node.op_type.lower()}{index}"
