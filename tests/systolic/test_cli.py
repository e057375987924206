"""`dse evaluate` with ``backend: systolic``: good files work, bad parameters get one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dse.testing import conformance_workload_set
from tests.conftest import PAPER_CNN, write


def arch(**params) -> dict:
    return {"backend": "systolic", "name": "tpu-like", "technology": "horowitz45", "params": params}


def test_evaluate_reports_scalesim_counts_as_json(cli, tmp_path: Path) -> None:
    # the public CSV's resnet18_conv3_s on 16x16 WS: 26,559 cycles, 401,408 / 8,192 / 401,408
    layer = {"name": "conv3_s", "kind": "conv2d", "in_channels": 64, "out_channels": 128, "in_height": 55,
             "in_width": 55, "kernel": 1, "stride": 2}
    code, out, err = cli("evaluate", write(tmp_path / "w.yaml", {"name": "w", "layers": [layer]}),
                         write(tmp_path / "a.yaml", arch(rows=16, cols=16, dataflow="ws", latency_model="scalesim")),
                         "--json")
    assert code == 0, err
    counts = json.loads(out)["layers"][0]["counts"]
    assert [counts[k] for k in ("compute_cycles", "sram_ifmap_reads", "sram_filter_reads", "sram_ofmap_writes")] \
        == [26_559, 401_408, 8_192, 401_408]


@pytest.mark.parametrize("index", range(len(conformance_workload_set())))
def test_evaluate_runs_every_layer_kind(cli, tmp_path: Path, index: int) -> None:
    workload = conformance_workload_set()[index].model_dump(by_alias=True, mode="json")
    code, out, err = cli("evaluate", write(tmp_path / "w.json", workload), write(tmp_path / "a.yaml", arch()), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["totals"]["energy_pj"] == pytest.approx(sum(doc["totals"]["breakdown"].values()))
    assert len(doc["layers"]) == len(workload["layers"])


@pytest.mark.parametrize(("params", "field"), [
    ({"rows": 0}, "params.rows"),
    ({"dataflow": "rs"}, "params.dataflow"),
    ({"latency_model": "cycle"}, "params.latency_model"),
    ({"ifmap_sram_kib": -1}, "params.ifmap_sram_kib"),
    ({"colums": 8}, "params.colums"),
])
def test_bad_parameters_get_one_line_and_exit_code_2(cli, tmp_path: Path, params: dict, field: str) -> None:
    code, out, err = cli("evaluate", write(tmp_path / "w.yaml", PAPER_CNN), write(tmp_path / "a.yaml", arch(**params)))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and field in err and "a.yaml" in err


def test_schema_lists_the_systolic_parameters(cli) -> None:
    code, out, _ = cli("schema", "architecture")
    assert code == 0 and "systolic" in out and "dram_bytes_per_cycle" in out and "latency_model" in out
