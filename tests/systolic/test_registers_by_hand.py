"""PE registers by operand and width, weight register files, the line buffer: worked out by hand.

The layer (cases.conv): 2 -> 3 channels, 3x3 kernel, 4x4 input, 2x2 outputs. As a GEMM
Npx = 4, K = 18, M = 3, 216 MACs; 8-bit weights and activations, 16-bit partial sums.
"""

from __future__ import annotations

import polars as pl
import pytest

from tests.systolic.cases import BACKEND, TECH, conv, cost, workload

WS_4x2 = {"rows": 4, "cols": 2, "dataflow": "ws", "zero_gating": False}
# powers of two, so that every product below is exact
PRICES = {"weight_register_read_pj_per_bit": 0.5, "weight_register_write_pj_per_bit": 0.25,
          "input_register_read_pj_per_bit": 0.125, "input_register_write_pj_per_bit": 1.0,
          "output_register_read_pj_per_bit": 2.0, "output_register_write_pj_per_bit": 4.0}


def test_each_register_is_charged_at_its_own_width_and_price() -> None:
    # WS on 4x2: 54 stationary weights loaded once; 216 activations move (one per MAC) and the
    # line buffer hands the array Fc·K·Npx = 2·72 = 144 more; every MAC writes its 16-bit sum
    # into the next PE and reads the sum it adds to, and reads its activation; its one weight
    # sits latched at the register's output (a free read).
    # writes: 54·8·0.25 + (216 + 144)·8·1 + 216·16·4 = 108 + 2880 + 13824
    # reads:  216·8·0.125 + 216·16·2              = 216 + 6912
    c = cost(workload(conv()), **WS_4x2, **PRICES).layers[0]
    assert c.breakdown["register"] == 108 + 2880 + 13824 + 216 + 6912
    assert (c.counts["register_write_bits"], c.counts["register_read_bits"]) == (
        54 * 8 + 360 * 8 + 216 * 16, 216 * 8 + 216 * 16)


def test_default_prices_are_the_technologys_write_and_a_free_read() -> None:
    # unset: a write costs register_pj_per_bit (horowitz45: 0.009 pJ), a read nothing; the
    # same 432 + 2880 + 3456 = 6768 bits written as in test_model_by_hand's energy test
    c = cost(workload(conv()), **WS_4x2).layers[0]
    assert c.breakdown["register"] == pytest.approx(6768 * TECH.register_pj_per_bit)


def test_an_output_stationary_pe_writes_its_accumulator_on_every_mac() -> None:
    # OS on 4x2: weights and activations move (216·8 each, plus the 144 line-buffer words), the
    # 16-bit accumulator is written on each of the 216 MACs and once more as the 12 finished
    # sums shift out: 1728 + 2880 + (216 + 12)·16 = 8256 bits at 0.009 pJ
    c = cost(workload(conv()), rows=4, cols=2, dataflow="os", zero_gating=False).layers[0]
    assert c.counts["register_write_bits"] == 8256
    assert c.breakdown["register"] == pytest.approx(8256 * 0.009)


def test_a_zero_activation_writes_its_flag_and_its_mac_reads_nothing() -> None:
    # half the activations are zero and gated: each of the 360 activation words moves as 4.5
    # bits on average (8 - 0.5·7), and only the 108 working MACs read their activation; ws
    # still passes all 216 sums down (and reads them).
    # writes: 54·8·0.25 + 360·4.5·1 + 216·16·4 = 108 + 1620 + 13824;
    # reads:  108·8·0.125 + 216·16·2 = 108 + 6912
    c = cost(workload(conv(input_density=0.5)), **{**WS_4x2, "zero_gating": True}, **PRICES).layers[0]
    assert c.breakdown["register"] == 108 + 1620 + 13824 + 108 + 6912


def test_without_a_line_buffer_the_array_reads_every_input_it_consumes() -> None:
    # WS: Fc·K·Npx = 2·18·4 = 144 ifmap SRAM reads (SCALE-Sim's count) instead of the line
    # buffer's 2·32 = 64, and no line-buffer words enter the input registers (360 -> 216)
    c = cost(workload(conv()), **WS_4x2, line_buffer=False, **PRICES).layers[0]
    assert c.counts["sram_ifmap_reads"] == 144
    assert c.breakdown["register"] == 108 + 216 * 8 * 1.0 + 13824 + 216 + 6912


def test_a_weight_register_file_keeps_the_reduction_in_the_pe() -> None:
    # 3 weights per PE: a row fold spans 4·3 = 12 of the K = 18 terms, so Fr = 2 (not 5): the
    # first fold on 4 rows 3 deep, the last (6 terms) on 4 rows 2 deep; Σr = 4 + 4 = 8.
    # cycles: per column fold the 5 steps of T = 4 (20), less 2 per fold, plus 2r + c a fold:
    # 2·5·4 - 2·4 + (2·2·8 + 2·3) = 40 - 8 + 38 = 70 (20 + 16 + 19 + 15 fold by fold).
    # partial sums leave the array after the first fold only: (Fr - 1)·M·Npx = 12 written back
    # and read again; the 54 weights are still loaded once each.
    counts = cost(workload(conv()), **WS_4x2, weight_register_words=3).layers[0].counts
    assert (counts["folds"], counts["compute_cycles"]) == (4, 70)
    assert (counts["sram_psum_reads"], counts["sram_ofmap_writes"], counts["sram_filter_reads"]) == (12, 24, 54)
    assert counts["mapping_efficiency"] == pytest.approx(18 * 3 / (10 * 4 * 2))  # as with one weight per PE
    # the whole reduction in one fold with 5 weights per PE: no partial sum leaves the array
    five = cost(workload(conv()), **WS_4x2, weight_register_words=5).layers[0].counts
    assert (five["folds"], five["sram_psum_reads"], five["sram_ofmap_writes"]) == (2, 0, 12)


def test_scalesim_mode_keeps_one_weight_per_pe() -> None:
    # SCALE-Sim's PE holds one weight: 10·(4 + 8 + 2 - 2) - 1 = 119 cycles whatever the file
    c = cost(workload(conv()), **WS_4x2, weight_register_words=8, latency_model="scalesim").layers[0]
    assert c.counts["compute_cycles"] == 119


def test_a_pe_holding_several_weights_reads_the_one_each_mac_needs() -> None:
    # 3 weights per PE: both folds are more than one weight deep (12 terms on 4 rows, then 6),
    # so all 216 MACs read an 8-bit weight at 0.5 pJ/bit: 864 pJ more than one weight per PE.
    # 4 weights per PE: Fr = ceil(18/16) = 2, the first fold 16 terms 4 deep, the last 2 terms
    # on 2 rows, one deep: 16/18 of the MACs (192) read their weight: 768 pJ.
    one = cost(workload(conv()), **WS_4x2, **PRICES).layers[0].breakdown["register"]
    three = cost(workload(conv()), **WS_4x2, **PRICES, weight_register_words=3).layers[0].breakdown["register"]
    four = cost(workload(conv()), **WS_4x2, **PRICES, weight_register_words=4).layers[0].breakdown["register"]
    assert (three - one, four - one) == (864, 768)


def test_a_weight_register_file_takes_its_area() -> None:
    # 8 one-byte weights per PE instead of one: 7·8 = 56 more register bits in each of the
    # 8 PEs at horowitz45's 5.98·(45/40)² µm² per bit (Aladdin, scaled)
    more = cost(workload(conv()), **WS_4x2, weight_register_words=8).area_mm2 - cost(workload(conv()), **WS_4x2).area_mm2
    assert more == pytest.approx(8 * 56 * 5.98 * (45 / 40) ** 2 * 1e-6)


def test_a_batch_mixing_register_file_depths_equals_each_design_alone() -> None:
    # one weight per PE (5 folds one deep: no weight reads) next to 3 and 4 weights per PE
    rows = [{**WS_4x2, **PRICES, "weight_register_words": n} for n in (1, 3, 4)]
    batch = BACKEND.cost_batch(workload(conv()), pl.DataFrame(rows), TECH)["energy_pj"].to_list()
    assert batch == [cost(workload(conv()), **row).energy_pj for row in rows]
