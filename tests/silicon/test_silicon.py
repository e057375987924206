"""`dse reproduce silicon`: named chips against their published measurements (docs/silicon.md).

Bands are asserted on the rows held apart from every fit ("check" rows). Where the issue's
band (Loihi per-op within 25 %, SNE's DVS-Gesture points and Eyeriss's AlexNet power within
35 %) is not met, a strict xfail states it and why: it turns into a failure the day the model
meets it, so the band can be tightened then.
"""

from __future__ import annotations

import json

import pytest
from dse_literature.silicon import networks as nets
from dse_literature.silicon.chips import CUTIE, EYERISS, LOIHI, LOIHI2, SNE
from dse_literature.silicon.measure import loihi_per_op
from dse_literature.silicon.study import fits, silicon
from dse_literature.silicon.technology import affine_in_k, fit_k

from dse.plugin.manager import make_plugins


@pytest.fixture(scope="module")
def plugins():
    return make_plugins()


@pytest.fixture(scope="module")
def rows(plugins):
    return {(r.chip, r.quantity, r.workload): r for r in silicon(plugins)}


def test_every_fitted_factor_in_a_preset_is_what_the_fit_gives(plugins) -> None:
    # Each preset's k is a literal (tests/silicon/test_presets_pinned.py); refitting must give it
    # to its four printed digits.
    refit = fits(plugins)
    for chip in (LOIHI, SNE, CUTIE, EYERISS):
        assert chip.k == pytest.approx(refit[chip.name], rel=5e-4), chip.name
    assert LOIHI.leak_k == pytest.approx(refit["loihi-leak"], rel=5e-4)
    # Loihi 2 has no published per-op energy: it carries Loihi's factors unrefitted (chips.py says so).
    assert (LOIHI2.k, LOIHI2.leak_k) == (LOIHI.k, LOIHI.leak_k)
    assert EYERISS.leak_k == pytest.approx(refit["eyeriss-leak"], rel=5e-4)


def test_fit_k_is_exact_on_one_point_and_a_log_least_squares_on_several() -> None:
    # q(k) = 3k + 2 reaches 11 at k = 3.
    assert affine_in_k(lambda k: 3 * k + 2) == pytest.approx((3.0, 2.0))
    assert fit_k([lambda k: 3 * k + 2], [11.0]) == pytest.approx(3.0)
    # q1 = k, q2 = k against 2 and 8: the log-least-squares optimum is the geometric mean, 4.
    assert fit_k([lambda k: k, lambda k: k], [2.0, 8.0]) == pytest.approx(4.0)


def test_fitted_rows_are_exactly_the_ones_the_chips_name(rows) -> None:
    fitted = sorted(key[:2] for key, r in rows.items() if r.fitted)
    assert fitted == [("cutie", "energy per inference"), ("eyeriss", "chip power (13 layers fitted)"),
                      ("loihi", "idle (static) power"), ("sne", "energy per synaptic op (marginal)")]
    for key, row in rows.items():
        if row.fitted:
            # one-point fits are exact; Eyeriss's two factors are a least squares over 13 layers (+0.9 %)
            assert row.error_pct == pytest.approx(0.0, abs=1e-6 if key[0] != "eyeriss" else 1.0)


def test_the_published_networks_have_their_published_sizes() -> None:
    # Chen et al., ISSCC 2016: AlexNet 666 M MACs per 227x227 image, VGG-16 15.3 G per 224x224.
    assert nets.alexnet_conv().macs == 665_784_864
    assert round(nets.vgg16_conv().macs / 1e9, 1) == 15.3
    # Blouw et al. 2019: 390-256-256-29, 390·256 + 256·256 + 256·29 = 172,800 synapses.
    assert nets.keyword_spotter().macs == 172_800


# Rows held apart from every fit, with the band they meet today (|error| below it).
PROBE, DVS = "probe: dense 64->32, 5 steps", "DVS Gesture (zoo:dvs-gesture-scnn)"
HELD_OUT_BANDS = {
    ("loihi", "energy per synaptic op", PROBE): 25.0,  # +2.0 %: k fitted on the two update energies
    ("loihi", "energy per inactive neuron update", PROBE): 25.0,  # +21.7 %: k fitted on the synaptic op
    ("loihi", "energy per active neuron update", PROBE): 25.0,  # -21.1 %: k fitted on the synaptic op
    ("sne", "energy at 4.9 % / energy at 1.2 %", DVS): 10.0,  # -5.2 %: the fixed/variable split
    ("cutie", "energy per inference", "DVS Gesture ternary TCN"): 15.0,  # -10.6 %: k fitted on CIFAR-10
    ("eyeriss", "chip power", "AlexNet conv layers"): 35.0,  # -9.0 %: k and leak_k fitted on VGG-16's layers
    **{("eyeriss", f"chip power, CONV{i}", "AlexNet conv layers"): 25.0 for i in range(1, 6)},  # -22.0 .. +7.3 %
}


@pytest.mark.parametrize("key", list(HELD_OUT_BANDS), ids=lambda key: " / ".join(key[:2]))
def test_held_out_rows_stay_within_their_band(rows, key) -> None:
    row = rows[key]
    assert not row.fitted
    assert abs(row.error_pct) < HELD_OUT_BANDS[key]


def test_issue_band_loihi_per_op_energies_within_25_percent(rows) -> None:
    # Held out two-fold (Davies et al. 2018 Table 2): the synaptic op with k fitted on the two updates,
    # each update with k fitted on the synaptic op; none of the three rows is used to fit its own k.
    for name in ("energy per synaptic op", "energy per inactive neuron update", "energy per active neuron update"):
        row = rows[("loihi", name, PROBE)]
        assert not row.fitted and abs(row.error_pct) < 25.0
        assert LOIHI_PER_OP_PUBLISHED[name] == row.published


LOIHI_PER_OP_PUBLISHED = {"energy per synaptic op": 23.6, "energy per inactive neuron update": 52.0,
                          "energy per active neuron update": 81.0}  # pJ, Davies et al. 2018 Table 2


@pytest.mark.xfail(strict=True, reason="SNE's DVS-Gesture network and fixed energy (21.3 µJ) are not in dse's "
                   "references; the points imply 600x the synaptic ops of dse's network (docs/silicon.md)")
def test_issue_band_sne_dvs_gesture_points_within_35_percent(rows) -> None:
    for activity in ("1.2%", "4.9%"):
        assert abs(rows[("sne", f"energy per inference at {activity} activity", DVS)].error_pct) < 35.0


def test_sne_points_imply_a_fixed_part_and_600x_the_ops_of_dses_network(plugins) -> None:
    """docs/silicon.md's worked figures for SNE (Di Mauro et al. 2022: 80 and 261 µJ at 1.2 and 4.9 %, 0.221 pJ/op).

    Slope S = (261 - 80) / (0.049 - 0.012) = 4891.9 µJ per unit of activity; fixed part E0 = 80 - 0.012 S
    = 21.3 µJ; S / 0.221 pJ = 2.21e10 ops per unit of activity, against dse's (1,830,044 - 448,174) / 0.037
    = 3.73e7: 592x.
    """
    from dse_literature.silicon.measure import cost
    from dse_literature.silicon.study import SNE_DVS_UJ, SNE_NET, SNE_PJ_PER_SOP, _quietly_loaded

    (a0, e0), (a1, e1) = SNE_DVS_UJ.items()
    slope = (e1 - e0) / (a1 - a0)
    assert slope == pytest.approx(4891.9, abs=0.1)
    assert e0 - a0 * slope == pytest.approx(21.3, abs=0.05)
    published_ops = slope * 1e6 / SNE_PJ_PER_SOP
    assert published_ops == pytest.approx(2.21e10, rel=2e-3)
    net = _quietly_loaded(SNE_NET, plugins)
    ops = [cost(plugins, SNE.architecture(), nets.with_activity(net, a)).counts["synaptic_ops"] for a in (a0, a1)]
    assert ops[0] == pytest.approx(448_174, abs=1)
    assert published_ops / ((ops[1] - ops[0]) / (a1 - a0)) == pytest.approx(592, abs=1)


def test_issue_band_eyeriss_alexnet_within_35_percent(rows) -> None:
    # Held out: k and leak_k are fitted on VGG-16's layers only (Chen et al. 2017 Table VI).
    assert abs(rows[("eyeriss", "chip power", "AlexNet conv layers")].error_pct) < 35.0


def test_loihi_updates_with_k_fitted_on_the_synaptic_op_alone(plugins) -> None:
    """docs/silicon.md: k fitted on 23.6 pJ per synaptic op alone puts both updates within 25 %.

    At k = 1 the probe gives 1.977 pJ per synaptic op and 3.157 / 3.191 pJ per inactive / active
    update; k = 20.04 (23.6 pJ) gives 63.27 and 63.95 pJ: +21.7 % against 52 pJ, -21.1 % against 81.
    """
    per_op: dict[float, dict[str, float]] = {}

    def value(name: str):
        def at(k: float) -> float:
            per_op.setdefault(k, loihi_per_op(plugins, LOIHI.architecture(k)))
            return per_op[k][name]
        return at

    k = fit_k([value("synop")], [23.6])
    assert k == pytest.approx(20.04, abs=0.01)
    assert 100 * (value("inactive")(k) - 52.0) / 52.0 == pytest.approx(21.7, abs=0.05)
    assert 100 * (value("active")(k) - 81.0) / 81.0 == pytest.approx(-21.1, abs=0.05)


def test_eyeriss_tables_are_consistent_with_the_abstract() -> None:
    # Chen et al. 2017: the latency-weighted layer powers give the abstract's 278 and 236 mW, and the latencies
    # sum to Table V's 115.3 ms for 4 frames (34.7 fps) and Table VI's 4309.5 ms for 3 (0.7 fps).
    for table, total_mw, total_ms in ((nets.EYERISS_ALEXNET, 278.0, 115.3), (nets.EYERISS_VGG16, 236.0, 4309.5)):
        ms = sum(layer.latency_ms for layer in table)
        assert ms == pytest.approx(total_ms, abs=0.7)
        assert sum(layer.power_mw * layer.latency_ms for layer in table) / ms == pytest.approx(total_mw, abs=1.5)


def test_eyeriss_fit_solves_the_two_factor_least_squares() -> None:
    # Hand-worked: layers with dynamic 1 and 2 mW, static 1 mW, published 3 and 5 mW are met exactly by
    # k = 2, leak_k = 1 (2·1 + 1 = 3, 2·2 + 1 = 5).
    from dse_literature.silicon.eyeriss import LayerTerms, fit, network_power_mw

    terms = [LayerTerms(1.0, 0.0, 1.0, 10.0), LayerTerms(2.0, 0.0, 1.0, 30.0)]
    assert fit(terms, [3.0, 5.0]) == pytest.approx((2.0, 1.0))
    assert network_power_mw(terms, 2.0, 1.0) == pytest.approx((3.0 * 10 + 5.0 * 30) / 40)


def test_reproduce_silicon_json_has_the_documented_keys(cli) -> None:
    code, out, _ = cli("reproduce", "silicon", "--json")
    assert code == 0
    data = json.loads(out)
    keys = {"chip", "quantity", "workload", "published", "dse", "unit", "error_pct", "fitted", "source"}
    assert all(keys <= set(row) for row in data)
    assert {row["chip"] for row in data} == {"loihi", "sne", "cutie", "eyeriss", "truenorth", "tianjic"}
    kws = next(row for row in data if row["workload"].startswith("keyword spotting"))
    assert kws["published"] == 0.27 and kws["unit"] == "mJ" and "assumed" in kws["assumed"]
    code, out, _ = cli("reproduce", "silicon")
    assert code == 0 and "docs/silicon.md" in out


def test_docs_silicon_quotes_the_table_as_it_is(rows) -> None:
    # docs/silicon.md's table is the closing note's quote of `dse reproduce silicon`: it must not go stale.
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "silicon.md").read_text(encoding="utf-8")
    expected = [f"| {r.chip} | {r.quantity} | {r.workload} | {r.published:.4g} | {r.dse:.4g} | {r.unit} | "
                f"{round(r.error_pct, 1) + 0.0:+.1f} % | {'fitted' if r.fitted else 'check'} |" for r in rows.values()]
    for line in expected:
        assert line in text, line


def test_tianjic_sram_is_its_published_22_kb_per_core() -> None:
    # IEEE CAS Magazine 2022, p. 24: about 22 KB of SRAM per FCore. SNN mode: 16 + 6 KiB per core;
    # ANN mode: (2496 + 468 + 468) KiB over 156 cores = 22 KiB per core.
    from dse_literature.silicon.chips import TIANJIC

    snn, ann = TIANJIC.params["snn"], TIANJIC.params["ann"]
    assert snn["weight_sram_kib"] + snn["state_sram_kib"] == 22.0
    assert (ann["filter_sram_kib"] + ann["ifmap_sram_kib"] + ann["ofmap_sram_kib"]) / snn["cores"] == 22.0


def test_tianjic_hybrid_split_is_costed_on_both_engines(plugins) -> None:
    from dse_literature.silicon.measure import cost
    from dse_literature.silicon.study import tianjic_split

    workload = nets.tianjic_hybrid()
    hybrid = cost(plugins, tianjic_split(nets.TIANJIC_SPLIT), workload)
    engines = {layer.name: layer.engine for layer in hybrid.layers}
    # conv1-3 and the flatten in ANN mode, the spiking MLP in SNN mode
    assert engines == {"conv1": "ann", "conv2": "ann", "conv3": "ann", "flat": "ann",
                       "fc1": "snn", "fc2": "snn", "fc3": "snn"}
    assert hybrid.breakdown["conversion_rate_encoding"] > 0  # the ANN -> SNN boundary is paid


def test_tianjic_hybrid_split_is_the_cheapest_as_docs_silicon_quotes(plugins) -> None:
    # docs/silicon.md's split table: 33.6 µJ (all SNN), 0.78 µJ (hybrid), 1.05 µJ (all ANN) per round.
    from dse_literature.silicon.measure import cost, dynamic_energy_pj
    from dse_literature.silicon.study import tianjic_split

    workload = nets.tianjic_hybrid()
    energy_uj = {split: dynamic_energy_pj(cost(plugins, tianjic_split(split), workload)) / 1e6 for split in (0, 4, 7)}
    assert energy_uj[4] < energy_uj[7] < energy_uj[0]
    assert [round(energy_uj[s], 2) for s in (0, 4, 7)] == [33.56, 0.78, 1.05]
