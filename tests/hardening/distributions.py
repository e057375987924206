"""Throwaway plugin distributions: a dist-info with entry points and a module, on PYTHONPATH.

``importlib.metadata`` finds a ``NAME-VERSION.dist-info`` directory in any ``sys.path``
entry, so writing one next to a module installs a plugin for the subprocess that gets that
directory on its PYTHONPATH, exactly as ``pip install`` would, without pip.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path


def add_distribution(site: Path, dist: str, version: str, entry_points: dict[str, str],
                     modules: dict[str, str]) -> Path:
    """Install distribution ``dist`` into ``site``: entry points in group ``dse`` (name →
    module) and the modules' sources."""
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = "".join(f"{name} = {module}\n" for name, module in entry_points.items())
    (info / "entry_points.txt").write_text(f"[dse]\n{lines}")
    for module, source in modules.items():
        (site / f"{module}.py").write_text(textwrap.dedent(source))
    return site


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def err_lines(self) -> list[str]:
        return self.stderr.splitlines()


def run_dse(site: Path | None, *args: object, cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 120) -> Run:
    """`dse ARGS` in a subprocess with ``site`` first on its PYTHONPATH."""
    paths = [str(site)] if site else []
    full_env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, *sys.path]), "COLUMNS": "200",
                **(env or {})}
    for name in ("DSE_STRICT_PLUGINS", "DSE_DISABLE_PLUGIN_AUTOLOAD", "DSE_BLOCK_PLUGINS"):
        if env is None or name not in env:
            full_env.pop(name, None)
    done = subprocess.run([sys.executable, "-c", "from dse.cli.app import main; main()", *map(str, args)],
                          cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout, check=False)
    return Run(done.returncode, done.stdout, done.stderr)
