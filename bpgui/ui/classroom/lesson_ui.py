"""The lesson room, wired in one place: the Lesson menu's rows, the Lesson dock, and the
player that presentation mode uses (see :mod:`bpgui.ui.classroom.lesson_player`).
The main window creates one :class:`LessonUi`."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow

from bpgui.network.errors import BpguiError
from bpgui.ui.base.actions import ActionSpec, build_actions, without_checked
from bpgui.ui.canvas.scene import NetworkScene
from bpgui.ui.canvas.view import CanvasView
from bpgui.ui.classroom.lesson_dock import LESSON_ROWS, LessonDock
from bpgui.ui.classroom.lesson_player import (
    LessonPlayer,
    capture,
    place_view,
    select_ids,
    stand_session,
)
from bpgui.ui.classroom.presentation import Presentation
from bpgui.ui.document.document import Document
from bpgui.ui.stepping.session import StepSession


class LessonUi:
    rows: tuple[ActionSpec, ...] = LESSON_ROWS

    def __init__(self, window: QMainWindow, document: Document, session: StepSession,
                 canvas: NetworkScene, view: CanvasView, presentation: Presentation,
                 status: Callable[[str], None]) -> None:
        self.document, self.session, self.canvas, self.view = document, session, canvas, view
        self.dock = LessonDock(document, self.show_scene, window)
        self.dock.status.connect(status)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.player = LessonPlayer(window, document, session, canvas, view, presentation)
        made = build_actions(window, LESSON_ROWS, {"AddScene": without_checked(self.add_scene)})
        self.actions: list[QAction] = list(made.values())

    def menu_extras(self) -> list[QAction]:
        return [self.dock.toggleViewAction()]

    def add_scene(self) -> None:
        self.dock.add(lambda title: capture(title, self.session, self.canvas, self.view))

    def show_scene(self, index: int) -> None:
        """The dock's Show: stand the window at the scene (outside presentation mode)."""
        if self.player.playing:
            self.player.go(next(k for k, (i, _) in enumerate(self.player.beats())
                                if i == index))
            return
        scene = self.document.network.lesson[index]
        stand_session(self.session, scene)
        select_ids(self.canvas, scene.selection)
        if not place_view(self.view, scene):
            self.view.fit()

    def play_from(self, scene_number: int, reveal: bool) -> None:
        """``--lesson-scene K [--reveal]``: stand the playing lesson at scene K (from 1)."""
        lesson = self.document.network.lesson
        if not 1 <= scene_number <= len(lesson):
            raise BpguiError(f"--lesson-scene {scene_number}: the lesson has "
                             f"{len(lesson)} scenes")
        beats = self.player.beats()
        wanted = [k for k, (i, shown) in enumerate(beats) if i == scene_number - 1]
        self.player.go(wanted[-1] if reveal else wanted[0])
