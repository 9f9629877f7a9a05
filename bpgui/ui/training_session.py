"""Gradient descent in the window: runs in short chunks, publishes at 10 Hz, one undo per run.

Training runs on the GUI thread in chunks of about :data:`CHUNK_SECONDS`, one
per turn of the event loop, so the window never freezes and no state is ever
shared with another thread: the user can pause, zoom, change the learning rate
and select items while a run of 10⁶ iterations goes on. The
:class:`~bpgui.engine.training.Trainer` (the same one ``bpgui train`` uses)
works on its own compiled copy of the parameters. While a run goes on, the
canvas, the plot and the boundary preview them every :data:`PUBLISH_SECONDS`;
the model takes them when the run ends (regenerating the pass, the paths and
the inspector ten times a second would cost more than the training).

A run (from Play to Pause, or one Train N) is one undo entry that restores the
weights, and the settings, from before it. Any edit, undo or redo first ends
the running run, so its entry comes before the edit's; an edit other than an
undo or redo lets the run go on afterwards, on the edited network.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from bpgui.builders import random_parameters
from bpgui.engine.history import History
from bpgui.engine.plan import compile_plan, sample_arrays
from bpgui.engine.records import StepRecord
from bpgui.engine.training import Trainer
from bpgui.engine.update_step import update_record
from bpgui.errors import BpguiError
from bpgui.model import Change, Network, TrainingSettings
from bpgui.ui.commands import Parameters, SetParameters, SetTraining
from bpgui.ui.document import Document

CHUNK_SECONDS = 0.012       # one chunk of iterations, then the event loop has its turn
PUBLISH_SECONDS = 0.09      # the model (and so every view) follows at 10 Hz
MAX_SAMPLE_CURVES = 16      # per-sample losses are recorded for up to this many samples
# A run whose loss climbs above both of these is diverging, though finite: a saturated
# sigmoid with a clamped cross-entropy never reaches NaN, however large η is.
RUNAWAY_FROM_START = 2.0    # × the loss when the run began
RUNAWAY_FROM_LOWEST = 10.0  # × the lowest loss of the run so far


class TrainingSession(QObject):
    progress = Signal()                 # new history and parameters are published
    running_changed = Signal(bool)
    diverged = Signal(int, float, str)  # iteration, learning rate, "nan" or "runaway"
    single_update = Signal(object)      # the StepRecord of a single update
    message = Signal(str)               # for the status bar

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.history = History()
        self.trainer: Trainer | None = None
        self.diverged_at: int | None = None
        self.divergence = ("", math.nan, math.nan)   # kind, loss there, lowest before it
        self._run_lowest = self._run_start_loss = math.inf
        self.iterations_per_run = 1000
        self.focus: str | None = None           # the parameter a single update writes out
        self._remaining: int | None = None      # None: until paused
        self._batch = 1
        self._run_before: tuple[Parameters, TrainingSettings] | None = None
        self._applying = False                  # our own writes to the model
        self._resume = False
        self._last_publish = 0.0
        self._started = (0.0, 0)                # (time, iteration) of the run's start
        self.rate = 0.0                         # iterations per second of the last run
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._chunk)
        self.loaded = document.network.parameters()
        document.changed.connect(self._on_change)
        document.about_to_edit.connect(self._before_edit)
        document.replaced.connect(self._on_replaced)

    # ------------------------------------------------------------- queries
    @property
    def running(self) -> bool:
        return self._timer.isActive()

    @property
    def network(self) -> Network:
        return self.document.network

    @property
    def iteration(self) -> int:
        return self.history.iterations

    @property
    def loss(self) -> float | None:
        return float(self.history.losses[-1]) if len(self.history) else None

    # ------------------------------------------------------------ running
    def train(self, iterations: int | None = None) -> bool:
        """Start a run of ``iterations`` updates (None: until paused). False, with a
        message, if the network cannot be trained."""
        if self.running:
            return True
        if not self._ensure_trainer():
            return False
        self.diverged_at = None
        self._run_start_loss = self._run_lowest = self.loss if self.loss is not None \
            else math.inf
        self._remaining = iterations
        self._run_before = (self.network.parameters(), replace(self.network.training))
        self._started = (time.perf_counter(), self.iteration)
        self._last_publish = time.perf_counter()
        self._timer.start()
        self.running_changed.emit(True)
        return True

    def play(self) -> bool:
        return self.train(None)

    def pause(self) -> None:
        """Stop after the chunk that is running (there is none: chunks are atomic)."""
        if self.running:
            self._finish()

    def toggle(self) -> None:
        self.pause() if self.running else self.play()

    def step(self, focus: str | None = None) -> StepRecord | None:
        """One update, shown as a step: θ ← θ − η·g for every parameter."""
        if self.running or not self._ensure_trainer():
            return None
        assert self.trainer is not None
        try:
            record = update_record(self.network, self.trainer.next_rows, focus or self.focus)
        except BpguiError as exc:
            self.message.emit(f"Cannot update: {exc}")
            return None
        self._run_before = (self.network.parameters(), replace(self.network.training))
        self._started = (time.perf_counter(), self.iteration)
        self._advance(1)
        self._finish(text="Single gradient-descent update")
        self.single_update.emit(record)
        return record

    def set_learning_rate(self, value: float) -> str | None:
        """Change η now, also mid-run; the refusal's reason, or None."""
        settings = replace(self.network.training, learning_rate=value)
        if not self.running:
            return self.document.execute(SetTraining(self.document, settings))
        assert self.trainer is not None
        try:
            self.trainer.learning_rate = value
            self._write(lambda: self.network.set_training(settings))   # in the run's entry
        except BpguiError as exc:
            return str(exc)
        return None

    def reset_weights(self, seed: int | None = None) -> str | None:
        """Back to the weights the file had when it was opened, or (with ``seed``) fresh
        random ones; the history starts again. The refusal's reason, or None."""
        self.pause()
        if seed is None:
            params, text = self.loaded, "Reset the weights to the file's"
        else:
            params, text = random_parameters(self.network, seed), f"Randomise weights ({seed})"
        weights, biases = self.network.parameters()     # (ids an edit since removed drop)
        params = ({k: v for k, v in params[0].items() if k in weights},
                  {k: v for k, v in params[1].items() if k in biases})
        error = self.document.execute(SetParameters(self.document, params, text))
        if error is None:
            self.reset_history()
        return error

    def reset_history(self) -> None:
        self.pause()
        self.history = History()
        self.trainer = None
        self.diverged_at = None
        self.progress.emit()

    # ------------------------------------------------------------ chunks
    def _ensure_trainer(self) -> bool:
        if self.trainer is not None:
            return True
        network = self.network
        try:
            network.validate()
            plan = compile_plan(network)
            x, y = sample_arrays(network)
            record = len(network.samples) <= MAX_SAMPLE_CURVES
            trainer = Trainer(plan, x, y, replace(network.training), record_norms=True,
                              record_samples=record)
        except BpguiError as exc:
            self.message.emit(f"Cannot train: {exc}")
            return False
        first = trainer.history[0]
        samples = self.history.sample_losses
        if samples is not None and samples.shape[1] != len(network.samples):
            self.history.stop_samples()          # the dataset changed: no more curves
        if not len(self.history):
            self.history = History(len(network.samples) if record else None)
            self.history.extend([first], (), trainer.sample_history or ())
        elif self.history.losses[-1] != first:
            # An edit between runs moved the loss without an update: the history says so
            # at the current iteration, where the next update starts from.
            self.history.losses[-1] = first
        self.trainer = trainer
        return True

    def _chunk(self) -> None:
        """One turn of the event loop's worth of iterations."""
        count = self._batch if self._remaining is None else min(self._batch, self._remaining)
        start = time.perf_counter()
        self._advance(count)
        if self.diverged_at is None:
            self._check_runaway(count)
        elapsed = time.perf_counter() - start
        # Aim each chunk at CHUNK_SECONDS: fewer iterations per chunk on a big network.
        self._batch = max(1, min(100_000, round(count * CHUNK_SECONDS / max(elapsed, 1e-6))))
        if self._remaining is not None:
            self._remaining -= count
        if self.diverged_at is not None or self._remaining == 0:
            self._finish()
        elif time.perf_counter() - self._last_publish >= PUBLISH_SECONDS:
            self._publish()

    def _advance(self, count: int) -> None:
        """``count`` updates; their losses and norms move from the trainer to the history
        (which keeps them as arrays: a 10⁶-iteration run need not hold them twice)."""
        trainer = self.trainer
        assert trainer is not None
        new = trainer.run(count)
        norms, samples = trainer.gradient_norms, trainer.sample_history
        self.history.extend(new, norms or (), samples or ())
        for kept in (norms, samples):
            if kept is not None:
                kept.clear()
        del trainer.history[:-1]
        if trainer.diverged_at is not None:
            self.diverged_at = self.iteration
            last = float(new[-1]) if new else math.nan     # (no update: it began so)
            self.divergence = ("nan", last, self._run_lowest)

    def _check_runaway(self, count: int) -> None:
        """Stop a run whose loss has shot far above where it began and above its lowest
        (see RUNAWAY_FROM_START); the last chunk's iterations are already done."""
        start = self._run_start_loss
        losses = self.history.losses[-count:]
        lowest = np.fmin.accumulate(np.concatenate(([self._run_lowest], losses)))[:-1]
        bad = (losses > RUNAWAY_FROM_START * start) & (losses > RUNAWAY_FROM_LOWEST * lowest)
        if bad.any():
            k = int(np.argmax(bad))
            self.diverged_at = self.iteration - count + k + 1
            self.divergence = ("runaway", float(losses[k]), float(lowest[k]))
        self._run_lowest = float(np.fmin(self._run_lowest, np.fmin.reduce(losses)))

    def _publish(self) -> None:
        """Say that there is news. During a run the views preview the trainer's
        parameters (:meth:`parameters`); the model gets them when the run ends, so a run
        does not regenerate the pass, the paths and the inspector ten times a second."""
        self._last_publish = time.perf_counter()
        self.progress.emit()

    def parameters(self) -> Parameters:
        """The parameters being trained (the model's, when no trainer is ready)."""
        if self.trainer is None:
            return self.network.parameters()
        plan = self.trainer.plan
        return plan.weights(), plan.biases()

    def _write(self, change: object) -> None:
        self._applying = True
        try:
            change()  # type: ignore[operator]
        finally:
            self._applying = False

    def _finish(self, text: str | None = None) -> None:
        """End the run: publish, record one undo entry, say so."""
        self._timer.stop()
        if self.trainer is not None:
            weights, biases = self.parameters()
            self._write(lambda: self.network.set_parameters(weights, biases))
        self._publish()
        before = self._run_before
        self._run_before = None
        t0, i0 = self._started
        done = self.iteration - i0
        seconds = time.perf_counter() - t0
        self.rate = done / seconds if seconds > 0 else 0.0
        if before is not None and done:
            label = text or f"Train {done:,} iteration{'s' * (done != 1)}"
            self._applying = True
            try:
                self.document.execute(SetParameters(self.document, self.network.parameters(),
                                                    label, before[0], before[1]))
            finally:
                self._applying = False
        self.running_changed.emit(False)
        if self.diverged_at is not None:
            self.diverged.emit(self.diverged_at, self.network.training.learning_rate,
                               self.divergence[0])
        elif done and text is None:
            loss = self.loss
            shown = "?" if loss is None or not math.isfinite(loss) else f"{loss:.4g}"
            self.message.emit(f"Trained {done:,} iterations ({self.rate:,.0f}/s); "
                              f"loss {shown} at iteration {self.iteration:,}.")

    # ------------------------------------------------------------ the model
    def _before_edit(self, what: str) -> None:
        """An edit, undo or redo is coming: end the run so its entry comes first. After
        an edit the run goes on, on the edited network; an undo or redo stops it."""
        if self._applying or not self.running:
            return
        self._finish()
        if what == "edit":
            self._resume = True
            QTimer.singleShot(0, self._maybe_resume)

    def _maybe_resume(self) -> None:
        resume, self._resume = self._resume, False
        if resume and self.diverged_at is None and self._remaining != 0:
            self.train(self._remaining)

    def _on_change(self, change: Change) -> None:
        if self._applying:
            return
        if change.kind in ("neuron_changed", "edge_changed") and change.field in (
                "x", "y", "label"):
            return
        if change.kind == "text_changed":
            return
        # Weights, structure, samples, loss or settings changed: train on them from now.
        self.trainer = None
        if self.running:                        # changed without a command (e.g. a test)
            self._timer.stop()
            self._run_before = None
            self.running_changed.emit(False)

    def _on_replaced(self) -> None:
        self._timer.stop()
        self._run_before = None
        self._resume = False
        self.loaded = self.document.network.parameters()
        self.history = History()
        self.trainer = None
        self.diverged_at = None
        self.running_changed.emit(False)
        self.progress.emit()
