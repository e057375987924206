"""What a plugin hands dse is checked where it crosses into the core.

Registrations are checked when they are registered (an object of the right base class, not
the class itself; a name; a pydantic ``Params`` model whose JSON Schema can be built, so that
one bad backend never breaks `dse schema` for everyone; a model that passed is remembered
between runs, :mod:`dse.plugin.schema_cache`). Values returned later (a ``Cost``,
a batch frame, an ``Accuracy``) are checked by the code that receives them with
:func:`check_cost` and :func:`batch_problems`. Every refusal is one line for
:class:`PluginError`, which names the plugin and its version.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from dse.errors import DseInputError, one_line, short

if TYPE_CHECKING:
    from dse.plugin.schema_cache import SchemaChecks


class PluginError(DseInputError):
    """A plugin handed dse something it promised not to: one line naming the plugin."""


def _params_model(kind: str, item: Any, schemas: SchemaChecks | None) -> str | None:
    params = getattr(item, "Params", None)
    if not (isinstance(params, type) and issubclass(params, BaseModel)):
        return f"{kind} '{item.name}': Params is {short(params)}, not a pydantic model class"
    if schemas is not None and schemas.known(params):
        return None
    try:
        params.model_json_schema()
    except Exception as error:  # noqa: BLE001 - any failure here would break `dse schema`
        return f"{kind} '{item.name}': Params has no JSON Schema ({type(error).__name__}: {one_line(str(error), 120)})"
    if schemas is not None:
        schemas.remember(params)
    return None


def registration_problem(kind: str, base: type, item: Any, schemas: SchemaChecks | None = None) -> str | None:
    """Why ``item`` cannot be registered as a ``kind`` (an instance of ``base``), or None.

    ``schemas``: the Params models whose JSON Schema an earlier run built from the same
    sources (dse.plugin.schema_cache), not built again; those built here are added to it.
    """
    if isinstance(item, type):
        return f"registered the class {item.__name__} as a {kind}; register an instance: {item.__name__}()"
    if not isinstance(item, base):
        return f"registered {short(item)} as a {kind}; expected a {base.__module__}.{base.__qualname__} instance"
    name = getattr(item, "name", None)
    if not isinstance(name, str) or not name.strip():
        return f"registered a {kind} whose name is {short(name)}; expected a non-empty string"
    if kind in ("backend", "accuracy model"):
        return _params_model(kind, item, schemas)
    if kind == "workload loader":
        for attr in ("suffixes", "schemes"):
            values = getattr(item, attr, ())
            if not isinstance(values, tuple) or not all(isinstance(v, str) for v in values):
                return f"workload loader '{name}': {attr} is {short(values)}; expected a tuple of strings"
    return None


def cost_problem(cost: Any) -> str | None:
    """Why ``cost`` is not a usable ``dse.Cost``, or None."""
    from dse.schema.cost import Cost

    if not isinstance(cost, Cost):
        return f"returned {short(cost)} instead of a dse.Cost"
    energy = cost.energy_pj
    if not math.isfinite(energy) or energy < 0:
        return f"returned energy {energy} pJ; expected finite and >= 0"
    return None


#: Batch columns that cannot be negative (NaN and infinity are judged by the evaluator).
_NON_NEGATIVE = ("energy_pj", "latency_cycles", "latency_s", "area_mm2", "power_mw")


def batch_problems(frame: Any) -> Any:
    """For each row of a batch frame without an error, what is wrong with its totals (or null)."""
    import polars as pl

    problem = pl.lit(None, dtype=pl.String)
    for name in reversed(_NON_NEGATIVE):
        x = pl.col(name)
        problem = pl.when(x < 0).then(pl.format(f"returned {name} {{}}; expected >= 0", x)).otherwise(problem)
    # A design that takes a cycle takes time: a clock so fast that seconds round to 0 is no result.
    zero_time = (pl.col("latency_cycles") >= 1) & (pl.col("latency_s") == 0)
    problem = pl.when(problem.is_null() & zero_time)\
        .then(pl.lit("returned latency_s 0 for a run of at least one cycle")).otherwise(problem)
    return frame.select(pl.when(pl.col("error").is_null()).then(problem).otherwise(None)).to_series()
