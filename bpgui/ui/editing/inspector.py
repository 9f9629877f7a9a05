"""The Inspector dock: a form for the one selected neuron or edge, or else for the network.

It owns its form widgets and what they show, nothing else. It reads the model, but
every edit becomes exactly one undoable command through :meth:`Document.execute`
(``SetNeuron``, ``SetEdge``, ``SetText``, ``SetLoss``); a value the dock cannot parse
or the model refuses is reported on :attr:`InspectorDock.status` and the field shows
the old value again. Fields are filled under :class:`QSignalBlocker`, so filling
never issues a command (the update-loop guard napari uses).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from PySide6.QtCore import QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from bpgui.network.changes import ChangeKind
from bpgui.network.model import ACTIVATIONS, LOSSES, ROLES, Edge, Neuron
from bpgui.network.operations import OPERATION_TABLE, OPERATIONS
from bpgui.network.parsing import parse_finite
from bpgui.ui.canvas.scene import NetworkScene
from bpgui.ui.document.commands import SetEdge, SetLoss, SetNeuron, SetOperation, SetText
from bpgui.ui.document.document import Document, Edit, ModelCommand

ENTER = " Press Enter to apply."
# Per form: (model field, row label, objectName, tooltip). The widget follows from the field.
FORMS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "network": (
        ("name", "&Name", "networkName", "The network's name, shown in the title bar." + ENTER),
        ("description", "&Description", "networkDescription", "Free text about the network, "
         "saved in the file. Applied when you leave the box (or press Ctrl+Enter)."),
        ("loss", "&Loss", "networkLoss", "The per-sample loss L(ŷ, y) that training "
         "minimises; the dataset loss is the mean over the samples."),
    ),
    "neuron": (
        ("id", "&Id", "neuronId", "The neuron's unique name in the file: a letter or _, then "
         "letters, digits or _. Edges that touch it follow a rename." + ENTER),
        ("label", "&Label", "neuronLabel", "Text drawn on the canvas (x₁, ŷ…). Leave empty to "
         "show the id." + ENTER),
        ("role", "&Role", "neuronRole", "Input neurons take a sample's inputs; output neurons "
         "are compared with its targets; hidden neurons sit in between. A neuron with "
         "incoming edges cannot be an input."),
        ("op", "&Operation", "neuronOp", "A neuron computes f(Σ w·a + b); an operation node "
         "computes its operation of its incoming edges' w·a, in edge order (+, ×, sin…), "
         "with no activation and no bias. Not for input neurons."),
        ("param", "&Constant", "neuronParam", "The operation's constant: const's value, "
         "pow's exponent." + ENTER),
        ("activation", "&Activation", "neuronActivation", "The function f in a = f(z) (not "
         "used by input neurons)."),
        ("bias", "&Bias", "neuronBias", "Added to the weighted sum before the activation."
         + ENTER),
        ("train_bias", "Train the bias", "neuronTrainBias", "When ticked, gradient descent "
         "updates this bias; untick to freeze it."),
    ),
    "edge": (
        ("id", "&Id", "edgeId", "The weight's unique name (w5), used by the CLI and the step "
         "text." + ENTER),
        ("label", "&Label", "edgeLabel", "Text drawn on the canvas (w₅). Leave empty to show "
         "the id." + ENTER),
        ("ends", "Connects", "edgeEnds", "The neuron this edge reads from → the neuron it "
         "feeds. To change them, delete the edge and connect again."),
        ("weight", "&Weight", "edgeWeight", "Multiplies the source neuron's activation in the "
         "target's weighted sum." + ENTER),
        ("trainable", "Train the weight", "edgeTrainable", "When ticked, gradient descent "
         "updates this weight; untick to freeze it."),
    ),
}
NEURON_OP = "(neuron)"    # the op combo's entry for an ordinary neuron (op None)
CHOICES = {"role": ROLES, "activation": ACTIVATIONS, "loss": LOSSES,
           "op": (NEURON_OP, *OPERATIONS)}
NUMBERS = {"bias", "weight", "param"}
CHECKS = {"train_bias", "trainable"}
UNUSED_BY_INPUTS = ("activation", "bias", "train_bias", "op")
NEURON_ONLY = ("activation", "bias", "train_bias")   # rows an operation node does not show
HINT = "Typed values apply on Enter or when you leave the field; Ctrl+Z undoes them."


@contextmanager
def blocked(*objects: QObject) -> Iterator[None]:
    """Block the signals of ``objects`` for the duration of the block."""
    with ExitStack() as stack:
        for obj in objects:
            stack.enter_context(QSignalBlocker(obj))
        yield


class DescriptionEdit(QPlainTextEdit):
    """A multi-line box that says when editing is done: on focus out or Ctrl+Enter."""

    editingFinished = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.editingFinished.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.editingFinished.emit()
            return
        super().keyPressEvent(event)


class InspectorDock(QDockWidget):
    """Shows and edits the selected neuron, the selected edge, or the network.

    ``fields`` maps each field's objectName (``"edgeWeight"``…) to its widget.
    """

    status = Signal(str)  # what an edit did, or why it was refused

    def __init__(self, document: Document, scene: NetworkScene,
                 parent: QWidget | None = None) -> None:
        super().__init__("Inspector", parent)
        self.setObjectName("inspectorDock")
        self.document = document
        self.scene = scene
        self.kind = "network"          # which form shows: "network", "neuron" or "edge"
        self.ident: str | None = None  # the shown neuron's or edge's id
        self.fields: dict[str, QWidget] = {}
        self.widgets: dict[str, dict[str, QWidget]] = {}  # form → model field → widget
        self.forms: dict[str, QFormLayout] = {}
        self.heading = QLabel()
        self.heading.setObjectName("inspectorHeading")
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-weight: bold")
        self.pages = QStackedWidget()
        for kind in FORMS:
            self.pages.addWidget(self._page(kind))
        # Only const and pow have a constant: hidden until one is shown, so the dock asks
        # for no more room than it did before operation nodes.
        self.forms["neuron"].setRowVisible(self.widgets["neuron"]["param"], False)
        hint = QLabel(HINT)
        hint.setWordWrap(True)
        hint.setEnabled(False)
        body = QWidget()
        layout = QVBoxLayout(body)
        for widget in (self.heading, self.pages, hint):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.setWidget(body)
        scene.selectionChanged.connect(self._on_selection)
        document.edited.connect(self._on_edited)
        document.replaced.connect(self._on_selection)
        self._on_selection()

    def _page(self, kind: str) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.forms[kind] = form
        self.widgets[kind] = {}
        for field, text, name, tip in FORMS[kind]:
            widget = self._widget(kind, field, text)
            widget.setObjectName(name)
            widget.setToolTip(tip)
            label = QLabel("" if field in CHECKS else text)
            label.setToolTip(tip)
            label.setBuddy(widget)
            form.addRow(label, widget)
            self.fields[name] = self.widgets[kind][field] = widget
        return page

    def _widget(self, kind: str, field: str, text: str) -> QWidget:
        """The editor for ``field``, wired to commit it when the user is done."""
        def commit(*_: object) -> None:
            self._commit_from(kind, field)

        if field in CHOICES:
            combo = QComboBox()
            combo.addItems(list(CHOICES[field]))
            combo.activated.connect(commit)
            return combo
        if field in CHECKS:
            check = QCheckBox(text)
            check.toggled.connect(commit)
            return check
        if field == "ends":
            ends = QLabel()
            ends.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            return ends
        edit = DescriptionEdit() if field == "description" else QLineEdit()
        if isinstance(edit, DescriptionEdit):
            edit.setTabChangesFocus(True)
        edit.editingFinished.connect(commit)
        return edit

    # ------------------------------------------------------------- showing
    def _shown(self) -> Neuron | Edge | None:
        net, ident = self.document.network, self.ident or ""
        if self.kind == "neuron" and net.has_neuron(ident):
            return net.neuron(ident)
        return net.edge(ident) if self.kind == "edge" and net.has_edge(ident) else None

    def _selected(self) -> tuple[list[str], list[str]]:
        # A scene being destroyed (at exit) still announces its emptied selection.
        return self.scene.selected_ids() if isValid(self.scene) else ([], [])

    def _on_selection(self) -> None:
        neurons, edges = self._selected()
        if len(neurons) == 1 and not edges:
            self.kind, self.ident = "neuron", neurons[0]
        elif len(edges) == 1 and not neurons:
            self.kind, self.ident = "edge", edges[0]
        else:
            self.kind, self.ident = "network", None
        self.refresh()

    def _on_edited(self, edit: Edit) -> None:
        """Refill the form once per command if it touched what the form shows (a
        rename is followed, so the renamed item stays shown)."""
        if self.kind == "network":
            if edit.has(ChangeKind.TEXT_CHANGED, ChangeKind.LOSS_CHANGED):
                self.refresh()
            return
        changed, removed = (ChangeKind.NEURON_CHANGED, ChangeKind.NEURON_REMOVED) \
            if self.kind == "neuron" else (ChangeKind.EDGE_CHANGED, ChangeKind.EDGE_REMOVED)
        touched = False
        for change in edit.changes:
            if change.kind is ChangeKind.PARAMETERS_CHANGED:
                weights, biases = change.new
                touched |= self.ident in (biases if self.kind == "neuron" else weights)
            elif change.kind in (changed, removed) and change.id == self.ident:
                touched = True
                if change.field == "id":
                    self.ident = change.new
        if touched:
            self.refresh()

    def refresh(self) -> None:
        """Fill the form from the model; fall back to the network if the item is gone."""
        item: Any = self._shown()
        if item is None:
            self.kind, self.ident, item = "network", None, self.document.network
            selected = sum(len(ids) for ids in self._selected())
            self.heading.setText("Network" + (f" ({selected} items selected)"
                                              if selected > 1 else ""))
        elif isinstance(item, Neuron):
            what = f"operation node ({item.op})" if item.op else "neuron"
            self.heading.setText(f"{item.role.capitalize()} {what} {item.display_label}")
        else:
            self.heading.setText(f"Edge {item.display_label}")
        with blocked(*self.fields.values()):  # filling must never issue a command
            for field, widget in self.widgets[self.kind].items():
                self._show(widget, field, item)
        if isinstance(item, Neuron):
            self._show_neuron_rows(item)
        current = list(FORMS).index(self.kind)
        for index in range(self.pages.count()):  # size the stack to the shown form only
            policy = QSizePolicy.Policy.Preferred if index == current \
                else QSizePolicy.Policy.Ignored
            page = self.pages.widget(index)
            if page is not None:
                page.setSizePolicy(policy, policy)
        self.pages.setCurrentIndex(current)

    def _show_neuron_rows(self, neuron: Neuron) -> None:
        """A neuron's rows, or an operation node's: its operation and (for const and pow)
        its constant, named for what it is, instead of activation and bias."""
        widgets, form = self.widgets["neuron"], self.forms["neuron"]
        for field in UNUSED_BY_INPUTS:
            widgets[field].setEnabled(not neuron.is_input)
        for field in NEURON_ONLY:
            form.setRowVisible(widgets[field], not neuron.is_operation)
        kind = OPERATION_TABLE[neuron.op].param if neuron.op in OPERATION_TABLE else ""
        form.setRowVisible(widgets["param"], bool(kind))
        label = form.labelForField(widgets["param"])
        if kind and isinstance(label, QLabel):
            label.setText(f"&{kind.capitalize()}")

    @staticmethod
    def _show(widget: QWidget, field: str, item: Any) -> None:
        value = f"{item.source} → {item.target}" if field == "ends" else getattr(item, field)
        if field == "op":
            value = value or NEURON_OP
        if field == "param" and value is None:
            value = ""
        if isinstance(widget, QComboBox):
            widget.setCurrentText(value)
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))     # train_bias, trainable: the model's bools
        elif isinstance(widget, DescriptionEdit):
            if widget.toPlainText() != (value or ""):  # keep the cursor if nothing changed
                widget.setPlainText(value or "")
        elif isinstance(widget, QLabel):
            widget.setText(value)
        elif isinstance(widget, QLineEdit):
            widget.setText(repr(float(value)) if field in NUMBERS and value != ""
                           else value or "")
            if field == "label":
                widget.setPlaceholderText(item.id)

    # ----------------------------------------------------------- committing
    def _commit_from(self, kind: str, field: str) -> None:
        """Read ``field``'s widget and apply its value as one command (or refuse)."""
        if kind not in ("network", self.kind):
            return  # a hidden form's field lost focus after the selection moved on
        widget = self.widgets[kind][field]
        if isinstance(widget, QComboBox):
            value: Any = widget.currentText()
            if field == "op" and value == NEURON_OP:
                value = None
        elif isinstance(widget, QCheckBox):
            value = widget.isChecked()
        elif isinstance(widget, DescriptionEdit):
            value = widget.toPlainText() or None
        else:
            assert isinstance(widget, QLineEdit)
            value = widget.text().strip()
            if field in NUMBERS:
                try:
                    value = parse_finite(value)
                except ValueError as exc:
                    self._refuse(f"{field} of {self.ident} must be a finite number; {exc}")
                    return
            elif field in ("label", "name"):
                value = value or None  # an empty label shows the id
        if kind == "network":
            self._commit_network(field, value)
        else:
            self._commit(field, value)

    def _commit(self, field: str, value: Any) -> None:
        """Set ``field`` of the shown neuron or edge to ``value`` as one command."""
        item = self._shown()
        if item is None or getattr(item, field) == value:
            self.refresh()  # unchanged: no command, but tidy the text (e.g. "2" → "2.0")
            return
        if field == "op":
            what = f"an operation node ({value})" if value else "a neuron"
            self._execute(SetOperation(self.document, item.id, value),
                          f"{item.id} is now {what}.")
            return
        maker = SetNeuron if isinstance(item, Neuron) else SetEdge
        shown = "(the id)" if value is None else repr(value)
        self._execute(maker(self.document, item.id, **{field: value}),
                      f"{item.id}: {field} = {shown}.")

    def _commit_network(self, field: str, value: Any) -> None:
        net = self.document.network
        if getattr(net, field) == value:
            self.refresh()
        elif field == "loss":
            self._execute(SetLoss(self.document, value), f"Loss set to {value}.")
        else:
            text = {"name": net.name, "description": net.description, field: value}
            self._execute(SetText(self.document, text["name"], text["description"]),
                          f"Network {field} changed.")

    def _execute(self, command: ModelCommand, done: str) -> None:
        error = self.document.execute(command)
        if error is None:
            self.status.emit(done)
        else:
            self._refuse(error)

    def _refuse(self, reason: str) -> None:
        self.status.emit(f"Refused: {reason}. The old value is back.")
        self.refresh()
