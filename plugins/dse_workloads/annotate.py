"""Any workload reference read with density sources, and measured activity applied to it."""

from __future__ import annotations

from pathlib import Path

from dse import DseInputError, Plugins, Workload, load_workload
from dse_workloads.activity import read_activity
from dse_workloads.loaded import Loaded, given
from dse_workloads.loaders import ReadingLoader


def read_annotated(ref: str, plugins: Plugins, activity: str | Path | None = None) -> Loaded:
    """``ref`` read by this plugin's loaders (sources kept) or by the core and other plugins."""
    loader = plugins.loader_for(ref)
    if isinstance(loader, ReadingLoader):
        if ref.split(":", 1)[0] not in loader.schemes and not Path(ref).exists():
            raise DseInputError(f"{ref}: no such file")
        loaded = loader.read(ref)
    else:
        loaded = given(load_workload(ref, plugins, warn_defaults=False), ref)
    if activity is None:
        return loaded
    measured = read_activity(activity)
    measured.check_names(loaded.workload)
    return loaded.remeasured(measured.measured(), measured.timesteps, measured.source)


def load_with_activity(ref: str, activity: str | Path, plugins: Plugins) -> Workload:
    """The workload with measured densities (and time steps) from ``activity``; warnings logged."""
    loaded = read_annotated(ref, plugins, activity)
    loaded.emit_warnings()
    return loaded.workload
