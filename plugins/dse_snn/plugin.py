"""Entry point of the snn plugin: the crossbar-free digital SNN accelerator backend ``snn``."""

from __future__ import annotations

from collections.abc import Callable

from dse import Backend, hookimpl

#: The dse plugin API this plugin is written for (dse refuses it when it provides another).
DSE_PLUGIN_API = 1


@hookimpl
def dse_register_backends(register: Callable[[Backend], None]) -> None:
    from dse_snn.backend import SnnBackend

    register(SnnBackend())
