"""The step panel: the current step in large type, the progress, and every step of the pass.

The text is the step records' own (the same as ``bpgui trace``), laid out as
the formula in symbols, then with numbers, then the result. Clicking a step in
the list jumps there, forward or back.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QSignalBlocker,
    QSize,
    Qt,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from bpgui.engine.records import Equation, StepRecord
from bpgui.ui.base.math_text import formula_html
from bpgui.ui.base.widgets import HtmlView
from bpgui.ui.stepping.scrub import ScrubPause
from bpgui.ui.stepping.session import StepSession

MIN_WIDTH = 380             # room for a formula line in the panel's large type
ROW_CHARS = 72              # a row of the list is one line; its tooltip holds the rest
ROW_NUMBERS = 24            # more numbers than a row's 72 characters could ever show
HINT = "Press Space, → or PageDown to take the first step of the forward pass."
MIN_STEP_HEIGHT = 150     # the current step: a node step fits without scrolling
MIN_LIST_HEIGHT = 120     # the list of steps: a few rows stay clickable


def step_html(record: StepRecord, digits: int, note_px: int = 17) -> str:
    blocks = []
    for eq in record.equations:
        lines = eq.lines(digits)
        body = "<br>".join(formula_html(line) for line in lines[:-1])
        last = f"<b>{formula_html(lines[-1])}</b>"
        blocks.append(f"<p style='margin:0 0 10px 0'>{body + '<br>' if body else ''}{last}</p>")
    blocks.extend(f"<p style='color:#1f6f9f; font-size:{note_px}px'>{html.escape(note)}</p>"
                  for note in record.notes)
    blocks.extend(f"<p style='color:#555555; font-size:{note_px - 2}px'>{html.escape(note)}</p>"
                  for note in record.digit_notes(digits))
    return "".join(blocks)


def _step_view() -> HtmlView:
    """The current step in large type. A text browser lays a long step (a layer's
    matrices) out once and scrolls it; a word-wrapped label measured it several times
    per step, which cost more than the rest of a step put together."""
    view = HtmlView()
    view.setObjectName("currentStep")
    view.setFrameShape(QFrame.Shape.NoFrame)
    view.setMinimumHeight(MIN_STEP_HEIGHT)
    view.setOpenLinks(False)
    view.setStyleSheet("font-size: 22px; background: transparent;")
    view.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
    return view


class StepPanelDock(QDockWidget):
    def __init__(self, session: StepSession, parent: QWidget | None = None,
                 scrub: ScrubPause | None = None) -> None:
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
        splitter = QSplitter(Qt.Orientation.Vertical, body)
        splitter.setObjectName("stepSplitter")
        splitter.setChildrenCollapsible(False)
        self.current = _step_view()
        self.progress.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        splitter.addWidget(self.current)
        self.model = StepListModel(session, scrub)
        self.steps = QListView(splitter)
        self.steps.setMinimumHeight(MIN_LIST_HEIGHT)
        self.steps.setObjectName("stepList")
        self.steps.setModel(self.model)
        # One line per step (full text in the tooltip), formatted only when drawn: a pass
        # of hundreds of steps costs nothing until it scrolls into view.
        self.steps.setUniformItemSizes(True)
        self.steps.setItemDelegate(_RowDelegate(self.model, self.steps))
        # Rows are elided at the panel's width, so no horizontal scroll bar comes and goes
        # (re-laying out and repainting the whole list at every step).
        self.steps.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.steps.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.steps.setAutoScroll(False)        # _mark_position scrolls, once in many steps
        self.steps.setStyleSheet("font-size: 14px;")
        self.steps.setToolTip("Every step of the pass; click one to jump there")
        self.steps.clicked.connect(self._jump_to)
        self.steps.activated.connect(self._jump_to)
        splitter.addWidget(self.steps)
        # The step gets three fifths, room for a node step of the seed's example in
        # large type; a longer one (a layer step's matrices) scrolls.
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([420, 280])
        layout.addWidget(splitter, 1)
        self.setWidget(body)
        self.setMinimumWidth(MIN_WIDTH)
        self._shown: StepRecord | None = None
        session.changed.connect(self.refresh)
        self.refresh()

    @property
    def current_html(self) -> str:
        """What the step view shows, as given to it."""
        return self.current.page

    def insert_area(self, widget: QWidget) -> None:
        """Put ``widget`` (practice mode's answer area) under the progress line."""
        layout = self.widget().layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(1, widget)

    def refresh(self) -> None:
        session = self.session
        self.progress.setText(session.progress_text() if session.available else "")
        with QSignalBlocker(self.digits):
            self.digits.setValue(session.digits)
        if not session.available:
            text = html.escape(session.reason)
        elif session.current is None:
            text = f"<p style='color:#555'>{HINT}</p>"
        else:
            text = step_html(session.current, session.digits)
        bar = self.current.verticalScrollBar()
        # A new step starts at its top; the same step re-rendered stays where it was.
        keep = bar.value() if session.current is self._shown else 0
        self.current.show_page(text)
        self._shown = session.current
        bar.setValue(keep)
        self._mark_position()

    def show_record(self, record: StepRecord, title: str) -> None:
        """Show a step that is not part of the pass (a gradient-descent update) until the
        pass view changes again."""
        self.progress.setText(title)
        text = step_html(record, self.session.digits)
        self.current.show_page(text)
        self._shown = record
        self.current.verticalScrollBar().setValue(0)

    def _mark_position(self) -> None:
        self.model.refresh()
        position = self.session.position
        # The selection model's signals are left on: the view repaints just the rows
        # whose selection changed (with them blocked it repainted everything it shows).
        if position:
            index = self.model.index(position - 1)
            self.steps.setCurrentIndex(index)
            row = self.steps.visualRect(index)
            if row.top() < 0 or row.bottom() > self.steps.viewport().height():
                # Centred, so the list scrolls (and repaints whole) once in many steps.
                self.steps.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        else:
            self.steps.clearSelection()

    def _jump_to(self, index: QModelIndex) -> None:
        self.session.jump(index.row() + 1)


class _RowDelegate(QStyledItemDelegate):
    """The default rows, measured once per set of rows rather than at every edit.

    With uniform item sizes the list measures its last row, at every layout: after an
    edit that would generate the whole pass (:class:`~bpgui.engine.lazy_records.LazyRecords`)
    just to write a row nobody sees. An edit changes only numbers, so the size measured
    when the rows were last replaced stands until they are again.
    """

    def __init__(self, model: StepListModel, parent: QWidget) -> None:
        super().__init__(parent)
        self.model = model
        self._size: tuple[tuple[int, str], QSize] | None = None

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        key = (self.model.resets, option.font.toString())
        if self._size is None or self._size[0] != key:
            self._size = key, super().sizeHint(option, index)
        return QSize(self._size[1])


def row_text(row: int, record: StepRecord, digits: int) -> str:
    """``12. gradient: …`` on one line, cut at ROW_CHARS (the tooltip has it all).

    Only the equations that reach the cut are formatted: a gradient step of a dense
    layer has dozens, and laying a whole one out for one line cost more than a step.
    An equation of vectors and matrices with more numbers than a row can show
    (:data:`ROW_NUMBERS`) ends the row at its symbols: writing a layer's matrices out
    for one line cost ten times a step, at every edit.
    """
    text = f"{row + 1}. {record.phase}: "
    for k, equation in enumerate(record.equations):
        text += "" if k == 0 else ";  "
        symbols = equation.symbols          # written out from the formula at each ask
        head = f"{equation.lhs} {equation.relation} {symbols}"
        if symbols and (len(text + head) > ROW_CHARS
                        or _numbers_in(equation) > ROW_NUMBERS):
            return (text + head)[:ROW_CHARS] + "…"     # the numbers would not show
        text += equation.text(digits)
        if len(text) > ROW_CHARS:
            return text[:ROW_CHARS] + "…"
    return text


def _numbers_in(equation: Equation) -> int:
    """How many numbers the equation's numbers line and result write."""
    return sum(_count(value) for value in (*equation.operands, equation.result))


def _count(value: Any) -> int:
    return sum(_count(v) for v in value) if isinstance(value, tuple) else 1


class StepListModel(QAbstractListModel):
    """The pass's records as rows; the text of a row is made when a view asks for it.

    While a weight is scrubbed (``scrub``), the rows keep the texts they show until the
    scrub pauses: writing and drawing a screenful of rows at every notch cost a tenth of
    it, and the current step above them follows every notch.
    """

    def __init__(self, session: StepSession, scrub: ScrubPause | None = None) -> None:
        super().__init__()
        self.session = session
        self._records: Sequence[StepRecord] = []
        self._digits = session.digits
        self._position = 0
        self._cache: dict[int, str] = {}
        self.resets = 0          # how many times the rows were replaced by other rows
        self._scrub = scrub if scrub is not None else ScrubPause(self)
        self._scrub.paused.connect(self._catch_up)
        self._behind = False     # a scrub changed the values since the rows were written

    def refresh(self) -> None:
        records, digits = self.session.records, self.session.digits
        if records is not self._records and digits == self._digits \
                and len(records) == len(self._records) and self._records:
            # The same rows with new values (an edit): the rows keep their size
            # (_RowDelegate), and only those on screen are generated and written.
            # During a scrub the rows written before stay (others come from the new
            # pass) until it pauses.
            self._records, self._behind = records, True
            self._position = self.session.position
            if not self._scrub.active:
                self._catch_up()
        elif records is not self._records or digits != self._digits:
            self.resets += 1
            self.beginResetModel()
            self._records, self._digits, self._cache = records, digits, {}
            self._behind = False
            self._position = self.session.position
            self.endResetModel()
        elif self.session.position != self._position:
            low, high = sorted((self._position, self.session.position))
            self._position = self.session.position
            last = len(self._records) - 1
            if high - low <= 2:
                # Row by row: a range of rows makes the view repaint all it shows.
                for row in range(max(low - 1, 0), min(high, last) + 1):
                    self.dataChanged.emit(self.index(row), self.index(row))
            elif self._records:
                self.dataChanged.emit(self.index(max(low - 1, 0)), self.index(min(high, last)))

    def _catch_up(self) -> None:
        """Write every row again from the current pass, if an edit changed its values."""
        if self._behind:
            self._behind, self._cache = False, {}
            if self._records:
                self.dataChanged.emit(self.index(0), self.index(len(self._records) - 1))

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
                self._cache[row] = row_text(row, record, self._digits)
            return self._cache[row]
        if role == Qt.ItemDataRole.ToolTipRole:
            return record.text(self._digits) + "\n\n" + "\n".join(
                f"{q.kind} {q.id} = {v!r}" for q, v in record.values)
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor("#1a1a1a" if row < self._position else "#8a8a8a"))
        return None
