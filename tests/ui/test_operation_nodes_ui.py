"""Operation nodes in the window (issue 14): the gate on the canvas, the local derivatives
and fork marks of the backward pass, adding them from the toolbar, the Inspector, and
File ▸ New from expression."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsScene, QStyleOptionGraphicsItem

from bpgui.engine import stepthrough
from bpgui.engine.records import Equation, Quantity, StepRecord
from bpgui.network.errors import BpguiError
from bpgui.network.model import Edge, Network, Neuron, Sample
from bpgui.ui.canvas.neuron_item import NeuronItem, gate_font
from bpgui.ui.canvas.scene import Tool
from bpgui.ui.document.document import Document
from bpgui.ui.editing import expression_dialog
from bpgui.ui.editing.expression_dialog import ExpressionDialog, parse_values
from bpgui.ui.shell.main_window import MainWindow
from tests.ui.qt_helpers import choose, enter_text


def seed_graph() -> Network:
    """Seed 000's graph: a = add(2·x, 1·y), z = sin(1·a), and m = mul(z, a), so a forks."""
    neurons = [Neuron("x", "input", x=0, y=0), Neuron("y", "input", x=0, y=200),
               Neuron("a", "hidden", x=200, y=100, op="add"),
               Neuron("z", "hidden", x=400, y=0, op="sin"),
               Neuron("m", "output", x=600, y=100, op="mul")]
    edges = [Edge("a_x", "x", "a", 2.0), Edge("a_y", "y", "a", 1.0),
             Edge("z_a", "a", "z", 1.0), Edge("m_z", "z", "m", 1.0),
             Edge("m_a", "a", "m", 1.0)]
    return Network(neurons, edges, loss="output", samples=[Sample([0.5, 0.3], [0.0])],
                   name="seed graph")


def render(item: NeuronItem) -> QImage:
    """The item painted alone on white (exceptions in paint fail the test)."""
    image = QImage(240, 240, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.translate(120, 130)
    item.paint(painter, QStyleOptionGraphicsItem(), None)
    painter.end()
    return image


def dark_pixels(image: QImage, rect: QRectF) -> int:
    return sum(QColor(image.pixel(x, y)).lightness() < 100
               for x in range(int(rect.left()), int(rect.right()))
               for y in range(int(rect.top()), int(rect.bottom())))


# ------------------------------------------------------------------ the gate
def test_the_gate_paints_its_operator_and_no_bias_line(qtbot) -> None:
    scene = QGraphicsScene()
    gate = NeuronItem(Neuron("a", "hidden", op="add", bias=0.0))
    scene.addItem(gate)
    assert gate.symbol == "+" and gate.op == "add"
    assert NeuronItem(Neuron("s", "hidden", op="sin")).symbol == "sin"
    assert NeuronItem(Neuron("h", "hidden")).symbol == ""
    face = QRectF(120 - 20, 130 - 20, 40, 40)          # the middle of the gate's face
    with_symbol = dark_pixels(render(gate), face)
    gate.symbol = ""
    assert with_symbol > dark_pixels(render(gate), face) + 20   # the "+" is drawn there
    # No bias line: the only text under a gate is its label (one line, not two).
    assert "b = " not in gate.toolTip() and "add" in gate.toolTip()
    assert gate.obstacles(room=True)[-1].height() == 21


def test_a_long_operator_is_shrunk_to_fit_the_face() -> None:
    from PySide6.QtGui import QFontMetricsF

    assert gate_font("+", 34).pixelSize() == 34                 # as large as it goes
    relu = gate_font("ReLU", 34)
    assert relu.pixelSize() < 34
    assert QFontMetricsF(relu).horizontalAdvance("ReLU") <= 1.4 * 34


def test_during_a_pass_the_gate_shows_its_value_and_its_gradient(qtbot) -> None:
    gate = NeuronItem(Neuron("a", "hidden", op="add"))
    gate.set_step({"a": 1.3, "delta": 0.2675}, "target", True, 4)
    assert gate.badge_text() == "∂L/∂a 0.2675"
    gate.set_forks(2)
    assert gate.badge_text() == "∂L/∂a 0.2675  (Σ of 2)"
    assert "sum of 2 terms" in gate.toolTip()
    render(gate)                                             # paints without an exception


# ------------------------------------------------------- the backward pass
def recorded(network: Network, sample: int = 0, granularity: str = "node",
             **_: object) -> Iterator[StepRecord]:
    """Two steps as the step path records them for seed 000's z = sin(a): the forward
    value of a, then z's backward step, with ∂L/∂a = cos(1.3)·1 and the local derivative
    cos(1.3) of the edge a → z (cos 1.3 = 0.26750, by hand)."""
    forward = StepRecord(1, "forward", granularity, "a", ("x", "y"), ("a",), (),
                         (Equation("a", None, 1.3),), ((Quantity("a", "a"), 1.3),))
    backward = StepRecord(2, "backward", granularity, "a", ("z",), ("a", "z_a"), ("z",),
                          (Equation("∂L/∂a", None, 0.26750),),
                          ((Quantity("local", "z_a"), 0.26750),
                           (Quantity("delta", "a"), 0.26750)))
    return iter([forward, backward])


def test_backward_steps_write_local_derivatives_on_edges_and_mark_forks(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stepthrough, "iter_steps", recorded)
    window.document.replace(seed_graph(), None)
    session, scene = window.stepping.session, window.scene
    assert session.available, session.reason
    assert {n: i.fanout for n, i in scene.neuron_items.items()} == {
        "x": 1, "y": 1, "a": 2, "z": 1, "m": 0}
    wide = scene.neuron_items["a"].obstacles(room=True)[1].width()
    assert wide > scene.neuron_items["z"].obstacles(room=True)[1].width()  # room for "Σ of 2"
    session.step()                                                # forward: no marks
    assert scene.neuron_items["a"].forks == 0
    assert scene.edge_items["z_a"].second_line() == ""
    session.step()                                                # backward
    assert scene.edge_items["z_a"].second_line() == "local ∂ = 0.2675"
    a = scene.neuron_items["a"]
    assert a.forks == 2 and a.badge_text() == "∂L/∂a 0.2675  (Σ of 2)"
    assert scene.neuron_items["z"].forks == 0                    # z feeds only m
    session.back()
    assert a.forks == 0 and scene.edge_items["z_a"].second_line() == ""


def test_a_layered_network_of_neurons_is_not_marked(window: MainWindow) -> None:
    session = window.stepping.session
    session.jump(len(session.records))
    assert all(item.forks == item.fanout == 0 for item in window.scene.neuron_items.values())


def test_a_refused_pass_is_shown_not_raised(window: MainWindow,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(network: Network, sample: int = 0, granularity: str = "node",
               **_: object) -> Iterator[StepRecord]:
        raise BpguiError("'m' is mul, which takes at least 2 operands, not 1")

    monkeypatch.setattr(stepthrough, "iter_steps", refuse)
    window.document.replace(seed_graph(), None)
    assert not window.stepping.session.available
    assert "takes at least 2 operands" in window.stepping.session.progress_text()


# ------------------------------------------------------------ adding them
def test_the_toolbar_adds_an_operation_node_as_one_undo_entry(qtbot, window) -> None:
    net, combo = window.document.network, window.role_combo
    combo.setCurrentIndex(combo.findData("mul"))
    assert window.scene.new_role == "mul"
    window.actions_by_name["ToolAddNeuron"].trigger()
    assert window.scene.tool is Tool.ADD_NEURON
    before = len(net.neurons)
    point = window.view.mapFromScene(QPointF(330, 330))
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    added = net.neurons[-1]
    assert (added.id, added.role, added.op, added.param) == ("mul1", "hidden", "mul", None)
    assert not added.has_bias and window.scene.neuron_items["mul1"].symbol == "×"
    window.document.undo()
    assert len(net.neurons) == before and "mul1" not in window.scene.neuron_items
    combo.setCurrentIndex(combo.findData("pow"))
    window.scene.add_neuron_at(QPointF(500, 500))
    assert (net.neurons[-1].op, net.neurons[-1].param) == ("pow", 2.0)
    combo.setCurrentText("output")
    assert window.scene.new_role == "output"


# ---------------------------------------------------------------- Inspector
@pytest.fixture
def graph_window(window: MainWindow) -> MainWindow:
    window.document.replace(seed_graph(), None)
    return window


def test_the_inspector_edits_the_operation_and_its_constant(qtbot, graph_window) -> None:
    window, doc = graph_window, graph_window.document
    dock, net = window.inspector, doc.network
    window.scene.select_id("z")
    op = dock.fields["neuronOp"]
    assert op.currentText() == "sin" and "operation node (sin)" in dock.heading.text()
    form = dock.forms["neuron"]
    assert not form.isRowVisible(dock.fields["neuronActivation"])
    assert not form.isRowVisible(dock.fields["neuronBias"])
    assert not form.isRowVisible(dock.fields["neuronParam"])      # sin has no constant
    op.setCurrentText("pow")
    op.activated.emit(op.currentIndex())
    assert (net.neuron("z").op, net.neuron("z").param) == ("pow", 2.0)
    assert form.isRowVisible(dock.fields["neuronParam"])
    assert form.labelForField(dock.fields["neuronParam"]).text() == "&Exponent"
    assert window.scene.neuron_items["z"].symbol == "xᵖ"
    enter_text(qtbot, dock.fields["neuronParam"], "3")
    assert net.neuron("z").param == 3.0
    enter_text(qtbot, dock.fields["neuronParam"], "big")
    assert net.neuron("z").param == 3.0                               # refused, unchanged
    doc.undo()
    assert net.neuron("z").param == 2.0
    doc.undo()
    assert (net.neuron("z").op, net.neuron("z").param) == ("sin", None)
    assert dock.fields["neuronOp"].currentText() == "sin"


def test_a_neuron_becomes_an_operation_node_and_back(qtbot, window) -> None:
    doc, dock = window.document, window.inspector
    net = doc.network
    window.scene.select_id("y")                       # seed 000's output: 2 incoming edges
    bias = net.neuron("y").bias
    assert bias != 0.0
    op = dock.fields["neuronOp"]
    assert op.currentText() == "(neuron)"
    choose(qtbot, op, "add")
    assert (net.neuron("y").op, net.neuron("y").bias) == ("add", 0.0)
    assert "y" not in net.parameters()[1]
    choose(qtbot, op, "(neuron)")
    assert net.neuron("y").op is None
    doc.undo()
    doc.undo()
    assert (net.neuron("y").op, net.neuron("y").bias) == (None, bias)
    count = doc.undo_stack.count()
    op.setCurrentText("neg")                           # takes 1 operand; y has 2 edges
    op.activated.emit(op.currentIndex())
    assert net.neuron("y").op is None and doc.undo_stack.count() == count
    assert op.currentText() == "(neuron)"              # the old value is back
    assert window.statusBar().currentMessage().startswith("Refused: ")
    assert "takes exactly 1 operand" in window.statusBar().currentMessage()


def test_an_input_cannot_be_an_operation_node(window) -> None:
    window.scene.select_id("x1")
    assert not window.inspector.fields["neuronOp"].isEnabled()


# ------------------------------------------------------ New from expression
def fake_builder(calls: list[tuple[str, Mapping[str, float]]]):
    def build(text: str, at: Mapping[str, float]) -> Network:
        calls.append((text, dict(at)))
        if "foo" in text:
            raise BpguiError("unknown function 'foo' at column 1")
        return seed_graph()
    return lambda: build


def test_values_are_name_equals_value_pairs() -> None:
    assert parse_values(" x=0.5, y = −0.3 ,") == {"x": 0.5, "y": -0.3}
    assert parse_values("") == {}
    for text, words in (("x 0.5", "not NAME=VALUE"), ("x=1, x=2", "given twice"),
                        ("x=big", "the value of x")):
        with pytest.raises(BpguiError, match=words):
            parse_values(text)


def test_new_from_expression_builds_the_graph(qtbot, monkeypatch) -> None:
    calls: list[tuple[str, Mapping[str, float]]] = []
    monkeypatch.setattr(expression_dialog, "expression_builder", fake_builder(calls))
    dialog = ExpressionDialog()
    qtbot.addWidget(dialog)
    dialog.expression_edit.setText("sin(2*x + y)")
    dialog.values_edit.setText("x=0.5, y=0.3")
    dialog.accept()
    assert dialog.result() == ExpressionDialog.DialogCode.Accepted
    assert calls == [("sin(2*x + y)", {"x": 0.5, "y": 0.3})]
    assert [n.op for n in dialog.network().neurons][2:] == ["add", "sin", "mul"]


def test_new_from_expression_shows_a_refusal_and_stays_open(qtbot, monkeypatch) -> None:
    monkeypatch.setattr(expression_dialog, "expression_builder", fake_builder([]))
    dialog = ExpressionDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.expression_edit.setText("foo(x)")
    dialog.accept()
    assert dialog.isVisible() and dialog.problem() == "unknown function 'foo' at column 1"
    dialog.values_edit.setText("x")                  # a bad value is refused before building
    dialog.accept()
    assert "not NAME=VALUE" in dialog.problem()
    dialog.values_edit.setText("x=1")                # typing clears the old message
    assert dialog.problem() == ""


def test_the_real_builder_refuses_an_undefined_pass(qtbot) -> None:
    """As bpgui expr does: log of −0.5 is refused in the dialog, naming the node."""
    dialog = ExpressionDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.expression_edit.setText("log(x)")
    dialog.values_edit.setText("x=-0.5")
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.problem() == ("node 'f': the logarithm of a value that is not positive "
                                "(−0.5) in sample 0")
    dialog.values_edit.setText("x=0.5")
    dialog.accept()
    assert dialog.result() == ExpressionDialog.DialogCode.Accepted
    assert [n.op for n in dialog.network().neurons] == [None, "log"]


def test_the_menu_action_replaces_the_document_like_new(window, monkeypatch) -> None:
    assert window.actions_by_name["NewExpression"].text() == "New from e&xpression…"
    monkeypatch.setattr(ExpressionDialog, "ask", staticmethod(lambda parent: seed_graph()))
    window.document.undo_stack.setClean()
    window.actions_by_name["NewExpression"].trigger()
    assert window.document.network.name == "seed graph"
    assert window.scene.neuron_items["a"].symbol == "+"


@pytest.mark.parametrize("answer", ["Cancel", None])
def test_a_cancelled_expression_keeps_the_users_document(window, monkeypatch, answer) -> None:
    from PySide6.QtWidgets import QMessageBox

    doc: Document = window.document
    old = doc.network
    window.scene.add_neuron_at(QPointF(900, 900))          # unsaved changes
    network = seed_graph() if answer else None
    monkeypatch.setattr(ExpressionDialog, "ask", staticmethod(lambda parent: network))
    monkeypatch.setattr(window.files, "ask_discard",
                        lambda: QMessageBox.StandardButton.Cancel)
    window.actions_by_name["NewExpression"].trigger()
    assert doc.network is old and doc.dirty
