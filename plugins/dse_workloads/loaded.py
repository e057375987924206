"""What a loader produced: a workload, where each density came from, and what to warn about.

Loaders fill a :class:`Draft` layer by layer (plain dicts in the Workload schema), saying
for each layer what its outputs are (spikes, ReLU, analog, derived); :meth:`Draft.build`
validates the workload and sets every density through :func:`densities.propagate`.
Warnings go to the ``dse.workloads`` logger: with no logging set up, Python prints each one
as one line on stderr.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from dse import DseInputError, Workload, validate_document
from dse_workloads.densities import Density, Emits, Resolved, propagate

log = logging.getLogger("dse.workloads")


@dataclass(frozen=True)
class Loaded:
    """A workload read from ``ref`` with its density sources and warnings."""

    ref: str
    resolved: Resolved
    emits: Mapping[str, Emits] | None  # None: densities as given in a workload file, not propagated
    network_input: Density
    timesteps_source: str
    notes: tuple[str, ...] = ()

    @property
    def workload(self) -> Workload:
        return self.resolved.workload

    def warnings(self) -> list[str]:
        """One line each: uncosted ops, recovered defaults, and the layers left on default densities."""
        lines = list(self.notes)
        defaulted = self.resolved.defaulted()
        if defaulted:
            shown = ", ".join(defaulted[:4]) + (f" and {len(defaulted) - 4} more" if len(defaulted) > 4 else "")
            lines.append(
                f"{self.ref}: default densities for {len(defaulted)} of {len(self.workload.layers)} layers "
                f"({shown}); give measured ones with --activity FILE"
            )
        if self.timesteps_source.startswith("default"):
            lines.append(f"{self.ref}: time steps T={self.workload.timesteps} ({self.timesteps_source})")
        return lines

    def emit_warnings(self) -> None:
        for line in self.warnings():
            log.warning("warning: %s", line)

    def remeasured(
        self, measured: Mapping[str, tuple[Density | None, Density | None]], timesteps: int | None, source: str
    ) -> Loaded:
        """A copy with measured densities (and time steps) replacing defaults; the rest re-propagated."""
        workload = self.workload if timesteps is None else self.workload.with_knobs(timesteps=timesteps)
        if self.emits is not None:
            resolved = propagate(workload, self.emits, self.network_input, measured)
        else:
            resolved = _overridden(self.resolved, workload, measured)
        return replace(self, resolved=resolved, timesteps_source=self.timesteps_source if timesteps is None else source)


def given(workload: Workload, ref: str) -> Loaded:
    """A workload read elsewhere (a YAML file, another plugin's loader): densities as it gives them.

    A density the file leaves out is labelled a default (the schema's), not "as given".
    """
    source = f"as given in {ref}"
    default = f"default: 1.0, the schema's ({ref} gives none)"
    inputs = [source if "input_density" in layer.model_fields_set else default for layer in workload.layers]
    # an output density the file leaves out is its reader's input density (the next layer's, or the
    # last layer's own); the validated workload no longer tells the two apart, so the reader's label stands
    sources = {layer.name: (inputs[i], inputs[min(i + 1, len(inputs) - 1)]) for i, layer in enumerate(workload.layers)}
    network_input = Density(workload.layers[0].input_density, inputs[0])
    timesteps = "as given" if "timesteps" in workload.model_fields_set else "schema default"
    return Loaded(ref, Resolved(workload, sources), None, network_input, f"{timesteps} in {ref}")


def _overridden(
    resolved: Resolved, workload: Workload, measured: Mapping[str, tuple[Density | None, Density | None]]
) -> Resolved:
    """Measured densities set on the layers they name; no propagation (the file's values stand)."""
    sources = dict(resolved.sources)
    densities: dict[str, tuple[float | None, float | None]] = {}
    for name, (d_in, d_out) in measured.items():
        densities[name] = (d_in.value if d_in else None, d_out.value if d_out else None)
        old_in, old_out = sources[name]
        sources[name] = (d_in.source if d_in else old_in, d_out.source if d_out else old_out)
    return Resolved(workload.with_knobs(densities=densities), sources)


class Draft:
    """Layers under construction, as Workload-schema dicts, with what each emits."""

    def __init__(self, ref: str) -> None:
        self.ref = ref
        self.layers: list[dict[str, Any]] = []
        self.emits: dict[str, Emits] = {}
        self.notes: list[str] = []

    def add(self, layer: dict[str, Any], emits: Emits) -> str:
        """Append a layer (its name made unique); returns the name used."""
        base = layer["name"] or layer["kind"]
        name, n = base, 1
        taken = {existing["name"] for existing in self.layers} | {"input"}
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        self.layers.append({**layer, "name": name})
        self.emits[name] = emits
        return name

    def layer(self, name: str) -> dict[str, Any]:
        return next(layer for layer in self.layers if layer["name"] == name)

    def set_emits(self, name: str, emits: Emits) -> None:
        self.emits[name] = emits

    def build(
        self,
        name: str,
        network_input: Density,
        *,
        timesteps: int = 1,
        timesteps_source: str = "one pass (ANN)",
        input_shape: tuple[int, ...] | None = None,
        measured: Mapping[str, tuple[Density | None, Density | None]] | None = None,
    ) -> Loaded:
        """The validated workload with densities propagated from ``network_input``."""
        if not self.layers:
            raise DseInputError(
                f"{self.ref}: no layer that dse can cost (conv, dense, pooling, add, flatten) was found"
            )
        doc: dict[str, Any] = {"name": name, "timesteps": timesteps, "layers": self.layers}
        if input_shape is not None:
            doc["input_shape"] = list(input_shape)
        workload = validate_document(Workload, doc, self.ref)
        resolved = propagate(workload, self.emits, network_input, measured)
        return Loaded(self.ref, resolved, dict(self.emits), network_input, timesteps_source, tuple(self.notes))

