"""The kit fails, naming the cause, on the bugs plugin authors make (issue 12's list).

A toy backend (energy = MACs × 1 pJ + weights × 0.5 pJ + 100 pJ leakage per layer; one MAC
per cycle) is correct; each subclass breaks one rule. On the conformance CNN's first layer
(3→8 channels, 3×3, 12×12, padding 1: 3·8·9·144 = 31,104 MACs at density 1) the numbers in
the messages can be checked by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from pydantic import BaseModel, ConfigDict, Field

from dse import BATCH_COLUMNS, Backend, Cost, LayerCost, Technology, Workload
from dse.plugin.manager import make_plugins
from dse.testing import ConformanceError, conformance_workload_set
from dse.testing.checks import (
    Case,
    check_batch_matches_cost,
    check_cost,
    check_forbids_unknown_keys,
)
from dse.testing.designs import generated_designs


class ToyParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    pj_per_mac: float = Field(1.0, gt=0)
    clock_mhz: float = Field(100.0, gt=0)


class Toy(Backend):
    name = "toy"
    Params = ToyParams

    def breakdown(self, layer: Any, params: Any) -> dict[str, float]:
        return {"mac": layer.macs * params.pj_per_mac, "weights": layer.weights * 0.5, "leakage": 100.0}

    def cost(self, workload: Workload, params: Any, technology: Technology) -> Cost:
        layers = tuple(LayerCost(name=l.name, kind=l.kind, breakdown=self.breakdown(l, params),
                                 latency_cycles=float(l.macs)) for l in workload.layers)
        return Cost(layers=layers, latency_cycles=sum(l.latency_cycles for l in layers), clock_mhz=params.clock_mhz,
                    area_mm2=1.0)

    def cost_batch(self, workload: Workload, params: pl.DataFrame, technology: Technology) -> pl.DataFrame:
        pj = params["pj_per_mac"].to_numpy()
        clock = params["clock_mhz"].to_numpy()
        macs = sum(l.macs for l in workload.layers)
        energy = macs * pj + self.batch_rest(workload)
        cycles = np.full(len(pj), float(macs)) * self.latency_sign
        seconds = cycles / (clock * 1e6)
        power = energy / seconds * 1e-9
        return pl.DataFrame({"energy_pj": energy, "latency_cycles": cycles, "latency_s": seconds,
                             "area_mm2": np.ones(len(pj)), "power_mw": power, "memory_fits": [True] * len(pj),
                             "error": pl.Series([None] * len(pj), dtype=pl.String)}).select(BATCH_COLUMNS)

    latency_sign = 1.0

    def batch_rest(self, workload: Workload) -> float:
        return sum(l.weights * 0.5 + 100.0 for l in workload.layers)


class DropsLeakageInBatch(Toy):
    def batch_rest(self, workload: Workload) -> float:
        return sum(l.weights * 0.5 for l in workload.layers)


class NegativeLatencyInBatch(Toy):
    latency_sign = -1.0


class TotalInBreakdown(Toy):
    def breakdown(self, layer: Any, params: Any) -> dict[str, float]:
        parts = super().breakdown(layer, params)
        return {**parts, "total": sum(parts.values())}


class LaxParams(BaseModel):
    pj_per_mac: float = 1.0
    clock_mhz: float = 100.0


class AcceptsUnknownKeys(Toy):
    Params = LaxParams


TECH = make_plugins().technology(None)
CNN = conformance_workload_set()[0]


def test_the_correct_toy_passes_every_check() -> None:
    backend = Toy()
    designs = generated_designs(backend, ({}, {"pj_per_mac": 2.0}))
    # {} and pj 2.0, then neighbours: pj 2, 0.5, 4, 1 (seen) and clock 200, 50 of each example
    assert len(designs) >= 4
    check_batch_matches_cost(backend, CNN, designs, TECH)
    check_cost(backend.cost(CNN, designs[0], TECH), Case("toy", CNN.name, {}))
    check_forbids_unknown_keys(backend, {})


def test_a_batch_path_that_drops_a_component_is_named() -> None:
    # the gap is 7 layers × 100 pJ of leakage = 700 pJ, the network's breakdown['leakage']
    with pytest.raises(ConformanceError, match=r"backend 'toy', workload 'conformance-cnn', params .*"
                       r"cost_batch energy_pj = .* but cost\(\) gives .*the gap, 700 pJ, is breakdown\['leakage'\]: "
                       r"the batch path drops it"):
        check_batch_matches_cost(DropsLeakageInBatch(), CNN, [ToyParams()], TECH)


def test_a_batch_path_with_negative_latency_is_named() -> None:
    with pytest.raises(ConformanceError, match=r"backend 'toy', workload 'conformance-cnn', params "
                       r"\{\"clock_mhz\": 100.0, \"pj_per_mac\": 1.0\}: cost_batch latency_cycles is -\d+.*"
                       r"must not be negative"):
        check_batch_matches_cost(NegativeLatencyInBatch(), CNN, [ToyParams()], TECH)


def test_a_total_key_in_a_breakdown_is_named() -> None:
    backend = TotalInBreakdown()
    with pytest.raises(ConformanceError, match=r"layer 'c1': breakdown key 'total' looks like a total.*"
                       "counts every component twice"):
        check_cost(backend.cost(CNN, ToyParams(), TECH), Case("toy", CNN.name, {}))


def test_a_renamed_total_is_caught_as_the_sum_of_the_others() -> None:
    class Everything(Toy):
        def breakdown(self, layer: Any, params: Any) -> dict[str, float]:
            parts = super().breakdown(layer, params)
            return {**parts, "whole_layer": sum(parts.values())}

    with pytest.raises(ConformanceError, match=r"breakdown\['whole_layer'\] = .* equals the sum of the other"):
        check_cost(Everything().cost(CNN, ToyParams(), TECH), Case("toy", CNN.name, {}))


def test_a_params_model_that_accepts_unknown_keys_is_named() -> None:
    with pytest.raises(ConformanceError, match=r"backend 'toy', params .*: the Params model accepts the unknown "
                       r"key 'dse_kit_unknown_key'.*extra='forbid'"):
        check_forbids_unknown_keys(AcceptsUnknownKeys(), {})


def test_the_suites_run_these_checks_through_pytest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_toy='''
        import dse
        from dse.testing import BackendConformance
        from tests_toy_backend import DropsLeakageInBatch

        class Plugin:
            @dse.hookimpl
            def dse_register_backends(self, register):
                register(DropsLeakageInBatch())

        class TestBroken(BackendConformance):
            backend_name = "toy"
            def plugins(self):  # pragma: no cover - replaced below
                pass

        import pytest
        from dse.plugin.manager import make_plugins
        TestBroken.plugins = pytest.fixture(lambda self: make_plugins(extra=[Plugin()]))
    ''')
    pytester.makepyfile(tests_toy_backend=Path(__file__).read_text())
    result = pytester.runpytest("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["*the batch path drops it*"])
