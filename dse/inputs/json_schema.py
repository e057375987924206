"""JSON Schema of every input kind, and `dse validate`'s recognition of a file's kind."""

from __future__ import annotations

import functools
import operator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, create_model

from dse.errors import DseInputError
from dse.inputs.documents import DOCUMENT_SUFFIXES, load_workload, read_document, validate_document
from dse.plugin.manager import Plugins
from dse.schema.architecture import Architecture
from dse.schema.technology import Technology
from dse.schema.workload import Workload

KINDS = ("workload", "architecture", "technology", "space")


def architecture_union(plugins: Plugins) -> Any:
    """Architecture as a union discriminated by ``backend`` over every registered backend."""
    members = []
    for name, backend in plugins.backends.items():
        tag: Any = Literal[name]  # a type made at run time: one literal per registered backend
        members.append(create_model(
            f"Architecture_{name.replace('-', '_')}",
            __base__=Architecture,
            backend=(tag, Field(description=backend.description or name)),
            params=(backend.Params, Field(default_factory=backend.Params, description=f"{name} parameters")),
        ))
    if not members:
        return Architecture
    if len(members) == 1:
        return members[0]
    return Annotated[functools.reduce(operator.or_, members), Field(discriminator="backend")]


def json_schema(kind: str, plugins: Plugins) -> dict[str, Any]:
    if kind == "workload":
        return Workload.model_json_schema(by_alias=True)
    if kind == "technology":
        return Technology.model_json_schema()
    if kind == "architecture":
        return TypeAdapter(architecture_union(plugins)).json_schema()
    if kind == "space":
        from dse.schema.space import SearchSpace

        return SearchSpace.model_json_schema()
    raise DseInputError(f"schema: unknown kind '{kind}' (allowed: {', '.join(KINDS)})")


def validate_any(path: str, plugins: Plugins) -> str:
    """Check any input file; return a one-line summary of what it is."""
    if not path.lower().endswith(DOCUMENT_SUFFIXES):
        workload = load_workload(path, plugins)
        return f"{path}: ok (workload '{workload.name}', {len(workload.layers)} layers)"
    data = read_document(path)
    if "layers" in data:
        workload = validate_document(Workload, data, path)
        return f"{path}: ok (workload '{workload.name}', {len(workload.layers)} layers, {workload.macs:,} MACs/step)"
    if "backend" in data or "preset" in data:
        from dse.evaluation.evaluate import resolve
        from dse.inputs.documents import expand_preset

        if "preset" in data:
            data = expand_preset(data, plugins, path)
        design = resolve(validate_document(Architecture, data, path), plugins, path)
        return f"{path}: ok (architecture '{design.architecture.name}', backend {design.backend.name})"
    if "node_nm" in data:
        tech = validate_document(Technology, data, path)
        return f"{path}: ok (technology '{tech.name}', {tech.node_nm:g} nm)"
    if "objectives" in data or "backends" in data:
        from dse.inputs.space import load_space

        space = load_space(Path(path), plugins)
        return f"{path}: ok (space '{space.name}')"
    raise DseInputError(
        f"{path}: cannot tell the kind of file (a workload has 'layers', an architecture 'backend' or 'preset', "
        "a technology 'node_nm', a space 'objectives')"
    )
