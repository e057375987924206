"""Parameters of the hybrid backend: two engines, which layers run where, and how they meet."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Engine = Literal["ann", "snn"]


class HybridParams(BaseModel):
    """A hybrid chip: an ANN engine and an SNN engine, each a registered backend."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    ann_backend: str = Field("systolic", description="registered backend that runs ANN layers")
    snn_backend: str = Field("snn", description="registered backend that runs SNN layers")
    ann: dict[str, Any] = Field(default_factory=dict, description="parameters of the ANN engine (its own model)")
    snn: dict[str, Any] = Field(default_factory=dict, description="parameters of the SNN engine (its own model)")
    split_after: int | None = Field(
        None, ge=0, description="the first k layers run on the first engine of `order`, the rest on the other"
    )
    order: Literal["ann_first", "snn_first"] = Field("ann_first", description="which engine takes the first layers")
    layer_map: dict[str, Engine] | None = Field(
        None, description="explicit {layer: ann|snn}; unlisted layers follow the layer before (the first: ann)"
    )
    encoding: Literal["rate", "direct"] = Field(
        "rate", description="ANN->SNN boundary: rate (T Bernoulli spike draws per activation) or direct "
        "(the first SNN layer takes analog values and multiplies)"
    )
    memory: Literal["separate", "shared"] = Field(
        "separate", description="separate SRAMs and arrays (areas add) or one shared pool and MAC/AC array"
    )
    shared_overhead: float = Field(
        0.1, ge=0.0, le=1.0,
        description="area added to the larger engine when memory is shared (fraction): MAC/AC mode muxes and "
        "wider SRAM ports; an assumption to set, no published figure is built in",
    )
    schedule: Literal["sequential", "pipelined"] = Field(
        "sequential", description="sequential: one inference at a time; pipelined: consecutive inputs overlap "
        "on the two engines (time per inference = the busier engine)"
    )
    converter_lanes: int = Field(16, ge=1, description="encoder/decoder lanes working in parallel (values per cycle)")
    lfsr_bits: int = Field(16, ge=2, le=64, description="width of the pseudo-random generator of the rate encoder (bits)")

    @model_validator(mode="after")
    def _one_assignment(self) -> HybridParams:
        if self.split_after is not None and self.layer_map is not None:
            raise ValueError("set either split_after or layer_map, not both")
        return self

    def engines(self, layer_names: list[str]) -> list[Engine]:
        """The engine of every layer, in order; raises ValueError naming a bad assignment."""
        if self.layer_map is not None:
            unknown = sorted(set(self.layer_map) - set(layer_names))
            if unknown:
                raise ValueError(
                    f"params.layer_map: names no layer {', '.join(repr(u) for u in unknown)} "
                    f"(layers: {', '.join(layer_names)})"
                )
            out: list[Engine] = []
            for name in layer_names:
                out.append(self.layer_map.get(name, out[-1] if out else "ann"))
            return out
        first, second = ("ann", "snn") if self.order == "ann_first" else ("snn", "ann")
        split = len(layer_names) if self.split_after is None else self.split_after
        if split > len(layer_names):
            raise ValueError(
                f"params.split_after: {split} is beyond the last layer (the workload has {len(layer_names)} "
                f"layers; allowed 0 to {len(layer_names)})"
            )
        return [first if index < split else second for index in range(len(layer_names))]  # type: ignore[misc]
