"""`dse evaluate`: one workload on one architecture, layer by layer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from dse.cli.context import ACTIVITY_HELP, context_plugins, echo_json
from dse.errors import DseInputError


def evaluate_command(
    ctx: typer.Context,
    workload: Annotated[str, typer.Argument(help="workload: YAML/JSON file, a model file a loader claims, or zoo:NAME")],
    architecture: Annotated[Path, typer.Argument(help="architecture YAML/JSON file")],
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="also write per-layer rows to this Parquet file")] = None,
    activity: Annotated[Path | None, typer.Option("--activity", help=ACTIVITY_HELP)] = None,
) -> None:
    """Cost one workload on one architecture, layer by layer."""
    from dse.cli.evaluation_output import evaluation_document, print_evaluation
    from dse.evaluation.evaluate import evaluate, resolve
    from dse.inputs.documents import load_architecture, load_measured_workload

    plugins = context_plugins(ctx)
    wl = load_measured_workload(workload, plugins, activity)
    arch = load_architecture(architecture, plugins)
    design = resolve(arch, plugins, str(architecture))
    cost = evaluate(wl, design, str(architecture))
    if out is not None:
        from dse.results.atomic import write_parquet_atomic
        from dse.results.evaluation_table import evaluation_frame
        from dse.results.provenance import provenance

        if out.suffix.lower() != ".parquet":
            raise DseInputError(f"{out}: --out must name a .parquet file")
        meta = provenance({"workload": wl, "architecture": arch}) | {"dse.architecture": json.dumps({
            **arch.model_dump(mode="json", by_alias=True), "params": design.params.model_dump(mode="json"),
            "technology": design.technology.model_dump(mode="json", by_alias=True), "file": str(architecture)})}
        write_parquet_atomic(evaluation_frame(wl, arch, cost), out, meta)
    if as_json:
        echo_json(evaluation_document(wl, arch, cost))
    else:
        print_evaluation(wl, arch, design.technology.name, cost)
