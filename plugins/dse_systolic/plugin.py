"""Entry point of the systolic plugin: registers the ``systolic`` backend."""

from __future__ import annotations

from collections.abc import Callable

from dse import Backend, hookimpl


@hookimpl
def dse_register_backends(register: Callable[[Backend], None]) -> None:
    from dse_systolic.backend import SystolicBackend

    register(SystolicBackend())
