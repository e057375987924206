"""Run SCALE-Sim (``pip install scalesim``) on layers given as JSON; print its counts as JSON.

Runs in any Python where ``scalesim`` imports (it needs nothing from dse), so SCALE-Sim can
live in its own virtual environment::

    python benchmarks/scalesim_runner.py runs.json > results.json

``runs.json`` is a list of runs: ``{"name", "ifmap_h", "ifmap_w", "filter_r", "filter_s",
"channels", "filters", "stride", "rows", "cols", "dataflow", "ifmap_kb", "filter_kb",
"ofmap_kb", "bandwidth"}``; ``bandwidth`` null runs SCALE-Sim's ideal mode (CALC), a number
its finite-bandwidth mode (USER) with that many words per cycle for each of the three
SRAMs' DRAM ports. A name containing ``DP`` is run as a depthwise layer (SCALE-Sim's rule).
Each result adds the reports' numbers and ``cpu_s``, the CPU seconds of the simulation.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """[general]
run_name = run

[architecture_presets]
ArrayHeight: {rows}
ArrayWidth: {cols}
IfmapSramSzkB: {ifmap_kb}
FilterSramSzkB: {filter_kb}
OfmapSramSzkB: {ofmap_kb}
IfmapOffset: 0
FilterOffset: 10000000
OfmapOffset: 20000000
Bandwidth: {bandwidth}
Dataflow: {dataflow}
ReadRequestBuffer: 32
WriteRequestBuffer: 32
MemoryBanks: 1

[layout]
IfmapCustomLayout: False
FilterCustomLayout: False
IfmapSRAMBankBandwidth: {bandwidth}
IfmapSRAMBankNum: 1
IfmapSRAMBankPort: 2
FilterSRAMBankBandwidth: {bandwidth}
FilterSRAMBankNum: 1
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport: false
SparseRep: ellpack_block
OptimizedMapping: false
BlockSize: 8
RandomNumberGeneratorSeed: 40

[run_presets]
InterfaceBandwidth: {mode}
UseRamulatorTrace: False
"""


def run(spec: dict) -> dict:
    """One SCALE-Sim run of one layer."""
    from scalesim.scale_sim import scalesim

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        mode = "CALC" if spec["bandwidth"] is None else "USER"
        (root / "arch.cfg").write_text(CONFIG.format(mode=mode, **{**spec, "bandwidth": spec["bandwidth"] or 10}))
        topology = root / "layer.csv"
        topology.write_text(
            "Layer name,IFMAP Height,IFMAP Width,Filter Height,Filter Width,Channels,Num Filter,Strides,\n"
            f"{spec['name']},{spec['ifmap_h']},{spec['ifmap_w']},{spec['filter_r']},{spec['filter_s']},"
            f"{spec['channels']},{spec['filters']},{spec['stride']},\n"
        )
        (root / "layout.csv").write_text("Layer name,\n")
        start = time.process_time()
        with contextlib.redirect_stdout(io.StringIO()):
            sim = scalesim(save_disk_space=True, verbose=False, config=str(root / "arch.cfg"),
                           topology=str(topology), layout=str(root / "layout.csv"))
            sim.run_scale(top_path=str(root / "out"))
        cpu = time.process_time() - start
        return {**spec, **_reports(root / "out" / "run"), "cpu_s": cpu}


def _reports(folder: Path) -> dict:
    """Sums over the report rows (a depthwise layer has one row per channel) and their count."""
    totals: dict[str, float] = {}
    for report in ("COMPUTE_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"):
        with open(folder / report) as f:
            rows = list(csv.DictReader(f, skipinitialspace=True))
        for row in rows:
            for key, value in row.items():
                key = (key or "").strip()
                if key and key != "LayerID" and value and value.strip():
                    totals[key] = totals.get(key, 0.0) + float(value)
        totals["sublayers"] = len(rows)
    return totals


if __name__ == "__main__":
    specs = json.loads(Path(sys.argv[1]).read_text())
    json.dump([run(spec) for spec in specs], sys.stdout, indent=1)
