"""The knobs every dse accuracy model understands, their defaults and their canonical form.

A knob set is a flat mapping of these names (anything else is refused with one line):

===============  ==========================  ==================================================
knob             values                      meaning
===============  ==========================  ==================================================
``kind``         ``ann`` | ``snn`` |         the network type. Default: from the workload's
                 ``hybrid``                  neuron models (none spiking: ann, all: snn, else
                                             hybrid).
``timesteps``    int ≥ 1                     time steps per inference (T). Default: the
                                             workload's ``timesteps``. Always 1 for an ANN.
``weight_bits``  int 2..32                   weight width (bits), symmetric per-tensor uniform
                                             quantisation; 32 means float (no quantisation).
                                             Default: the workload's first weighted layer.
``encoding``     ``rate`` | ``direct``       how analog values enter the first spiking layer:
                                             ``rate`` Bernoulli spikes with probability
                                             = value (pixels/16 for the network input),
                                             ``direct`` the analog value as input current at
                                             every step (that layer then does MACs). Default
                                             rate. Not used by an ANN.
``neuron``       ``IF`` | ``LIF``            spiking neuron model. Default: the workload's first
                                             spiking layer (LIF if it is neither). Not used by
                                             an ANN.
``leak``         0 < beta < 1                LIF membrane decay per step. Default: the
                                             workload's LIF leak if below 1, else 0.9
                                             (accuracy_digits.md). Only for LIF.
``split_after``  int, 1 ≤ k < layers         hybrids: the first k workload layers run as ANN,
                                             the rest spike (``order: snn_first`` swaps the
                                             two). Default: the workload's own split when its
                                             neuron models are mixed. Only for hybrids.
``order``        ``ann_first`` |             hybrids: which part comes first (the hybrid
                 ``snn_first``               backend's ``order``). Default ann_first.
``seed``         int ≥ 0                     training seed. Default 0.
===============  ==========================  ==================================================

Canonical form: knobs that a network type does not use are dropped (set to None) and an
ANN's ``timesteps`` is 1, so that an ANN sampled with T = 4 and one sampled with T = 8 are
the same point for tables and caches alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dse import DseInputError, Workload, describe_validation_error

#: LIF decay used when the workload gives none: snnTorch's beta in accuracy_digits.md.
DEFAULT_LEAK = 0.9

#: Width that means "not quantised" (float32 weights).
FLOAT_BITS = 32

Kind = Literal["ann", "snn", "hybrid"]


class Knobs(BaseModel):
    """One resolved, canonical knob set (see the module docstring for each knob)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    kind: Kind
    timesteps: int = Field(ge=1, le=4096, description="time steps per inference")
    weight_bits: int = Field(ge=2, le=FLOAT_BITS, description="weight width (bits); 32 = float")
    encoding: Literal["rate", "direct"] | None = None
    neuron: Literal["IF", "LIF"] | None = None
    leak: float | None = Field(None, gt=0.0, lt=1.0, description="LIF decay per step (beta)")
    split_after: int | None = Field(None, ge=1, description="hybrids: layers in the first part")
    order: Literal["ann_first", "snn_first"] | None = None
    seed: int = Field(0, ge=0, description="training seed")

    @property
    def spiking(self) -> bool:
        return self.kind != "ann"

    def label(self, seed: bool = True) -> str:
        """A short human-readable form: ``snn T=8 w4 rate LIF(0.9) seed 0``."""
        bits = "fp32" if self.weight_bits >= FLOAT_BITS else f"w{self.weight_bits}"
        parts = [self.kind]
        if self.spiking:
            neuron = f"LIF({self.leak:g})" if self.neuron == "LIF" else str(self.neuron)
            parts += [f"T={self.timesteps}", bits, str(self.encoding), neuron]
        else:
            parts.append(bits)
        if self.kind == "hybrid":
            parts.append(f"{self.order} split {self.split_after}")
        return " ".join(parts + ([f"seed {self.seed}"] if seed else []))


KNOB_NAMES: tuple[str, ...] = tuple(Knobs.model_fields)


def resolve_knobs(workload: Workload, raw: Mapping[str, Any]) -> Knobs:
    """The canonical knobs for ``workload``: given values, workload defaults, then fixed ones.

    Raises DseInputError (one line: ``knobs: FIELD: what is allowed``) for an unknown knob,
    a value out of range, or a hybrid split that does not fit the workload.
    """
    unknown = sorted(set(raw) - set(KNOB_NAMES))
    if unknown:
        raise DseInputError(f"knobs: {unknown[0]}: unknown knob (known: {', '.join(KNOB_NAMES)})")
    values = {**_workload_defaults(workload), **{k: v for k, v in raw.items() if v is not None}}
    values.setdefault("encoding", "rate")
    values.setdefault("order", "ann_first")
    values = _canonical(values)
    try:
        knobs = Knobs.model_validate(values)
    except ValidationError as error:
        raise DseInputError(describe_validation_error(error, "knobs")) from None
    _check_split(workload, knobs)
    return knobs


def _workload_defaults(workload: Workload) -> dict[str, Any]:
    weighted = [layer for layer in workload.layers if layer.kind in ("dense", "conv2d")]
    spiking = [layer for layer in weighted if layer.neuron.spiking]
    defaults: dict[str, Any] = {"timesteps": workload.timesteps, "seed": 0}
    if weighted:
        defaults["weight_bits"] = min(weighted[0].weight_bits, FLOAT_BITS)
    if not spiking:
        defaults["kind"] = "ann"
    elif len(spiking) == len(weighted):
        defaults["kind"] = "snn"
    else:
        defaults["kind"] = "hybrid"
        defaults.update(_workload_split(workload))
    first = spiking[0].neuron if spiking else None
    defaults["neuron"] = first.model if first is not None and first.model in ("IF", "LIF") else "LIF"
    defaults["leak"] = first.leak if first is not None and first.model == "LIF" and first.leak < 1 else DEFAULT_LEAK
    return defaults


def _workload_split(workload: Workload) -> dict[str, Any]:
    """The split of a workload whose weighted layers change neuron type once, if they do.

    ``split_after`` counts all workload layers (pool and flatten too), as the hybrid backend does.
    """
    weighted = [(i, layer.neuron.spiking) for i, layer in enumerate(workload.layers)
                if layer.kind in ("dense", "conv2d")]
    first = weighted[0][1]
    second = [i for i, flag in weighted if flag != first]
    if any(flag == first for i, flag in weighted if i > second[0]):
        return {}
    return {"split_after": second[0], "order": "snn_first" if first else "ann_first"}


def _canonical(values: dict[str, Any]) -> dict[str, Any]:
    kind = values.get("kind")
    if kind == "ann":
        values.update(timesteps=1, encoding=None, neuron=None, leak=None, split_after=None, order=None)
    elif kind == "snn":
        values.update(split_after=None, order=None)
    if values.get("neuron") != "LIF":
        values["leak"] = None
    return values


def _check_split(workload: Workload, knobs: Knobs) -> None:
    if knobs.kind != "hybrid":
        return
    last = len(workload.layers) - 1
    if knobs.split_after is None:
        raise DseInputError(f"knobs: split_after: a hybrid needs split_after between 1 and {last}")
    if knobs.split_after > last:
        raise DseInputError(
            f"knobs: split_after: must be between 1 and {last} for the {last + 1}-layer workload "
            f"'{workload.name}' (got {knobs.split_after})"
        )
