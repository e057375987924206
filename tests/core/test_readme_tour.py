"""The README tour, run as written in a fresh clone, leaves `git status` clean."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Tour commands not run here: a search and what reads it (their outputs are checked by path below).
SEARCH = ("explore", "pareto", "report")


def tour_commands() -> list[list[str]]:
    """Every `dse ...` command of the README's tour, continuation lines joined, comments dropped."""
    readme = (ROOT / "README.md").read_text()
    tour = readme.split("## A five-minute tour", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", tour, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == "dse":
                commands.append(words[1:])
    return commands


def test_every_tour_output_is_ignored_by_git() -> None:
    outputs = [words[i + 1] for words in tour_commands() for i, w in enumerate(words[:-1]) if w in ("--out", "--plot")]
    assert "results/resnet.parquet" in outputs and len(outputs) >= 4
    for path in [*outputs, "runs/any-space"]:  # runs/: dse explore's default output directory
        ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", "--no-index", path], check=False)
        assert ignored.returncode == 0, f"{path} is not ignored by .gitignore"


@pytest.mark.slow
def test_the_tour_in_a_fresh_clone_leaves_git_status_clean(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True, timeout=120)
    ran = 0
    for words in tour_commands():
        if words[0] in SEARCH:
            continue
        run = subprocess.run([sys.executable, "-c", "from dse.cli.app import main; main()", *words], cwd=clone,
                             capture_output=True, text=True, timeout=600, check=False)
        assert run.returncode == 0, (words, run.stderr[-2000:])
        ran += 1
    status = subprocess.run(["git", "-C", str(clone), "status", "--porcelain"], capture_output=True, text=True,
                            check=True).stdout
    assert ran >= 10 and status == ""
    assert (clone / "results" / "cmp" / "crossover.png").is_file()
