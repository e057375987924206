"""Presets: registered through the hook as any plugin would, used as `preset: NAME`, listed by `dse presets`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import dse
from dse import Architecture, Preset
from dse.inputs.documents import load_architecture
from dse.plugin.manager import make_plugins
from tests.conftest import write

TOY = Preset(
    name="toy-array",
    description="a 4x4 systolic array at 45 nm",
    architecture=Architecture(backend="systolic", name="toy", params={"rows": 4, "cols": 4}),
    source="this test",
    read={"rows, cols": "this test"},
)


class _ToyPresets:
    @dse.hookimpl
    def dse_register_presets(self, register):
        register(TOY)


class _DuplicateLoihi:
    @dse.hookimpl
    def dse_register_presets(self, register):
        register(TOY.model_copy(update={"name": "loihi"}))


def test_a_third_party_plugin_registers_a_preset_through_the_hook() -> None:
    plugins = make_plugins(extra=[_ToyPresets()])
    assert plugins.presets.get("toy-array") == TOY
    assert "loihi" in plugins.presets  # the built-in ones, registered by the literature plugin the same way


def test_a_second_preset_of_a_taken_name_is_refused_naming_both_plugins() -> None:
    with pytest.warns(RuntimeWarning, match="preset 'loihi' .* already registered by plugin 'literature'"):
        make_plugins(extra=[_DuplicateLoihi()])


def test_a_file_naming_a_preset_starts_from_it_and_overrides_fields_and_merges_params(tmp_path: Path) -> None:
    plugins = make_plugins(extra=[_ToyPresets()])
    path = write(tmp_path / "a.yaml", {"preset": "toy-array", "params": {"cols": 8, "dataflow": "os"}})
    arch = load_architecture(path, plugins)
    assert arch.backend == "systolic" and arch.name == "toy-array"
    assert arch.params == {"rows": 4, "cols": 8, "dataflow": "os"}  # rows from the preset, cols replaced
    renamed = load_architecture(write(tmp_path / "b.yaml", {"preset": "toy-array", "name": "mine"}), plugins)
    assert renamed.name == "mine" and renamed.params == {"rows": 4, "cols": 4}


def test_an_unknown_preset_is_one_line_naming_the_file_and_the_known_ones(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "a.yaml", {"preset": "loihi-9"})
    code, _, err = cli("evaluate", "zoo:paper-cnn", path)
    assert code == 2
    known = "cutie, eyeriss, loihi, loihi2, sne, tianjic, tpu-v1, truenorth"
    assert err.strip().splitlines() == [f"dse: {path}: preset: unknown preset 'loihi-9' (known: {known})"]


def test_evaluate_and_validate_accept_a_preset_file(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "a.yaml", {"preset": "eyeriss"})
    code, out, _ = cli("evaluate", "zoo:lenet5-mnist", path, "--json")
    assert code == 0, out
    assert json.loads(out)["architecture"]["params"]["rows"] == 12  # Eyeriss's 12x14 PEs
    code, out, _ = cli("validate", path)
    assert code == 0 and "backend systolic" in out


def test_dse_presets_json_lists_every_preset_with_its_source_and_owner(cli) -> None:
    code, out, _ = cli("presets", "--json")
    assert code == 0
    rows = {row["name"]: row for row in json.loads(out)}
    assert set(rows) == {"cutie", "eyeriss", "loihi", "loihi2", "sne", "tianjic", "tpu-v1", "truenorth"}
    for row in rows.values():
        assert row["plugin"] == "literature" and row["source"] and row["read"]
        assert row["architecture"]["backend"] in {"snn", "systolic", "hybrid"}
    assert rows["tpu-v1"]["fitted"] == {}  # nothing fitted: every number read
    assert "carried over" in rows["loihi2"]["fitted"]["k (energy factor)"]  # Loihi's k, not refitted on Loihi 2
    code, out, _ = cli("presets")
    assert code == 0 and "truenorth" in out
