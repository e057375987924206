"""Technology tables: interpolation rules and node scaling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dse.plugin.manager import make_plugins
from dse.schema.scaling import factors


@pytest.fixture(scope="module")
def tech():
    return make_plugins().technology("horowitz45")


def test_horowitz_points_are_exact(tech) -> None:
    # energy_tables.md, Horowitz ISSCC 2014
    assert tech.add_energy(8) == pytest.approx(0.03)
    assert tech.add_energy(32) == pytest.approx(0.1)
    assert tech.mul_energy(8) == pytest.approx(0.2)
    assert tech.mul_energy(32) == pytest.approx(3.1)
    assert tech.sram_read_energy(8 * 8192, 64) == pytest.approx(10.0)
    assert tech.sram_read_energy(32 * 8192, 64) == pytest.approx(20.0)
    assert tech.sram_read_energy(1024 * 8192, 64) == pytest.approx(100.0)
    # the seed paper's e_mem: an 8-bit word of a 32 KB SRAM = 20 / 8 = 2.5 pJ
    assert tech.sram_read_energy(32 * 8192, 8) == pytest.approx(2.5)


def test_interpolation_rules(tech) -> None:
    # adder linear between 8 b (0.03) and 32 b (0.1): 16 b -> 0.03 + 0.07 * 8/24
    assert tech.add_energy(16) == pytest.approx(0.03 + 0.07 * 8 / 24)
    # multiplier linear in a*b between 64 (0.2) and 1024 (3.1): 16x16 = 256 -> 0.2 + 2.9*192/960
    assert tech.mul_energy(16) == pytest.approx(0.2 + 2.9 * 192 / 960)
    # below the table: 4x4 = 16 -> 0.2 * 16/64
    assert tech.mul_energy(4) == pytest.approx(0.05)
    assert tech.mul_energy(4, 8) == pytest.approx(0.2 * 32 / 64)
    # SRAM log-log between 8 KB (10) and 32 KB (20): 16 KB -> 10 * 2^(1/2)
    assert tech.sram_read_energy(16 * 8192, 64) == pytest.approx(10 * 2**0.5)
    # square-root rule below 8 KB: 2 KB -> 10 * sqrt(1/4) = 5
    assert tech.sram_read_energy(2 * 8192, 64) == pytest.approx(5.0)


def test_node_scaling_uses_stillmaker_factors() -> None:
    plugins = make_plugins()
    base = plugins.technology("horowitz45")
    scaled = plugins.technology("horowitz45@32nm")
    energy, _, area = factors(32)
    assert (energy, area) == (0.531, 0.46)  # Stillmaker & Baas HP 32 nm at 0.9 V vs 45 nm
    assert scaled.add_energy(8) == pytest.approx(0.03 * 0.531)
    assert scaled.sram_area(1000) == pytest.approx(base.sram_area(1000) * 0.46)
    assert scaled.dram_pj_per_bit == base.dram_pj_per_bit
    assert plugins.technology("horowitz45@45nm").add_energy(8) == pytest.approx(0.03)
    # 22 nm lies between 32 and 20 nm
    assert factors(20)[0] < factors(22)[0] < factors(32)[0]


def test_leakage_units(tech) -> None:
    # 1 mm² for 1 ms at 7.23 mW/mm² = 7.23 µJ = 7.23e6 pJ
    assert tech.leakage_energy(1.0, 1e-3) == pytest.approx(0.81 / 0.112 * 1e6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=1e-3, max_value=1e6), min_size=1, max_size=50))
def test_sram_energies_of_an_array_are_the_scalar_ones_bit_for_bit(sizes_kib: list[float]) -> None:
    # the batch paths look every design's SRAM up at once: the same bits as one at a time,
    # table points, both extrapolations and the log-log segments between them included
    tech = make_plugins().technology("horowitz45")
    sizes = np.array(sizes_kib + [float(k) for k in tech.sram_read_pj_per_bit]) * 8192.0
    assert tech.sram_read_energies(sizes).tolist() == [tech.sram_read_energy(s, 1.0) for s in sizes.tolist()]
