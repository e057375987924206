"""Hostile input files: each is one bounded stderr line and exit code 2, fast, no traceback."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
import yaml

from dse.errors import MAX_LINE
from dse.inputs.safe_yaml import MAX_DEPTH, MAX_NODES
from tests.conftest import PAPER_CNN

ROOT = Path(__file__).resolve().parents[2]
Cli = Callable[..., tuple[int, str, str]]


def _one_error(cli: Cli, *args: object) -> str:
    code, out, err = cli(*args)
    assert (code, out) == (2, ""), err
    lines = err.splitlines()
    assert len(lines) == 1 and len(lines[0]) <= MAX_LINE and "Traceback" not in err, err
    return lines[0]


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path: Path, cli: Cli) -> None:
    # 10 references per level, 12 levels: 10^12 values from 13 lines
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join([*lines, "name: bomb", "layers: *a11"]) + "\n")
    assert _one_error(cli, "validate", path) == f"dse: {path}: expands to more than {MAX_NODES:,} values (aliases included)"


def test_a_recursive_alias_is_refused(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("name: loop\nlayers: &l [*l]\n")
    assert _one_error(cli, "validate", path).startswith(f"dse: {path}: ")


@pytest.mark.parametrize(("suffix", "levels"), [(".yaml", 100), (".yaml", 5000), (".json", 100), (".json", 50000)])
def test_deep_nesting_is_one_line(tmp_path: Path, cli: Cli, suffix: str, levels: int) -> None:
    path = tmp_path / f"deep{suffix}"
    nested = "[" * levels + "]" * levels
    path.write_text(f'{{"name": "x", "layers": {nested}}}' if suffix == ".json" else f"name: x\nlayers: {nested}\n")
    assert _one_error(cli, "validate", path) == f"dse: {path}: nests deeper than {MAX_DEPTH} levels"


def test_duplicate_keys_are_refused(tmp_path: Path, cli: Cli) -> None:
    yaml_path = tmp_path / "dup.yaml"
    yaml_path.write_text("name: a\nlayers: []\nname: b\n")
    assert _one_error(cli, "validate", yaml_path) == f"dse: {yaml_path}: duplicate key 'name' at line 3, column 1"
    json_path = tmp_path / "dup.json"
    json_path.write_text('{"name": "a", "layers": [], "name": "b"}')
    assert _one_error(cli, "validate", json_path) == f"dse: {json_path}: duplicate key 'name'"


def test_json_constants_that_are_not_json_are_refused(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "inf.json"
    path.write_text('{"name": "a", "layers": [{"name": "fc", "kind": "dense", "in_features": Infinity}]}')
    assert _one_error(cli, "validate", path) == f"dse: {path}: Infinity is not a number in JSON (RFC 8259)"


def _workload(tmp_path: Path, **layer: object) -> Path:
    data = json.loads(json.dumps(PAPER_CNN))
    data["layers"][0].update(layer)
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_huge_value_gives_a_short_line(tmp_path: Path, cli: Cli) -> None:
    path = _workload(tmp_path, kind="nonsense" + "y" * 100_000, name="n" * 100_000)
    line = _one_error(cli, "validate", path)
    assert line.startswith(f"dse: {path}: layers[0]: Input tag 'nonsenseyyy") and "yyy..." in line


@pytest.mark.parametrize(("field", "value", "error"), [
    ("input_density", True, "input_density: expected a number, not true"),
    ("in_channels", False, "in_channels: expected a number, not false"),
    ("in_channels", 2**63, "in_channels: expected an integer of at most 2**63 - 1 (int64) in magnitude"),
])
def test_booleans_and_huge_integers_are_not_numbers(tmp_path: Path, cli: Cli, field: str, value: object,
                                                     error: str) -> None:
    path = _workload(tmp_path, **{field: value})
    assert _one_error(cli, "validate", path).startswith(f"dse: {path}: layers[0]: {error}")


def test_a_boolean_trial_count_is_refused(tmp_path: Path, cli: Cli) -> None:
    space = yaml.safe_load((ROOT / "spaces" / "systolic-resnet18.yaml").read_text()) | {"trials": True}
    path = tmp_path / "space.yaml"
    path.write_text(yaml.safe_dump(space))
    assert _one_error(cli, "validate", path) == f"dse: {path}: trials: expected a number, not true"


def _architecture(tmp_path: Path, backend: str, clock: float) -> Path:
    path = tmp_path / f"{backend}.yaml"
    path.write_text(yaml.safe_dump({"backend": backend, "name": "x", "technology": "horowitz45",
                                    "params": {"clock_mhz": clock}}))
    return path


@pytest.mark.parametrize("backend", ["ottati2023-snn", "systolic", "snn"])
@pytest.mark.parametrize("clock", [1e-320, 1e308])
def test_a_clock_that_gives_infinite_or_zero_latency_is_refused(tmp_path: Path, cli: Cli, backend: str,
                                                                  clock: float) -> None:
    workload = ROOT / "examples" / "workloads" / "paper-cnn.yaml"
    line = _one_error(cli, "evaluate", workload, _architecture(tmp_path, backend, clock), "--json")
    assert line.startswith(f"dse: {tmp_path / backend}.yaml: ")
    # too fast is refused by the parameter model, too slow by the latency it gives
    assert ("params.clock_mhz: Input should be less than or equal to 100000" in line if clock > 1
            else "expected finite and positive" in line or "is inf" in line), line


def test_json_output_is_strict_json(cli: Cli) -> None:
    code, out, _ = cli("evaluate", ROOT / "examples" / "workloads" / "paper-cnn.yaml",
                       ROOT / "examples" / "architectures" / "ottati-snn.yaml", "--json")

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in JSON output")

    assert code == 0
    json.loads(out, parse_constant=refuse)


@pytest.mark.parametrize("command", ["explore", "sweep"])
def test_an_infinite_latency_fails_its_trials_and_no_table_holds_infinity(tmp_path: Path, cli: Cli,
                                                                          command: str) -> None:
    (tmp_path / "w.yaml").write_text((ROOT / "examples" / "workloads" / "paper-cnn.yaml").read_text())
    space = {"name": "slow-clock", "workload": "w.yaml", "objectives": {"energy_pj": "minimize"},
             "backends": [{"backend": "systolic", "technology": "horowitz45",
                           "params": {"rows": {"type": "int", "low": 4, "high": 32}, "clock_mhz": 1e-320}}],
             "sampler": {"name": "random", "batch_size": 10}, "trials": 10, "seed": 0}
    path = tmp_path / "space.yaml"
    path.write_text(yaml.safe_dump(space))
    args = ["--random", "10"] if command == "sweep" else []
    code, _, err = cli(command, path, *args, "--out", tmp_path / "out")
    assert code == 0, err
    table = pl.read_parquet(tmp_path / "out" / ("points" if command == "sweep" else "trials.parquet"))
    assert table.height == 10 and (table["state"] == "FAIL").all()
    # 1e-320 MHz is 1e-314 Hz: any cycle count takes infinite seconds, and the leakage energy
    # of an infinite run is infinite; energy, the objective, is the first total checked
    assert set(table["error"]) == {"energy_pj is inf"}
    floats = table.select(pl.col(pl.Float64))
    assert not floats.select(pl.any_horizontal(pl.all().is_infinite() | pl.all().is_nan()).any()).item()
