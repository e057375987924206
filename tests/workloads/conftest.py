"""Fixture model files, generated once per test session by tests/fixtures/make_fixtures.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from dse import Plugins, make_plugins
from tests.fixtures.make_fixtures import make_all


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_all(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def plugins() -> Plugins:
    return make_plugins()


def layers_by_name(workload) -> dict:
    return {layer.name: layer for layer in workload.layers}
