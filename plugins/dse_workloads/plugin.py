"""Entry point of the workloads plugin: ONNX, NIR and zoo loaders, `dse zoo` and `dse workload`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from dse import WorkloadLoader, hookimpl

#: The dse plugin API this plugin is written for (dse refuses it when it provides another).
DSE_PLUGIN_API = 1

if TYPE_CHECKING:
    import typer


@hookimpl
def dse_register_workload_loaders(register: Callable[[WorkloadLoader], None]) -> None:
    from dse_workloads.loaders import NirLoader, OnnxLoader, ZooLoader

    for loader in (OnnxLoader(), NirLoader(), ZooLoader()):
        register(loader)


@hookimpl
def dse_register_commands(app: typer.Typer) -> None:
    from dse_workloads.commands import register

    register(app)
