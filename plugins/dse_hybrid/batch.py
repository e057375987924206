"""The hybrid's batch path: each layer's engine a column, the engines asked once per view.

Each distinct set of hybrid-level parameters (every column but the engines' ``ann.*`` and
``snn.*``) is validated once, giving every row its per-layer engine choice (a designs x layers
boolean matrix) and its options (encoding, memory, schedule, converter lanes, LFSR width,
shared-memory overhead) as columns. The SNN engine sees the workload as it is, so it is asked
once for every row that runs a layer on it; the ANN engine sees one workload per set of layers
that follow an SNN layer (``ann_view``), so it is asked once per such view (an ANN-first split
has a single view whatever the split). Both answer with their per-layer costs
(``Backend.layer_batch``, vectorised by the built-in engines), and the hybrid's arithmetic (the
conversion lines, the idle engine's leakage, busy time per engine, area) runs over all rows at
once, with the functions and in the order of ``HybridBackend.cost``. A row that fails anywhere
goes through ``cost`` for its own error message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from dse import Backend, LayerBatch, Technology, Workload, unflatten
from dse_hybrid.boundaries import ann_view, conversion, sources
from dse_hybrid.params import HybridParams

if TYPE_CHECKING:
    import polars as pl

ENGINE_PREFIXES = ("ann.", "snn.")


@dataclass(frozen=True)
class Options:
    """Conversion options of many designs (dse_hybrid.boundaries.conversion takes them as it takes
    one HybridParams)."""

    encoding: str
    lfsr_bits: np.ndarray
    converter_lanes: np.ndarray


def hybrid_layer_batch(hybrid: Backend, engine_named: Callable[[str], Backend], workload: Workload,
                       params: pl.DataFrame, technology: Technology) -> LayerBatch:
    """``hybrid.layer_batch``: ``engine_named`` finds a registered backend; failed rows through ``cost``."""
    n, names = params.height, [layer.name for layer in workload.layers]
    rows_of, choices = _validated(params, names)
    if not choices:  # no valid row: each goes through cost() for its message
        return Backend.layer_batch(hybrid, workload, params, technology)
    failed = rows_of < 0
    snn = np.array([[e == "snn" for e in hp.engines(names)] for hp in choices]).reshape(len(choices), len(names))
    spiking = snn[np.maximum(rows_of, 0)]  # (designs, layers): the layer runs on the SNN engine
    feeds = sources(workload)
    batches: dict[str, LayerBatch] = {}
    for engine in ("ann", "snn"):
        out = _empty(n, len(names))
        for backend, view, rows in _engine_calls(engine, workload, choices, rows_of, snn, feeds):
            out.patch(rows, engine_named(backend).layer_batch(view, _engine_frame(params[rows], engine), technology))
        batches[engine] = out
    has_snn, has_ann = spiking.any(axis=1), ~spiking.all(axis=1)
    for engine, uses in (("ann", has_ann), ("snn", has_snn)):
        failed |= uses & np.array([e is not None for e in batches[engine].error])
    column = {name: np.array([getattr(hp, name) for hp in choices])[np.maximum(rows_of, 0)]
              for name in ("encoding", "memory", "schedule", "converter_lanes", "lfsr_bits", "shared_overhead")}
    out = _combine(workload, spiking, has_ann, has_snn, column, batches["ann"], batches["snn"], technology)
    if failed.any():
        rows = np.flatnonzero(failed)
        out.patch(rows, Backend.layer_batch(hybrid, workload, params[rows], technology))
    return out


def _validated(params: pl.DataFrame, names: list[str]) -> tuple[np.ndarray, list[HybridParams]]:
    """Each row's index into the distinct valid hybrid-level parameter sets (-1: invalid), and the sets."""
    import polars as pl

    own = [c for c in params.columns if not c.startswith(ENGINE_PREFIXES)]
    rows_of = np.full(params.height, -1)
    if not own:
        return np.zeros(params.height, dtype=np.int64), [HybridParams()]
    groups = params.select(own).with_row_index("_row").group_by(own, maintain_order=True).agg(pl.col("_row"))
    choices: list[HybridParams] = []
    for group in groups.iter_rows(named=True):
        rows = np.asarray(group.pop("_row"), dtype=np.int64)
        try:
            hp: HybridParams | None = HybridParams.model_validate(unflatten(group))
            hp.engines(names)  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - these rows go through cost() for its own message
            hp = None
        if hp is not None:
            rows_of[rows] = len(choices)
            choices.append(hp)
    return rows_of, choices


def _engine_calls(engine: str, workload: Workload, choices: list[HybridParams], rows_of: np.ndarray,
                  snn: np.ndarray, feeds: list[tuple[int | None, ...]]) -> list[tuple[str, Workload, np.ndarray]]:
    """(backend, the workload as it sees it, rows) for every call the engine needs."""
    calls: dict[tuple[str, tuple[tuple[int, int], ...]], list[int]] = {}
    for index, hp in enumerate(choices):
        on = snn[index] if engine == "snn" else ~snn[index]
        if not on.any():
            continue
        # the ANN engine's view differs only in the operands it reads from the SNN engine (ann_view)
        fed = () if engine == "snn" else tuple((j, k) for j, srcs in enumerate(feeds) if on[j]
                                                for k, f in enumerate(srcs) if f is not None and snn[index, f])
        calls.setdefault((hp.ann_backend if engine == "ann" else hp.snn_backend, fed), []).append(index)
    out = []
    for (backend, _), indices in calls.items():
        # ann_view depends on the engines only through the layers it changes: any row's will do
        view = workload if engine == "snn" else \
            ann_view(workload, ["snn" if on else "ann" for on in snn[indices[0]]], feeds)
        out.append((backend, view, np.flatnonzero(np.isin(rows_of, indices))))
    return out


def _engine_frame(params: pl.DataFrame, engine: str) -> pl.DataFrame:
    """The ``engine.*`` columns of ``params``, prefix removed (a frame of the same height)."""
    import polars as pl

    prefix = f"{engine}."
    columns = [c for c in params.columns if c.startswith(prefix)]
    if not columns:
        return pl.DataFrame({"_": np.zeros(params.height)}).drop("_")
    return params.select(pl.col(c).alias(c[len(prefix):]) for c in columns)


def _empty(n: int, layers: int) -> LayerBatch:
    return LayerBatch(np.full((n, layers), np.nan), np.full((n, layers), np.nan), *np.full((3, n), np.nan),
                      np.zeros(n, dtype=bool), [None] * n)


def _combine(workload: Workload, spiking: np.ndarray, has_ann: np.ndarray, has_snn: np.ndarray,
             column: dict[str, np.ndarray], ann: LayerBatch, snn: LayerBatch, technology: Technology) -> LayerBatch:
    """The hybrid's layers, busy time, area and totals of every row (as ``HybridBackend.cost``)."""
    n, layers = spiking.shape
    both = has_ann & has_snn
    clock = np.where(has_ann, ann.clock_mhz, snn.clock_mhz)
    shared = both & (column["memory"] == "shared")
    area = np.where(shared, np.maximum(ann.area_mm2, snn.area_mm2) * (1 + column["shared_overhead"]),
                    np.where(both, ann.area_mm2 + snn.area_mm2, np.where(has_ann, ann.area_mm2, snn.area_mm2)))
    idle_leaks = both & ~shared
    rate = column["encoding"] == "rate"
    options = {encoding: Options(encoding, column["lfsr_bits"], column["converter_lanes"]) for encoding in ("rate", "direct")}
    feeds = sources(workload)
    energy, cycles = np.empty((layers, n)), np.empty((layers, n))
    busy = {"ann": np.zeros(n), "snn": np.zeros(n)}
    for j in range(layers):
        on_snn = spiking[:, j]
        own_clock = np.where(on_snn, snn.clock_mhz, ann.clock_mhz)
        seconds = np.where(on_snn, snn.latency_cycles[:, j], ann.latency_cycles[:, j]) / (own_clock * 1e6)
        extra_pj, extra_cycles = _boundary(workload, j, feeds[j], spiking, rate, options, technology)
        seconds = seconds + extra_cycles / (clock * 1e6)
        busy["snn"] += np.where(on_snn, seconds, 0.0)
        busy["ann"] += np.where(on_snn, 0.0, seconds)
        energy[j] = np.where(on_snn, snn.energy_pj[:, j], ann.energy_pj[:, j]) + extra_pj
        idle_area = np.where(on_snn, ann.area_mm2, snn.area_mm2)
        energy[j] += np.where(idle_leaks, technology.leakage_energy(idle_area, seconds), 0.0)
        cycles[j] = seconds * clock * 1e6
    pipelined = column["schedule"] == "pipelined"
    seconds = np.where(pipelined, np.maximum(busy["ann"], busy["snn"]), busy["ann"] + busy["snn"])
    total = np.where(both, seconds * clock * 1e6, np.where(has_ann, ann.total_cycles, snn.total_cycles))
    fits = (~has_ann | ann.memory_fits) & (~has_snn | snn.memory_fits)
    return LayerBatch(energy.T, cycles.T, total, clock, area, fits, [None] * n)


def _boundary(workload: Workload, index: int, feeds: tuple[int | None, ...], spiking: np.ndarray,
              rate: np.ndarray, options: dict[str, Options],
              technology: Technology) -> tuple[np.ndarray | float, np.ndarray | float]:
    """Conversion energy (pJ) and cycles of the tensors reaching layer ``index`` from the other
    engine, on every row (0 where none crosses), from dse_hybrid.boundaries.conversion."""
    on_snn = spiking[:, index]
    crossing = np.zeros(len(on_snn), dtype=np.int64)  # bit k: operand k comes from the other engine
    for operand, source in enumerate(feeds):
        if source is not None:
            crossing |= (spiking[:, source] != on_snn).astype(np.int64) << operand
    pj: np.ndarray | float = 0.0
    cycles: np.ndarray | float = 0.0
    for engine, on in (("snn", on_snn), ("ann", ~on_snn)):
        for pattern in np.unique(crossing[on]).tolist():
            if not pattern:
                continue
            rows = on & (crossing == pattern)
            pairs = [(k, source) for k, source in enumerate(feeds) if pattern >> k & 1 and source is not None]
            lines, spent = conversion(workload, index, pairs, engine, options["rate"], technology)
            if engine == "snn":  # the encoding is the row's: rate, or direct (analog operands)
                direct, _ = conversion(workload, index, pairs, engine, options["direct"], technology)
                pj = np.where(rows, np.where(rate, sum(lines.values()), sum(direct.values())), pj)
                cycles = np.where(rows & rate, spent, cycles)
            else:
                pj = np.where(rows, sum(lines.values()), pj)
                cycles = np.where(rows, spent, cycles)
    return pj, cycles
