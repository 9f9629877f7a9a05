"""The Lesson dock and the Lesson menu's rows: a teacher's scenes, made and edited.

Lesson ▸ Add scene captures the window as it is (the pass's step, sample and
granularity, the selection, the canvas's zoom and centre) as the lesson's next
scene. The dock lists the scenes: double-click renames one, drag (or Move up and
Move down) reorders, the fields below edit the selected scene's caption, speaker
notes and question, Delete removes it, Show stands the window at it. Every edit is
one command on the document's undo stack, so it is undone with Ctrl+Z and saved
with the file. The list is refilled from the model under :class:`QSignalBlocker`,
so refilling never issues a command.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bpgui.network.changes import LESSON_KINDS
from bpgui.network.lesson import Scene
from bpgui.ui.base.actions import ActionSpec
from bpgui.ui.base.dock_layout import scrollable
from bpgui.ui.base.widgets import named
from bpgui.ui.document.commands import AddScene, DeleteScene, MoveScene, SetScene
from bpgui.ui.document.document import Document, Edit

L = "&Lesson"
CAPTION_MERGE_KEY, NOTES_MERGE_KEY = 7101, 7102   # typing in a field: one undo entry

LESSON_ROWS: tuple[ActionSpec, ...] = (
    ActionSpec("AddScene", "&Add scene", "Add the window as it is now (step, sample, "
               "granularity, selection, zoom and centre) as the lesson's next scene", (), L),
)


class LessonDock(QDockWidget):
    status = Signal(str)

    def __init__(self, document: Document, show_scene: Callable[[int], None],
                 parent: QWidget | None = None) -> None:
        super().__init__("Lesson", parent)
        self.setObjectName("lessonDock")
        self.document = document
        self.show_scene = show_scene
        body = QWidget(self)
        layout = QVBoxLayout(body)
        self.list = named(QListWidget(body), "lessonList", "The lesson's scenes in order: "
                          "double-click to rename, drag to reorder")
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked)
        layout.addWidget(self.list)
        buttons = QHBoxLayout()
        self.up = named(QPushButton("Move up", body), "lessonUp", "Play this scene earlier")
        self.down = named(QPushButton("Move down", body), "lessonDown",
                          "Play this scene later")
        self.delete = named(QPushButton("Delete", body), "lessonDelete",
                            "Remove this scene from the lesson")
        self.show_button = named(QPushButton("Show", body), "lessonShow",
                                 "Stand the window at this scene")
        for button in (self.up, self.down, self.delete, self.show_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("Caption (the class sees it)", body))
        self.caption = named(QPlainTextEdit(body), "lessonCaption",
                             "Shown to the class above the step")
        self.caption.setMaximumHeight(80)
        layout.addWidget(self.caption)
        layout.addWidget(QLabel("Speaker notes (only you see them)", body))
        self.notes = named(QPlainTextEdit(body), "lessonNotes",
                           "Shown in the speaker-notes window while the lesson plays")
        self.notes.setMaximumHeight(110)
        layout.addWidget(self.notes)
        self.question = named(QCheckBox("Ask it as a question", body), "lessonQuestion",
                              "Show the step with its result blank; the next PageDown "
                              "reveals it")
        layout.addWidget(self.question)
        self.setWidget(scrollable(body))
        self.list.currentRowChanged.connect(lambda _: self._fill_fields())
        self.list.itemChanged.connect(self._renamed)
        self.list.model().rowsMoved.connect(self._dragged)
        self.up.clicked.connect(lambda: self.move_current(-1))
        self.down.clicked.connect(lambda: self.move_current(1))
        self.delete.clicked.connect(self.delete_current)
        self.show_button.clicked.connect(
            lambda: self.show_scene(self.row) if self.row >= 0 else None)
        self.caption.textChanged.connect(
            lambda: self._set(CAPTION_MERGE_KEY, caption=self.caption.toPlainText()))
        self.notes.textChanged.connect(
            lambda: self._set(NOTES_MERGE_KEY, notes=self.notes.toPlainText()))
        self.question.toggled.connect(lambda on: self._set(-1, question=on))
        document.edited.connect(self._on_edited)
        document.replaced.connect(self.refresh)
        self.refresh()

    @property
    def row(self) -> int:
        return self.list.currentRow()

    # ------------------------------------------------------------- showing
    def _on_edited(self, edit: Edit) -> None:
        if edit.has(*LESSON_KINDS):
            self.refresh()

    def refresh(self) -> None:
        """The list and the fields as the model has them."""
        lesson = self.document.network.lesson
        row = self.row
        with QSignalBlocker(self.list), QSignalBlocker(self.list.model()):
            self.list.clear()
            for k, scene in enumerate(lesson):
                item = QListWidgetItem(scene.title)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                item.setToolTip(f"Scene {k + 1}: step {scene.step}, sample {scene.sample}, "
                                f"{scene.granularity}" + (", a question" * scene.question))
                self.list.addItem(item)
            self.list.setCurrentRow(min(max(row, 0), len(lesson) - 1))
        self._fill_fields()

    def _fill_fields(self) -> None:
        lesson = self.document.network.lesson
        scene = lesson[self.row] if 0 <= self.row < len(lesson) else None
        for widget in (self.caption, self.notes, self.question, self.up, self.down,
                       self.delete, self.show_button):
            widget.setEnabled(scene is not None)
        with QSignalBlocker(self.caption), QSignalBlocker(self.notes), \
                QSignalBlocker(self.question):
            for field, text in ((self.caption, scene.caption if scene else ""),
                                (self.notes, scene.notes if scene else "")):
                if field.toPlainText() != text:     # never move the cursor of one typing
                    field.setPlainText(text)
            self.question.setChecked(bool(scene and scene.question))

    # ------------------------------------------------------------- editing
    def select(self, row: int) -> None:
        self.list.setCurrentRow(row)

    def _set(self, merge_key: int, **changes: object) -> None:
        if self.row < 0:
            return
        error = self.document.execute(SetScene(self.document, self.row, merge_key, **changes))
        if error:
            self.status.emit(f"Refused: {error}")
            self._fill_fields()

    def _renamed(self, item: QListWidgetItem) -> None:
        row = self.list.row(item)
        title = item.text().strip()
        if not title:
            self.refresh()
            return
        self.list.setCurrentRow(row)
        self._set(-1, title=title)

    def move_current(self, by: int) -> None:
        row, to = self.row, self.row + by
        if row < 0 or not 0 <= to < self.list.count():
            return
        self.document.execute(MoveScene(self.document, row, to))
        self.select(to)

    def _dragged(self, parent: QModelIndex | QPersistentModelIndex, start: int, end: int,
                 dest: QModelIndex | QPersistentModelIndex, row: int) -> None:
        """A drag in the list: the model moves the scene, then the list is refilled."""
        to = row if row < start else row - 1
        if to != start:
            self.document.execute(MoveScene(self.document, start, to))
            self.select(to)
        else:
            self.refresh()

    def delete_current(self) -> None:
        if self.row >= 0:
            row = self.row
            self.document.execute(DeleteScene(self.document, row))
            self.select(min(row, self.list.count() - 1))

    def add(self, scene_maker: Callable[[str], Scene]) -> None:
        """Lesson ▸ Add scene: after the selected scene (or at the end)."""
        lesson = self.document.network.lesson
        at = self.row + 1 if 0 <= self.row < len(lesson) else len(lesson)
        scene = scene_maker(f"Scene {len(lesson) + 1}")
        self.document.execute(AddScene(self.document, scene, at))
        self.select(at)
        self.status.emit(f"Added {scene.title} at step {scene.step}: double-click its "
                         "name in the Lesson dock to rename it.")
