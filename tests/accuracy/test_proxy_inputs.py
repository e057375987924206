"""digits-proxy inputs that need no training (and no PyTorch): cache location, workloads, the extra."""

from __future__ import annotations

import pytest
from dse_accuracy.cache import cache_dir
from dse_accuracy.digits_proxy import DigitsProxy

from dse import DseInputError, Workload
from tests.accuracy.conftest import digits_mlp

MODEL = DigitsProxy()


def test_cache_dir_comes_from_the_parameter_then_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DSE_CACHE_DIR", str(tmp_path / "root"))
    assert cache_dir(None) == tmp_path / "root" / "accuracy"
    assert cache_dir(str(tmp_path / "mine")) == tmp_path / "mine"
    monkeypatch.delenv("DSE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir(None) == tmp_path / "xdg" / "dse" / "accuracy"


def test_a_workload_it_cannot_train_is_named():
    conv = Workload.model_validate({"name": "conv", "layers": [
        {"name": "c1", "kind": "conv2d", "in_channels": 1, "out_channels": 4, "in_height": 8, "in_width": 8,
         "kernel": 3}]})
    with pytest.raises(DseInputError, match="layer 'c1' is a conv2d layer; the digits proxy trains chains"):
        MODEL.accuracy(conv, {}, MODEL.Params(cache=False))
    wide = Workload.model_validate({"name": "wide", "layers": [
        {"name": "fc", "kind": "dense", "in_features": 64, "out_features": 12}]})
    with pytest.raises(DseInputError, match="maps 64 inputs to 12 outputs"):
        MODEL.accuracy(wide, {}, MODEL.Params(cache=False))


def test_without_torch_the_error_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)  # what an environment without torch looks like to import
    with pytest.raises(DseInputError, match=r"digits-proxy needs PyTorch .*\(torch is missing\): "
                       r"pip install -e '\.\[train\]' in a checkout, or pip install 'dse-accel\[train\]'$"):
        MODEL.accuracy(digits_mlp(), {}, MODEL.Params(cache=False))
