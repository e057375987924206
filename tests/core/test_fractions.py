"""Fractions in totals are fractions: a MAC-weighted mean of the layers, not a sum."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dse.schema.cost import Cost, LayerCost
from tests.conftest import write


def _layer(name: str, macs: float, efficiency: float, cycles: float = 10.0) -> LayerCost:
    return LayerCost(name=name, kind="dense", breakdown={"compute": 1.0}, latency_cycles=cycles,
                     counts={"macs": macs, "mapping_efficiency": efficiency, "folds": 2.0})


def test_mapping_efficiency_total_is_the_mac_weighted_mean() -> None:
    cost = Cost(layers=(_layer("a", 100, 0.5), _layer("b", 300, 1.0)), latency_cycles=20, clock_mhz=100, area_mm2=1)
    # (100 x 0.5 + 300 x 1.0) / (100 + 300) = 350 / 400; other counts still add up
    assert cost.counts == {"macs": 400.0, "folds": 4.0, "mapping_efficiency": pytest.approx(0.875)}


@given(st.lists(st.tuples(st.floats(1, 1e9), st.floats(0, 1)), min_size=1, max_size=8))
def test_a_fraction_total_lies_between_its_layers(layers: list[tuple[float, float]]) -> None:
    cost = Cost(layers=tuple(_layer(f"l{i}", m, e) for i, (m, e) in enumerate(layers)),
                latency_cycles=1, clock_mhz=1, area_mm2=0)
    values = [e for _, e in layers]
    # rounding of the weighted sum: a few ulp of a fraction, far below 1e-9
    assert min(values) - 1e-9 <= cost.counts["mapping_efficiency"] <= max(values) + 1e-9


def test_evaluate_reports_a_fraction_for_a_network(cli, tmp_path: Path) -> None:
    workload = write(tmp_path / "w.yaml", {"name": "mlp", "layers": [
        {"name": "fc1", "kind": "dense", "in_features": 64, "out_features": 128},
        {"name": "fc2", "kind": "dense", "in_features": 128, "out_features": 10}]})
    arch = write(tmp_path / "a.yaml", {"backend": "systolic", "name": "s", "technology": "horowitz45",
                                       "params": {"rows": 32, "cols": 32, "dataflow": "ws"}})
    code, out, err = cli("evaluate", workload, arch, "--json")
    assert code == 0, err
    doc = json.loads(out)
    layers = [(layer["counts"]["macs"], layer["counts"]["mapping_efficiency"]) for layer in doc["layers"]]
    # ws on 32 x 32: fc1 folds 64 x 128 into 2 x 4 full tiles (efficiency 1); fc2 128 x 10 into 4 x 1 tiles
    # of 32 x 10 (efficiency 10/32); MACs 8,192 and 1,280: (8,192 x 1 + 1,280 x 10/32) / 9,472 = 8,592 / 9,472
    assert [e for _, e in layers] == [pytest.approx(1.0), pytest.approx(10 / 32)]
    assert doc["totals"]["counts"]["mapping_efficiency"] == pytest.approx(8_592 / 9_472)
    assert doc["totals"]["counts"]["macs"] == 9_472
