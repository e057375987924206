"""Calls per second of the ``table`` accuracy model on the shipped digits-mlp table.

    python benchmarks/accuracy_table.py [--calls 20000]

Asks for SNN points between measured time steps (interpolated) and on measured points,
cycling through them as a study would, and prints microseconds per call.
"""

from __future__ import annotations

import argparse
import time

from dse import Workload, make_plugins

DIGITS_MLP = {
    "name": "digits-mlp",
    "layers": [
        {"name": "fc1", "kind": "dense", "in_features": 64, "out_features": 128},
        {"name": "fc2", "kind": "dense", "in_features": 128, "out_features": 10},
    ],
}
QUERIES = [{"kind": "snn", "timesteps": t, "weight_bits": 32} for t in range(1, 17)] + [
    {"kind": "snn", "timesteps": 8, "weight_bits": b} for b in range(2, 33)] + [
    {"kind": "ann", "weight_bits": b} for b in range(2, 33)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    model = make_plugins().accuracy_model("table")
    workload, params = Workload.model_validate(DIGITS_MLP), model.Params()
    start = time.perf_counter()
    for index in range(args.calls):
        model.accuracy(workload, QUERIES[index % len(QUERIES)], params)
    seconds = time.perf_counter() - start
    print(f"table: {args.calls} calls over {len(QUERIES)} points, {1e6 * seconds / args.calls:.1f} µs per call "
          f"({args.calls / seconds:,.0f} calls/s)")


if __name__ == "__main__":
    main()
