"""The ``systolic`` backend: a weight-, output- or input-stationary PE array, costed analytically.

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

``cost`` runs the model on one design (arrays of length 1), ``cost_batch`` on a whole frame
of designs at once; the arithmetic is the same code, so the two agree to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from dse import Backend, Cost, LayerCost, Technology, Workload
from dse_systolic.cores import chip, cores_of, evaluate_layer_on_cores
from dse_systolic.designs import Designs, designs_from_frame, designs_from_params
from dse_systolic.fsum import fsum_columns
from dse_systolic.geometry import LayerShape, layer_shapes
from dse_systolic.layer import Group, LayerArrays, evaluate_layer
from dse_systolic.params import DATAFLOWS, SystolicParams
from dse_systolic.rates import rates, widths

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True)
class Evaluation:
    """A workload on the designs of one group."""

    group: Group
    shapes: tuple[LayerShape, ...]
    layers: tuple[LayerArrays, ...]
    area_mm2: np.ndarray  # the chip's: all its cores and the global buffer
    weights_resident: np.ndarray  # the weights stay on chip across inferences


def evaluate_group(shapes: tuple[LayerShape, ...], d: Designs, dataflow: int, scalesim: bool, cores: int,
                   technology: Technology) -> Evaluation:
    """Every layer on designs that share ``dataflow``, latency model and number of cores."""
    weight_bits = sum(s.weights * widths(s, d).weight for s in shapes if s.weights)
    resident = d.weights_resident & (weight_bits <= d.filter_bits)
    group = Group(d, dataflow, scalesim, rates(d, dataflow, shapes, technology), resident)
    if cores == 1:  # one array: its SRAMs talk to DRAM directly, no global buffer (dse_systolic.cores)
        return Evaluation(group, shapes, tuple(evaluate_layer(shape, group, technology) for shape in shapes),
                          group.rates.area_mm2, resident)
    c = chip(group, cores, shapes, technology)
    return Evaluation(group, shapes, tuple(evaluate_layer_on_cores(shape, group, c, technology)
                                           for shape in shapes), c.area_mm2, c.resident)


def evaluate_designs(workload: Workload, d: Designs,
                     technology: Technology) -> list[tuple[np.ndarray, Evaluation]]:
    """``workload`` on every design, as (indices into ``d``, evaluation) per group of designs."""
    shapes = layer_shapes(workload)
    groups = []
    for dataflow in range(len(DATAFLOWS)):
        for scalesim in (False, True):
            index = np.flatnonzero((d.dataflow == dataflow) & (d.scalesim == scalesim))
            for part, cores in cores_of(d.take(index)):
                groups.append((index[part], evaluate_group(shapes, d.take(index[part]), dataflow, scalesim, cores,
                                                           technology)))
    return groups


class SystolicBackend(Backend):
    name = "systolic"
    description = ("systolic-array ANN accelerator (os/ws/is): SCALE-Sim-exact or bandwidth-aware cycles, "
                   "energy, area")
    Params = SystolicParams

    def cost(self, workload: Workload, params: SystolicParams, technology: Technology) -> Cost:  # type: ignore[override]
        dataflow, scalesim = DATAFLOWS.index(params.dataflow), params.latency_model == "scalesim"
        d = designs_from_params(params)
        ev = evaluate_group(layer_shapes(workload), d, dataflow, scalesim, params.cores, technology)
        layers = tuple(_layer_cost(s, arrays, params) for s, arrays in zip(ev.shapes, ev.layers, strict=True))
        short = [s.name for s, arrays in zip(ev.shapes, ev.layers, strict=True) if not _first(arrays.memory_fits)]
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

    def cost_batch(self, workload: Workload, params: pl.DataFrame, technology: Technology) -> pl.DataFrame:
        """Totals of every row of ``params``, vectorised; identical to ``cost`` row by row."""
        import polars as pl

        from dse import batch_schema

        d, keep, errors = designs_from_frame(params)
        out: dict[str, np.ndarray | list] = {name: np.full(params.height, np.nan) for name in batch_schema()}
        out["memory_fits"] = np.zeros(params.height, dtype=bool)
        out["error"] = [errors.get(i) for i in range(params.height)]
        for index, ev in evaluate_designs(workload, d, technology):
            for name, values in _batch_totals(ev).items():
                out[name][keep[index]] = values
        return pl.DataFrame(out, schema=batch_schema())


def _batch_totals(ev: Evaluation) -> dict[str, np.ndarray]:
    """The BATCH_COLUMNS of every design of a group, computed as ``Cost`` computes them."""
    d = ev.group.designs
    n = len(d)
    # a component that is 0 for every design changes no correctly rounded sum: leave it out
    energies = [fsum_columns([value for value in layer.breakdown.values() if np.any(value)], n)
                for layer in ev.layers]
    energy = fsum_columns(energies, n)
    latency = np.zeros(n)
    for layer in ev.layers:
        latency = latency + layer.latency_cycles
    seconds = latency / (d.clock_mhz * 1e6)
    busy = seconds > 0
    power = np.where(busy, energy / np.where(busy, seconds, 1.0) * 1e-9, 0.0)
    fits = np.logical_and.reduce([np.broadcast_to(layer.memory_fits, n) for layer in ev.layers])
    return {"energy_pj": energy, "latency_cycles": latency, "latency_s": seconds,
            "area_mm2": np.broadcast_to(ev.area_mm2, n), "power_mw": power, "memory_fits": fits}


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

