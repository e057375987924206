"""The hybrid's batch path: each layer's engine a column, the engines asked once per view.

Each distinct set of hybrid-level parameters (every column but the engines' ``ann.*`` and
``snn.*``) is validated once, giving its engine assignment (the engine of every layer) and its
options. Designs that share an assignment share everything the hybrid adds between its
engines but numbers of their own (clocks, areas): which tensors cross, so the conversion lines
(dse_hybrid.boundaries.conversion, computed once per assignment and encoding options, exactly as
``HybridBackend.cost`` computes them for one design), and the ANN engine's view. The SNN engine
sees the workload as it is, so it is asked once for every row that runs a layer on it; the ANN
engine sees one workload per set of operands it reads from the SNN engine (``ann_view``: an
ANN-first split has a single view whatever the split), and is asked once for all its rows, each
on its view (``Backend.layer_batch_views``: the systolic engine takes the numbers views differ
in per design, in one vectorised pass). Both answer with their per-layer costs, and the
hybrid's arithmetic (the idle engine's leakage, busy time per engine, area) runs on
(layers x designs) arrays, with the operations and in the order of ``HybridBackend.cost``. A
row that fails anywhere goes through ``cost`` for its own error message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from dse import Backend, LayerBatch, Technology, Workload, unflatten
from dse_hybrid.boundaries import ann_view, conversion, fed_operands, sources
from dse_hybrid.params import HybridParams

if TYPE_CHECKING:
    import polars as pl

ENGINE_PREFIXES = ("ann.", "snn.")
#: A layer's conversion: the engine it runs on, and the (operand, producing layer) pairs that cross.
Crossing = tuple[str, list[tuple[int, int]]]


@dataclass(frozen=True)
class Assignments:
    """The distinct engine assignments of a batch's parameter sets."""

    engines: list[tuple[str, ...]]  # each assignment: the engine of every layer
    of_choice: np.ndarray  # (parameter sets,): index into ``engines``
    snn: np.ndarray  # (assignments, layers) bool: the layer runs on the SNN engine


def hybrid_layer_batch(hybrid: Backend, engine_named: Callable[[str], Backend], workload: Workload,
                       params: pl.DataFrame, technology: Technology) -> LayerBatch:
    """``hybrid.layer_batch``: ``engine_named`` finds a registered backend; failed rows through ``cost``."""
    n, names = params.height, [layer.name for layer in workload.layers]
    rows_of, choices, engines = _validated(params, names)
    if not choices:  # no valid row: each goes through cost() for its message
        return Backend.layer_batch(hybrid, workload, params, technology)
    failed, kept = rows_of < 0, np.maximum(rows_of, 0)
    assigned = _assignments(engines, len(names))
    of_row = assigned.of_choice[kept]  # each row's assignment
    # (layers, designs): all bits set where the layer runs on the SNN engine (_overwrite's mask)
    spiking = np.negative(assigned.snn.T.astype(np.uint64)).take(of_row, axis=1)
    feeds = sources(workload)
    spread = {engine: _spread(_engine_batch(engine, engine_named, workload, params, technology, choices, rows_of,
                                            assigned, feeds), n, len(names)) for engine in ("ann", "snn")}
    has_snn, has_ann = assigned.snn.any(axis=1)[of_row], ~assigned.snn.all(axis=1)[of_row]
    for engine, uses in (("ann", has_ann), ("snn", has_snn)):
        failed |= uses & spread[engine].failed
    extra_pj, extra_cycles = _conversions(workload, choices, assigned, feeds, technology)
    column = {name: np.array([getattr(hp, name) == value for hp in choices])[kept]
              for name, value in (("memory", "shared"), ("schedule", "pipelined"))}
    column["shared_overhead"] = np.array([hp.shared_overhead for hp in choices])[kept]
    out = _combine(spiking, has_ann, has_snn, column, (extra_pj, extra_cycles, kept), spread["ann"], spread["snn"],
                   technology)
    if failed.any():
        rows = np.flatnonzero(failed)
        out.patch(rows, Backend.layer_batch(hybrid, workload, params[rows], technology))
    return out


def _validated(params: pl.DataFrame, names: list[str]) -> tuple[np.ndarray, list[HybridParams], list[tuple[str, ...]]]:
    """Each row's index into the distinct valid hybrid-level parameter sets (-1: invalid), the sets, and
    each set's engine of every layer."""
    import polars as pl

    own = [c for c in params.columns if not c.startswith(ENGINE_PREFIXES)]
    if not own:
        return np.zeros(params.height, dtype=np.int64), [HybridParams()], [tuple(HybridParams().engines(names))]
    # each row's group: the first row of its values (a window, not lists of rows per group)
    first = params.select(own).with_row_index("_row").select(pl.col("_row").min().over(own)).to_series().to_numpy()
    leaders = np.flatnonzero(first == np.arange(params.height))  # in order of first appearance
    choice_of = np.full(params.height, -1)  # of each group's first row
    choices: list[HybridParams] = []
    engines: list[tuple[str, ...]] = []
    for leader, group in zip(leaders.tolist(), params[leaders].select(own).iter_rows(named=True), strict=True):
        key = (tuple(group.items()), tuple(names))
        try:
            parsed = _parsed(*key)
        except TypeError:  # a value that cannot be hashed (a list): validated, not cached
            parsed = _parsed.__wrapped__(*key)
        if parsed is not None:
            choice_of[leader] = len(choices)
            choices.append(parsed[0])
            engines.append(parsed[1])
    rows_of = choice_of[first]
    return rows_of, choices, engines


@lru_cache(maxsize=4096)
def _parsed(items: tuple[tuple[str, Any], ...], names: tuple[str, ...]) -> tuple[HybridParams, tuple[str, ...]] | None:
    """The hybrid-level parameters ``items`` (column, value) validated, and their engine of each of the
    layers ``names``; None when invalid (cached: chunk after chunk, and call after call of a search,
    a batch repeats the same few hundred sets)."""
    try:
        hp = HybridParams.model_validate(unflatten(dict(items)))
        engines = tuple(hp.engines(list(names)))
    except Exception:  # noqa: BLE001 - these rows go through cost() for its own message
        return None
    return hp, engines


def _assignments(of_set: list[tuple[str, ...]], layers: int) -> Assignments:
    """The distinct assignments among ``of_set`` (each parameter set's engine of every layer)."""
    index: dict[tuple[str, ...], int] = {}
    of_choice = np.array([index.setdefault(a, len(index)) for a in of_set])
    engines = list(index)
    snn = np.array([[e == "snn" for e in a] for a in engines], dtype=bool).reshape(len(engines), layers)
    return Assignments(engines, of_choice, snn)


def _engine_batch(engine: str, engine_named: Callable[[str], Backend], workload: Workload, params: pl.DataFrame,
                  technology: Technology, choices: list[HybridParams], rows_of: np.ndarray, assigned: Assignments,
                  feeds: list[tuple[int | None, ...]]) -> list[tuple[np.ndarray, LayerBatch]]:
    """The engine's per-layer costs of the rows that run a layer on it, each with its rows, one call
    per backend: the ANN engine's rows each on their view (``Backend.layer_batch_views``), only the
    layers some of them run on it asked for (their engine gives the others NaN where that saves time)."""
    fed = [fed_operands(a, feeds) for a in assigned.engines] if engine == "ann" else []
    backends: dict[str, int] = {}
    views: dict[tuple[tuple[int, int], ...], int] = {}
    backend_of, view_of = np.full(len(choices) + 1, -1), np.zeros(len(choices) + 1, dtype=np.int64)
    for index, hp in enumerate(choices):  # the last entries: invalid rows (rows_of -1)
        a = assigned.of_choice[index]
        if engine not in assigned.engines[a]:
            continue
        backend_of[index] = backends.setdefault(hp.ann_backend if engine == "ann" else hp.snn_backend, len(backends))
        if engine == "ann":
            view_of[index] = views.setdefault(fed[a], len(views))
    if not backends:
        return []
    n, frame, row_backend = params.height, _engine_frame(params, engine), backend_of[rows_of]
    seen = list(_ann_views(workload, tuple(views))) if engine == "ann" else [workload]
    on_engine = assigned.snn if engine == "snn" else ~assigned.snn  # (assignments, layers)
    parts = []
    for backend, call in backends.items():
        rows = np.flatnonzero(row_backend == call)
        read = on_engine[assigned.of_choice[np.flatnonzero(backend_of[:-1] == call)]].any(axis=0)
        parts.append((rows, engine_named(backend).layer_batch_views(
            seen, view_of[rows_of[rows]], frame if len(rows) == n else frame[rows], technology,
            None if read.all() else read)))
    return parts


@dataclass(frozen=True)
class Spread:
    """An engine's costs at every row of a batch, the per-layer arrays (layers, designs), so that a
    layer's designs are contiguous. A row that runs no layer on the engine holds some other row's
    numbers, or NaN: read only the rows that use the engine."""

    energy_pj: np.ndarray  # (layers, designs): each layer's breakdown summed (pJ)
    seconds: np.ndarray  # (layers, designs): each layer's busy time at the engine's clock (s)
    total_cycles: np.ndarray  # (designs,)
    clock_mhz: np.ndarray  # (designs,) MHz
    area_mm2: np.ndarray  # (designs,) mm²
    memory_fits: np.ndarray  # (designs,) bool
    failed: np.ndarray  # (designs,) bool: the engine gave an error


def _spread(parts: list[tuple[np.ndarray, LayerBatch]], n: int, layers: int) -> Spread:
    """The engine's ``parts`` (rows, their costs) at their rows of a batch of ``n`` designs: one part is
    gathered (every row takes the numbers of a row of the part: its own where it has one), several
    written to their rows of NaN arrays."""
    if len(parts) == 1 and len(parts[0][0]) == n:  # every row: the engine's arrays as they are
        part = parts[0][1]
        return Spread(part.energy_pj.T, part.latency_cycles.T / (part.clock_mhz * 1e6), part.total_cycles,
                      part.clock_mhz, part.area_mm2, part.memory_fits, _failed(part.error))
    if len(parts) == 1:
        rows, part = parts[0]
        at = np.zeros(n, dtype=np.int64)
        at[rows] = np.arange(len(rows))
        clock = part.clock_mhz.take(at)
        seconds = part.latency_cycles.T.take(at, axis=1)
        seconds /= clock * 1e6
        return Spread(part.energy_pj.T.take(at, axis=1), seconds, part.total_cycles.take(at), clock,
                      part.area_mm2.take(at), part.memory_fits.take(at), _failed(part.error).take(at))
    grid, totals = np.full((2, layers, n), np.nan), np.full((3, n), np.nan)  # energy, seconds; cycles, clock, area
    fits, failed = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for rows, part in parts:
        grid[0][:, rows] = part.energy_pj.T
        grid[1][:, rows] = part.latency_cycles.T / (part.clock_mhz * 1e6)
        totals[:, rows] = (part.total_cycles, part.clock_mhz, part.area_mm2)
        fits[rows], failed[rows] = part.memory_fits, _failed(part.error)
    return Spread(grid[0], grid[1], totals[0], totals[1], totals[2], fits, failed)


def _failed(errors: list[str | None]) -> np.ndarray:
    """Whether each design has an error."""
    return np.zeros(len(errors), dtype=bool) if errors.count(None) == len(errors) else \
        np.array([e is not None for e in errors], dtype=bool)


@lru_cache(maxsize=64)
def _ann_views(workload: Workload, operands: tuple[tuple[tuple[int, int], ...], ...]) -> tuple[Workload, ...]:
    """``ann_view`` of each of ``operands`` (cached: a chunk asks for a few dozen views, and hashing the
    workload once per chunk is cheaper than once per view)."""
    return tuple(ann_view(workload, fed) for fed in operands)


def _engine_frame(params: pl.DataFrame, engine: str) -> pl.DataFrame:
    """The ``engine.*`` columns of ``params``, prefix removed (a frame of the same height)."""
    import polars as pl

    prefix = f"{engine}."
    columns = [c for c in params.columns if c.startswith(prefix)]
    if not columns:
        return pl.DataFrame({"_": np.zeros(params.height)}).drop("_")
    return pl.DataFrame([params.get_column(c).alias(c[len(prefix):]) for c in columns])  # no copy, no query


#: Conversion (layer, energy in pJ, cycles) of recent (workload, technology) pairs, by assignment and
#: conversion options: a batch asks for the same few hundred chunk after chunk. Keyed by the
#: technology's identity (frozen, but not hashable: it holds dicts); each entry keeps it alive, so
#: its id is not reused while the entry is here.
_CONVERTED: dict[tuple[Workload, int], tuple[Technology, dict[tuple[Any, ...], list[tuple[int, Any, Any]]]]] = {}
_CONVERTED_SIZE = 8  # a search's workloads and technologies at a time


def _conversions(workload: Workload, choices: list[HybridParams], assigned: Assignments,
                 feeds: list[tuple[int | None, ...]], technology: Technology) -> tuple[np.ndarray, np.ndarray]:
    """Conversion energy (pJ) and cycles of every layer (rows) for every parameter set (columns), 0 where
    no tensor crosses: dse_hybrid.boundaries.conversion, once per assignment and conversion options
    (_CONVERTED)."""
    layers = len(workload.layers)
    if (workload, id(technology)) not in _CONVERTED:
        if len(_CONVERTED) >= _CONVERTED_SIZE:
            _CONVERTED.clear()
        _CONVERTED[workload, id(technology)] = (technology, {})
    converted = _CONVERTED[workload, id(technology)][1]
    first: dict[tuple[int, str, int, int], int] = {}  # each assignment and options: its first parameter set
    key_of = np.array([first.setdefault((int(a), hp.encoding, hp.lfsr_bits, hp.converter_lanes), index)
                       for index, (a, hp) in enumerate(zip(assigned.of_choice, choices, strict=True))])
    pj, cycles = np.zeros((layers, len(choices))), np.zeros((layers, len(choices)))
    for (a, *options), index in first.items():
        key = (assigned.engines[a], *options)
        if key not in converted:
            converted[key] = []
            for layer, (engine, pairs) in _crossings(assigned.engines[a], feeds):
                lines, spent = conversion(workload, layer, pairs, engine, choices[index], technology)
                converted[key].append((layer, sum(lines.values()), spent))
        for layer, layer_pj, spent in converted[key]:
            pj[layer, index], cycles[layer, index] = layer_pj, spent
    return pj[:, key_of], cycles[:, key_of]


def _crossings(engines: tuple[str, ...], feeds: list[tuple[int | None, ...]]) -> list[tuple[int, Crossing]]:
    """The layers some tensor reaches from the other engine, with their engine and crossing operands."""
    out = []
    for index, engine in enumerate(engines):
        pairs = [(operand, source) for operand, source in enumerate(feeds[index])
                 if source is not None and engines[source] != engine]
        if pairs:
            out.append((index, (engine, pairs)))
    return out


def _combine(spiking: np.ndarray, has_ann: np.ndarray, has_snn: np.ndarray, column: dict[str, np.ndarray],
             extra: tuple[np.ndarray, np.ndarray, np.ndarray], ann: Spread, snn: Spread,
             technology: Technology) -> LayerBatch:
    """The hybrid's layers, busy time, area and totals of every row (as ``HybridBackend.cost``), on
    (layers, designs) arrays. ``spiking`` (layers, designs): all bits set where the layer runs on the
    SNN engine, none elsewhere (_overwrite's mask). ``column``: per row, whether memory is shared and the schedule pipelined
    (bool), and the shared-memory overhead; ``extra``: conversion energy (pJ) and cycles of every layer
    per parameter set (_conversions), and each row's parameter set. A layer no tensor reaches across
    is left as it is where ``cost`` adds a conversion of 0 (_crossed): the same numbers. The engines'
    arrays (_spread: fresh for this batch) are written over in place."""
    extra_pj, extra_cycles, kept = extra
    both = has_ann & has_snn
    clock = np.where(has_ann, ann.clock_mhz, snn.clock_mhz)
    shared = both & column["memory"]
    area = np.where(shared, np.maximum(ann.area_mm2, snn.area_mm2) * (1 + column["shared_overhead"]),
                    np.where(both, ann.area_mm2 + snn.area_mm2, np.where(has_ann, ann.area_mm2, snn.area_mm2)))
    seconds, energy = ann.seconds, ann.energy_pj  # each layer at its engine's clock
    _overwrite(seconds, spiking, snn.seconds)
    _overwrite(energy, spiking, snn.energy_pj)
    layer, row, choice = _crossed(extra_pj, extra_cycles, kept)
    seconds[layer, row] += extra_cycles[layer, choice] / (clock[row] * 1e6)  # conversions, at the chip's clock
    energy[layer, row] += extra_pj[layer, choice]
    idle_leaks = both & ~shared
    if idle_leaks.any():  # the idle engine's leakage where it counts, else + 0 (as cost)
        leak = technology.leakage_energy(_chosen(spiking, ann.area_mm2, snn.area_mm2), seconds)  # type: ignore[arg-type]
        leak.view(np.uint64)[...] &= np.negative(idle_leaks.astype(np.uint64))
        energy += leak
    # each layer's seconds where it runs on the engine, else 0, summed over the layers in order (a
    # reduction over the first axis of a C-ordered array adds row after row), as cost() adds them
    on_snn = np.bitwise_and(seconds.view(np.uint64), spiking)
    on_ann = np.bitwise_xor(seconds.view(np.uint64), on_snn)
    busy = {engine: on.view(np.float64).sum(axis=0) for engine, on in (("ann", on_ann), ("snn", on_snn))}
    total_seconds = np.where(column["schedule"], np.maximum(busy["ann"], busy["snn"]), busy["ann"] + busy["snn"])
    total = np.where(both, total_seconds * clock * 1e6, np.where(has_ann, ann.total_cycles, snn.total_cycles))
    cycles = seconds  # seconds x clock x 1e6, in place: seconds are not needed past here
    cycles *= clock
    cycles *= 1e6
    fits = (~has_ann | ann.memory_fits) & (~has_snn | snn.memory_fits)
    return LayerBatch(energy.T, cycles.T, total, clock, area, fits, [None] * len(clock))


def _overwrite(out: np.ndarray, mask: np.ndarray, values: np.ndarray) -> None:
    """``np.copyto(out, values, where=mask != 0)`` for float64 ``out`` and ``values``, bit for bit, where
    ``mask`` (uint64) has all bits set or none: out's bits take values' bits under the mask. No branch
    per element, so it is several times faster than copyto or np.where on a mask that changes from design
    to design (the layers of a hybrid)."""
    bits = out.view(np.uint64)
    bits ^= (bits ^ values.view(np.uint64)) & mask


def _chosen(mask: np.ndarray, one: np.ndarray, other: np.ndarray) -> np.ndarray:
    """``np.where(mask != 0, one, other)`` for float64 ``one`` and ``other`` (broadcast to ``mask``),
    bit for bit, by _overwrite's masking."""
    other_bits = other.view(np.uint64)
    return ((other_bits ^ one.view(np.uint64)) & mask ^ other_bits).view(np.float64)


def _crossed(extra_pj: np.ndarray, extra_cycles: np.ndarray, kept: np.ndarray) -> tuple[np.ndarray, ...]:
    """The (layer, row) pairs of the rows' conversions, each with its row's parameter set: where
    ``extra_pj`` or ``extra_cycles`` (layers x parameter sets) are not 0 for the row's set ``kept``. A
    row crosses at a few layers, so the conversions are added there, not over (layers x rows)."""
    choice_of, layer_of = np.nonzero(((extra_pj != 0) | (extra_cycles != 0)).T)  # by parameter set, then layer
    per_choice = np.bincount(choice_of, minlength=extra_pj.shape[1])  # pairs of each set
    counts = per_choice[kept]  # of each row
    row = np.repeat(np.arange(len(kept)), counts)
    rank = np.arange(len(row)) - np.repeat(np.cumsum(counts) - counts, counts)  # each pair's place in its row
    pair = (np.cumsum(per_choice) - per_choice)[kept[row]] + rank  # into the sets' pairs
    return layer_of[pair], row, kept[row]
