"""Gradient descent on the fast path: batch, sgd and minibatch, resumable in chunks.

Semantics follow the spec: every trainable parameter moves by −η·g at once,
g being the mean gradient over the update's samples; the loss history holds
the dataset loss before training and after each update. Parameters are
double-buffered, so when the loss turns non-finite the last finite weights
are restored at no cost per iteration.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from bpgui.engine.fastpath import Forward, backward, dataset_loss, forward
from bpgui.engine.functions import Array
from bpgui.engine.plan import Plan
from bpgui.errors import BpguiError
from bpgui.model import TrainingSettings, check_training


def seed_for_numpy(seed: int) -> int:
    """The spec allows any integer seed; NumPy wants one ≥ 0. Negative seeds are taken
    modulo 2⁶⁴, so every integer names one fixed generator."""
    return seed % (1 << 64)


def batch_schedule(settings: TrainingSettings, n: int) -> Iterator[Array | None]:
    """Rows for each update: ``None`` (all) in batch mode, else index arrays."""
    if settings.mode == "batch":
        while True:
            yield None
    size = 1 if settings.mode == "sgd" else settings.batch_size
    rng = np.random.default_rng(seed_for_numpy(settings.seed)) if settings.shuffle else None
    while True:
        order = rng.permutation(n) if rng is not None else np.arange(n)
        for start in range(0, n, size):
            yield order[start:start + size]


class Trainer:
    """Runs iterations on a compiled plan; call :meth:`run` as often as you like."""

    def __init__(self, plan: Plan, x: Array, y: Array, settings: TrainingSettings) -> None:
        check_training(settings)
        if x.shape[0] == 0:
            raise BpguiError("the network has no samples to train on")
        self.plan, self.x, self.y = plan, x, y
        self.settings = settings
        self._schedule = batch_schedule(settings, x.shape[0])
        self._spare = [(np.empty_like(b.weights), np.empty_like(b.bias)) for b in plan.blocks]
        with np.errstate(over="ignore", invalid="ignore"):   # a non-finite loss is handled
            self._forward: Forward = forward(plan, x)
            first = dataset_loss(plan, self._forward, y)
        self.iteration = 0
        self.history: list[float] = [first]
        self.diverged_at: int | None = None if math.isfinite(self.history[0]) else 0

    @property
    def learning_rate(self) -> float:
        return self.settings.learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise BpguiError(f"the learning rate must be a finite number > 0, not {value!r}")
        self.settings.learning_rate = float(value)

    def run(self, iterations: int) -> list[float]:
        """Do up to ``iterations`` updates; return the new loss-history entries.

        Stops early, with :attr:`diverged_at` set and the last finite
        parameters back in place, if the loss becomes NaN or infinite.
        """
        new: list[float] = []
        if self.diverged_at is None:
            with np.errstate(over="ignore", invalid="ignore"):   # divergence is detected
                self._run(iterations, new)
        self.history.extend(new)
        return new

    def _run(self, iterations: int, new: list[float]) -> None:
        plan, x, y, blocks = self.plan, self.x, self.y, self.plan.blocks
        lr = self.settings.learning_rate
        steps = [(lr * blk.weight_mask, lr * blk.bias_mask) for blk in blocks]
        da = None
        for _ in range(iterations):
            rows = next(self._schedule)
            grads = backward(plan, self._forward, y, rows, input_grads=False, da=da)
            da = grads.da
            for k, blk in enumerate(blocks):
                w_new, b_new = self._spare[k]
                g_w, g_b = grads.weights[k], grads.biases[k]
                g_w *= steps[k][0]
                g_b *= steps[k][1]
                np.subtract(blk.weights, g_w, out=w_new)
                np.subtract(blk.bias, g_b, out=b_new)
                self._spare[k] = (blk.weights, blk.bias)
                blk.weights, blk.bias = w_new, b_new
            self._forward = forward(plan, x)
            loss = dataset_loss(plan, self._forward, y)
            self.iteration += 1
            new.append(loss)
            if not math.isfinite(loss):
                self.diverged_at = self.iteration
                self._restore_previous()
                return

    def _restore_previous(self) -> None:
        """Swap the buffers back: the parameters before the diverging update."""
        for k, blk in enumerate(self.plan.blocks):
            previous = self._spare[k]
            self._spare[k] = (blk.weights, blk.bias)
            blk.weights, blk.bias = previous
        self._forward = forward(self.plan, self.x)
