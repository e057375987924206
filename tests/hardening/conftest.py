"""Fixtures of the hardening tests: the exploration tests' toy plugins."""

from __future__ import annotations

from tests.explore.conftest import toy_plugins

__all__ = ["toy_plugins"]
