"""Small constructors for the zoo's layer dicts (Workload schema), so each network reads as a table."""

from __future__ import annotations

from typing import Any

Layer = dict[str, Any]


def conv(name: str, cin: int, cout: int, size: int | tuple[int, int], kernel: int, stride: int = 1,
         padding: int = 0, groups: int = 1, **extra: Any) -> Layer:
    """A conv2d on a square (or (h, w)) input."""
    h, w = (size, size) if isinstance(size, int) else size
    return {"name": name, "kind": "conv2d", "in_channels": cin, "out_channels": cout, "in_height": h,
            "in_width": w, "kernel": kernel, "stride": stride, "padding": padding, "groups": groups, **extra}


def dense(name: str, n_in: int, n_out: int, **extra: Any) -> Layer:
    return {"name": name, "kind": "dense", "in_features": n_in, "out_features": n_out, **extra}


def pool(name: str, kernel: int, stride: int | None = None, padding: int = 0, mode: str = "max",
         **extra: Any) -> Layer:
    return {"name": name, "kind": "pool", "mode": mode, "kernel": kernel,
            "stride": kernel if stride is None else stride, "padding": padding, **extra}


def flatten(name: str = "flatten") -> Layer:
    return {"name": name, "kind": "flatten"}


def add(name: str, input_from: str, skip_from: str) -> Layer:
    return {"name": name, "kind": "add", "input_from": input_from, "skip_from": skip_from}
