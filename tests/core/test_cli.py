"""`dse evaluate`, `schema`, `validate`, `plugins` through the CLI, good input and bad."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import dse
from dse.cli.app import build_app
from dse.extras import DISTRIBUTION
from dse.plugin.manager import make_plugins
from tests.conftest import PAPER_CNN, write

ARCH_SNN = {"backend": "ottati2023-snn", "name": "paper", "technology": "horowitz45", "params": {}}


def test_evaluate_json_gives_the_published_snn_energy(cli, tmp_path: Path) -> None:
    code, out, _ = cli("evaluate", write(tmp_path / "w.yaml", PAPER_CNN), write(tmp_path / "a.yaml", ARCH_SNN), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["totals"]["energy_pj"] == pytest.approx(189_480, rel=0.01)  # ottati2023.md, 90 % sparsity
    layer = doc["layers"][0]
    assert (layer["name"], layer["kind"], layer["output_shape"], layer["macs"]) == ("conv", "conv2d", [1, 12, 12], 663_552)
    assert layer["synops"] == pytest.approx(66_355.2)
    assert sum(doc["totals"]["breakdown"].values()) == pytest.approx(doc["totals"]["energy_pj"])
    assert {"latency_cycles", "latency_s", "area_mm2", "counts"} <= set(doc["totals"])


def test_evaluate_table_and_parquet(cli, tmp_path: Path) -> None:
    out = tmp_path / "r.parquet"
    code, text, _ = cli("evaluate", write(tmp_path / "w.json", PAPER_CNN), write(tmp_path / "a.yaml", ARCH_SNN),
                        "--out", out)
    assert code == 0 and "conv" in text and "total" in text
    frame = pl.read_parquet(out)
    assert frame["energy_pj"][0] == pytest.approx(189_413, rel=1e-3)
    assert json.loads(frame["breakdown_json"][0])["compute"] > 0
    meta = pl.read_parquet_metadata(out)
    assert meta["dse_version"] == dse.__version__
    assert "input_hash.workload" in meta and "literature" in json.loads(meta["dse_plugins"])


def test_plugins_json_lists_literature_backends_and_horowitz(cli) -> None:
    _code, out, _ = cli("plugins", "--json")
    doc = json.loads(out)
    backends = {b["name"] for b in doc["backends"]}
    assert {"ottati2023-ann", "ottati2023-snn", "lemaire2022-ann", "lemaire2022-snn"} <= backends
    assert "horowitz45" in {t["name"] for t in doc["technologies"]}
    literature = next(p for p in doc["plugins"] if p["name"] == "literature")
    # "dse": an install made before the distribution was renamed (pip uninstall dse; pip install -e .)
    assert literature["status"] == "loaded" and literature["distribution"] in (DISTRIBUTION, "dse")


def test_schema_architecture_is_a_union_over_backends(cli) -> None:
    code, out, _ = cli("schema", "architecture")
    schema = json.loads(out)
    assert code == 0 and "discriminator" in json.dumps(schema)
    assert "ottati2023-snn" in json.dumps(schema)
    code, out, _ = cli("schema", "workload")
    assert "conv2d" in out and "input_density" in out


def test_inline_technology_table(cli, tmp_path: Path) -> None:
    table = make_plugins().technology("horowitz45@22nm").model_dump(mode="json")
    arch = write(tmp_path / "a.yaml", {**ARCH_SNN, "technology": {**table, "name": "mine22"}})
    code, out, _ = cli("evaluate", write(tmp_path / "w.yaml", PAPER_CNN), arch, "--json")
    # ottati2023-snn uses the paper's constants, so the node changes only the area
    assert code == 0 and json.loads(out)["totals"]["energy_pj"] == pytest.approx(189_413, rel=1e-4)


def test_validate_says_what_a_file_is(cli, tmp_path: Path) -> None:
    code, out, _ = cli("validate", write(tmp_path / "w.yaml", PAPER_CNN))
    assert code == 0 and "workload 'paper-cnn'" in out
    code, out, _ = cli("validate", write(tmp_path / "a.yaml", ARCH_SNN))
    assert code == 0 and "backend ottati2023-snn" in out


def _bad(**change) -> dict:
    layer = {**PAPER_CNN["layers"][0], **change}
    return {**PAPER_CNN, "layers": [layer]}


@pytest.mark.parametrize(
    ("workload", "arch", "needle"),
    [
        ("name: x\nlayers: [ {name: a", ARCH_SNN, "malformed YAML at line"),
        (_bad(colour="red"), ARCH_SNN, "layers[0].colour: Extra inputs are not permitted"),
        (_bad(in_channels="many"), ARCH_SNN, "layers[0].in_channels: Input should be a valid integer"),
        (_bad(in_channels=0), ARCH_SNN, "layers[0].in_channels: Input should be greater than 0 (got 0)"),
        (_bad(input_density=1.5), ARCH_SNN, "layers[0].input_density: Input should be less than or equal to 1"),
        ({"name": "x", "layers": [PAPER_CNN["layers"][0], {"name": "fc", "kind": "dense", "in_features": 7,
                                                            "out_features": 2}]},
         ARCH_SNN, "layers 'conv' and 'fc' do not agree"),
        (PAPER_CNN, {**ARCH_SNN, "backend": "tpu9000"}, "backend: unknown backend 'tpu9000' (known:"),
        (PAPER_CNN, {**ARCH_SNN, "technology": "unobtainium"}, "technology: unknown technology 'unobtainium'"),
        (PAPER_CNN, {**ARCH_SNN, "params": {"e_mem_pj": -1}}, "params.e_mem_pj: Input should be greater than 0"),
        (PAPER_CNN, {**ARCH_SNN, "technology": {"name": "t", "node_nm": -3}},
         "technology.node_nm: Input should be greater than 0 (got -3)"),
        (PAPER_CNN, {**ARCH_SNN, "params": {"rows": 4}}, "params.rows: Extra inputs are not permitted"),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(cli, tmp_path: Path, workload, arch, needle: str) -> None:
    wpath = tmp_path / "w.yaml"
    wpath.write_text(workload) if isinstance(workload, str) else write(wpath, workload)
    apath = write(tmp_path / "a.yaml", arch)
    out = tmp_path / "keep.parquet"
    out.write_bytes(b"earlier results")
    code, stdout, stderr = cli("evaluate", wpath, apath, "--out", out)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], stderr
    assert str(wpath) in lines[0] or str(apath) in lines[0]
    assert "Traceback" not in stderr + stdout
    assert out.read_bytes() == b"earlier results"


def test_missing_file_and_unknown_suffix(cli, tmp_path: Path) -> None:
    code, _, err = cli("evaluate", tmp_path / "nope.yaml", write(tmp_path / "a.yaml", ARCH_SNN))
    assert code == 2 and "no such file" in err
    (tmp_path / "m.xyz").write_text("?")
    code, _, err = cli("evaluate", tmp_path / "m.xyz", tmp_path / "a.yaml")
    assert code == 2 and "no workload loader for this file (allowed: .yaml" in err


class _Exploding(dse.Backend):
    name = "exploding"
    Params = make_plugins().backend("ottati2023-snn").Params

    def cost(self, workload, params, technology):
        raise ZeroDivisionError("division by zero in the cost model")


class _ExplodingPlugin:
    @dse.hookimpl
    def dse_register_backends(self, register):
        register(_Exploding())


def test_a_backend_that_raises_gets_one_line_and_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    plugins = make_plugins(extra=[_ExplodingPlugin()])
    result = CliRunner().invoke(build_app(plugins), ["evaluate", str(write(tmp_path / "w.yaml", PAPER_CNN)),
                                                     str(write(tmp_path / "a.yaml", {**ARCH_SNN, "backend": "exploding"}))],
                                obj=plugins)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"dse: {tmp_path / 'a.yaml'}: backend 'exploding' of plugin 'extra-0' (registered in code) failed on "
        "workload 'paper-cnn': "
        "ZeroDivisionError: division by zero in the cost model")
