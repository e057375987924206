"""A backend's numpy overflow becomes one line naming the non-finite value, without a warning;
its other warnings pass (dse.evaluation.evaluate.FLOAT_WARNINGS)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from pydantic import BaseModel

import dse
from dse.evaluation.evaluate import Design, evaluate
from dse.plugin.checks import PluginError
from dse.plugin.manager import make_plugins
from tests.conftest import PAPER_CNN


class _Params(BaseModel):
    warn: str = ""


class _Overflowing(dse.Backend):
    """One layer of energy 1e308 pJ times 10: inf in float64 (numpy warns "overflow encountered")."""

    name = "overflowing"
    Params = _Params

    def cost(self, workload: dse.Workload, params: BaseModel, technology: dse.Technology) -> dse.Cost:
        assert isinstance(params, _Params)
        if params.warn:
            warnings.warn(params.warn, RuntimeWarning, stacklevel=1)
        energy = float(np.float64(1e308) * np.float64(10.0))
        layer = dse.LayerCost(name="conv", kind="conv2d", breakdown={"compute": energy}, latency_cycles=1.0)
        return dse.Cost(layers=(layer,), latency_cycles=1.0, clock_mhz=100.0, area_mm2=1.0)


def _design(params: _Params) -> Design:
    technology = make_plugins().technology(None)
    arch = dse.Architecture.model_validate({"name": "x", "backend": "overflowing", "params": {}})
    return Design(arch, _Overflowing(), params, technology)


def test_a_numpy_overflow_is_a_one_line_error_without_a_warning() -> None:
    workload = dse.Workload.model_validate(PAPER_CNN)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(PluginError, match="energy component 'compute' is inf"):
            evaluate(workload, _design(_Params()))
    assert [str(w.message) for w in caught] == []


def test_a_backends_own_runtime_warning_is_not_silenced() -> None:
    workload = dse.Workload.model_validate(PAPER_CNN)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(PluginError):
            evaluate(workload, _design(_Params(warn="table extrapolated")))
    assert [str(w.message) for w in caught] == ["table extrapolated"]
