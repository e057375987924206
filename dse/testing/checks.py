"""The rules a plugin must keep, as plain functions that raise :class:`ConformanceError`.

Each message starts with the case (backend or plugin, workload, parameters) and says which
rule broke and what to look at, so a failing kit test reads as a bug report. The pytest
suites in :mod:`dse.testing.suites` call these; a plugin's own tests may call them too.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from dse.plugin.types import BATCH_COLUMNS

if TYPE_CHECKING:
    import polars as pl

    from dse.plugin.types import Backend
    from dse.schema.cost import Cost
    from dse.schema.technology import Technology
    from dse.schema.workload import Workload

#: Relative tolerance between the batch path and ``cost``: both are sums of the same terms,
#: in another order at most (double rounding: a few ulp, far below 1e-9).
BATCH_REL_TOL = 1e-9
#: Breakdown keys that mean "everything": a component so named counts the others twice.
TOTAL_NAMES = frozenset({"total", "sum", "all", "energy", "energy_pj", "total_pj", "overall"})
#: A key that no parameter model has: a model that accepts it accepts typos too.
UNKNOWN_KEY = "dse_kit_unknown_key"


class ConformanceError(AssertionError):
    """A plugin broke one of the kit's rules; the message names the case and the rule."""


@dataclass(frozen=True)
class Case:
    """What was being checked: a backend (or other plugin), a workload, raw parameters."""

    plugin: str
    workload: str = ""
    params: Mapping[str, Any] | None = None

    def fail(self, rule: str) -> ConformanceError:
        parts = [f"backend '{self.plugin}'"]
        if self.workload:
            parts.append(f"workload '{self.workload}'")
        if self.params is not None:
            parts.append(f"params {json.dumps(self.params, sort_keys=True, default=str)}")
        return ConformanceError(f"{', '.join(parts)}: {rule}")


def check_forbids_unknown_keys(backend: Backend, example: Mapping[str, Any]) -> None:
    """``backend.parse_params`` refuses a key its model does not have (nested models too)."""
    case = Case(backend.name, params={**example, UNKNOWN_KEY: 1})
    if not refuses(backend.parse_params, {**example, UNKNOWN_KEY: 1}):
        raise case.fail(f"the Params model accepts the unknown key '{UNKNOWN_KEY}', so typos in architecture "
                        "files pass silently: set model_config = ConfigDict(extra='forbid')")
    for path, model in _nested_models(backend.Params):
        if model.model_config.get("extra") != "forbid":
            raise case.fail(f"the nested model {model.__name__} at params.{path} accepts unknown keys: "
                            "set model_config = ConfigDict(extra='forbid')")


def refuses(parse: Callable[[dict[str, Any]], object], raw: dict[str, Any]) -> bool:
    """True when ``parse`` raises on ``raw`` (any exception: ValidationError, NestedParamsError, ...)."""
    try:
        parse(raw)
    except Exception:  # noqa: BLE001 - any refusal is the right answer here
        return True
    return False


def _nested_models(model: type[BaseModel], prefix: str = "") -> Iterable[tuple[str, type[BaseModel]]]:
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield f"{prefix}{name}", annotation
            yield from _nested_models(annotation, f"{prefix}{name}.")


def check_params_round_trip(backend: Backend, example: Mapping[str, Any]) -> None:
    """Parsed parameters dumped to JSON parse back to the same value (stored trials replay)."""
    params = backend.parse_params(example)
    again = backend.parse_params(json.loads(params.model_dump_json()))
    if again != params:
        raise Case(backend.name, params=example).fail(
            f"parameters change when dumped to JSON and parsed again: {params!r} became {again!r}")


def check_cost(cost: Cost, case: Case) -> None:
    """Totals and every breakdown component finite and non-negative; no component that is a total."""
    for label, value in (("energy_pj", cost.energy_pj), ("latency_cycles", cost.latency_cycles),
                         ("latency_s", cost.latency_s), ("area_mm2", cost.area_mm2), ("power_mw", cost.power_mw)):
        _finite_non_negative(value, f"cost() {label}", case)
    for layer in cost.layers:
        _finite_non_negative(layer.latency_cycles, f"layer '{layer.name}' latency_cycles", case)
        for key, value in layer.breakdown.items():
            _finite_non_negative(value, f"layer '{layer.name}' breakdown['{key}']", case)
        check_breakdown(layer.breakdown, f"layer '{layer.name}'", case)


def check_breakdown(breakdown: Mapping[str, float], where: str, case: Case) -> None:
    """No component named as a total, and none equal to the sum of the others: the energy is
    the sum of the breakdown, so either would count the other components twice."""
    for key in breakdown:
        if key.strip().lower() in TOTAL_NAMES:
            raise case.fail(f"{where}: breakdown key '{key}' looks like a total; the energy is the sum of the "
                            "breakdown, so a total in it counts every component twice")
    if len(breakdown) < 3:
        return
    for key, value in breakdown.items():
        rest = math.fsum(v for k, v in breakdown.items() if k != key)
        if value > 0 and math.isclose(value, rest, rel_tol=1e-9):
            raise case.fail(f"{where}: breakdown['{key}'] = {value:.6g} pJ equals the sum of the other components: "
                            "it double-counts them")


def _finite_non_negative(value: float, label: str, case: Case) -> None:
    if not math.isfinite(value):
        raise case.fail(f"{label} is {value}: costs must be finite")
    if value < 0:
        raise case.fail(f"{label} is {value:.6g}: costs must not be negative")


def params_frame(designs: Sequence[BaseModel]) -> pl.DataFrame:
    """One row per design, nested fields as ``a.b`` columns (what ``cost_batch`` receives)."""
    import polars as pl

    rows = [_flatten(design.model_dump(mode="json")) for design in designs]
    return pl.from_dicts(rows, infer_schema_length=None)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def check_batch_matches_cost(backend: Backend, workload: Workload, designs: Sequence[BaseModel],
                             technology: Technology) -> None:
    """``cost_batch`` on all ``designs`` at once equals ``cost`` on each: same columns, signs,
    finiteness and values (energy, latency, area, power, memory_fits)."""
    frame = backend.cost_batch(workload, params_frame(designs), technology)
    case = Case(backend.name, workload.name)
    if tuple(frame.columns) != BATCH_COLUMNS:
        raise case.fail(f"cost_batch returns columns {tuple(frame.columns)}; expected {BATCH_COLUMNS}")
    if frame.height != len(designs):
        raise case.fail(f"cost_batch returns {frame.height} rows for {len(designs)} designs")
    for design, row in zip(designs, frame.iter_rows(named=True), strict=True):
        _check_batch_row(backend, workload, design, row, technology)


def _check_batch_row(backend: Backend, workload: Workload, design: BaseModel, row: Mapping[str, Any],
                     technology: Technology) -> None:
    case = Case(backend.name, workload.name, design.model_dump(mode="json"))
    cost = backend.cost(workload, design, technology)
    if row["error"] is not None:
        raise case.fail(f"cost_batch fails this design ({row['error']}) but cost() costs it")
    for column in ("energy_pj", "latency_cycles", "latency_s", "area_mm2", "power_mw"):
        _finite_non_negative(row[column], f"cost_batch {column}", case)
    expected = {"energy_pj": cost.energy_pj, "latency_cycles": cost.latency_cycles, "latency_s": cost.latency_s,
                "area_mm2": cost.area_mm2, "power_mw": cost.power_mw}
    for column, want in expected.items():
        got = row[column]
        if not math.isclose(got, want, rel_tol=BATCH_REL_TOL, abs_tol=1e-12):
            raise case.fail(f"cost_batch {column} = {got:.9g} but cost() gives {want:.9g}"
                            + (_missing_component(cost, want - got) if column == "energy_pj" else ""))
    if bool(row["memory_fits"]) != cost.memory_fits:
        raise case.fail(f"cost_batch memory_fits = {row['memory_fits']} but cost() gives {cost.memory_fits}")


def _missing_component(cost: Cost, gap: float) -> str:
    """Name the breakdown component the batch path dropped (or added twice), if one explains the gap."""
    for key, value in cost.breakdown.items():
        if value > 0 and math.isclose(abs(gap), value, rel_tol=1e-6):
            verb = "drops" if gap > 0 else "counts twice"
            return f" (the gap, {abs(gap):.6g} pJ, is breakdown['{key}']: the batch path {verb} it)"
    return f" (a gap of {gap:.6g} pJ)"


def check_sparser_never_costs_more(backend: Backend, workload: Workload, design: BaseModel,
                                   technology: Technology) -> None:
    """Energy never grows as every layer's input and output densities shrink (1, ½, ⅒, 0×)."""
    energies = []
    for scale in (1.0, 0.5, 0.1, 0.0):
        densities = {layer.name: (layer.input_density * scale, layer.resolved_output_density * scale)
                     for layer in workload.layers}
        energies.append(backend.cost(workload.with_knobs(densities=densities), design, technology).energy_pj)
    for (denser, sparser), scale in zip(itertools.pairwise(energies), (0.5, 0.1, 0.0), strict=True):
        if sparser > denser * (1 + 1e-9):
            raise Case(backend.name, workload.name, design.model_dump(mode="json")).fail(
                f"energy grows from {denser:.6g} to {sparser:.6g} pJ when densities fall to {scale}× "
                f"(energies at 1, 0.5, 0.1, 0 ×: {[f'{e:.6g}' for e in energies]})")
