"""The Run menu's action rows, the Run toolbar and the keys that step through a pass.

Step forward: Space, Right, PageDown, N (presenter clickers send PageDown and
PageUp). Step back: Left, PageUp, Backspace. An application-wide key filter
delivers these keys to the session whatever has focus, except while the user
is typing in a field. Space also pans the canvas when held while dragging; a
tap without a drag is a step.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QTextEdit,
    QToolBar,
    QWidget,
)

from bpgui.engine.records import GRANULARITIES
from bpgui.ui.base.actions import ActionSpec, build_actions, without_checked
from bpgui.ui.canvas.view import CanvasView
from bpgui.ui.stepping.practice import PracticeController
from bpgui.ui.stepping.session import StepSession

FORWARD_KEYS = (Qt.Key.Key_Right, Qt.Key.Key_PageDown, Qt.Key.Key_N)
BACK_KEYS = (Qt.Key.Key_Left, Qt.Key.Key_PageUp, Qt.Key.Key_Backspace)


def is_typing(widget: QWidget | None) -> bool:
    """Whether ``widget`` is a field the user types into (where keys mean text)."""
    if widget is None:
        return False
    if isinstance(widget, QLineEdit | QTextEdit | QPlainTextEdit | QAbstractSpinBox):
        return not (isinstance(widget, QTextEdit | QPlainTextEdit) and widget.isReadOnly())
    return isinstance(widget, QComboBox) and widget.isEditable()


class StepKeys(QObject):
    """Application-wide filter: step keys reach the session unless the user is typing."""

    def __init__(self, window: QMainWindow, session: StepSession, view: CanvasView) -> None:
        super().__init__(window)
        self.window, self.session, self.view = window, session, view
        self._space_down = False
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)
        window.destroyed.connect(lambda: app.removeEventFilter(self))

    def _ours(self) -> bool:
        """Only for our window, and only when no modal dialog is in front of it."""
        active = QApplication.activeWindow()
        return (active is None or active is self.window) and \
            QApplication.activeModalWidget() is None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress,
                        QEvent.Type.KeyRelease) or not isinstance(event, QKeyEvent):
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier or not self._ours() \
                or is_typing(QApplication.focusWidget()):
            return False
        key = event.key()
        if key != Qt.Key.Key_Space and key not in FORWARD_KEYS + BACK_KEYS:
            return False
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()         # ours: deliver it as a key press, to this filter
            return True
        if key == Qt.Key.Key_Space:
            return self._space(event)
        if kind == QEvent.Type.KeyPress:
            self.session.step() if key in FORWARD_KEYS else self.session.back()
        return True            # ShortcutOverride and KeyRelease are ours too: consumed

    def _space(self, event: QKeyEvent) -> bool:
        if event.isAutoRepeat():
            return True
        if event.type() == QEvent.Type.KeyPress:
            self._space_down = True
            self.view.begin_space_pan()
        elif event.type() == QEvent.Type.KeyRelease and self._space_down:
            self._space_down = False
            if not self.view.end_space_pan():      # no drag happened: it was a tap
                self.session.step()
        return True


def _names(keys: tuple[Qt.Key, ...]) -> tuple[str, ...]:
    return tuple(QKeySequence(key).toString() for key in keys)


R = "&Run"

# The Run menu's rows of the window's action table. The step keys are exactly those
# StepKeys answers; those actions only show them (``shown_only``), so no key acts twice.
# P, End, Home and ] are ordinary window shortcuts: StepKeys leaves them alone, and a text
# field still keeps them (Qt asks it first).
RUN_ROWS: tuple[ActionSpec, ...] = (
    ActionSpec("StepForward", "Step &forward", "Take the next step of the pass",
               _names((Qt.Key.Key_Space, *FORWARD_KEYS)), R, shown_only=True),
    ActionSpec("StepBack", "Step &back", "Undo the last step of the pass (exactly)",
               _names(BACK_KEYS), R, shown_only=True),
    ActionSpec("PlayPause", "&Play / pause", "Step automatically at the chosen speed",
               ("P",), R),
    ActionSpec("RunPhase", "Run to end of p&hase", "Take every remaining step of this phase",
               ("End",), R),
    ActionSpec("ResetPass", "&Reset the pass", "Back to before the first step", ("Home",), R),
    ActionSpec("NextSample", "Next &sample", "Step through the next sample of the dataset",
               ("]",), R),
    ActionSpec("Practice", "Prac&tice", "Predict, then reveal: stop before each asked step "
               "and type its result in the Step panel", ("F6",), R, checkable=True),
)


def build_run_controls(window: QMainWindow, session: StepSession,
                       practice: PracticeController) -> tuple[list[QAction], QToolBar]:
    """The Run actions (from :data:`RUN_ROWS`) and the Run toolbar."""
    made = build_actions(window, RUN_ROWS, {
        "StepForward": without_checked(session.step),
        "StepBack": without_checked(session.back),
        "PlayPause": without_checked(session.toggle_play),
        "RunPhase": without_checked(session.run_to_phase_end),
        "ResetPass": without_checked(session.reset),
        "NextSample": without_checked(session.next_sample),
        "Practice": practice.set_on})
    actions = list(made.values())
    bar = QToolBar("Run", window)
    bar.setObjectName("runToolbar")
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    bar.addActions(actions[:5])
    bar.addSeparator()
    bar.addWidget(QLabel(" Sample ", window))
    samples = QComboBox(window)
    samples.setObjectName("sampleCombo")
    samples.setToolTip("Which sample of the dataset the pass uses (its row in the Dataset dock)")
    samples.activated.connect(session.set_sample)
    bar.addWidget(samples)
    bar.addAction(actions[5])
    bar.addWidget(QLabel(" Granularity ", window))
    granularity = QComboBox(window)
    granularity.setObjectName("granularityCombo")
    granularity.addItems(list(GRANULARITIES))
    granularity.setCurrentText(session.granularity)
    granularity.setToolTip("edge: one step per product term · node: one per neuron · "
                           "layer: one per level, in matrix form")
    granularity.currentTextChanged.connect(session.set_granularity)
    bar.addWidget(granularity)
    bar.addWidget(QLabel(" Speed ", window))
    speed = QDoubleSpinBox(window)
    speed.setObjectName("speedSpin")
    speed.setRange(0.2, 20.0)
    speed.setSingleStep(0.5)
    speed.setValue(session.speed)
    speed.setSuffix(" steps/s")
    speed.setToolTip("How fast Play steps through the pass")
    speed.valueChanged.connect(session.set_speed)
    bar.addWidget(speed)
    bar.addSeparator()
    bar.addAction(actions[6])

    def sync() -> None:
        if samples.count() != session.sample_count:
            samples.clear()
            samples.addItems([f"#{k}" for k in range(session.sample_count)])
        samples.setCurrentIndex(session.sample)
        if granularity.currentText() != session.granularity:
            with QSignalBlocker(granularity):
                granularity.setCurrentText(session.granularity)
        actions[2].setText("&Pause" if session.playing else "&Play")
        actions[6].setChecked(practice.on)

    session.changed.connect(sync)
    practice.changed.connect(sync)
    session.playing_changed.connect(lambda _: sync())
    sync()
    return actions, bar

