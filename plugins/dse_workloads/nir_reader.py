"""A NIR file read tolerantly into one flat graph: nested graphs inlined, pass-through nodes bridged.

Real files break ``nir.read``'s type check (docs/references/formats.md): snnTorch 1.0
writes 0-d neuron parameters, so the neuron count cannot be inferred, and keeps the batch
on Input. So: check the HDF5 layout first (to name a bad node), read with type checks,
read again without them if that fails, and leave shapes to :mod:`dse_workloads.nir_convert`.
Node dicts come back in alphabetical order; the edges, kept in file order, give the order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dse import DseInputError
from dse_workloads.extras import require

#: Node types dse maps to layers, and the structural ones (nir 1.0.8's serialization.py).
SUPPORTED = ("Affine", "Linear", "Conv1d", "Conv2d", "SumPool2d", "AvgPool2d", "Flatten", "IF", "LIF", "LI",
             "CubaLIF", "CubaLI", "I", "Scale", "Threshold", "Delay")
STRUCTURAL = ("Input", "Output", "NIRGraph")


@dataclass
class NirNet:
    """A flat NIR graph: nodes by dotted name, edges in file order, the network inputs."""

    ref: str
    nodes: dict[str, Any]
    edges: list[tuple[str, str]]
    inputs: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)  # the root graph's (a "dt" in seconds)

    def kind(self, name: str) -> str:
        return type(self.nodes[name]).__name__

    def preds(self, name: str) -> list[str]:
        return [a for a, b in self.edges if b == name]

    def succs(self, name: str) -> list[str]:
        return [b for a, b in self.edges if a == name]


def read_nir(path: str | Path) -> NirNet:
    """The flat graph of a NIR file; DseInputError naming the file (and node) when it is not one."""
    ref = str(path)
    _check_layout(ref)
    nir = require("nir", ref)
    try:
        graph = nir.read(ref)
    except Exception:  # noqa: BLE001 - type checks fail on real exporters' files: read again without them
        try:
            graph = _read_unchecked(ref, nir)
        except Exception as error:  # noqa: BLE001 - a malformed file, one line
            raise DseInputError(f"{ref}: NIR graph cannot be read ({type(error).__name__}: "
                                f"{str(error).splitlines()[0] if str(error) else ''})") from None
    nodes, edges = _inline(graph, "", nir)
    inputs = [name for name, node in nodes.items() if isinstance(node, nir.Input)]
    net = NirNet(ref, nodes, edges, inputs, dict(getattr(graph, "metadata", None) or {}))
    _bridge(net, nir)
    if not net.inputs:
        raise DseInputError(f"{ref}: the NIR graph has no Input node")
    return net


def _read_unchecked(ref: str, nir: Any) -> Any:
    """``nir.read(type_check=False)``, for nested graphs too (nir 1.0.8 checks those regardless)."""
    import h5py
    from nir.serialization import hdf2dict

    with h5py.File(ref, "r") as f:
        data = hdf2dict(f["node"])
    _no_type_check(data)
    return nir.dict2NIRNode(data)


def _no_type_check(data: dict[str, Any]) -> None:
    if data.get("type") == "NIRGraph":
        data["type_check"] = False
        for child in data.get("nodes", {}).values():
            _no_type_check(child)


def _check_layout(ref: str) -> None:
    """An HDF5 file with a NIR graph whose every node type dse knows; else one line naming it."""
    h5py = require("h5py", ref)
    try:
        handle = h5py.File(ref, "r")
    except OSError:
        raise DseInputError(f"{ref}: not an HDF5 file, so not NIR (NIR files are HDF5)") from None
    with handle as f:
        root = f.get("node")
        if not isinstance(root, h5py.Group) or "type" not in root:
            raise DseInputError(f"{ref}: an HDF5 file but not a NIR graph (no 'node' group with a 'type')")
        _check_group(ref, root, "", h5py)


def _check_group(ref: str, group: Any, path: str, h5py: Any) -> None:
    kind = _text(group["type"][()])
    if kind not in SUPPORTED + STRUCTURAL:
        raise DseInputError(f"{ref}: node '{path or '(root)'}' has type '{kind}', which dse cannot cost "
                            f"(supported: {', '.join(SUPPORTED)})")
    if kind == "NIRGraph":
        for name, child in group["nodes"].items():
            if isinstance(child, h5py.Group):
                _check_group(ref, child, f"{path}.{name}" if path else name, h5py)


def _text(value: Any) -> str:
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def _inline(graph: Any, prefix: str, nir: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Nodes and edges with nested graphs replaced by their contents (names dotted)."""
    nodes: dict[str, Any] = {}
    entries: dict[str, list[str]] = {}
    exits: dict[str, list[str]] = {}
    edges: list[tuple[str, str]] = []
    for name, node in graph.nodes.items():
        full = prefix + name
        if isinstance(node, nir.NIRGraph):
            inner_nodes, inner_edges = _inline(node, full + ".", nir)
            nodes.update(inner_nodes)
            edges.extend(inner_edges)
            entries[full] = [full + "." + n for n, x in node.nodes.items() if isinstance(x, nir.Input)]
            exits[full] = [full + "." + n for n, x in node.nodes.items() if isinstance(x, nir.Output)]
        else:
            nodes[full] = node
    for a, b in graph.edges:
        for src in exits.get(prefix + a, [prefix + a]):
            for dst in entries.get(prefix + b, [prefix + b]):
                edges.append((src, dst))
    return nodes, edges


def _bridge(net: NirNet, nir: Any) -> None:
    """Remove Output nodes and nested Input nodes, joining their predecessors to their successors."""
    top_inputs = [n for n in net.inputs if "." not in n]
    for name in list(net.nodes):
        node = net.nodes[name]
        passes = isinstance(node, nir.Output) or (isinstance(node, nir.Input) and name not in top_inputs)
        if not passes:
            continue
        succs = net.succs(name)
        bridged: list[tuple[str, str]] = []
        for a, b in net.edges:  # keep file order: a predecessor's edge becomes edges to the successors
            if b == name:
                bridged.extend((a, s) for s in succs)
            elif a != name:
                bridged.append((a, b))
        net.edges = bridged
        del net.nodes[name]
    net.inputs = top_inputs
