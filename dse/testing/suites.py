"""Conformance suites: subclass one in a test module, set its class attributes, run pytest.

- :class:`BackendConformance`: parameter models that forbid unknown keys and round-trip
  through JSON; ``cost`` finite, non-negative, no double-counting breakdown key; the batch
  path equal to ``cost`` on generated designs; energy never growing as activity falls.
- :class:`TechnologyConformance`: every constant cited, energies and areas positive and
  growing with width and size, node scaling that shrinks energy and area.
- :class:`WorkloadLoaderConformance`: examples load, claim their suffix or scheme, round-trip
  through JSON, load the same twice; bad inputs fail with one line naming the input.
- :class:`AccuracyModelConformance`: a fraction with a source, measured densities that name
  layers and stay in [0, 1], the same answer twice, parameters that forbid unknown keys.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest

from dse.errors import DseInputError
from dse.plugin.manager import Plugins, make_plugins
from dse.plugin.types import Backend
from dse.schema.technology import Technology
from dse.schema.workload import Workload
from dse.testing.checks import (
    UNKNOWN_KEY,
    Case,
    ConformanceError,
    check_batch_matches_cost,
    check_cost,
    check_forbids_unknown_keys,
    check_params_round_trip,
    check_sparser_never_costs_more,
    refuses,
)
from dse.testing.designs import generated_designs
from dse.testing.workloads import conformance_workload_set


class _WithPlugins:
    @pytest.fixture
    def plugins(self) -> Plugins:
        return make_plugins()


class BackendConformance(_WithPlugins):
    """Set ``backend_name`` (as registered) and ``params_examples`` (raw parameter sets)."""

    backend_name: ClassVar[str] = ""
    params_examples: ClassVar[tuple[dict[str, Any], ...]] = ({},)
    technology: ClassVar[str | None] = None  # None: the installation's default technology

    def _setup(self, plugins: Plugins) -> tuple[Backend, Technology]:
        return plugins.backend(self.backend_name), plugins.technology(self.technology)

    def test_params_forbid_unknown_keys(self, plugins: Plugins) -> None:
        backend, _ = self._setup(plugins)
        for raw in self.params_examples:
            check_forbids_unknown_keys(backend, raw)

    def test_params_round_trip_through_json(self, plugins: Plugins) -> None:
        backend, _ = self._setup(plugins)
        for raw in self.params_examples:
            check_params_round_trip(backend, raw)

    def test_costs_are_finite_non_negative_and_not_double_counted(self, plugins: Plugins) -> None:
        backend, tech = self._setup(plugins)
        for raw in self.params_examples:
            params = backend.parse_params(raw)
            for workload in conformance_workload_set():
                check_cost(backend.cost(workload, params, tech), Case(backend.name, workload.name, raw))

    def test_batch_path_equals_cost_on_generated_designs(self, plugins: Plugins) -> None:
        backend, tech = self._setup(plugins)
        designs = generated_designs(backend, self.params_examples)
        for workload in conformance_workload_set():
            check_batch_matches_cost(backend, workload, designs, tech)

    def test_energy_never_grows_when_activity_falls(self, plugins: Plugins) -> None:
        backend, tech = self._setup(plugins)
        for raw in self.params_examples:
            for workload in conformance_workload_set():
                check_sparser_never_costs_more(backend, workload, backend.parse_params(raw), tech)


class TechnologyConformance(_WithPlugins):
    """Set ``technology_name`` (as registered); ``scaled_node_nm`` is a node to scale it to."""

    technology_name: ClassVar[str] = ""
    scaled_node_nm: ClassVar[float] = 22.0

    def _case(self) -> Case:
        return Case(f"technology {self.technology_name}")

    def test_every_constant_names_its_source(self, plugins: Plugins) -> None:
        tech = plugins.technology(self.technology_name)
        constants = [name for name in Technology.model_fields if name not in ("name", "node_nm", "sources")]
        missing = [name for name in constants if not tech.sources.get(name)]
        if missing:
            raise self._case().fail(f"constants without a sources entry: {missing}")

    def test_energies_and_areas_grow_with_width_and_size(self, plugins: Plugins) -> None:
        tech = plugins.technology(self.technology_name)
        checks = {
            "add_energy": (tech.add_energy(8), tech.add_energy(16)),
            "mul_energy": (tech.mul_energy(8), tech.mul_energy(16)),
            "register_energy": (tech.register_energy(8), tech.register_energy(16)),
            "sram_read_energy (size)": (tech.sram_read_energy(8 * 8192, 64), tech.sram_read_energy(512 * 8192, 64)),
            "sram_read_energy (word)": (tech.sram_read_energy(64 * 8192, 32), tech.sram_read_energy(64 * 8192, 64)),
            "add_area": (tech.add_area(8), tech.add_area(16)),
            "mul_area": (tech.mul_area(8), tech.mul_area(16)),
            "sram_area": (tech.sram_area(8192), tech.sram_area(16384)),
        }
        for name, (small, large) in checks.items():
            if not 0 < small <= large:
                raise self._case().fail(f"{name}: {small:.6g} for the smaller, {large:.6g} for the larger")
        if tech.dram_energy(64) <= tech.sram_read_energy(512 * 8192, 64):
            raise self._case().fail("a DRAM access is not dearer than a read of a 512 KiB SRAM")

    def test_a_smaller_node_costs_less(self, plugins: Plugins) -> None:
        tech = plugins.technology(self.technology_name)
        if self.scaled_node_nm >= tech.node_nm:
            pytest.skip(f"{self.technology_name} is already at {tech.node_nm} nm")
        scaled = plugins.technology(f"{self.technology_name}@{self.scaled_node_nm:g}nm")
        for name, before, after in (("mul_energy(8)", tech.mul_energy(8), scaled.mul_energy(8)),
                                    ("mul_area(8)", tech.mul_area(8), scaled.mul_area(8))):
            if not 0 < after < before:
                raise self._case().fail(f"{name} at {self.scaled_node_nm:g} nm is {after:.6g}, "
                                        f"at {tech.node_nm:g} nm {before:.6g}")


class WorkloadLoaderConformance(_WithPlugins):
    """Set ``loader_name``, ``examples`` (references that load) and ``bad_examples``
    (references that must fail); write files in a fixture or ship them with the tests."""

    loader_name: ClassVar[str] = ""
    examples: ClassVar[tuple[str, ...]] = ()
    bad_examples: ClassVar[tuple[str, ...]] = ()

    def _case(self, ref: str) -> Case:
        return Case(f"workload loader {self.loader_name}", workload=ref)

    def test_examples_load_and_are_claimed_by_this_loader(self, plugins: Plugins) -> None:
        for ref in self.examples:
            claimed = plugins.loader_for(ref)
            if claimed is None or claimed.name != self.loader_name:
                raise self._case(ref).fail(f"claimed by {claimed.name if claimed else 'no loader'}")
            workload = plugins.loaders.get(self.loader_name).load(ref)
            if not isinstance(workload, Workload):
                raise self._case(ref).fail(f"load returns {type(workload).__name__}, not a Workload")

    def test_workloads_round_trip_and_load_the_same_twice(self, plugins: Plugins) -> None:
        loader = plugins.loaders.get(self.loader_name)
        for ref in self.examples:
            first, second = loader.load(ref), loader.load(ref)
            if first != second:
                raise self._case(ref).fail("two loads of the same input differ")
            if Workload.model_validate_json(first.model_dump_json(by_alias=True)) != first:
                raise self._case(ref).fail("the workload changes when dumped to JSON and validated again")

    def test_bad_inputs_fail_with_one_line_naming_the_input(self, plugins: Plugins) -> None:
        loader = plugins.loaders.get(self.loader_name)
        for ref in self.bad_examples:
            try:
                loader.load(ref)
            except DseInputError as error:
                text = str(error)
                if "\n" in text or ref not in text:
                    raise self._case(ref).fail(f"the error should be one line naming the input: {text!r}") from None
            except Exception as error:  # noqa: BLE001 - anything but DseInputError is the failure reported
                raise self._case(ref).fail(
                    f"raises {type(error).__name__} ({error}); bad input must raise dse.DseInputError") from None
            else:
                raise self._case(ref).fail("loads without an error")


class AccuracyModelConformance(_WithPlugins):
    """Set ``model_name``, ``workload`` (a reference any loader reads), ``knobs_examples``
    and ``params_examples``."""

    model_name: ClassVar[str] = ""
    workload: ClassVar[str] = ""
    knobs_examples: ClassVar[tuple[dict[str, Any], ...]] = ({},)
    params_examples: ClassVar[tuple[dict[str, Any], ...]] = ({},)

    def _case(self, knobs: dict[str, Any]) -> Case:
        return Case(f"accuracy model {self.model_name}", self.workload, knobs)

    def test_params_forbid_unknown_keys(self, plugins: Plugins) -> None:
        model = plugins.accuracy_model(self.model_name)
        for raw in self.params_examples:
            if refuses(model.Params.model_validate, {**raw, UNKNOWN_KEY: 1}):
                continue
            raise ConformanceError(f"accuracy model '{self.model_name}': its Params accept the unknown key "
                                   f"'{UNKNOWN_KEY}': set model_config = ConfigDict(extra='forbid')")

    def test_answers_are_cited_fractions_with_sound_densities(self, plugins: Plugins) -> None:
        from dse.inputs.documents import load_workload

        model = plugins.accuracy_model(self.model_name)
        workload = load_workload(self.workload, plugins)
        names = {layer.name for layer in workload.layers}
        for raw in self.params_examples:
            params = model.Params.model_validate(raw)
            for knobs in self.knobs_examples:
                first = model.accuracy(workload, knobs, params)
                again = model.accuracy(workload, knobs, params)
                case = self._case(knobs)
                if not first.source.strip():
                    raise case.fail("the accuracy names no source")
                if again.value != first.value:
                    raise case.fail(f"two calls give {first.value} and {again.value}")
                for layer, pair in (first.densities or {}).items():
                    if layer not in names:
                        raise case.fail(f"densities name layer '{layer}', which the workload does not have")
                    if not all(0.0 <= d <= 1.0 for d in pair):
                        raise case.fail(f"densities of '{layer}' are {json.dumps(pair)}, not fractions")
