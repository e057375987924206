"""Reading a search-space file and checking it against the registered plugins.

Everything a run would trip over later is checked here, so that a bad space fails at once
with one line and exit code 2: the schema, the workload (loaded once), every backend,
technology and accuracy model (registered?), every parameter name (the backend's model has
it?) and every parameter value at the corners of its range (the backend's model accepts it?).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from dse.errors import DseInputError, NestedParamsError, describe_validation_error
from dse.inputs.documents import load_measured_workload, read_document, validate_document
from dse.plugin.manager import Plugins
from dse.plugin.types import Backend, unflatten
from dse.schema.space import (
    DISTRIBUTION_TAGS,
    SAMPLER_TAGS,
    Categorical,
    FloatRange,
    IntRange,
    KnobRef,
    SearchSpace,
)
from dse.schema.workload import Workload

_SCHEME = re.compile(r"^[A-Za-z][\w+-]+:(?!\\|/)")
_TAGS = re.compile(r"\.(?:" + "|".join((*DISTRIBUTION_TAGS, *SAMPLER_TAGS)) + r")(?=[.\[]|$)")


def load_space(path: Path, plugins: Plugins) -> SearchSpace:
    """The space in ``path``, checked; its ``workload`` made absolute (or kept as ``scheme:NAME``)."""
    return read_space(path, plugins)[0]


def space_header(path: Path) -> SearchSpace:
    """The space in ``path`` checked against the schema only (no plugins, no workload)."""
    return _validate_space(read_document(path), str(path))


def read_space(path: Path, plugins: Plugins, activity: Path | None = None) -> tuple[SearchSpace, Workload]:
    """The checked space (as :func:`load_space`) and its workload, loaded once (with the
    measured densities of ``activity``, an activity file, when given)."""
    source = str(path)
    space = _validate_space(read_document(path), source)
    if space.technology is None and any(entry.technology is None for entry in space.backends):
        try:
            space = space.model_copy(update={"technology": plugins.default_technology()})
        except DseInputError as error:
            raise DseInputError(f"{source}: technology: {error}") from None
    ref = space.workload if _SCHEME.match(space.workload) else str((Path(path).parent / space.workload).resolve())
    try:
        workload = load_measured_workload(ref, plugins, activity)
    except DseInputError as error:
        raise DseInputError(f"{source}: workload: {error}") from None
    for index, entry in enumerate(space.backends):
        where = f"{source}: backends[{index}]"
        try:
            backend = plugins.backend(entry.backend)
        except DseInputError as error:
            raise DseInputError(f"{where}.backend: {error}") from None
        try:
            plugins.technology(space.technology_for(index))
        except DseInputError as error:
            raise DseInputError(f"{where}.technology: {error}") from None
        for name in entry.params:
            _check_param_name(backend.Params, name, f"{where}.params.{name}")
        _probe_params(backend, space, index, source)
    if space.accuracy is not None:
        try:
            model = plugins.accuracy_model(space.accuracy.model)
        except DseInputError as error:
            raise DseInputError(f"{source}: accuracy.model: {error}") from None
        validate_document(model.Params, space.accuracy.params, source, prefix="accuracy.params.")
    return space.model_copy(update={"workload": ref}), workload


def _validate_space(data: dict[str, Any], source: str) -> SearchSpace:
    try:
        return SearchSpace.model_validate(data)
    except ValidationError as error:
        message = describe_validation_error(error, source)
        head, _, tail = message[len(source) + 2:].partition(": ")
        raise DseInputError(f"{source}: {_TAGS.sub('', head)}: {tail}" if tail else message) from None


def _check_param_name(model: type[BaseModel], dotted: str, where: str) -> None:
    """Each dotted part must be a field; below a dict-typed field any name is the nested model's business."""
    part, _, rest = dotted.partition(".")
    fields = model.model_fields
    if part not in fields:
        raise DseInputError(f"{where}: not a parameter of this backend ({_parameter_hint(part, list(fields))})")
    annotation = fields[part].annotation
    if rest and isinstance(annotation, type) and issubclass(annotation, BaseModel):
        _check_param_name(annotation, rest, where)


#: Characters of parameter names listed in an error line (the rest: `dse schema architecture`).
_NAMES_SHOWN = 150


def _parameter_hint(name: str, fields: list[str]) -> str:
    """The closest parameter names, then as many of all the names as fit in one short line."""
    close = difflib.get_close_matches(name, fields, n=3)
    listed = ", ".join(fields)
    if len(listed) > _NAMES_SHOWN:
        listed = listed[:_NAMES_SHOWN].rsplit(", ", 1)[0] + ", ... (all: dse schema architecture)"
    return (f"did you mean {' or '.join(close)}? " if close else "") + f"parameters: {listed}"


def _candidates(spec: Any) -> list[Any]:
    """Values to try for a distribution: its ends or every choice."""
    if isinstance(spec, IntRange):
        return [spec.low, spec.low + (spec.high - spec.low) // spec.step * spec.step]
    if isinstance(spec, FloatRange):
        return [spec.low, spec.high]
    if isinstance(spec, Categorical):
        return list(spec.choices)
    return [spec.value]


def _probe_params(backend: Backend, space: SearchSpace, index: int, source: str) -> None:
    """Validate the parameter set at its first corner, then each value of each parameter in turn."""
    knobs = space.knobs_for(index)

    def first(spec: Any) -> Any:
        return _candidates(knobs[spec.knob])[0] if isinstance(spec, KnobRef) else _candidates(spec)[0]

    params = space.backends[index].params
    base = {name: first(spec) for name, spec in params.items()}
    prefix = f"backends[{index}].params."
    _parse(backend, base, source, prefix)
    for name, spec in params.items():
        values = _candidates(knobs[spec.knob]) if isinstance(spec, KnobRef) else _candidates(spec)
        for value in values[1:]:
            _parse(backend, {**base, name: value}, source, prefix)


def _parse(backend: Backend, flat: Mapping[str, Any], source: str, prefix: str) -> None:
    try:
        backend.parse_params(unflatten(flat))
    except ValidationError as error:
        raise DseInputError(describe_validation_error(error, source, prefix=prefix)) from None
    except NestedParamsError as error:
        raise DseInputError(describe_validation_error(error.error, source, prefix=prefix + error.prefix)) from None
