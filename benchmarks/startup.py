"""Start-up cost of `dse` against `python -c 'import numpy'`, measured interleaved in one run.

    python benchmarks/startup.py [--repeats 15]

Runs, in turn and ``--repeats`` times each, ``python -c 'import numpy'`` (the reference),
``dse --help`` and a one-layer ``dse evaluate`` (examples/workloads/paper-cnn.yaml on
examples/architectures/ottati-snn.yaml), and prints the CPU seconds (user + system, of the
child process) of each: best and median, and each command's median over the reference's
median. Targets (issue 17): ``dse --help`` under 2x ``import numpy``; a one-layer
``dse evaluate`` under 0.2 CPU-s on the issue's machine, where ``import numpy`` took
0.08 CPU-s (0.31 s of imports and discovery was 3.9x it), so under 2.5x ``import numpy``.
The start-up caches live in a temporary directory (``DSE_CACHE_DIR``) that one warm-up
run fills, and byte-code is written, as for an installed tool.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"dse --help": 2.0, "dse evaluate (1 layer)": 2.5}


def cpu_seconds(command: list[str], env: dict[str, str]) -> float:
    """User + system CPU seconds of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    dse = shutil.which("dse", path=str(Path(sys.executable).parent)) or "dse"
    commands = {
        "import numpy": [sys.executable, "-c", "import numpy"],
        "dse --help": [dse, "--help"],
        "dse evaluate (1 layer)": [dse, "evaluate", "examples/workloads/paper-cnn.yaml",
                                   "examples/architectures/ottati-snn.yaml", "--json"],
    }
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"DSE_CACHE_DIR": cache}
        for command in commands.values():  # warm-up: start-up caches and byte-code
            cpu_seconds(command, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeats):
            for name, command in commands.items():
                times[name].append(cpu_seconds(command, env))
    reference = statistics.median(times["import numpy"])
    print(f"{os.cpu_count()} cores; CPU seconds over {args.repeats} interleaved runs")
    print(f"{'command':<26}{'best':>8}{'median':>8}{'x numpy':>9}{'target':>8}")
    for name, seconds in times.items():
        ratio = statistics.median(seconds) / reference
        target = f"< {TARGETS[name]:.1f}" if name in TARGETS else "1"
        print(f"{name:<26}{min(seconds):>8.3f}{statistics.median(seconds):>8.3f}{ratio:>9.2f}{target:>8}")


if __name__ == "__main__":
    main()
