"""Seconds and peak memory of `dse pareto` on 10⁶ and 10⁷-row result tables, against reading
every column first.

    python benchmarks/pareto_scale.py [--rows 1000000 10000000] [--file-rows 1000000]

Writes a sweep-like directory of Parquet files in the fixed results schema
(:mod:`dse.results.trials`: JSON parameters, constraint values, provenance strings; three
objectives as in ``spaces/systolic-resnet18.yaml``, random log-normal values, 99.7 % of the
rows feasible), then, each in a fresh process whose peak resident memory the kernel reports
(``wait4``; the tables are written by another child, so that the parent stays small: a
child's peak counts the memory it had at fork):

- ``dse pareto DIR --limit 0``, the command as a user runs it;
- its front alone (``summarize`` of a lazy scan, as the command does): the objectives,
  ``state``, ``feasible`` and ``trial`` of every row, read on polars' streaming engine, then
  the other columns of the front's rows only;
- the reference: every column read first (``pl.read_parquet``), then the same front.

All three must find the same front and hypervolume; the ratios are reference / lazy scan.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from dse.results.trials import TRIALS_SCHEMA

OBJECTIVES = {"energy_pj": "minimize", "latency_s": "minimize", "area_mm2": "minimize"}

#: One front, in a process of its own: ``lazy`` scans the files as `dse pareto` does, ``full``
#: reads every column first.
FRONT = """
import json, sys, time
from pathlib import Path
start = time.perf_counter()
import polars as pl
from dse.results.front_files import summarize
from dse.results.pareto import result_files, scan_results
files = result_files(Path(sys.argv[2]))
table = scan_results(files) if sys.argv[1] == "lazy" else pl.read_parquet(files).lazy()
summary = summarize(table, json.loads(sys.argv[3]))
print(f"front: {summary.front.height} designs; hypervolume {summary.hypervolume:.6g}")
"""


def table(n: int, first: int, seed: int) -> pl.DataFrame:
    """``n`` rows of the results schema, trials ``first`` onwards."""
    rng = np.random.default_rng(seed)
    energy, latency, area = rng.lognormal(10, 1, n), rng.lognormal(-5, 1, n), rng.lognormal(0, 0.5, n)
    params = pl.concat_str([pl.lit('{"rows": '), pl.lit(rng.integers(4, 257, n)), pl.lit(', "cols": '),
                            pl.lit(rng.integers(4, 257, n)), pl.lit(', "dataflow": "ws", "ifmap_sram_kib": '),
                            pl.lit(np.round(rng.uniform(8, 2048, n), 3)), pl.lit(', "clock_mhz": 500.0}')])
    violation = area / 4 - 1
    frame = pl.DataFrame({
        "study": "bench/systolic", "trial": np.arange(first, first + n), "backend": "systolic",
        "technology": "horowitz45", "workload": "resnet18-imagenet", "state": "COMPLETE", "error": None,
        "energy_pj": energy, "latency_cycles": latency * 5e8, "latency_s": latency, "area_mm2": area,
        "power_mw": energy / latency * 1e-9, "memory_fits": True, "accuracy": None,
        "constraint_violation": violation, "feasible": violation <= 0, "pareto": None,
        "knobs_json": "{}", "config_hash": "0123456789abcdef",
        "plugin_versions": '{"backend:systolic": "dse-accel 0.1.0"}', "worker": "bench:1",
    }).with_columns(pl.select(params).to_series().alias("params_json"),
                    pl.concat_str([pl.lit('{"area_mm2 <= 4": '), pl.lit(violation), pl.lit("}")])
                    .alias("constraints_json"))
    return frame.select(pl.col(c).cast(t) for c, t in TRIALS_SCHEMA.items())


def write_tables(folder: Path, rows: int, file_rows: int) -> int:
    """Bytes written."""
    folder.mkdir(parents=True)
    meta = {"dse.objectives": json.dumps(OBJECTIVES)}
    for i, first in enumerate(range(0, rows, file_rows)):
        table(min(file_rows, rows - first), first, i).write_parquet(folder / f"{i:04d}.parquet", metadata=meta)
    return sum(p.stat().st_size for p in folder.iterdir())


def measured(command: list[str]) -> tuple[str, float, float]:
    """Output, wall seconds and peak resident MiB of ``command``, in its own process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{text}")
    return text, seconds, usage.ru_maxrss / 1024  # Linux: KiB


def front_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("front:")).split(" (reference")[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--file-rows", type=int, default=65_536, help="rows per Parquet file (dse sweep's chunk)")
    parser.add_argument("--write", type=Path, help=argparse.SUPPRESS)  # a child process: write the tables only
    args = parser.parse_args()
    if args.write is not None:
        print(write_tables(args.write, args.rows[0], args.file_rows))
        return
    dse = [sys.executable, "-c", "from dse.cli.app import main; main()"]
    print(f"{os.cpu_count()} cores; objectives {', '.join(OBJECTIVES)}")
    _, _, idle = measured([sys.executable, "-c", "import polars, numpy, dse.results.front_files"])
    print(f"a process that imports polars, numpy and dse.results: {idle:.0f} MiB")
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch) / "points"
            start = time.perf_counter()
            # in a child: a process started by this one begins with this one's peak memory
            # (Linux keeps the larger of the two across fork and exec), so this one stays small
            size = int(measured([sys.executable, __file__, "--write", str(folder), "--rows", str(rows),
                                 "--file-rows", str(args.file_rows)])[0])
            print(f"\n{rows:,} rows in {len(list(folder.iterdir()))} files, {size / 2**20:.0f} MiB on disk "
                  f"(written in {time.perf_counter() - start:.0f} s)")
            cli, cli_s, cli_mib = measured([*dse, "pareto", str(folder), "--limit", "0"])
            lazy, lazy_s, lazy_mib = measured([sys.executable, "-c", FRONT, "lazy", str(folder), json.dumps(OBJECTIVES)])
            full, full_s, full_mib = measured([sys.executable, "-c", FRONT, "full", str(folder), json.dumps(OBJECTIVES)])
            same = front_line(cli) == front_line(lazy) == front_line(full)
            print(f"  dse pareto DIR (the command, start-up included): {cli_s:7.1f} s {cli_mib:7.0f} MiB peak")
            print(f"  its front, needed columns streamed:              {lazy_s:7.1f} s {lazy_mib:7.0f} MiB peak")
            print(f"  the same front, every column read first:         {full_s:7.1f} s {full_mib:7.0f} MiB peak")
            print(f"  ratio every column / needed columns: {full_s / lazy_s:.2f}x seconds, "
                  f"{full_mib / lazy_mib:.2f}x memory; same front: {same} ({front_line(lazy)})")
            if not same:
                raise SystemExit(f"fronts differ:\n{cli}\n{lazy}\n{full}")


if __name__ == "__main__":
    main()
