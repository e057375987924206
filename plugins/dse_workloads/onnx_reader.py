"""An ONNX file read with the ``onnx`` package alone: batch fixed, shapes inferred, constants at hand.

The traps (docs/references/formats.md): a symbolic batch dimension ("N") left as it is
keeps every shape after a PyTorch-style flatten (Shape → Gather → Concat → Reshape) unknown,
so the batch is fixed to 1 before ``infer_shapes(data_prop=True)``; a Conv may lack
``kernel_shape`` (the weight has it); weights are initializers or Constant nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dse import DseInputError
from dse_workloads.extras import require


@dataclass
class OnnxGraph:
    """The parts of an ONNX graph the converter needs (shapes include the batch of 1)."""

    ref: str
    nodes: list[Any]
    inputs: list[str]
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    elem_types: dict[str, int] = field(default_factory=dict)
    constants: dict[str, np.ndarray] = field(default_factory=dict)
    producers: dict[str, Any] = field(default_factory=dict)

    def shape(self, tensor: str, node: Any) -> tuple[int, ...]:
        """The inferred shape of ``tensor``; DseInputError naming ``node`` if it stayed unknown."""
        if tensor in self.constants:
            return tuple(self.constants[tensor].shape)
        shape = self.shapes.get(tensor)
        if shape is None:
            raise DseInputError(
                f"{self.ref}: node '{node.name or node.op_type}' ({node.op_type}): the shape of '{tensor}' "
                "is unknown after shape inference"
            )
        return shape


def read_onnx(path: str | Path, batch: int = 1) -> OnnxGraph:
    """Load, fix symbolic input dimensions to ``batch``, infer shapes with data propagation."""
    onnx = require("onnx", str(path))
    ref = str(path)
    try:
        model = onnx.load(ref)
    except Exception as error:  # noqa: BLE001 - protobuf DecodeError, truncated file, external data missing
        raise DseInputError(f"{ref}: not a readable ONNX model ({_first_line(error)})") from None
    graph = model.graph
    if len(graph.node) == 0:
        raise DseInputError(f"{ref}: not an ONNX model with a graph (no nodes; truncated or not ONNX?)")
    initializers = {init.name for init in graph.initializer}
    data_inputs = [vi for vi in graph.input if vi.name not in initializers]
    for vi in data_inputs:
        dims = vi.type.tensor_type.shape.dim
        if len(dims) and (dims[0].HasField("dim_param") or dims[0].dim_value <= 0):
            dims[0].Clear()
            dims[0].dim_value = batch
    try:
        onnx.checker.check_model(model)
        model = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception as error:  # noqa: BLE001 - checker and inference errors
        raise DseInputError(f"{ref}: invalid ONNX model ({_first_line(error)})") from None
    result = OnnxGraph(ref, list(model.graph.node), [vi.name for vi in data_inputs])
    for vi in [*model.graph.input, *model.graph.value_info, *model.graph.output]:
        tensor_type = vi.type.tensor_type
        result.elem_types[vi.name] = tensor_type.elem_type
        dims = tensor_type.shape.dim
        if tensor_type.HasField("shape") and all(d.HasField("dim_value") for d in dims):
            result.shapes[vi.name] = tuple(int(d.dim_value) for d in dims)
    numpy_helper = onnx.numpy_helper
    for init in model.graph.initializer:
        result.constants[init.name] = numpy_helper.to_array(init)
        result.elem_types[init.name] = init.data_type
    for node in model.graph.node:
        for out in node.output:
            result.producers[out] = node
        if node.op_type == "Constant":
            value = next((a for a in node.attribute if a.name == "value"), None)
            if value is not None:
                result.constants[node.output[0]] = numpy_helper.to_array(value.t)
                result.elem_types[node.output[0]] = value.t.data_type
    return result


def attributes(node: Any) -> dict[str, Any]:
    """A node's attributes as Python values."""
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
