"""NIR graph → dse layers: synapses become layers, neurons fold into the layer that feeds them.

- Affine, Linear → dense; Conv2d → conv2d; Conv1d → conv2d of height 1; SumPool2d,
  AvgPool2d → pool; Flatten → flatten (the whole sample: the only reshape dse has).
- IF, LIF, CubaLIF (spiking) and I, LI, CubaLI (integrators, analog outputs) set the neuron
  of the layer before them. Leak per step: beta = 1 - dt/tau (forward Euler, as snnTorch
  and norse step), which recovers snnTorch's Leaky(beta) exactly (docs/references/formats.md);
  dt and tau are taken as the file gives them: dt from the node's or the graph's metadata
  ("dt", seconds), else snnTorch's 1e-4 s with a warning. A tau at or below dt (norse
  writes tau = dt·tau_mem, 1e-5 s by default; sinabs writes tau in steps) is not an error:
  Euler's 1 - dt/tau would not be a decay, so the exact exp(-dt/tau) is used, and a warning
  names the nodes. Scalar (0-d) parameters broadcast, arrays are averaged. NIR resets to
  v_reset: ``reset: zero``.
- Threshold makes the layer's outputs spikes without state; Scale and Delay are not
  costed and named in a warning.
- Several edges into one node sum their inputs: an add layer (``skip_from``) joins them.
- A recurrent edge (a cycle) is an Affine/Linear from a dense layer's neurons back to
  themselves: that layer becomes ``recurrent: true``, its weight density counting both
  matrices.
- Shapes exclude the batch; a leading batch of 1 on Input (snnTorch) is dropped when the
  first layer wants fewer dimensions, and so are leading batch or time axes of any size that
  the first layer does not read (sinabs writes Input as (T, N) or (B, T, N)), with a warning.
NIR carries no time steps and no spike rates: T and densities are defaults until an
activity file replaces them, and a warning says so.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydantic import ValidationError

from dse import Conv2dLayer, DseInputError, as_pair
from dse_workloads.densities import SPIKE_DENSITY, Density
from dse_workloads.loaded import Draft, Loaded
from dse_workloads.nir_reader import NirNet

#: dt when the file gives none: snnTorch exports Leaky(beta) as LIF with dt = 1e-4 s and
#: tau = dt / (1 - beta) (formats.md).
DT_S = 1e-4
#: Smallest leak written for a tau far below dt (the schema needs beta > 0): the membrane
#: forgets its state within one step either way.
MIN_LEAK = 1e-12
#: Time steps when none are given: at T = 8 the digits SNN reaches 0.964 against the ANN's
#: 0.969 (docs/references/accuracy_digits.md), the smallest T within half a point.
DEFAULT_TIMESTEPS = 8
TIMESTEPS_SOURCE = "default: T = 8, where the digits SNN reaches 0.964 vs the ANN's 0.969 (accuracy_digits.md)"
NETWORK_INPUT = Density(SPIKE_DENSITY, "default: input spikes 0.1 per neuron and step, densest case of "
                        "Ottati et al. 2023 (ottati2023.md)")
SYNAPTIC = ("Affine", "Linear", "Conv1d", "Conv2d")
POOLS = {"SumPool2d": "sum", "AvgPool2d": "avg"}
NEURONS = ("IF", "LIF", "CubaLIF", "I", "LI", "CubaLI")
SPIKING = ("IF", "LIF", "CubaLIF")
PASSIVE = ("Scale", "Delay")
RANK = {"Conv2d": 3, "SumPool2d": 3, "AvgPool2d": 3, "Conv1d": 2}


def convert(net: NirNet, name: str) -> Loaded:
    """The workload of a flat NIR graph (an SNN: T default time steps)."""
    back = back_edges(net)
    return _Builder(net, back).run(topological_order(net, back), name)


def back_edges(net: NirNet) -> set[tuple[str, str]]:
    """Edges that close a cycle, found by depth-first search from the inputs in edge order."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    back: set[tuple[str, str]] = set()
    starts = [*net.inputs, *(n for n in _ordered(net) if not net.preds(n))]
    for start in [*starts, *_ordered(net)]:
        if start in state:
            continue
        stack = [(start, iter(net.succs(start)))]
        state[start] = 1
        while stack:
            node, successors = stack[-1]
            nxt = next(successors, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(net.succs(nxt))))
    return back


def topological_order(net: NirNet, back: set[tuple[str, str]]) -> list[str]:
    """Nodes in an order where every forward edge points ahead; ties broken by file order."""
    forward = [e for e in net.edges if e not in back]
    rank = {n: i for i, n in enumerate(_ordered(net))}
    indegree = {n: 0 for n in net.nodes}
    for _, b in forward:
        indegree[b] += 1
    ready = sorted((n for n, d in indegree.items() if d == 0), key=rank.__getitem__)
    order: list[str] = []
    while ready:
        node = ready.pop(0)
        order.append(node)
        for a, b in forward:
            if a == node:
                indegree[b] -= 1
                if indegree[b] == 0:
                    ready.append(b)
                    ready.sort(key=rank.__getitem__)
    return order


def _ordered(net: NirNet) -> list[str]:
    """Node names by first appearance in the edges, then the rest."""
    seen: dict[str, None] = dict.fromkeys(net.inputs)
    for a, b in net.edges:
        seen.setdefault(a)
        seen.setdefault(b)
    for n in net.nodes:
        seen.setdefault(n)
    return [n for n in seen if n in net.nodes]


class _Builder:
    def __init__(self, net: NirNet, back: set[tuple[str, str]]) -> None:
        self.net = net
        self.ref = net.ref
        self.draft = Draft(net.ref)
        self.back = back
        self.layer_of: dict[str, str] = {}
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.uncosted: list[str] = []
        self.dt_missing: list[str] = []  # nodes whose leak assumed the default dt
        self.fast: list[str] = []  # nodes whose tau is at or below dt

    def run(self, order: list[str], name: str) -> Loaded:
        for node in order:
            self._visit(node)
        if self.uncosted:
            self.draft.notes.append(f"{self.ref}: nodes not costed: " + ", ".join(self.uncosted))
        if self.dt_missing:
            self.draft.notes.append(f"{self.ref}: no dt in the file (metadata 'dt'): the leak of "
                                    f"{_some(self.dt_missing)} uses dt = {DT_S} s (snnTorch's)")
        if self.fast:
            self.draft.notes.append(f"{self.ref}: tau at or below dt in {_some(self.fast)}: the membrane forgets "
                                    "within a step, leak exp(-dt/tau)")
        first = self.draft.layers[0] if self.draft.layers else None
        input_shape = self.shapes.get("input") if first is not None and first["kind"] in ("pool", "add",
                                                                                           "flatten") else None
        return self.draft.build(name, NETWORK_INPUT, timesteps=DEFAULT_TIMESTEPS, timesteps_source=TIMESTEPS_SOURCE,
                                input_shape=input_shape)

    # -- nodes ----------------------------------------------------------------------------------
    def _visit(self, node: str) -> None:
        kind = self.net.kind(node)
        if kind == "Input":
            self.layer_of[node] = "input"
            self.shapes["input"] = self._input_shape(node)
            return
        recurrent_from = [v for u, v in self.back if u == node]
        if recurrent_from:
            self._recurrence(node, recurrent_from[0])
            return
        preds = [a for a, b in self.net.edges if b == node and (a, b) not in self.back and a in self.layer_of]
        if not preds:
            raise DseInputError(f"{self.ref}: node '{node}' ({kind}) is not connected to the network input")
        source = self._join(node, preds)
        obj = self.net.nodes[node]
        if kind in SYNAPTIC:
            self._add(node, self._synaptic(node, kind, obj, source), "analog", source)
        elif kind in POOLS:
            self._add(node, self._pool(node, kind, obj, source), "derived", source)
        elif kind == "Flatten":
            if len(self.shapes[source]) == 1:
                self.layer_of[node] = source
            else:
                self._add(node, {"name": node, "kind": "flatten"}, "derived", source)
        elif kind in NEURONS or kind == "Threshold":
            self._neuron(node, kind, obj, source)
        else:  # Scale, Delay
            self.layer_of[node] = source
            self.uncosted.append(f"{node} ({kind})")

    def _add(self, node: str, layer: dict[str, Any], emits: str, source: str) -> None:
        previous = self.draft.layers[-1]["name"] if self.draft.layers else "input"
        if source != previous:
            layer = {**layer, "input_from": source}
        name = self.draft.add(layer, emits)  # type: ignore[arg-type]
        self.layer_of[node] = name
        self.shapes[name] = self._out_shape(node, layer, self.shapes[source])

    def _join(self, node: str, preds: list[str]) -> str:
        """The layer a node reads; several distinct inputs are summed by add layers."""
        sources = list(dict.fromkeys(self.layer_of[p] for p in preds))
        current = sources[0]
        for index, other in enumerate(sources[1:], start=1):
            label = f"{node}.sum" if len(sources) == 2 else f"{node}.sum{index}"
            self._add(node, {"name": label, "kind": "add", "skip_from": other}, "derived", current)
            current = self.layer_of[node]
        return current

    def _input_shape(self, node: str) -> tuple[int, ...]:
        """The Input's shape without a leading batch of 1 when the first layer wants fewer dimensions."""
        obj = self.net.nodes[node]
        raw = obj.input_type.get("input") if isinstance(obj.input_type, dict) else None
        if raw is None or np.size(raw) == 0:
            raise DseInputError(f"{self.ref}: Input node '{node}' has no shape")
        given = shape = tuple(int(d) for d in np.ravel(raw))
        rank = self._consumer_rank(node)
        while len(shape) > rank and shape[0] == 1:
            shape = shape[1:]
        fits = self._consumer_fit(node)
        while len(shape) > 1 and fits is not None and not fits(shape):
            shape = shape[1:]
        if len(shape) < len(given) and math.prod(given[: len(given) - len(shape)]) > 1:
            self.draft.notes.append(
                f"{self.ref}: Input '{node}' has shape {given}; the first layer reads {shape}, so the leading "
                f"{given[: len(given) - len(shape)]} (batch or time steps, as sinabs writes them) is dropped")
        return shape

    def _consumer_fit(self, node: str) -> Any:
        """A test of whether an input shape suits the first synaptic layer after ``node``, or None."""
        frontier, seen = list(self.net.succs(node)), set()
        while frontier:
            current = frontier.pop(0)
            if current in seen:
                continue
            seen.add(current)
            kind, obj = self.net.kind(current), self.net.nodes[current]
            if kind in ("Affine", "Linear"):
                features = int(np.shape(obj.weight)[1])
                return lambda shape: math.prod(shape) == features
            if kind in RANK:
                return lambda shape, rank=RANK[kind]: len(shape) <= rank
            if kind == "Flatten":
                return None
            frontier.extend(self.net.succs(current))
        return None

    def _consumer_rank(self, node: str) -> int:
        """Dimensions the first layer after ``node`` works on (3 conv2d/pool, 2 conv1d, 1 dense)."""
        frontier = list(self.net.succs(node))
        seen: set[str] = set()
        while frontier:
            current = frontier.pop(0)
            if current in seen:
                continue
            seen.add(current)
            kind = self.net.kind(current)
            if kind in RANK:
                return RANK[kind]
            if kind in SYNAPTIC or kind == "Flatten":
                return 1
            frontier.extend(self.net.succs(current))
        return 1

    # -- layers ---------------------------------------------------------------------------------
    def _synaptic(self, node: str, kind: str, obj: Any, source: str) -> dict[str, Any]:
        weight = np.asarray(obj.weight)
        density = float(np.count_nonzero(weight) / weight.size) if weight.size else 1.0
        given = self.shapes[source]
        if kind in ("Affine", "Linear"):
            if weight.ndim != 2:
                raise DseInputError(f"{self.ref}: node '{node}' ({kind}): weight of shape {weight.shape} is not a matrix")
            if math.prod(given) != weight.shape[1]:
                raise DseInputError(f"{self.ref}: node '{node}' ({kind}): weight takes {weight.shape[1]} inputs but "
                                    f"receives shape {given}")
            return {"name": node, "kind": "dense", "in_features": int(weight.shape[1]),
                    "out_features": int(weight.shape[0]), "weight_density": density}
        groups = int(np.ravel(obj.groups)[0]) if obj.groups is not None else 1
        kernel = tuple(int(k) for k in weight.shape[2:])
        one_d = kind == "Conv1d"
        if one_d:
            given = given if len(given) == 3 else (given[0], 1, *given[1:]) if len(given) == 2 else given
            kernel = (1, *kernel)
        if len(given) != 3 or given[0] != weight.shape[1] * groups:
            raise DseInputError(f"{self.ref}: node '{node}' ({kind}): weight {tuple(weight.shape)} with groups={groups} "
                                f"does not fit the input shape {self.shapes[source]}")
        stride, dilation = _pair(obj.stride, one_d), _pair(obj.dilation, one_d)
        padding = _padding(obj.padding, kernel, dilation, one_d)
        return {"name": node, "kind": "conv2d", "in_channels": given[0], "out_channels": int(weight.shape[0]),
                "in_height": given[1], "in_width": given[2], "kernel": list(kernel), "stride": list(stride),
                "padding": list(padding), "dilation": list(dilation), "groups": groups, "weight_density": density}

    def _pool(self, node: str, kind: str, obj: Any, source: str) -> dict[str, Any]:
        if len(self.shapes[source]) != 3:
            raise DseInputError(f"{self.ref}: node '{node}' ({kind}): needs a (C, H, W) input, got {self.shapes[source]}")
        return {"name": node, "kind": "pool", "mode": POOLS[kind], "kernel": list(_pair(obj.kernel_size, False)),
                "stride": list(_pair(obj.stride, False)), "padding": list(_pair(obj.padding, False))}

    def _out_shape(self, node: str, layer: dict[str, Any], given: tuple[int, ...]) -> tuple[int, ...]:
        kind = layer["kind"]
        if kind == "dense":
            return (layer["out_features"],)
        if kind == "flatten":
            return (math.prod(given),)
        if kind == "add":
            return given
        if kind == "pool":
            (kh, kw), (sh, sw), (ph, pw) = (as_pair(layer[k]) for k in ("kernel", "stride", "padding"))
            return (given[0], (given[1] + 2 * ph - kh) // sh + 1, (given[2] + 2 * pw - kw) // sw + 1)
        try:
            return tuple(Conv2dLayer.model_validate({k: v for k, v in layer.items() if k != "input_from"}).out_shape)
        except ValidationError as error:
            raise DseInputError(f"{self.ref}: node '{node}': {error.errors(include_url=False)[0]['msg']}") from None

    # -- neurons and recurrence -------------------------------------------------------------------
    def _neuron(self, node: str, kind: str, obj: Any, source: str) -> None:
        self.layer_of[node] = source
        if source == "input":
            self.uncosted.append(f"{node} ({kind} on the network input, no synapses before it)")
            return
        target = source
        if self.draft.layer(target)["kind"] == "flatten" and "input_from" not in self.draft.layer(target):
            index = [layer["name"] for layer in self.draft.layers].index(target)
            target = self.draft.layers[index - 1]["name"] if index else target
        layer = self.draft.layer(target)
        if kind == "Threshold":
            self.draft.set_emits(target, "spikes")
            return
        layer["neuron"] = self._neuron_params(node, kind, obj)
        self.draft.set_emits(target, "spikes" if kind in SPIKING else "analog")

    def _neuron_params(self, node: str, kind: str, obj: Any) -> dict[str, Any]:
        if kind in ("IF", "I"):
            params: dict[str, Any] = {"model": "IF"}
        elif kind in ("LIF", "LI"):
            params = {"model": "LIF", "leak": self._leak(node, obj, obj.tau)}
        else:
            params = {"model": "CubaLIF", "leak": self._leak(node, obj, obj.tau_mem),
                      "synapse_leak": self._leak(node, obj, obj.tau_syn)}
        if kind in SPIKING:
            params.update(threshold=_mean(obj.v_threshold), reset="zero")
        else:
            params["reset"] = "none"
        return params

    def _leak(self, node: str, obj: Any, tau: Any) -> float:
        """Per-step decay beta = 1 - dt/tau, averaged over neurons; exp(-dt/tau) where tau <= dt."""
        tau = np.asarray(tau, dtype=float)
        if tau.size == 0 or np.any(tau <= 0):
            raise DseInputError(f"{self.ref}: node '{node}': tau {tau.min() if tau.size else '?'} s is not a "
                                "positive time constant")
        dt = self._dt(node, obj)
        if np.any(tau <= dt):
            if node not in self.fast:
                self.fast.append(node)
            beta = np.where(tau > dt, 1.0 - dt / tau, np.exp(-dt / tau))
        else:
            beta = 1.0 - dt / tau
        return float(max(np.mean(beta), MIN_LEAK))

    def _dt(self, node: str, obj: Any) -> float:
        """The step in seconds: the node's metadata, the graph's, else :data:`DT_S` (and noted)."""
        for metadata in (getattr(obj, "metadata", None) or {}, self.net.metadata):
            if "dt" in metadata:
                dt = float(np.ravel(np.asarray(metadata["dt"], dtype=float))[0])
                if not dt > 0:
                    raise DseInputError(f"{self.ref}: node '{node}': metadata dt = {dt} is not a positive step (s)")
                return dt
        if node not in self.dt_missing:
            self.dt_missing.append(node)
        return DT_S

    def _recurrence(self, node: str, target: str) -> None:
        """``node`` → ``target`` closes a cycle: a square weight back into a dense layer's neurons."""
        kind = self.net.kind(node)
        layer_name = self.layer_of.get(target, "input")
        layer = self.draft.layer(layer_name) if layer_name != "input" else {"kind": "input"}
        weight = np.asarray(getattr(self.net.nodes[node], "weight", np.zeros(0)))
        if kind not in ("Affine", "Linear") or layer["kind"] != "dense" or weight.ndim != 2 or \
                weight.shape != (layer["out_features"], layer["out_features"]):
            raise DseInputError(f"{self.ref}: recurrent edge '{node}' -> '{target}': dse costs recurrence only as a "
                                "square Affine/Linear from a dense layer's neurons back to them")
        n_in, n = layer["in_features"], layer["out_features"]
        nonzero = layer.get("weight_density", 1.0) * n_in * n + np.count_nonzero(weight)
        layer.update(recurrent=True, weight_density=float(nonzero / (n_in * n + n * n)))
        self.layer_of[node] = layer_name


def _some(names: list[str]) -> str:
    """Up to four names, and how many more."""
    return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def _mean(value: Any) -> float:
    return float(np.mean(np.asarray(value, dtype=float)))


def _pair(value: Any, one_d: bool) -> tuple[int, int]:
    """A NIR int, 0-d or 1-d array as (h, w); Conv1d's single value becomes (1, value)."""
    flat = [int(v) for v in np.ravel(np.asarray(value))]
    if one_d:
        return (1, flat[0])
    return (flat[0], flat[0]) if len(flat) == 1 else (flat[0], flat[1])


def _padding(value: Any, kernel: tuple[int, ...], dilation: tuple[int, int], one_d: bool) -> tuple[int, int]:
    """NIR padding: an int or pair, or 'valid' (0) or 'same' (half the dilated kernel)."""
    if isinstance(value, (str, bytes)):
        text = value.decode() if isinstance(value, bytes) else value
        if text == "valid":
            return (0, 0)
        return (dilation[0] * (kernel[0] - 1) // 2, dilation[1] * (kernel[1] - 1) // 2)
    pad = _pair(value, one_d)
    return (0, pad[1]) if one_d else pad
