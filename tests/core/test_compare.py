"""`dse compare` finds the seed paper's break-even rule; `dse reproduce` matches the papers."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from dse.schema import Workload
from tests.conftest import PAPER_CNN, write


def _archs(tmp_path: Path) -> tuple[Path, Path]:
    arch = {"name": "paper", "technology": "horowitz45", "params": {}}
    return (write(tmp_path / "ann.yaml", {**arch, "backend": "ottati2023-ann"}),
            write(tmp_path / "snn.yaml", {**arch, "backend": "ottati2023-snn"}))


def test_break_even_follows_t_d_snn_183_d_ann(cli, tmp_path: Path) -> None:
    ann, snn = _archs(tmp_path)
    out = tmp_path / "cmp"
    code, text, err = cli("compare", write(tmp_path / "w.yaml", PAPER_CNN), "--ann", ann, "--snn", snn,
                          "--density", "0.005:0.5:12", "--timesteps", "1,2,4,8", "--out", out, "--json")
    assert code == 0, err
    summary = json.loads(text)
    assert summary["ann_density"] == pytest.approx(0.1)
    for point in summary["break_even"]:
        # ottati2023.md: T * d_SNN ~ 1.83 * d_ANN; d* = 1.83 * 0.1 / T
        assert point["t_times_d_over_d_ann"] == pytest.approx(1.83, rel=0.015)
        assert point["spike_density"] == pytest.approx(0.183 / point["timesteps"], rel=0.015)
    grid = pl.read_parquet(out / "compare.parquet")
    assert grid.filter(pl.col("engine") == "snn").height == 4 * 12
    assert (out / "crossover.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(("option", "value", "needle"), [
    ("--density", "0.5:0.1:10", "need 0 <= LO < HI <= 1"),
    ("--density", "abc", "expected LO:HI:N"),
    ("--timesteps", "0,2", "every value must be >= 1"),
])
def test_compare_rejects_bad_grids(cli, tmp_path: Path, option: str, value: str, needle: str) -> None:
    ann, snn = _archs(tmp_path)
    code, _, err = cli("compare", write(tmp_path / "w.yaml", PAPER_CNN), "--ann", ann, "--snn", snn, option, value)
    assert code == 2 and needle in err


@pytest.mark.parametrize("study", ["ottati2023", "lemaire2022"])
def test_reproduce_matches_every_exact_number_within_1_percent(cli, tmp_path: Path, study: str) -> None:
    code, text, err = cli("reproduce", study, "--json", "--out", tmp_path)
    assert code == 0, err
    rows = json.loads(text)
    assert rows and all(r["within_1_percent"] for r in rows if r["exact"])
    # approximate sources still land close: within 2 %
    assert all(abs(r["relative_difference"]) <= 0.02 for r in rows)
    assert pl.read_parquet(tmp_path / f"reproduce-{study}.parquet").height == len(rows)


def test_reproduce_unknown_study(cli) -> None:
    code, _, err = cli("reproduce", "smith1999")
    assert code == 2 and "allowed: lemaire2022, ottati2023" in err


TWO_DENSE = {"name": "two-dense", "timesteps": 1, "layers": [
    {"name": "fc1", "kind": "dense", "in_features": 256, "out_features": 128, "input_density": 0.3},
    {"name": "fc2", "kind": "dense", "in_features": 128, "out_features": 10, "input_density": 0.2}]}


def test_hybrid_break_evens_in_table_json_and_files(cli, tmp_path: Path) -> None:
    from dse.evaluation.compare import at_spike_density
    from dse.evaluation.evaluate import evaluate, resolve
    from dse.inputs.documents import load_architecture
    from dse.plugin.manager import make_plugins

    ann, snn = _archs(tmp_path)
    hybrid = write(tmp_path / "hybrid.yaml", {"backend": "hybrid", "name": "paper-split", "technology": "horowitz45",
                                              "params": {"split_after": 1, "ann_backend": "ottati2023-ann",
                                                         "snn_backend": "ottati2023-snn"}})
    workload, out = write(tmp_path / "w.yaml", TWO_DENSE), tmp_path / "cmp"
    args = ("compare", workload, "--ann", ann, "--snn", snn, "--hybrid", hybrid, "--timesteps", "1,4",
            "--density", "0.01:0.5:5")
    code, text, err = cli(*args, "--out", out, "--json")
    assert code == 0, err
    summary = json.loads(text)
    assert json.loads((out / "breakeven.json").read_text()) == summary
    points = summary["hybrid_break_even"]
    assert [p["timesteps"] for p in points] == [1, 4]
    # the definition of a break-even: at d*, the hybrid costs what the ANN costs
    plugins = make_plugins()
    design = resolve(load_architecture(hybrid, plugins), plugins)
    wl = Workload.model_validate(TWO_DENSE)
    for p in points:
        assert p["snn_wins_below"] and 0 < p["spike_density"] < 1
        energy = evaluate(at_spike_density(wl, p["spike_density"], p["timesteps"]), design, "hybrid").energy_pj
        assert energy == pytest.approx(summary["ann_energy_pj"], rel=1e-9)
    compared = json.loads(pl.read_parquet_metadata(out / "compare.parquet")["dse.compared"])
    assert {k: (v["name"], v["backend"], v["file"]) for k, v in compared.items()} == {
        "ann": ("paper", "ottati2023-ann", str(ann)), "snn": ("paper", "ottati2023-snn", str(snn)),
        "hybrid": ("paper-split", "hybrid", str(hybrid))}
    assert compared["hybrid"]["params"]["split_after"] == 1 and compared == summary["compared"]
    code, text, _ = cli(*args)
    assert code == 0 and "hybrid wins" in text and f"{points[0]['spike_density']:.4g}" in text


def test_one_ann_number_for_the_paper_layer_or_the_difference_explained(cli) -> None:
    # 663,552 MACs; 5.23 pJ per non-zero MAC (2 x 2.5 + 0.2 + 0.03); 144 outputs written at 2.5 pJ:
    # reproduce, d = 0.1 x 255/256: 66,096 x 5.23 + 360 = 346,042 pJ; evaluate, d = 0.1: 347,398 pJ
    code, text, _ = cli("reproduce", "ottati2023", "--json")
    row = next(r for r in json.loads(text) if r["quantity"] == "ANN total at 90% sparsity (nJ)")
    assert code == 0 and row["ours"] == pytest.approx(346.042, abs=1e-3)
    assert "255/256" in row["note"] and "input_density 0.1, as examples/workloads/paper-cnn.yaml: 347.4 nJ" in row["note"]
    examples = Path(__file__).resolve().parents[2] / "examples"
    code, text, _ = cli("evaluate", examples / "workloads" / "paper-cnn.yaml",
                        examples / "architectures" / "ottati-ann.yaml", "--json")
    doc = json.loads(text)
    assert doc["totals"]["energy_pj"] == pytest.approx(347_397.7, abs=0.1)
    assert any("d·255/256" in note and "347.4 nJ" in note for note in doc["notes"])


def test_compare_says_which_design_does_not_fit_and_why(cli, tmp_path: Path) -> None:
    # the paper's layer has 144 output neurons; one core of 100 neuron slots cannot hold them
    ann, _ = _archs(tmp_path)
    snn = write(tmp_path / "small.yaml", {"name": "tiny", "technology": "horowitz45", "backend": "snn",
                                          "params": {"cores": 1, "neurons_per_core": 100}})
    args = ("compare", write(tmp_path / "w.yaml", PAPER_CNN), "--ann", ann, "--snn", snn,
            "--density", "0.01:0.5:4", "--timesteps", "1")
    code, text, err = cli(*args, "--json")
    assert code == 0, err
    compared = json.loads(text)["compared"]
    assert compared["ann"]["memory_fits"] and compared["ann"]["overflow"] == []
    assert not compared["snn"]["memory_fits"]
    assert compared["snn"]["overflow"] == ["does not fit on chip: not enough neuron slots"]
    code, text, err = cli(*args)
    assert "snn design tiny: memory_fits false, does not fit on chip: not enough neuron slots" in " ".join(text.split())
