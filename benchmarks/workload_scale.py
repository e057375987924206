"""Seconds to load, validate and evaluate a workload of 100, 1,000 and 10,000 layers.

    python benchmarks/workload_scale.py [--sizes 100,1000,10000]

The workload is a chain of residual blocks (two 8-channel 3x3 convolutions on 8x8 maps and an
add reading the block's input through ``skip_from``), closed by a pool, a flatten and a
classifier: every layer kind, and a branch at every third layer. It is written as a JSON file
and read with ``load_workload`` (parse, validate, chain shapes, default densities), then
costed once on every registered backend with its default parameters and the ``horowitz45``
technology. Each row prints seconds; the ratio columns divide by the row before, so linear
growth shows as about 10x per 10x layers.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from dse import Architecture, load_workload, make_plugins
from dse.evaluation.evaluate import evaluate, resolve


def residual_chain(layers: int) -> dict[str, Any]:
    """A workload document with exactly ``layers`` layers (at least 6)."""
    conv = {"kind": "conv2d", "in_channels": 8, "out_channels": 8, "in_height": 8, "in_width": 8,
            "kernel": 3, "padding": 1, "input_density": 0.3}
    body: list[dict[str, Any]] = []
    block_input = "input"
    while len(body) + 3 <= layers - 3:
        n = len(body)
        body += [{"name": f"conv{n}", **conv}, {"name": f"conv{n + 1}", **conv},
                 {"name": f"add{n + 2}", "kind": "add", "skip_from": block_input, "input_density": 0.3}]
        block_input = f"add{n + 2}"
    body += [{"name": f"conv{n}", **conv} for n in range(len(body), layers - 3)]
    body += [{"name": "pool", "kind": "pool", "mode": "avg", "kernel": 8}, {"name": "flatten", "kind": "flatten"},
             {"name": "fc", "kind": "dense", "in_features": 8, "out_features": 10, "input_density": 0.3}]
    return {"name": f"residual-chain-{layers}", "input_shape": [8, 8, 8], "layers": body}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="layer counts, comma-separated")
    sizes = [int(size) for size in parser.parse_args().sizes.split(",")]
    plugins = make_plugins()
    designs = {name: resolve(Architecture(backend=name, name=name, technology="horowitz45", params={}), plugins)
               for name in plugins.backends.names()}
    rows: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            path = Path(folder) / f"chain-{size}.json"
            path.write_text(json.dumps(residual_chain(size)), encoding="utf-8")
            start = time.perf_counter()
            workload = load_workload(path, plugins)
            row = {"load": time.perf_counter() - start}
            for name, design in designs.items():
                start = time.perf_counter()
                evaluate(workload, design)
                row[name] = time.perf_counter() - start
            rows[size] = row
    columns = list(next(iter(rows.values())))
    print(f"{'layers':>8} " + " ".join(f"{c:>16}" for c in columns) + f" {'total':>10}")
    previous: dict[str, float] | None = None
    for size, row in rows.items():
        cells = [f"{row[c]:8.3f} s" + (f" {row[c] / previous[c]:5.1f}x" if previous else " " * 7) for c in columns]
        total = sum(row.values())
        ratio = f" {total / sum(previous.values()):5.1f}x" if previous else ""
        print(f"{size:>8} " + " ".join(f"{cell:>16}" for cell in cells) + f" {total:8.2f} s{ratio}")
        previous = row


if __name__ == "__main__":
    main()
