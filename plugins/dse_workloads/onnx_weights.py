"""Weight density and bit widths of an ONNX layer, read from its tensors' types and zero points.

- Weight density: non-zero fraction of the weight initializer (quantised weights: values that
  differ from the zero point), traced through DequantizeLinear, QuantizeLinear, Identity,
  Cast and Transpose.
- Bit widths: from the element type of quantised (integer, 8-bit float) or half-precision
  weights and activations (QDQ models: the tensor a DequantizeLinear reads; QOperator models:
  QLinearConv's and QLinearMatMul's own inputs); float32 models keep the schema default (8 bits).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dse_workloads.onnx_reader import OnnxGraph, attributes

#: Bits of the narrow ONNX element types (TensorProto enum, onnx.proto3): UINT8 2, INT8 3,
#: UINT16 4, INT16 5, INT32 6, FLOAT16 10, BFLOAT16 16, the four FLOAT8 types 17-20, UINT4 21,
#: INT4 22. FLOAT (32-bit) is absent: a float model keeps the schema default.
NARROW_BITS = {2: 8, 3: 8, 4: 16, 5: 16, 6: 32, 10: 16, 16: 16, 17: 8, 18: 8, 19: 8, 20: 8, 21: 4, 22: 4}


def bits(elem_type: int | None) -> int | None:
    """Bits of an integer, half or 8-bit float ONNX element type; None for float32 and unknowns."""
    return NARROW_BITS.get(elem_type or 0)


def weight_fields(graph: OnnxGraph, w: str, zero_point: str | None = None) -> dict[str, Any]:
    """``weight_density`` and ``weight_bits`` of weight tensor ``w`` where the graph tells them;
    ``zero_point`` names a QOperator node's weight zero point (per tensor or per output channel)."""
    values, zero, width = _trace(graph, w)
    if values is not None and zero_point in graph.constants:
        zero = graph.constants[zero_point]
        if np.ndim(zero) == 1 and values.ndim > 1:  # QLinearConv: per output channel (axis 0)
            zero = np.reshape(zero, [-1, *([1] * (values.ndim - 1))] if len(zero) == values.shape[0]
                              else [*([1] * (values.ndim - 1)), -1])
    fields: dict[str, Any] = {}
    if values is not None and values.size:
        fields["weight_density"] = float(np.count_nonzero(values != zero) / values.size)
    if width is not None:
        fields["weight_bits"] = width
    return fields


def activation_fields(graph: OnnxGraph, x: str) -> dict[str, Any]:
    """``activation_bits`` from the integer type feeding a layer (QDQ or QOperator models)."""
    producer = graph.producers.get(x)
    width = bits(graph.elem_types.get(x))
    if width is None and producer is not None and producer.op_type == "DequantizeLinear":
        width = bits(graph.elem_types.get(producer.input[0]))
    return {"activation_bits": width} if width is not None else {}


def is_constant(graph: OnnxGraph, tensor: str) -> bool:
    """Whether ``tensor`` is a constant, directly or through the ops a weight passes."""
    return _trace(graph, tensor)[0] is not None


def _trace(graph: OnnxGraph, tensor: str) -> tuple[np.ndarray | None, Any, int | None]:
    """(values, zero point, bits) of a weight, through DequantizeLinear, Identity, Cast, Transpose."""
    zero: Any = 0
    zero_axis = 1
    width: int | None = None
    for _ in range(8):
        if tensor in graph.constants:
            values = graph.constants[tensor]
            if np.ndim(zero) == 1 and values.ndim > zero_axis:  # per-channel zero points
                shape = [1] * values.ndim
                shape[zero_axis] = -1
                zero = np.reshape(zero, shape)
            return values, zero, bits(graph.elem_types.get(tensor)) or width
        producer = graph.producers.get(tensor)
        if producer is None or producer.op_type not in ("DequantizeLinear", "QuantizeLinear", "Identity",
                                                        "Cast", "Transpose"):
            return None, zero, width
        if producer.op_type == "QuantizeLinear":  # fake-quantised float weights: zero stays 0
            zero, width = 0, _quantize_bits(graph, producer)
        if producer.op_type == "DequantizeLinear" and len(producer.input) > 2 and \
                producer.input[2] in graph.constants:
            zero = graph.constants[producer.input[2]]
            zero_axis = int(attributes(producer).get("axis", 1))
        tensor = producer.input[0]
    return None, zero, width


def _quantize_bits(graph: OnnxGraph, node: Any) -> int:
    """Bits of a QuantizeLinear's output: its zero point's type, else ``output_dtype``, else uint8."""
    if len(node.input) > 2 and node.input[2]:
        return bits(graph.elem_types.get(node.input[2])) or 8
    return bits(int(attributes(node).get("output_dtype", 2))) or 8
