"""What the batch benchmarks share: interleaved CPU timing, peak memory in a fresh process, the report.

Speed is layer-evaluations per CPU-second (``time.process_time``: the machine is shared, and
another process's load should not count against dse), the best of ``repeats`` runs, dse and
the bare closed form taking turns so that both see the same machine. Peak memory is measured
in a child process that builds the input frame, then runs one ``cost_batch``: its resident set
before the call, its peak during the call (Linux /proc/self/status), and tracemalloc's peak
of the arrays allocated during the call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable

#: The issue's targets (issue 17, "Speed that holds as the work grows").
TARGET_RATIO = 1.5  # dse within 1.5x of a bare numpy closed form of the same counts
TARGET_PEAK_MB = 200.0  # for 10^6 designs x ResNet-18
#: Designs per slice of the bare closed form (the best of this and the whole batch is kept).
BARE_CHUNK = 8192


def best_cpu_seconds(runs: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """The best CPU seconds of each run, the runs taking turns ``repeats`` times."""
    best = {name: float("inf") for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - start)
    return best


def chunked(fn: Callable[[slice], object], n: int, size: int) -> Callable[[], None]:
    """A run of ``fn`` over consecutive slices of ``size`` of ``n`` designs."""
    def run() -> None:
        for start in range(0, n, size):
            fn(slice(start, min(n, start + size)))
    return run


def ratio_line(what: str, evaluations: int, dse_s: float, bare_s: float) -> str:
    """dse's and the bare form's layer-evaluations/s, their ratio beside the target."""
    ratio = dse_s / bare_s
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    return (f"{what}: dse {evaluations / dse_s:,.0f} layer-evaluations per CPU-s, bare numpy closed form "
            f"{evaluations / bare_s:,.0f}; dse/bare time ratio {ratio:.2f}x (target <= {TARGET_RATIO}x: {verdict})")


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status (MB)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1]) / 1024


def measure_child(build: Callable[[], object], run: Callable[[object], object]) -> None:
    """In the child process: build the input, then run once and print, as JSON (MB): the resident
    set before the call, its peak during the call (the high-water mark is reset first, Linux
    clear_refs 5, so the input's own construction does not count), and tracemalloc's peak of the
    arrays allocated during the call."""
    data = build()
    before = _status_mb("VmRSS")
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    tracemalloc.start()
    run(data)
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(json.dumps({"before_mb": before, "peak_mb": _status_mb("VmHWM"), "traced_mb": traced}))


def memory_line(script: str, args: list[str], what: str) -> str:
    """Run ``script args`` in a fresh process (its ``--memory-child`` mode); its peak beside the target.

    The target is read as the memory the batch evaluation takes: the peak during the call less
    what the process held before it (the interpreter, numpy, polars and dse, and the input frame).
    """
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, script, *args], capture_output=True, text=True, check=True, env=env)
    m = json.loads(done.stdout.strip().splitlines()[-1])
    added = m["peak_mb"] - m["before_mb"]
    verdict = "meets" if added <= TARGET_PEAK_MB else "misses"
    return (f"{what}: cost_batch takes {added:.0f} MB at its peak (target <= {TARGET_PEAK_MB:.0f} MB: {verdict}); "
            f"the process held {m['before_mb']:.0f} MB before the call (interpreter, libraries, input frame) and "
            f"{m['peak_mb']:.0f} MB at the peak; numpy arrays at their peak (tracemalloc) {m['traced_mb']:.0f} MB")
