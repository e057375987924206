"""What the literature backends share: layers costed one by one, run one after another."""

from __future__ import annotations

from abc import abstractmethod

from pydantic import BaseModel

from dse import (
    AddLayer,
    Backend,
    Conv2dLayer,
    Cost,
    DenseLayer,
    LayerCost,
    MatmulLayer,
    MulLayer,
    Technology,
    Workload,
)


class PerLayerBackend(Backend):
    """A backend whose layers run in sequence on one processing element, one event per cycle.

    The published models give energy only; latency here is their operation count at one per
    cycle (``params.clock_mhz``), and area is the SRAM holding the layers' footprint.
    """

    notes: tuple[str, ...] = ()  # what else a user of this model should know, printed with every cost

    @abstractmethod
    def layer_cost(self, layer, timesteps: int, params: BaseModel) -> LayerCost:
        """One layer over a whole inference."""

    def cost(self, workload: Workload, params: BaseModel, technology: Technology) -> Cost:
        layers = [self.layer_cost(layer, workload.timesteps, params) for layer in workload.layers]
        stored = sum(sum(lc.footprint_bits.values()) for lc in layers)
        return Cost(
            layers=tuple(layers),
            latency_cycles=sum(lc.latency_cycles for lc in layers),
            clock_mhz=params.clock_mhz,  # type: ignore[attr-defined]
            area_mm2=technology.sram_area(stored),
            notes=("latency: one operation per cycle on one PE; area: SRAM for the footprint only", *self.notes),
        )


def empty(layer) -> LayerCost:
    """A layer that costs nothing (flatten)."""
    return LayerCost(name=layer.name, kind=layer.kind, breakdown={}, latency_cycles=0.0)


def vector_operands(layer) -> int:
    """Input tensors a vector layer reads (2 for add and mul, else 1); 0 for a layer with weights
    (conv2d, dense), a matmul, or flatten. The published models cost no vector layers; these
    are charged as reads, ``elementwise_ops`` adds (a multiply or nonlinear evaluation counts as
    an add here, the models having no vector unit) and writes."""
    if isinstance(layer, (Conv2dLayer, DenseLayer, MatmulLayer)) or not layer.elementwise_ops:
        return 0
    return 2 if isinstance(layer, (AddLayer, MulLayer)) else 1
