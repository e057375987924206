"""Make more SCALE-Sim ideal-bandwidth (CALC) reference runs than the public CSV holds.

The shapes the public runs leave out: rectangular and odd arrays, rectangular kernels,
strides that do not divide H − R (SCALE-Sim then computes one more output row than PyTorch),
stride 3, a tall GEMM, a dense layer and a depthwise layer on odd arrays. Written in the
columns of docs/references/scalesim_calc_public.csv::

    python benchmarks/systolic_scalesim_reference.py --scalesim-python /tmp/scalesim-venv/bin/python \\
        tests/systolic/scalesim_calc_extra.csv

SCALE-Sim (``pip install scalesim 'numpy<2.3'``) may live in its own environment: the runs
go through benchmarks/scalesim_runner.py in the interpreter given.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
# name, H, W, R, S, C, M, stride (a name with DP is depthwise: C channels of one filter each)
LAYERS = [
    ("conv_stride2_odd", 16, 16, 3, 3, 8, 12, 2),
    ("conv_rect_kernel", 12, 20, 3, 5, 4, 6, 1),
    ("conv_stride3", 17, 17, 5, 5, 3, 10, 3),
    ("dense_100x37", 1, 1, 1, 1, 100, 37, 1),
    ("gemm_40x24x20", 40, 24, 1, 24, 1, 20, 1),
    ("pointwise_9", 9, 9, 1, 1, 40, 24, 1),
    ("dw_DP_10", 10, 10, 3, 3, 12, 1, 1),
]
ARRAYS = [(8, 16), (16, 8), (5, 7), (32, 32)]
COLUMNS = ["layer_name", "layer_kind", "ifmap_h", "ifmap_w", "filter_r", "filter_s", "channels_c", "num_filters_m",
           "stride", "ofmap_h", "ofmap_w", "macs", "array_rows", "array_cols", "dataflow", "ifmap_sram_kb",
           "filter_sram_kb", "ofmap_sram_kb", "word_bytes", "n_sublayers", "total_compute_cycles",
           "overall_util_pct", "mapping_eff_pct", "sram_ifmap_reads", "sram_filter_reads", "sram_ofmap_writes",
           "sim_cpu_s"]


def specs() -> list[dict]:
    return [
        {"name": name, "ifmap_h": h, "ifmap_w": w, "filter_r": r, "filter_s": s, "channels": c, "filters": m,
         "stride": stride, "rows": rows, "cols": cols, "dataflow": df, "ifmap_kb": 64, "filter_kb": 64,
         "ofmap_kb": 64, "bandwidth": None}
        for (name, h, w, r, s, c, m, stride), (rows, cols), df in itertools.product(LAYERS, ARRAYS, ("os", "ws", "is"))
    ]


def row(run: dict) -> dict:
    n = run["sublayers"]
    e = -(-(run["ifmap_h"] - run["filter_r"] + run["stride"]) // run["stride"])
    f = -(-(run["ifmap_w"] - run["filter_s"] + run["stride"]) // run["stride"])
    per_channel = 1 if "DP" in run["name"] else run["channels"]  # a depthwise sublayer has one channel
    return {
        "layer_name": run["name"], "layer_kind": "depthwise" if "DP" in run["name"] else "conv",
        "ifmap_h": run["ifmap_h"], "ifmap_w": run["ifmap_w"], "filter_r": run["filter_r"],
        "filter_s": run["filter_s"], "channels_c": run["channels"], "num_filters_m": run["filters"],
        "stride": run["stride"], "ofmap_h": e, "ofmap_w": f,
        "macs": n * e * f * run["filter_r"] * run["filter_s"] * per_channel * run["filters"],
        "array_rows": run["rows"], "array_cols": run["cols"], "dataflow": run["dataflow"],
        "ifmap_sram_kb": run["ifmap_kb"], "filter_sram_kb": run["filter_kb"], "ofmap_sram_kb": run["ofmap_kb"],
        "word_bytes": 1, "n_sublayers": n, "total_compute_cycles": int(run["Total Cycles"]),
        "overall_util_pct": round(run["Overall Util %"] / n, 4), "mapping_eff_pct": round(run["Mapping Efficiency %"] / n, 4),
        "sram_ifmap_reads": int(run["SRAM IFMAP Reads"]), "sram_filter_reads": int(run["SRAM Filter Reads"]),
        "sram_ofmap_writes": int(run["SRAM OFMAP Writes"]), "sim_cpu_s": round(run["cpu_s"], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--scalesim-python", default=sys.executable, help="a Python where scalesim imports")
    args = parser.parse_args()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(specs(), f)
    done = subprocess.run([args.scalesim_python, str(HERE / "scalesim_runner.py"), f.name],
                          capture_output=True, text=True, check=True)
    with open(args.out, "w", newline="") as out:
        writer = csv.DictWriter(out, COLUMNS)
        writer.writeheader()
        writer.writerows(row(run) for run in json.loads(done.stdout))
    print(f"{args.out}: {len(specs())} SCALE-Sim CALC runs")


if __name__ == "__main__":
    main()
