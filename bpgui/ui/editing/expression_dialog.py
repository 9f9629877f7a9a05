"""File ▸ New from expression: type ``sin(2*x + y)`` and the variables' values, get the
computational graph as a network of operation nodes.

The graph is built and its pass checked by
:func:`bpgui.engine.expressions.computable_expression`, as ``bpgui expr`` does (so the
dialog, the CLI and the tests agree on ids, layout and refusals); a refusal is shown as
its one line under the form and the dialog stays open, so the user's document is
untouched until a network is built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from bpgui.engine.expressions import computable_expression
from bpgui.network.errors import BpguiError
from bpgui.network.model import Network
from bpgui.network.parsing import parse_finite
from bpgui.ui.base.widgets import named
from bpgui.ui.editing.network_dialog import NetworkDialog

Builder = Callable[[str, Mapping[str, float]], Network]


def expression_builder() -> Builder:
    """The builder OK uses (a function, so tests can put another in its place)."""
    return computable_expression


def parse_values(text: str) -> dict[str, float]:
    """``x=0.5, y=0.3`` as {"x": 0.5, "y": 0.3}; BpguiError naming the first bad entry."""
    values: dict[str, float] = {}
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        name, equals, number = (s.strip() for s in entry.partition("="))
        if not equals or not name:
            raise BpguiError(f"{entry!r} is not NAME=VALUE (e.g. x=0.5)")
        if name in values:
            raise BpguiError(f"{name} is given twice")
        try:
            values[name] = parse_finite(number)
        except ValueError as exc:
            raise BpguiError(f"the value of {name}: {exc}") from None
    return values


class ExpressionDialog(NetworkDialog):
    """Ask for an expression and its variables' values; :meth:`network` after OK."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("expressionDialog")
        self.setWindowTitle("New from expression")
        self.expression_edit = named(
            QLineEdit(placeholderText="e.g. sin(2*x + y)"), "expressionEdit",
            "The expression: numbers, variables, + − * / ^, and functions such as sin, "
            "exp, log, max. Each operation becomes a node of the graph.")
        self.values_edit = named(
            QLineEdit(placeholderText="e.g. x=0.5, y=0.3"), "valuesEdit",
            "Each variable's value for the pass, NAME=VALUE, comma separated: the "
            "network's one sample.")
        self.error_label = QLabel(wordWrap=True)
        self.error_label.setObjectName("errorLabel")
        self.error_label.setStyleSheet("color: #c0392b;")
        self.error_label.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Expression", self.expression_edit)
        form.addRow("&Values", self.values_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.expression_edit.textChanged.connect(lambda _: self._show_problem(None))
        self.values_edit.textChanged.connect(lambda _: self._show_problem(None))
        self.resize(520, self.sizeHint().height())

    def accept(self) -> None:
        """Build the graph; on a refusal say why in one line and stay open."""
        text = self.expression_edit.text().strip()
        if not text:
            self._show_problem("type an expression, e.g. sin(2*x + y)")
            return
        try:
            values = parse_values(self.values_edit.text())
            builder = expression_builder()
        except BpguiError as exc:
            self._show_problem(str(exc))
            return
        except ImportError:
            self._show_problem("this build of bpgui cannot build a graph from an expression")
            return
        try:
            self._network = builder(text, values)
        except BpguiError as exc:
            self._show_problem(str(exc))
            return
        super().accept()

    def problem(self) -> str:
        """The refusal shown now, or ""."""
        return self.error_label.text().removeprefix("⚠ ") if self.error_label.isVisibleTo(
            self) else ""

    def _show_problem(self, problem: str | None) -> None:
        self.error_label.setText(f"⚠ {problem}" if problem else "")
        self.error_label.setVisible(bool(problem))
