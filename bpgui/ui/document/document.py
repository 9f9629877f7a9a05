"""The open document: one network, its file, and the undo stack that is its only writer.

Views listen to :attr:`Document.edited`, once per undoable command after it is
executed, undone or redone, with an :class:`Edit` holding every model
:class:`~bpgui.network.changes.Change` the command made; and to
:attr:`Document.replaced` (a whole new network: New, Open). A view that updates
single items as they change (the canvas adds, removes and moves one item at a
time) also listens to :attr:`Document.changed`, every Change as it happens.
Views change the model only through :meth:`Document.execute`, which applies an
undoable command or, if the model refuses it, returns the reason and changes
nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from bpgui.network.changes import Change, ChangeKind
from bpgui.network.errors import BpguiError
from bpgui.network.model import Network


@dataclass(frozen=True)
class Edit:
    """What one undoable command did to the model, as :attr:`Document.edited` says it.

    ``action`` is "edit" (executed), "undo" or "redo"; ``text`` the command's undo
    text; ``changes`` every model Change it made, in order (none if it changed
    nothing).
    """

    action: str
    text: str
    changes: tuple[Change, ...]

    def has(self, *kinds: ChangeKind) -> bool:
        """True if any change is of one of ``kinds``."""
        return any(c.kind in kinds for c in self.changes)

    @property
    def looks_only(self) -> bool:
        """True if no change can change a value computed from the network (positions,
        labels, the name and description; also an edit that changed nothing)."""
        return all(c.looks_only for c in self.changes)


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
        self.document._record("redo", self.text(), self.apply)

    def undo(self) -> None:
        self.document._record("undo", self.text(), self.revert)


class Compound(ModelCommand):
    """Commands applied one at a time, as something goes on (a training run, and the
    learning rate changed during it), that are undone and redone as one entry.

    :meth:`Document.apply_part` applies a part at once; :meth:`Document.execute`
    then applies the parts not applied yet and records the whole.
    """

    def __init__(self, document: Document, text: str = "") -> None:
        super().__init__(document, text)
        self.parts: list[ModelCommand] = []
        self._applied = 0               # parts[:_applied] are in the model

    def add(self, part: ModelCommand, applied: bool = False) -> None:
        """Add ``part``: one already applied (only right after those before it), or one
        for :meth:`apply` to apply."""
        if applied and self._applied != len(self.parts):
            raise ValueError("an applied part cannot follow parts not applied yet")
        self.parts.append(part)
        self._applied += applied

    def apply(self) -> None:
        for part in self.parts[self._applied:]:
            part.apply()
            self._applied += 1

    def revert(self) -> None:
        for part in reversed(self.parts[:self._applied]):
            part.revert()
            self._applied -= 1


class Document(QObject):
    """Owns the network, its path and the undo stack; says when any of them change."""

    about_to_edit = Signal(str)     # "edit", "undo" or "redo" is about to run
    changed = Signal(object)        # a bpgui.network.changes.Change, as it happens
    edited = Signal(object)         # an Edit: one command executed, undone or redone
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
        self._recording: list[Change] | None = None    # while a command runs
        network.subscribe(self._forward)

    def _on_clean_changed(self, clean: bool) -> None:
        # A bound slot (not a lambda): Qt disconnects it when the document is deleted.
        self.dirty_changed.emit(not clean)

    def _forward(self, change: Change) -> None:
        if self._recording is not None:
            self._recording.append(change)
        self.changed.emit(change)

    def _record(self, action: str, text: str, run: Callable[[], None]) -> None:
        """Run one command's ``apply`` or ``revert``, then say :attr:`edited` once with
        every change it made. A command run inside another (a part of a
        :class:`Compound`) adds its changes to the outer one's. If ``run`` raises, the
        changes made before are still said, so views follow the model."""
        if self._recording is not None:
            run()
            return
        self._recording = []
        try:
            run()
        except BaseException:
            changes, self._recording = tuple(self._recording), None
            if changes:
                self.edited.emit(Edit(action, text, changes))
            raise
        changes, self._recording = tuple(self._recording), None
        self.edited.emit(Edit(action, text, changes))

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
            self._record("edit", command.text(), command.apply)
        except BpguiError as exc:
            return str(exc)
        command._applied_by_execute = True
        self.undo_stack.push(command)
        return None

    def apply_part(self, whole: Compound, part: ModelCommand) -> str | None:
        """Apply ``part`` now as a piece of ``whole``, which :meth:`execute` records
        later as one undo entry; return why the model refused it, or None. Views hear
        :attr:`edited` now; the undo stack changes only when ``whole`` is executed."""
        try:
            self._record("edit", part.text(), part.apply)
        except BpguiError as exc:
            return str(exc)
        whole.add(part, applied=True)
        return None

    def undo(self) -> None:
        """Undo the last change (what Edit ▸ Undo does; listeners finish theirs first)."""
        self.about_to_edit.emit("undo")
        self.undo_stack.undo()

    def redo(self) -> None:
        self.about_to_edit.emit("redo")
        self.undo_stack.redo()
