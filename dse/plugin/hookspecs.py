"""Hook specifications: the only doors between the dse core and its plugins.

Every hook is register-style (as in simonw/llm and tox 4): the core hands the plugin a
``register`` callable, keeps the names, and refuses a second plugin that registers a name
already taken, naming both. A plugin module implements any subset of these with
``@dse.hookimpl`` and is listed under ``[project.entry-points.dse]`` in its pyproject.toml.
Units throughout: energy pJ, time cycles and seconds, area mm², memory bits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import typer

    from dse.plugin.types import AccuracyModel, Backend, WorkloadLoader
    from dse.schema.preset import Preset
    from dse.schema.technology import Technology

hookspec = pluggy.HookspecMarker("dse")
hookimpl = pluggy.HookimplMarker("dse")


@hookspec
def dse_register_backends(register: Callable[[Backend], None]) -> None:
    """Register hardware cost models.

    Call ``register(backend)`` for each :class:`dse.Backend`: it has a unique ``name``, a
    pydantic ``Params`` model (the architecture's ``params``), ``cost(workload, params,
    technology) -> Cost`` (energy pJ with a breakdown, latency cycles, area mm²), and may
    override ``cost_batch`` to cost many parameter sets at once.
    """


@hookspec
def dse_register_technologies(register: Callable[[Technology], None]) -> None:
    """Register process technologies.

    Call ``register(technology)`` for each :class:`dse.Technology` (energies in pJ, areas in
    µm² per unit, leakage in mW/mm²). ``NAME@<node>nm`` scales any registered technology to
    another node with Stillmaker & Baas factors, so register one table per source.
    """


@hookspec
def dse_register_workload_loaders(register: Callable[[WorkloadLoader], None]) -> None:
    """Register readers that turn model files or references into a :class:`dse.Workload`.

    A :class:`dse.WorkloadLoader` claims file ``suffixes`` (``.onnx``) and/or reference
    ``schemes`` (``zoo`` for ``zoo:NAME``); ``load(ref)`` returns a Workload or raises
    :class:`dse.DseInputError` with one line naming the file and what is wrong.
    """


@hookspec
def dse_register_accuracy_models(register: Callable[[AccuracyModel], None]) -> None:
    """Register accuracy models.

    A :class:`dse.AccuracyModel` maps a workload and its knobs (time steps, bits, encoding,
    neuron, hybrid split) to an :class:`dse.Accuracy`: a value in [0, 1], where it came
    from, and optionally the per-layer densities it measured, which the cost model then
    uses for the same trial.
    """


@hookspec
def dse_default_technology() -> str | None:
    """The name of the technology for architectures and spaces that name none.

    Return the name of a technology (usually one the plugin registers), or None. When
    plugins disagree, the environment variable ``DSE_DEFAULT_TECHNOLOGY`` must choose.
    """


@hookspec
def dse_register_presets(register: Callable[[Preset], None]) -> None:
    """Register named chips.

    Call ``register(preset)`` for each :class:`dse.Preset`: a name, an :class:`dse.Architecture`
    (backend, technology, params), the publication it is read from, and which constants were
    read and which fitted. An architecture file that says ``preset: NAME`` starts from it;
    ``dse presets`` lists them.
    """


@hookspec
def dse_register_commands(app: typer.Typer) -> None:
    """Add sub-commands to the ``dse`` command-line app (a :class:`typer.Typer`).

    Use ``@app.command()`` or ``app.add_typer(...)``. Raise :class:`dse.DseInputError` for
    bad input: the CLI prints it as one line and exits with code 2.
    """
