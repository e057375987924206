"""Search-space files: the schema, the checks against plugins, and one-line errors (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from dse.cli.app import build_app
from dse.errors import DseInputError
from dse.inputs.space import load_space
from dse.plugin.manager import Plugins
from dse.schema.space import Categorical, Constraint, Fixed, FloatRange, IntRange, KnobRef, SearchSpace
from dse.search.parameters import KNOB_PREFIX, grid_axes, grid_block, grid_values, random_block
from tests.explore.conftest import toy_space, write_space


def run_cli(plugins: Plugins, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(build_app(plugins), [str(a) for a in args], obj=plugins)
    return result.exit_code, result.stdout, result.stderr


def test_plain_values_and_untyped_mappings_are_fixed() -> None:
    space = SearchSpace.model_validate(toy_space(backends=[{"backend": "explore-toy", "params": {
        "x": 2.5, "layer_map": {"fc1": "ann"}, "y": {"type": "int", "low": 1, "high": 4}}}]))
    params = space.backends[0].params
    assert params["x"] == Fixed(value=2.5)
    assert params["layer_map"] == Fixed(value={"fc1": "ann"})
    assert params["y"] == IntRange(low=1, high=4)


@pytest.mark.parametrize(("change", "message"), [
    ({"objectives": {"accuracy": "maximize"}}, "needs an `accuracy:` model"),
    ({"constraints": ["area_mm2 < 4"]}, "is not METRIC <= NUMBER"),
    ({"knobs": {"encoding": "rate"}}, "no accuracy model to pass it to"),
    ({"backends": [{"backend": "explore-toy"}, {"backend": "explore-toy"}]}, "listed twice"),
    ({"backends": [{"backend": "explore-toy", "params": {"x": {"type": "knob", "knob": "t"}}}]}, "not defined"),
    ({"backends": [{"backend": "explore-toy", "params": {"x": {"type": "int", "low": 0, "high": 9, "log": True}}}]},
     "log needs low >= 1"),
    ({"backends": [{"backend": "explore-toy", "params": {"x": {"type": "categorical", "choices": [1, "a"]}}}]},
     "share one type"),
])
def test_schema_refuses(change: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SearchSpace.model_validate(toy_space(**change))


def test_constraints_parse() -> None:
    assert Constraint.parse(" power_mw <= 5e1 ") == Constraint(text="power_mw <= 5e1", metric="power_mw", op="<=",
                                                              bound=50.0)
    assert Constraint.parse("accuracy >= .9").bound == 0.9
    assert Constraint.parse("memory_fits").op == "fits"


def test_load_space_resolves_the_workload_next_to_the_file(tmp_path: Path, toy_plugins: Plugins) -> None:
    space = load_space(write_space(tmp_path, toy_space()), toy_plugins)
    assert space.workload == str((tmp_path / "tiny-mlp.yaml").resolve())


@pytest.mark.parametrize(("change", "expected"), [
    ({"backends": [{"backend": "systolic-x"}]}, "space.yaml: backends[0].backend: unknown backend 'systolic-x'"),
    ({"backends": [{"backend": "explore-toy", "params": {"rows": 4}}]},
     "space.yaml: backends[0].params.rows: not a parameter of this backend (parameters: x, y, clock_mhz, fault)"),
    ({"backends": [{"backend": "explore-toy", "params": {"fault": {"type": "categorical", "choices": ["none", "oops"]}}}]},
     "space.yaml: backends[0].params.fault: Input should be 'none', 'raise', 'nan', 'inf' or 'batch' (got 'oops')"),
    ({"backends": [{"backend": "explore-toy", "params": {"x": {"type": "float", "low": 1, "high": 20}}}]},
     "space.yaml: backends[0].params.x: Input should be less than or equal to 10 (got 20.0)"),
    ({"workload": "missing.yaml"}, "space.yaml: workload: "),
    ({"technology": "nonesuch"}, "space.yaml: backends[0].technology: unknown technology 'nonesuch'"),
    ({"accuracy": {"model": "nonesuch"}}, "space.yaml: accuracy.model: unknown accuracy model 'nonesuch'"),
    ({"sampler": {"name": "nsga2", "population_size": 1}},
     "space.yaml: sampler.population_size: Input should be greater than or equal to 2 (got 1)"),
])
def test_bad_spaces_fail_with_one_line_and_exit_code_2(tmp_path: Path, toy_plugins: Plugins, change: dict,
                                                       expected: str) -> None:
    path = write_space(tmp_path, toy_space(**change))
    with pytest.raises(DseInputError) as error:
        load_space(path, toy_plugins)
    assert str(error.value).replace(str(tmp_path) + "/", "").startswith(expected)
    code, _, err = run_cli(toy_plugins, "explore", path, "--out", tmp_path / "out")
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("dse: ") and "Traceback" not in err


def test_validate_and_schema_commands(tmp_path: Path, toy_plugins: Plugins) -> None:
    path = write_space(tmp_path, toy_space())
    code, out, _ = run_cli(toy_plugins, "validate", path)
    assert (code, out.strip()) == (0, f"{path}: ok (space 'toy')")
    code, out, _ = run_cli(toy_plugins, "schema", "space")
    schema = json.loads(out)
    assert code == 0 and {"objectives", "backends", "knobs", "sampler", "trials"} <= set(schema["properties"])


# -- design points ------------------------------------------------------------------------------
def test_grid_values() -> None:
    assert grid_values(IntRange(low=1, high=4), 5) == [1, 2, 3, 4]  # 4 allowed values <= 5: all
    # 4..256 log at 3 points: geomspace 4, 32, 256 (already on the integer grid)
    assert grid_values(IntRange(low=4, high=256, log=True), 3) == [4, 32, 256]
    # 0.1..1.0 step 0.1 has 10 values; 5 of them at rint(linspace(0, 9, 5)) = 0, 2, 4, 7, 9
    assert grid_values(FloatRange(low=0.1, high=1.0, step=0.1), 5) == pytest.approx([0.1, 0.3, 0.5, 0.8, 1.0])
    assert grid_values(FloatRange(low=1.0, high=100.0, log=True), 3) == pytest.approx([1.0, 10.0, 100.0])
    assert grid_values(Categorical(choices=("os", "ws")), 1) == ["os", "ws"]


def test_grid_blocks_enumerate_every_combination_once() -> None:
    params = {"x": Categorical(choices=(1.0, 2.0, 3.0)), "y": IntRange(low=1, high=4),
              "clock_mhz": Fixed(value=50.0), "z": KnobRef(knob="t")}
    knobs = {"t": Categorical(choices=(1, 2))}
    axes = grid_axes(params, knobs, 5)
    assert [name for name, _ in axes] == [KNOB_PREFIX + "t", "x", "y"]
    block = grid_block(axes, params, knobs, 0, 24)  # 2 · 3 · 4 = 24 points
    assert block.select(KNOB_PREFIX + "t", "x", "y").unique().height == 24
    assert (block["clock_mhz"] == 50.0).all() and (block["z"] == block[KNOB_PREFIX + "t"]).all()
    tail = grid_block(axes, params, knobs, 20, 24)
    assert tail.rows() == block[20:24].rows()


def test_random_blocks_stay_in_range_and_repeat_per_seed() -> None:
    params = {"a": IntRange(low=4, high=256, log=True), "b": FloatRange(low=0.1, high=1.0, step=0.1),
              "c": FloatRange(low=1.0, high=2.0), "d": Categorical(choices=("os", "ws", "is"))}
    block = random_block(params, {}, 5000, np.random.default_rng([0, 1]))
    assert block["a"].min() >= 4 and block["a"].max() <= 256
    steps = block["b"].to_numpy() / 0.1
    assert np.allclose(steps, np.rint(steps)) and block["b"].min() >= 0.1 - 1e-12 and block["b"].max() <= 1.0 + 1e-12
    assert set(block["d"].to_list()) == {"os", "ws", "is"}
    assert block.equals(random_block(params, {}, 5000, np.random.default_rng([0, 1])))


def test_explore_counts_the_trials_that_do_not_fit() -> None:
    import polars as pl

    from dse.cli.explore import _table_lines

    # three trials: one fits, one does not, one failed (null): 1 of 3 does not fit; 1 failed
    table = pl.LazyFrame({"state": ["COMPLETE", "COMPLETE", "FAIL"], "error": [None, None, "boom"],
                          "memory_fits": [True, False, None]}, schema_overrides={"memory_fits": pl.Boolean})
    assert _table_lines(table) == (3, ["1 trials failed; first error: boom",
                                       ("1 of 3 trials do not fit on chip (memory_fits false in trials.parquet); "
                                        "`dse evaluate` on one names the resource that overflowed")])
    assert _table_lines(table.head(1)) == (1, [])
