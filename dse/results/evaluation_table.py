"""The evaluation table: `dse evaluate --out` rows, one per layer, in a fixed schema.

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
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from dse.results.provenance import config_hash
from dse.schema.architecture import Architecture
from dse.schema.cost import Cost
from dse.schema.technology import Technology
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


def evaluation_frame(workload: Workload, architecture: Architecture, cost: Cost) -> pl.DataFrame:
    """One row per layer in the fixed evaluation schema."""
    tech = architecture.technology
    tech_name = tech.name if isinstance(tech, Technology) else tech  # None: the installation's default
    digest = config_hash(workload, architecture)
    by_name = {layer.name: layer for layer in workload.layers}
    rows = []
    for index, lc in enumerate(cost.layers):
        layer = by_name.get(lc.name)
        rows.append({
            "workload": workload.name,
            "architecture": architecture.name,
            "backend": architecture.backend,
            "technology": tech_name,
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
