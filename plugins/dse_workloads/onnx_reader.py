"""An ONNX file read with the ``onnx`` package alone: batch fixed, shapes inferred, constants at hand.

The traps (docs/references/formats.md): a symbolic batch dimension ("N", or the dynamo
exporter's "s0"/"batch") left as it is keeps every shape after a PyTorch-style flatten
(Shape → Gather → Concat → Reshape) unknown, so the batch is fixed to 1 before
``infer_shapes(data_prop=True)``, and the exporter's own symbolic ``value_info`` is dropped
so that inference computes it again; a Conv may lack ``kernel_shape`` (the weight has it);
weights are initializers or Constant nodes; ``onnx.load`` reads external-data files from
the model's folder. ONNX shape inference does not know onnxruntime's ``com.microsoft``
QOperator ops (QLinearAdd, QLinearMul, QLinearSigmoid, QLinearGlobalAveragePool,
QLinearAveragePool's neighbours): their output shapes are computed here and inference runs
again past them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dse import DseInputError
from dse_workloads.extras import require
from dse_workloads.onnx_fold import fold_shape_arithmetic

#: com.microsoft ops whose output has the broadcast shape of these inputs (onnxruntime
#: ContribOperators.md: A, A_scale, A_zero_point, B, ...), or the shape of input 0.
MS_BROADCAST = {"QLinearAdd": (0, 3), "QLinearMul": (0, 3)}
MS_SAME_SHAPE = {"QLinearSigmoid", "QLinearLeakyRelu", "QLinearSoftmax"}
MS_GLOBAL_POOL = {"QLinearGlobalAveragePool"}


@dataclass
class OnnxGraph:
    """The parts of an ONNX graph the converter needs (shapes include the batch of 1)."""

    ref: str
    nodes: list[Any]
    inputs: list[str]
    opset: int = 17
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
                "is unknown after shape inference (a symbolic dimension other than the batch? export with "
                "fixed sizes)"
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
    _forget_symbolic_shapes(model)
    try:
        onnx.checker.check_model(model)
        model = _infer(onnx, model, _opset(model))
    except Exception as error:  # noqa: BLE001 - checker and inference errors
        raise DseInputError(f"{ref}: invalid ONNX model ({_first_line(error)})") from None
    result = OnnxGraph(ref, list(model.graph.node), [vi.name for vi in data_inputs], _opset(model))
    _collect_shapes(model, result)
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


def _opset(model: Any) -> int:
    return max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=17)


def _forget_symbolic_shapes(model: Any) -> None:
    """Drop intermediate shapes an exporter wrote with symbolic sizes, and symbolic output sizes,
    so that inference recomputes them from the fixed batch."""
    keep = [vi for vi in model.graph.value_info if _known(vi)]
    del model.graph.value_info[:]
    model.graph.value_info.extend(keep)
    for vi in model.graph.output:
        for dim in vi.type.tensor_type.shape.dim:
            if not dim.HasField("dim_value"):
                dim.Clear()


def _known(vi: Any) -> bool:
    dims = vi.type.tensor_type.shape.dim
    return all(d.HasField("dim_value") for d in dims)


def _infer(onnx: Any, model: Any, opset: int) -> Any:
    """``infer_shapes`` again after each round of shape arithmetic folded and com.microsoft output
    shapes computed here."""
    for _ in range(256):
        model = onnx.shape_inference.infer_shapes(model, data_prop=True)
        if fold_shape_arithmetic(onnx, model, opset):
            continue
        infos = [*model.graph.input, *model.graph.value_info, *model.graph.output]
        shapes = {vi.name: _dims(vi) for vi in infos}
        elems = {vi.name: vi.type.tensor_type.elem_type for vi in infos}
        shapes.update({init.name: tuple(init.dims) for init in model.graph.initializer})
        added = False
        for node in model.graph.node:
            if shapes.get(node.output[0]) is not None:
                continue
            shape = _ms_shape(node, shapes)
            if shape is not None:
                elem = elems.get(node.input[0]) or 2  # QOperator tensors are uint8 (2) unless typed
                model.graph.value_info.append(onnx.helper.make_tensor_value_info(node.output[0], elem, shape))
                shapes[node.output[0]] = shape
                added = True
        if not added:
            return model
    return model


def _ms_shape(node: Any, shapes: dict[str, tuple[int, ...] | None]) -> tuple[int, ...] | None:
    """The output shape of a com.microsoft QOperator node whose input shapes are known, else None."""
    if node.op_type in MS_BROADCAST:
        a, b = (shapes.get(node.input[i]) for i in MS_BROADCAST[node.op_type])
        return tuple(np.broadcast_shapes(a, b)) if a is not None and b is not None else None
    x = shapes.get(node.input[0])
    if x is None:
        return None
    if node.op_type in MS_SAME_SHAPE:
        return x
    if node.op_type in MS_GLOBAL_POOL:
        return (*x[:2], *([1] * (len(x) - 2)))
    return None


def _dims(vi: Any) -> tuple[int, ...] | None:
    tensor_type = vi.type.tensor_type
    if not tensor_type.HasField("shape") or not _known(vi):
        return None
    return tuple(int(d.dim_value) for d in tensor_type.shape.dim)


def _collect_shapes(model: Any, result: OnnxGraph) -> None:
    for vi in [*model.graph.input, *model.graph.value_info, *model.graph.output]:
        result.elem_types[vi.name] = vi.type.tensor_type.elem_type
        shape = _dims(vi)
        if shape is not None:
            result.shapes[vi.name] = shape


def attributes(node: Any) -> dict[str, Any]:
    """A node's attributes as Python values."""
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
