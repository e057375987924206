"""The embedded storage survives kill -9: a rerun resumes, nothing stored is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import polars as pl
import yaml

from dse.search.journal import BatchedJournalFile
from tests.explore.conftest import WORKLOAD

POPULATION = 20
TRIALS = 2000
DSE = [sys.executable, "-c", "from dse.cli.app import main; main()"]


def literature_space(folder: Path) -> Path:
    """A space on ottati2023-ann (an installed plugin, so a plain `dse` process can run it)."""
    (folder / "tiny-mlp.yaml").write_text(yaml.safe_dump(WORKLOAD))
    space = {
        "name": "resume", "workload": "tiny-mlp.yaml",
        "objectives": {"energy_pj": "minimize", "latency_s": "minimize"},
        "backends": [{"backend": "ottati2023-ann", "params": {
            "e_mem_pj": {"type": "float", "low": 0.5, "high": 5.0},
            "clock_mhz": {"type": "float", "low": 100, "high": 1000},
        }}],
        "sampler": {"name": "nsga2", "population_size": POPULATION},
        "trials": TRIALS,
    }
    path = folder / "space.yaml"
    path.write_text(yaml.safe_dump(space))
    return path


def stored(journal: Path) -> list[optuna.trial.FrozenTrial]:
    storage = optuna.storages.JournalStorage(BatchedJournalFile(journal))
    return optuna.load_study(study_name="resume/ottati2023-ann", storage=storage).get_trials()


def test_sigkill_mid_study_then_rerun_resumes(tmp_path: Path) -> None:
    space, out = literature_space(tmp_path), tmp_path / "out"
    command = [*DSE, "explore", str(space), "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    journal = out / "study.journal"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if journal.exists() and journal.read_bytes().count(b'"op_code":4,') >= 10 * POPULATION:
            break
        time.sleep(0.01)
    assert process.poll() is None, "the study ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    before = stored(journal)
    # stored a generation at a time, in one append each: only whole generations are there
    assert 10 * POPULATION <= len(before) < TRIALS and len(before) % POPULATION == 0
    assert {t.state.name for t in before} == {"COMPLETE"}

    rerun = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr
    trials = pl.read_parquet(out / "trials.parquet")
    assert trials["trial"].to_list() == list(range(TRIALS))
    kept = trials.head(len(before))
    assert kept["energy_pj"].to_list() == [t.values[0] for t in before]
    assert kept["latency_s"].to_list() == [t.values[1] for t in before]


def test_a_torn_last_line_is_cut_by_the_next_writer(tmp_path: Path) -> None:
    path = tmp_path / "j.journal"
    first = BatchedJournalFile(path)
    with first.batch():
        first.append_logs([{"op_code": 0, "n": 1}, {"op_code": 0, "n": 2}])
    with open(path, "ab") as handle:  # a writer killed inside write()
        handle.write(b'{"op_code":0,"n":')
    reader = BatchedJournalFile(path)
    assert [log["n"] for log in reader.read_logs(0)] == [1, 2]  # the torn line is not a log
    reader.append_logs([{"op_code": 0, "n": 3}])
    assert path.read_bytes().endswith(b'"n":2}\n{"op_code":0,"n":3}\n')
    assert [log["n"] for log in BatchedJournalFile(path).read_logs(0)] == [1, 2, 3]


def test_a_batch_is_visible_to_its_own_reader_before_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "j.journal"
    backend = BatchedJournalFile(path)
    backend.append_logs([{"n": 0}])
    with backend.batch():
        backend.append_logs([{"n": 1}, {"n": 2}])
        assert [log["n"] for log in backend.read_logs(1)] == [1, 2]
        assert path.read_bytes().count(b"\n") == 1  # nothing written yet
    assert path.read_bytes().count(b"\n") == 3
    assert [log["n"] for log in BatchedJournalFile(path).read_logs(0)] == [0, 1, 2]

