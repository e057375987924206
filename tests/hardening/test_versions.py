"""Model versions and models that cannot run: what a resumed study may and may not mix.

- every trial records the releases of the plugins that costed it;
- resuming after a plugin upgrade is refused with one line, unless --allow-version-mix,
  which the outputs and the report then say;
- an accuracy model that cannot run at all (PyTorch missing) stops the search with exit 2
  and the install hint before a trial is stored;
- failed trials of a resumed study are retried;
- the accuracy cache key names the framework releases.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import optuna
import polars as pl
import pytest

from dse import install_hint
from dse.extras import DISTRIBUTION
from dse.plugin.manager import Plugins
from dse.search.explore import ExploreConfig, explore
from tests.explore import toy_plugin
from tests.explore.conftest import toy_space, write_space
from tests.hardening.distributions import add_distribution, run_dse

ROOT = Path(__file__).resolve().parents[2]


def _toy_release(site: Path, version: str) -> None:
    """(Re)install the toy plugin as distribution dse-toy ``version`` in ``site``."""
    for old in site.glob("dse_toy-*.dist-info"):
        for path in old.iterdir():
            path.unlink()
        old.rmdir()
    add_distribution(site, "dse-toy", version, {"toy": "tests.explore.toy_plugin"}, {})


def _stored(out: Path) -> list[optuna.trial.FrozenTrial]:
    """Every trial of every study in the run directory's journal."""
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(out / "study.journal")))
    return [t for s in optuna.get_all_study_names(storage)
            for t in optuna.load_study(study_name=s, storage=storage).get_trials(deepcopy=False)]


def test_a_plugin_upgrade_is_not_mixed_into_a_resumed_study(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _toy_release(site, "1.0")
    space = write_space(tmp_path, toy_space(trials=20))
    first = run_dse(site, "explore", space, "--out", "out", cwd=tmp_path)
    assert first.code == 0, first.stderr
    trials = pl.read_parquet(tmp_path / "out" / "trials.parquet")
    one = '{"backend:explore-toy": "dse-toy 1.0"}'
    assert trials["plugin_versions"].to_list() == [one] * 20  # every trial says who costed it

    _toy_release(site, "1.1")  # the plugin is upgraded; the same command resumes with more trials
    again = run_dse(site, "explore", space, "--trials", "40", "--out", "out", cwd=tmp_path)
    assert again.code == 2
    assert again.err_lines == [
        ("dse: --study: study 'toy/explore-toy' holds trials costed by backend:explore-toy dse-toy 1.0; installed "
        "now: backend:explore-toy dse-toy 1.1; rerun with --allow-version-mix to continue anyway (marked in the "
        "outputs and the report), or choose another --study or --out")]
    assert len(_stored(tmp_path / "out")) == 20  # nothing stored

    mixed = run_dse(site, "explore", space, "--trials", "40", "--out", "out", "--allow-version-mix", cwd=tmp_path)
    assert mixed.code == 0, mixed.stderr
    two = '{"backend:explore-toy": "dse-toy 1.1"}'
    assert f"plugin versions mixed in this study: {one} | {two}" in mixed.stdout
    table = pl.read_parquet(tmp_path / "out" / "trials.parquet")
    assert table.group_by("plugin_versions").len().sort("plugin_versions").rows() == [(one, 20), (two, 20)]
    meta = pl.read_parquet_metadata(tmp_path / "out" / "trials.parquet")
    assert json.loads(meta["dse.plugin_versions_mixed"]) == [one, two]
    report = run_dse(site, "report", "out", cwd=tmp_path)
    assert report.code == 0, report.stderr
    html = (tmp_path / "out" / "report.html").read_text()
    assert "costed by different plugin releases" in html and "dse-toy 1.0" in html and "dse-toy 1.1" in html


def test_a_model_that_cannot_run_stops_before_the_first_trial(tmp_path: Path) -> None:
    hidden = tmp_path / "no-torch"
    hidden.mkdir()  # a torch that cannot be imported, as on a machine without the [train] extra
    (hidden / "torch.py").write_text("raise ModuleNotFoundError(\"No module named 'torch'\", name='torch')\n")
    run = run_dse(hidden, "explore", ROOT / "spaces" / "to-spike-or-not.yaml", "--trials", "30", "--out", "out",
                  cwd=tmp_path, env={"DSE_CACHE_DIR": str(tmp_path / "cache")})
    assert run.code == 2
    assert run.err_lines == [(f"dse: accuracy model 'digits-proxy' of plugin 'accuracy' ({DISTRIBUTION} {metadata.version(DISTRIBUTION)}): digits-proxy "
                             f"needs PyTorch and scikit-learn (torch is missing): {install_hint('train')}")]
    assert _stored(tmp_path / "out") == []  # not one trial stored
    assert not (tmp_path / "out" / "trials.parquet").exists()


def test_failed_trials_of_a_resumed_study_are_retried(tmp_path: Path, toy_plugins: Plugins,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    space = toy_space(objectives={"energy_pj": "minimize", "accuracy": "maximize"},
                      accuracy={"model": "explore-toy-accuracy", "params": {}},
                      knobs={"weight_bits": {"type": "categorical", "choices": [2, 4, 8]}}, trials=20)
    path = write_space(tmp_path, space)
    with monkeypatch.context() as patch:  # the first run's accuracy fails for 4-bit weights (a flaky machine)
        real = toy_plugin.ToyAccuracy.accuracy

        def flaky(self, workload, knobs, params):  # type: ignore[no-untyped-def]
            if knobs.get("weight_bits") == 4:
                raise RuntimeError("out of memory")
            return real(self, workload, knobs, params)

        patch.setattr(toy_plugin.ToyAccuracy, "accuracy", flaky)
        explore(ExploreConfig(path, tmp_path / "out", "toy", 20, 0), toy_plugins)
    first = pl.read_parquet(tmp_path / "out" / "trials.parquet")
    failed = first.filter(pl.col("state") == "FAIL")
    assert failed.height > 0 and set(failed["error"]) == {("accuracy model 'explore-toy-accuracy': RuntimeError: "
                                                          "out of memory")}
    result = explore(ExploreConfig(path, tmp_path / "out", "toy", 20, 0), toy_plugins)  # resumed: same budget
    table = pl.read_parquet(tmp_path / "out" / "trials.parquet")
    # 20 trials, then one retry per failed trial, with the failed trial's parameters and a result
    assert result.told == failed.height and table.height == 20 + failed.height
    retries = table.filter(pl.col("trial") >= 20).sort("trial")
    assert (retries["state"] == "COMPLETE").all()
    assert retries["params_json"].to_list() == failed.sort("trial")["params_json"].to_list()
    assert retries["knobs_json"].to_list() == failed.sort("trial")["knobs_json"].to_list()
    # and a third run retries nothing again
    assert explore(ExploreConfig(path, tmp_path / "out", "toy", 20, 0), toy_plugins).told == 0


def test_the_accuracy_cache_key_names_the_framework_releases(monkeypatch: pytest.MonkeyPatch) -> None:
    from dse_accuracy import digits_proxy
    from dse_accuracy.cache import cache_key
    from dse_accuracy.knobs import resolve_knobs

    from dse.plugin.manager import make_plugins

    workload = make_plugins().loader_for("zoo:digits-mlp").load("zoo:digits-mlp")  # type: ignore[union-attr]
    args = ((64, 128, 10), resolve_knobs(workload, {}), digits_proxy.DigitsProxyParams())
    key = cache_key(digits_proxy._key_payload(*args))
    assert digits_proxy._key_payload(*args)["frameworks"]["torch"] == metadata.version("torch")
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda dist: "9.9.9" if dist == "torch" else real(dist))
    assert cache_key(digits_proxy._key_payload(*args)) != key  # another torch, another cache entry
