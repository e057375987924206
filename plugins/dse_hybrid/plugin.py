"""Entry point of the hybrid plugin: the `hybrid` backend."""

from __future__ import annotations

from collections.abc import Callable

from dse import Backend, hookimpl


@hookimpl
def dse_register_backends(register: Callable[[Backend], None]) -> None:
    from dse_hybrid.backend import HybridBackend

    register(HybridBackend())
