"""The activity door: ``--activity FILE`` goes to the loader whose ``activity_suffixes`` claim FILE."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

import dse
from dse import DseInputError, Plugins, Workload, WorkloadLoader, load_workload
from dse.inputs.documents import load_measured_workload
from dse.plugin.manager import make_plugins

WORKLOAD = Path(__file__).resolve().parents[2] / "examples" / "workloads" / "paper-cnn.yaml"


class _HalfDensity(WorkloadLoader):
    """A third party's activity reader: every layer at the density written in the file."""

    name = "half-density"
    activity_suffixes: ClassVar[tuple[str, ...]] = (".act",)

    def load(self, ref: str) -> Workload:
        raise DseInputError(f"{ref}: this loader only reads activity files")

    def load_with_activity(self, ref: str, activity: str, plugins: Plugins) -> Workload:
        density = float(Path(activity).read_text())
        workload = load_workload(ref, plugins)
        return workload.with_knobs(densities={layer.name: (density, density) for layer in workload.layers})


class _Registers:
    @dse.hookimpl
    def dse_register_workload_loaders(self, register):
        register(_HalfDensity())


def test_a_third_party_loader_reads_the_activity_files_it_claims(tmp_path: Path) -> None:
    plugins = make_plugins(extra=[_Registers()])
    activity = tmp_path / "run.act"
    activity.write_text("0.25")
    workload = load_measured_workload(WORKLOAD, plugins, activity)
    assert {layer.input_density for layer in workload.layers} == {0.25}


def test_an_unclaimed_activity_file_names_the_suffixes_that_are_read(tmp_path: Path) -> None:
    activity = tmp_path / "run.txt"
    activity.write_text("0.25")
    with pytest.raises(DseInputError, match=r"run.txt: no loader reads this activity file \(allowed: .csv, "
                                            r".json, .parquet\)"):
        load_measured_workload(WORKLOAD, make_plugins(), activity)


def test_a_loader_that_claims_no_activity_files_refuses_them() -> None:
    with pytest.raises(DseInputError, match="workload loader 'half-density' reads no activity files"):
        WorkloadLoader.load_with_activity(_HalfDensity(), "x", "a.csv", make_plugins())
