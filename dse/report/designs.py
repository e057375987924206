"""The designs a report looks into, and their per-layer costs recomputed from a run's rows.

Chosen on the front: the best design for each objective (and the lowest-energy one when
energy is not an objective), and the knee, taken as the compromise solution of compromise programming (Zeleny, "Compromise programming", 1973):
the front point nearest the ideal point in Euclidean distance after each objective is
scaled to [0, 1] over the front. A design that is chosen twice is shown once, with both roles.

A trial row stores totals only, so its layers are recomputed through the normal path: the
space's workload with the trial's knobs (:func:`dse.evaluation.batch.apply_knobs`; densities an
accuracy model measured replace the workload's, as in the run), the trial's backend,
technology and parameters (``params_json``) resolved and checked by the backend's own
model (:func:`dse.evaluation.evaluate.resolve`), then :func:`dse.evaluation.evaluate.evaluate`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from dse.errors import DseInputError
from dse.evaluation.batch import apply_knobs
from dse.evaluation.evaluate import evaluate, resolve
from dse.inputs.documents import load_measured_workload
from dse.plugin.manager import Plugins
from dse.plugin.types import unflatten
from dse.results.pareto import objective_matrix
from dse.schema.architecture import Architecture
from dse.schema.cost import Cost
from dse.schema.space import Objectives, SearchSpace, accuracy_knob
from dse.schema.workload import Workload


@dataclass(frozen=True)
class Chosen:
    """A front design and why it was chosen (``best energy_pj``, ``knee``...)."""

    roles: tuple[str, ...]
    row: dict[str, Any]

    @property
    def label(self) -> str:
        return ", ".join(self.roles)

    @property
    def key(self) -> str:
        """``STUDY#TRIAL`` (the row's identity in the run)."""
        return f"{self.row.get('study')}#{self.row.get('trial')}"


def knee_index(points: np.ndarray) -> int:
    """Row of ``points`` (n × m, minimised) nearest the ideal point after min–max scaling."""
    low, high = points.min(axis=0), points.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    return int(np.argmin(np.linalg.norm((points - low) / span, axis=1)))


def choose(front: pl.DataFrame, objectives: Objectives) -> list[Chosen]:
    """The best front design per objective, then the knee (two objectives or more), then the
    front's lowest-energy design when energy is not an objective (its breakdown is the point)."""
    if front.height == 0:
        return []
    points = objective_matrix(front, objectives)
    picks: dict[int, list[str]] = {}
    for j, (name, direction) in enumerate(objectives.items()):
        word = "max" if direction == "maximize" else "min"
        picks.setdefault(int(np.argmin(points[:, j])), []).append(f"{word} {name}")
    if len(objectives) >= 2:
        picks.setdefault(knee_index(points), []).append("knee")
    if "energy_pj" not in objectives and "energy_pj" in front.columns:
        energy = front["energy_pj"].cast(pl.Float64).fill_null(float("nan")).to_numpy()
        if np.isfinite(energy).any():
            picks.setdefault(int(np.nanargmin(energy)), []).append("min energy_pj")
    rows = front.to_dicts()
    return [Chosen(tuple(roles), rows[i]) for i, roles in picks.items()]


class Recomputer:
    """Recomputes trial rows of one run (its space and workload loaded once)."""

    def __init__(self, space: SearchSpace, plugins: Plugins, activity: Path | None = None) -> None:
        self.space = space
        self.plugins = plugins
        self.activity = activity  # measured densities for the space's workload, as the run had them
        self._workload: Workload | None = None

    def workload(self) -> Workload:
        if self._workload is None:
            try:
                self._workload = load_measured_workload(self.space.workload, self.plugins, self.activity)
            except DseInputError as error:
                raise DseInputError(f"space workload: {error}") from None
        return self._workload

    def cost(self, row: Mapping[str, Any]) -> Cost:
        """The cost of the trial ``row`` (columns of dse.results.trials), layer by layer."""
        source = f"trial {row.get('study')}#{row.get('trial')}"
        knobs = json.loads(row.get("knobs_json") or "{}")
        try:
            workload = apply_knobs(self.workload(), knobs)
        except ValueError as error:
            raise DseInputError(f"{source}: knobs: {error}") from None
        workload = self._measured(workload, knobs, source)
        architecture = Architecture(backend=row["backend"], name=source, technology=row["technology"],
                                    params=unflatten(json.loads(row.get("params_json") or "{}")))
        return evaluate(workload, resolve(architecture, self.plugins, source), source)

    def _measured(self, workload: Workload, knobs: dict[str, Any], source: str) -> Workload:
        """``workload`` with the densities the space's accuracy model measured, if it has one."""
        spec = self.space.accuracy
        if spec is None:
            return workload
        model = self.plugins.accuracy_model(spec.model)
        try:
            score = model.accuracy(workload, {k: v for k, v in knobs.items() if accuracy_knob(k)},
                                   model.Params.model_validate(spec.params))
        except Exception as error:  # noqa: BLE001 - the accuracy model is a plugin: any failure is one line
            raise DseInputError(f"{source}: accuracy model '{spec.model}': {type(error).__name__}: {error}") from None
        if not score.densities:
            return workload
        return workload.with_knobs(densities=score.densities)
