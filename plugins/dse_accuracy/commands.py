"""`dse accuracy WORKLOAD`: one accuracy-model call from the shell (knobs and params as NAME=VALUE)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from dse import DseInputError


def register(app: typer.Typer) -> None:
    app.command("accuracy")(accuracy_command)


def accuracy_command(
    ctx: typer.Context,
    workload: Annotated[str, typer.Argument(help="workload: YAML/JSON file, a model file a loader claims, or zoo:NAME")],
    model: Annotated[str, typer.Option("--model", "-m", help="accuracy model (table, digits-proxy, ...)")] = "table",
    knob: Annotated[list[str] | None, typer.Option(
        "--knob", "-k", help="NAME=VALUE: kind, timesteps, weight_bits, encoding, neuron, leak, split_after, order, seed"
    )] = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="NAME=VALUE of the model's parameters (e.g. path=points.csv, epochs=20)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Accuracy of a workload under some knobs, with where it came from and measured densities."""
    from pydantic import ValidationError

    from dse import context_plugins, describe_validation_error, load_workload

    plugins = context_plugins(ctx)
    accuracy_model = plugins.accuracy_model(model)
    try:
        params = accuracy_model.Params.model_validate(_pairs("--param", param))
    except ValidationError as error:
        raise DseInputError(describe_validation_error(error, "--param")) from None
    result = accuracy_model.accuracy(load_workload(workload, plugins), _pairs("--knob", knob), params)
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), indent=2))
        return
    typer.echo(f"accuracy {result.value:.4f}  ({result.source})")
    typer.echo(f"seconds  {result.seconds:.2f}")
    for layer, (d_in, d_out) in (result.densities or {}).items():
        typer.echo(f"  {layer}: input density {d_in:.4f}, output density {d_out:.4f} per step")


def _pairs(option: str, items: list[str] | None) -> dict[str, Any]:
    """``["a=1", "b=rate"]`` → ``{"a": 1, "b": "rate"}`` (values read as YAML scalars)."""
    import yaml

    out: dict[str, Any] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise DseInputError(f"{option}: expected NAME=VALUE (got '{item}')")
        out[name.strip()] = yaml.safe_load(value) if value.strip() else None
    return out
