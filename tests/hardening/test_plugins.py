"""Hostile and careless plugins, installed as throwaway distributions: dse keeps working.

Each case runs the real `dse` in a subprocess with the plugin's distribution on PYTHONPATH
and asserts the exit code, exactly one stderr line (naming the plugin and its version), and
that the built-in results are the ones dse gives without the plugin (nothing lost).
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import polars as pl
import pytest
import yaml

from dse.extras import DISTRIBUTION
from tests.hardening.distributions import add_distribution, run_dse

ROOT = Path(__file__).resolve().parents[2]
#: How errors name dse's own plugins' release: "dse-accel 0.1.0".
BUILT = f"{DISTRIBUTION} {metadata.version(DISTRIBUTION)}"
PAPER_CNN = ROOT / "examples" / "workloads" / "paper-cnn.yaml"
SYSTOLIC = ROOT / "examples" / "architectures" / "systolic.yaml"


@pytest.fixture(scope="module")
def hybrid(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example hybrid with its split moved to the one layer of paper-cnn."""
    arch = yaml.safe_load((ROOT / "examples" / "architectures" / "hybrid.yaml").read_text())
    arch["params"]["split_after"] = 1
    path = tmp_path_factory.mktemp("hybrid") / "hybrid.yaml"
    path.write_text(yaml.safe_dump(arch))
    return path

#: A backend class template: cost returns whatever RESULT is (a real Cost by default).
BACKEND = """
import dse
from pydantic import BaseModel, ConfigDict


class P(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    scale: float = 1.0


class B(dse.Backend):
    name = "{name}"
    Params = P

    def cost(self, workload, params, technology):
        layer = dse.LayerCost(name="all", kind="dense", breakdown={{"compute": 1.0}}, latency_cycles=1.0)
        good = dse.Cost(layers=(layer,), latency_cycles=1.0, clock_mhz=100.0, area_mm2=1.0)
        return {result}
"""


def _backend_plugin(name: str, result: str = "good", register: str = "B()", extra: str = "") -> str:
    return BACKEND.format(name=name, result=result) + extra + f"""

@dse.hookimpl
def dse_register_backends(register):
    register({register})
"""


def _energy(stdout: str) -> float:
    return json.loads(stdout)["totals"]["energy_pj"]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory, hybrid: Path) -> dict[str, float]:
    """Built-in energies without any third-party plugin (pJ)."""
    cwd = tmp_path_factory.mktemp("baseline")
    out = {}
    for arch in (SYSTOLIC, hybrid):
        run = run_dse(None, "evaluate", PAPER_CNN, arch, "--json", cwd=cwd)
        assert run.code == 0 and run.stderr == "", run.stderr
        out[arch.stem] = _energy(run.stdout)
    return out


def test_a_plugin_cannot_take_over_a_built_in_backend(tmp_path: Path, baseline: dict[str, float],
                                                       hybrid: Path) -> None:
    # entry point "aaa" sorts before every built-in one: name order must not decide
    site = add_distribution(tmp_path / "site", "evil-takeover", "6.6.6", {"aaa": "evil_takeover"},
                            {"evil_takeover": _backend_plugin("systolic")})
    for arch in (SYSTOLIC, hybrid):  # the hybrid builds on systolic: it keeps working too
        run = run_dse(site, "evaluate", PAPER_CNN, arch, "--json", cwd=tmp_path)
        assert run.code == 0
        assert run.err_lines == [
            ("dse: warning: 1 plugin failed and skipped (see `dse plugins`): plugin 'aaa' (evil-takeover 6.6.6): "
            f"backend 'systolic' is already registered by plugin 'systolic' ({BUILT}); set "
            "DSE_PLUGIN_OVERRIDES=aaa to let plugin 'aaa' (evil-takeover 6.6.6) replace it")]
        assert _energy(run.stdout) == baseline[arch.stem]


def test_the_user_may_let_a_plugin_replace_a_built_in(tmp_path: Path) -> None:
    site = add_distribution(tmp_path / "site", "evil-takeover", "6.6.6", {"aaa": "evil_takeover"},
                            {"evil_takeover": _backend_plugin("systolic")})
    arch = tmp_path / "arch.yaml"
    arch.write_text("backend: systolic\nname: replaced\ntechnology: horowitz45\nparams: {scale: 2}\n")
    run = run_dse(site, "evaluate", PAPER_CNN, arch, "--json", cwd=tmp_path, env={"DSE_PLUGIN_OVERRIDES": "aaa"})
    assert (run.code, run.stderr) == (0, "")
    assert _energy(run.stdout) == 1.0  # the replacement's one compute pJ


def test_two_third_party_plugins_with_one_name_keep_the_first(tmp_path: Path) -> None:
    site = add_distribution(tmp_path / "site", "first", "1.0", {"p1": "first_mod"},
                            {"first_mod": _backend_plugin("shared")})
    add_distribution(site, "second", "2.0", {"p2": "second_mod"}, {"second_mod": _backend_plugin("shared")})
    run = run_dse(site, "plugins", "--json", cwd=tmp_path)
    assert run.code == 0
    assert run.err_lines == [
        ("dse: warning: 1 plugin failed and skipped (see `dse plugins`): plugin 'p2' (second 2.0): backend "
        "'shared' is already registered by plugin 'p1' (first 1.0); set DSE_PLUGIN_OVERRIDES=p2 to let plugin "
        "'p2' (second 2.0) replace it")]
    shared = [b for b in json.loads(run.stdout)["backends"] if b["name"] == "shared"]
    assert [(b["plugin"], b["version"]) for b in shared] == [("p1", "1.0")]


BROKEN_AT_LOAD = {
    "misspelt-hook": ("""
        import dse

        @dse.hookimpl
        def dse_register_backend(register):
            pass
        """, "PluginValidationError: unknown hook 'dse_register_backend' (did you mean 'dse_register_backends'?)"),
    "exits-at-import": ("import sys\nsys.exit(3)\n", "SystemExit: 3"),
    "raises-base-exception": ("raise BaseException('no')\n", "BaseException: no"),
    "class-not-instance": (_backend_plugin("cls", register="B"),
                           "PluginError: registered the class B as a backend; register an instance: B()"),
    "no-params": (_backend_plugin("nop", register="B()", extra="\ndel B.Params\n"),
                  "PluginError: backend 'nop': Params is None, not a pydantic model class"),
    "params-not-a-model": (_backend_plugin("dictp", extra="\nB.Params = {'rows': int}\n"),
                           ("PluginError: backend 'dictp': Params is {'rows': <class 'int'>}, not a pydantic "
                           "model class")),
    "not-a-backend": ("import dse\n\n@dse.hookimpl\ndef dse_register_backends(register):\n    register(42)\n",
                      "PluginError: registered 42 as a backend; expected a dse.plugin.types.Backend instance"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_AT_LOAD))
def test_a_broken_plugin_is_one_line_and_everything_else_works(case: str, tmp_path: Path) -> None:
    source, error = BROKEN_AT_LOAD[case]
    site = add_distribution(tmp_path / "site", "broken", "0.1", {"broken": "broken_mod"}, {"broken_mod": source})
    for command in (["plugins", "--json"], ["schema", "architecture"]):
        run = run_dse(site, *command, cwd=tmp_path)
        assert run.code == 0, run.stderr
        assert run.err_lines == [(f"dse: warning: 1 plugin failed and skipped (see `dse plugins`): plugin "
                                 f"'broken' (broken 0.1): {error}")]
        doc = json.loads(run.stdout)
        if command[0] == "plugins":
            assert {b["name"] for b in doc["backends"]} >= {"systolic", "snn", "hybrid"}
            assert [p["status"] for p in doc["plugins"] if p["name"] == "broken"] == ["failed"]
        else:  # the schema still knows every built-in backend
            tags = {m["properties"]["backend"]["const"] for m in doc["$defs"].values()
                    if "backend" in m.get("properties", {}) and "const" in m["properties"]["backend"]}
            assert {"systolic", "snn", "hybrid"} <= tags


def test_a_params_model_that_loses_its_json_schema_is_reported_after_a_warm_run(tmp_path: Path) -> None:
    # the first run builds P's JSON Schema and remembers it (dse.plugin.schema_cache); editing
    # the plugin so that P has none (a callable field) must fail the plugin on the next run
    source = tmp_path / "site" / "schema_mod.py"
    site = add_distribution(tmp_path / "site", "schemaful", "1.0", {"schemaful": "schema_mod"},
                            {"schema_mod": _backend_plugin("schemaful")})
    env = {"DSE_CACHE_DIR": str(tmp_path / "cache"), "PYTHONDONTWRITEBYTECODE": "1"}  # sys.path dirs keep their times
    first = run_dse(site, "plugins", "--json", cwd=tmp_path, env=env)
    assert (first.code, first.stderr) == (0, "")
    remembered = json.loads(next((tmp_path / "cache" / "startup").glob("schema-checks-*.json")).read_text())
    assert "schema_mod:P" in remembered["payload"]["passed"]
    source.write_text(source.read_text().replace("scale: float = 1.0", "scale: Callable[[], float] = float")
                      .replace("import dse\n", "import dse\nfrom collections.abc import Callable\n", 1))
    second = run_dse(site, "plugins", "--json", cwd=tmp_path, env=env)
    assert second.code == 0 and len(second.err_lines) == 1
    assert second.err_lines[0].startswith(
        "dse: warning: 1 plugin failed and skipped (see `dse plugins`): plugin 'schemaful' (schemaful 1.0): "
        "PluginError: backend 'schemaful': Params has no JSON Schema (PydanticInvalidForJsonSchema: Cannot "
        "generate a JsonSchema for core_schema.CallableSchema")


def test_several_failed_plugins_are_one_line(tmp_path: Path) -> None:
    site = add_distribution(tmp_path / "site", "one", "1", {"one": "one_mod"}, {"one_mod": "raise ValueError('a')"})
    add_distribution(site, "two", "2", {"two": "two_mod"}, {"two_mod": "import sys\nsys.exit('b')"})
    run = run_dse(site, "evaluate", PAPER_CNN, SYSTOLIC, "--json", cwd=tmp_path)
    assert run.code == 0
    assert run.err_lines == [("dse: warning: 2 plugins failed and skipped (see `dse plugins`): plugin 'one' "
                             "(one 1): ValueError: a; plugin 'two' (two 2): SystemExit: b")]


def test_a_cost_that_is_not_a_cost_is_one_line_naming_the_plugin(tmp_path: Path) -> None:
    site = add_distribution(tmp_path / "site", "sloppy", "0.3", {"sloppy": "sloppy_mod"},
                            {"sloppy_mod": _backend_plugin("dictcost", result="{'energy_pj': 1.0}")})
    arch = tmp_path / "arch.yaml"
    arch.write_text("backend: dictcost\nname: d\ntechnology: horowitz45\nparams: {}\n")
    run = run_dse(site, "evaluate", PAPER_CNN, arch, cwd=tmp_path)
    assert run.code == 2
    assert run.err_lines == [(f"dse: {arch}: backend 'dictcost' of plugin 'sloppy' (sloppy 0.3) returned "
                             "{'energy_pj': 1.0} instead of a dse.Cost")]


SLOPPY_BATCH = _backend_plugin("neg", extra='''

import polars as pl
from dse.plugin.types import batch_schema


def cost_batch(self, workload, params, technology):
    n = params.height
    scale = params["scale"].to_list()
    # a sign error in the vectorised latency: negative for scale > 1
    cycles = [1000.0 * (1.0 - s) for s in scale]
    return pl.DataFrame({"energy_pj": [100.0 * s for s in scale], "latency_cycles": cycles,
                         "latency_s": [c / 1e8 for c in cycles], "area_mm2": [1.0] * n,
                         "power_mw": [1.0] * n, "memory_fits": [True] * n, "error": [None] * n},
                        schema=batch_schema())


B.cost_batch = cost_batch
''')


def test_negative_latency_from_a_batch_path_never_reaches_the_front(tmp_path: Path) -> None:
    site = add_distribution(tmp_path / "site", "sloppy-batch", "0.9", {"sloppy": "sloppy_mod"},
                            {"sloppy_mod": SLOPPY_BATCH})
    (tmp_path / "w.yaml").write_text(PAPER_CNN.read_text())
    space = {"name": "neg", "workload": "w.yaml", "objectives": {"energy_pj": "minimize", "latency_s": "minimize"},
             "backends": [{"backend": "neg", "technology": "horowitz45",
                           "params": {"scale": {"type": "float", "low": 0.5, "high": 2.0}}}],
             "sampler": {"name": "random", "batch_size": 20}, "trials": 40, "seed": 1}
    (tmp_path / "space.yaml").write_text(yaml.safe_dump(space))
    run = run_dse(site, "explore", "space.yaml", "--out", "out", cwd=tmp_path)
    assert run.code == 0, run.stderr
    trials = pl.read_parquet(tmp_path / "out" / "trials.parquet")
    bad = trials.filter(pl.col("params_json").str.json_path_match("$.scale").cast(pl.Float64) > 1.0)
    assert bad.height > 0 and (bad["state"] == "FAIL").all() and not bad["pareto"].any()
    assert bad["error"].str.contains(
        r"^backend 'neg' of plugin 'sloppy' \(sloppy-batch 0.9\): returned latency_cycles -\d").all()
    front = pl.read_parquet(tmp_path / "out" / "pareto.parquet")
    assert front.height > 0 and (front["latency_s"] >= 0).all()
    assert trials.height == 40  # every trial was told: none lost


LIAR = """
import dse
from pydantic import BaseModel, ConfigDict


class P(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Liar(dse.AccuracyModel):
    name = "liar"
    Params = P

    def accuracy(self, workload, knobs, params):
        return {"value": 1.5}


@dse.hookimpl
def dse_register_accuracy_models(register):
    register(Liar())
"""


def test_an_accuracy_that_is_not_an_accuracy_fails_its_trials_naming_the_plugin(tmp_path: Path) -> None:
    site = add_distribution(tmp_path / "site", "liar", "0.2", {"liar": "liar_mod"}, {"liar_mod": LIAR})
    (tmp_path / "w.yaml").write_text(PAPER_CNN.read_text())
    space = {"name": "liar", "workload": "w.yaml", "objectives": {"energy_pj": "minimize", "accuracy": "maximize"},
             "accuracy": {"model": "liar"},
             "backends": [{"backend": "systolic", "technology": "horowitz45",
                           "params": {"rows": {"type": "int", "low": 4, "high": 32}}}],
             "sampler": {"name": "random", "batch_size": 10}, "trials": 10, "seed": 1}
    (tmp_path / "space.yaml").write_text(yaml.safe_dump(space))
    run = run_dse(site, "explore", "space.yaml", "--out", "out", cwd=tmp_path)
    assert run.code == 0 and not [line for line in run.err_lines if line.startswith("dse:")], run.stderr  # the bar only
    trials = pl.read_parquet(tmp_path / "out" / "trials.parquet")
    assert trials.height == 10 and (trials["state"] == "FAIL").all()
    assert set(trials["error"]) == {("accuracy model 'liar' of plugin 'liar' (liar 0.2): returned {'value': 1.5}, "
                                    "not a finite dse.Accuracy")}
