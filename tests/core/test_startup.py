"""Start-up: `dse --help` from the remembered command index, entry points and Params checks from the cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import dse
from dse.cli import command_index
from dse.plugin import discovery
from dse.plugin.manager import make_plugins

ROOT = Path(__file__).resolve().parents[2]
# runs the console entry point, then says which heavy modules that run imported
PROBE = (
    "import sys\n"
    "from dse.cli.app import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    "print('LOADED', sorted(m for m in ('pydantic', 'numpy', 'polars', 'optuna', 'typer.rich_utils', "
    "'dse_literature.plugin', 'dse_systolic.evaluation', 'dse_snn.model', 'dse_hybrid.batch') "
    "if m in sys.modules))\n"
)


def _run(cache: Path, *args: str) -> tuple[str, list[str]]:
    env = {**os.environ, "DSE_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    out, _, loaded = done.stdout.rpartition("LOADED ")
    return out, json.loads(loaded.replace("'", '"'))


def test_help_lists_plugin_commands_without_loading_plugins(tmp_path: Path) -> None:
    first, loaded_first = _run(tmp_path, "--help")
    second, loaded_second = _run(tmp_path, "--help")
    assert first == second
    for command in ("evaluate", "explore", "sweep", "pareto", "reproduce", "zoo", "accuracy"):
        assert f"\n  {command} " in second, command
    assert "dse_literature.plugin" in loaded_first  # the first run builds the index
    assert loaded_second == []


def test_a_core_command_runs_from_the_index_and_a_plugin_command_loads_plugins(tmp_path: Path) -> None:
    _run(tmp_path, "--help")
    out, loaded = _run(tmp_path, "evaluate", "examples/workloads/paper-cnn.yaml",
                       "examples/architectures/ottati-snn.yaml", "--json")
    # examples/workloads/paper-cnn.yaml on the paper's SNN: 189.4 nJ (README, published 189.48 nJ)
    assert abs(json.loads(out)["totals"]["energy_pj"] / 1000 - 189.4) < 0.1
    assert "polars" not in loaded and "optuna" not in loaded
    # the paper's SNN is a literature backend: no other backend's model, and no numpy (issue 17)
    assert not {"numpy", "dse_systolic.evaluation", "dse_snn.model", "dse_hybrid.batch"} & set(loaded)
    out, loaded = _run(tmp_path, "zoo", "list")
    assert "resnet18-imagenet" in out and "dse_literature.plugin" in loaded


def test_the_index_is_dropped_when_a_source_file_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSE_CACHE_DIR", str(tmp_path))
    source = tmp_path / "mod.py"
    source.write_text("")
    key = command_index._key()
    discovery.write_cache(command_index.FILE, key, {"commands": {}, "files": discovery.file_stamps([str(source)])})
    assert command_index.load_index() is not None
    os.utime(source, ns=(0, 0))
    assert command_index.load_index() is None


def test_a_cache_written_for_another_environment_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSE_CACHE_DIR", str(tmp_path))
    fake = {"dse": [{"name": "ghost", "value": "nowhere", "distribution": "x", "version": "0"}], "pydantic": False}
    discovery.write_cache("entry-points.json", "another key", fake)
    names = [ep.name for ep in discovery.entry_points()]
    assert "ghost" not in names and "literature" in names
    discovery.write_cache("entry-points.json", discovery.path_key(), fake)
    assert [ep.name for ep in discovery.entry_points()] == ["ghost"]


class _TestParams(BaseModel):
    rows: int = 1


class _TestBackend(dse.Backend):
    name = "test-only"
    Params = _TestParams

    def cost(self, workload: dse.Workload, params: BaseModel, technology: dse.Technology) -> dse.Cost:
        raise NotImplementedError


class _TestPlugin:
    @dse.hookimpl
    def dse_register_backends(self, register: Callable[[dse.Backend], None]) -> None:
        register(_TestBackend())


def test_a_warm_start_builds_no_json_schema_but_a_test_defined_model_is_checked_each_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSE_CACHE_DIR", str(tmp_path))
    cold = make_plugins(extra=[_TestPlugin()])
    built: list[str] = []
    real = BaseModel.model_json_schema.__func__  # type: ignore[attr-defined]

    def counting(cls: type[BaseModel], *args: Any, **kwargs: Any) -> dict[str, Any]:
        built.append(cls.__qualname__)
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(BaseModel, "model_json_schema", classmethod(counting))
    warm = make_plugins(extra=[_TestPlugin()])
    assert warm.backends.names() == cold.backends.names()
    assert {"snn", "systolic", "hybrid", "test-only"} <= set(warm.backends.names())
    # only the model this test module defines (outside dse and the plugin packages) is built again
    assert built == ["_TestParams"]
