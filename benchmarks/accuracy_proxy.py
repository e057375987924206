"""Training seconds per trial, accuracies and cache hit rate of the digits-proxy accuracy model.

    python benchmarks/accuracy_proxy.py [--epochs 40] [--seeds 1]

Trains the digits MLP (64-128-10) for a grid of knobs (ANN by weight bits; SNN by T and
weight bits; a hybrid), each once, in a fresh cache directory, then asks for every point again
(all cache hits). Prints one line per trial and the summary figures; compare the accuracies
with docs/references/accuracy_digits.md. Needs the ``[train]`` extra.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from dse import Workload, make_plugins

DIGITS_MLP = {
    "name": "digits-mlp",
    "layers": [
        {"name": "fc1", "kind": "dense", "in_features": 64, "out_features": 128},
        {"name": "fc2", "kind": "dense", "in_features": 128, "out_features": 10},
    ],
}
SNN = {"kind": "snn", "encoding": "rate", "neuron": "LIF", "leak": 0.9}
GRID: list[dict] = (
    [{"kind": "ann", "weight_bits": b} for b in (32, 8, 4, 3, 2)]
    + [{**SNN, "timesteps": t, "weight_bits": 32} for t in (1, 2, 4, 8, 16)]
    + [{**SNN, "timesteps": 8, "weight_bits": b} for b in (8, 4, 3, 2)]
    + [{**SNN, "timesteps": t, "weight_bits": 32, "encoding": "direct"} for t in (1, 8)]
    + [{**SNN, "kind": "hybrid", "split_after": 1, "timesteps": 4, "weight_bits": 32, "encoding": "direct"}]
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=1)
    args = parser.parse_args()
    model = make_plugins().accuracy_model("digits-proxy")
    workload = Workload.model_validate(DIGITS_MLP)
    with tempfile.TemporaryDirectory() as cache:
        params = model.Params(cache_dir=cache, epochs=args.epochs)
        points = [{**knobs, "seed": seed} for knobs in GRID for seed in range(args.seeds)]
        trained = [_trial(model, workload, knobs, params) for knobs in points]
        start = time.perf_counter()
        again = [model.accuracy(workload, knobs, params) for knobs in points]
        lookup = (time.perf_counter() - start) / len(points)
    seconds = [r.seconds for r in trained]
    hits = sum(r.source.startswith("cache:") for r in again)
    print(f"\n{len(points)} trainings, {args.epochs} epochs: {statistics.mean(seconds):.2f} s per trial "
          f"(min {min(seconds):.2f}, max {max(seconds):.2f}, total {sum(seconds):.1f} s)")
    print(f"second pass: {hits}/{len(points)} cache hits ({100 * hits / len(points):.0f} %), "
          f"{1000 * lookup:.2f} ms per lookup, {sum(r.seconds for r in again):.1f} s training")


def _trial(model, workload: Workload, knobs: dict, params):
    result = model.accuracy(workload, knobs, params)
    hidden = result.densities["fc1"][1] if result.densities else float("nan")
    label = result.source.split(",")[0].removeprefix("trained: digits-proxy ")
    print(f"{label:<45} accuracy {result.value:.3f}  hidden density {hidden:.3f}  {result.seconds:6.2f} s", flush=True)
    return result


if __name__ == "__main__":
    main()
