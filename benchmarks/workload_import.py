"""Print how long the workload loaders take: zoo builds, and ONNX / NIR imports of the test fixtures.

    python benchmarks/workload_import.py

Times are medians of 5 runs on this machine (ms); the fixtures are written to a temporary
directory by tests/fixtures/make_fixtures.py.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dse import make_plugins
from tests.fixtures.make_fixtures import make_all


def median_ms(action, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main() -> None:
    plugins = make_plugins()
    zoo = plugins.loaders.get("zoo")
    from dse_workloads.zoo import ENTRIES

    for name in ENTRIES:
        ref = f"zoo:{name}"
        print(f"{ref:<26} {median_ms(lambda ref=ref: zoo.read(ref)):8.2f} ms")
    with tempfile.TemporaryDirectory() as folder:
        models = make_all(Path(folder))
        for key in ("cnn_helper", "qdq", "cnn_torch", "snn_conv", "snntorch_like", "rsnn"):
            if key in models:
                path = str(models[key])
                loader = plugins.loader_for(path)
                ms = median_ms(lambda loader=loader, path=path: loader.read(path))
                print(f"{models[key].name:<26} {ms:8.2f} ms")


if __name__ == "__main__":
    main()
