"""`dse evaluate` with the snn backend: results, and one-line refusals of bad parameters (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import PAPER_CNN, write
from tests.snn.nets import OTTATI_PARAMS


def _arch(tmp_path: Path, params: dict) -> Path:
    return write(tmp_path / "arch.yaml", {"backend": "snn", "name": "t", "technology": "horowitz45", "params": params})


def test_evaluate_reports_the_ottati_layer_through_the_cli(cli, tmp_path):
    # ottati2023.md: 189.48 nJ at 90 % input sparsity (within 1 %: the authors average random draws)
    code, out, _ = cli("evaluate", write(tmp_path / "w.yaml", PAPER_CNN), _arch(tmp_path, OTTATI_PARAMS), "--json")
    assert code == 0
    totals = json.loads(out)["totals"]
    assert totals["energy_pj"] == pytest.approx(189_480, rel=0.01)
    assert totals["counts"]["synaptic_ops"] == pytest.approx(0.1 * 144 * 4608)  # d x outputs x fan-in


@pytest.mark.parametrize(("params", "field"), [
    ({"cores": 0}, "params.cores"),
    ({"pes_per_core": -1}, "params.pes_per_core"),
    ({"state_update": "per_spike"}, "params.state_update"),
    ({"leak": "sometimes"}, "params.leak"),
    ({"leak_op": "divide"}, "params.leak_op"),
    ({"memory_overflow": "ignore"}, "params.memory_overflow"),
    ({"weight_sram_kib": 0}, "params.weight_sram_kib"),
    ({"membrane_bits": 128}, "params.membrane_bits"),
    ({"energy_model": {"leak_pj": -1.0}}, "params.energy_model.leak_pj"),
    ({"energy_model": {"spike_pj": 1.0}}, "params.energy_model.spike_pj"),
    ({"crossbar": True}, "params.crossbar"),
])
def test_bad_parameters_get_one_line_and_exit_code_2(cli, tmp_path, params, field):
    arch = _arch(tmp_path, params)
    code, out, err = cli("evaluate", write(tmp_path / "w.yaml", PAPER_CNN), arch)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(arch) in lines[0] and field in lines[0]
    assert "Traceback" not in err and out == ""
