"""The step panel: the current step in large type, the progress, and every step of the pass.

The text is the step records' own (the same as ``bpgui trace``), laid out as
the formula in symbols, then with numbers, then the result. Clicking a step in
the list jumps there, forward or back.
"""

from __future__ import annotations

import html

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QSignalBlocker,
    Qt,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QListView,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bpgui.engine.records import Equation, StepRecord
from bpgui.numbers import fmt_value
from bpgui.ui.session import StepSession

HINT = "Press Space, → or PageDown to take the first step of the forward pass."


def equation_lines(eq: Equation, digits: int) -> list[str]:
    """``lhs = symbols`` / ``= numbers`` / ``= result``, dropping a line that repeats."""
    first = f"{eq.lhs} {eq.relation} {eq.symbols}" if eq.symbols else ""
    numbers, result = eq.numbers(digits), fmt_value(eq.result, digits)
    lines = [first] if first else []
    prefix = "= " if first else f"{eq.lhs} {eq.relation} "
    if numbers not in (eq.symbols, result):
        lines.append(prefix + numbers)
        prefix = "= "
    lines.append(prefix + result)
    return lines


def step_html(record: StepRecord, digits: int) -> str:
    blocks = []
    for eq in record.equations:
        lines = equation_lines(eq, digits)
        body = "<br>".join(html.escape(line) for line in lines[:-1])
        last = f"<b>{html.escape(lines[-1])}</b>"
        blocks.append(f"<p style='margin:0 0 10px 0'>{body + '<br>' if body else ''}{last}</p>")
    if record.reuses:
        names = ", ".join(record.reuses)
        blocks.append(f"<p style='color:#1f6f9f; font-size:17px'>Reuses the cached δ of "
                      f"{html.escape(names)}: computed once, never again.</p>")
    return "".join(blocks)


class StepPanelDock(QDockWidget):
    def __init__(self, session: StepSession, parent: QWidget | None = None) -> None:
        super().__init__("Step", parent)
        self.setObjectName("stepPanel")
        self.session = session
        body = QWidget(self)
        layout = QVBoxLayout(body)
        top = QHBoxLayout()
        self.progress = QLabel(body)
        self.progress.setObjectName("stepProgress")
        self.progress.setStyleSheet("font-size: 18px; font-weight: bold;")
        top.addWidget(self.progress, 1)
        top.addWidget(QLabel("Digits", body))
        self.digits = QSpinBox(body)
        self.digits.setObjectName("digitsSpin")
        self.digits.setRange(2, 10)
        self.digits.setValue(session.digits)
        self.digits.setToolTip("Significant digits in formulas and on the canvas; "
                               "hover a value for full precision")
        self.digits.valueChanged.connect(session.set_digits)
        top.addWidget(self.digits)
        layout.addLayout(top)
        self.current = QLabel(body)
        self.current.setObjectName("currentStep")
        self.current.setWordWrap(True)
        self.current.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.current.setStyleSheet("font-size: 22px; padding: 6px;")
        self.current.setMinimumHeight(150)
        self.current.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.current)
        self.model = StepListModel(session)
        self.steps = QListView(body)
        self.steps.setObjectName("stepList")
        self.steps.setModel(self.model)
        # One line per step (full text in the tooltip), formatted only when drawn: a pass
        # of hundreds of steps costs nothing until it scrolls into view.
        self.steps.setUniformItemSizes(True)
        self.steps.setStyleSheet("font-size: 14px;")
        self.steps.setToolTip("Every step of the pass; click one to jump there")
        self.steps.clicked.connect(self._jump_to)
        self.steps.activated.connect(self._jump_to)
        layout.addWidget(self.steps, 1)
        self.setWidget(body)
        session.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        session = self.session
        self.progress.setText(session.progress_text() if session.available else "")
        with QSignalBlocker(self.digits):
            self.digits.setValue(session.digits)
        if not session.available:
            self.current.setText(html.escape(session.reason))
        elif session.current is None:
            self.current.setText(f"<p style='color:#555'>{HINT}</p>")
        else:
            self.current.setText(step_html(session.current, session.digits))
        self._mark_position()

    def _mark_position(self) -> None:
        self.model.refresh()
        position = self.session.position
        with QSignalBlocker(self.steps.selectionModel()):
            if position:
                index = self.model.index(position - 1)
                self.steps.setCurrentIndex(index)
                self.steps.scrollTo(index)
            else:
                self.steps.clearSelection()

    def _jump_to(self, index: QModelIndex) -> None:
        self.session.jump(index.row() + 1)


class StepListModel(QAbstractListModel):
    """The pass's records as rows; the text of a row is made when a view asks for it."""

    def __init__(self, session: StepSession) -> None:
        super().__init__()
        self.session = session
        self._records: list[StepRecord] = []
        self._digits = session.digits
        self._position = 0
        self._cache: dict[int, str] = {}

    def refresh(self) -> None:
        records, digits = self.session.records, self.session.digits
        if records is not self._records or digits != self._digits:
            self.beginResetModel()
            self._records, self._digits, self._cache = records, digits, {}
            self._position = self.session.position
            self.endResetModel()
        elif self.session.position != self._position:
            low, high = sorted((self._position, self.session.position))
            self._position = self.session.position
            if self._records:
                self.dataChanged.emit(self.index(max(low - 1, 0)),
                                      self.index(min(high, len(self._records) - 1)))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = index.row()
        if not index.isValid() or row >= len(self._records):
            return None
        record = self._records[row]
        if role == Qt.ItemDataRole.DisplayRole:
            if row not in self._cache:
                self._cache[row] = f"{row + 1}. {record.phase}: {record.text(self._digits)}"
            return self._cache[row]
        if role == Qt.ItemDataRole.ToolTipRole:
            return record.text(self._digits) + "\n\n" + "\n".join(
                f"{q.kind} {q.id} = {v!r}" for q, v in record.values)
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor("#1a1a1a" if row < self._position else "#8a8a8a"))
        return None
