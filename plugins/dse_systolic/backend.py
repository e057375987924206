"""The ``systolic`` backend: a weight-, output- or input-stationary PE array, costed analytically.

The model, and how its modules divide the work, is in dse_systolic.evaluation; the backend
imports it when it first costs a design, so registering the backend imports only its
``Params`` and a run that costs other backends never loads the model (issue 17).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dse import Backend, Cost, Technology, Workload
from dse_systolic.params import SystolicParams

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    import polars as pl

    from dse import LayerBatch


class SystolicBackend(Backend):
    name = "systolic"
    description = ("systolic-array ANN accelerator (os/ws/is): SCALE-Sim-exact or bandwidth-aware cycles, "
                   "energy, area")
    Params = SystolicParams
    batch_groups = ("dataflow", "latency_model", "cores")  # the groups dse_systolic.evaluation makes

    def cost(self, workload: Workload, params: SystolicParams, technology: Technology) -> Cost:  # type: ignore[override]
        from dse_systolic.evaluation import cost

        return cost(workload, params, technology)

    def cost_batch(self, workload: Workload, params: pl.DataFrame, technology: Technology) -> pl.DataFrame:
        """Totals of every row of ``params``, vectorised chunk by chunk; ``cost`` row by row."""
        from dse import in_chunks

        return in_chunks(lambda part: self.layer_batch(workload, part, technology).frame(), params,
                         by=self.batch_groups)

    def layer_batch(self, workload: Workload, params: pl.DataFrame, technology: Technology) -> LayerBatch:
        """Energy and cycles per layer of every row of ``params``, vectorised (best in chunks)."""
        from dse_systolic.evaluation import layer_batch

        return layer_batch(workload, params, technology)

    def layer_batch_views(self, views: Sequence[Workload], view: np.ndarray, params: pl.DataFrame,
                          technology: Technology, layers: np.ndarray | None = None) -> LayerBatch:
        """``layer_batch`` of row i on ``views[view[i]]`` in one vectorised pass when the views differ only
        in numbers the model takes per design (dse_systolic.geometry.merged_shapes); else view by view.
        Of a one-array design, only ``layers`` are costed (the others are checked for fit only)."""
        from dse_systolic.evaluation import layer_batch_views

        return layer_batch_views(views, view, params, technology, layers) or \
            super().layer_batch_views(views, view, params, technology)
