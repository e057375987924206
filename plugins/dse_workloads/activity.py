"""Measured activity: per-layer input and output densities from a CSV, Parquet or JSON file.

Densities are fractions of non-zero values per time step (spikes per neuron and step for
an SNN). A file gives them per time step or as means:

- CSV / Parquet: columns ``layer`` and ``input_density`` and/or ``output_density``, and
  optionally ``timestep``; rows of one layer are averaged and the number of distinct time
  steps sets the workload's T.
- JSON: ``{"timesteps": T, "layers": {"conv1": {"input_density": 0.1, "output_density":
  [0.2, 0.1, ...]}}}`` (``timesteps`` optional; a list is one value per time step and its
  length sets T; the top level may also be the layer mapping itself).

A layer not in the file keeps its density, except that a measured output density becomes
the input density of the layers that read it when they have none measured.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dse import DseInputError, Workload
from dse_workloads.densities import Density

FIELDS = ("input_density", "output_density")


@dataclass(frozen=True)
class Activity:
    """Measured (input, output) densities by layer, the time steps they cover, and the file."""

    path: str
    layers: dict[str, tuple[float | None, float | None]]
    timesteps: int | None

    @property
    def source(self) -> str:
        steps = f", mean of {self.timesteps} time steps" if self.timesteps else ""
        return f"measured: {self.path}{steps}"

    def measured(self) -> dict[str, tuple[Density | None, Density | None]]:
        def wrap(value: float | None) -> Density | None:
            return None if value is None else Density(value, self.source)

        return {name: (wrap(d_in), wrap(d_out)) for name, (d_in, d_out) in self.layers.items()}

    def check_names(self, workload: Workload) -> None:
        known = [layer.name for layer in workload.layers]
        unknown = [name for name in self.layers if name not in known]
        if unknown:
            raise DseInputError(f"{self.path}: layer '{unknown[0]}' is not in workload '{workload.name}' "
                                f"(layers: {', '.join(known)})")


def read_activity(path: str | Path) -> Activity:
    """An activity file by suffix: .csv, .parquet or .json."""
    path = Path(path)
    if not path.exists():
        raise DseInputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _from_json(path)
    if suffix in (".csv", ".parquet"):
        return _from_table(path)
    raise DseInputError(f"{path}: activity files are .csv, .parquet or .json")


def _from_table(path: Path) -> Activity:
    import polars as pl

    try:
        frame = pl.read_csv(path) if path.suffix.lower() == ".csv" else pl.read_parquet(path)
    except Exception as error:  # noqa: BLE001 - any reader error is a bad file
        raise DseInputError(f"{path}: cannot be read as a table ({type(error).__name__})") from None
    if "layer" not in frame.columns or not any(f in frame.columns for f in FIELDS):
        raise DseInputError(f"{path}: needs a 'layer' column and 'input_density' and/or 'output_density' "
                            f"(got {', '.join(frame.columns)})")
    present = [f for f in FIELDS if f in frame.columns]
    for column in present:
        if not frame[column].dtype.is_numeric():
            raise DseInputError(f"{path}: column '{column}' must hold numbers in [0, 1]")
    timesteps = frame["timestep"].n_unique() if "timestep" in frame.columns else None
    means = frame.group_by("layer", maintain_order=True).agg([pl.col(c).mean() for c in present])
    layers: dict[str, tuple[float | None, float | None]] = {}
    for row in means.iter_rows(named=True):
        values = tuple(_density(path, row["layer"], f, row.get(f)) for f in FIELDS)
        layers[str(row["layer"])] = values  # type: ignore[assignment]
    return _checked(path, layers, timesteps)


def _from_json(path: Path) -> Activity:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DseInputError(f"{path}: malformed JSON ({type(error).__name__})") from None
    if not isinstance(data, dict):
        raise DseInputError(f"{path}: expected a mapping of layer names")
    timesteps = data.get("timesteps")
    mapping = data["layers"] if "layers" in data else {k: v for k, v in data.items() if k != "timesteps"}
    if not isinstance(mapping, dict):
        raise DseInputError(f"{path}: layers: expected a mapping of layer names to densities")
    layers: dict[str, tuple[float | None, float | None]] = {}
    steps: set[int] = set()
    for name, entry in mapping.items():
        if not isinstance(entry, dict) or not any(f in entry for f in FIELDS):
            raise DseInputError(f"{path}: layers.{name}: expected input_density and/or output_density")
        values = []
        for field in FIELDS:
            value = entry.get(field)
            if isinstance(value, list):
                steps.add(len(value))
                value = sum(value) / len(value) if value and all(isinstance(v, (int, float)) for v in value) \
                    else "not a list of numbers"
            values.append(_density(path, name, field, value))
        layers[name] = (values[0], values[1])
    if len(steps) > 1:
        raise DseInputError(f"{path}: per-step lists have different lengths {sorted(steps)}")
    if timesteps is None and steps:
        timesteps = steps.pop()
    if timesteps is not None and (not isinstance(timesteps, int) or timesteps < 1):
        raise DseInputError(f"{path}: timesteps: expected a positive integer (got {timesteps!r})")
    return _checked(path, layers, timesteps)


def _density(path: Path, layer: Any, field: str, value: Any) -> float | None:
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
        raise DseInputError(f"{path}: {layer}.{field}: a density is a number in [0, 1] (got {value!r})")
    return float(value)


def _checked(path: Path, layers: dict[str, tuple[float | None, float | None]], timesteps: int | None) -> Activity:
    if not layers:
        raise DseInputError(f"{path}: no layer densities in the file")
    return Activity(str(path), layers, timesteps)
