"""The New layered network dialog: live activation combos, inline errors, data, weights."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
)
from pytestqt.qtbot import QtBot

from bpgui.network.datasets import GENERATORS
from bpgui.network.model import LOSSES, Network
from bpgui.ui.editing.layered_dialog import LayeredNetworkDialog

pytestmark = pytest.mark.gui

XOR = {(0.0, 0.0): 0.0, (0.0, 1.0): 1.0, (1.0, 0.0): 1.0, (1.0, 1.0): 0.0}


@pytest.fixture
def dlg(qtbot: QtBot) -> LayeredNetworkDialog:
    dialog = LayeredNetworkDialog()
    qtbot.addWidget(dialog)
    return dialog


def child(dlg: LayeredNetworkDialog, kind: type, name: str) -> Any:
    widget = dlg.findChild(kind, name)
    assert widget is not None, name
    return widget


def ok_button(dlg: LayeredNetworkDialog) -> QPushButton:
    ok = child(dlg, QDialogButtonBox, "").button(QDialogButtonBox.StandardButton.Ok)
    assert ok is not None
    return ok


def set_sizes(qtbot: QtBot, dlg: LayeredNetworkDialog, text: str) -> None:
    edit = child(dlg, QLineEdit, "sizesEdit")
    edit.clear()
    qtbot.keyClicks(edit, text)


def activation_combos(dlg: LayeredNetworkDialog) -> list[QComboBox]:
    found = {c.objectName(): c for c in dlg.findChildren(QComboBox)
             if c.objectName().startswith("activationCombo")}
    return [found[f"activationCombo{i}"] for i in range(1, len(found) + 1)]


def error_text(dlg: LayeredNetworkDialog) -> str:
    label = child(dlg, QLabel, "errorLabel")
    return label.text() if not label.isHidden() else ""


def press_ok(qtbot: QtBot, dlg: LayeredNetworkDialog) -> Network:
    assert ok_button(dlg).isEnabled(), error_text(dlg)
    qtbot.mouseClick(ok_button(dlg), Qt.MouseButton.LeftButton)
    assert dlg.result() == LayeredNetworkDialog.DialogCode.Accepted
    return dlg.network()


def choose_dataset(dlg: LayeredNetworkDialog, name: str) -> None:
    child(dlg, QComboBox, "datasetCombo").setCurrentText(name)


def test_defaults(dlg: LayeredNetworkDialog) -> None:
    assert dlg.objectName() == "layeredDialog"
    assert dlg.windowTitle() == "New layered network"
    edit = child(dlg, QLineEdit, "sizesEdit")
    assert edit.text() == "2-3-1"
    assert edit.toolTip() == "Neurons per layer, inputs first, e.g. 2-3-1"
    assert [c.currentText() for c in activation_combos(dlg)] == ["tanh", "sigmoid"]
    loss = child(dlg, QComboBox, "lossCombo")
    assert loss.currentText() == "half_sse"
    assert [loss.itemText(i) for i in range(loss.count())] == list(LOSSES)
    data = child(dlg, QComboBox, "datasetCombo")
    assert [data.itemText(i) for i in range(data.count())] == ["None", *GENERATORS]
    assert data.currentText() == "None"
    for kind, name in ((QComboBox, "initCombo"), (QSpinBox, "seedSpin"),
                       (QLineEdit, "constantEdit"), (QSpinBox, "countSpin"),
                       (QDoubleSpinBox, "noiseSpin"), (QSpinBox, "dataSeedSpin")):
        child(dlg, kind, name)
    assert error_text(dlg) == "" and ok_button(dlg).isEnabled()


def test_network_before_accept_is_an_error(dlg: LayeredNetworkDialog) -> None:
    with pytest.raises(RuntimeError):
        dlg.network()


def test_default_network(qtbot: QtBot, dlg: LayeredNetworkDialog) -> None:
    net = press_ok(qtbot, dlg)
    assert net.name == "2-3-1 network"
    assert [n.id for n in net.neurons] == ["x1", "x2", "h1", "h2", "h3", "y"]
    assert len(net.edges) == 9 and net.samples == [] and net.loss == "half_sse"
    net.validate()


def test_typing_sizes_rebuilds_the_activation_combos(qtbot: QtBot,
                                                     dlg: LayeredNetworkDialog) -> None:
    set_sizes(qtbot, dlg, "2-4-4-1")
    assert [c.currentText() for c in activation_combos(dlg)] == ["tanh", "tanh", "sigmoid"]
    activation_combos(dlg)[1].setCurrentText("relu")
    activation_combos(dlg)[2].setCurrentText("identity")
    child(dlg, QComboBox, "lossCombo").setCurrentText("mse")
    net = press_ok(qtbot, dlg)
    acts = {n.id: n.activation for n in net.neurons if not n.is_input}
    assert acts == {"h1_1": "tanh", "h1_2": "tanh", "h1_3": "tanh", "h1_4": "tanh",
                    "h2_1": "relu", "h2_2": "relu", "h2_3": "relu", "h2_4": "relu",
                    "y": "identity"}
    assert net.loss == "mse" and net.name == "2-4-4-1 network"


def test_choices_survive_when_layers_come_and_go(qtbot: QtBot,
                                                 dlg: LayeredNetworkDialog) -> None:
    activation_combos(dlg)[0].setCurrentText("relu")
    activation_combos(dlg)[1].setCurrentText("identity")
    set_sizes(qtbot, dlg, "2-3-5-1")
    assert [c.currentText() for c in activation_combos(dlg)] == ["relu", "tanh", "identity"]
    set_sizes(qtbot, dlg, "2-1")
    assert [c.currentText() for c in activation_combos(dlg)] == ["identity"]


@pytest.mark.parametrize("text", ["", "3", "2-0-1", "2-x-1", "2-65-1", "2-²-1"])
def test_invalid_sizes_disable_ok_and_explain(qtbot: QtBot, dlg: LayeredNetworkDialog,
                                              text: str) -> None:
    set_sizes(qtbot, dlg, text)
    assert not ok_button(dlg).isEnabled()
    message = error_text(dlg)
    assert message.startswith("⚠") and "layer sizes" in message.lower()
    set_sizes(qtbot, dlg, "2-2-1")
    assert ok_button(dlg).isEnabled() and error_text(dlg) == ""


def test_xor_on_2_2_1(qtbot: QtBot, dlg: LayeredNetworkDialog) -> None:
    set_sizes(qtbot, dlg, "2-2-1")
    choose_dataset(dlg, "XOR")
    assert not child(dlg, QSpinBox, "countSpin").isEnabled()  # a truth table has no count
    net = press_ok(qtbot, dlg)
    assert len(net.samples) == 4
    assert {tuple(s.inputs): s.targets for s in net.samples} == {k: [v] for k, v in XOR.items()}


def test_moons_with_count_50(qtbot: QtBot, dlg: LayeredNetworkDialog) -> None:
    choose_dataset(dlg, "moons")
    child(dlg, QSpinBox, "countSpin").setValue(50)
    child(dlg, QDoubleSpinBox, "noiseSpin").setValue(0.2)
    child(dlg, QSpinBox, "dataSeedSpin").setValue(4)
    net = press_ok(qtbot, dlg)
    inputs, targets = GENERATORS["moons"](50, 0.2, 4)
    assert len(net.samples) == 50
    assert [s.inputs for s in net.samples] == inputs.tolist()
    assert [s.targets for s in net.samples] == targets.tolist()


def test_blobs_need_three_outputs(qtbot: QtBot, dlg: LayeredNetworkDialog) -> None:
    choose_dataset(dlg, "Gaussian blobs")
    assert not ok_button(dlg).isEnabled() and "3 targets" in error_text(dlg)
    set_sizes(qtbot, dlg, "2-5-3")
    net = press_ok(qtbot, dlg)
    assert len(net.samples) == 100 and all(len(s.targets) == 3 for s in net.samples)


def test_a_dataset_that_does_not_fit_is_refused_inline(qtbot: QtBot,
                                                       dlg: LayeredNetworkDialog) -> None:
    set_sizes(qtbot, dlg, "3-4-1")
    choose_dataset(dlg, "XOR")
    message = error_text(dlg)
    assert not ok_button(dlg).isEnabled()
    assert message.startswith("⚠") and "XOR" in message and "3 inputs" in message
    assert "2-4-1" in message  # a suggestion that keeps the hidden layers
    qtbot.mouseClick(ok_button(dlg), Qt.MouseButton.LeftButton)  # disabled: no effect
    with pytest.raises(RuntimeError):
        dlg.network()
    choose_dataset(dlg, "None")
    assert ok_button(dlg).isEnabled() and error_text(dlg) == ""


def test_constant_init(qtbot: QtBot, dlg: LayeredNetworkDialog) -> None:
    init = child(dlg, QComboBox, "initCombo")
    init.setCurrentIndex(init.findData("constant"))
    assert init.currentText() == "Constant"
    assert not child(dlg, QSpinBox, "seedSpin").isEnabled()
    edit = child(dlg, QLineEdit, "constantEdit")
    edit.clear()
    qtbot.keyClicks(edit, "abc")
    assert not ok_button(dlg).isEnabled() and "'abc'" in error_text(dlg)
    edit.clear()
    qtbot.keyClicks(edit, "-0.25")
    set_sizes(qtbot, dlg, "2-4-4-1")
    net = press_ok(qtbot, dlg)
    assert len(net.edges) == 28
    assert {e.weight for e in net.edges} == {-0.25}


def build(qtbot: QtBot, seed: int) -> Network:
    dialog = LayeredNetworkDialog()
    qtbot.addWidget(dialog)
    set_sizes(qtbot, dialog, "2-4-4-1")
    child(dialog, QSpinBox, "seedSpin").setValue(seed)
    return press_ok(qtbot, dialog)


def test_same_seed_same_network(qtbot: QtBot) -> None:
    a, b, c = build(qtbot, 11), build(qtbot, 11), build(qtbot, 12)
    assert [(e.id, e.source, e.target, e.weight) for e in a.edges] == \
        [(e.id, e.source, e.target, e.weight) for e in b.edges]
    assert [e.weight for e in a.edges] != [e.weight for e in c.edges]


def test_ask_returns_the_network_or_none(qtbot: QtBot) -> None:
    def answer(button: QDialogButtonBox.StandardButton) -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, LayeredNetworkDialog)
        child(dialog, QDialogButtonBox, "").button(button).click()

    QTimer.singleShot(0, lambda: answer(QDialogButtonBox.StandardButton.Ok))
    net = LayeredNetworkDialog.ask(None)
    assert net is not None and net.name == "2-3-1 network"
    QTimer.singleShot(0, lambda: answer(QDialogButtonBox.StandardButton.Cancel))
    assert LayeredNetworkDialog.ask(None) is None
