"""Reading user files: YAML or JSON documents into validated models, with one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from dse.errors import DseInputError, describe_validation_error
from dse.plugin.manager import Plugins
from dse.schema.architecture import Architecture
from dse.schema.workload import Workload

M = TypeVar("M", bound=BaseModel)
DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")


def read_document(path: str | Path) -> dict[str, Any]:
    """A YAML or JSON file's top-level mapping."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DseInputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DseInputError(f"{path}: cannot be read as text ({type(error).__name__})") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        if isinstance(error, json.JSONDecodeError):
            where = f" at line {error.lineno}, column {error.colno}"
        raise DseInputError(f"{path}: malformed {'JSON' if path.suffix == '.json' else 'YAML'}{where}") from None
    if not isinstance(data, dict):
        raise DseInputError(f"{path}: expected a mapping of fields at the top level, got {type(data).__name__}")
    return data


def validate_document(model: type[M], data: Any, source: str, prefix: str = "") -> M:
    """``model.model_validate(data)`` with a pydantic error turned into one line."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise DseInputError(describe_validation_error(error, source, prefix)) from None


def load_workload(ref: str | Path, plugins: Plugins) -> Workload:
    """A workload from a YAML/JSON file, or through the loader plugin that claims ``ref``."""
    ref = str(ref)
    if ref.lower().endswith(DOCUMENT_SUFFIXES):
        return validate_document(Workload, read_document(ref), ref)
    loader = plugins.loader_for(ref)
    if loader is None:
        claimed = sorted({s for _, l in plugins.loaders.items() for s in l.suffixes})
        schemes = sorted({f"{s}:" for _, l in plugins.loaders.items() for s in l.schemes})
        allowed = ", ".join([*DOCUMENT_SUFFIXES, *claimed, *schemes])
        raise DseInputError(f"{ref}: no workload loader for this file (allowed: {allowed})")
    if ref.split(":", 1)[0] not in loader.schemes and not Path(ref).exists():
        raise DseInputError(f"{ref}: no such file")
    return loader.load(ref)


def load_architecture(path: str | Path, plugins: Plugins | None = None) -> Architecture:
    """An architecture file; one that names a ``preset`` starts from that registered chip."""
    data = read_document(path)
    if "preset" in data:
        data = expand_preset(data, plugins, str(path))
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
