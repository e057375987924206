"""``latency_model: scalesim`` reproduces SCALE-Sim v3's ideal-bandwidth runs exactly.

Every run of scalesim_calc_public.csv (90) and scalesim_calc_extra.csv (84): compute cycles,
the three SRAM counts, mapping efficiency (the CSV rounds it to 4 decimals, in %) and, where
dse's output count agrees with SCALE-Sim's, overall utilisation.
"""

from __future__ import annotations

import pytest

from tests.systolic.cases import BACKEND, TECH, conv, cost, layer_of, reference_runs, workload

RUNS = reference_runs()


@pytest.mark.parametrize("run", RUNS, ids=lambda r: f"{r['layer_name']}-{r['array_rows']}x{r['array_cols']}-{r['dataflow']}")
def test_every_scalesim_run_is_reproduced(run: dict[str, str]) -> None:
    params = {"rows": int(run["array_rows"]), "cols": int(run["array_cols"]), "dataflow": run["dataflow"],
              "latency_model": "scalesim"}
    layer = cost(workload(layer_of(run)), **params).layers[0]
    counts = layer.counts
    assert counts["compute_cycles"] == int(run["total_compute_cycles"])
    assert counts["sram_ifmap_reads"] == int(run["sram_ifmap_reads"])
    assert counts["sram_filter_reads"] == int(run["sram_filter_reads"])
    assert counts["sram_ofmap_writes"] == int(run["sram_ofmap_writes"])
    assert counts["mapping_efficiency"] * 100 == pytest.approx(float(run["mapping_eff_pct"]), abs=6e-5)  # 4 decimals, rounded
    if counts["macs"] == int(run["macs"]):  # SCALE-Sim computes extra windows when s does not divide H - R
        assert layer.utilization * 100 == pytest.approx(float(run["overall_util_pct"]), abs=6e-5)  # 4 decimals, rounded
    assert layer.latency_cycles == counts["compute_cycles"]  # ideal bandwidth: no stalls


def test_the_reference_covers_every_dataflow_odd_arrays_and_depthwise() -> None:
    assert len(RUNS) == 90 + 84
    assert {r["dataflow"] for r in RUNS} == {"os", "ws", "is"}
    assert {(r["array_rows"], r["array_cols"]) for r in RUNS} >= {("8", "16"), ("16", "8"), ("5", "7"), ("32", "32")}
    assert sum("DP" in r["layer_name"] for r in RUNS) == 4 + 12


def test_a_stride_that_does_not_divide_h_minus_r_counts_scalesims_extra_outputs() -> None:
    # 16x16 input, 3x3 kernel, stride 2: PyTorch gives floor(13/2) + 1 = 7 outputs a side,
    # SCALE-Sim ceil((16 - 3 + 2)/2) = 8 (topology_utils.py). OS on 8x16: Npx = 64 rows of the
    # GEMM -> Fr = 8, Fc = ceil(12/16) = 1; cycles = 8·(K + rows + cols - 2) - 1 with K = 72:
    # 8·(72 + 8 + 16 - 2) - 1 = 751 (scalesim_calc_extra.csv, conv_stride2_odd 8x16 os).
    w = workload(conv(in_channels=8, out_channels=12, in_height=16, in_width=16, stride=2))
    layer = cost(w, rows=8, cols=16, dataflow="os", latency_model="scalesim").layers[0]
    assert layer.counts["compute_cycles"] == 751
    assert w.layers[0].out_shape == (12, 7, 7)


def test_a_dense_layer_is_a_one_pixel_gemm() -> None:
    # resnet18_fc in the public CSV: 512 -> 1000 on 8x8 WS: Sr = K = 512, Sc = M = 1000, T = 1;
    # Fr = 64, Fc = 125; cycles = 8000·(1 + 16 + 8 - 2) - 1 = 183,999.
    w = workload({"name": "fc", "kind": "dense", "in_features": 512, "out_features": 1000})
    counts = BACKEND.cost(w, BACKEND.parse_params({"rows": 8, "cols": 8, "latency_model": "scalesim"}), TECH).counts
    assert (counts["compute_cycles"], counts["sram_ifmap_reads"], counts["sram_filter_reads"],
            counts["sram_ofmap_writes"]) == (183_999, 64_000, 512_000, 64_000)
