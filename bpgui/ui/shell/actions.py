"""Every menu and toolbar command as a QAction with an objectName, a shortcut and a tooltip.

Tests find actions by objectName (``window.findChild(QAction, "actionSave")``).
The table is also what Help ▸ Keyboard shortcuts lists, so the two never
disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from bpgui.ui.document.document import Document

Key = QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    name: str                     # objectName is "action" + name
    text: str
    tip: str
    shortcut: str | Key | None = None
    checkable: bool = False


SPECS: dict[str, ActionSpec] = {s.name: s for s in (
    ActionSpec("New", "&New", "Start an empty network", Key.New),
    ActionSpec("NewLayered", "New &layered network…", "Build a fully connected network from "
               "sizes such as 2-3-1", "Ctrl+Shift+N"),
    ActionSpec("Open", "&Open…", "Open a network file (*.bpnet.json)", Key.Open),
    ActionSpec("Save", "&Save", "Save the network to its file", Key.Save),
    ActionSpec("SaveAs", "Save &As…", "Save the network to a new file", Key.SaveAs),
    ActionSpec("ExportImage", "&Export image…", "Save the canvas as a PNG picture or an SVG "
               "drawing, at a chosen scale", "Ctrl+E"),
    ActionSpec("ExportWorksheet", "Export &worked solution…", "Save every step of this "
               "pass, with the paths to the selected item, as a printable HTML page (or .md)"),
    ActionSpec("ExportQuestions", "Export worksheet with &questions…", "The worked solution "
               "with every result left blank, for students to fill in"),
    ActionSpec("Quit", "&Quit", "Close bpgui (asks before losing unsaved changes)", "Ctrl+Q"),
    ActionSpec("Delete", "&Delete", "Delete the selected neurons and edges", Key.Delete),
    ActionSpec("SelectAll", "Select &all", "Select every neuron and edge", Key.SelectAll),
    ActionSpec("AutoLayout", "Auto &layout", "Arrange neurons in columns by topological level",
               "Ctrl+L"),
    ActionSpec("ZoomIn", "Zoom &in", "Magnify the canvas", Key.ZoomIn),
    ActionSpec("ZoomOut", "Zoom &out", "Shrink the canvas", Key.ZoomOut),
    ActionSpec("Fit", "&Fit to window", "Show the whole network", "Ctrl+0"),
    ActionSpec("Presentation", "&Presentation mode", "Full screen for a projector: large, "
               "high-contrast, the current step as a caption; Esc leaves", "F5",
               checkable=True),
    ActionSpec("LeavePresentation", "Leave presentation mode", "Back to the window as it "
               "was", "Esc"),
    ActionSpec("BlankScreen", "&Blank the screen", "Presentation mode: black screen, and "
               "back (a presenter clicker's 'blank' key)", "B"),
    ActionSpec("WeightLabels", "Show &weight labels", "Show or hide the weight on each edge",
               "Ctrl+W", checkable=True),
    ActionSpec("SnapToGrid", "&Snap to grid", "Round neuron positions to a 20-unit grid",
               "Ctrl+G", checkable=True),
    ActionSpec("ThemeLight", "&Light", "Dark text on a light background", checkable=True),
    ActionSpec("ThemeDark", "&Dark", "Light text on a dark background", checkable=True),
    ActionSpec("ToolSelect", "Select", "Select and move (Shift+drag from a neuron connects)",
               "S", checkable=True),
    ActionSpec("ToolAddNeuron", "Add neuron", "Click empty space to add a neuron of the role "
               "chosen beside this tool (double-click works in any tool)", "A", checkable=True),
    ActionSpec("ToolConnect", "Connect", "Drag from one neuron to another to connect them",
               "C", checkable=True),
    ActionSpec("Shortcuts", "&Keyboard shortcuts", "List every keyboard shortcut",
               Key.HelpContents),
    ActionSpec("About", "&About bpgui", "Version and purpose of bpgui"),
)}


def make_action(parent: QWidget, name: str, slot: Callable[..., object] | None = None) -> QAction:
    """The QAction for ``SPECS[name]``, connected to ``slot`` and added to ``parent``."""
    spec = SPECS[name]
    action = QAction(spec.text, parent)
    action.setObjectName(f"action{spec.name}")
    action.setCheckable(spec.checkable)
    if spec.shortcut is not None:
        action.setShortcut(QKeySequence(spec.shortcut))
    shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{spec.tip} ({shortcut})" if shortcut else spec.tip)
    action.setStatusTip(spec.tip)
    if slot is not None:
        action.triggered.connect(slot)
    parent.addAction(action)
    return action


def shortcut_rows(actions: list[QAction]) -> list[tuple[str, str]]:
    """(what, keys) for every action that has a shortcut, in menu order."""
    rows = []
    for action in actions:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if keys:
            rows.append((action.text().replace("&", "").rstrip("…"), keys))
    return rows


class _StackAction(QAction):
    """Undo or Redo, titled after the change it would undo or redo (a method, not a
    closure, so Qt disconnects it when the window goes before the document)."""

    def __init__(self, verb: str, parent: QWidget) -> None:
        super().__init__(verb, parent)
        self.verb = verb

    def retitle(self, what: str) -> None:
        self.setText(f"{self.verb} {what}" if what else self.verb)


def undo_actions(parent: QWidget, document: Document) -> tuple[QAction, QAction]:
    """Edit ▸ Undo and Redo. Made here rather than by QUndoStack so they go through
    :meth:`Document.undo`, which lets a running training finish its entry first."""
    stack = document.undo_stack
    made = []
    for name, verb, keys, tip, run, can, text_changed, can_changed, text in (
            ("Undo", "&Undo", ["Ctrl+Z"], "Undo the last change", document.undo,
             stack.canUndo, stack.undoTextChanged, stack.canUndoChanged, stack.undoText),
            ("Redo", "&Redo", ["Ctrl+Shift+Z", "Ctrl+Y"], "Redo the change just undone",
             document.redo, stack.canRedo, stack.redoTextChanged, stack.canRedoChanged,
             stack.redoText)):
        action = _StackAction(verb, parent)
        action.setObjectName(f"action{name}")
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setToolTip(f"{tip} ({keys[0]})")
        action.setStatusTip(tip)
        action.setEnabled(can())
        action.triggered.connect(run)
        can_changed.connect(action.setEnabled)
        text_changed.connect(action.retitle)
        action.retitle(text())
        made.append(action)
    return made[0], made[1]
