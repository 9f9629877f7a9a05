"""The Step panel's practice area: what is asked, the question, the answer field, the
hints, Show me and the tally.

Keys in the answer field: Enter answers, Ctrl+Enter is Show me, Esc steps back (and so
does ← while the field is empty); Space and → type as in any field, so they never step
past an unanswered question.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bpgui.engine.practice import PHASE_NAMES, copy_text, hint_texts, question_lines, rule_text
from bpgui.engine.records import PHASES
from bpgui.ui.stepping.practice import PracticeController

SCALAR_NOTE = ("Only steps whose result is one number are asked; a layer's matrices are "
               "shown as usual. Right-click a neuron or edge ▸ Ask about this to ask only "
               "about it.")
QUESTION_PX = 24          # read from the back row


class PracticeArea(QWidget):
    def __init__(self, practice: PracticeController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("practiceArea")
        self.practice = practice
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        phases = QGridLayout()
        phases.addWidget(QLabel("Ask:", self), 0, 0)
        self.phase_boxes: dict[str, QCheckBox] = {}
        for k, phase in enumerate(PHASES):
            box = QCheckBox(PHASE_NAMES[phase], self)
            box.setObjectName(f"practice_{phase}")
            box.setChecked(phase in practice.choices.phases)
            box.toggled.connect(lambda on, p=phase: practice.set_phase(p, on))
            phases.addWidget(box, k // 3, 1 + k % 3)
            self.phase_boxes[phase] = box
        layout.addLayout(phases)
        self.targets = QLabel(self)
        self.targets.setObjectName("practiceTargets")
        self.targets.setWordWrap(True)
        self.targets.setToolTip(SCALAR_NOTE)
        layout.addWidget(self.targets)
        self.question = QLabel(self)
        self.question.setObjectName("practiceQuestion")
        self.question.setWordWrap(True)
        self.question.setStyleSheet(f"font-size: {QUESTION_PX}px;")
        layout.addWidget(self.question)
        self.rule = QLabel(self)
        self.rule.setObjectName("practiceRule")
        self.rule.setStyleSheet("font-size: 16px; color: #555555;")
        layout.addWidget(self.rule)
        row = QHBoxLayout()
        self.field = QLineEdit(self)
        self.field.setObjectName("practiceAnswer")
        self.field.setPlaceholderText("your answer, then Enter")
        self.field.setStyleSheet(f"font-size: {QUESTION_PX}px;")
        self.field.returnPressed.connect(self._answer)
        self.field.installEventFilter(self)
        row.addWidget(self.field, 1)
        self.show_me = QPushButton("Show me (Ctrl+Enter)", self)
        self.show_me.setObjectName("practiceShowMe")
        self.show_me.clicked.connect(practice.show_me)
        row.addWidget(self.show_me)
        layout.addLayout(row)
        self.feedback = QLabel(self)
        self.feedback.setObjectName("practiceFeedback")
        self.feedback.setWordWrap(True)
        self.feedback.setStyleSheet("font-size: 18px;")
        layout.addWidget(self.feedback)
        bottom = QHBoxLayout()
        self.tally = QLabel(self)
        self.tally.setObjectName("practiceTally")
        self.tally.setStyleSheet("font-size: 16px;")
        bottom.addWidget(self.tally, 1)
        self.copy = QPushButton("Copy", self)
        self.copy.setObjectName("practiceCopy")
        self.copy.setToolTip("Put the tally on the clipboard as text")
        self.copy.clicked.connect(self.copy_tally)
        bottom.addWidget(self.copy)
        layout.addLayout(bottom)
        self._asked: list[QWidget] = [self.question, self.rule, self.field, self.show_me,
                                      self.feedback]
        practice.changed.connect(self.refresh)
        practice.session.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        practice = self.practice
        self.setVisible(practice.on)
        if not practice.on:
            return
        digits = practice.session.digits
        targets = sorted(practice.choices.targets)
        self.targets.setText("Asking about: " + (", ".join(targets) if targets else
                             "every neuron and edge") + " (right-click ▸ Ask about this)")
        record, question = practice.record, practice.question
        asking = record is not None and question is not None
        for widget in self._asked:
            widget.setVisible(asking)
        self.tally.setText(practice.tally.text())
        if record is None or question is None:
            self.field.clear()
            return
        lines = question_lines(record, digits)
        body = "<br>".join(html.escape(line) for line in lines[:-1])
        self.question.setText(f"<span style='color:#1f6f9f'>Your turn:</span><br>{body}"
                              f"<br><b>{html.escape(lines[-1])}</b>")
        self.rule.setText(rule_text(digits))
        hints = hint_texts(record, digits)[:question.hints]
        said = [question.feedback] if question.feedback else []
        self.feedback.setText("<br>".join(
            [f"<span style='color:#b03030'>{html.escape(s)}</span>" for s in said] +
            [f"Hint {k + 1}: {html.escape(h)}" for k, h in enumerate(hints)]))
        if not self.field.hasFocus():
            self.field.setFocus(Qt.FocusReason.OtherFocusReason)

    def _answer(self) -> None:
        if not self.practice.answer(self.field.text()):
            self.field.selectAll()
        else:
            self.field.clear()

    def copy_tally(self) -> None:
        practice = self.practice
        text = copy_text(practice.tally, practice.session.records, practice.session.digits)
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.field or event.type() != QEvent.Type.KeyPress \
                or not isinstance(event, QKeyEvent):
            return False
        key, mods = event.key(), event.modifiers()
        enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and mods & Qt.KeyboardModifier.ControlModifier:
            self.field.clear()
            self.practice.show_me()
            return True
        if key == Qt.Key.Key_Escape or (key == Qt.Key.Key_Left and not self.field.text()):
            self.field.clear()
            self.practice.session.back()
            return True
        return False
