"""Plugin loading: isolation of broken plugins, switches, duplicates, the example package, docs."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import dse
from dse.plugin.manager import make_plugins

ROOT = Path(__file__).resolve().parents[2]


class _Duplicate:
    @dse.hookimpl
    def dse_register_technologies(self, register):
        register(make_plugins().technology("horowitz45"))


class _RaisesWhileRegistering:
    @dse.hookimpl
    def dse_register_backends(self, register):
        raise RuntimeError("cannot find my lookup table")


def test_duplicate_names_are_refused_naming_both_plugins() -> None:
    with pytest.warns(RuntimeWarning, match="already registered by plugin 'literature'"):
        plugins = make_plugins(extra=[_Duplicate()])
    assert "horowitz45" in plugins.technologies  # the first one stays


def test_a_plugin_that_raises_is_listed_and_skipped() -> None:
    with pytest.warns(RuntimeWarning, match="cannot find my lookup table"):
        plugins = make_plugins(extra=[_RaisesWhileRegistering()])
    failed = [i for i in plugins.info.values() if "cannot find my lookup table" in i.error]
    assert len(failed) == 1 and failed[0].status == "failed"
    assert "ottati2023-snn" in plugins.backends  # everything else still works


def test_strict_mode_reraises(monkeypatch) -> None:
    monkeypatch.setenv("DSE_STRICT_PLUGINS", "1")
    with pytest.raises(RuntimeError, match="lookup table"):
        make_plugins(extra=[_RaisesWhileRegistering()])


def test_autoload_can_be_disabled_and_plugins_blocked(monkeypatch) -> None:
    monkeypatch.setenv("DSE_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert make_plugins().backends.names() == []
    monkeypatch.delenv("DSE_DISABLE_PLUGIN_AUTOLOAD")
    monkeypatch.setenv("DSE_BLOCK_PLUGINS", "literature")
    plugins = make_plugins()
    assert "ottati2023-snn" not in plugins.backends
    assert plugins.info["literature"].status == "blocked"


def test_misspelt_hook_is_caught() -> None:
    class Misspelt:
        @dse.hookimpl
        def dse_register_backend(self, register):  # missing the "s"
            pass


    with pytest.warns(RuntimeWarning, match="unknown hook 'dse_register_backend' .did you mean 'dse_register_backends'"):
        plugins = make_plugins(extra=[Misspelt()], entry_points=False)
    assert plugins.info["extra-0"].status == "failed"  # the others still load (tests/hardening runs them)


def test_misspelt_hook_raises_in_strict_mode(monkeypatch) -> None:
    class Misspelt:
        @dse.hookimpl
        def dse_register_backend(self, register):
            pass

    from pluggy import PluginValidationError

    monkeypatch.setenv("DSE_STRICT_PLUGINS", "1")
    with pytest.raises(PluginValidationError, match="dse_register_backend"):
        make_plugins(extra=[Misspelt()], entry_points=False)


def test_every_hook_is_documented() -> None:
    tree = ast.parse((ROOT / "dse" / "plugin" / "hookspecs.py").read_text())
    hooks = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("dse_")]
    docs = (ROOT / "docs" / "plugins.md").read_text()
    assert hooks, "no hookspecs found"
    undocumented = [h for h in hooks if not re.search(rf"^### {h}$", docs, re.MULTILINE)]
    assert not undocumented, f"hooks without a section in docs/plugins.md: {undocumented}"


def _install(package: Path, target: Path) -> dict[str, str]:
    """``package`` pip-installed into ``target``; the environment that puts it on the path."""
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(package)],
        check=True, capture_output=True, timeout=300,
    )
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), *sys.path])}


def _listing(env: dict[str, str]) -> dict:
    run = subprocess.run([sys.executable, "-c", "from dse.cli.app import main; main()", "plugins", "--json"],
                         env=env, capture_output=True, text=True, check=True, timeout=120)
    return json.loads(run.stdout)


def test_a_new_plugin_installs_is_discovered_and_passes_the_kit(tmp_path: Path) -> None:
    from dse.plugin.scaffold import render_plugin

    package = tmp_path / "dse-toy-array"
    render_plugin("toy-array", package)
    env = _install(package, tmp_path / "site")
    doc = _listing(env)
    toy = next(b for b in doc["backends"] if b["name"] == "toy-array")
    assert (toy["plugin"], toy["distribution"], toy["version"]) == ("toy-array", "dse-toy-array", "0.1.0")
    assert next(p for p in doc["plugins"] if p["name"] == "toy-array")["api"] == dse.DSE_PLUGIN_API
    # its own tests, which run dse's conformance kit (batch = cost on generated designs), pass
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package / "tests")],
                         env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "5 passed" in run.stdout


def test_a_plugin_written_for_another_api_is_refused_naming_both_versions(tmp_path: Path) -> None:
    from dse.plugin.scaffold import render_plugin

    package = tmp_path / "dse-future"
    render_plugin("future", package)
    module = package / "src" / "dse_future" / "plugin.py"
    module.write_text(module.read_text().replace(f"DSE_PLUGIN_API = {dse.DSE_PLUGIN_API}", "DSE_PLUGIN_API = 99"))
    doc = _listing(_install(package, tmp_path / "site"))
    future = next(p for p in doc["plugins"] if p["name"] == "future")
    assert future["status"] == "failed"
    assert future["error"] == (f"ImportError: written for dse plugin API 99; this dse provides API "
                               f"{dse.DSE_PLUGIN_API}")
    assert "future" not in {b["name"] for b in doc["backends"]}
