"""Hybrid ANN/SNN backend: each layer on the engine it is assigned to, plus the cost of crossing.

Model (Dampfhoffer et al., IEEE TETCI 2023, recommend sparse layers event-driven and dense
ones on a parallel ANN datapath; the seed paper names hybrids the promising direction):

- Each engine is a registered backend, found by name (``ann_backend``, ``snn_backend``).
  ANN layers are costed by the ANN engine with T = 1 (an ANN layer runs once per
  inference); SNN layers by the SNN engine with the workload's T. A layer's cost is the
  engine's own per-layer cost, unchanged, so an all-ANN hybrid costs what the ANN backend
  costs and an all-SNN hybrid what the SNN backend costs.
- A boundary is crossed by every tensor a layer reads from the other engine: its input and,
  for add, mul and matmul, its second operand (``skip_from`` / ``other_from``: attention's
  K and V); each crossing tensor is converted once per reading layer.
- ANN → SNN boundary (a tensor an SNN layer reads comes from an ANN layer):
  ``rate``: each activation of the crossing tensor is turned into T Bernoulli spike draws,
  one comparison against a ``lfsr_bits`` pseudo-random number and one generator update
  per activation and step (line ``conversion_rate_encoding``);
  ``direct``: the first SNN layer receives the analog activations every step and
  multiplies instead of accumulating: its synaptic operations each pay a
  weight × activation multiply on top of the engine's accumulate (``conversion_direct_mac``),
  once however many of its operands are analog.
- SNN → ANN boundary: one spike counter of ⌈log2(T+1)⌉ bits per neuron of the SNN layer,
  incremented per output spike and read once (``conversion_spike_decoding``); the ANN layer
  then reads counts of that width, non-zero with probability 1 − (1 − d)^T (its input
  density, or ``other_density`` for a second operand).
- Conversions run on ``converter_lanes`` values per cycle of the ANN engine's clock.
- Area and leakage: ``separate`` memory adds the two engines' areas and charges the idle
  engine's leakage while the other works (``leakage_idle_engine``); ``shared`` memory is
  one pool and one MAC/AC array, Tianjic-like: the larger engine's area times
  (1 + ``shared_overhead``) and no idle engine.
- Latency: ``sequential`` sums layer and conversion times; ``pipelined`` reports the time
  per inference in steady state when consecutive inputs overlap on the two engines: the
  busier engine's time.
Engines that receive no layer are not built (no area, no leakage).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from dse import (
    Backend,
    Cost,
    DseInputError,
    LayerCost,
    NestedParamsError,
    Plugins,
    Technology,
    Workload,
)
from dse_hybrid.boundaries import ann_view, conversion, fed_operands, sources
from dse_hybrid.params import HybridParams

if TYPE_CHECKING:
    import polars as pl

    from dse import LayerBatch


class HybridBackend(Backend):
    name = "hybrid"
    description = "layers split between an ANN (systolic) engine and an SNN (event-driven) engine"
    Params = HybridParams

    def __init__(self) -> None:
        self._plugins: Plugins | None = None

    def attach(self, plugins: Plugins) -> None:
        self._plugins = plugins

    def _engine(self, name: str) -> Backend:
        if self._plugins is None:
            raise DseInputError("the hybrid backend is not attached to a plugin registry")
        return self._plugins.backend(name)

    def parse_params(self, raw: dict[str, Any]) -> HybridParams:
        params = HybridParams.model_validate(dict(raw))
        for prefix, backend_name, nested in (("ann.", params.ann_backend, params.ann),
                                             ("snn.", params.snn_backend, params.snn)):
            try:
                self._engine(backend_name).parse_params(nested)
            except ValidationError as error:
                raise NestedParamsError(prefix, error) from None
        return params

    def cost(self, workload: Workload, params: BaseModel, technology: Technology) -> Cost:
        assert isinstance(params, HybridParams)
        names = [layer.name for layer in workload.layers]
        try:
            engines = params.engines(names)
        except ValueError as error:
            raise DseInputError(str(error)) from None
        feeds = sources(workload)
        costs = self._engine_costs(workload, engines, feeds, params, technology)
        ann_clock = costs["ann"].clock_mhz if "ann" in costs else costs["snn"].clock_mhz
        areas = {engine: cost.area_mm2 for engine, cost in costs.items()}
        if params.memory == "shared" and len(costs) == 2:
            area = max(areas.values()) * (1 + params.shared_overhead)
        else:
            area = sum(areas.values())
        layers, busy = self._layers(workload, engines, feeds, costs, params, technology, ann_clock)
        if len(costs) == 1:  # one engine: its own latency, whatever overlap it models, in its own cycles
            cycles = next(iter(costs.values())).latency_cycles
        else:
            seconds = max(busy.values()) if params.schedule == "pipelined" else sum(busy.values())
            cycles = seconds * ann_clock * 1e6
        notes = tuple(n for cost in costs.values() for n in cost.notes)
        return Cost(layers=tuple(layers), latency_cycles=cycles, clock_mhz=ann_clock,
                    area_mm2=area, memory_fits=all(c.memory_fits for c in costs.values()), notes=notes)

    def cost_batch(self, workload: Workload, params: pl.DataFrame, technology: Technology) -> pl.DataFrame:
        """Many designs, each layer's engine a column (dse_hybrid.batch), chunk by chunk; ``cost``
        row by row."""
        from dse import in_chunks

        return in_chunks(lambda part: self.layer_batch(workload, part, technology).frame(), params,
                         by=self._chunk_keys(params))

    def _chunk_keys(self, params: pl.DataFrame) -> tuple[str, ...]:
        """Columns whose equal rows best share a chunk (dse.in_chunks' ``by``): the engines, each engine's
        own groups (``batch_groups``, prefixed), then the split, so that a chunk asks each engine for
        few groups and the ANN engine for few views."""
        keys = ["ann_backend", "snn_backend"]
        for prefix, column in (("ann.", "ann_backend"), ("snn.", "snn_backend")):
            names = params.get_column(column).unique().to_list() if column in params.columns else \
                [HybridParams.model_fields[column].default]
            for name in names:
                try:
                    keys += [prefix + key for key in self._engine(str(name)).batch_groups]
                except DseInputError:  # an unknown engine: its rows fail with their own message
                    continue
        return (*keys, "order", "split_after")

    def layer_batch(self, workload: Workload, params: pl.DataFrame, technology: Technology) -> LayerBatch:
        """Energy and cycles per layer of many designs (dse_hybrid.batch, imported on first use)."""
        from dse_hybrid.batch import hybrid_layer_batch

        return hybrid_layer_batch(self, self._engine, workload, params, technology)

    def _engine_costs(self, workload: Workload, engines: list[str], sources: list[tuple[int | None, ...]],
                      params: HybridParams, technology: Technology) -> dict[str, Cost]:
        """Each engine's cost of the whole workload (its per-layer costs are then picked)."""
        out: dict[str, Cost] = {}
        if "ann" in engines:
            ann = self._engine(params.ann_backend)
            out["ann"] = ann.cost(ann_view(workload, fed_operands(engines, sources)), ann.parse_params(params.ann), technology)
        if "snn" in engines:
            snn = self._engine(params.snn_backend)
            out["snn"] = snn.cost(workload, snn.parse_params(params.snn), technology)
        return out

    def _layers(self, workload: Workload, engines: list[str], sources: list[tuple[int | None, ...]], costs: dict[str, Cost],
                params: HybridParams, technology: Technology,
                clock_mhz: float) -> tuple[list[LayerCost], dict[str, float]]:
        """Per-layer costs tagged with their engine, conversion lines added; busy seconds per engine."""
        layers: list[LayerCost] = []
        busy = {engine: 0.0 for engine in costs}
        both = len(costs) == 2 and params.memory == "separate"
        for index, engine in enumerate(engines):
            own = costs[engine].layers[index]
            seconds = own.latency_cycles / (costs[engine].clock_mhz * 1e6)
            crossing = [(operand, source) for operand, source in enumerate(sources[index])
                        if source is not None and engines[source] != engine]
            extra, extra_cycles = conversion(workload, index, crossing, engine, params, technology)
            seconds += extra_cycles / (clock_mhz * 1e6)
            busy[engine] += seconds
            breakdown = {**own.breakdown, **extra}
            if both:
                idle = "snn" if engine == "ann" else "ann"
                breakdown["leakage_idle_engine"] = technology.leakage_energy(costs[idle].area_mm2, seconds)
            layers.append(own.model_copy(update={
                "engine": engine, "breakdown": breakdown, "latency_cycles": seconds * clock_mhz * 1e6,
            }))
        return layers, busy
