"""The model of the ``systolic`` backend (dse_systolic.backend), which imports it on first use.

The model, module by module (each states its formulas):

- geometry.py: a layer as ``groups`` GEMMs (Npx x K)·(K x M), or a vector-unit layer;
- mapping.py: folds, compute cycles, mapping efficiency and SRAM accesses, either exactly
  as SCALE-Sim v3's ideal-bandwidth mode (``latency_model: scalesim``) or with dse's mapping
  (``latency_model: bandwidth``, the default: fill and drain over the PEs a fold uses,
  small groups packed, a line buffer for convolutional reuse);
- traffic.py: where weights and activations live, DRAM traffic from a tiling that fits the
  SRAMs, and double-buffered stall cycles when that traffic outruns
  ``dram_bytes_per_cycle`` (bandwidth model only; SCALE-Sim's ideal mode has none);
- rates.py and layer.py: energy by component (pJ) and area (mm²) from the technology;
- cores.py: with ``cores`` > 1, each layer split over that many arrays behind a shared
  global buffer (by output channels or rows), each share costed by the modules above.

``cost`` runs the model on one design (arrays of length 1), ``layer_batch`` (and the
backend's ``cost_batch``) on a frame of designs, chunk by chunk (dse.in_chunks); the arithmetic is the
same code, so every count, cycle and energy component agrees to the last bit, and energy
totals within the bound of plain summation (dse.plugin.batching).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from dse import Cost, LayerBatch, LayerCost, Technology, Workload
from dse_systolic.cores import Chip, chip, cores_of, evaluate_layer_on_cores
from dse_systolic.designs import Designs, designs_from_frame, designs_from_params
from dse_systolic.geometry import LayerShape, Widths, layer_shapes, merged_shapes
from dse_systolic.layer import Group, LayerArrays, evaluate_layer, layer_fits
from dse_systolic.params import DATAFLOWS, SystolicParams
from dse_systolic.rates import rates, widths

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True)
class Evaluation:
    """A workload on the designs of one group."""

    group: Group
    shapes: tuple[LayerShape, ...]
    widths: tuple[Widths, ...]  # widths(shape, group.designs) of each shape
    technology: Technology
    chip: Chip | None  # several cores and their global buffer; None: one array
    area_mm2: np.ndarray  # the chip's: all its cores and the global buffer
    weights_resident: np.ndarray  # the weights stay on chip across inferences

    def layers(self, costed: np.ndarray | None = None) -> Iterator[LayerArrays]:
        """Each layer's results in turn, computed when asked for: a batch keeps one layer's arrays
        at a time, not (designs x layers x components). On one array, a layer not ``costed`` (bool
        per layer; None: all) is only checked for fit (layer_fits: no energy, NaN cycles)."""
        if self.chip is None:
            return (evaluate_layer(shape, self.group, self.technology, w) if costed is None or costed[j] else
                    layer_fits(shape, self.group, w)
                    for j, (shape, w) in enumerate(zip(self.shapes, self.widths, strict=True)))
        return (evaluate_layer_on_cores(shape, self.group, self.chip, self.technology) for shape in self.shapes)


def evaluate_group(shapes: tuple[LayerShape, ...], d: Designs, dataflow: int, scalesim: bool, cores: int,
                   technology: Technology) -> Evaluation:
    """Every layer on designs that share ``dataflow``, latency model and number of cores."""
    layer_widths = tuple(widths(s, d) for s in shapes)  # once per layer: the model asks several times
    weight_bits = sum(s.weights * w.weight for s, w in zip(shapes, layer_widths, strict=True) if s.weights)
    resident = d.weights_resident & (weight_bits <= d.filter_bits)
    group = Group(d, dataflow, scalesim, rates(d, dataflow, shapes, layer_widths, technology), resident)
    if cores == 1:  # one array: its SRAMs talk to DRAM directly, no global buffer (dse_systolic.cores)
        return Evaluation(group, shapes, layer_widths, technology, None, group.rates.area_mm2, resident)
    c = chip(group, cores, shapes, technology)
    return Evaluation(group, shapes, layer_widths, technology, c, c.area_mm2, c.resident)


def evaluate_designs(shapes_of: Callable[[np.ndarray], tuple[LayerShape, ...]], d: Designs,
                     technology: Technology) -> list[tuple[np.ndarray, Evaluation]]:
    """Every design on its layers (``shapes_of``: the shapes of the designs at some indices into ``d``),
    as (indices into ``d``, evaluation) per group of designs."""
    groups = []
    for dataflow in range(len(DATAFLOWS)):
        for scalesim in (False, True):
            index = np.flatnonzero((d.dataflow == dataflow) & (d.scalesim == scalesim))
            if not len(index):
                continue
            same = d if len(index) == len(d) else d.take(index)
            for part, cores in cores_of(same):
                designs = same if len(part) == len(same) else same.take(part)
                rows = index[part]
                groups.append((rows, evaluate_group(shapes_of(rows), designs, dataflow, scalesim, cores, technology)))
    return groups


def cost(workload: Workload, params: SystolicParams, technology: Technology) -> Cost:
    """One design's cost (dse_systolic.backend.SystolicBackend.cost)."""
    dataflow, scalesim = DATAFLOWS.index(params.dataflow), params.latency_model == "scalesim"
    d = designs_from_params(params)
    ev = evaluate_group(layer_shapes(workload), d, dataflow, scalesim, params.cores, technology)
    every = tuple(ev.layers())
    layers = tuple(_layer_cost(s, arrays, params) for s, arrays in zip(ev.shapes, every, strict=True))
    short = [s.name for s, arrays in zip(ev.shapes, every, strict=True) if not _first(arrays.memory_fits)]
    return Cost(
        layers=layers,
        latency_cycles=sum(layer.latency_cycles for layer in layers),
        clock_mhz=params.clock_mhz,
        area_mm2=_first(ev.area_mm2),
        memory_fits=not short,
        notes=_notes(params, bool(_first(ev.weights_resident)))
        + ((f"does not fit on chip: a stationary tile of {', '.join(short)} exceeds half its SRAM",)
           if short else ()),
    )


def layer_batch(workload: Workload, params: pl.DataFrame, technology: Technology) -> LayerBatch:
    """Energy and cycles per layer of every row of ``params``, vectorised (best in chunks)."""
    shapes = layer_shapes(workload)
    return _layer_batch(lambda keep: shapes, len(shapes), params, technology)


def layer_batch_views(views: Sequence[Workload], view: np.ndarray, params: pl.DataFrame,
                      technology: Technology, layers: np.ndarray | None = None) -> LayerBatch | None:
    """``layer_batch`` of row i on ``views[view[i]]`` in one pass, only ``layers`` costed (bool per layer,
    None: all; Backend.layer_batch_views); None when the views differ in more than the numbers the
    model takes per design (geometry.merged_shapes)."""
    merged = _merged(tuple(views))
    if merged is None:
        return None
    return _layer_batch(lambda keep: merged(view[keep]), len(views[0].layers), params, technology, layers)


#: merged_shapes of recent view lists, by the identity of their workloads (each entry keeps its views
#: alive, so an id is not reused while it is here): a batch passes the same views chunk after chunk,
#: and hashing some thirty workloads and their shapes per chunk (layer_shapes' and merged_shapes'
#: caches) costs more than the merge
_MERGED: dict[tuple[int, ...], tuple[tuple[Workload, ...], Callable[[np.ndarray], tuple[LayerShape, ...]] | None]] = {}
_MERGED_SIZE = 64  # as geometry._varying's cache: a batch's view lists, several batches over


def _merged(views: tuple[Workload, ...]) -> Callable[[np.ndarray], tuple[LayerShape, ...]] | None:
    """merged_shapes of the shapes of ``views``, cached by the workloads' identity (_MERGED)."""
    key = tuple(map(id, views))
    if key not in _MERGED:
        if len(_MERGED) >= _MERGED_SIZE:
            _MERGED.clear()
        _MERGED[key] = (views, merged_shapes([layer_shapes(workload) for workload in views]))
    return _MERGED[key][1]


def _layer_batch(shapes_of: Callable[[np.ndarray], tuple[LayerShape, ...]], layers: int, params: pl.DataFrame,
                 technology: Technology, costed: np.ndarray | None = None) -> LayerBatch:
    """``layer_batch`` with the layer shapes of the rows at some indices of ``params`` (``shapes_of``), the
    layers not ``costed`` NaN on one array (Evaluation.layers)."""
    d, keep, errors = designs_from_frame(params)
    n = params.height
    energy, cycles = np.full((layers, n), np.nan), np.full((layers, n), np.nan)
    totals = np.full((3, n), np.nan)  # cycles, clock, area
    fits = np.zeros(n, dtype=bool)
    for index, ev in evaluate_designs(lambda index: shapes_of(keep[index]), d, technology):
        rows, group = keep[index], np.empty((2, layers, len(index)))  # energy, cycles of the group
        fit = np.ones(len(index), dtype=bool)
        for j, layer in enumerate(ev.layers(costed)):
            _layer_energy(layer, group[0, j])
            group[1, j] = layer.latency_cycles
            fit &= layer.memory_fits
        if len(rows) == n:  # one group of every design (rows sorted by group, all valid)
            energy, cycles = group
        else:
            energy[:, rows], cycles[:, rows] = group
        latency = np.zeros(len(index))
        for row in group[1]:
            latency += row  # in layer order, as Cost adds them
        totals[:, rows] = (latency, ev.group.designs.clock_mhz, np.broadcast_to(ev.area_mm2, len(index)))
        fits[rows] = fit
    return LayerBatch(energy.T, cycles.T, totals[0], totals[1], totals[2], fits,
                      [errors.get(i) for i in range(n)] if errors else [None] * n)


def _layer_energy(layer: LayerArrays, out: np.ndarray) -> None:
    """The layer's breakdown summed (pJ) into ``out``, component after component; components that
    are 0 for every design of the group (plain numbers) are left out: they change no sum. No
    breakdown (a layer only checked for fit): NaN."""
    out[:] = 0.0 if layer.breakdown else np.nan
    for value in layer.breakdown.values():
        if isinstance(value, np.ndarray) or value:
            out += value


def _first(value: np.ndarray | float) -> float:
    """The value for the one design of a scalar evaluation."""
    return float(np.asarray(value).reshape(-1)[0])


def _layer_cost(shape: LayerShape, arrays: LayerArrays, params: SystolicParams) -> LayerCost:
    weight_bits = params.weight_bits or shape.weight_bits
    activation_bits = params.activation_bits or shape.activation_bits
    return LayerCost(
        name=shape.name,
        kind=shape.kind_name,
        breakdown={key: _first(value) for key, value in arrays.breakdown.items()},
        latency_cycles=_first(arrays.latency_cycles),
        utilization=None if arrays.utilization is None else _first(arrays.utilization),
        counts={key: _first(value) for key, value in arrays.counts.items()},
        footprint_bits=_footprint(shape, weight_bits, activation_bits),
    )


def _footprint(shape: LayerShape, weight_bits: int, activation_bits: int) -> dict[str, float]:
    footprint = {"activations": float(shape.output_words * activation_bits)}
    if shape.weights:
        footprint["weights"] = float(shape.weights * weight_bits)
    return footprint


def _notes(params: SystolicParams, weights_resident: bool) -> tuple[str, ...]:
    where = (f"stay in the {'filter SRAM' if params.cores == 1 else 'global buffer'} across inferences"
             if weights_resident else "are loaded from DRAM every inference")
    latency = ("SCALE-Sim v3 ideal-bandwidth cycles (no DRAM stalls)" if params.latency_model == "scalesim"
               else "dse mapping, roofline: max(compute, DRAM traffic / bandwidth) plus the first tile's load")
    split = "output channels or rows, whichever is faster" if params.partition == "auto" else params.partition
    shared = (f"{params.cores} arrays share a {params.global_buffer_kib:g} KiB global buffer; each layer is split "
              f"over them by {split} (dse_systolic.cores)")
    chip = () if params.cores == 1 else (shared,)
    return chip + (f"latency: {latency}", f"weights {where}",
            "the network's input comes from DRAM and its output goes back to DRAM",
            "one pass per inference: timesteps are not repeated")

