"""A toy dse backend: energy = MACs × pJ per MAC + weight bytes × pJ per byte.

The constants are made up for illustration (this backend models no chip); a real plugin
cites a source for each.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

import dse


class ToyParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pj_per_mac: float = Field(1.0, gt=0, description="energy per effective MAC (pJ)")
    pj_per_weight_byte: float = Field(10.0, ge=0, description="energy per weight byte fetched once (pJ)")
    macs_per_cycle: int = Field(64, ge=1, description="MACs per cycle")
    clock_mhz: float = Field(200.0, gt=0, description="clock (MHz)")


class ToyBackend(dse.Backend):
    name = "toy-mac"
    description = "toy: fixed pJ per MAC and per weight byte (example plugin)"
    Params = ToyParams

    def cost(self, workload: dse.Workload, params: ToyParams, technology: dse.Technology) -> dse.Cost:
        layers = []
        for layer in workload.layers:
            macs = layer.synops(workload.timesteps)
            weight_bytes = layer.weight_footprint_bits / 8
            layers.append(dse.LayerCost(
                name=layer.name,
                kind=layer.kind,
                breakdown={"compute": macs * params.pj_per_mac, "weights": weight_bytes * params.pj_per_weight_byte},
                latency_cycles=macs / params.macs_per_cycle,
                counts={"macs": macs, "weight_bytes": weight_bytes},
            ))
        return dse.Cost(layers=tuple(layers), latency_cycles=sum(l.latency_cycles for l in layers),
                        clock_mhz=params.clock_mhz, area_mm2=0.0)


@dse.hookimpl
def dse_register_backends(register: Callable[[dse.Backend], None]) -> None:
    register(ToyBackend())
