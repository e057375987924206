"""Hybrid mechanics with the literature engines: assignment, conversions, memory, schedule."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from dse import Workload
from dse.plugin.manager import make_plugins
from dse.testing import BackendConformance
from tests.conftest import write

PLUGINS = make_plugins()
TECH = PLUGINS.technology("horowitz45")
HYBRID = PLUGINS.backend("hybrid")
ENGINES = {"ann_backend": "ottati2023-ann", "snn_backend": "ottati2023-snn"}
TWO = Workload.model_validate({"name": "two", "timesteps": 4, "layers": [
    {"name": "fc1", "kind": "dense", "in_features": 64, "out_features": 128, "input_density": 0.9},
    {"name": "fc2", "kind": "dense", "in_features": 128, "out_features": 10, "input_density": 0.05}]})


def hybrid(**params):
    return HYBRID.cost(TWO, HYBRID.parse_params({**ENGINES, **params}), TECH)


def engine(name: str, workload: Workload):
    backend = PLUGINS.backend(name)
    return backend.cost(workload, backend.parse_params({}), TECH)


def test_all_ann_and_all_snn_equal_the_engines() -> None:
    ann = engine("ottati2023-ann", TWO.with_knobs(timesteps=1))
    h = hybrid(split_after=2)
    assert (h.energy_pj, h.latency_s, h.area_mm2) == (ann.energy_pj, ann.latency_s, ann.area_mm2)
    snn = engine("ottati2023-snn", TWO)
    h = hybrid(split_after=0)
    assert (h.energy_pj, h.latency_s, h.area_mm2) == (snn.energy_pj, snn.latency_s, snn.area_mm2)
    assert [layer.engine for layer in h.layers] == ["snn", "snn"]


def test_rate_encoding_line_is_worked_out_by_hand() -> None:
    # fc2 on the SNN after fc1 on the ANN: 128 activations x T=4 draws, each an 8-bit compare
    # (0.03 pJ, Horowitz) and a 16-bit LFSR update (16 x 0.009 pJ, Aladdin register) = 0.174 pJ
    h = hybrid(split_after=1)
    assert h.layers[1].breakdown["conversion_rate_encoding"] == pytest.approx(128 * 4 * (0.03 + 16 * 0.009))
    assert "conversion_rate_encoding" in h.breakdown
    # direct: 128*10 synapses x 0.05 input density x T=4 = 256 synops, each an 8x8 multiply 0.2 pJ
    d = hybrid(split_after=1, encoding="direct")
    assert d.layers[1].breakdown["conversion_direct_mac"] == pytest.approx(256 * 0.2)


def test_spike_decoding_line_is_worked_out_by_hand() -> None:
    # SNN first: fc1 spikes counted into ceil(log2(5)) = 3-bit counters. fc1's output density is
    # fc2's input density 0.05: 128 x 0.05 x 4 = 25.6 increments x add(3 b) + 128 counter reads
    h = hybrid(split_after=1, order="snn_first")
    add3 = 0.03 * 3 / 8  # adder energy linear in width below the 8-bit table point
    assert h.layers[1].breakdown["conversion_spike_decoding"] == pytest.approx(
        25.6 * add3 + 128 * 3 * 0.009)
    assert [layer.engine for layer in h.layers] == ["snn", "ann"]


def test_memory_and_schedule_options() -> None:
    separate, shared = hybrid(split_after=1), hybrid(split_after=1, memory="shared")
    ann = engine("ottati2023-ann", TWO.with_knobs(timesteps=1))
    snn = engine("ottati2023-snn", TWO)
    assert separate.area_mm2 == pytest.approx(ann.area_mm2 + snn.area_mm2)
    assert shared.area_mm2 == pytest.approx(max(ann.area_mm2, snn.area_mm2) * 1.1)
    assert "leakage_idle_engine" in separate.breakdown and "leakage_idle_engine" not in shared.breakdown
    pipelined = hybrid(split_after=1, schedule="pipelined")
    busy = [layer.latency_cycles for layer in separate.layers]
    assert separate.latency_cycles == pytest.approx(sum(busy))
    assert pipelined.latency_cycles == pytest.approx(max(busy))


def test_layer_map_follows_the_layer_before() -> None:
    h = hybrid(layer_map={"fc2": "snn"})
    assert [layer.engine for layer in h.layers] == ["ann", "snn"]


@pytest.mark.parametrize(("params", "needle"), [
    ({"split_after": 3}, "params.split_after: 3 is beyond the last layer"),
    ({"layer_map": {"fc9": "snn"}}, "params.layer_map: names no layer 'fc9'"),
    ({"ann": {"rows": 8}}, "params.ann.rows: Extra inputs are not permitted"),
    ({"split_after": 1, "layer_map": {"fc1": "ann"}}, "set either split_after or layer_map"),
])
def test_bad_assignments_get_one_line_and_exit_2(cli, tmp_path: Path, params: dict, needle: str) -> None:
    w = write(tmp_path / "w.yaml", TWO.model_dump(by_alias=True))
    a = write(tmp_path / "a.yaml", {"backend": "hybrid", "name": "h", "params": {**ENGINES, **params}})
    code, _, err = cli("evaluate", w, a)
    assert code == 2 and len(err.strip().splitlines()) == 1 and needle in err, err


def test_batch_equals_scalar() -> None:
    frame = pl.DataFrame({"ann_backend": ["ottati2023-ann"] * 3, "snn_backend": ["ottati2023-snn"] * 3,
                          "split_after": [0, 1, 5]})
    out = HYBRID.cost_batch(TWO, frame, TECH)
    assert out["energy_pj"][0] == hybrid(split_after=0).energy_pj
    assert out["energy_pj"][1] == hybrid(split_after=1).energy_pj
    assert math.isnan(out["energy_pj"][2]) and "beyond the last layer" in out["error"][2]


class TestHybridConformance(BackendConformance):
    backend_name = "hybrid"
    params_examples = ({**ENGINES, "split_after": 1}, {**ENGINES, "split_after": 0, "memory": "shared"},
                       {**ENGINES, "split_after": 1, "order": "snn_first", "encoding": "direct"})
