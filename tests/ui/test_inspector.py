"""The Inspector dock: each edit is one undoable command; bad values change nothing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QWidget

from bpgui.network.changes import Change, ChangeKind
from bpgui.network.model import Network, Neuron
from bpgui.ui.canvas.scene import NetworkScene
from bpgui.ui.document.commands import AddNeuron, DeleteItems, SetEdge
from bpgui.ui.document.document import Document
from bpgui.ui.editing.inspector import InspectorDock
from tests.ui.qt_helpers import choose, enter_text


@pytest.fixture
def scene(document: Document) -> NetworkScene:
    return NetworkScene(document)


@pytest.fixture
def dock(qtbot, document: Document, scene: NetworkScene) -> InspectorDock:
    dock = InspectorDock(document, scene)
    qtbot.addWidget(dock)
    dock.show()
    return dock


def test_public_api_and_tooltips(dock: InspectorDock) -> None:
    assert dock.objectName() == "inspectorDock"
    assert dock.windowTitle() == "Inspector"
    names = ["networkName", "networkDescription", "networkLoss", "neuronId", "neuronLabel",
             "neuronRole", "neuronActivation", "neuronBias", "neuronTrainBias", "edgeId",
             "edgeLabel", "edgeEnds", "edgeWeight", "edgeTrainable"]
    for name in names:
        widget = dock.findChild(QWidget, name)
        assert widget is not None, name
        assert widget.toolTip(), name
    assert "Added to the weighted sum before the activation" in dock.fields["neuronBias"].toolTip()


def test_nothing_selected_shows_the_network(dock: InspectorDock, document: Document) -> None:
    assert dock.pages.currentIndex() == 0
    assert dock.heading.text() == "Network"
    name, description, loss = (dock.fields[f"network{field}"]
                               for field in ("Name", "Description", "Loss"))
    assert isinstance(name, QLineEdit) and name.text() == document.network.name
    assert isinstance(description, QPlainTextEdit)
    assert description.toPlainText() == document.network.description
    assert isinstance(loss, QComboBox) and loss.currentText() == "half_sse"


def test_weight_edit_is_one_undoable_command(qtbot, dock, scene, document, changes) -> None:
    scene.select_id("w5")
    assert dock.pages.currentIndex() == 2
    assert dock.fields["edgeWeight"].text() == "-1.0"
    assert dock.fields["edgeEnds"].text() == "x3 → h1"
    before = document.undo_stack.count()
    enter_text(qtbot, dock.fields["edgeWeight"], "0.25")
    assert document.network.edge("w5").weight == 0.25
    assert changes == [Change(ChangeKind.EDGE_CHANGED, "w5", "weight", -1.0, 0.25)]
    assert document.undo_stack.count() == before + 1
    document.undo_stack.undo()
    assert document.network.edge("w5").weight == -1.0
    assert dock.fields["edgeWeight"].text() == "-1.0"
    document.undo_stack.redo()
    assert dock.fields["edgeWeight"].text() == "0.25"


@pytest.mark.parametrize("text", ["abc", "nan", "inf", "-inf", "1e999", ""])
def test_invalid_weight_changes_nothing(qtbot, dock, scene, document, changes, text) -> None:
    scene.select_id("w5")
    before = document.undo_stack.count()
    with qtbot.waitSignal(dock.status) as signal:
        enter_text(qtbot, dock.fields["edgeWeight"], text)
    message = signal.args[0]
    assert message.startswith("Refused: weight of w5 must be a finite number")
    assert changes == []
    assert document.undo_stack.count() == before
    assert dock.fields["edgeWeight"].text() == "-1.0"


def test_unchanged_value_issues_no_command(qtbot, dock, scene, document) -> None:
    scene.select_id("w5")
    enter_text(qtbot, dock.fields["edgeWeight"], "-1")  # the same number, typed differently
    assert document.undo_stack.count() == 0
    assert dock.fields["edgeWeight"].text() == "-1.0"
    enter_text(qtbot, dock.fields["edgeId"], "w5")
    assert document.undo_stack.count() == 0


def test_full_precision_and_outside_changes_refresh(dock, scene, document) -> None:
    scene.select_id("w5")
    document.execute(SetEdge(document, "w5", weight=0.1 + 0.2))
    assert dock.fields["edgeWeight"].text() == "0.30000000000000004"


def test_bias_and_train_bias(qtbot, dock, scene, document) -> None:
    scene.select_id("y")
    assert dock.fields["neuronBias"].text() == "2.0001"
    enter_text(qtbot, dock.fields["neuronBias"], "−0.5")  # a real minus sign is accepted
    assert document.network.neuron("y").bias == -0.5
    dock.fields["neuronTrainBias"].click()
    assert document.network.neuron("y").train_bias is False
    assert document.undo_stack.count() == 2
    document.undo_stack.undo()
    assert dock.fields["neuronTrainBias"].isChecked()
    document.undo_stack.undo()
    assert dock.fields["neuronBias"].text() == "2.0001"


def test_input_neuron_disables_unused_fields(dock, scene) -> None:
    scene.select_id("x1")
    assert dock.heading.text() == "Input neuron x₁"
    unused = [dock.fields[name] for name in ("neuronActivation", "neuronBias", "neuronTrainBias")]
    assert not any(widget.isEnabled() for widget in unused)
    scene.select_id("h1")
    assert all(widget.isEnabled() for widget in unused)


def test_activation_choice(qtbot, dock, scene, document) -> None:
    scene.select_id("h1")
    choose(qtbot, dock.fields["neuronActivation"], "sigmoid")  # tanh → sigmoid, one step up
    assert document.network.neuron("h1").activation == "sigmoid"
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert dock.fields["neuronActivation"].currentText() == "tanh"


def test_rename_neuron_follows_and_undoes(qtbot, dock, scene, document) -> None:
    scene.select_id("h1")
    enter_text(qtbot, dock.fields["neuronId"], "hidden1")
    net = document.network
    assert net.has_neuron("hidden1") and not net.has_neuron("h1")
    assert net.edge("w1").target == "hidden1"
    assert dock.fields["neuronId"].text() == "hidden1"
    assert document.undo_stack.count() == 1
    enter_text(qtbot, dock.fields["neuronBias"], "0.5")  # the dock follows the new id
    assert net.neuron("hidden1").bias == 0.5
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert net.has_neuron("h1")
    assert dock.fields["neuronId"].text() == "h1"
    assert dock.fields["neuronBias"].text() == "0.0"


@pytest.mark.parametrize(("text", "reason"), [
    ("h2", "a neuron with id 'h2' already exists"),
    ("1bad", "'1bad' is not a valid id"),
    ("has space", "'has space' is not a valid id"),
])
def test_bad_neuron_id_is_refused(qtbot, dock, scene, document, text, reason) -> None:
    scene.select_id("h1")
    with qtbot.waitSignal(dock.status) as signal:
        enter_text(qtbot, dock.fields["neuronId"], text)
    assert signal.args[0].startswith("Refused: ")
    assert reason in signal.args[0]
    assert document.undo_stack.count() == 0
    assert dock.fields["neuronId"].text() == "h1"


def test_role_to_input_with_incoming_edges_is_refused(qtbot, dock, scene, document) -> None:
    scene.select_id("h1")
    with qtbot.waitSignal(dock.status) as signal:
        choose(qtbot, dock.fields["neuronRole"], "input")
    assert "'h1' has incoming edges, so it cannot be an input" in signal.args[0]
    assert document.network.neuron("h1").role == "hidden"
    assert dock.fields["neuronRole"].currentText() == "hidden"
    assert document.undo_stack.count() == 0


def test_role_from_input_to_hidden(qtbot, dock, scene, document) -> None:
    document.execute(AddNeuron(document, Neuron("x9", "input")))
    scene.select_id("x9")
    choose(qtbot, dock.fields["neuronRole"], "hidden")
    neuron = document.network.neuron("x9")
    assert (neuron.role, neuron.activation) == ("hidden", "sigmoid")
    assert dock.fields["neuronActivation"].isEnabled()
    assert dock.fields["neuronActivation"].currentText() == "sigmoid"
    assert dock.heading.text() == "Hidden neuron x9"
    document.undo_stack.undo()
    assert dock.fields["neuronRole"].currentText() == "input"
    assert not dock.fields["neuronActivation"].isEnabled()


def test_edge_label_empty_means_the_id(qtbot, dock, scene, document) -> None:
    scene.select_id("w5")
    assert dock.fields["edgeLabel"].text() == "w₅"
    enter_text(qtbot, dock.fields["edgeLabel"], "")
    assert document.network.edge("w5").label is None
    assert dock.fields["edgeLabel"].placeholderText() == "w5"
    assert dock.heading.text() == "Edge w5"


def test_trainable_toggle_is_one_command(dock, scene, document, changes) -> None:
    scene.select_id("w5")
    dock.fields["edgeTrainable"].click()
    assert changes == [Change(ChangeKind.EDGE_CHANGED, "w5", "trainable", True, False)]
    document.undo_stack.undo()
    assert dock.fields["edgeTrainable"].isChecked()


def test_filling_never_issues_commands(dock, scene, document) -> None:
    for ident in ("w5", "x1", "h1", "y", "w8", "x3"):
        scene.select_id(ident)
    scene.clearSelection()
    assert document.undo_stack.count() == 0


def test_deleted_item_falls_back_to_the_network(dock, scene, document) -> None:
    scene.select_id("w5")
    document.execute(DeleteItems(document, [], ["w5"]))
    assert dock.pages.currentIndex() == 0
    scene.select_id("h1")
    document.execute(DeleteItems(document, ["h1"], []))
    assert dock.heading.text() == "Network"


def test_several_selected_shows_the_network(dock, scene) -> None:
    scene.neuron_items["h1"].setSelected(True)
    scene.edge_items["w5"].setSelected(True)
    assert dock.pages.currentIndex() == 0
    assert dock.heading.text() == "Network (2 items selected)"


def test_network_name_description_and_loss(qtbot, dock, document) -> None:
    enter_text(qtbot, dock.fields["networkName"], "My net")
    assert document.network.name == "My net"
    dock.fields["networkDescription"].setFocus()
    dock.fields["networkDescription"].clear()
    qtbot.keyClicks(dock.fields["networkDescription"], "Two lines")
    qtbot.keyClick(dock.fields["networkDescription"], Qt.Key.Key_Return,
                   modifier=Qt.KeyboardModifier.ControlModifier)
    assert document.network.description == "Two lines"
    choose(qtbot, dock.fields["networkLoss"], "sse")
    assert document.network.loss == "sse"
    assert document.undo_stack.count() == 3
    for _ in range(3):
        document.undo_stack.undo()
    assert dock.fields["networkLoss"].currentText() == "half_sse"
    assert dock.fields["networkDescription"].toPlainText().startswith("The worked example")
    assert dock.fields["networkName"].text() == "Seed 000: the worked example"


def test_replaced_network_is_shown(dock, scene, document) -> None:
    scene.select_id("w5")
    document.replace(Network([Neuron("a", "input")], name="Tiny"), None)
    assert dock.heading.text() == "Network"
    assert dock.fields["networkName"].text() == "Tiny"
    assert dock.fields["networkDescription"].toPlainText() == ""
