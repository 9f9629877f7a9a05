"""The Training dock: the file's gradient-descent settings, the run buttons, and the outcome.

Settings are the file's ``training`` block and change through undoable
commands, except the learning rate during a run, which the session applies at
once (it is part of the run's undo entry). Mode, batch size, shuffle and seed
shape the run's schedule, and the update rule (:mod:`~bpgui.ui.training.optimizer_form`:
optimizer, its numbers, L2, the learning-rate schedule) how each update moves the
parameters, so they wait until it is paused. The outcome line says η after the
schedule ("η now") while a schedule moves it. When a run
diverges, a banner says at which iteration, suggests a smaller learning rate,
and offers to undo the run in one click.
"""

from __future__ import annotations

import math
from dataclasses import replace

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bpgui.engine.worker import RUNAWAY_FROM_LOWEST
from bpgui.network.changes import ChangeKind
from bpgui.network.model import MODES, TrainingSettings
from bpgui.network.numbers import fmt
from bpgui.network.parsing import parse_finite
from bpgui.ui.base.dock_layout import scrollable
from bpgui.ui.document.commands import SetTraining
from bpgui.ui.document.document import Edit
from bpgui.ui.training.optimizer_form import OptimizerForm
from bpgui.ui.training.session import TrainingSession

# The 1–2–5 sequence: a log-scale step of a learning rate that stays a round number.
_MANTISSAS = (1.0, 2.0, 5.0)
MIN_RATE, MAX_RATE = 1e-6, 1e3
PACES = (("Full speed", None), ("1,000 updates/s", 1000.0), ("100 updates/s", 100.0),
         ("10 updates/s", 10.0))


def log_step(value: float, steps: int) -> float:
    """``value`` moved ``steps`` places along …, 0.1, 0.2, 0.5, 1, 2, 5, … (from an off-grid
    value, the first step goes to the neighbouring grid value)."""
    exponent = math.floor(math.log10(value))
    grid = [m * 10.0 ** e for e in range(exponent - 1, exponent + 2) for m in _MANTISSAS]
    if steps > 0:
        above = [g for g in grid if g > value * (1 + 1e-9)]
        nxt = above[0]
    else:
        below = [g for g in grid if g < value * (1 - 1e-9)]
        nxt = below[-1]
    nxt = float(f"{nxt:.3g}")
    if abs(steps) > 1:
        return log_step(nxt, steps - 1 if steps > 0 else steps + 1)
    return min(max(nxt, MIN_RATE), MAX_RATE)


class LearningRateSpin(QDoubleSpinBox):
    """η with logarithmic steps: the arrows and the wheel go 0.1 → 0.2 → 0.5 → 1."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(7)
        self.setRange(MIN_RATE, MAX_RATE)
        self.setKeyboardTracking(False)
        self.setToolTip("Learning rate η in θ ← θ − η·g. The arrows step 1–2–5 per decade; "
                        "type any value > 0. Changes apply at once, also mid-run.")

    def stepBy(self, steps: int) -> None:
        self.setValue(log_step(self.value(), steps))

    def textFromValue(self, value: float) -> str:
        return f"{value:.4g}"

    def valueFromText(self, text: str) -> float:
        try:
            return parse_finite(text)
        except ValueError:      # not a number, or not finite: keep the value shown
            return self.value()

    def follow(self, session: TrainingSession) -> None:
        """Show the file's η and set it through ``session`` (the toolbar's box; the
        dock's own box is filled by the dock)."""
        self._session = session
        session.document.edited.connect(self._on_edited)
        session.document.replaced.connect(self._fill)
        self.valueChanged.connect(self._apply)
        self._fill()

    def _on_edited(self, edit: Edit) -> None:
        if edit.has(ChangeKind.TRAINING_CHANGED):
            self._fill()

    def _fill(self) -> None:
        with QSignalBlocker(self):
            self.setValue(self._session.document.network.training.learning_rate)

    def _apply(self, value: float) -> None:
        if value != self._session.document.network.training.learning_rate:
            self._session.set_learning_rate(value)


class TrainingDock(QDockWidget):
    status = Signal(str)

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__("Training", parent)
        self.setObjectName("trainingPanel")
        self.session = session
        self.document = session.document
        self._smaller_rate = 0.1              # what the banner's button offers
        body = QWidget(self)
        layout = QVBoxLayout(body)
        form = QFormLayout()
        self.rate = LearningRateSpin(body)
        self.rate.setObjectName("learningRateSpin")
        self.rate.valueChanged.connect(self._set_rate)
        form.addRow("&Learning rate η", self.rate)
        layout.addLayout(form)
        self.optimizer = OptimizerForm(self.document, body)      # η's rule, beside it
        self.optimizer.status.connect(self.status)
        layout.addWidget(self.optimizer)
        form = QFormLayout()
        self.mode = QComboBox(body)
        self.mode.setObjectName("trainModeCombo")
        self.mode.addItems(list(MODES))
        self.mode.setToolTip("batch: every update uses all samples · sgd: one sample per update "
                             "· minibatch: a run of 'batch size' samples per update")
        self.mode.activated.connect(lambda _: self._set_settings(mode=self.mode.currentText()))
        form.addRow("&Mode", self.mode)
        self.batch = QSpinBox(body)
        self.batch.setObjectName("batchSizeSpin")
        self.batch.setRange(1, 1_000_000)
        self.batch.setToolTip("Samples per update in minibatch mode (the last of an epoch "
                              "may be shorter)")
        self.batch.editingFinished.connect(lambda: self._set_settings(
            batch_size=self.batch.value()))
        form.addRow("&Batch size", self.batch)
        self.shuffle = QCheckBox("Shuffle each epoch", body)
        self.shuffle.setObjectName("shuffleCheck")
        self.shuffle.setToolTip("sgd and minibatch: draw a new order of the samples each "
                                "epoch from the seed (else file order)")
        self.shuffle.toggled.connect(lambda on: self._set_settings(shuffle=on))
        form.addRow("", self.shuffle)
        self.seed = QSpinBox(body)
        self.seed.setObjectName("trainSeedSpin")
        self.seed.setRange(-2_147_483_648, 2_147_483_647)
        self.seed.setToolTip("Seed of the shuffle, and of Reset ▸ Randomise")
        self.seed.editingFinished.connect(lambda: self._set_settings(seed=self.seed.value()))
        form.addRow("&Seed", self.seed)
        self.iterations = QSpinBox(body)
        self.iterations.setObjectName("iterationsSpin")
        self.iterations.setRange(1, 10_000_000)
        self.iterations.setGroupSeparatorShown(True)
        self.iterations.setValue(session.iterations_per_run)
        self.iterations.setToolTip("How many updates Train N makes")
        self.iterations.valueChanged.connect(
            lambda n: setattr(self.session, "iterations_per_run", n))
        form.addRow("&Iterations per run", self.iterations)
        self.pace = QComboBox(body)
        self.pace.setObjectName("trainPaceCombo")
        for text, pace in PACES:
            self.pace.addItem(text, pace)
        self.pace.setToolTip("How fast training goes. At full speed a small network learns "
                             "in a fraction of a second; slow it down to watch the loss "
                             "fall and the boundary bend, also during a run")
        self.pace.currentIndexChanged.connect(
            lambda i: self.session.set_pace(self.pace.itemData(i)))
        form.addRow("&Pace", self.pace)
        layout.addLayout(form)
        layout.addLayout(self._buttons(body))
        self.outcome = QLabel(body)
        self.outcome.setObjectName("trainStatus")
        self.outcome.setWordWrap(True)
        self.outcome.setStyleSheet("font-size: 16px;")
        layout.addWidget(self.outcome)
        layout.addWidget(self._banner(body))
        layout.addStretch(1)
        self.setWidget(scrollable(body))
        session.running_changed.connect(self._on_running)
        session.progress.connect(self.show_outcome)
        session.diverged.connect(self._on_diverged)
        self.document.edited.connect(self._on_edited)
        self.document.replaced.connect(self.optimizer.forget_refusals)
        self.document.replaced.connect(self._fill)
        self._fill()
        self._on_running(False)

    # ------------------------------------------------------------ building
    def _buttons(self, body: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        self.train_n = QPushButton("Train N", body)
        self.train_n.setObjectName("trainNButton")
        self.train_n.setToolTip("Make 'iterations per run' updates (one undo entry)")
        self.train_n.clicked.connect(lambda: self.session.train(self.session.iterations_per_run))
        self.play = QPushButton("Play", body)
        self.play.setObjectName("trainPlayButton")
        self.play.setToolTip("Train until paused; the plot and the canvas follow (one undo "
                             "entry per run)")
        self.play.clicked.connect(self.session.toggle)
        self.single = QPushButton("Single update", body)
        self.single.setObjectName("trainStepButton")
        self.single.setToolTip("One update θ ← θ − η·g, written out in the Step panel")
        self.single.clicked.connect(lambda: self.session.step())
        self.reset = QToolButton(body)
        self.reset.setObjectName("resetWeightsButton")
        self.reset.setText("Reset")
        self.reset.setToolTip("Back to the weights the file had when opened, or random ones "
                              "from the seed; the loss history starts again")
        self.reset.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.reset)
        menu.addAction("Weights from the file", lambda: self.reset_weights(None))
        menu.addAction("Random weights from the seed",
                       lambda: self.reset_weights(self.seed.value()))
        self.reset.setMenu(menu)
        for widget in (self.train_n, self.play, self.single, self.reset):
            row.addWidget(widget)
        return row

    def _banner(self, body: QWidget) -> QFrame:
        self.banner = QFrame(body)
        self.banner.setObjectName("divergenceBanner")
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner.setStyleSheet("#divergenceBanner { background: #fdf1e6; "
                                  "border: 2px solid #D55E00; border-radius: 6px; }")
        box = QVBoxLayout(self.banner)
        self.banner_text = QLabel(self.banner)
        self.banner_text.setObjectName("divergenceText")
        self.banner_text.setWordWrap(True)
        self.banner_text.setStyleSheet("color: #1a1a1a; font-size: 15px;")
        box.addWidget(self.banner_text)
        row = QHBoxLayout()
        self.undo_run = QPushButton("Undo the run", self.banner)
        self.undo_run.setObjectName("undoRunButton")
        self.undo_run.setToolTip("Back to the weights from before this run")
        self.undo_run.clicked.connect(self._undo_run)
        self.smaller = QPushButton(self.banner)
        self.smaller.setObjectName("smallerRateButton")
        self.smaller.clicked.connect(self._use_smaller_rate)
        row.addWidget(self.undo_run)
        row.addWidget(self.smaller)
        box.addLayout(row)
        self.banner.hide()
        return self.banner

    # ------------------------------------------------------------ settings
    def _fill(self) -> None:
        t = self.document.network.training
        for widget in (self.rate, self.mode, self.batch, self.shuffle, self.seed):
            widget.blockSignals(True)
        self.rate.setValue(t.learning_rate)
        self.mode.setCurrentText(t.mode)
        self.batch.setValue(t.batch_size)
        self.shuffle.setChecked(t.shuffle)
        self.seed.setValue(t.seed)
        for widget in (self.rate, self.mode, self.batch, self.shuffle, self.seed):
            widget.blockSignals(False)
        self.optimizer.fill()
        self._enable()

    def _on_edited(self, edit: Edit) -> None:
        if edit.has(ChangeKind.TRAINING_CHANGED):
            self._fill()
            self.show_outcome()         # η now: the next run's, once it is made

    def _set_rate(self, value: float) -> None:
        if value == self.document.network.training.learning_rate:
            return
        error = self.session.set_learning_rate(value)
        self.status.emit(f"Refused: {error}" if error else f"Learning rate η = {value:g}")
        if error:
            self._fill()

    def _set_settings(self, **changes: object) -> None:
        current = self.document.network.training
        settings: TrainingSettings = replace(current, **changes)  # type: ignore[arg-type]
        if settings == current:
            return
        error = self.document.execute(SetTraining(self.document, settings))
        if error:
            self.status.emit(f"Refused: {error}")
            self._fill()

    def _enable(self) -> None:
        running = self.session.running
        mode = self.document.network.training.mode
        paused = "Pause training to change it: it decides which samples each update uses."
        for widget in (self.mode, self.batch, self.shuffle, self.seed):
            widget.setEnabled(not running)
            widget.setStatusTip(paused if running else "")
        self.optimizer.set_running(running)
        if not running:
            self.batch.setEnabled(mode == "minibatch")
            self.shuffle.setEnabled(mode != "batch")

    # ------------------------------------------------------------ running
    def _on_running(self, running: bool) -> None:
        self.play.setText("Pause" if running else "Play")
        self.train_n.setEnabled(not running)
        self.single.setEnabled(not running)
        self.reset.setEnabled(not running)
        if running:
            self.banner.hide()
        self._enable()
        self.show_outcome()

    def show_outcome(self) -> None:
        s = self.session
        if not len(s.history):
            self.outcome.setText("No training yet: press Play, Train N or Single update.")
            return
        loss = s.loss
        shown = fmt(loss) if loss is not None and math.isfinite(loss) else "not finite"
        rate = f" · {s.rate:,.0f} iterations/s" if s.rate and not s.running else ""
        now = s.learning_rate_now
        if now is not None and self.document.network.training.schedule != "constant":
            rate += f" · η now {fmt(now)}"
        self.outcome.setText(f"Iteration {s.iteration:,} · loss {shown}{rate}")

    def _on_diverged(self, iteration: int, rate: float, kind: str) -> None:
        smaller = float(f"{rate / 10:.3g}")
        s = self.session
        if kind == "nan" and iteration == 0:
            what = ("<b>The loss is infinite or NaN before any update</b>: the weights or the "
                    "inputs are too large for double precision, so there is nothing to train.")
        elif kind == "nan":
            what = (f"<b>The loss became infinite or NaN at iteration {iteration:,}</b>, so "
                    f"training stopped. The weights are the last finite ones, from iteration "
                    f"{iteration - 1:,}; nothing is lost.")
        else:
            _, loss, lowest = s.divergence
            what = (f"<b>The loss is running away:</b> at iteration {iteration:,} it reached "
                    f"{fmt(loss)}, more than {RUNAWAY_FROM_LOWEST:g}× its lowest in this run "
                    f"({fmt(lowest)}), so training stopped at iteration {s.iteration:,}.")
        advice = "" if iteration == 0 else (f" The learning rate η = {rate:g} is probably "
                                            f"too large: try {smaller:g} or smaller.")
        self.banner_text.setText(what + advice)
        self.smaller.setText(f"Use η = {smaller:g}")
        self.smaller.setToolTip(f"Set the learning rate to {smaller:g} (undoable)")
        self._smaller_rate = smaller
        self.banner.show()
        self.show()
        self.raise_()                     # in front of the Inspector, where it is tabbed
        self.status.emit(f"Training diverged at iteration {iteration:,}: try a smaller "
                         f"learning rate than {rate:g}.")

    def _undo_run(self) -> None:
        self.banner.hide()
        self.session.undo_run()
        self.status.emit("Undid the run: the weights and the history are back from before it.")

    def _use_smaller_rate(self) -> None:
        self.banner.hide()
        self._set_rate(self._smaller_rate)

    def reset_weights(self, seed: int | None) -> None:
        error = self.session.reset_weights(seed)
        self.status.emit(f"Refused: {error}" if error else
                         "Weights reset to the file's." if seed is None else
                         f"Weights randomised from seed {seed}.")
        self.banner.hide()
