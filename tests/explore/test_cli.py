"""The command line: `dse explore`, `dse sweep` and `dse pareto` (exit codes, messages, files)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import polars as pl
import pytest

from dse.plugin.manager import Plugins
from tests.explore.conftest import toy_space, write_space
from tests.explore.test_space import run_cli

real = importlib.util.find_spec


@pytest.fixture
def run_dir(tmp_path: Path, toy_plugins: Plugins) -> Path:
    path = write_space(tmp_path, toy_space())
    code, out, err = run_cli(toy_plugins, "explore", path, "--trials", "30", "--out", tmp_path / "run")
    assert code == 0, err
    assert "30 trials told" in out and "front: " in out and "hypervolume" in out
    return tmp_path / "run"


def test_pareto_of_a_run_directory(run_dir: Path, toy_plugins: Plugins, tmp_path: Path) -> None:
    code, out, _ = run_cli(toy_plugins, "pareto", run_dir, "--plot", tmp_path / "f.png")
    front = pl.read_parquet(run_dir / "pareto.parquet")
    feasible = pl.read_parquet(run_dir / "trials.parquet")["feasible"].sum()
    assert code == 0 and 0 < feasible < 30  # the constraint area <= 6 cuts some of x + y in [1, 8]
    assert f"front: {front.height} designs; hypervolume" in out and f"from {feasible} feasible rows of 1 file(s)" in out
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"


def test_pareto_with_objectives_and_reference(run_dir: Path, toy_plugins: Plugins) -> None:
    trials = pl.read_parquet(run_dir / "trials.parquet")
    # one objective: the front is the lowest energy; hypervolume = reference − min energy
    best = trials["energy_pj"].min()
    code, out, _ = run_cli(toy_plugins, "pareto", run_dir / "trials.parquet", "--objectives", "energy_pj",
                           "--reference", "1000")
    assert code == 0 and f"hypervolume {1000 - best:.6g} (reference: energy_pj 1000)" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--objectives", "nonesuch"], "no column 'nonesuch'"),
    (["--objectives", "energy_pj:up"], "direction must be min or max"),
    (["--reference", "1,2,3"], "give 2 numbers"),
    (["--plot", "front.svg"], "name a .png or .html file"),
])
def test_pareto_refuses_bad_options(run_dir: Path, toy_plugins: Plugins, args: list[str], message: str) -> None:
    code, _, err = run_cli(toy_plugins, "pareto", run_dir, *args)
    assert code == 2 and message in err and err.count("\n") == 1


def test_pareto_of_nothing(tmp_path: Path, toy_plugins: Plugins) -> None:
    code, _, err = run_cli(toy_plugins, "pareto", tmp_path / "none")
    assert code == 2 and "no such file or directory" in err
    code, _, err = run_cli(toy_plugins, "pareto", tmp_path)
    assert code == 2 and "no Parquet result files" in err


def test_sweep_command(tmp_path: Path, toy_plugins: Plugins) -> None:
    path = write_space(tmp_path, toy_space())
    code, _, err = run_cli(toy_plugins, "sweep", path)
    assert code == 2 and "exactly one of --grid and --random N" in err
    code, out, err = run_cli(toy_plugins, "sweep", path, "--random", "500", "--out", tmp_path / "s")
    assert code == 0, err
    assert "500 points (500 evaluated now, 0 of them failed)" in out
    code, out, _ = run_cli(toy_plugins, "pareto", tmp_path / "s")
    feasible = pl.read_parquet(tmp_path / "s" / "points")["feasible"].sum()
    assert code == 0 and f"from {feasible} feasible rows of 1 file(s)" in out


def test_the_interactive_page_is_written_on_request(tmp_path: Path, toy_plugins: Plugins,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_space(tmp_path, toy_space())
    assert run_cli(toy_plugins, "sweep", path, "--random", "50", "--out", tmp_path / "plain")[0] == 0
    assert not (tmp_path / "plain" / "pareto.html").exists()
    code, out, err = run_cli(toy_plugins, "sweep", path, "--random", "50", "--html", "--out", tmp_path / "page")
    assert code == 0, err
    page = tmp_path / "page" / "pareto.html"
    assert page.read_bytes().startswith(b"<!doctype html>") and f"{page}" in out
    # as if plotly were not installed: refused before the run
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "plotly" else real(name, *a))
    code, _, err = run_cli(toy_plugins, "explore", path, "--html", "--out", tmp_path / "none")
    assert code == 2 and "--html: the interactive page needs plotly (pip install" in err
    assert not (tmp_path / "none").exists()


def test_a_second_run_elsewhere_is_refused_in_the_same_directory(run_dir: Path, toy_plugins: Plugins,
                                                                 tmp_path: Path) -> None:
    other = write_space(tmp_path, toy_space(name="other"), "other.yaml")
    code, _, err = run_cli(toy_plugins, "explore", other, "--out", run_dir)
    assert code == 2 and "holds another run" in err
    code, _, err = run_cli(toy_plugins, "sweep", other, "--grid", "--out", run_dir)
    assert code == 2 and "holds another run" in err


def test_plugins_registered_in_code_are_passed_to_workers(toy_plugins: Plugins) -> None:
    from dse.cli.context import code_plugins

    assert code_plugins(toy_plugins) == ("tests.explore.toy_plugin",)
