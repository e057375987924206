"""The base classes a plugin implements: backends, accuracy models and workload loaders."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from dse.plugin.frame import BATCH_COLUMNS, BatchRow, batch_schema

__all__ = ["BATCH_COLUMNS", "Accuracy", "AccuracyModel", "Backend", "BatchRow", "WorkloadLoader", "batch_schema",
           "failed_row", "totals_row", "unflatten"]

if TYPE_CHECKING:
    import numpy as np
    import polars as pl

    from dse.plugin.batching import LayerBatch
    from dse.plugin.manager import Plugins
    from dse.schema.cost import Cost
    from dse.schema.technology import Technology
    from dse.schema.workload import Workload



class Backend(ABC):
    """A hardware cost model. Subclasses set ``name`` (the ``backend:`` of an architecture
    file), ``description``, ``Params`` (a pydantic model with ``extra="forbid"``; units in
    the field descriptions) and implement ``cost``; fast ones also ``cost_batch``."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]]
    #: Parameter columns whose values change which formulas the batch path runs: it costs the
    #: designs that share them as one group, so they are best cut into the same chunks (``by`` of
    #: dse.in_chunks, most significant first); a composite backend asks its engines for theirs.
    batch_groups: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def cost(self, workload: Workload, params: BaseModel, technology: Technology) -> Cost:
        """Cost of one inference of ``workload`` on the design ``params`` (pJ, cycles, mm²)."""

    def parse_params(self, raw: Mapping[str, Any]) -> BaseModel:
        """Validate raw parameters with the backend's model.

        Raises pydantic.ValidationError, or dse.errors.NestedParamsError from a composite
        backend whose nested parameter sets are checked by other backends' models.
        """
        return self.Params.model_validate(dict(raw))

    def attach(self, plugins: Plugins) -> None:
        """Called once every plugin has registered: a composite backend (a hybrid) looks up
        the backends it builds on here, by name, as any third party would. Default: nothing."""

    def cost_batch(self, workload: Workload, params: pl.DataFrame, technology: Technology) -> pl.DataFrame:
        """Cost many design points: one row of ``params`` each (nested fields as ``a.b`` columns).

        Returns a frame with :data:`BATCH_COLUMNS`, one row per input row, in order. A row
        whose parameters are invalid or whose cost is not finite gets NaN totals and its
        ``error``; the others are unaffected. This default loops over :meth:`cost`; fast
        backends override it with vectorised arithmetic and must return identical values.
        """
        import polars as pl

        rows = [self._cost_row(workload, unflatten(row), technology) for row in params.iter_rows(named=True)]
        return pl.DataFrame(rows, schema=batch_schema(), orient="row")

    def layer_batch(self, workload: Workload, params: pl.DataFrame, technology: Technology) -> LayerBatch:
        """Cost many design points layer by layer (what a hybrid needs of its engines).

        One row of ``params`` per design, as for :meth:`cost_batch`; returns each design's
        energy (pJ) and cycles per layer and its chip totals (dse.plugin.batching.LayerBatch).
        This default loops over :meth:`cost`; fast backends override it with vectorised
        arithmetic and must return the values ``cost`` gives (energies as plain sums).
        """
        import numpy as np

        from dse.plugin.batching import LayerBatch

        n, layers = params.height, len(workload.layers)
        energy, cycles = np.full((n, layers), np.nan), np.full((n, layers), np.nan)
        totals = np.full((4, n), np.nan)  # cycles, clock, area, fits
        error: list[str | None] = [None] * n
        for i, row in enumerate(params.iter_rows(named=True)):
            try:
                cost = self.cost(workload, self.parse_params(unflatten(row)), technology)
            except Exception as problem:  # noqa: BLE001 - one failed design point never stops a batch
                error[i] = f"{type(problem).__name__}: {problem}"
                continue
            if not math.isfinite(cost.energy_pj):  # as totals_row
                error[i] = f"energy is {cost.energy_pj}"
                continue
            energy[i] = [sum(layer.breakdown.values()) for layer in cost.layers]
            cycles[i] = [layer.latency_cycles for layer in cost.layers]
            totals[:, i] = (cost.latency_cycles, cost.clock_mhz, cost.area_mm2, cost.memory_fits)
        return LayerBatch(energy, cycles, totals[0], totals[1], totals[2], totals[3] == 1.0, error)

    def layer_batch_views(self, views: Sequence[Workload], view: np.ndarray, params: pl.DataFrame,
                          technology: Technology, layers: np.ndarray | None = None) -> LayerBatch:
        """:meth:`layer_batch` of many designs, design i on the workload ``views[view[i]]``.

        The views are one network seen in different ways (the same layers, some numbers
        changed: the operand densities and widths a hybrid's ANN engine reads from its SNN
        engine). This default calls :meth:`layer_batch` once per view; a backend whose
        arithmetic takes those numbers per design overrides it with one vectorised pass.

        ``layers`` (bool per layer; None: all) are the layers whose energy and cycles the caller
        reads: a backend may leave the others' NaN, and then ``total_cycles`` NaN, where it saves
        time; ``memory_fits`` and ``area_mm2`` still cover the whole workload. This default costs
        every layer.
        """
        import numpy as np

        from dse.plugin.batching import LayerBatch

        if len(views) == 1:
            return self.layer_batch(views[0], params, technology)
        out = LayerBatch.empty(params.height, len(views[0].layers))
        for index, workload in enumerate(views):
            rows = np.flatnonzero(view == index)
            if len(rows):
                out.patch(rows, self.layer_batch(workload, params[rows], technology))
        return out

    def _cost_row(self, workload: Workload, raw: dict[str, Any], technology: Technology) -> BatchRow:
        try:
            cost = self.cost(workload, self.parse_params(raw), technology)
            return totals_row(cost)
        except Exception as error:  # noqa: BLE001 - one failed design point never stops a batch
            return failed_row(f"{type(error).__name__}: {error}")


def totals_row(cost: Cost) -> BatchRow:
    """The batch-frame row of one Cost."""
    energy = cost.energy_pj
    if not math.isfinite(energy):
        return failed_row(f"energy is {energy}")
    return (energy, cost.latency_cycles, cost.latency_s, cost.area_mm2, cost.power_mw, cost.memory_fits, None)


def failed_row(error: str) -> BatchRow:
    """The batch-frame row of a design that could not be costed: NaN totals and ``error``."""
    nan = float("nan")
    return (nan, nan, nan, nan, nan, False, error)


def unflatten(row: Mapping[str, Any]) -> dict[str, Any]:
    """``{"ann.rows": 8}`` → ``{"ann": {"rows": 8}}``; nulls are dropped (use the default)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None:
            continue
        node = out
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


class Accuracy(BaseModel):
    """What an accuracy model returns for one set of knobs."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    value: float = Field(ge=0.0, le=1.0, description="task accuracy (fraction correct)")
    source: str = Field(description="where the value came from (table row citation, trained run, cache)")
    densities: dict[str, tuple[float, float]] | None = Field(
        None, description="measured per-layer (input, output) densities per time step, by layer name"
    )
    seconds: float = Field(0.0, ge=0.0, description="wall-clock seconds spent (0 for a cache hit)")


class AccuracyModel(ABC):
    """Maps a workload and knobs to an accuracy. Subclasses set ``name``, ``description``
    and ``Params`` (the ``accuracy.params`` of a search space)."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]]

    @abstractmethod
    def accuracy(self, workload: Workload, knobs: Mapping[str, Any], params: BaseModel) -> Accuracy:
        """Accuracy of ``workload`` under ``knobs`` (timesteps, weight_bits, encoding, ...)."""


class WorkloadLoader(ABC):
    """Reads files or references into a Workload. Claims file ``suffixes`` (``(".onnx",)``)
    and/or reference ``schemes`` (``("zoo",)`` for ``zoo:NAME``); optionally reads activity
    files with the ``activity_suffixes`` it lists (see :meth:`load_with_activity`)."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    suffixes: ClassVar[tuple[str, ...]] = ()
    schemes: ClassVar[tuple[str, ...]] = ()
    #: Suffixes of activity files (measured densities by layer name, ``--activity``) this
    #: loader reads; a loader that lists any implements :meth:`load_with_activity`.
    activity_suffixes: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def load(self, ref: str) -> Workload:
        """The workload in ``ref`` (a path, or ``scheme:name``); DseInputError on bad input."""

    def load_with_activity(self, ref: str, activity: str, plugins: Plugins) -> Workload:
        """The workload ``ref`` (any reference, loaded through ``plugins``) with the measured
        per-layer densities (and time steps) of the activity file ``activity``.

        Called only on loaders whose :attr:`activity_suffixes` claim ``activity``.
        """
        from dse.errors import DseInputError

        raise DseInputError(f"{activity}: workload loader '{self.name}' reads no activity files")
