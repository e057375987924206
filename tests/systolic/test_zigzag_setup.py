"""The dse design that stands for ZigZag's tpu_like (benchmarks/zigzag_setup.py), by hand.

Needs zigzag-dse for its YAML (skipped without it; CI does not install it). The numbers are
ZigZag 3.9.1 inputs/hardware/tpu_like.yaml (docs/references/zigzag.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("zigzag")
sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))

from zigzag_layers import dse_layer
from zigzag_setup import tpu_like

from tests.systolic.cases import BACKEND, workload


def test_tpu_like_unit_energies_per_bit() -> None:
    # rf_128B: 0.095 pJ per 8-bit access; rf_2B: 0.021 per 16 bits; sram_2MB: 416.16 / 378.4 per
    # 2048 bits; dram: 700 / 750 per 64 bits; MAC 0.04 pJ
    setup = tpu_like()
    p, tech = setup.params, setup.technology
    assert p["weight_register_read_pj_per_bit"] == pytest.approx(0.095 / 8)
    assert p["output_register_write_pj_per_bit"] == pytest.approx(0.021 / 16)
    assert p["input_register_read_pj_per_bit"] == p["input_register_write_pj_per_bit"] == 0
    assert (p["rows"], p["cols"], p["weight_register_words"], p["filter_sram_kib"]) == (32, 32, 128, 128)
    assert tech.sram_read_energy(1024 * 8192 / 32, 1) == pytest.approx(416.16 / 2048)
    assert tech.dram_write_energy(64) == pytest.approx(750)
    assert tech.mac_energy(8, 8, 16) == pytest.approx(0.04)


def test_a_resnet_conv_pays_zigzags_register_energy_per_mac() -> None:
    # ResNet-18 conv2_x (64 -> 64, 3x3, 56x56): K = 576 terms fit one fold of 32 rows x 128
    # weights, 18 deep, so every MAC reads an 8-bit weight (0.095 pJ) and reads and writes its
    # 16-bit sum (2·0.021 pJ): 0.137 pJ per MAC, as ZigZag charges rf_128B and rf_2B; and the
    # 36,864 weights are written into their registers once, 0.095 pJ each (ZigZag: 3,502 pJ)
    setup = tpu_like()
    layer = dse_layer({"name": "c", "kind": "conv2d", "in_channels": 64, "out_channels": 64, "in_height": 56,
                       "in_width": 56, "kernel": 3, "padding": 1})
    c = BACKEND.cost(workload(layer), BACKEND.parse_params(setup.params), setup.technology).layers[0]
    macs = c.counts["macs"]
    assert c.counts["sram_psum_reads"] == 0
    assert c.breakdown["register"] == pytest.approx(macs * (0.095 + 2 * 0.021) + 36_864 * 0.095)
