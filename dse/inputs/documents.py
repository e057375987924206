"""Reading user files: YAML or JSON documents into validated models, with one-line errors."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from dse.errors import DseInputError, describe_validation_error, one_line, short
from dse.inputs.safe_yaml import MAX_DEPTH, DuplicateKey, InputTooLarge, load_yaml
from dse.plugin.manager import Plugins
from dse.schema.architecture import Architecture
from dse.schema.workload import Workload

M = TypeVar("M", bound=BaseModel)
DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")
log = logging.getLogger("dse.inputs")


def read_document(path: str | Path) -> dict[str, Any]:
    """A YAML or JSON file's top-level mapping."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DseInputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DseInputError(f"{path}: cannot be read as text ({type(error).__name__})") from None
    kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
    try:
        data = _parse_json(text) if kind == "JSON" else load_yaml(text)
    except (InputTooLarge, DuplicateKey, ValueError) as error:
        raise DseInputError(f"{path}: {_problem(error)}") from None
    except yaml.YAMLError as error:
        if "maximum nesting depth" in str(getattr(error, "problem", "")):  # libyaml's own limit (PyYAML >= 6.0.4)
            raise DseInputError(f"{path}: nests deeper than {MAX_DEPTH} levels") from None
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DseInputError(f"{path}: malformed YAML{where}") from None
    except RecursionError:
        raise DseInputError(f"{path}: nests deeper than {MAX_DEPTH} levels") from None
    if not isinstance(data, dict):
        raise DseInputError(f"{path}: expected a mapping of fields at the top level, got {type(data).__name__}")
    return data


def _problem(error: Exception) -> str:
    """One line for a JSON error, a duplicate key or a document too large."""
    if isinstance(error, json.JSONDecodeError):
        return f"malformed JSON at line {error.lineno}, column {error.colno}"
    if isinstance(error, DuplicateKey):
        mark = error.problem_mark
        return f"{error.problem} at line {mark.line + 1}, column {mark.column + 1}" if mark else str(error.problem)
    return one_line(str(error), 200)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) < len(pairs):
        seen: set[str] = set()
        first = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise ValueError(f"duplicate key {short(first)}")
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number in JSON (RFC 8259)")


def _parse_json(text: str) -> Any:
    """JSON with duplicate keys, NaN/Infinity and nesting deeper than MAX_DEPTH refused."""
    data = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    if depth(data) > MAX_DEPTH:
        raise ValueError(f"nests deeper than {MAX_DEPTH} levels")
    return data


def depth(value: Any) -> int:
    """Nesting depth of plain data (a scalar is 1), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, level + 1) for child in children)
    return deepest


def validate_document(model: type[M], data: Any, source: str, prefix: str = "") -> M:
    """``model.model_validate(data)`` with a pydantic error turned into one line."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise DseInputError(describe_validation_error(error, source, prefix)) from None


def load_workload(ref: str | Path, plugins: Plugins, *, warn_defaults: bool = True) -> Workload:
    """A workload from a YAML/JSON file, or through the loader plugin that claims ``ref``.

    A YAML/JSON workload whose synaptic layers give no ``input_density`` is costed at the
    schema default (1.0, dense): unless ``warn_defaults`` is false, a warning on stderr says
    which layers (loader plugins warn about their own defaults).
    """
    ref = str(ref)
    if ref.lower().endswith(DOCUMENT_SUFFIXES):
        workload = validate_document(Workload, read_document(ref), ref)
        missing = undeclared_densities(workload)
        if missing and warn_defaults:
            log.warning("warning: %s", default_density_warning(ref, missing, workload))
        return workload
    loader = plugins.loader_for(ref)
    if loader is None:
        claimed = sorted({s for _, l in plugins.loaders.items() for s in l.suffixes})
        schemes = sorted({f"{s}:" for _, l in plugins.loaders.items() for s in l.schemes})
        allowed = ", ".join([*DOCUMENT_SUFFIXES, *claimed, *schemes])
        raise DseInputError(f"{ref}: no workload loader for this file (allowed: {allowed})")
    if ref.split(":", 1)[0] not in loader.schemes and not Path(ref).exists():
        raise DseInputError(f"{ref}: no such file")
    return loader.load(ref)


def load_measured_workload(ref: str | Path, plugins: Plugins, activity: str | Path | None) -> Workload:
    """:func:`load_workload`, with measured per-layer densities from ``activity`` when given.

    The activity file (measured densities by layer name) is read by the loader whose
    ``activity_suffixes`` claim it (dse's workloads plugin reads CSV, Parquet and JSON).
    """
    if activity is None:
        return load_workload(ref, plugins)
    name = str(activity).lower()
    for loader in plugins.loaders.values():
        if any(name.endswith(suffix) for suffix in loader.activity_suffixes):
            return loader.load_with_activity(str(ref), str(activity), plugins)
    known = sorted({s for loader in plugins.loaders.values() for s in loader.activity_suffixes})
    allowed = ", ".join(known) if known else "none: no installed plugin reads activity files"
    raise DseInputError(f"{activity}: no loader reads this activity file (allowed: {allowed})")


def undeclared_densities(workload: Workload) -> list[str]:
    """The synaptic layers (conv, dense) whose ``input_density`` the file does not give."""
    return [layer.name for layer in workload.layers if layer.connections and "input_density" not in layer.model_fields_set]


def default_density_warning(ref: str, missing: list[str], workload: Workload) -> str:
    """One line: which layers run at the default density, and the option that gives measured ones."""
    synaptic = sum(1 for layer in workload.layers if layer.connections)
    shown = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
    return (f"{ref}: no input_density for {len(missing)} of {synaptic} synaptic layers ({shown}): costed as "
            f"dense (1.0, the schema default); give measured ones with --activity FILE")


def load_architecture(path: str | Path, plugins: Plugins | None = None) -> Architecture:
    """An architecture file; one that names a ``preset`` starts from that registered chip.

    With ``plugins``, a file that names no technology gets the installation's default
    technology, so that outputs record which one was used.
    """
    data = read_document(path)
    if "preset" in data:
        data = expand_preset(data, plugins, str(path))
    if plugins is not None and data.get("technology") is None:
        try:
            data = {**data, "technology": plugins.default_technology()}
        except DseInputError as error:
            raise DseInputError(f"{path}: technology: {error}") from None
    return validate_document(Architecture, data, str(path))


def expand_preset(data: dict[str, Any], plugins: Plugins | None, source: str) -> dict[str, Any]:
    """``data`` over the preset it names: its fields replace the preset's, its ``params`` are merged in.

    Raises DseInputError naming the file when the preset is unknown or not a name.
    """
    rest = {key: value for key, value in data.items() if key != "preset"}
    name = data["preset"]
    if plugins is None or not isinstance(name, str) or name not in plugins.presets:
        known = ", ".join(plugins.presets.names()) if plugins is not None else ""
        raise DseInputError(f"{source}: preset: unknown preset {name!r} (known: {known or 'none registered'})")
    base = plugins.presets.get(name).architecture.model_dump(mode="python")
    params = rest.get("params", {})
    if not isinstance(params, dict):
        raise DseInputError(f"{source}: params: expected a mapping of backend parameters")
    return {**base, "name": name, **rest, "params": {**base["params"], **params}}
