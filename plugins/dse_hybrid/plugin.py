"""Entry point of the hybrid plugin: the `hybrid` backend."""

from __future__ import annotations

from collections.abc import Callable

from dse import Backend, hookimpl

#: The dse plugin API this plugin is written for (dse refuses it when it provides another).
DSE_PLUGIN_API = 1


@hookimpl
def dse_register_backends(register: Callable[[Backend], None]) -> None:
    from dse_hybrid.backend import HybridBackend

    register(HybridBackend())
