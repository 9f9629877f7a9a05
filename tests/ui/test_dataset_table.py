"""The Dataset dock: every edit, paste, import or generation is ONE undoable SetSamples."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from bpgui.network.changes import ChangeKind
from bpgui.network.errors import BpguiError
from bpgui.network.model import Network, Neuron, Sample
from bpgui.network.parsing import parse_csv
from bpgui.ui.document.commands import AddNeuron, DeleteItems, SetNeuron, SetSamples
from bpgui.ui.document.document import Document
from bpgui.ui.editing.dataset_table import DatasetDock
from tests.ui.qt_helpers import child

SEED000_SAMPLE = [Sample([0.0, 1.0, 1.0], [1.0])]


def make_dock(qtbot, document: Document) -> DatasetDock:
    dock = DatasetDock(document)
    qtbot.addWidget(dock)
    dock.show()
    return dock


@pytest.fixture
def dock(qtbot, document: Document) -> DatasetDock:
    return make_dock(qtbot, document)


def headers(table: QTableWidget) -> list[str]:
    return [text(table.horizontalHeaderItem(c)) for c in range(table.columnCount())]


def cells(table: QTableWidget) -> list[list[str]]:
    return [[text(table.item(r, c)) for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def text(item: QTableWidgetItem | None) -> str:
    assert item is not None, "every cell has an item"
    return item.text()


def edit_cell(qtbot, table: QTableWidget, row: int, column: int, text: str) -> None:
    """Open the cell's editor, type ``text`` and press Enter, as a user does."""
    table.setCurrentCell(row, column)
    item = table.item(row, column)
    assert item is not None
    table.editItem(item)
    editor = table.viewport().findChild(QLineEdit)
    assert editor is not None
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # the delegate commits and closes the editor in a queued call
    qtbot.waitUntil(lambda: table.state() != QAbstractItemView.State.EditingState)


def click(qtbot, dock: DatasetDock, name: str) -> None:
    qtbot.mouseClick(dock.findChild(QPushButton, name), Qt.MouseButton.LeftButton)


def test_public_api_and_tooltips(dock: DatasetDock) -> None:
    assert dock.objectName() == "datasetDock"
    assert dock.windowTitle() == "Dataset"
    for name in ("datasetTable", "addSampleButton", "removeSamplesButton", "pasteCsvButton",
                 "importCsvButton", "generatorCombo", "generatorCount", "generatorNoise",
                 "generatorSeed", "generateButton"):
        widget = dock.findChild(QWidget, name)
        assert widget is not None and widget.toolTip(), name
    assert "REPLACE" in child(dock, QPushButton, "pasteCsvButton").toolTip()
    count, noise = dock.generator.count, dock.generator.noise
    assert (count.minimum(), count.maximum(), count.value()) == (4, 2000, 100)
    assert (noise.minimum(), noise.maximum(), noise.singleStep(), noise.value()) \
        == (0.0, 1.0, 0.05, 0.1)


def test_columns_and_rows(dock: DatasetDock) -> None:
    table = dock.table
    assert headers(table) == ["x₁", "x₂", "x₃", "target ŷ", "test"]
    assert table.verticalHeaderItem(0).text() == "0"
    assert cells(table) == [["0.0", "1.0", "1.0", "1.0", ""]]
    assert dock.summary.text().startswith("1 sample for 3 inputs → 1 output.")


def test_cell_edit_is_one_undoable_command(qtbot, dock, document, changes) -> None:
    edit_cell(qtbot, dock.table, 0, 1, "0.25")
    assert document.network.samples == [Sample([0.0, 0.25, 1.0], [1.0])]
    assert [c.kind for c in changes] == [ChangeKind.SAMPLES_CHANGED]
    assert document.undo_stack.count() == 1
    assert dock.table.item(0, 1).text() == "0.25"
    document.undo_stack.undo()
    assert document.network.samples == SEED000_SAMPLE
    assert dock.table.item(0, 1).text() == "1.0"


@pytest.mark.parametrize("text", ["abc", "nan", "inf"])
def test_bad_cell_is_refused_and_restored(qtbot, dock, document, changes, text) -> None:
    with qtbot.waitSignal(dock.status) as signal:
        edit_cell(qtbot, dock.table, 0, 1, text)
    assert signal.args[0].startswith(f"Refused: row 0, column x₂: '{text}' is not a")
    assert changes == []
    assert document.undo_stack.count() == 0
    assert dock.table.item(0, 1).text() == "1.0"


def test_same_value_issues_no_command(qtbot, dock, document) -> None:
    edit_cell(qtbot, dock.table, 0, 1, "1")
    assert document.undo_stack.count() == 0
    assert dock.table.item(0, 1).text() == "1.0"


def test_add_and_remove_rows(qtbot, dock, document) -> None:
    click(qtbot, dock, "addSampleButton")
    assert document.network.samples == [*SEED000_SAMPLE, Sample([0.0] * 3, [0.0])]
    assert dock.table.rowCount() == 2
    assert dock.table.verticalHeaderItem(1).text() == "1"
    document.execute(SetSamples(document, [Sample([float(i)] * 3, [float(i)])
                                           for i in range(4)]))
    dock.table.selectRow(1)
    dock.table.item(3, 0).setSelected(True)  # any selected cell counts for its row
    click(qtbot, dock, "removeSamplesButton")
    assert [s.targets for s in document.network.samples] == [[0.0], [2.0]]
    assert document.undo_stack.count() == 3
    document.undo_stack.undo()
    assert dock.table.rowCount() == 4


def test_remove_without_selection_says_how(qtbot, dock, document) -> None:
    dock.table.clearSelection()
    with qtbot.waitSignal(dock.status) as signal:
        click(qtbot, dock, "removeSamplesButton")
    assert "Select the rows" in signal.args[0]
    assert document.undo_stack.count() == 0


def test_delete_key_in_the_table_removes_rows(qtbot, dock, document) -> None:
    dock.table.selectRow(0)
    qtbot.keyClick(dock.table, Qt.Key.Key_Delete)
    assert document.network.samples == []


CSV = "x1,x2,x3,y\n1,2,3,4\n\n5,6,7,8\n"


def test_paste_replaces_the_samples(qtbot, dock, document, changes) -> None:
    QGuiApplication.clipboard().setText(CSV)
    click(qtbot, dock, "pasteCsvButton")
    assert document.network.samples == [Sample([1.0, 2.0, 3.0], [4.0]),
                                        Sample([5.0, 6.0, 7.0], [8.0])]
    assert len(changes) == 1
    assert document.undo_stack.count() == 1
    assert cells(dock.table)[1] == ["5.0", "6.0", "7.0", "8.0", ""]
    document.undo_stack.undo()
    assert document.network.samples == SEED000_SAMPLE
    assert dock.table.rowCount() == 1


def test_ctrl_v_in_the_table_pastes(qtbot, dock, document) -> None:
    QGuiApplication.clipboard().setText("0\t0\t0\t1,5\n")  # a spreadsheet's decimal comma
    dock.table.setFocus()
    qtbot.keyClick(dock.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert document.network.samples == [Sample([0.0, 0.0, 0.0], [1.5])]


@pytest.mark.parametrize(("text", "reason"), [
    ("x1,x2,x3,y\n1,2,3,4\n1,2\n", "line 3 has 2 values; expected 4 (x1, x2, x3, y)"),
    ("1;2;3;4;5\n", "line 1 has 5 values; expected 4 (x1, x2, x3, y)"),
    ("1,2,3,4\n1,2,abc,4\n", "line 2, column 3 (x3): 'abc' is not a finite number"),
    ("1,2,3,nan\n", "line 1, column 4 (y): 'nan' is not a finite number"),
    ("x1,x2,x3,y\n", "no rows of numbers found"),
    ("", "no rows of numbers found"),
])
def test_bad_paste_changes_nothing(qtbot, dock, document, changes, text, reason) -> None:
    QGuiApplication.clipboard().setText(text)
    with qtbot.waitSignal(dock.status) as signal:
        click(qtbot, dock, "pasteCsvButton")
    assert signal.args[0].startswith("Refused: the clipboard: ")
    assert reason in signal.args[0]
    assert changes == []
    assert document.undo_stack.count() == 0


def test_import_csv(qtbot, dock, document, tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "data.csv"
    path.write_text("\ufeffx1;x2;x3;y\n0,5;1;2;1\n", encoding="utf-8")
    monkeypatch.setattr(dock, "_ask_csv_path", lambda: str(path))
    with qtbot.waitSignal(dock.status) as signal:
        click(qtbot, dock, "importCsvButton")
    assert signal.args[0] == "Replaced the samples with 1 row from data.csv."
    assert document.network.samples == [Sample([0.5, 1.0, 2.0], [1.0])]
    assert document.undo_stack.count() == 1
    path.write_text("1,2\n", encoding="utf-8")
    with qtbot.waitSignal(dock.status) as signal:
        click(qtbot, dock, "importCsvButton")
    assert "data.csv: line 1 has 2 values; expected 4" in signal.args[0]
    assert document.undo_stack.count() == 1


def test_import_cancelled_or_unreadable(qtbot, dock, document, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(dock, "_ask_csv_path", lambda: "")
    click(qtbot, dock, "importCsvButton")
    monkeypatch.setattr(dock, "_ask_csv_path", lambda: str(tmp_path / "missing.csv"))
    with qtbot.waitSignal(dock.status) as signal:
        click(qtbot, dock, "importCsvButton")
    assert signal.args[0].startswith("Refused: cannot read")
    assert document.undo_stack.count() == 0


def test_generate_replaces_the_samples(qtbot, two_in_one_out: Document) -> None:
    dock = make_dock(qtbot, two_in_one_out)
    dock.generator.combo.setCurrentText("moons")
    dock.generator.count.setValue(50)
    click(qtbot, dock, "generateButton")
    samples = two_in_one_out.network.samples
    assert len(samples) == 50 and dock.table.rowCount() == 50
    assert {s.targets[0] for s in samples} == {0.0, 1.0}
    assert headers(dock.table) == ["a", "b", "target ŷ", "test"]
    assert two_in_one_out.undo_stack.count() == 1
    two_in_one_out.undo_stack.undo()
    assert len(two_in_one_out.network.samples) == 4
    assert dock.table.rowCount() == 4


@pytest.mark.parametrize(("name", "message"), [
    ("moons", "moons makes 2 inputs and 1 target; this network has 3 inputs and 1 output"),
    ("Gaussian blobs", "Gaussian blobs makes 2 inputs and 3 targets; this network has 3 "
                       "inputs and 1 output"),
])
def test_generate_refuses_a_misfit(qtbot, dock, document, name, message) -> None:
    dock.generator.combo.setCurrentText(name)
    with qtbot.waitSignal(dock.status) as signal:
        click(qtbot, dock, "generateButton")
    assert signal.args[0] == f"Refused: {message}."
    assert document.network.samples == SEED000_SAMPLE
    assert document.undo_stack.count() == 0


def test_columns_follow_the_neurons(dock, document) -> None:
    document.execute(SetNeuron(document, "x2", label="age"))
    assert headers(dock.table)[1] == "age"
    document.execute(SetNeuron(document, "y", id="out"))
    assert headers(dock.table)[3] == "target ŷ"
    document.execute(AddNeuron(document, Neuron("y2", "output")))
    assert headers(dock.table) == ["x₁", "age", "x₃", "target ŷ", "target y2", "test"]
    assert cells(dock.table) == [["0.0", "1.0", "1.0", "1.0", "0.0", ""]]
    document.execute(DeleteItems(document, ["y2"], []))
    assert dock.table.columnCount() == 5  # 3 inputs, 1 target, the test column
    document.undo_stack.undo()
    assert dock.table.columnCount() == 6


def test_mismatched_samples_are_shown_and_fitted_by_an_edit(qtbot) -> None:
    """A hand-built network whose samples lack a target: blanks, a warning, and an edit
    that pads the samples to the columns."""
    net = Network([Neuron("p", "input"), Neuron("q", "output"), Neuron("r", "output")],
                  samples=[Sample([1.0], [2.0])])
    document = Document(net)
    dock = make_dock(qtbot, document)
    assert cells(dock.table) == [["1.0", "2.0", "", ""]]
    assert "do not fit" in dock.summary.text()
    edit_cell(qtbot, dock.table, 0, 2, "0.5")
    assert net.samples == [Sample([1.0], [2.0, 0.5])]
    assert "do not fit" not in dock.summary.text()
    document.undo_stack.clear()


def test_replaced_network_rebuilds_the_table(dock, document) -> None:
    document.replace(Network([Neuron("p", "input"), Neuron("q", "output")],
                             samples=[Sample([1.0], [2.0])] * 3), None)
    assert headers(dock.table) == ["p", "target q", "test"]
    assert dock.table.rowCount() == 3


def test_parse_csv_rules() -> None:
    names, n_in = ["x1", "x2", "y"], 2
    assert parse_csv("x1\tx2\ty\n1\t−2\t3\t\n", names, n_in) == [Sample([1.0, -2.0], [3.0])]
    assert parse_csv('"1","2","3"\n', names, n_in) == [Sample([1.0, 2.0], [3.0])]
    assert parse_csv("1;2,5;3\n", names, n_in) == [Sample([1.0, 2.5], [3.0])]
    with pytest.raises(BpguiError, match=r"^line 3 has 2 values; expected 3 \(x1, x2, y\)$"):
        parse_csv("x1,x2,y\n1,2,3\n1,2\n", names, n_in)
    with pytest.raises(BpguiError, match="line 2, column 1"):  # only line 1 may be a header
        parse_csv("1,2,3\nx1,x2,y\n", names, n_in)
