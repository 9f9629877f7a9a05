"""Playing a lesson in presentation mode: scene to scene with a presenter clicker.

A lesson is a list of :class:`~bpgui.network.lesson.Scene`. Played, it is a list of
*beats*: one per scene, two for a question scene (first the step with its result
blank, the pass standing just before it; then the result). PageDown goes to the next
beat, PageUp to the one before, so the clicker walks the lesson and back exactly. The
other step keys (Space, →, ←) still step the pass inside a scene.

The seam with the stepping room: its application-wide :class:`StepKeys` filter sends
PageDown and PageUp to the step session. While a lesson plays, :class:`LessonKeys`, an
application-wide filter installed after it (Qt asks the filter installed last first),
takes those two keys for the lesson; it is removed when the lesson stops, and the
stepping room never knows.

A question scene waits for the answer: shouted by the room (PageDown reveals it), or
typed by the teacher: while the result is blank, digits, a sign and a point go into an
answer line under the step, Backspace takes one back, and Enter checks it by practice
mode's rule (:mod:`bpgui.engine.practice`: within one unit of the last digit shown),
says right or how far off, and reveals the result when it is right.

The speaker notes are a separate top-level window, so it can sit on the laptop's
screen while the canvas is on the projector; it follows the scene.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QTransform
from PySide6.QtWidgets import QApplication, QMainWindow, QTextBrowser, QVBoxLayout, QWidget

from bpgui.engine.practice import asked_equation, is_right, off_text, parse_answer
from bpgui.network.lesson import Scene
from bpgui.ui.base.math_text import formula_html
from bpgui.ui.canvas.scene import NetworkScene
from bpgui.ui.canvas.view import CanvasView
from bpgui.ui.classroom.presentation import Presentation, caption_html
from bpgui.ui.document.document import Document, Edit
from bpgui.ui.stepping.session import StepSession
from bpgui.ui.stepping.step_controls import is_typing

SCENE_KEYS = {Qt.Key.Key_PageDown: 1, Qt.Key.Key_PageUp: -1}
ANSWER_CHARACTERS = set("0123456789.,-−eE")   # what an answer typed on the projector holds


def stand_session(session: StepSession, scene: Scene, revealed: bool = True) -> None:
    """The pass as ``scene`` has it: granularity, sample, step (a question not yet
    revealed stands one step before its own, whose result it holds back)."""
    session.pause()
    session.set_granularity(scene.granularity)
    if session.sample_count:
        session.set_sample(min(scene.sample, session.sample_count - 1))
    step = scene.step - (0 if revealed or not scene.asks else 1)
    if session.available:
        session.jump(min(step, len(session.records)))


def select_ids(canvas: NetworkScene, ids: tuple[str, ...]) -> None:
    """Select exactly these neurons and edges (ids the network no longer has are skipped)."""
    canvas.clearSelection()
    for ident in ids:
        item = canvas.neuron_items.get(ident) or canvas.edge_items.get(ident)
        if item is not None:
            item.setSelected(True)


def place_view(view: CanvasView, scene: Scene) -> bool:
    """The scene's zoom and centre; False if it has none (then fit the network)."""
    if scene.zoom is None:
        return False
    view.setTransform(QTransform.fromScale(scene.zoom, scene.zoom))
    if scene.centre is not None:
        view.centerOn(*scene.centre)
    return True


def capture(title: str, session: StepSession, canvas: NetworkScene,
            view: CanvasView) -> Scene:
    """Lesson ▸ Add scene: the window as it is now, as a scene."""
    neurons, edges = canvas.selected_ids()
    centre = view.mapToScene(view.viewport().rect().center())
    return Scene(title, session.position, session.sample, session.granularity,
                 tuple(neurons + edges), round(view.transform().m11(), 4),
                 (round(centre.x(), 1), round(centre.y(), 1)))


class SpeakerNotes(QWidget):
    """The teacher's window: this scene's notes, the step's answer, the next scene."""

    def __init__(self) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setObjectName("speakerNotes")
        self.setWindowTitle("Speaker notes — bpgui")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.text = QTextBrowser(self)
        self.text.setObjectName("speakerNotesText")
        self.text.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.text.setStyleSheet("QTextBrowser { font-size: 20px; padding: 8px 16px; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text)
        self.resize(760, 560)

    def closeEvent(self, event: QCloseEvent) -> None:
        event.accept()              # closing it only hides it; the lesson plays on


class LessonKeys(QObject):
    """While a lesson plays: PageDown and PageUp move the lesson, not the pass."""

    def __init__(self, player: LessonPlayer) -> None:
        super().__init__(player)
        self.player = player

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress,
                        QEvent.Type.KeyRelease) or not isinstance(event, QKeyEvent):
            return False
        if self.player.holding_back() and self._answer_key(kind, event):
            return True
        direction = SCENE_KEYS.get(Qt.Key(event.key()))
        if direction is None or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier \
                or is_typing(QApplication.focusWidget()) \
                or QApplication.activeModalWidget() is not None \
                or QApplication.activeWindow() not in (None, self.player.window,
                                                       self.player.notes):
            return False
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()
        elif kind == QEvent.Type.KeyPress:
            self.player.move(direction)
        return True

    def _answer_key(self, kind: QEvent.Type, event: QKeyEvent) -> bool:
        """A key of an answer typed on a question scene: taken (True) or left alone."""
        key, text = Qt.Key(event.key()), event.text()
        typing = bool(text) and text in ANSWER_CHARACTERS
        if not (typing or key in (Qt.Key.Key_Backspace, Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            return False
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.player.typed:
            return False
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()
        elif kind == QEvent.Type.KeyPress:
            if typing:
                self.player.type_answer(self.player.typed + text)
            elif key == Qt.Key.Key_Backspace:
                self.player.type_answer(self.player.typed[:-1])
            else:
                self.player.check_answer()
        return True


class LessonPlayer(QObject):
    """Plays the document's lesson while presentation mode is on."""

    moved = Signal()                    # another beat (or the lesson started or stopped)

    def __init__(self, window: QMainWindow, document: Document, session: StepSession,
                 canvas: NetworkScene, view: CanvasView, presentation: Presentation) -> None:
        super().__init__(window)
        self.window, self.document, self.session = window, document, session
        self.canvas, self.view, self.presentation = canvas, view, presentation
        self.playing = False
        self.beat = 0
        self.typed = ""             # an answer typed on a question scene
        self.verdict = ""           # what checking it said
        self.notes = SpeakerNotes()
        self.keys = LessonKeys(self)
        window.destroyed.connect(self.notes.deleteLater)
        presentation.changed.connect(self._on_presentation)
        document.edited.connect(self._on_edited)
        document.replaced.connect(self.stop)

    # ------------------------------------------------------------- queries
    @property
    def lesson(self) -> list[Scene]:
        return self.document.network.lesson

    def beats(self) -> list[tuple[int, bool]]:
        """(scene index, revealed) for each press of the clicker."""
        found: list[tuple[int, bool]] = []
        for i, scene in enumerate(self.lesson):
            if scene.asks:
                found.append((i, False))
            found.append((i, True))
        return found

    @property
    def scene_index(self) -> int:
        return self.beats()[self.beat][0] if self.playing else -1

    @property
    def revealed(self) -> bool:
        return self.beats()[self.beat][1] if self.playing else True

    @property
    def scene(self) -> Scene | None:
        return self.lesson[self.scene_index] if self.playing else None

    # ------------------------------------------------------- start and stop
    def _on_presentation(self, active: bool) -> None:
        if active and self.lesson:
            self.start()
        elif not active:
            self.stop()

    def start(self, beat: int = 0) -> None:
        """Play from ``beat`` (presentation mode must be on)."""
        if not self.lesson:
            return
        app = QApplication.instance()
        if not self.playing and app is not None:
            app.installEventFilter(self.keys)     # after StepKeys: asked first
        self.playing = True
        self.presentation.lesson_caption = self.caption_html
        self.presentation.after_fit = self._place_view
        self.notes.show()
        self.go(beat)

    def stop(self) -> None:
        if not self.playing:
            return
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.keys)
        self.playing = False
        self.presentation.lesson_caption = None
        self.presentation.after_fit = None
        self.notes.hide()
        self.moved.emit()

    # --------------------------------------------------------------- moving
    def move(self, direction: int) -> None:
        """PageDown (+1) or PageUp (−1): the next or the previous beat."""
        if self.playing:
            self.go(self.beat + direction)

    def go(self, beat: int) -> None:
        beats = self.beats()
        if not self.playing or not beats:
            return
        self.beat = min(max(beat, 0), len(beats) - 1)
        self.typed = self.verdict = ""
        index, revealed = beats[self.beat]
        scene = self.lesson[index]
        stand_session(self.session, scene, revealed)
        select_ids(self.canvas, scene.selection)
        if not place_view(self.view, scene):
            self.presentation.after_fit = None
            self.presentation.enter_view()
            self.presentation.after_fit = self._place_view
        self.presentation.show_caption()
        self._show_notes()
        self.moved.emit()

    def _place_view(self) -> None:
        scene = self.scene
        if scene is not None:
            place_view(self.view, scene)

    def _on_edited(self, edit: Edit) -> None:
        if not self.playing:
            return
        if not self.lesson:
            self.stop()
            return
        self.beat = min(self.beat, len(self.beats()) - 1)
        self.presentation.show_caption()
        self._show_notes()

    # ------------------------------------------------------------ answering
    def type_answer(self, text: str) -> None:
        self.typed, self.verdict = text, ""
        self.presentation.show_caption()

    def check_answer(self) -> None:
        """Check the typed answer against the question's result; reveal it if right."""
        scene = self.scene
        if scene is None or not self.holding_back():
            return
        exact = asked_equation(self.session.records[scene.step - 1]).result
        digits = self.session.digits
        try:
            answer = parse_answer(self.typed)
        except ValueError as exc:
            self.verdict = str(exc)
        else:
            if is_right(answer, exact, digits):
                self.move(1)
                self.verdict = "Right."
                self.presentation.show_caption()
                return
            self.verdict = off_text(answer, exact, digits)
        self.presentation.show_caption()

    # -------------------------------------------------------------- writing
    def holding_back(self) -> bool:
        """A question scene not yet revealed, with the pass where the scene put it."""
        scene = self.scene
        return scene is not None and scene.asks and not self.revealed \
            and self.session.position == scene.step - 1

    def caption_html(self) -> str | None:
        """The presentation's caption: the scene, its caption, the step (its result
        blank while a question holds it back)."""
        scene = self.scene
        if scene is None:
            return None
        s = self.session
        theme = self.view.network_scene.theme
        px = self.presentation.caption_px
        header = (f"<p style='margin:0 0 6px 0; color:gray'>Scene {self.scene_index + 1} of "
                  f"{len(self.lesson)}: {html.escape(scene.title)}  ·  "
                  f"{html.escape(s.progress_text())}</p>")
        said = "".join(f"<p style='margin:0 0 8px 0'><b>{html.escape(line)}</b></p>"
                       for line in scene.caption.splitlines() if line.strip())
        if not s.available:
            return header + said + html.escape(s.reason)
        record = s.records[scene.step - 1] if self.holding_back() else s.current
        step = "" if record is None else caption_html(
            record, s.digits, round(px * 0.8), theme.positive.name(), self.holding_back())
        answer = "".join(f"<p style='margin:4px 0 0 0'>{html.escape(line)}</p>" for line in (
            (f"Answer: {self.typed}▏" if self.typed and self.holding_back() else ""),
            self.verdict) if line)
        return header + said + step + answer

    def _show_notes(self) -> None:
        scene = self.scene
        if scene is None:
            return
        lesson, index = self.lesson, self.scene_index
        parts = [f"<h2>Scene {index + 1} of {len(lesson)}: {html.escape(scene.title)}</h2>"]
        if scene.asks:
            state = "the result is revealed" if self.revealed \
                else "the class sees the result blank; PageDown, or a right answer typed " \
                "and Enter, reveals it"
            parts.append(f"<p><i>Question: {state}.</i></p>")
        if scene.step and self.session.available and scene.step <= len(self.session.records):
            record = self.session.records[scene.step - 1]
            lines = [formula_html(line) for eq in record.equations
                     for line in eq.lines(self.session.digits)]
            parts.append(f"<p style='color:gray'>{'<br>'.join(lines)}</p>")
        notes = scene.notes.strip() or "(no notes)"
        parts.extend(f"<p>{html.escape(line)}</p>" for line in notes.splitlines())
        after = (f"Next: {html.escape(lesson[index + 1].title)}" if index + 1 < len(lesson)
                 else "The last scene.")
        parts.append(f"<p style='color:gray'>{after}</p>")
        self.notes.text.setHtml("".join(parts))
