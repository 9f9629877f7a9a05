"""The Training dock's update rule: the optimizer, its own numbers, L2 and the schedule.

Only the numbers the chosen rule uses are shown (β for momentum and Nesterov; α and
ε for RMSprop; β₁, β₂ and ε for Adam; λ and the schedule for all), two to a row so
that the dock stays short, each with its place in the rule in the tooltip. Every
change is one undoable :class:`~bpgui.ui.document.commands.SetTraining`. A value the
file's rules refuse (β outside [0, 1), ε ≤ 0, λ < 0, γ outside (0, 1], a step size
< 1, text that is not a number) is refused here, under the fields, naming the field
and the file's path; the typed text stays so it can be corrected, and the model is
unchanged. They shape a run's updates, so like the mode they change only while
training is paused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QLabel, QLineEdit, QWidget

from bpgui.engine.optimizers import optimizer_for
from bpgui.engine.schedules import schedule_rule
from bpgui.network.model import OPTIMIZER_NAMES, SCHEDULE_NAMES, TrainingSettings
from bpgui.network.parsing import parse_finite
from bpgui.ui.document.commands import SetTraining
from bpgui.ui.document.document import Document

# The optimizers as the combo names them, and the torch.optim call each one matches.
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov",
                    "rmsprop": "RMSprop", "adam": "Adam"}
TORCH_NAMES = {"sgd": "torch.optim.SGD", "momentum": "torch.optim.SGD, momentum=β",
               "nesterov": "torch.optim.SGD, momentum=β, nesterov=True",
               "rmsprop": "torch.optim.RMSprop", "adam": "torch.optim.Adam"}
SCHEDULE_LABELS = {"constant": "Constant", "step": "Step decay",
                   "exponential": "Exponential decay"}
PAUSED = "Pause training to change it: it decides how every update moves the parameters."


@dataclass(frozen=True)
class Field:
    """One number of the rule: the file's key, its label, the rules that use it."""

    key: str
    label: str
    used_by: tuple[str, ...]
    tip: str


FIELDS = (
    Field("momentum", "β", ("momentum", "nesterov"),
          "β in v ← β·v + g: how much of the last step each step keeps; in [0, 1) "
          "(torch's momentum, 0.9 by default)"),
    Field("alpha", "α", ("rmsprop",),
          "α in v ← α·v + (1 − α)·g²: how slowly the mean square of g forgets; in [0, 1) "
          "(torch's alpha, 0.99 by default)"),
    Field("beta1", "β₁", ("adam",),
          "β₁ in m ← β₁·m + (1 − β₁)·g: the mean of g; in [0, 1) (torch's betas[0], 0.9)"),
    Field("beta2", "β₂", ("adam",),
          "β₂ in v ← β₂·v + (1 − β₂)·g²: the mean of g²; in [0, 1) "
          "(torch's betas[1], 0.999)"),
    Field("eps", "ε", ("rmsprop", "adam"),
          "ε in √v + ε: keeps the step finite where v is 0; a number > 0 (torch's eps)"),
    Field("l2", "L2 λ", OPTIMIZER_NAMES,
          "λ adds λ·w to the gradient of every weight, not of the biases (weight decay, "
          "torch's weight_decay on the weights); ≥ 0, 0 is off"),
    Field("step_size", "Step size", ("step",),
          "Step decay: η ← γ·η after every this many updates (a whole number ≥ 1; "
          "torch's StepLR step_size, counted in updates)"),
    Field("gamma", "γ", ("step", "exponential"),
          "The factor η is multiplied by at each decay; in (0, 1] (torch's gamma)"),
)


def rule_tip(settings: TrainingSettings, name: str) -> str:
    """What optimizer ``name`` does, in symbols, with the torch.optim call it matches."""
    rule = optimizer_for(replace(settings, optimizer=name)).rule()
    return f"{rule} ({TORCH_NAMES[name]})"


def shown(value: float) -> str:
    """``value`` as a field shows it: ``0.999``, ``1e-8`` (not Python's ``1e-08``)."""
    return re.sub(r"e([+-])0(\d)", r"e\1\2", f"{value:g}")


def changed(settings: TrainingSettings, key: str, value: object) -> TrainingSettings:
    """A copy of ``settings`` with ``key`` set to ``value`` (the model checks it)."""
    new = replace(settings)
    setattr(new, key, value)
    return new


class OptimizerForm(QGroupBox):
    """The update rule's settings, written through undoable commands."""

    status = Signal(str)

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__("Update rule", parent)
        self.setObjectName("optimizerGroup")
        self.document = document
        self.grid = QGridLayout(self)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(3, 1)
        self.optimizer = QComboBox(self)
        self.optimizer.setObjectName("optimizerCombo")
        for name in OPTIMIZER_NAMES:           # the file's names, in the file's order
            self.optimizer.addItem(OPTIMIZER_LABELS[name], name)
        self.optimizer.activated.connect(lambda i: self._choose(
            "optimizer", self.optimizer.itemData(i), f"Use {self.optimizer.itemText(i)}"))
        self.schedule = QComboBox(self)
        self.schedule.setObjectName("scheduleCombo")
        for name in SCHEDULE_NAMES:
            self.schedule.addItem(SCHEDULE_LABELS[name], name)
        self.schedule.activated.connect(lambda i: self._choose(
            "schedule", self.schedule.itemData(i),
            f"Learning-rate schedule: {self.schedule.itemText(i).lower()}"))
        self._combo_row(0, "&Optimizer", self.optimizer)
        self._combo_row(4, "η &schedule", self.schedule)
        self.fields: dict[str, QLineEdit] = {}
        self.labels: dict[str, QLabel] = {}
        for field in FIELDS:
            box = QLineEdit(self)
            box.setObjectName(f"{field.key}Edit")
            box.setToolTip(field.tip)
            box.editingFinished.connect(lambda f=field: self._edit(f))
            label = QLabel(field.label, self)
            label.setBuddy(box)
            label.setToolTip(field.tip)
            self.fields[field.key], self.labels[field.key] = box, label
        self.error = QLabel(self)
        self.error.setObjectName("optimizerError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b; font-size: 15px;")
        self.error.hide()
        self.grid.addWidget(self.error, 6, 0, 1, 4)
        self._refused: set[str] = set()      # fields whose typed text was refused
        self.fill()

    # ------------------------------------------------------------ showing
    def fill(self) -> None:
        """Show the file's settings (a refused field keeps the text typed into it)."""
        t = self.document.network.training
        for combo, value in ((self.optimizer, t.optimizer), (self.schedule, t.schedule)):
            with QSignalBlocker(combo):
                combo.setCurrentIndex(combo.findData(value))
        for key, box in self.fields.items():
            if key not in self._refused:
                box.setText(shown(getattr(t, key)))
        for i, name in enumerate(OPTIMIZER_NAMES):
            self.optimizer.setItemData(i, rule_tip(t, name), Qt.ItemDataRole.ToolTipRole)
        for i, name in enumerate(SCHEDULE_NAMES):
            tip = schedule_rule(replace(t, schedule=name))
            self.schedule.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
        self.optimizer.setToolTip(rule_tip(t, t.optimizer))
        self.schedule.setToolTip(schedule_rule(t))
        self._place(t)

    def _combo_row(self, row: int, text: str, combo: QComboBox) -> None:
        label = QLabel(text, self)
        label.setBuddy(combo)
        self.grid.addWidget(label, row, 0)
        self.grid.addWidget(combo, row, 1, 1, 3)

    def _place(self, t: TrainingSettings) -> None:
        """The fields ``t``'s rule and schedule use, two to a row (rows 1–3 the rule's,
        row 5 the schedule's); the others hidden."""
        shown = {"rule": 0, "schedule": 0}
        for field in FIELDS:
            kind = "schedule" if field.key in ("step_size", "gamma") else "rule"
            box, label = self.fields[field.key], self.labels[field.key]
            used = (t.schedule if kind == "schedule" else t.optimizer) in field.used_by
            box.setVisible(used)
            label.setVisible(used)
            if used:
                n = shown[kind]
                shown[kind] += 1
                row = (5 if kind == "schedule" else 1) + n // 2
                self.grid.addWidget(label, row, 2 * (n % 2))
                self.grid.addWidget(box, row, 2 * (n % 2) + 1)

    def forget_refusals(self) -> None:
        """A new document: every field shows the file's value again."""
        self._refused.clear()
        self.error.hide()
        self.fill()

    def set_running(self, running: bool) -> None:
        for widget in (self.optimizer, self.schedule, *self.fields.values()):
            widget.setEnabled(not running)
            widget.setStatusTip(PAUSED if running else "")

    # ------------------------------------------------------------ editing
    def _edit(self, field: Field) -> None:
        """The text of ``field``'s box, typed and confirmed: write it, or refuse it."""
        text = self.fields[field.key].text()
        try:
            value: float | int = parse_finite(text)
        except ValueError as exc:
            self._refuse(field, f"training.{field.key}: {exc}")
            return
        if field.key == "step_size":
            if not float(value).is_integer():
                self._refuse(field, f"training.step_size: must be a whole number >= 1, "
                                    f"not {text.strip()}")
                return
            value = int(value)
        current = self.document.network.training
        if getattr(current, field.key) == value:
            self._accepted(field.key)
            return
        error = self.document.execute(SetTraining(
            self.document, changed(current, field.key, value),
            f"Set {field.label} to {shown(value)}"))
        if error:
            self._refuse(field, error)
        else:
            self._accepted(field.key)
            self.status.emit(f"{field.label} = {shown(value)}")

    def _choose(self, key: str, value: str, text: str) -> None:
        current = self.document.network.training
        if getattr(current, key) == value:
            return
        error = self.document.execute(SetTraining(
            self.document, changed(current, key, value), text))
        if error:
            self.error.setText(f"Refused: {error}")
            self.error.show()
            self.status.emit(f"Refused: {error}")
            self.fill()                 # the combo shows the rule still in force
        else:
            self.status.emit(text)

    def _refuse(self, field: Field, reason: str) -> None:
        """Say why ``field``'s text was refused (``reason`` begins with the file's path)."""
        self._refused.add(field.key)
        path, _, why = reason.partition(": ")
        self.error.setText(f"{field.label} refused ({path}): {why}. The training settings "
                           "are unchanged.")
        self.error.show()
        self.status.emit(f"Refused {field.label} ({path}): {why}")

    def _accepted(self, key: str) -> None:
        self._refused.discard(key)
        if not self._refused:
            self.error.hide()
        self.fill()
