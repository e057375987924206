"""Shape arithmetic an exporter left in the graph, computed once the shapes it reads are known.

TorchScript exports with a dynamic batch compute reshape targets at run time (``x.reshape(b,
n, 3, h, d // h)`` becomes Shape → Gather → Div → Cast → Unsqueeze → Concat → Reshape), and
ONNX's data propagation stops at Div and Cast, so everything after the first attention
reshape would stay unknown. With the batch fixed to 1 every ``Shape`` of a tensor of known
shape is a constant: the nodes computing from such constants (and initializers) are run
here with onnx's reference evaluator, the values they feed into the rest of the graph become
initializers, and shape inference runs again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Largest value (elements) folded: shape vectors and scalars, never a weight.
MAX_ELEMENTS = 64


def fold_shape_arithmetic(onnx: Any, model: Any, opset: int) -> bool:
    """Replace shape computations of ``model`` whose inputs are known by initializers; True if any."""
    from onnx.reference import ReferenceEvaluator

    graph = model.graph
    shapes = {vi.name: _dims(vi) for vi in [*graph.input, *graph.value_info, *graph.output]}
    constants = {init.name: onnx.numpy_helper.to_array(init) for init in graph.initializer
                 if _size(init.dims) <= MAX_ELEMENTS}
    derived: dict[str, np.ndarray] = {}
    folded: set[int] = set()
    for index, node in enumerate(graph.node):
        if node.op_type == "Constant":
            value = next((a.t for a in node.attribute if a.name == "value"), None)
            if value is not None and _size(value.dims) <= MAX_ELEMENTS:
                constants[node.output[0]] = onnx.numpy_helper.to_array(value)
            continue
        values = _shape_value(node, shapes) if node.op_type in ("Shape", "Size") else None
        if values is None:
            inputs = [derived.get(t, constants.get(t)) for t in node.input if t]
            if not any(t in derived for t in node.input) or any(v is None for v in inputs):
                continue
            try:
                values = ReferenceEvaluator(node, opsets={"": opset}).run(
                    None, dict(zip([t for t in node.input if t], inputs, strict=True)))
            except Exception:  # noqa: BLE001, S112 - an op the reference evaluator cannot run: leave it
                continue
            if any(np.size(v) > MAX_ELEMENTS for v in values):
                continue
        derived.update(zip(node.output, (np.asarray(v) for v in values), strict=True))
        folded.add(index)
    if not folded:
        return False
    kept = [node for index, node in enumerate(graph.node) if index not in folded]
    needed = {t for node in kept for t in node.input} | {vi.name for vi in graph.output}
    graph.initializer.extend(onnx.numpy_helper.from_array(value, name)
                             for name, value in derived.items() if name in needed)
    del graph.node[:]
    graph.node.extend(kept)
    return True


def _shape_value(node: Any, shapes: dict[str, tuple[int, ...] | None]) -> list[np.ndarray] | None:
    """The value of a Shape (with ``start``/``end``, opset 15) or Size node of a known shape."""
    shape = shapes.get(node.input[0])
    if shape is None:
        return None
    if node.op_type == "Size":
        return [np.array(int(np.prod(shape)), np.int64)]
    attrs = {a.name: a.i for a in node.attribute}
    start, end = attrs.get("start", 0), attrs.get("end", len(shape))
    return [np.array(shape[start:end], np.int64)]


def _dims(vi: Any) -> tuple[int, ...] | None:
    tensor_type = vi.type.tensor_type
    if not tensor_type.HasField("shape") or not all(d.HasField("dim_value") for d in tensor_type.shape.dim):
        return None
    return tuple(int(d.dim_value) for d in tensor_type.shape.dim)


def _size(dims: Any) -> int:
    return int(np.prod(list(dims))) if len(dims) else 1
