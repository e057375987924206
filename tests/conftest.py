"""Shared test helpers: a CLI runner and small input files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dse.cli.app import build_app
from dse.plugin.manager import make_plugins

#: pytester runs the plugin kit's suites in a fresh pytest session (tests/kit).
pytest_plugins = ["pytester"]

PAPER_CNN = {
    "name": "paper-cnn",
    "timesteps": 1,
    "layers": [{"name": "conv", "kind": "conv2d", "in_channels": 512, "out_channels": 1, "in_height": 14,
                "in_width": 14, "kernel": 3, "stride": 1, "padding": 0, "input_density": 0.1}],
}


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data) if path.suffix == ".json" else _yaml(data))
    return path


def _yaml(data: Any) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False)


def in_process_cli() -> Callable[..., tuple[int, str, str]]:
    """`dse` run in-process on a fresh plugin manager: call it with arguments, get
    (exit code, stdout, stderr)."""
    runner = CliRunner()
    plugins = make_plugins()
    app = build_app(plugins)

    def run(*args: object) -> tuple[int, str, str]:
        result = runner.invoke(app, [str(a) for a in args], obj=plugins)
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture
def cli() -> Callable[..., tuple[int, str, str]]:
    """Run `dse` in-process: returns (exit code, stdout, stderr)."""
    return in_process_cli()
