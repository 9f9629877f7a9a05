"""Gradient descent on the fast path: batch, sgd and minibatch, resumable in chunks.

Semantics follow the spec: every trainable parameter moves at once by the update
rule (:mod:`bpgui.engine.optimizers`; −η·g for plain gradient descent), g being the
mean gradient over the update's samples; the loss history holds the dataset loss
before training and after each update. The dataset is the training samples: test
samples (a v1 addition) are never trained on, their loss kept in a history of its
own, and η follows the file's schedule (:mod:`bpgui.engine.schedules`). Parameters
are double-buffered, so when the loss turns non-finite the last finite weights are
restored at no cost per iteration.
A network with operation nodes whose update makes a value undefined (a log of a
value ≤ 0) is treated the same way, and the error naming the node and the sample
is raised once the trainer is consistent again.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from bpgui.engine.fastpath import Forward, Rows, backward, dataset_loss, forward, sample_losses
from bpgui.engine.gradient_levels import LevelGradients
from bpgui.engine.opgraph import OperationUndefined
from bpgui.engine.optimizers import Optimizer, optimizer_for
from bpgui.engine.plan import Plan
from bpgui.engine.schedules import next_learning_rate
from bpgui.network.errors import BpguiError
from bpgui.network.functions import Array
from bpgui.network.model import TrainingSettings, check_training


def seed_for_numpy(seed: int) -> int:
    """The spec allows any integer seed; NumPy wants one ≥ 0. Negative seeds are taken
    modulo 2⁶⁴, so every integer names one fixed generator."""
    return seed % (1 << 64)


class BatchSchedule:
    """Rows for each update: ``None`` (all) in batch mode, else index arrays.

    An iterator, not a generator, so that a trainer can be pickled to the training
    process and back in the middle of an epoch (see :mod:`bpgui.engine.worker`).
    """

    def __init__(self, settings: TrainingSettings, n: int) -> None:
        # what the order depends on: a schedule only goes on where all of it is the same
        self.key = (settings.mode, settings.batch_size, settings.shuffle, settings.seed, n)
        self._all = settings.mode == "batch"
        self._size = 1 if settings.mode == "sgd" else settings.batch_size
        self._n = n
        self._rng = np.random.default_rng(seed_for_numpy(settings.seed)) \
            if settings.shuffle else None
        self._order: Rows | None = None
        self._start = n                     # the first update begins an epoch

    def __iter__(self) -> BatchSchedule:
        return self

    def __next__(self) -> Rows | None:
        if self._all:
            return None
        if self._start >= self._n:          # a new epoch: a new order
            self._order = self._rng.permutation(self._n) if self._rng is not None \
                else np.arange(self._n)
            self._start = 0
        assert self._order is not None
        rows = self._order[self._start:self._start + self._size]
        self._start += self._size
        return rows


def check_learning_rate(value: object) -> float:
    """η as a float; a clear error unless it is a finite number > 0."""
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise BpguiError(f"the learning rate must be a finite number > 0, not {value!r}")
    return float(value)


@dataclass
class RunState:
    """What a training run leaves for the next one to go on from, so that two runs of
    100 updates are one of 200: the rule's state (velocities, moments), the updates
    made so far, η now and the sample order (sgd, minibatch) where it stopped. The
    window keeps one per run, and undoing the run puts the one before it back."""

    optimizer: str
    state: dict[str, list[Array]]
    updates: int
    learning_rate: float
    batches: BatchSchedule | None = None    # the sample order, where the run left it
    next_rows: Rows | None = None


class Trainer:
    """Runs iterations on a compiled plan; call :meth:`run` as often as you like."""

    def __init__(self, plan: Plan, x: Array, y: Array, settings: TrainingSettings, *,
                 test: tuple[Array, Array] | None = None, resume: RunState | None = None,
                 record_norms: bool = False, record_samples: bool = False,
                 record_levels: bool = False) -> None:
        """``x``, ``y`` are the training samples, ``test`` the test samples' (their loss
        after each update goes to :attr:`test_history`). ``resume`` goes on from an
        earlier run's :meth:`run_state`, if it fits (same rule, same parameter shapes;
        :attr:`resumed` says whether it did). ``record_norms`` keeps ‖g‖ of every update
        in :attr:`gradient_norms`, ``record_samples`` every sample's loss after each
        update in :attr:`sample_history`, and ``record_levels`` each level's mean |δ| and
        ‖∂L/∂W‖ of every update in :attr:`level_history`
        (:mod:`~bpgui.engine.gradient_levels`; for plots: the command line needs none)."""
        check_training(settings)
        if x.shape[0] == 0:
            raise BpguiError("the network has no training samples to train on")
        self.plan, self.x, self.y = plan, x, y
        self.settings = settings
        self._schedule = BatchSchedule(settings, x.shape[0])
        self.next_rows: Rows | None = next(self._schedule)   # of the coming update
        # Every block's weights, then every block's bias: the order the optimizer sees.
        self.optimizer: Optimizer = optimizer_for(settings)
        masks = [b.weight_mask for b in plan.blocks] + [b.bias_mask for b in plan.blocks]
        self.optimizer.start(masks, [True] * len(plan.blocks) + [False] * len(plan.blocks))
        self.updates = 0                        # over the whole training, across runs
        self.resumed = resume is not None and _fits(resume, settings, masks)
        if resume is not None and self.resumed:
            self.optimizer.restore(resume.state, resume.updates)
            self.optimizer.learning_rate = resume.learning_rate
            self.updates = resume.updates
            if resume.batches is not None and resume.batches.key == self._schedule.key:
                self._schedule = copy.deepcopy(resume.batches)
                self.next_rows = resume.next_rows
        self._spare = [np.empty_like(b.weights) for b in plan.blocks] + \
            [np.empty_like(b.bias) for b in plan.blocks]
        with np.errstate(over="ignore", invalid="ignore"):   # a non-finite loss is handled
            self._forward: Forward = forward(plan, x)
            first = dataset_loss(plan, self._forward, y)
        self.iteration = 0
        self.history: list[float] = [first]
        self._test = test if test is not None and test[0].shape[0] else None
        self.test_history: list[float] | None = \
            None if self._test is None else [self._test_loss()]
        self.penalty_history: list[float] | None = \
            [self.penalty()] if settings.l2 else None
        self.gradient_norms: list[float] | None = [] if record_norms else None
        self.sample_history: list[Array] | None = \
            [sample_losses(plan, self._forward, y)] if record_samples else None
        self._levels = LevelGradients(plan) if record_levels else None
        self.level_history: list[tuple[Array, Array]] | None = [] if record_levels else None
        self.diverged_at: int | None = None if math.isfinite(self.history[0]) else 0

    @property
    def learning_rate(self) -> float:
        """η of the next update (the schedule's, or the one set)."""
        return self.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        """A new η from the next update on; a schedule goes on from it."""
        self.settings.learning_rate = self.optimizer.learning_rate = check_learning_rate(value)

    def run_state(self) -> RunState:
        """A copy of what the next run needs to go on where this one stands."""
        state = {k: [a.copy() for a in arrays] for k, arrays in self.optimizer.state().items()}
        return RunState(self.settings.optimizer, state, self.updates,
                        self.optimizer.learning_rate, copy.deepcopy(self._schedule),
                        None if self.next_rows is None else self.next_rows.copy())

    def penalty(self) -> float:
        """The L2 penalty (λ/2)·Σw² over the trainable weights, whose gradient λ·w the
        rule adds; reported beside the loss, which it is not part of."""
        total = 0.0
        for blk in self.plan.blocks:
            w = blk.weights * blk.weight_mask
            total += float(np.vdot(w, w))
        return 0.5 * self.settings.l2 * total

    def _test_loss(self) -> float:
        assert self._test is not None
        x, y = self._test
        return dataset_loss(self.plan, forward(self.plan, x), y)

    def run(self, iterations: int) -> list[float]:
        """Do up to ``iterations`` updates; return the new loss-history entries.

        Stops early, with :attr:`diverged_at` set and the last finite
        parameters back in place, if the loss becomes NaN or infinite. An update
        that makes an operation node's value undefined stops the same way (its loss
        NaN in the history), then raises :class:`~bpgui.engine.opgraph.OperationUndefined`.
        """
        new: list[float] = []
        try:
            if self.diverged_at is None:
                with np.errstate(over="ignore", invalid="ignore"):   # divergence is detected
                    self._run(iterations, new)
        finally:
            self.history.extend(new)
            for extra in (self.test_history, self.penalty_history):
                if extra is not None:   # as long as the history, whatever happened
                    del extra[len(self.history):]
                    extra.extend([math.nan] * (len(self.history) - len(extra)))
        return new

    def _run(self, iterations: int, new: list[float]) -> None:
        plan, x, y, blocks = self.plan, self.x, self.y, self.plan.blocks
        step = self.optimizer.step
        params = [blk.weights for blk in blocks] + [blk.bias for blk in blocks]
        slots = [(blk, k, len(blocks) + k) for k, blk in enumerate(blocks)]   # in params
        da = None
        norms, samples = self.gradient_norms, self.sample_history
        tests, settings, optimizer = self.test_history, self.settings, self.optimizer
        scheduled = settings.schedule != "constant"
        levels, measure = self.level_history, self._levels
        # None where every parameter of a block trains: ‖g‖ then needs no masking.
        masks = [(None if blk.weight_mask.all() else blk.weight_mask,
                  None if blk.bias_mask.all() else blk.bias_mask) for blk in blocks]
        for _ in range(iterations):
            rows, self.next_rows = self.next_rows, next(self._schedule)
            grads = backward(plan, self._forward, y, rows, input_grads=False, da=da)
            da = grads.da
            if norms is not None:
                norms.append(_norm(grads.weights, grads.biases, masks))
            if measure is not None and levels is not None:
                levels.append(measure(self._forward, grads, rows))
            spare = self._spare
            step(params, grads.weights + grads.biases, spare)
            self._spare, params = params, spare
            for blk, w, b in slots:
                blk.weights, blk.bias = params[w], params[b]
            try:
                self._forward = forward(plan, x)
            except OperationUndefined:      # only a network with operation nodes
                self._stop_undefined(new)
                raise
            if samples is None:
                loss = dataset_loss(plan, self._forward, y)
            else:                   # dataset_loss's own arithmetic, keeping its parts
                each = sample_losses(plan, self._forward, y)
                samples.append(each)
                loss = float(np.add.reduce(each)) / each.shape[0]
            self.iteration += 1
            self.updates += 1
            if scheduled:
                optimizer.learning_rate = next_learning_rate(settings, self.updates,
                                                             optimizer.learning_rate)
            new.append(loss)
            if tests is not None:
                tests.append(self._test_loss())
            if self.penalty_history is not None:
                self.penalty_history.append(self.penalty())
            if not math.isfinite(loss):
                self.diverged_at = self.iteration
                self._restore_previous()
                return

    def _stop_undefined(self, new: list[float]) -> None:
        """The update just made left a value undefined: count it as diverged (loss NaN)
        and put the parameters before it back, as for a NaN loss."""
        self.iteration += 1
        new.append(math.nan)
        if self.sample_history is not None:
            self.sample_history.append(np.full(self.x.shape[0], math.nan))
        self.diverged_at = self.iteration
        self._restore_previous()

    def _restore_previous(self) -> None:
        """Swap the buffers back: the parameters before the diverging update."""
        blocks, n = self.plan.blocks, len(self.plan.blocks)
        previous = self._spare
        self._spare = [blk.weights for blk in blocks] + [blk.bias for blk in blocks]
        for k, blk in enumerate(blocks):
            blk.weights, blk.bias = previous[k], previous[n + k]
        self._forward = forward(self.plan, self.x)


def _fits(resume: RunState, settings: TrainingSettings, masks: list[Array]) -> bool:
    """Whether an earlier run's state can go on here: the same rule, the same shapes."""
    if resume.optimizer != settings.optimizer:
        return False
    return all(len(arrays) == len(masks) and
               all(a.shape == m.shape for a, m in zip(arrays, masks, strict=True))
               for arrays in resume.state.values())


def _norm(weights: list[Array], biases: list[Array],
          masks: list[tuple[Array | None, Array | None]]) -> float:
    """‖g‖ over the trainable parameters (frozen ones do not move, so do not count)."""
    total = 0.0
    for g_w, g_b, (m_w, m_b) in zip(weights, biases, masks, strict=True):
        total += float(np.vdot(g_w if m_w is None else g_w * m_w, g_w))
        total += float(np.vdot(g_b if m_b is None else g_b * m_b, g_b))
    return math.sqrt(total)
