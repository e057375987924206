"""The bandwidth model's counts, traffic, stalls, energy and area, worked out by hand.

The layer (cases.conv): 2 -> 3 channels, 3x3 kernel, 4x4 input, no padding, so 2x2 outputs.
As a GEMM: Npx = 4, K = 3·3·2 = 18, M = 3, 216 MACs; input 2·4·4 = 32 words. Technology
horowitz45 (Horowitz ISSCC 2014 energies, Aladdin areas, CACTI leakage; see
plugins/dse_literature/technologies.py).
"""

from __future__ import annotations

import pytest

from tests.systolic.cases import BACKEND, TECH, conv, cost, workload

WS_4x2 = {"rows": 4, "cols": 2, "dataflow": "ws"}


def test_weight_stationary_folds_cycles_and_sram_counts() -> None:
    # WS: Sr = K = 18, Sc = M = 3, T = Npx = 4; Fr = ceil(18/4) = 5, Fc = ceil(3/2) = 2: 10 folds.
    # Fill and drain over the PEs each fold uses: Σ (T - 2 + 2r + c) over the folds
    # = 10·2 + 2·(Σr = 18 per column fold)·2 + (Σc = 3 per row fold)·5 = 20 + 72 + 15 = 107.
    counts = cost(workload(conv()), **WS_4x2).layers[0].counts
    assert (counts["folds"], counts["compute_cycles"]) == (10, 107)
    assert counts["mapping_efficiency"] == pytest.approx(18 * 3 / (10 * 4 * 2))  # 0.675
    # the line buffer reads each of the 32 input words once per column fold: 2·32 = 64
    # (SCALE-Sim's im2col count would be Fc·K·Npx = 144); weights once: 54; psums go back to
    # the ofmap SRAM after every row fold but the last: Fr·M·Npx = 60 writes, 48 read back.
    assert (counts["sram_ifmap_reads"], counts["sram_filter_reads"]) == (64, 54)
    assert (counts["sram_ofmap_writes"], counts["sram_psum_reads"]) == (60, 48)


def test_scalesim_mode_charges_the_whole_array_per_fold() -> None:
    # 10·(T + 2·rows + cols - 2) - 1 = 10·(4 + 8 + 2 - 2) - 1 = 119; ifmap reads Fc·K·Npx = 144
    counts = cost(workload(conv()), **WS_4x2, latency_model="scalesim").layers[0].counts
    assert (counts["compute_cycles"], counts["sram_ifmap_reads"]) == (119, 144)


def test_output_stationary_drains_and_drops_scalesims_ofmap_overcount() -> None:
    # OS: Sr = Npx = 4, Sc = M = 3, T = K = 18; on 4x2: Fr = 1, Fc = 2.
    # bandwidth: 2·(18 - 2) + (2·2·4 + 1·3) = 32 + 19 = 51; ofmap writes = 12 outputs.
    # scalesim: 2·(18 + 4 + 2 - 2) - 1 = 43; ofmap writes = 12 + 2·(4 + 2) = 24.
    bandwidth = cost(workload(conv()), rows=4, cols=2, dataflow="os").layers[0].counts
    scalesim = cost(workload(conv()), rows=4, cols=2, dataflow="os", latency_model="scalesim").layers[0].counts
    assert (bandwidth["compute_cycles"], bandwidth["sram_ofmap_writes"]) == (51, 12)
    assert (scalesim["compute_cycles"], scalesim["sram_ofmap_writes"]) == (43, 24)


def test_depthwise_groups_are_packed_along_the_diagonal() -> None:
    # 8 channels, 3x3 depthwise on 6x6 -> 4x4: per group K = 9, M = 1, Npx = 16.
    # WS on 32x32: p = min(8, 32 // 9, 32 // 1) = 3 groups a pass, ceil(8/3) = 3 passes;
    # cycles = 3·(16 - 2) + 8·(2·9 + 1) = 42 + 152 = 194. SCALE-Sim runs 8 layers:
    # 8·(16 + 64 + 32 - 2 - 1) = 872.
    dw = conv(in_channels=8, out_channels=8, groups=8, in_height=6, in_width=6)
    assert cost(workload(dw), rows=32, cols=32, dataflow="ws").layers[0].counts["compute_cycles"] == 194
    assert cost(workload(dw), rows=32, cols=32, dataflow="ws",
                latency_model="scalesim").layers[0].counts["compute_cycles"] == 872


def test_dram_tiling_and_double_buffered_stalls() -> None:
    # ifmap SRAM of 192 bits: the 256-bit network input comes from DRAM, and as it is larger
    # than the 96-bit active half it is fetched once per column fold: 2·32 = 64 words. A
    # 256-bit filter SRAM cannot hold the 432 weight bits in its active half: they stream once
    # (stationary): 54 words. The 12 outputs are the network's: written to DRAM (96 bits).
    # DRAM bits = 64·8 + 54·8 read + 12·8 written = 944 + 96 = 1040 = 130 bytes.
    # Roofline at 1 byte/cycle over 10 folds: D = 130, the first fold's 13 exposed, the other
    # 117 against 107 cycles of compute: latency = max(107, 117) + 13 = 130, stalls 23.
    c = cost(workload(conv()), **WS_4x2, ifmap_sram_kib=192 / 8192, filter_sram_kib=256 / 8192,
             dram_bytes_per_cycle=1)
    counts = c.layers[0].counts
    assert (counts["dram_ifmap_words"], counts["dram_filter_words"], counts["dram_output_words"]) == (64, 54, 12)
    assert (counts["dram_read_bits"], counts["dram_write_bits"], counts["dram_bits"]) == (944, 96, 1040)
    assert (counts["stall_cycles"], c.latency_cycles) == (23, 130)
    assert c.breakdown["dram"] == pytest.approx(1040 * 1300 / 64)  # Horowitz: 1300 pJ per 64-bit access
    assert cost(workload(conv()), **WS_4x2, ifmap_sram_kib=192 / 8192, filter_sram_kib=256 / 8192,
                dram_bytes_per_cycle=1, latency_model="scalesim").latency_cycles == 119  # 10·12 - 1, no stalls


def test_a_layer_that_fits_pays_exactly_its_compulsory_traffic() -> None:
    # everything fits the 64 KiB SRAMs: the 32 input words come in once, the 54 weights once
    # (once per inference: weights_resident is off), the 12 outputs go out once:
    # (32 + 54)·8 = 688 bits read, 12·8 = 96 written. With weights_resident: true the weights
    # stay on chip across inferences and only 32·8 + 96 = 352 bits move.
    counts = cost(workload(conv()), **WS_4x2).layers[0].counts
    assert (counts["dram_ifmap_words"], counts["dram_filter_words"], counts["dram_output_words"]) == (32, 54, 12)
    assert (counts["dram_read_bits"], counts["dram_write_bits"], counts["dram_psum_words"]) == (688, 96, 0)
    resident = cost(workload(conv()), **WS_4x2, weights_resident=True).layers[0].counts
    assert (resident["dram_filter_words"], resident["dram_bits"]) == (0, 352)


def test_dram_writes_cost_the_technologys_write_factor() -> None:
    # the same compulsory traffic, 688 bits read and 96 written, on a DRAM whose writes cost
    # 1.5x its reads (ZigZag's tpu_like: 750 against 700 pJ per 64 bits): (688 + 1.5·96)·1300/64
    tech = TECH.model_copy(update={"dram_write_factor": 1.5})
    c = BACKEND.cost(workload(conv()), BACKEND.parse_params(WS_4x2), tech)
    assert c.breakdown["dram"] == pytest.approx((688 + 1.5 * 96) * 1300 / 64)


def test_a_middle_layer_that_does_not_fit_spills_and_comes_back() -> None:
    # conv (2 -> 3, 4x4 -> 2x2, 12 outputs) then a 1x1 conv (3 -> 3) on 2x2. The 12-word
    # tensor between them stays on chip when it fits min(ifmap, ofmap SRAM): 96 bits.
    # With an 88-bit ofmap SRAM it does not: it is written to DRAM (96 bits) and read back
    # once (12 words: the 200-bit ifmap SRAM's active half holds its 96 bits). The first conv's
    # 256-bit input exceeds that half: it comes in once per column fold (Fc = 2: 64 words,
    # 512 bits), and its 54 weights once (432 bits). The 1x1 conv's 9 weights come in (72
    # bits), its 12 outputs are the network's and go out (96 bits).
    second = conv("second", in_channels=3, in_height=2, in_width=2, kernel=1)
    fits = cost(workload(conv(), second), **WS_4x2).layers
    assert (fits[0].counts["dram_output_words"], fits[1].counts["dram_ifmap_words"]) == (0, 0)
    spill = cost(workload(conv(), second), **WS_4x2, ifmap_sram_kib=200 / 8192, ofmap_sram_kib=88 / 8192).layers
    assert (spill[0].counts["dram_write_bits"], spill[1].counts["dram_ifmap_words"]) == (96, 12)
    assert spill[0].counts["dram_read_bits"] == 512 + 432
    assert (spill[1].counts["dram_read_bits"], spill[1].counts["dram_write_bits"]) == (96 + 72, 96)


def test_energy_components() -> None:
    c = cost(workload(conv(input_density=0.5)), **WS_4x2)
    b = c.breakdown
    # MAC at 8x8 bits with a 16-bit accumulator: 0.2 + (0.03 + 0.07·8/24) = 0.25333 pJ; half the
    # activations are zero and cost the 1-bit flag, 0.009 pJ: 216·0.25333 - 108·(0.25333 - 0.009)
    assert b["compute"] == pytest.approx(216 * 0.2 + 216 * 0.16 / 3 - 108 * (0.2 + 0.16 / 3 - 0.009))
    # registers: per MAC an activation and a 16-bit psum (24 bits), 54 stationary weights, 144
    # line-buffer words: 5184 + 432 + 1152 = 6768 bits, less 7 bits for each of the half of the
    # 216 + 144 activation words that are zero (1260): 5508 bits · 0.009 pJ
    assert b["register"] == pytest.approx(5508 * 0.009)
    # SRAM banks: ifmap 64 KiB / 4 rows = 16 KiB, 0.15625·√2 pJ/bit (log-log between Horowitz's
    # 8 KB and 32 KB reads); filter and ofmap 64 KiB / 2 cols = 32 KiB, 20/64 pJ/bit
    assert b["sram_ifmap_read"] == pytest.approx(64 * 8 * 10 / 64 * 2**0.5)
    assert b["sram_filter_read"] == pytest.approx(54 * 8 * 20 / 64)
    assert b["sram_ofmap_write"] == pytest.approx((12 * 8 + 48 * 16) * 20 / 64)
    assert b["sram_ofmap_read"] == pytest.approx((48 * 16 + 12 * 8) * 20 / 64)
    # compulsory traffic only: the input (32 words) and weights (54) filled into their SRAMs
    # (write energy = read energy in horowitz45), the 12 outputs read from the ofmap SRAM
    # for write-back; 784 DRAM bits at 1300/64 pJ
    assert b["sram_ifmap_write"] == pytest.approx(32 * 8 * 10 / 64 * 2**0.5)
    assert b["sram_filter_write"] == pytest.approx(54 * 8 * 20 / 64)
    assert b["dram"] == pytest.approx(784 * 1300 / 64)
    # roofline: 98 bytes at 10 bytes/cycle over 10 folds: the first fold's 0.98 cycles show:
    # latency = ceil(max(107, 8.82) + 0.98) = 108 cycles
    assert c.latency_cycles == 108
    assert b["leakage"] == pytest.approx(TECH.leakage_energy(c.area_mm2, 108 / 700e6))
    assert c.energy_pj == pytest.approx(sum(b.values()))


def test_area() -> None:
    # per PE: 8x8 multiplier 6350·(45/40)²·64/1024 µm², 16-bit adder 278·(45/40)²·16/32 µm²,
    # 32 register bits of 5.98·(45/40)² µm²; a 2-lane vector unit of 8-bit adders; 192 KiB SRAM
    # at 0.362 µm²/bit (technologies.py: Aladdin areas scaled to 45 nm, CACTI 7 SRAM)
    scale = (45 / 40) ** 2
    pe = (6350 * 64 / 1024 + 278 * 16 / 32 + 32 * 5.98) * scale
    expected = (8 * pe + 2 * 278 * 8 / 32 * scale + 0.362 * 3 * 64 * 8192) * 1e-6
    assert cost(workload(conv()), **WS_4x2).area_mm2 == pytest.approx(expected)


def test_vector_unit_layers() -> None:
    # 2x2 max pool of the conv's 3x2x2 output: 12 inputs read, 3 outputs, 3·4 = 12 compares on
    # 2 lanes: 6 cycles. An add of the 12 outputs to themselves: 24 reads, 12 adds, 6 cycles.
    w = workload(conv(), {"name": "pool", "kind": "pool", "kernel": 2},
                 {"name": "add", "kind": "add", "skip_from": "conv", "input_from": "conv"})
    c = cost(w, **WS_4x2)
    pool, add = c.layers[1], c.layers[2]
    assert (pool.counts["compute_cycles"], pool.counts["sram_ifmap_reads"], pool.counts["vector_ops"]) == (6, 12, 12)
    assert (add.counts["compute_cycles"], add.counts["sram_ifmap_reads"], add.counts["vector_ops"]) == (6, 24, 12)
    assert pool.breakdown["compute"] == pytest.approx(12 * 0.03)  # 8-bit add, Horowitz
    assert pool.breakdown["sram_ofmap_write"] == pytest.approx(3 * 8 * 20 / 64)


def test_flatten_is_free_and_timesteps_do_not_repeat_the_pass() -> None:
    layers = (conv(), {"name": "flat", "kind": "flatten"}, {"name": "fc", "kind": "dense", "in_features": 12,
                                                              "out_features": 5})
    one, four = cost(workload(*layers)), cost(workload(*layers, timesteps=4))
    assert one.layers[1].energy_pj == 0 and one.layers[1].latency_cycles == 0
    assert one.energy_pj == four.energy_pj


def test_bit_width_overrides_change_the_mac_and_the_words() -> None:
    # 4-bit weights and activations: MAC 0.2·16/64 + add at 8 bits 0.03 = 0.08 pJ, no gating
    c = cost(workload(conv()), **WS_4x2, weight_bits=4, activation_bits=4, zero_gating=False)
    assert c.breakdown["compute"] == pytest.approx(216 * 0.08)
    assert c.layers[0].footprint_bits["weights"] == 54 * 4


def test_partial_sums_are_cut_into_chunks_that_fit_the_ofmap_sram() -> None:
    # a 128-bit ofmap SRAM: its 64-bit active half holds 2 steps of a column tile's psums
    # (min(2 cols, M = 3) = 2 words of 16 bits a step), so T = 4 runs as 2 chunks. Each reloads
    # the weights (54·2 = 108 filter reads) and pays its own fill and drain: refill =
    # (2 - 1)·(Σ(2r + c) - 2·folds) = 87 - 20 = 67 cycles on top of the 107 compute cycles.
    counts = cost(workload(conv()), **WS_4x2, ofmap_sram_kib=128 / 8192).layers[0].counts
    assert (counts["chunks"], counts["refill_cycles"], counts["sram_filter_reads"]) == (2, 67, 108)
    assert counts["compute_cycles"] == 107 and counts["dram_psum_words"] == 0


def test_partial_sums_spill_when_not_one_step_fits() -> None:
    # a 16-bit ofmap SRAM cannot hold one step (2·16 bits): the (Fr - 1)·M·Npx = 4·3·4 = 48
    # partial sums go to DRAM and come back (96 words), and the 12 outputs are written back
    counts = cost(workload(conv()), **WS_4x2, ofmap_sram_kib=16 / 8192).layers[0].counts
    assert (counts["chunks"], counts["dram_psum_words"], counts["dram_output_words"]) == (1, 96, 12)


def test_weight_stationary_partial_sums_accumulate_in_the_accumulator_buffer() -> None:
    # a 1 KiB accumulator buffer, 2 banks (cols) of 4096 bits. WS_4x2 folds the 18-row reduction
    # 5 times: every fold writes its 3·4 sums there (48 psum writes + 12 outputs = 60 writes),
    # every fold but the first reads them back and the finished 12 are read out (48 + 12 = 60
    # reads), 16 bits each: 960 bits each way. The ofmap SRAM receives only the 12 outputs
    # (12·8 bits at 20/64 pJ/bit) and reads them for the network's write-back (same).
    c = cost(workload(conv()), **WS_4x2, accumulator_sram_kib=1.0)
    b = c.breakdown
    per_bit = TECH.sram_read_energy(4096, 1.0)
    assert b["sram_accumulator_write"] == pytest.approx(960 * per_bit * TECH.sram_write_factor)
    assert b["sram_accumulator_read"] == pytest.approx(960 * per_bit)
    assert b["sram_ofmap_write"] == pytest.approx(12 * 8 * 20 / 64)
    assert b["sram_ofmap_read"] == pytest.approx(12 * 8 * 20 / 64)
    # the buffer's area is on the chip: 8192 bits at 0.362 µm²/bit more than without it
    assert c.area_mm2 - cost(workload(conv()), **WS_4x2).area_mm2 == pytest.approx(0.362 * 8192 * 1e-6)
    # output stationary accumulates in the PEs: the buffer is never used
    os_ = cost(workload(conv()), rows=4, cols=2, dataflow="os", accumulator_sram_kib=1.0).breakdown
    assert os_["sram_accumulator_read"] == os_["sram_accumulator_write"] == 0
