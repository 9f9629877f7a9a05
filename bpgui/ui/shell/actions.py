"""The shell's rows of the action table (File, Edit, View, Help, the canvas tools), and the
whole table: these rows with the rows each room declares (Run, Train).

Tests find actions by objectName (``window.findChild(QAction, "actionSave")``).
The menus and Help ▸ Keyboard shortcuts are both made from :func:`action_table`,
so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from bpgui.ui.base.actions import ActionSpec, Key, setup_action
from bpgui.ui.document.document import Document

F, E, V, T, H = "&File", "&Edit", "&View", "&View/&Theme", "&Help"

SHELL_ROWS: tuple[ActionSpec, ...] = (
    ActionSpec("New", "&New", "Start an empty network", (Key.New,), F),
    ActionSpec("NewLayered", "New &layered network…", "Build a fully connected network from "
               "sizes such as 2-3-1", ("Ctrl+Shift+N",), F),
    ActionSpec("NewExpression", "New from e&xpression…", "Build the computational graph of "
               "an expression such as sin(2*x + y), one operation node per operation", (), F),
    ActionSpec("Open", "&Open…", "Open a network file (*.bpnet.json)", (Key.Open,), F),
    ActionSpec("Save", "&Save", "Save the network to its file", (Key.Save,), F, 1),
    ActionSpec("SaveAs", "Save &As…", "Save the network to a new file", (Key.SaveAs,), F, 1),
    ActionSpec("ExportImage", "&Export image…", "Save the canvas as a PNG picture or an SVG "
               "drawing, at a chosen scale", ("Ctrl+E",), F, 2),
    ActionSpec("ExportWorksheet", "Export &worked solution…", "Save every step of this "
               "pass, with the paths to the selected item, as a printable HTML page (or .md)",
               (), F, 2),
    ActionSpec("ExportQuestions", "Export worksheet with &questions…", "The worked solution "
               "with every result left blank, for students to fill in", (), F, 2),
    ActionSpec("Quit", "&Quit", "Close bpgui (asks before losing unsaved changes)",
               ("Ctrl+Q",), F, 3),
    ActionSpec("Undo", "&Undo", "Undo the last change", ("Ctrl+Z",), E),
    ActionSpec("Redo", "&Redo", "Redo the change just undone", ("Ctrl+Shift+Z", "Ctrl+Y"), E),
    ActionSpec("Delete", "&Delete", "Delete the selected neurons and edges", (Key.Delete,), E, 1),
    ActionSpec("SelectAll", "Select &all", "Select every neuron and edge", (Key.SelectAll,),
               E, 1),
    ActionSpec("AutoLayout", "Auto &layout", "Arrange neurons in columns by topological level",
               ("Ctrl+L",), E, 1),
    ActionSpec("Presentation", "&Presentation mode", "Full screen for a projector: large, "
               "high-contrast, the current step as a caption; Esc leaves", ("F5",), V,
               checkable=True),
    ActionSpec("BlankScreen", "&Blank the screen", "Presentation mode: black screen, and "
               "back (a presenter clicker's 'blank' key)", ("B",), V),
    ActionSpec("LeavePresentation", "Leave presentation mode", "Back to the window as it "
               "was", ("Esc",)),
    ActionSpec("ZoomIn", "Zoom &in", "Magnify the canvas", (Key.ZoomIn,), V, 1),
    ActionSpec("ZoomOut", "Zoom &out", "Shrink the canvas", (Key.ZoomOut,), V, 1),
    ActionSpec("Fit", "&Fit to window", "Show the whole network", ("Ctrl+0",), V, 1),
    ActionSpec("ExpandNeuron", "E&xpand neuron", "Show the selected neuron as its gates "
               "(× per weight, Σ, + b, the activation) in a window of its own, with the "
               "numbers of this pass", (), V, 1),
    ActionSpec("WeightLabels", "Show &weight labels", "Show or hide the weight on each edge",
               ("Ctrl+W",), V, 2, checkable=True),
    ActionSpec("ColourByDelta", "Colour neurons by |&δ|", "Fill each neuron by the size of "
               "its δ in this pass, on a log scale (pale: small): where gradients vanish",
               (), V, 2, checkable=True),
    ActionSpec("SnapToGrid", "&Snap to grid", "Round neuron positions to a 20-unit grid",
               ("Ctrl+G",), V, 2, checkable=True),
    ActionSpec("ThemeLight", "&Light", "Dark text on a light background", (), T, 2,
               checkable=True),
    ActionSpec("ThemeDark", "&Dark", "Light text on a dark background", (), T, 2,
               checkable=True),
    ActionSpec("ToolSelect", "Select", "Select and move (Shift+drag from a neuron connects)",
               ("S",), checkable=True),
    ActionSpec("ToolAddNeuron", "Add neuron", "Click empty space to add a neuron of the role "
               "chosen beside this tool (double-click works in any tool)", ("A",),
               checkable=True),
    ActionSpec("ToolConnect", "Connect", "Drag from one neuron to another to connect them",
               ("C",), checkable=True),
)

HELP_ROWS: tuple[ActionSpec, ...] = (
    ActionSpec("Shortcuts", "&Keyboard shortcuts", "List every keyboard shortcut",
               (Key.HelpContents,), H),
    ActionSpec("About", "&About bpgui", "Version and purpose of bpgui", (), H),
)

# Things done with the mouse, listed after the keys in Help ▸ Keyboard shortcuts.
GESTURES: tuple[tuple[str, str], ...] = (
    ("Connect two neurons", "Shift+drag"),
    ("Nudge a weight", "Ctrl+wheel over an edge"),
    ("Pan", "Middle-drag or Space+drag"),
)

UNDO_ROWS = ("Undo", "Redo")   # made by undo_actions, not build_actions


def action_table(*room_rows: Sequence[ActionSpec]) -> tuple[ActionSpec, ...]:
    """Every action of the window, in menu-bar order: File, Edit, View, the rooms' menus
    (Run, Train), Help."""
    return SHELL_ROWS + tuple(row for rows in room_rows for row in rows) + HELP_ROWS


class _StackAction(QAction):
    """Undo or Redo, titled after the change it would undo or redo (a method, not a
    closure, so Qt disconnects it when the window goes before the document)."""

    def __init__(self, verb: str, parent: QWidget) -> None:
        super().__init__(verb, parent)
        self.verb = verb

    def retitle(self, what: str) -> None:
        self.setText(f"{self.verb} {what}" if what else self.verb)


def undo_actions(parent: QWidget, document: Document) -> tuple[QAction, QAction]:
    """Edit ▸ Undo and Redo, from their table rows. Made here rather than by QUndoStack
    so they go through :meth:`Document.undo`, which lets a running training finish its
    entry first."""
    stack = document.undo_stack
    rows = {spec.name: spec for spec in SHELL_ROWS if spec.name in UNDO_ROWS}
    made = []
    for name, run, can, text_changed, can_changed, text in (
            ("Undo", document.undo, stack.canUndo, stack.undoTextChanged,
             stack.canUndoChanged, stack.undoText),
            ("Redo", document.redo, stack.canRedo, stack.redoTextChanged,
             stack.canRedoChanged, stack.redoText)):
        action = _StackAction(rows[name].text, parent)
        setup_action(action, rows[name])
        action.setEnabled(can())
        action.triggered.connect(run)
        can_changed.connect(action.setEnabled)
        text_changed.connect(action.retitle)
        action.retitle(text())
        parent.addAction(action)
        made.append(action)
    return made[0], made[1]
