"""The ``digits-proxy`` accuracy model: train the workload's MLP on scikit-learn's digits.

The workload must be a chain of dense layers from 64 inputs (8×8 pixels) to 10 outputs, such
as ``zoo:digits-mlp`` (64-128-10); the network trained has exactly its layers, so measured
densities come back under the workload's layer names. Training is in
:mod:`dse_accuracy.training` (PyTorch, the optional ``[train]`` extra), deterministic per
seed. Results are cached on disk (:mod:`dse_accuracy.cache`) under a hash of the layer sizes,
the canonical knobs and the training parameters, so a study never trains a point twice:

- a trained point has ``seconds`` = its training time and a ``source`` starting "trained:";
- a cache hit has ``seconds`` = 0 and a ``source`` starting "cache:" (with the time it took
  to train then), so a driver can count training seconds and the cache hit rate.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dse import (
    Accuracy,
    AccuracyModel,
    DenseLayer,
    DseInputError,
    ModelUnavailable,
    Workload,
    install_hint,
)
from dse_accuracy.knobs import Knobs, resolve_knobs

#: Bump when training changes what a knob set measures: old cache entries are then ignored.
CACHE_VERSION = 1
#: The distributions whose releases change what training measures (the [train] extra).
TRAIN_DISTRIBUTIONS = ("torch", "scikit-learn", "numpy")
#: sklearn's digits: 8×8 pixel images of 10 classes (sklearn.datasets.load_digits).
DIGITS_INPUTS = 64
DIGITS_CLASSES = 10


class DigitsProxyParams(BaseModel):
    """Parameters of the ``digits-proxy`` accuracy model."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    epochs: int = Field(40, ge=1, le=1000, description="training epochs (accuracy_digits.md: 40)")
    batch_size: int = Field(64, ge=1, le=1347, description="samples per batch (accuracy_digits.md: 64)")
    learning_rate: float = Field(2e-3, gt=0.0, le=1.0, description="Adam learning rate (accuracy_digits.md: 2e-3)")
    cache: bool = Field(True, description="read and write the on-disk result cache")
    cache_dir: str | None = Field(
        None, description="cache directory; default $DSE_CACHE_DIR/accuracy, else ~/.cache/dse/accuracy"
    )


class DigitsProxy(AccuracyModel):
    """Accuracy and spike/activation densities of the workload trained on sklearn's digits."""

    name = "digits-proxy"
    description = "trains the workload's MLP (ANN, SNN or hybrid) on scikit-learn's digits; cached per knobs+seed"
    Params = DigitsProxyParams

    def accuracy(self, workload: Workload, knobs: Mapping[str, Any], params: BaseModel) -> Accuracy:
        assert isinstance(params, DigitsProxyParams)
        layers = dense_chain(workload)
        resolved = resolve_knobs(workload, knobs)
        sizes = (layers[0].in_features, *(layer.out_features for layer in layers))
        names = [layer.name for layer in layers]
        if not params.cache:
            return _result(names, _train(sizes, resolved, params), resolved, cached=False)
        from dse_accuracy.cache import ResultCache, cache_dir, cache_key

        cache = ResultCache(cache_dir(params.cache_dir))
        key = cache_key(_key_payload(sizes, resolved, params))
        record = cache.load(key)
        if record is not None:
            return _result(names, record, resolved, cached=True)
        with cache.lock(key):
            record = cache.load(key)  # another process may have trained it while we waited
            if record is not None:
                return _result(names, record, resolved, cached=True)
            record = _train(sizes, resolved, params)
            cache.store(key, record)
        return _result(names, record, resolved, cached=False)


def dense_chain(workload: Workload) -> list[DenseLayer]:
    """The workload's layers, checked to be a dense chain from 64 inputs to 10 outputs."""
    for layer in workload.layers:
        if not isinstance(layer, DenseLayer) or layer.recurrent:
            what = "a recurrent dense layer" if isinstance(layer, DenseLayer) else f"a {layer.kind} layer"
            raise DseInputError(
                f"digits-proxy: workload '{workload.name}': layer '{layer.name}' is {what}; the digits "
                f"proxy trains chains of dense layers ({DIGITS_INPUTS} inputs, {DIGITS_CLASSES} outputs)"
            )
    layers: list[DenseLayer] = list(workload.layers)  # type: ignore[arg-type]
    if layers[0].in_features != DIGITS_INPUTS or layers[-1].out_features != DIGITS_CLASSES:
        raise DseInputError(
            f"digits-proxy: workload '{workload.name}' maps {layers[0].in_features} inputs to "
            f"{layers[-1].out_features} outputs; the digits proxy needs {DIGITS_INPUTS} inputs "
            f"(8x8 pixels) and {DIGITS_CLASSES} outputs"
        )
    return layers


def _key_payload(sizes: tuple[int, ...], knobs: Knobs, params: DigitsProxyParams) -> dict[str, Any]:
    return {
        "model": DigitsProxy.name,
        "version": CACHE_VERSION,
        "sizes": list(sizes),
        "knobs": knobs.model_dump(),
        "training": params.model_dump(include={"epochs", "batch_size", "learning_rate"}),
        # a model trained under another framework release is another model (4 of 39 knob
        # sets differed by up to 4.7 accuracy points between two torch releases, issue 16)
        "frameworks": framework_versions(),
    }


def framework_versions() -> dict[str, str | None]:
    """Installed versions of the training frameworks (None: not installed), read from the
    package metadata so that a cache hit imports neither."""
    from dse import installed_versions  # dse.results.provenance: subprocess, platform, hashlib

    return installed_versions(TRAIN_DISTRIBUTIONS)


def _train(sizes: tuple[int, ...], knobs: Knobs, params: DigitsProxyParams) -> dict[str, Any]:
    """Train once; the cache record (accuracy, densities by layer position, seconds, provenance)."""
    for module in ("torch", "sklearn"):  # the [train] extra
        try:
            importlib.import_module(module)
        except ImportError:
            raise ModelUnavailable(
                f"digits-proxy needs PyTorch and scikit-learn ({module} is missing): {install_hint('train')}"
            ) from None
    import torch

    from dse_accuracy.training import TrainConfig, train_and_measure

    config = TrainConfig(sizes, knobs, params.epochs, params.batch_size, params.learning_rate)
    measured = train_and_measure(config)
    return {
        **_key_payload(sizes, knobs, params),
        "accuracy": measured.accuracy,
        "densities": [list(pair) for pair in measured.densities],
        "seconds": measured.seconds,
        "test_samples": measured.test_samples,
        "torch": torch.__version__,
    }


def _densities(names: list[str], record: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    return {name: (float(pair[0]), float(pair[1])) for name, pair in zip(names, record["densities"], strict=True)}


def _result(names: list[str], record: Mapping[str, Any], knobs: Knobs, *, cached: bool) -> Accuracy:
    """The Accuracy of a training record; a cache hit cost no training time now."""
    epochs = record["training"]["epochs"]
    if cached:
        source = f"cache: digits-proxy {knobs.label()}, {epochs} epochs (trained in {record['seconds']:.1f} s)"
    else:
        source = f"trained: digits-proxy {knobs.label()}, {epochs} epochs, {record['test_samples']} test digits"
    return Accuracy(value=record["accuracy"], source=source, densities=_densities(names, record),
                    seconds=0.0 if cached else record["seconds"])
