"""The plugin author's kit: conformance suites, the checks behind them, and pytest fixtures.

Installed as a pytest plugin (entry point ``pytest11: dse``), so in any project with dse
installed::

    from dse.testing import BackendConformance

    class TestToyBackend(BackendConformance):
        backend_name = "toy"                        # as registered
        params_examples = ({}, {"pj_per_mac": 2.0})  # raw params to check

Suites: :class:`BackendConformance`, :class:`TechnologyConformance`,
:class:`WorkloadLoaderConformance`, :class:`AccuracyModelConformance` (what each checks:
:mod:`dse.testing.suites`). A broken rule raises :class:`ConformanceError` whose message
names the backend, the workload and the parameters. Fixtures: ``dse_plugins`` (a fresh
plugin manager per test) and ``conformance_workloads``.
"""

from __future__ import annotations

import pytest

from dse.plugin.manager import Plugins, make_plugins
from dse.schema.workload import Workload
from dse.testing.checks import ConformanceError
from dse.testing.suites import (
    AccuracyModelConformance,
    BackendConformance,
    TechnologyConformance,
    WorkloadLoaderConformance,
)
from dse.testing.workloads import conformance_workload_set

__all__ = [
    "AccuracyModelConformance",
    "BackendConformance",
    "ConformanceError",
    "TechnologyConformance",
    "WorkloadLoaderConformance",
    "conformance_workload_set",
]


@pytest.fixture
def dse_plugins() -> Plugins:
    """A fresh plugin manager with every installed plugin."""
    return make_plugins()


@pytest.fixture
def conformance_workloads() -> tuple[Workload, ...]:
    """:func:`conformance_workload_set`."""
    return conformance_workload_set()
