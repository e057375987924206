"""Results as polars frames and Parquet files with a fixed core schema.

Evaluation frames have one row per layer with these columns (units in the names):

==================  =======  ==============================================================
column              type     meaning
==================  =======  ==============================================================
workload            str      workload name
architecture        str      design name
backend             str      backend name
technology          str      technology name
config_hash         str      sha256 (16 hex) of the architecture and workload, canonical JSON
layer_index         int      position of the layer
layer               str      layer name
kind                str      conv2d, dense, pool, add, flatten
engine              str      engine that ran the layer (hybrids), else null
macs                int      dense multiply-accumulates per time step
synops              float    effective synaptic operations per inference (NeuroBench)
energy_pj           float    layer energy per inference (pJ)
latency_cycles      float    cycles the layer occupies its engine
utilization         float    busy fraction of the compute units, or null
breakdown_json      str      {component: pJ}, sums to energy_pj
counts_json         str      {count name: number}
design_latency_s    float    latency of the whole inference (s)
design_area_mm2     float    chip area (mm²)
==================  =======  ==============================================================

Files are written to a temporary file in the target directory and renamed, so a reader
never sees half a file and a failed write leaves any earlier file as it was. Key-value
metadata records the dse version, plugin versions and the hashes of the inputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from dse.schema.architecture import Architecture
from dse.schema.cost import Cost
from dse.schema.workload import Workload

EVALUATION_SCHEMA: dict[str, Any] = {
    "workload": pl.String,
    "architecture": pl.String,
    "backend": pl.String,
    "technology": pl.String,
    "config_hash": pl.String,
    "layer_index": pl.Int64,
    "layer": pl.String,
    "kind": pl.String,
    "engine": pl.String,
    "macs": pl.Int64,
    "synops": pl.Float64,
    "energy_pj": pl.Float64,
    "latency_cycles": pl.Float64,
    "utilization": pl.Float64,
    "breakdown_json": pl.String,
    "counts_json": pl.String,
    "design_latency_s": pl.Float64,
    "design_area_mm2": pl.Float64,
}


def config_hash(*parts: Any) -> str:
    """A short, stable hash of JSON-able inputs (canonical JSON, sha256, 16 hex digits)."""
    text = json.dumps(parts, sort_keys=True, default=_jsonable, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True)
    return str(value)


def evaluation_frame(workload: Workload, architecture: Architecture, cost: Cost) -> pl.DataFrame:
    """One row per layer in the fixed evaluation schema."""
    tech = architecture.technology if isinstance(architecture.technology, str) else architecture.technology.name
    digest = config_hash(workload, architecture)
    by_name = {layer.name: layer for layer in workload.layers}
    rows = []
    for index, lc in enumerate(cost.layers):
        layer = by_name.get(lc.name)
        rows.append({
            "workload": workload.name,
            "architecture": architecture.name,
            "backend": architecture.backend,
            "technology": tech,
            "config_hash": digest,
            "layer_index": index,
            "layer": lc.name,
            "kind": lc.kind,
            "engine": lc.engine,
            "macs": layer.macs if layer is not None else 0,
            "synops": layer.synops(workload.timesteps) if layer is not None else 0.0,
            "energy_pj": lc.energy_pj,
            "latency_cycles": lc.latency_cycles,
            "utilization": lc.utilization,
            "breakdown_json": json.dumps(lc.breakdown, sort_keys=True),
            "counts_json": json.dumps(lc.counts, sort_keys=True),
            "design_latency_s": cost.latency_s,
            "design_area_mm2": cost.area_mm2,
        })
    return pl.DataFrame(rows, schema=EVALUATION_SCHEMA)


def provenance(inputs: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Key-value metadata: dse and plugin versions, and hashes of the inputs."""
    from importlib import metadata

    from dse import __version__

    versions: dict[str, str] = {}
    for ep in metadata.entry_points(group="dse"):
        if ep.dist is not None:
            versions[ep.name] = f"{ep.dist.name} {ep.dist.version}"
    meta = {"dse_version": __version__, "dse_plugins": json.dumps(versions, sort_keys=True)}
    for key, value in (inputs or {}).items():
        meta[f"input_hash.{key}"] = config_hash(value)
    return meta


def _umask_mode() -> int:
    """The mode a plain ``open()`` would give a new file (0666 minus the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_parquet_atomic(frame: pl.DataFrame, path: str | Path, metadata: Mapping[str, str] | None = None) -> Path:
    """Write ``frame`` to ``path`` via a temporary file in the same directory and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        frame.write_parquet(tmp, metadata=dict(metadata or {}))
        os.chmod(tmp, _umask_mode())  # mkstemp makes 0600; results are for others to read too
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_bytes_atomic(data: bytes, path: str | Path) -> Path:
    """Write any file (plots, HTML) atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
