"""dse against ZigZag, layer by layer: energy by component and latency (the issue-14 cross-check).

    pip install zigzag-dse six     # optional; without it this script says so and exits 0
    python benchmarks/zigzag_agreement.py [--accelerator tpu_like|eyeriss_like|all] [--layers N]

Runs ZigZag 3.x (its loma temporal-mapping search, minimal energy) on each layer of
benchmarks/zigzag_layers.py, alone, on one of its example accelerators, and dse's systolic
backend on the same layer, alone, on the design and technology benchmarks/zigzag_setup.py
builds from the same accelerator YAML. Both pay the layer's compulsory traffic: its input
comes from DRAM and its output goes back (a one-layer network), its weights are loaded once.

Prints per layer the ratio dse / ZigZag of the total energy, of each component (MAC: the
arithmetic; register: memories inside the PEs; SRAM: on-chip memories outside them; DRAM)
and of the latency in cycles, then the median, minimum and maximum of each ratio.
docs/memory.md holds the table this prints and explains every remaining difference.
ZigZag takes 3-9 CPU seconds a layer (its mapping search; about 2 CPU minutes for tpu_like's
24 layers, 3.5 for eyeriss_like's); dse takes microseconds. Nothing is cached.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import logging
import math
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

COMPONENTS = ("total", "mac", "register", "sram", "dram", "latency")


def zigzag_costs(setup: Any, layers: list[dict[str, Any]]) -> list[dict[str, float]]:
    """ZigZag's energy by component (pJ) and latency (cycles) of each layer, run alone."""
    from zigzag.api import get_hardware_performance_zigzag
    from zigzag_layers import zigzag_layer

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        mapping = _mapping(setup, Path(tmp))
        for index, layer in enumerate(layers):
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                _, latency, cmes = get_hardware_performance_zigzag(
                    [zigzag_layer(layer, 0)], str(setup.hardware), str(mapping), opt="energy",
                    dump_folder=f"{tmp}/{index}", loma_show_progress_bar=False)
            cme = cmes[0][1][0][0]
            parts = {"mac": cme.mac_energy, "register": 0.0, "sram": 0.0, "dram": 0.0}
            for op, per_level in cme.mem_energy_breakdown.items():
                mem_op = cme.memory_operand_links.layer_to_mem_op(op)
                for level, energy in zip(cme.accelerator.memory_hierarchy.get_memory_levels(mem_op), per_level,
                                         strict=True):
                    parts[_component(setup.levels[level.name])] += energy
            results.append({**parts, "total": cme.energy_total, "latency": float(latency)})
    return results


def _component(level: Any) -> str:
    if level.in_pe:
        return "register"
    return "dram" if level.name == "dram" else "sram"


def _mapping(setup: Any, folder: Path) -> Path:
    """ZigZag's own mapping file for the accelerator, or one that unrolls output pixels over D1
    and output channels over D2 (dse's output-stationary layout; Gemm: rows over D1)."""
    if setup.mapping is not None:
        return setup.mapping
    d1, d2 = setup.params["rows"], setup.params["cols"]
    links = "  memory_operand_links:\n    O: O\n    W: I2\n    I: I1\n"
    path = folder / "mapping.yaml"
    path.write_text(f"- name: default\n  spatial_mapping:\n    D1:\n      - OX, {d1}\n    D2:\n      - K, {d2}\n{links}"
                    f"- name: Gemm\n  spatial_mapping:\n    D1:\n      - D, {d1}\n    D2:\n      - K, {d2}\n{links}")
    return path


def dse_costs(setup: Any, layers: list[dict[str, Any]]) -> list[dict[str, float]]:
    """dse's energy by component (pJ) and latency (cycles) of each layer as a one-layer network."""
    from zigzag_layers import dse_layer

    from dse import Workload, make_plugins

    backend = make_plugins().backend("systolic")
    params = backend.parse_params(setup.params)
    results = []
    for layer in layers:
        workload = Workload.model_validate({"name": layer["name"], "layers": [dse_layer(layer)]})
        cost = backend.cost(workload, params, setup.technology)
        b = cost.breakdown
        sram = math.fsum(v for k, v in b.items() if k.startswith("sram_"))
        results.append({"mac": b["compute"], "register": b["register"], "sram": sram, "dram": b["dram"],
                        "total": cost.energy_pj, "latency": cost.latency_cycles})
    return results


def ratio(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 else math.inf
    return a / b


def report(name: str, rows: list[tuple[str, str, dict[str, float], dict[str, float]]]) -> None:
    print(f"\n{name}: dse / ZigZag per layer (energy by component, latency in cycles)")
    print(f"{'network':<12}{'layer':<26}{'ZigZag µJ':>10}" + "".join(f"{c:>10}" for c in COMPONENTS))
    ratios: dict[str, list[float]] = {c: [] for c in COMPONENTS}
    for network, layer, ours, theirs in rows:
        line = f"{network:<12}{layer:<26}{theirs['total'] / 1e6:>10.2f}"
        for c in COMPONENTS:
            r = ratio(ours[c], theirs[c])
            if math.isfinite(r):
                ratios[c].append(r)
            line += f"{r:>10.2f}" if math.isfinite(r) else f"{'-':>10}"
        print(line)
    for label, fn in (("median", statistics.median), ("min", min), ("max", max)):
        print(f"{label:<38}{'':>10}" + "".join(f"{fn(ratios[c]):>10.2f}" if ratios[c] else f"{'-':>10}"
                                                for c in COMPONENTS))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accelerator", choices=("tpu_like", "eyeriss_like", "all"), default="all")
    parser.add_argument("--layers", type=int, default=0, help="only the first N layers (0: all)")
    args = parser.parse_args()
    if importlib.util.find_spec("zigzag") is None:
        print("zigzag_agreement: zigzag-dse is not installed (pip install zigzag-dse six); nothing to compare")
        return 0
    logging.disable(logging.CRITICAL)  # ZigZag logs every stage at INFO
    from zigzag_layers import layers
    from zigzag_setup import SETUPS

    chosen = layers()[: args.layers or None]
    names = list(SETUPS) if args.accelerator == "all" else [args.accelerator]
    for name in names:
        setup = SETUPS[name]()
        ours = dse_costs(setup, [layer for _, layer in chosen])
        theirs = zigzag_costs(setup, [layer for _, layer in chosen])
        report(name, [(net, layer["name"].split(".", 1)[-1], o, t)
                      for (net, layer), o, t in zip(chosen, ours, theirs, strict=True)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
