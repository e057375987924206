"""Output faults: a read-only place, --out that is a file, a full disk, foreign directories.

Each is one stderr line and exit code 2; no partial or temporary file is left, a refused
directory is left exactly as it was, and a rerun after the fault loses nothing.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pytest

from dse.plugin.manager import Plugins
from tests.explore.conftest import toy_space, write_space
from tests.explore.test_space import run_cli

ROOT = Path(__file__).resolve().parents[2]
PAPER_CNN = ROOT / "examples" / "workloads" / "paper-cnn.yaml"
ANN = ROOT / "examples" / "architectures" / "ottati-ann.yaml"
SNN = ROOT / "examples" / "architectures" / "ottati-snn.yaml"


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones included) and its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _one_line(code: int, err: str) -> str:
    lines = err.splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@contextmanager
def read_only(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``folder`` cannot be written into: chmod for a normal user; root ignores modes, so for
    root the system calls that create files and directories there fail as they would."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    real_open, real_mkdir = os.open, os.mkdir

    def inside(path: object) -> bool:
        return Path(os.fsdecode(path)).resolve().is_relative_to(folder.resolve())  # type: ignore[arg-type]

    def guarded_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & (os.O_CREAT | os.O_WRONLY | os.O_RDWR) and inside(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))  # type: ignore[arg-type]
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    def guarded_mkdir(path: object, *args: object, **kwargs: object) -> None:
        if inside(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))  # type: ignore[arg-type]
        real_mkdir(path, *args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(os, "open", guarded_open)
        patch.setattr(os, "mkdir", guarded_mkdir)
        yield


def _commands(
    tmp_path: Path, toy: Plugins, cli: Callable[..., tuple[int, str, str]]
) -> dict[str, Callable[[Path], tuple[int, str, str]]]:
    space = write_space(tmp_path, toy_space(trials=20))
    return {
        "explore": lambda out: run_cli(toy, "explore", space, "--out", out),
        "sweep": lambda out: run_cli(toy, "sweep", space, "--random", "50", "--out", out),
        "compare": lambda out: cli(
            "compare",
            PAPER_CNN,
            "--ann",
            ANN,
            "--snn",
            SNN,
            "--timesteps",
            "1",
            "--density",
            "0.1:0.5:3",
            "--out",
            out,
        ),
    }


COMMANDS = ["explore", "sweep", "compare"]


@pytest.mark.parametrize("command", COMMANDS)
def test_out_in_a_read_only_directory(
    command: str, tmp_path: Path, toy_plugins: Plugins, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _commands(tmp_path, toy_plugins, cli)[command]
    locked = tmp_path / "locked"
    locked.mkdir()
    with read_only(locked, monkeypatch):
        line = _one_line(*run(locked / "out")[::2])
    assert line == f"dse: {locked / 'out'}: Permission denied"
    assert list(locked.iterdir()) == []


@pytest.mark.parametrize("command", COMMANDS)
def test_out_that_is_a_file(command: str, tmp_path: Path, toy_plugins: Plugins, cli) -> None:
    target = tmp_path / "taken"
    target.write_text("mine")
    line = _one_line(*_commands(tmp_path, toy_plugins, cli)[command](target)[::2])
    assert line == f"dse: {target}: --out is a file; give a directory"
    assert target.read_text() == "mine"


def test_a_plugin_command_out_that_is_a_file_or_read_only(
    tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dse reproduce` (the literature plugin's command) claims --out through
    dse.output_directory before computing anything, as the built-in commands do."""
    target = tmp_path / "taken"
    target.write_text("mine")
    assert (
        _one_line(*cli("reproduce", "lemaire2022", "--out", target)[::2])
        == f"dse: {target}: --out is a file; give a directory"
    )
    assert target.read_text() == "mine"
    locked = tmp_path / "locked"
    locked.mkdir()
    with read_only(locked, monkeypatch):
        line = _one_line(*cli("reproduce", "lemaire2022", "--out", locked / "out")[::2])
    assert line == f"dse: {locked / 'out'}: Permission denied"
    assert list(locked.iterdir()) == []


def test_evaluate_out_in_a_read_only_directory(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    with read_only(locked, monkeypatch):
        code, _, err = cli("evaluate", PAPER_CNN, SNN, "--out", locked / "layers.parquet")
    assert _one_line(code, err).startswith(f"dse: {locked}")
    assert list(locked.iterdir()) == []


@pytest.mark.parametrize("command", COMMANDS)
def test_out_with_unrelated_files_is_refused_and_left_alone(
    command: str, tmp_path: Path, toy_plugins: Plugins, cli
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "compare.parquet").write_text("not dse's")  # a name compare would write
    (folder / "notes.txt").write_text("keep")
    before = _tree(folder)
    line = _one_line(*_commands(tmp_path, toy_plugins, cli)[command](folder)[::2])
    assert line == f"dse: {folder}: exists, is not empty and holds no dse run; choose another --out"
    assert _tree(folder) == before  # no .lock, nothing overwritten


def _disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Parquet write fails as on a full disk, after writing part of its file."""

    def full(self: pl.DataFrame, file: object, *args: object, **kwargs: object) -> None:
        Path(os.fsdecode(file)).write_bytes(b"PAR1 half a file")  # type: ignore[arg-type]
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fsdecode(file))  # type: ignore[arg-type]

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_full_disk_is_one_line_and_the_rerun_loses_nothing(
    command: str, tmp_path: Path, toy_plugins: Plugins, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _commands(tmp_path, toy_plugins, cli)[command]
    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        _disk_full(patch)
        line = _one_line(*run(out)[::2])
    assert line.startswith(f"dse: {out}") and line.endswith(": No space left on device"), line
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp") or p.suffix == ".parquet"]
    code, _, err = run(out)  # the disk has room again: the same command finishes the run
    assert code == 0, err
    if command == "explore":
        assert pl.read_parquet(out / "trials.parquet").height == 20  # the 20 trials stored before the fault
    if command == "sweep":
        assert pl.read_parquet(out / "points").height == 50


def test_evaluate_on_a_full_disk(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    _disk_full(monkeypatch)
    code, _, err = cli("evaluate", PAPER_CNN, SNN, "--out", tmp_path / "layers.parquet")
    assert _one_line(code, err).endswith(": No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_stale_temporaries_are_removed_by_the_next_run(tmp_path: Path, toy_plugins: Plugins) -> None:
    space = write_space(tmp_path, toy_space(trials=20))
    out = tmp_path / "out"
    assert run_cli(toy_plugins, "explore", space, "--out", out)[0] == 0
    # a summary write killed between mkstemp and rename, as dse.results.atomic names it
    stale = [out / ".trials.parquet.k1ll3d.tmp", out / ".pareto.png.x.tmp"]
    for path in stale:
        path.write_bytes(b"half")
    assert run_cli(toy_plugins, "explore", space, "--out", out)[0] == 0
    assert not any(p.exists() for p in stale)
    assert pl.read_parquet(out / "trials.parquet").height == 20


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 192 KiB tmpfs (root only; the mocked full disk above runs everywhere)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=192k", "tmpfs", str(disk)]
    if os.geteuid() != 0 or subprocess.run(mount, capture_output=True, check=False).returncode:
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True, check=False)


def test_a_real_full_disk_mid_run(small_disk: Path, tmp_path: Path, toy_plugins: Plugins) -> None:
    space = write_space(tmp_path, toy_space(trials=300))
    out = small_disk / "out"
    code, _, err = run_cli(toy_plugins, "explore", space, "--out", out)
    line = _one_line(code, err)
    assert line.startswith(f"dse: {out}") and line.endswith(": No space left on device"), line
    assert not list(out.rglob("*.tmp"))
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    code, _, err = run_cli(toy_plugins, "explore", space, "--out", out)
    assert code == 0, err
    trials = pl.read_parquet(out / "trials.parquet")
    assert trials.height == 300 and trials["trial"].n_unique() == 300  # nothing lost, nothing twice
