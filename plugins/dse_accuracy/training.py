"""Train a small ANN, SNN or hybrid MLP on scikit-learn's digits and measure it (PyTorch).

The recipe of docs/references/accuracy_digits.md: pixels/16, a stratified 75/25 split
(1,347 training and 450 test images; the split is fixed, the seed moves initialisation,
shuffling and spike sampling), Adam at 2e-3, batch 64, cross-entropy.

- Weights: symmetric per-tensor uniform fake quantisation with a straight-through estimator
  (QAT): q = clamp(round(w / s), -(2^(b-1) - 1), 2^(b-1) - 1) · s with s = max|w| / (2^(b-1) - 1);
  2 bits is ternary. Biases stay float. 32 bits trains in float.
- Spiking layers: IF (no leak) or LIF (membrane ← beta · membrane + current), threshold 1,
  reset by subtraction, trained through the arctangent surrogate gradient
  (α/2) / (1 + (π/2 · α · (v − θ))²) with α = 2: snnTorch's defaults for ``Leaky``
  (snntorch/_neurons/neurons.py: ``spike_grad=None`` selects ``surrogate.atan()``), the
  setting accuracy_digits.md was measured with. The output layer spikes like the others;
  the prediction is its mean membrane potential over the T steps (membrane readout).
- Entering a spiking part: ``rate`` draws Bernoulli spikes with probability = the value
  clipped to [0, 1] at every step (a straight-through gradient inside a hybrid), ``direct``
  feeds the analog value as current at every step. Leaving a spiking part (``snn_first``
  hybrids): the spike rate (count / T).

Densities are measured on the test set after training: for each layer the fraction of
non-zero inputs and of non-zero outputs per element and time step (spikes for spiking
layers, ReLU activations for ANN layers; ANN layers run once per inference).
"""

from __future__ import annotations

import functools
import itertools
import math
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dse_accuracy.knobs import FLOAT_BITS, Knobs

#: Firing threshold (membrane units): snnTorch's default, used in accuracy_digits.md.
THRESHOLD = 1.0
#: Arctangent surrogate width alpha: snnTorch's default (snntorch.surrogate.atan, alpha=2.0).
SURROGATE_ALPHA = 2.0
#: Fraction of digits held out for testing, and the split's fixed seed (accuracy_digits.md).
TEST_FRACTION = 0.25
SPLIT_SEED = 0
#: Pixel values of sklearn's digits run 0..16 (sklearn.datasets.load_digits).
PIXEL_MAX = 16.0


@dataclass(frozen=True)
class TrainConfig:
    """What to train: layer sizes (inputs first), knobs and the optimiser's settings."""

    sizes: tuple[int, ...]
    knobs: Knobs
    epochs: int
    batch_size: int
    learning_rate: float


@dataclass(frozen=True)
class Measured:
    """Test accuracy, per-layer (input, output) densities per step, wall-clock seconds."""

    accuracy: float
    densities: tuple[tuple[float, float], ...]
    seconds: float
    test_samples: int


@functools.lru_cache(maxsize=1)
def digits_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test): pixels/16 as float32, labels as int64."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    x = (data.data / PIXEL_MAX).astype(np.float32)
    y = data.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=TEST_FRACTION, stratify=y, random_state=SPLIT_SEED
    )
    return x_train, y_train, x_test, y_test


class _Spike(torch.autograd.Function):
    """Heaviside step forward, arctangent surrogate backward."""

    @staticmethod
    def forward(ctx, v: Tensor) -> Tensor:  # type: ignore[override]
        ctx.save_for_backward(v)
        return (v > 0).to(v.dtype)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:  # type: ignore[override]
        (v,) = ctx.saved_tensors
        return grad * (SURROGATE_ALPHA / 2) / (1.0 + (math.pi / 2 * SURROGATE_ALPHA * v) ** 2)


def fake_quant(weight: Tensor, bits: int) -> Tensor:
    """Symmetric per-tensor uniform quantisation with a straight-through gradient."""
    if bits >= FLOAT_BITS:
        return weight
    levels = 2 ** (bits - 1) - 1
    scale = weight.detach().abs().max().clamp_min(1e-12) / levels
    quantised = torch.round(weight / scale).clamp(-levels, levels) * scale
    return weight + (quantised - weight).detach()


def spiking_layers(knobs: Knobs, layers: int) -> tuple[bool, ...]:
    """Which of the ``layers`` layers spike, from kind, split_after and order."""
    if knobs.kind == "ann":
        return (False,) * layers
    if knobs.kind == "snn":
        return (True,) * layers
    k = int(knobs.split_after or 0)
    first_spikes = knobs.order == "snn_first"
    return tuple((i < k) == first_spikes for i in range(layers))


class ProxyNet(nn.Module):
    """An MLP whose layers run as ANN (ReLU, once) or SNN (IF/LIF, T steps) by the knobs."""

    def __init__(self, sizes: tuple[int, ...], knobs: Knobs) -> None:
        super().__init__()
        self.knobs = knobs
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(sizes))
        self.spiking = spiking_layers(knobs, len(self.linears))
        self.beta = float(knobs.leak) if knobs.neuron == "LIF" and knobs.leak is not None else 1.0

    def forward(self, x: Tensor, generator: torch.Generator) -> tuple[Tensor, list[tuple[Tensor, Tensor]]]:
        """Logits and, per layer, the (input, output) tensors (time-major for spiking layers)."""
        h, in_time = x, False
        trace: list[tuple[Tensor, Tensor]] = []
        last = len(self.linears) - 1
        for index, (linear, spiking) in enumerate(zip(self.linears, self.spiking, strict=True)):
            if spiking and not in_time:
                h, in_time = self._encode(h, generator, network_input=index == 0), True
            elif not spiking and in_time:
                h, in_time = h.mean(0), False
            current = F.linear(h, fake_quant(linear.weight, self.knobs.weight_bits), linear.bias)
            if spiking:
                out, membrane = self._neurons(current)
                logits = membrane
            else:
                out = current if index == last else F.relu(current)
                logits = out
            trace.append((h, out))
            h = out
        return logits, trace

    def _encode(self, h: Tensor, generator: torch.Generator, network_input: bool) -> Tensor:
        steps = (self.knobs.timesteps, *h.shape)
        if self.knobs.encoding == "direct":
            return h.unsqueeze(0).expand(steps)
        p = h.clamp(0.0, 1.0).unsqueeze(0).expand(steps)
        spikes = torch.bernoulli(p.detach(), generator=generator)
        return spikes if network_input else p + (spikes - p).detach()

    def _neurons(self, current: Tensor) -> tuple[Tensor, Tensor]:
        """Spikes (T, B, n) and the mean membrane potential before reset (B, n)."""
        membrane = torch.zeros_like(current[0])
        spikes, total = [], torch.zeros_like(current[0])
        for step in current:
            membrane = self.beta * membrane + step
            spike = _Spike.apply(membrane - THRESHOLD)
            total = total + membrane
            spikes.append(spike)
            membrane = membrane - spike.detach() * THRESHOLD
        return torch.stack(spikes), total / len(current)


def train_and_measure(config: TrainConfig) -> Measured:
    """Train one network for ``config`` and measure it on the test set (deterministic per seed)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        start = time.perf_counter()
        model, generator = _train(config)
        accuracy, densities, samples = _measure(model, generator)
        return Measured(accuracy, densities, time.perf_counter() - start, samples)
    finally:
        torch.set_num_threads(threads)


def _train(config: TrainConfig) -> tuple[ProxyNet, torch.Generator]:
    x_np, y_np, _, _ = digits_split()
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    torch.manual_seed(config.knobs.seed)
    generator = torch.Generator().manual_seed(config.knobs.seed)
    model = ProxyNet(config.sizes, config.knobs)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    for _ in range(config.epochs):
        order = torch.randperm(len(x), generator=generator)
        for batch in order.split(config.batch_size):
            logits, _ = model(x[batch], generator)
            loss = F.cross_entropy(logits, y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return model, generator


@torch.no_grad()
def _measure(model: ProxyNet, generator: torch.Generator) -> tuple[float, tuple[tuple[float, float], ...], int]:
    _, _, x_np, y_np = digits_split()
    logits, trace = model(torch.from_numpy(x_np), generator)
    accuracy = float((logits.argmax(1) == torch.from_numpy(y_np)).double().mean())
    densities = tuple(
        (float((h != 0).double().mean()), float((out != 0).double().mean())) for h, out in trace
    )
    return accuracy, densities, len(y_np)
