"""Gradient descent in the window: trained in another process, shown at 10 Hz, one undo
per run.

A run is handed to the training process (:mod:`bpgui.engine.worker`), so the window's
thread only draws, and training keeps the speed of ``bpgui train``. The
:class:`~bpgui.engine.training.Trainer` belongs to the process during a run and to this
session between runs. A timer collects the process's progress; every
:data:`PUBLISH_SECONDS` the canvas, the plot and the boundary preview the parameters
last heard of, and the model takes them when the run ends (regenerating the pass ten
times a second would cost more than the training). :mod:`~bpgui.ui.training.run`
prepares the trainer, reads the process's news and makes the run's undo entry.
Pausing and a new learning rate wait for an answer between two chunks (about 20 ms
each), so the history then ends exactly where the run stopped or the new rate took over.

A run (from Play to Pause, or one Train N) is one undo entry that restores the
weights, the settings and the optimizer's state (a :class:`RunMemory`; what keeps it
and what drops it: :mod:`~bpgui.ui.training.run`) from before it; the model is written
only through undoable commands (a learning rate changed mid-run is a part of the run's
entry). Any edit, undo or redo first ends the running run, so its entry comes before
the edit's; an edit other than an undo or redo lets the run go on afterwards, on the
edited network. A single update is small enough to run here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial

from PySide6.QtCore import QObject, QTimer, Signal

from bpgui.engine.history import History
from bpgui.engine.plan import Plan
from bpgui.engine.records import StepRecord
from bpgui.engine.training import Trainer, check_learning_rate
from bpgui.engine.update_step import update_record
from bpgui.engine.worker import (
    Divergence,
    Finished,
    Progress,
    RunawayWatch,
    chunk_divergence,
    shared_worker,
    take_progress,
)
from bpgui.network.errors import BpguiError
from bpgui.network.model import Network
from bpgui.ui.document.commands import Parameters, RunMemory, SetTraining
from bpgui.ui.document.document import Document, Edit
from bpgui.ui.training import run as runs

POLL_MS = 10                # how often the process's progress is collected
PUBLISH_SECONDS = 0.09      # the views follow at 10 Hz


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
        self.trainer: Trainer | None = None     # ours between runs; the process's during one
        self.memory = RunMemory()               # the optimizer's state between runs
        self._basis = self.memory.kept          # the state self.trainer went on from
        self._live: Plan | None = None          # during a run: the parameters last heard of
        self._worker = shared_worker()
        self._running = False
        self.diverged_at: int | None = None
        self.divergence = ("", math.nan, math.nan)   # kind, loss there, lowest before it
        self.iterations_per_run = 1000
        self.pace: float | None = None          # at most this many updates a second
        self.focus: str | None = None           # the parameter a single update writes out
        self._remaining: int | None = None      # None: until paused
        self._entry: runs.RunEntry | None = None     # during a run: its undo entry so far
        self._applying = False                  # our own writes to the model
        self._resume = False
        self._stop_reason = ""                  # said when the run ends, if it ends early
        self._last_entry: tuple[int, int] | None = None   # (undo index, first iteration)
        self._last_publish = 0.0
        self._started = (0.0, 0)                # (time, iteration) of the run's start
        self.rate = 0.0                         # iterations per second of the last run
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self.loaded = document.network.parameters()
        document.edited.connect(self._on_edited)
        document.about_to_edit.connect(self._before_edit)
        document.replaced.connect(self._on_replaced)

    # ------------------------------------------------------------- queries
    @property
    def running(self) -> bool:
        return self._running

    @property
    def network(self) -> Network:
        return self.document.network

    @property
    def iteration(self) -> int:
        return self.history.iterations

    @property
    def loss(self) -> float | None:
        return float(self.history.losses[-1]) if len(self.history) else None

    @property
    def live_plan(self) -> Plan | None:
        """During a run, the plan being trained with the parameters last heard of."""
        return self._live if self.running else None

    @property
    def learning_rate_now(self) -> float | None:
        """η of the next update after the schedule, while a trainer is at hand."""
        live = self._entry.rate_now.rate if self.running and self._entry else None
        return self.trainer.learning_rate if self.trainer is not None else live

    def parameters(self) -> Parameters:
        """The parameters being trained (the model's, when no trainer is ready)."""
        plan = self.trainer.plan if self.trainer is not None else self._live
        if plan is None:
            return self.network.parameters()
        return plan.weights(), plan.biases()

    # ------------------------------------------------------------ running
    def train(self, iterations: int | None = None) -> bool:
        """Start a run of ``iterations`` updates (None: until paused). False, with a
        message, if the network cannot be trained."""
        if self.running:
            return True
        trainer = self._ensure_trainer()
        if trainer is None:
            return False
        self.diverged_at = None
        start = self.loss if self.loss is not None else math.inf
        watch = RunawayWatch(start, start)
        self._remaining = iterations
        self._begin_run(trainer)
        refused = chunk_divergence(trainer, [], 0, watch)   # the loss is already NaN or ∞
        if refused is not None:
            self._diverge(refused)
            self._finish()
            return True
        try:
            self._worker.start(self, trainer, iterations, watch, self.pace)
        except BpguiError as exc:
            self._entry = None
            self.message.emit(f"Cannot train: {exc}")
            return False
        self.trainer, self._live = None, trainer.plan     # the process's now
        self._running = True
        self._timer.start()
        self.running_changed.emit(True)
        return True

    def play(self) -> bool:
        return self.train(None)

    def pause(self) -> None:
        """End the run after the chunk the process is on (about 20 ms at most)."""
        if self.running:
            self._collect(self._ask(self._worker.stop))
            self._finish()

    def toggle(self) -> None:
        self.pause() if self.running else self.play()

    def step(self, focus: str | None = None) -> StepRecord | None:
        """One update, shown as a step: θ ← θ − η·g for every parameter."""
        trainer = None if self.running else self._ensure_trainer()
        if trainer is None:
            return None
        try:
            record = update_record(self.network, trainer.next_rows, focus or self.focus,
                                   trainer.optimizer)
        except BpguiError as exc:
            self.message.emit(f"Cannot update: {exc}")
            return None
        self._begin_run(trainer)
        try:
            new = trainer.run(1)
        except BpguiError as exc:    # the update would leave an operation node undefined
            self._entry = self.trainer = None     # the model is untouched; a fresh trainer
            self.message.emit(f"Update not made: {exc}")
            return None
        self._collect([take_progress(trainer, new)])
        loss = self.history.losses[-2] if len(self.history) > 1 else math.inf
        stopped = chunk_divergence(trainer, new, 0, RunawayWatch(math.inf, loss))
        if stopped is not None:
            self._diverge(stopped)
        self._finish(text="Single gradient-descent update")
        self.single_update.emit(record)
        return record

    def set_learning_rate(self, value: float) -> str | None:
        """Change η now, also mid-run; the refusal's reason, or None."""
        if self.running:
            try:
                value = check_learning_rate(value)
            except BpguiError as exc:
                return str(exc)
            if self._collect(self._ask(lambda: self._worker.set_rate(value))):
                self._finish()          # the run ended first: the rate is for the next one
            elif self._entry is not None:
                self._entry.rate_now.rate = value
        command = SetTraining(self.document, replace(self.network.training,
                                                     learning_rate=value))
        if not self.running or self._entry is None:
            return self.document.execute(command)
        return self._write(partial(self._entry.apply, command))   # a part of the run's entry

    def undo_run(self) -> None:
        """Undo the last run, and take it out of the history too (a diverged run's
        recovery: the plot and the loss shown are then those of the weights restored)."""
        self.pause()
        entry, self._last_entry = self._last_entry, None
        last = entry is not None and entry[0] == self.document.undo_stack.index()
        self.document.undo()
        if last:
            assert entry is not None
            self.history.truncate(entry[1])
            self.diverged_at = None
            self.rate = 0.0
            self.progress.emit()

    def set_pace(self, value: float | None) -> None:
        """At most ``value`` updates a second (None: as fast as it goes), also mid-run:
        at full speed the moons learn in a tenth of a second, too fast to watch."""
        self.pace = value
        if self.running and self._collect(self._ask(lambda: self._worker.set_pace(value))):
            self._finish()

    def reset_weights(self, seed: int | None = None) -> str | None:
        """Back to the weights the file had when it was opened, or (with ``seed``) fresh
        random ones; the history starts again. The refusal's reason, or None."""
        self.pause()
        error = self.document.execute(runs.reset_command(self, seed))
        if error is None:
            self.reset_history()
        return error

    def reset_history(self) -> None:
        self.pause()
        self.history = History()
        self.trainer = self.diverged_at = None
        self.progress.emit()

    # ------------------------------------------------------------ the run
    def _ensure_trainer(self) -> Trainer | None:
        """The trainer to go on with, or None (with a message) if the network can't train."""
        if self.trainer is not None and self._basis is self.memory.kept:
            return self.trainer
        try:
            self.trainer, self.history = runs.ready_trainer(self.network, self.history,
                                                            self.memory)
        except BpguiError as exc:
            self.message.emit(f"Cannot train: {exc}")
            return None
        self._basis = self.memory.kept
        return self.trainer

    def _begin_run(self, trainer: Trainer) -> None:
        self._entry = runs.RunEntry(self.document, self.memory, trainer)
        self._started = (time.perf_counter(), self.iteration)
        self._last_publish = time.perf_counter()

    def _poll(self) -> None:
        """Collect what the process has sent; publish at 10 Hz; end the run if it ended."""
        if self._worker.owner is not self:       # another window's run took the process
            self._stop_reason = "Training stopped: another window started a run."
            self._finish()
            return
        if self._collect(self._ask(self._worker.poll)):
            self._finish()
        elif time.perf_counter() - self._last_publish >= PUBLISH_SECONDS:
            self._publish()

    def _ask(self, request: Callable[[], list[Progress | Finished]]
             ) -> Sequence[Progress | Finished]:
        """The process's answer to ``request``; if the process died, what it sent last
        stands (the run ends there, so nothing is lost)."""
        try:
            return request()
        except BpguiError as exc:
            self._stop_reason = f"Training stopped: {exc}."
            return [Finished(None, None)]

    def _collect(self, messages: Sequence[Progress | Finished]) -> bool:
        """Move the process's news into the history and the live plan; True once the
        run is over (its trainer is then ours again, if it came back)."""
        heard = runs.take_messages(messages, self.history, self._live)
        if self._remaining is not None:
            self._remaining -= heard.updates
        if self._entry is not None:
            self._entry.rate_now.advance(heard.updates)
        if heard.finished:
            self.trainer = heard.trainer
            if heard.divergence is not None:
                self._diverge(heard.divergence)
        return heard.finished

    def _diverge(self, divergence: Divergence) -> None:
        self.diverged_at = self._started[1] + divergence.update
        self.divergence = (divergence.kind, divergence.loss, divergence.lowest)

    def _publish(self) -> None:
        """Say that there is news. During a run the views preview the parameters last
        heard of (:meth:`parameters`); the model gets them when the run ends, so a run
        does not regenerate the pass, the paths and the inspector ten times a second."""
        self._last_publish = time.perf_counter()
        self.progress.emit()

    def _write(self, command: Callable[[], str | None]) -> str | None:
        """Run the session's own command, which must not end the run or its trainer."""
        self._applying = True
        try:
            return command()
        finally:
            self._applying = False

    def _finish(self, text: str | None = None) -> None:
        """End the run: the model takes its parameters, as the run's one undo entry;
        publish, say so."""
        self._timer.stop()
        self._running = False
        reason, self._stop_reason = (f"{self._stop_reason} " if self._stop_reason else ""), ""
        trained = self.parameters()         # the run's (the trainer's, or the last heard of)
        self._live = None
        entry, self._entry = self._entry, None
        t0, i0 = self._started
        done = self.iteration - i0
        if entry is not None and (done or entry.changed):
            label = text or (f"Train {done:,} iteration{'s' * (done != 1)}" if done
                             else "Change training settings")
            self._write(lambda: entry.record(trained, label, self.trainer))
            self._last_entry = (self.document.undo_stack.index(), i0)
            self._basis = self.memory.kept
        self._publish()
        seconds = time.perf_counter() - t0
        self.rate = done / seconds if seconds > 0 else 0.0
        self.running_changed.emit(False)
        if self.diverged_at is not None:
            self.diverged.emit(self.diverged_at, self.network.training.learning_rate,
                               self.divergence[0])
        elif done and text is None:
            self.message.emit(reason + runs.run_message(self, done))
        elif reason:
            self.message.emit(reason.strip())

    def _discard_run(self) -> None:
        """The model changed under the run without a command (so with no undo entry to
        make): stop it and keep nothing of it but the history."""
        if self._worker.owner is self:
            self._ask(self._worker.stop)
        self._stop_reason = ""
        self._timer.stop()
        self._running = False
        self._live = self.trainer = None
        self._entry = None
        self.running_changed.emit(False)

    # ------------------------------------------------------------ the model
    def _before_edit(self, what: str) -> None:
        """An edit, undo or redo is coming: end the run so its entry comes first. After
        an edit the run goes on, on the edited network; an undo or redo stops it."""
        if self._applying or not self.running:
            return
        self.pause()
        if what == "edit":
            self._resume = True
            QTimer.singleShot(0, self._maybe_resume)

    def _maybe_resume(self) -> None:
        resume, self._resume = self._resume, False
        if resume and self.diverged_at is None and self._remaining != 0:
            self.train(self._remaining)

    def _on_edited(self, edit: Edit) -> None:
        if self._applying or edit.looks_only:
            return
        # Weights, structure, samples, loss or settings changed: train on them from now.
        if self.running:
            self._discard_run()
        self.trainer = None

    def _on_replaced(self) -> None:
        if self.running:
            self._discard_run()
        self._resume = False
        self.memory.kept = self._basis = None
        self.loaded = self.document.network.parameters()
        self.reset_history()
        self.running_changed.emit(False)
