"""The workload loaders this plugin registers: ONNX files, NIR files and the built-in zoo.

Each reads into a :class:`dse_workloads.loaded.Loaded` (``read``), which keeps where every
density came from for ``dse workload show``; ``load`` logs the warnings and returns the
workload, as :class:`dse.WorkloadLoader` asks.
"""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from dse import Plugins, Workload, WorkloadLoader

if TYPE_CHECKING:  # imported by the readers, when a loader first reads (registering stays cheap)
    from dse_workloads.loaded import Loaded


class ReadingLoader(WorkloadLoader):
    """A loader that also tells where each density came from (``read``)."""

    @abstractmethod
    def read(self, ref: str) -> Loaded:
        """The workload in ``ref`` with its density sources and warnings."""

    def load(self, ref: str) -> Workload:
        loaded = self.read(ref)
        loaded.emit_warnings()
        return loaded.workload

    activity_suffixes: ClassVar[tuple[str, ...]] = (".csv", ".parquet", ".json")

    def load_with_activity(self, ref: str, activity: str, plugins: Plugins) -> Workload:
        """Any workload reference with measured densities from an activity file (``--activity``)."""
        from dse_workloads.annotate import load_with_activity

        return load_with_activity(ref, activity, plugins)


class OnnxLoader(ReadingLoader):
    name = "onnx"
    description = "ONNX models (ANN): conv, dense, pooling, residual add, flatten; needs the [formats] extra"
    suffixes: ClassVar[tuple[str, ...]] = (".onnx",)

    def read(self, ref: str) -> Loaded:
        from dse_workloads.onnx_convert import convert
        from dse_workloads.onnx_reader import read_onnx

        return convert(read_onnx(ref), Path(ref).stem)


class NirLoader(ReadingLoader):
    name = "nir"
    description = "NIR graphs (SNN): Affine, Linear, Conv1d/2d, pooling, IF/LIF/CubaLIF/LI, recurrence; needs the [formats] extra"
    suffixes: ClassVar[tuple[str, ...]] = (".nir",)

    def read(self, ref: str) -> Loaded:
        from dse_workloads.nir_convert import convert
        from dse_workloads.nir_reader import read_nir

        return convert(read_nir(ref), Path(ref).stem)


class ZooLoader(ReadingLoader):
    name = "zoo"
    description = "built-in networks with cited sources: zoo:NAME (dse zoo list)"
    schemes: ClassVar[tuple[str, ...]] = ("zoo",)

    def read(self, ref: str) -> Loaded:
        from dse_workloads.zoo import build

        return build(ref.split(":", 1)[1], ref)
