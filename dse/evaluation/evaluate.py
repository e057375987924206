"""Workload × architecture → Cost, through the backend the architecture names."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from dse.errors import DseInputError, NestedParamsError, describe_validation_error, first_message, one_line
from dse.plugin.checks import PluginError, cost_problem
from dse.plugin.manager import Plugins
from dse.plugin.types import Backend
from dse.schema.architecture import Architecture
from dse.schema.cost import Cost
from dse.schema.technology import Technology
from dse.schema.workload import Workload

#: numpy's floating-point warnings, which ``np.errstate(all="ignore")`` would silence: silenced by
#: their message instead, so that costing with a backend that uses no numpy imports none (about
#: 0.1 CPU-s, half of a one-layer `dse evaluate`; issue 17).
FLOAT_WARNINGS = r"(overflow|invalid value|divide by zero|underflow) encountered"


@dataclass(frozen=True)
class Design:
    """An architecture resolved against the plugins: its backend, checked params and technology."""

    architecture: Architecture
    backend: Backend
    params: BaseModel
    technology: Technology
    plugin: str = ""  # how errors name the backend's plugin: "plugin 'NAME' (DIST VERSION)"


def resolve(architecture: Architecture, plugins: Plugins, source: str = "architecture") -> Design:
    """Find the backend and technology and check ``params`` with the backend's own model."""
    try:
        backend = plugins.backend(architecture.backend)
    except DseInputError as error:
        raise DseInputError(f"{source}: backend: {error}") from None
    if isinstance(architecture.technology, Technology):
        technology = architecture.technology
    else:
        try:
            technology = plugins.technology(architecture.technology)
        except DseInputError as error:
            raise DseInputError(f"{source}: technology: {error}") from None
    try:
        params = backend.parse_params(architecture.params)
    except ValidationError as error:
        raise DseInputError(describe_validation_error(error, source, "params.")) from None
    except NestedParamsError as nested:
        raise DseInputError(describe_validation_error(nested.error, source, f"params.{nested.prefix}")) from None
    return Design(architecture, backend, params, technology, plugins.describe(plugins.backends.owner(backend.name)))


def evaluate(workload: Workload, design: Design, source: str = "architecture") -> Cost:
    """The cost of ``workload`` on ``design``; a backend error or a value that is not a finite,
    non-negative ``Cost`` becomes one line naming the backend and its plugin."""
    who = f"backend '{design.backend.name}'" + (f" of {design.plugin}" if design.plugin else "")
    try:
        with warnings.catch_warnings():  # an overflow is caught below as a non-finite value
            warnings.filterwarnings("ignore", FLOAT_WARNINGS, RuntimeWarning)
            cost = design.backend.cost(workload, design.params, design.technology)
    except DseInputError as error:
        raise DseInputError(f"{source}: {one_line(str(error))}") from None
    except ValidationError as error:  # the Cost (or part of it) the backend built is refused
        raise PluginError(f"{source}: {who} on workload '{workload.name}': {first_message(error)}") from None
    except Exception as error:  # noqa: BLE001 - any backend bug becomes one line
        raise PluginError(one_line(f"{source}: {who} failed on workload '{workload.name}': "
                                   f"{type(error).__name__}: {error}")) from None
    problem = cost_problem(cost)
    if problem:
        raise PluginError(f"{source}: {who} {problem}")
    return cost
