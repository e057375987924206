"""The literature backends reproduce their papers (ottati2023.md, lemaire2022.md)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dse import Workload
from dse.plugin.manager import make_plugins
from dse.testing import BackendConformance
from tests.conftest import PAPER_CNN

PLUGINS = make_plugins()
TECH = PLUGINS.technology("horowitz45")


def cost(backend: str, density: float, timesteps: int = 1, **params):
    b = PLUGINS.backend(backend)
    w = Workload.model_validate(PAPER_CNN).with_knobs(timesteps=timesteps, densities={"conv": (density, None)})
    return b.cost(w, b.parse_params(params), TECH)


def memory_and_compute(c) -> tuple[float, float]:
    memory = sum(v for k, v in c.breakdown.items() if k.startswith("sram_") or k == "neuron_state")
    return memory, c.breakdown["compute"]


# ottati2023.md, published CNN table (nJ): sparsity -> (total, memory, compute)
SNN_TABLE = {0.90: (189.48, 187.45, 2.03), 0.95: (95.39, 94.36, 1.03), 0.99: (19.61, 19.38, 0.23)}
ANN_TABLE = {0.90: (346.16, 330.95, 15.21), 0.95: (173.75, 166.12, 7.63), 0.99: (34.82, 33.31, 1.52)}


@pytest.mark.parametrize("sparsity", sorted(SNN_TABLE))
def test_ottati_snn_reproduces_the_published_table(sparsity: float) -> None:
    c = cost("ottati2023-snn", round(1 - sparsity, 2))
    total, memory, _ = SNN_TABLE[sparsity]
    assert c.energy_pj / 1e3 == pytest.approx(total, rel=0.01)
    assert memory_and_compute(c)[0] / 1e3 == pytest.approx(memory, rel=0.01)


@pytest.mark.parametrize("sparsity", sorted(ANN_TABLE))
def test_ottati_ann_reproduces_the_published_table(sparsity: float) -> None:
    # the authors' random 8-bit data is non-zero with probability d * 255/256
    c = cost("ottati2023-ann", round(1 - sparsity, 2) * 255 / 256)
    total, memory, compute = ANN_TABLE[sparsity]
    assert c.energy_pj / 1e3 == pytest.approx(total, rel=0.01)
    m, k = memory_and_compute(c)
    assert m / 1e3 == pytest.approx(memory, rel=0.01)
    assert k / 1e3 == pytest.approx(compute, rel=0.01)


def test_ottati_snn_per_event_arithmetic() -> None:
    # d = 0.1: 460.8 events per output x 2.8425 pJ + active neuron 5.23 pJ + fire add 0.1*0.03
    # + spike write 0.3125 pJ, times 144 outputs (P(active) = 1 - 0.9^4608 = 1 to 1e-200)
    per_output = 460.8 * 2.8425 + 5.23 + 0.1 * 0.03 + 0.3125
    assert cost("ottati2023-snn", 0.1).energy_pj == pytest.approx(144 * per_output, rel=1e-12)


def test_memory_is_at_least_95_percent_of_both() -> None:
    for backend in ("ottati2023-snn", "ottati2023-ann"):
        for d in (0.1, 0.05, 0.01):
            c = cost(backend, d)
            assert memory_and_compute(c)[0] / c.energy_pj >= 0.95
    snn = cost("ottati2023-snn", 0.1)
    assert memory_and_compute(snn)[0] / snn.energy_pj == pytest.approx(0.99, abs=0.005)


def test_one_snn_step_costs_055_of_an_ann_pass() -> None:
    # published: 189.48/346.16 = 0.547 at 90 %, 19.61/34.82 = 0.563 at 99 % sparsity
    for d in (0.1, 0.05, 0.01):
        assert cost("ottati2023-snn", d).energy_pj / cost("ottati2023-ann", d).energy_pj == pytest.approx(0.55, abs=0.015)


@pytest.mark.parametrize("timesteps", [1, 2, 4, 8])
def test_break_even_is_t_times_d_snn_183_d_ann(timesteps: int) -> None:
    # bisect the SNN density whose energy at T steps equals the ANN's at d_ann = 0.1
    target = cost("ottati2023-ann", 0.1).energy_pj
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cost("ottati2023-snn", mid, timesteps).energy_pj < target else (lo, mid)
    assert timesteps * lo / 0.1 == pytest.approx(1.83, rel=0.02)


@settings(max_examples=30, deadline=None)
@given(d1=st.floats(0, 1), d2=st.floats(0, 1), t=st.integers(1, 8))
def test_energy_never_decreases_with_density(d1: float, d2: float, t: int) -> None:
    lo, hi = sorted((d1, d2))
    for backend in ("ottati2023-snn", "ottati2023-ann", "lemaire2022-snn", "lemaire2022-ann"):
        assert cost(backend, lo, t).energy_pj <= cost(backend, hi, t).energy_pj * (1 + 1e-12)


def test_lemaire_sram_fit_values() -> None:
    # lemaire2022.md: E_ram = 1.09e-5 * bits + 13.2 -> 8 KiB 13.9, 32 KiB 16.1, 1 MiB 104.6 pJ
    p = PLUGINS.backend("lemaire2022-snn").parse_params({})
    assert p.e_ram(8 * 8192) == pytest.approx(13.9, abs=0.05)
    assert p.e_ram(32 * 8192) == pytest.approx(16.1, abs=0.05)
    assert p.e_ram(1024 * 8192) == pytest.approx(104.6, abs=0.05)
    assert (p.e_add_pj, p.e_mul_pj) == (0.1, 3.1)  # 32-bit integer, Horowitz 2014


def test_lemaire_snn_dense_hand_count() -> None:
    # N_in 100, N_out 10, T 4, d_in 0.1, d_out 0.2, LIF, 8 bits:
    # theta_in 40, theta_out 8; accumulates 40*10 + 4*10 + 8 = 448; leak MACs 40;
    # weight reads 400 x E(8000 b) = 13.2872; potential r/w 440 each x E(80 b) = 13.200872;
    # output writes 8 x E(0) = 13.2; addressing adds 400 x 0.1; ops 40 x 3.2 + 448 x 0.1
    w = Workload.model_validate({"name": "d", "timesteps": 4, "layers": [
        {"name": "fc", "kind": "dense", "in_features": 100, "out_features": 10, "input_density": 0.1,
         "output_density": 0.2, "neuron": {"model": "LIF", "leak": 0.9}}]})
    b = PLUGINS.backend("lemaire2022-snn")
    c = b.cost(w, b.parse_params({}), TECH)
    expected = 400 * 13.2872 + 880 * (1.09e-5 * 80 + 13.2) + 8 * 13.2 + 40 * 3.2 + 448 * 0.1 + 400 * 0.1
    assert c.energy_pj == pytest.approx(expected, rel=1e-12)
    assert c.counts["accumulates"] == pytest.approx(448)
    # IF: no leak MACs
    c_if = b.cost(w, b.parse_params({"neuron": "IF"}), TECH)
    assert c.energy_pj - c_if.energy_pj == pytest.approx(40 * 3.2)


def test_lemaire_ann_conv_hand_count() -> None:
    # conv 2->3 channels, 4x4 input, 3x3 kernel -> 2x2 outputs: MACs 3*4*18 = 216, outputs 12
    # addressing adds C_in*H_in*W_in + outputs + C_out*9 = 32 + 12 + 27 = 71; bias adds 12
    w = Workload.model_validate({"name": "c", "layers": [
        {"name": "c", "kind": "conv2d", "in_channels": 2, "out_channels": 3, "in_height": 4, "in_width": 4,
         "kernel": 3}]})
    b = PLUGINS.backend("lemaire2022-ann")
    c = b.cost(w, b.parse_params({}), TECH)
    e = lambda bits: 1.09e-5 * bits + 13.2
    expected = (216 * e(32 * 8) + 216 * e(54 * 8) + 12 * e(3 * 8) + 12 * e(12 * 8)
                + 216 * 3.2 + 12 * 0.1 + 71 * 0.1)
    assert c.energy_pj == pytest.approx(expected, rel=1e-12)


class TestOttatiAnnConformance(BackendConformance):
    backend_name = "ottati2023-ann"


class TestOttatiSnnConformance(BackendConformance):
    backend_name = "ottati2023-snn"


class TestLemaireAnnConformance(BackendConformance):
    backend_name = "lemaire2022-ann"
    params_examples = ({}, {"e_add_pj": 0.03, "e_mul_pj": 0.2, "bias": False})


class TestLemaireSnnConformance(BackendConformance):
    backend_name = "lemaire2022-snn"
    params_examples = ({}, {"neuron": "IF", "spike_fifo_entries": 64})


def test_reproduce_lemaire2022_checks_the_worked_layer_energies() -> None:
    # lemaire2022.md "Worked energies": ANN 18,437.35776 pJ, SNN 17,228.98944 pJ, by hand
    from dse_literature.reproduce import lemaire2022

    rows = {row.quantity: row for row in lemaire2022(PLUGINS)}
    ann, snn = rows["ANN dense layer (pJ)"], rows["SNN dense layer, IF, T=4, rates 0.1 in / 0.2 out (pJ)"]
    assert (ann.published, snn.published) == (18437.35776, 17228.98944)
    assert ann.ours == pytest.approx(ann.published, rel=1e-12)
    assert snn.ours == pytest.approx(snn.published, rel=1e-12)
    assert rows["network SNN / ANN energy"].ours == pytest.approx(0.93446, abs=5e-6)
