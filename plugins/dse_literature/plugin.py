"""Entry point of the literature plugin: published models, the horowitz45 technology, named chips."""

from __future__ import annotations

from collections.abc import Callable

from dse import Backend, Preset, Technology, hookimpl

#: The dse plugin API this plugin is written for (dse refuses it when it provides another).
DSE_PLUGIN_API = 1


@hookimpl
def dse_register_technologies(register: Callable[[Technology], None]) -> None:
    from dse_literature.technologies import HOROWITZ45

    register(HOROWITZ45)


@hookimpl
def dse_default_technology() -> str:
    """Horowitz's 45 nm table (ISSCC 2014), the seed paper's and most peers' reference node."""
    return "horowitz45"


@hookimpl
def dse_register_backends(register: Callable[[Backend], None]) -> None:
    from dse_literature.lemaire2022 import Lemaire2022Ann, Lemaire2022Snn
    from dse_literature.ottati2023 import Ottati2023Ann, Ottati2023Snn

    for backend in (Ottati2023Ann(), Ottati2023Snn(), Lemaire2022Ann(), Lemaire2022Snn()):
        register(backend)


@hookimpl
def dse_register_presets(register: Callable[[Preset], None]) -> None:
    from dse_literature.silicon.chips import CHIPS

    for chip in CHIPS:
        register(chip.preset())


@hookimpl
def dse_register_commands(app) -> None:
    from dse_literature.cli import reproduce_command

    app.command("reproduce")(reproduce_command)
