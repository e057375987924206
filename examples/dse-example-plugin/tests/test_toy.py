"""The example backend passes dse's conformance suite (run after installing the package)."""

from dse.testing import BackendConformance


class TestToyBackend(BackendConformance):
    backend_name = "toy-mac"
    params_examples = ({}, {"pj_per_mac": 0.5, "macs_per_cycle": 8})
