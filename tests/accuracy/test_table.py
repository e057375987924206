"""The ``table`` accuracy model: hand-worked interpolation, monotonicity, range errors, files."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
from dse_accuracy.interpolate import interpolate, monotone
from dse_accuracy.table import TABLES_DIR, TableAccuracy
from hypothesis import given, settings
from hypothesis import strategies as st

from dse import DseInputError, Workload, make_plugins

MODEL = TableAccuracy()


def accuracy(workload: Workload, knobs: dict, **params) -> float:
    return MODEL.accuracy(workload, knobs, MODEL.Params(**params)).value


def write_table(path: Path, rows: list[dict]) -> str:
    frame = pl.DataFrame(rows)
    if path.suffix == ".csv":
        frame.write_csv(path)
    else:
        frame.write_parquet(path)
    return str(path)


def test_the_plugin_registers_the_table_model():
    assert isinstance(make_plugins().accuracy_model("table"), TableAccuracy)


def test_bits_interpolate_linearly_in_log2(tmp_path, mlp):
    path = write_table(tmp_path / "t.csv", [
        {"kind": "ann", "weight_bits": 2, "accuracy": 0.90},
        {"kind": "ann", "weight_bits": 8, "accuracy": 0.96},
    ])
    # 4 bits lies halfway between 2 and 8 in log2 (1, 2, 3): 0.90 + 0.5 × (0.96 − 0.90) = 0.93.
    assert accuracy(mlp, {"weight_bits": 4}, path=path) == pytest.approx(0.93, abs=1e-12)
    # On a measured point the table gives that point.
    assert accuracy(mlp, {"weight_bits": 8}, path=path) == pytest.approx(0.96, abs=1e-12)


def test_bits_and_timesteps_interpolate_bilinearly_in_log2(tmp_path, mlp):
    path = write_table(tmp_path / "t.parquet", [
        {"kind": "snn", "weight_bits": 2, "timesteps": 1, "accuracy": 0.50},
        {"kind": "snn", "weight_bits": 2, "timesteps": 4, "accuracy": 0.70},
        {"kind": "snn", "weight_bits": 8, "timesteps": 1, "accuracy": 0.60},
        {"kind": "snn", "weight_bits": 8, "timesteps": 4, "accuracy": 0.90},
    ])
    # (4 bits, T = 2) is the centre of the cell in log2 (bits 1..3 → 2; T 0..2 → 1):
    # the mean of the corners, (0.50 + 0.70 + 0.60 + 0.90) / 4 = 0.675.
    assert accuracy(mlp, {"kind": "snn", "weight_bits": 4, "timesteps": 2}, path=path) == pytest.approx(0.675)


def test_the_shipped_digits_table_gives_the_reference_points(mlp):
    # accuracy_digits.md: SNN T = 8 with 4-bit QAT weights 0.966; T = 2: 0.928, T = 4: 0.948.
    assert accuracy(mlp, {"kind": "snn", "timesteps": 8, "weight_bits": 4}) == pytest.approx(0.966)
    # T = 3 between them: 0.928 + (log2 3 − 1) × 0.020 = 0.928 + 0.58496 × 0.020 = 0.939699.
    t3 = accuracy(mlp, {"kind": "snn", "timesteps": 3, "weight_bits": 32})
    assert t3 == pytest.approx(0.928 + (math.log2(3) - 1) * 0.020, abs=1e-12)


def test_a_measured_dip_is_flattened_so_more_bits_never_lose(mlp):
    # accuracy_digits.md: ANN fp32 0.969 < 8-bit QAT 0.970; read monotone, fp32 and 16 bits give 0.970.
    assert accuracy(mlp, {"weight_bits": 32}) == pytest.approx(0.970)
    assert accuracy(mlp, {"weight_bits": 16}) == pytest.approx(0.970)


def test_repeated_points_average(tmp_path, mlp):
    path = write_table(tmp_path / "t.csv", [
        {"kind": "ann", "weight_bits": 8, "accuracy": 0.90},
        {"kind": "ann", "weight_bits": 8, "accuracy": 0.94},
    ])
    assert accuracy(mlp, {}, path=path) == pytest.approx(0.92)


def test_outside_the_measured_range_is_an_error_unless_extrapolating(mlp):
    with pytest.raises(DseInputError, match=r"digits-mlp.csv: timesteps=32 is outside the measured range 1\.\.16"):
        accuracy(mlp, {"kind": "snn", "timesteps": 32, "weight_bits": 32})
    # extrapolate: held at the nearest measured edge, T = 16: 0.971 (accuracy_digits.md).
    held = MODEL.accuracy(mlp, {"kind": "snn", "timesteps": 32, "weight_bits": 32}, MODEL.Params(extrapolate=True))
    assert held.value == pytest.approx(0.971)
    assert "held at the measured edge for timesteps=32" in held.source


def test_an_unmeasured_corner_is_named(mlp):
    # The digits table measures T = 8 at 4 bits and T = 4 at 32 bits, not T = 4 at 4 bits.
    with pytest.raises(DseInputError, match="no measured point at weight_bits=4, timesteps=4"):
        accuracy(mlp, {"kind": "snn", "timesteps": 4, "weight_bits": 4})


def test_knobs_the_table_did_not_measure_are_named(mlp):
    with pytest.raises(DseInputError, match="no measured rows for kind=snn, encoding=rate, neuron=IF"):
        accuracy(mlp, {"kind": "snn", "neuron": "IF"})


def test_every_shipped_row_cites_its_source():
    for path in TABLES_DIR.glob("*.csv"):
        frame = pl.read_csv(path)
        assert frame["source"].null_count() == 0 and (frame["source"].str.len_chars() > 20).all(), path.name


def test_a_workload_without_a_shipped_table_needs_a_path():
    wl = Workload.model_validate({"name": "mine", "layers": [
        {"name": "fc", "kind": "dense", "in_features": 4, "out_features": 2}]})
    with pytest.raises(DseInputError, match="no table is shipped for workload 'mine' .*digits-mlp"):
        accuracy(wl, {})


@pytest.mark.parametrize(("rows", "message"), [
    ([{"kind": "ann", "bits": 8, "accuracy": 0.9}], "column 'bits' is not allowed"),
    ([{"kind": "ann", "weight_bits": 8, "accuracy": 97.0}], (
        "row 1: accuracy must be a fraction in \\[0, 1\\] \\(got 97.0\\); divide percentages by 100")),
    ([{"kind": "ann", "weight_bits": 8}], "needs an 'accuracy' column"),
    ([{"kind": "ann", "weight_bits": 0, "accuracy": 0.5}], "row 1: weight_bits must be a number >= 1"),
])
def test_bad_tables_get_one_line(tmp_path, mlp, rows, message):
    path = write_table(tmp_path / "bad.csv", rows)
    with pytest.raises(DseInputError, match=message):
        accuracy(mlp, {}, path=path)


def test_an_empty_table_is_named(tmp_path, mlp):
    path = tmp_path / "empty.csv"
    path.write_text("kind,weight_bits,accuracy\n")
    with pytest.raises(DseInputError, match="empty.csv: the table has no rows"):
        accuracy(mlp, {}, path=str(path))


def test_a_missing_file_is_named(tmp_path, mlp):
    with pytest.raises(DseInputError, match="nope.csv: params.path: no such file"):
        accuracy(mlp, {}, path=str(tmp_path / "nope.csv"))


grid_axis = st.lists(st.integers(1, 64), min_size=1, max_size=4, unique=True).map(sorted)


@settings(max_examples=60, deadline=None)
@given(bits=grid_axis, steps=grid_axis, data=st.data())
def test_interpolation_is_monotone_in_bits_and_timesteps(bits, steps, data):
    values = data.draw(st.lists(st.floats(0, 1), min_size=len(bits) * len(steps), max_size=len(bits) * len(steps)))
    points = monotone({(float(b), float(t)): v for (b, t), v in zip(
        [(b, t) for b in bits for t in steps], values, strict=True)})
    b_lo, b_hi = sorted(data.draw(st.tuples(*[st.floats(bits[0], bits[-1])] * 2)))
    t_lo, t_hi = sorted(data.draw(st.tuples(*[st.floats(steps[0], steps[-1])] * 2)))
    low, _ = interpolate(points, (b_lo, t_lo))
    more_bits, _ = interpolate(points, (b_hi, t_lo))
    more_steps, _ = interpolate(points, (b_lo, t_hi))
    assert more_bits >= low - 1e-12 and more_steps >= low - 1e-12
    assert min(values) - 1e-12 <= low <= max(values) + 1e-12


@pytest.fixture(scope="module")
def table_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tables")


@settings(max_examples=25, deadline=None)
@given(bits=grid_axis.filter(lambda b: b[0] >= 2 and b[-1] <= 32), steps=grid_axis, data=st.data())
def test_the_table_model_is_monotone_end_to_end(table_dir, bits, steps, data):
    rows = [{"kind": "snn", "weight_bits": b, "timesteps": t, "accuracy": data.draw(st.floats(0, 1))}
            for b in bits for t in steps]
    path = write_table(table_dir / f"t{data.draw(st.integers(0, 10**9))}.parquet", rows)
    wl = Workload.model_validate({"name": "w", "layers": [
        {"name": "fc", "kind": "dense", "in_features": 4, "out_features": 2}]})
    b = data.draw(st.integers(bits[0], bits[-1]))
    t = data.draw(st.integers(steps[0], steps[-1]))
    here = accuracy(wl, {"kind": "snn", "weight_bits": b, "timesteps": t}, path=path)
    if b < bits[-1]:
        assert accuracy(wl, {"kind": "snn", "weight_bits": b + 1, "timesteps": t}, path=path) >= here - 1e-12
    if t < steps[-1]:
        assert accuracy(wl, {"kind": "snn", "weight_bits": b, "timesteps": t + 1}, path=path) >= here - 1e-12
