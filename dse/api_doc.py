"""docs/api.md, generated from the docstrings of the names in ``dse.__all__``.

    python -m dse.api_doc > docs/api.md

A test fails when the file and the generated text differ, so the page cannot go stale.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Iterable
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

#: Sections of the page, in order, and the public names in each.
SECTIONS: dict[str, tuple[str, ...]] = {
    "Plugin base classes and hooks": (
        "hookimpl", "DSE_PLUGIN_API", "Backend", "WorkloadLoader", "AccuracyModel", "Accuracy",
        "BATCH_COLUMNS", "batch_schema", "unflatten", "LayerBatch", "in_chunks", "Plugins", "make_plugins",
    ),
    "Workloads": (
        "Workload", "Conv2dLayer", "DenseLayer", "PoolLayer", "AddLayer", "FlattenLayer", "MatmulLayer",
        "SoftmaxLayer", "LayerNormLayer", "MulLayer", "ActivationLayer", "ReduceLayer", "VECTOR_OP_TYPES",
        "Neuron", "as_pair",
    ),
    "Architectures, technologies and costs": (
        "Architecture", "Preset", "Technology", "scale_technology", "Cost", "LayerCost",
    ),
    "Inputs and errors": (
        "load_workload", "validate_document", "DseInputError", "ModelUnavailable", "NestedParamsError", "describe_validation_error",
        "install_hint",
    ),
    "Results and commands": (
        "provenance", "installed_versions", "output_directory", "write_bytes_atomic", "write_parquet_atomic", "context_plugins", "echo_json",
    ),
}

_HEADER = """# The public API

Everything a plugin may import from `dse` (`dse.__all__`), and nothing more: a test fails
when a built-in plugin imports any other `dse` name. The plugin author's kit is in
`dse.testing` (docs/plugins.md). Units: energy in pJ, time in cycles and seconds, area in
mm², memory in bits unless a name says otherwise, densities as fractions in [0, 1].

This page is generated from the docstrings (`python -m dse.api_doc > docs/api.md`); a test
fails when it is stale.
"""


def render() -> str:
    """The whole page."""
    import dse

    listed = [name for names in SECTIONS.values() for name in names]
    missing = sorted(set(dse.__all__) - set(listed) - {"__version__"})
    if missing:
        raise ValueError(f"public names without a section in dse.api_doc.SECTIONS: {missing}")
    parts = [_HEADER]
    for title, names in SECTIONS.items():
        parts.append(f"## {title}\n")
        parts += [_entry(name, getattr(dse, name)) for name in names]
    return "\n".join(parts).rstrip() + "\n"


def _entry(name: str, value: Any) -> str:
    if inspect.isclass(value):
        return _class(name, value)
    if callable(value) and not isinstance(value, type):
        doc = _doc(value) if inspect.isfunction(value) else _doc(type(value))
        return f"### `{name}{_signature(value)}`\n\n{doc}\n"
    return f"### `{name}`\n\n`{value!r}`\n"


def _class(name: str, cls: type) -> str:
    bases = [base.__name__ for base in cls.__bases__ if base is not object]
    lines = [f"### class `{name}`" + (f" ({', '.join(bases)})" if bases else ""), "", _doc(cls), ""]
    if issubclass(cls, BaseModel):
        fields = list(_fields(cls))
        if fields:
            lines += ["| field | type | default | description |", "|---|---|---|---|", *fields, ""]
    members = list(_members(cls))
    if members:
        lines += [*members, ""]
    return "\n".join(lines)


def _fields(model: type[BaseModel]) -> Iterable[str]:
    for name, field in model.model_fields.items():
        alias = field.alias or name
        default = "required" if field.is_required() else (
            "(factory)" if field.default_factory is not None else f"`{field.default!r}`")
        kind = _type_name(field.annotation)
        yield f"| `{alias}` | `{kind}` | {default} | {(field.description or '').replace('|', '/')} |"


def _members(cls: type) -> Iterable[str]:
    """Public methods and properties the class defines or inherits from dse classes."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("dse") or klass is BaseModel:
            continue
        for name, member in vars(klass).items():
            if name.startswith("_") or name in seen or name in getattr(cls, "model_fields", {}):
                continue
            seen.add(name)
            doc = _first_paragraph(_inherited_doc(cls, name))
            if isinstance(member, property):
                yield f"- `{name}` (property): {doc}"
            elif isinstance(member, classmethod | staticmethod):
                yield f"- `{name}{_signature(member.__func__)}`: {doc}"
            elif inspect.isfunction(member):
                yield f"- `{name}{_signature(member)}`: {doc}"


def _inherited_doc(cls: type, name: str) -> str | None:
    """The docstring of ``name`` on the first class of the MRO that gives one."""
    for klass in cls.__mro__:
        member = vars(klass).get(name)
        if isinstance(member, classmethod | staticmethod):
            member = member.__func__
        if member is not None and member.__doc__:
            return str(member.__doc__)
    return None


def _signature(value: Any) -> str:
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):
        return "(...)"
    params = [p.replace(annotation=inspect.Parameter.empty, default=_Default(p.default))
              if p.default is not inspect.Parameter.empty else p.replace(annotation=inspect.Parameter.empty)
              for p in signature.parameters.values() if p.name != "self"]
    return str(signature.replace(parameters=params, return_annotation=inspect.Signature.empty))


class _Default:
    """A default value shown as written (``None``, ``1``), without object addresses."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        text = repr(self.value)
        return "..." if " at 0x" in text else text


def _type_name(annotation: Any) -> str:
    """A type as written in source, without Annotated metadata; ``|`` escaped for tables."""
    return _written(annotation).replace("|", "\\|")


def _written(annotation: Any) -> str:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _written(args[0])
    if origin in (Union, types.UnionType):
        return " | ".join(_written(arg) for arg in args)
    if origin is Literal:
        return "Literal[" + ", ".join(repr(arg) for arg in args) + "]"
    if annotation is type(None):
        return "None"
    if origin is not None:
        inner = ", ".join("..." if arg is Ellipsis else _written(arg) for arg in args)
        return f"{getattr(origin, '__name__', str(origin))}[{inner}]"
    return annotation.__name__ if isinstance(annotation, type) else str(annotation).replace("typing.", "")


def _doc(value: Any) -> str:
    return inspect.cleandoc(value.__doc__ or "(no docstring)")


def _first_paragraph(doc: str | None) -> str:
    if not doc:
        return "(no docstring)"
    return " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())


if __name__ == "__main__":
    print(render(), end="")
