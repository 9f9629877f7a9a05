"""The open document: one network, its file, and the undo stack that is its only writer.

Views listen to :attr:`Document.changed` (every model :class:`~bpgui.network.changes.Change`)
and :attr:`Document.replaced` (a whole new network: New, Open). They change
the model only through :meth:`Document.execute`, which applies an undoable
command or, if the model refuses it, returns the reason and changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from bpgui.network.changes import Change
from bpgui.network.errors import BpguiError
from bpgui.network.model import Network


class ModelCommand(QUndoCommand):
    """An undoable edit. Subclasses implement :meth:`apply` and :meth:`revert`.

    :meth:`Document.execute` calls :meth:`apply` once before pushing, so a
    refused edit never reaches the stack; QUndoStack's own first ``redo`` is
    then skipped.
    """

    def __init__(self, document: Document, text: str) -> None:
        super().__init__(text)
        self.document = document
        self._applied_by_execute = False

    @property
    def network(self) -> Network:
        return self.document.network

    def apply(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        if self._applied_by_execute:
            self._applied_by_execute = False
            return
        self.apply()

    def undo(self) -> None:
        self.revert()


class Document(QObject):
    """Owns the network, its path and the undo stack; says when any of them change."""

    about_to_edit = Signal(str)     # "edit", "undo" or "redo" is about to run
    changed = Signal(object)        # a bpgui.network.changes.Change
    replaced = Signal()             # self.network is a different network now
    dirty_changed = Signal(bool)
    path_changed = Signal(object)   # Path | None

    def __init__(self, network: Network, path: Path | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.network = network
        self.path = path
        network.subscribe(self._forward)

    def _on_clean_changed(self, clean: bool) -> None:
        # A bound slot (not a lambda): Qt disconnects it when the document is deleted.
        self.dirty_changed.emit(not clean)

    def _forward(self, change: Change) -> None:
        self.changed.emit(change)

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def display_name(self) -> str:
        if self.network.name:
            return self.network.name
        return self.path.name if self.path else "Untitled"

    def replace(self, network: Network, path: Path | None) -> None:
        """Show a different network (New, Open); the undo history starts afresh."""
        self.network.unsubscribe(self._forward)
        self.undo_stack.clear()
        self.network = network
        network.subscribe(self._forward)
        self.set_path(path)
        self.replaced.emit()
        self.dirty_changed.emit(False)

    def set_path(self, path: Path | None) -> None:
        self.path = path
        self.path_changed.emit(path)

    def mark_saved(self) -> None:
        self.undo_stack.setClean()

    def execute(self, command: ModelCommand) -> str | None:
        """Apply and record ``command``; return why the model refused it, or None."""
        self.about_to_edit.emit("edit")
        try:
            command.apply()
        except BpguiError as exc:
            return str(exc)
        command._applied_by_execute = True
        self.undo_stack.push(command)
        return None

    def undo(self) -> None:
        """Undo the last change (what Edit ▸ Undo does; listeners finish theirs first)."""
        self.about_to_edit.emit("undo")
        self.undo_stack.undo()

    def redo(self) -> None:
        self.about_to_edit.emit("redo")
        self.undo_stack.redo()
