"""The ``snn`` backend: a crossbar-free digital SNN accelerator (SNE, SpinalFlow, LSMCore-like).

Weights sit in ordinary SRAM and are fetched per input spike by the layer's connectivity;
potentials sit in a separate state SRAM; spikes travel between cores as address events over
a mesh. The model is in dse_snn.model (counts, energy, latency, area) and dse_snn.mapping
(layers onto cores, what does not fit); both work on arrays of design points, grouped by the
choices that change the formulas (dse_snn.modes), so ``cost`` and ``cost_batch`` share one code
path and agree exactly. The backend imports them when it first costs a design, so registering
it imports only its ``Params`` (issue 17).
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import TYPE_CHECKING

from dse import Backend, Cost, LayerCost, Technology, Workload
from dse_snn.params import MODE_COLUMNS, SnnParams

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    import polars as pl

    from dse import LayerBatch
    from dse_snn.columns import Leaf
    from dse_snn.model import Evaluation


class SnnBackend(Backend):
    name = "snn"
    description = "crossbar-free digital SNN accelerator: event-driven cores, weight and state SRAMs, mesh NoC"
    Params = SnnParams
    batch_groups = MODE_COLUMNS

    @cached_property
    def _leaves(self) -> tuple[Leaf, ...]:
        """The Params fields as model columns (dse_snn.columns), made on first use."""
        from dse_snn import columns

        return columns.leaves(SnnParams)

    def cost(self, workload: Workload, params: SnnParams, technology: Technology) -> Cost:  # type: ignore[override]
        from dse_snn import columns
        from dse_snn.layers import layer_stats
        from dse_snn.model import evaluate

        run = evaluate(layer_stats(workload), workload.timesteps, columns.from_models([params], self._leaves),
                       technology)
        layers = tuple(_layer_cost(layer, arrays) for layer, arrays in zip(workload.layers, run.layers, strict=True))
        return Cost(
            layers=layers,
            latency_cycles=float(run.latency_cycles[0]),
            clock_mhz=params.clock_mhz,
            area_mm2=float(run.area_mm2[0]),
            memory_fits=bool(run.memory_fits[0]),
            notes=_notes(params, bool(run.resident[0])) + _short_note(run),
        )

    def cost_batch(self, workload: Workload, params: pl.DataFrame, technology: Technology) -> pl.DataFrame:
        """Many design points, vectorised chunk by chunk (dse.in_chunks), designs of one Mode in the same
        chunks (dse_snn.modes: a chunk is costed one group of designs at a time)."""
        from dse import in_chunks

        return in_chunks(lambda part: self.layer_batch(workload, part, technology).frame(), params,
                         by=self.batch_groups)

    def layer_batch(self, workload: Workload, params: pl.DataFrame, technology: Technology) -> LayerBatch:
        """Energy and cycles per layer of many design points in one vectorised pass; rows the fast
        check rejects, or whose cost is not finite, go through ``cost`` (for its own message)."""
        return self._layer_batch(workload, params, technology, None)

    def layer_batch_views(self, views: Sequence[Workload], view: np.ndarray, params: pl.DataFrame,
                          technology: Technology, layers: np.ndarray | None = None) -> LayerBatch:
        """``layer_batch`` on one view with only ``layers`` priced (the others' energy NaN; their cycles,
        the placement, latency and leakage those of the whole network); several views one by one."""
        if len(views) == 1:
            return self._layer_batch(views[0], params, technology, layers)
        return super().layer_batch_views(views, view, params, technology)

    def _layer_batch(self, workload: Workload, params: pl.DataFrame, technology: Technology,
                     layers: np.ndarray | None) -> LayerBatch:
        import numpy as np
        import polars as pl

        from dse import LayerBatch
        from dse_snn import columns
        from dse_snn.layers import layer_stats
        from dse_snn.model import evaluate

        cols, rejected = columns.from_frame(params, self._leaves)
        run = evaluate(layer_stats(workload), workload.timesteps, cols, technology, lean=True, costed=layers)
        n = params.height
        energy = np.zeros((len(run.layers), n))
        cycles = np.empty((len(run.layers), n))
        for index, layer in enumerate(run.layers):
            energy[index] = layer.breakdown.get("energy", 0.0)
            cycles[index] = layer.busy_cycles
        out = LayerBatch(energy.T, cycles.T, run.latency_cycles, cols["clock_mhz"], run.area_mm2,
                         run.memory_fits.copy(), [None] * n)
        total = np.zeros(n)  # the energy of the layers priced, added as LayerBatch.total_energy adds
        for row in energy if layers is None else energy[layers]:
            total += row
        redo = rejected | ~np.isfinite(total) | ~np.isfinite(run.latency_cycles)
        if redo.any():
            out.patch(np.flatnonzero(redo), Backend.layer_batch(self, workload, params.filter(pl.Series(redo)),
                                                                technology))
        return out


def _layer_cost(layer, arrays) -> LayerCost:
    utilization = float(arrays.utilization[0])
    return LayerCost(
        name=layer.name,
        kind=layer.kind,
        breakdown={key: float(value[0]) for key, value in arrays.breakdown.items()},
        latency_cycles=float(arrays.busy_cycles[0]),
        utilization=None if math.isnan(utilization) else min(1.0, utilization),
        counts={key: float(value[0]) for key, value in arrays.counts.items()},
        footprint_bits={key: float(value[0]) for key, value in arrays.footprint.items()},
    )


def _short_note(run: Evaluation) -> tuple[str, ...]:
    """What the chip lacks, when a layer could not get all it needs (neuron slots are not memory)."""
    short = [resource for resource, lacking in run.short.items() if lacking[0]]
    return (f"does not fit on chip: not enough {' or '.join(short)}",) if short else ()


def _notes(p: SnnParams, resident: bool) -> tuple[str, ...]:
    schedule = ("every layer has its own cores: layers pipeline across time steps" if resident
                else "layers share the cores: they run one after another each time step")
    overflow = ("memory beyond the SRAMs and neuron slots, if any, is streamed from DRAM every step and charged"
                + ("" if p.memory_overflow == "dram" else "; a design that needs it does not fit (memory_fits false)"))
    reads = ("one weight read per synaptic op" if p.weight_word_bits is None
             else f"weights read in {p.weight_word_bits}-bit words shared by the synaptic ops of one event")
    return (f"state update: {p.state_update}; spikes as {p.spike_format}", schedule, overflow, reads)
