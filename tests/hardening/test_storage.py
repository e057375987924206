"""Storage faults: bad storage URLs, a corrupted journal, a killed parent, a server that stops.

Each is one stderr line and a non-zero exit; nothing is written to --out before the storage
is open; a generation is stored whole or not at all; a rerun of the same command finishes
the run without losing or repeating a trial.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from dse.plugin.manager import Plugins
from tests.explore.conftest import toy_space, write_space
from tests.explore.test_space import run_cli
from tests.hardening.distributions import add_distribution

POPULATION = 10  # toy_space's NSGA-II generation


def _one_line(code: int, err: str) -> str:
    lines = err.splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize(("storage", "message"), [
    ("journal:", "--storage: 'journal:' names no file; give journal:PATH (e.g. journal:study.journal)"),
    ("journal:/nonexistent/dir/x", ("--storage: /nonexistent/dir (the directory of journal:/nonexistent/dir/x) does "
                                   "not exist")),
])
def test_a_journal_path_that_cannot_be_used(tmp_path: Path, toy_plugins: Plugins, storage: str, message: str) -> None:
    space = write_space(tmp_path, toy_space())
    out = tmp_path / "out"
    assert _one_line(*run_cli(toy_plugins, "explore", space, "--storage", storage, "--out", out)[::2]) == f"dse: {message}"
    assert not out.exists() and not Path("/nonexistent").exists()


def test_a_storage_that_cannot_be_opened_writes_nothing_to_out(tmp_path: Path, toy_plugins: Plugins) -> None:
    pytest.importorskip("psycopg")
    space = write_space(tmp_path, toy_space(trials=20))
    out = tmp_path / "out"
    url = "postgresql+psycopg://dse:secret@127.0.0.1:1/dse"  # nothing listens on port 1
    line = _one_line(*run_cli(toy_plugins, "explore", space, "--storage", url, "--out", out)[::2])
    assert line.startswith("dse: --storage: cannot open 'postgresql+psycopg://dse:***@127.0.0.1:1/dse'")
    assert not out.exists()
    code, _, err = run_cli(toy_plugins, "explore", space, "--out", out)  # the corrected rerun is not refused
    assert code == 0, err


def test_a_corrupted_journal_is_one_line(tmp_path: Path, toy_plugins: Plugins) -> None:
    space = write_space(tmp_path, toy_space(trials=20))
    out = tmp_path / "out"
    assert run_cli(toy_plugins, "explore", space, "--out", out)[0] == 0
    journal = out / "study.journal"
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[5] = b'{"op_code": 4, "worker_id": "x", "trial_id": 0, "par\n'  # a line cut short by a bad disk
    journal.write_bytes(b"".join(lines))
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    line = _one_line(*run_cli(toy_plugins, "explore", space, "--trials", "40", "--out", out)[::2])
    assert line == (f"dse: {journal}: line 6 is not an Optuna journal operation ('{{\"op_code\": 4, \"worker_id\": "
                    "\"x\", \"trial_id\": 0, \"par'); the file is corrupted: restore it, or cut it before that line to "
                    "keep the trials stored before it")
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before  # nothing rewritten


def _toy_site(tmp_path: Path) -> Path:
    """The exploration tests' toy plugin as an installed distribution (for subprocesses)."""
    return add_distribution(tmp_path / "site", "dse-toy", "1.0", {"toy": "tests.explore.toy_plugin"}, {})


def _dse(site: Path, *args: object, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}
    return subprocess.Popen([sys.executable, "-c", "from dse.cli.app import main; main()", *map(str, args)],
                            cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's reaping is left


def _wait(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_die_with_their_parent(tmp_path: Path) -> None:
    site = _toy_site(tmp_path)
    space = write_space(tmp_path, toy_space(trials=600))
    out = tmp_path / "out"
    parent = _dse(site, "explore", space, "--workers", "2", "--out", out, cwd=tmp_path)
    journal = out / "study.journal"
    try:
        assert _wait(lambda: len(_children(parent.pid)) >= 2 and journal.exists()
                     and journal.read_bytes().count(b'"op_code":4') > POPULATION, 120), parent.stderr
        workers = [pid for pid in _children(parent.pid) if _alive(pid)]
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        assert _wait(lambda: not any(_alive(pid) for pid in workers), 10), "workers outlived their parent"
    finally:
        if parent.poll() is None:
            parent.kill()
    size = journal.stat().st_size
    time.sleep(1)
    assert journal.stat().st_size == size  # nobody writes the study any more
    rerun = _dse(site, "explore", space, "--workers", "2", "--out", out, cwd=tmp_path)
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    trials = pl.read_parquet(out / "trials.parquet")
    assert trials["trial"].to_list() == list(range(trials.height)) and trials.height >= 600


# -- PostgreSQL stopped mid-run ----------------------------------------------------------------
def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else (Path(shutil.which("pg_ctl")).parent if shutil.which("pg_ctl") else None)


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """A throwaway cluster of this test alone (as .ci/run makes one), so that stopping it
    disturbs no other test: (URL, the pg_ctl command prefix)."""
    if not os.environ.get("DSE_TEST_POSTGRES_URL"):
        pytest.skip("DSE_TEST_POSTGRES_URL is not set (.ci/run sets it where PostgreSQL is installed)")
    pytest.importorskip("psycopg")
    pg = _pg_bin()
    if pg is None:
        pytest.skip("PostgreSQL's pg_ctl is not installed")
    import tempfile

    # in /tmp itself, as .ci/run: the postgres user cannot enter pytest's private directories
    data = Path(tempfile.mkdtemp(prefix="dse-pg-"))
    as_db: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root, as in .ci/run
        shutil.chown(data, "postgres", "postgres")
        as_db = ["runuser", "-u", "postgres", "--"]
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run([*as_db, str(pg / "initdb"), "-D", str(data), "-U", "dse", "-A", "trust"], check=True,
                   capture_output=True)
    ctl = [*as_db, str(pg / "pg_ctl"), "-D", str(data), "-w"]
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={data}"
    start = [*ctl, "-l", str(data / "log"), "-o", options, "start"]
    subprocess.run(start, check=True, capture_output=True)
    try:
        subprocess.run([*as_db, str(pg / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "dse", "dse"],
                       check=True, capture_output=True)
        yield f"postgresql+psycopg://dse@127.0.0.1:{port}/dse", start
    finally:
        subprocess.run([*ctl, "-m", "immediate", "stop"], capture_output=True, check=False)
        shutil.rmtree(data, ignore_errors=True)


@pytest.mark.postgres
def test_postgresql_stopped_mid_run(own_postgres: tuple[str, list[str]], tmp_path: Path) -> None:
    import optuna

    url, start = own_postgres
    stop = [*start[:-1][: start.index("-l")], "-m", "immediate", "stop"]
    site = _toy_site(tmp_path)
    space = write_space(tmp_path, toy_space(trials=5000))
    study = "toy/explore-toy"

    def stored() -> int:
        try:
            return len(optuna.load_study(study_name=study, storage=url).get_trials(deepcopy=False))
        except Exception:  # noqa: BLE001 - not created yet
            return 0

    run = _dse(site, "explore", space, "--storage", url, "--out", tmp_path / "out", cwd=tmp_path)
    try:
        assert _wait(lambda: stored() >= 3 * POPULATION, 120)
        subprocess.run(stop, check=True, capture_output=True)
        _, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 2
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"dse: --storage: lost '{url}' (") and lines[0].endswith(
        "every generation stored before is kept: rerun the same command to continue"), err
    subprocess.run(start, check=True, capture_output=True)
    held = stored()
    assert held % POPULATION == 0  # whole generations only
    rerun = _dse(site, "explore", space, "--storage", url, "--trials", str(held + 2 * POPULATION),
                 "--out", tmp_path / "out", cwd=tmp_path)
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    trials = pl.read_parquet(tmp_path / "out" / "trials.parquet")
    assert trials["trial"].to_list() == list(range(held + 2 * POPULATION))
