"""Several arrays on one chip (dse_systolic.cores): one 4x4 array against four 2x2 arrays, by hand.

Cycles follow SCALE-Sim's ideal-bandwidth count (docs/references/scalesim.md), weight
stationary: Sr = K, Sc = M, T = Npx, compute cycles = Fr·Fc·(T + 2·rows + cols − 2) − 1.
Words are 8 bits (the layers' default widths).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.systolic.cases import TECH, conv, cost, workload
from tests.systolic.test_properties import gemm_layer

# 2 -> 8 channels, 3x3 kernel, 4x4 input, padding 1: K = 18, M = 8, Npx = 16 (E = 4 rows of 4)
WIDE = conv(in_channels=2, out_channels=8, padding=1)
# 4 -> 2 channels, 1x1 kernel, 8x8 input: K = 4, M = 2, Npx = 64 (E = 8 rows of 8)
TALL = conv("pw", in_channels=4, out_channels=2, in_height=8, in_width=8, kernel=1)
ONE = {"rows": 4, "cols": 4, "latency_model": "scalesim"}
FOUR = {"rows": 2, "cols": 2, "cores": 4, "latency_model": "scalesim"}


def counts(layer: dict[str, Any], **params: Any) -> dict[str, float]:
    return cost(workload(layer), **params).layers[0].counts


def test_four_quarter_arrays_split_a_wide_layer_by_output_channels() -> None:
    # one 4x4: Fr = ceil(18/4) = 5, Fc = ceil(8/4) = 2, (16 + 8 + 4 − 2)·10 − 1 = 259
    assert counts(WIDE, **ONE)["compute_cycles"] == 259
    # channels: 2 filters a core, Fr = ceil(18/2) = 9, Fc = 1: (16 + 4 + 2 − 2)·9 − 1 = 179
    assert counts(WIDE, **FOUR, partition="channels")["compute_cycles"] == 179
    # spatial: 1 output row (4 pixels) a core, Fr = 9, Fc = ceil(8/2) = 4: (4 + 4 + 2 − 2)·36 − 1 = 287
    assert counts(WIDE, **FOUR, partition="spatial")["compute_cycles"] == 287
    auto = counts(WIDE, **FOUR)
    assert (auto["compute_cycles"], auto["partition"], auto["cores_busy"]) == (179, 1, 4)  # 1: channels


def test_four_quarter_arrays_split_a_tall_layer_by_rows() -> None:
    # one 4x4: Fr = Fc = 1, (64 + 8 + 4 − 2) − 1 = 73
    assert counts(TALL, **ONE)["compute_cycles"] == 73
    # channels: 2 filters over 4 cores, two idle; Fr = ceil(4/2) = 2: (64 + 4 + 2 − 2)·2 − 1 = 135
    by_channels = counts(TALL, **FOUR, partition="channels")
    assert (by_channels["compute_cycles"], by_channels["cores_busy"]) == (135, 2)
    # spatial: 2 rows (16 pixels) a core, Fr = 2, Fc = 1: (16 + 4 + 2 − 2)·2 − 1 = 39
    assert counts(TALL, **FOUR, partition="spatial")["compute_cycles"] == 39
    auto = counts(TALL, **FOUR)
    assert (auto["compute_cycles"], auto["partition"]) == (39, 2)  # 2: spatial


def test_global_buffer_and_dram_traffic_by_hand() -> None:
    # channels: the 2·4·4 = 32-word input is broadcast (read once from the global buffer for all
    # cores); each core fetches its 18·2 = 36 weights (144 in all) and writes its 2·16 = 32 outputs
    # (128). Everything fits the buffer's active half (54 KiB), so DRAM moves each word once: the
    # network's input 32 and weights 144 in, output 128 out. Buffer reads = (32 + 144)·8 bits to the
    # cores + 128·8 to DRAM = 2432 bits; writes = 128·8 from the cores + 176·8 from DRAM = 2432.
    c = counts(WIDE, **FOUR, partition="channels")
    assert (c["dram_ifmap_words"], c["dram_filter_words"], c["dram_output_words"]) == (32, 144, 128)
    assert (c["global_buffer_read_bits"], c["global_buffer_write_bits"], c["dram_bits"]) == (2432, 2432, 2432)
    # spatial: weights broadcast (144 once), each core reads its one output row's 3 input rows
    # (the halo: min(4, (1 − 1)·1 + 3) = 3 rows of 2·4 words, 24 words; 96 in all):
    # reads = (96 + 144 + 128)·8 = 2944 bits; DRAM as before.
    s = counts(WIDE, **FOUR, partition="spatial")
    assert (s["global_buffer_read_bits"], s["dram_bits"]) == (2944, 2432)


def test_energy_is_the_sum_over_cores_plus_the_shared_buffer() -> None:
    one = cost(workload(WIDE), **ONE).layers[0]
    four = cost(workload(WIDE), **FOUR, partition="channels").layers[0]
    assert four.breakdown["compute"] == one.breakdown["compute"]  # 2304 MACs either way, 4 x 576
    bank = 108 * 8192 / 4  # one bank of the 108 KiB buffer per core port
    assert four.breakdown["sram_global_read"] == pytest.approx(2432 * TECH.sram_read_energy(bank, 1.0))
    assert four.breakdown["sram_global_write"] == pytest.approx(2432 * TECH.sram_write_energy(bank, 1.0))
    assert four.breakdown["dram"] == pytest.approx(TECH.dram_energy(2432))


def test_chip_area_is_every_core_and_the_global_buffer() -> None:
    per_core = cost(workload(WIDE), rows=2, cols=2).area_mm2
    chip = cost(workload(WIDE), rows=2, cols=2, cores=4).area_mm2
    assert chip == pytest.approx(4 * per_core + TECH.sram_area(108 * 8192))


def test_one_core_ignores_the_global_buffer() -> None:
    w = workload(WIDE, TALL | {"in_channels": 8, "in_height": 4, "in_width": 4})
    plain = cost(w, rows=4, cols=4)
    assert cost(w, rows=4, cols=4, partition="spatial", global_buffer_kib=1.0,
                global_buffer_bytes_per_cycle=0.5) == plain


@settings(max_examples=60, deadline=None)
@given(layer=gemm_layer(), dataflow=st.sampled_from(["os", "ws", "is"]),
       model=st.sampled_from(["scalesim", "bandwidth"]), partition=st.sampled_from(["channels", "spatial"]),
       side=st.integers(1, 16), cores=st.integers(1, 8), more=st.integers(1, 8))
def test_more_cores_never_need_more_compute_cycles(layer, dataflow, model, partition, side, cores, more) -> None:
    # each core's share ⌈n/c⌉ (filters, groups or output rows) never grows with c, and an array's
    # compute cycles never fall when Sr, Sc, T or the groups grow (mapping.py): so the slowest core's
    # compute cycles never rise with more cores of the same size
    params = {"rows": side, "cols": side, "dataflow": dataflow, "latency_model": model, "partition": partition}
    few = counts(layer, **params, cores=cores)["compute_cycles"]
    many = counts(layer, **params, cores=cores + more)["compute_cycles"]
    assert many <= few


def test_each_core_streams_from_its_share_of_the_buffer_and_the_chip_from_its_dram_port() -> None:
    # bandwidth model, by channels: a 2x2 core with 2 filters folds 9 times (Fr = 9, Fc = 1):
    # 9·(16 − 2) + (2·1·18 + 9·2) = 180 compute cycles. The buffer's default 2 rows x 4 cores = 8
    # bytes a cycle give each core 2; a core moves 32 input + 36 weight + 32 output bytes = 50
    # cycles over its 9 tiles: the first tile's ⌈50/9⌉ = 6 stall cycles, 186 in all.
    fast = cost(workload(WIDE), rows=2, cols=2, cores=4, partition="channels", dram_bytes_per_cycle=1000.0)
    assert (fast.layers[0].counts["compute_cycles"], fast.latency_cycles) == (180, 186)
    # at 1 byte a cycle the chip's 2432 DRAM bits (304 bytes) take longer than any core: 304 cycles
    slow = cost(workload(WIDE), rows=2, cols=2, cores=4, partition="channels", dram_bytes_per_cycle=1.0)
    assert slow.latency_cycles == 304 and slow.layers[0].counts["stall_cycles"] == 304 - 180


def test_a_vector_layer_is_split_evenly_over_the_cores() -> None:
    # 2x2 max pooling of WIDE's 8x4x4 output: 32 outputs of 4 inputs, 128 operations; one core's
    # vector unit has cols = 2 lanes: 64 cycles alone, 128 / 4 / 2 = 16 on four cores. The 128 input
    # words come from the global buffer (1024 bits) and the 32 outputs, the network's, go through it
    # to DRAM (256 bits read from the buffer, 256 bits of DRAM); the operations cost the same.
    w = workload(WIDE, {"name": "pool", "kind": "pool", "kernel": 2})
    one, four = cost(w, rows=2, cols=2).layers[1], cost(w, rows=2, cols=2, cores=4).layers[1]
    assert (one.counts["compute_cycles"], four.counts["compute_cycles"]) == (64, 16)
    assert (four.counts["global_buffer_read_bits"], four.counts["dram_bits"]) == (1280, 256)
    assert four.breakdown["compute"] == one.breakdown["compute"]
