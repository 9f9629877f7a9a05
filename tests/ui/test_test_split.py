"""The test split in the window (issue 16): the Dataset table's test column, the
generators' hold-out, the test loss as the Loss dock's second curve (equal to the
engine's and to `bpgui train`'s test_loss_history, truncated by an undone run) and the
decision boundary's hollow test markers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSpinBox

from bpgui.engine.history import History
from bpgui.engine.plan import compile_plan, split_arrays
from bpgui.engine.training import Trainer
from bpgui.engine.worker import take_progress
from bpgui.network import fileformat
from bpgui.network.model import Sample
from bpgui.network.numbers import fmt
from bpgui.ui.document.document import Document
from bpgui.ui.editing.dataset_table import DatasetDock
from bpgui.ui.editing.generator_box import GeneratorBox
from bpgui.ui.editing.layered_dialog import LayeredNetworkDialog
from bpgui.ui.training.boundary_view import BoundaryDock
from bpgui.ui.training.loss_plot import LossPlotDock
from bpgui.ui.training.session import TrainingSession
from tests.cli_helpers import SAMPLES, run_cli
from tests.ui.qt_helpers import child

OVERFIT = SAMPLES / "overfit_moons.bpnet.json"


@pytest.fixture
def table(qtbot, two_in_one_out: Document) -> DatasetDock:
    dock = DatasetDock(two_in_one_out)
    qtbot.addWidget(dock)
    dock.show()
    return dock


def box_of(dock: DatasetDock, row: int):
    item = dock.table.item(row, dock.table.columnCount() - 1)
    assert item is not None and item.flags() & Qt.ItemFlag.ItemIsUserCheckable
    return item


# ------------------------------------------------------------------ the test column
def test_a_toggle_is_one_undo_entry(table: DatasetDock) -> None:
    document = table.document
    said: list[str] = []
    table.status.connect(said.append)
    box_of(table, 2).setCheckState(Qt.CheckState.Checked)
    assert [s.split for s in document.network.samples] == ["train", "train", "test", "train"]
    assert document.undo_stack.count() == 1 and said == ["Sample 2 is now a test sample."]
    assert "1 of them test samples" in table.summary.text()
    document.undo_stack.undo()
    assert not any(s.is_test for s in document.network.samples)
    assert box_of(table, 2).checkState() == Qt.CheckState.Unchecked
    document.undo_stack.redo()
    assert box_of(table, 2).checkState() == Qt.CheckState.Checked


def test_the_last_training_sample_is_refused_and_its_box_stays(table: DatasetDock) -> None:
    document = table.document
    for row in (0, 1, 2):
        box_of(table, row).setCheckState(Qt.CheckState.Checked)
    assert document.undo_stack.count() == 3
    said: list[str] = []
    table.status.connect(said.append)
    box_of(table, 3).setCheckState(Qt.CheckState.Checked)
    assert box_of(table, 3).checkState() == Qt.CheckState.Unchecked
    assert document.undo_stack.count() == 3
    assert document.network.samples[3].split == "train"
    assert len(said) == 1 and said[0].startswith("Refused: sample 3 is the only training")


def test_every_edit_keeps_the_split(qtbot, table: DatasetDock) -> None:
    document = table.document
    box_of(table, 1).setCheckState(Qt.CheckState.Checked)
    item = table.table.item(1, 0)
    assert item is not None
    item.setText("0.25")                                     # a value of a test sample
    assert document.network.samples[1] == Sample([0.25, 1.0], [1.0], "test")
    table.add_row()
    table.table.setCurrentCell(0, 0)
    table.table.selectRow(0)
    table.remove_rows()
    assert [s.split for s in document.network.samples] == ["test", "train", "train", "train"]


# ------------------------------------------------------------------ the hold-out
def test_the_generator_holds_out_n_percent_from_its_seed(qtbot) -> None:
    box = GeneratorBox()
    qtbot.addWidget(box)
    box.combo.setCurrentText("moons")
    box.count.setValue(30)
    box.seed.setValue(7)
    assert box.hold_out.value() == 0                         # the default: no test samples
    samples, _ = box.make(2, 1)
    assert not any(s.is_test for s in samples)
    box.hold_out.setValue(50)
    samples, done = box.make(2, 1)
    again, _ = box.make(2, 1)
    assert sum(s.is_test for s in samples) == 15             # round(30·50/100)
    assert [s.split for s in again] == [s.split for s in samples]
    assert "15 held out as test samples" in done
    box.count.setValue(40)
    box.hold_out.setValue(25)
    assert sum(s.is_test for s in box.make(2, 1)[0]) == 10  # round(40·25/100)
    box.hold_out.setValue(90)
    box.combo.setCurrentText("XOR")                         # 4 corners: round(3.6) = 4,
    assert sum(s.is_test for s in box.make(2, 1)[0]) == 3   # but one stays to train on


def test_the_layered_dialog_holds_out_too(qtbot) -> None:
    dialog = LayeredNetworkDialog()
    qtbot.addWidget(dialog)
    dialog.dataset_combo.setCurrentText("circles")
    dialog.count_spin.setValue(20)
    child(dialog, QSpinBox, "holdOutSpin").setValue(30)
    samples = dialog.spec().samples
    assert len(samples) == 20 and sum(s.is_test for s in samples) == 6
    assert len(samples) == 20 and child(dialog, QLabel, "heldInfo").text() == "= 6 test samples"


# ------------------------------------------------------------------ the second curve
def test_the_history_keeps_a_test_loss_per_iteration() -> None:
    h = History()
    h.extend([1.0, 0.5], [2.0])                      # a run without test samples
    assert not h.has_tests and np.isnan(h.test_losses).all() and len(h.test_losses) == 2
    h.set_last(0.4, 0.9)                             # a split made between runs
    h.extend([0.25, 0.125], [1.0, 0.5], (), test_losses=[0.75, 0.8])
    assert h.has_tests and h.losses.tolist() == [1.0, 0.4, 0.25, 0.125]
    assert h.test_losses.tolist()[1:] == [0.9, 0.75, 0.8]
    assert h.csv() == ("iteration,loss,gradient_norm,test_loss\n0,1.0,,\n1,0.4,2.0,0.9\n"
                       "2,0.25,1.0,0.75\n3,0.125,0.5,0.8\n")
    h.truncate(2)
    assert h.test_losses.tolist()[1:] == [0.9, 0.75] and len(h.losses) == 3
    with pytest.raises(ValueError, match="1 test losses for 2 losses"):
        h.extend([0.1, 0.2], [], (), test_losses=[0.3])


def test_progress_carries_each_chunk_s_test_losses() -> None:
    network = fileformat.load(OVERFIT)
    (x, y), test = split_arrays(network)
    whole = Trainer(compile_plan(network), x, y, replace(network.training), test=test)
    whole.run(8)
    chunked = Trainer(compile_plan(network), x, y, replace(network.training), test=test)
    got: list[float] = []
    for n in (5, 3):
        progress = take_progress(chunked, chunked.run(n))
        assert progress.test_losses is not None and len(progress.test_losses) == n
        got += progress.test_losses.tolist()
        assert chunked.test_history is not None and len(chunked.test_history) == 1
    assert whole.test_history is not None and got == whole.test_history[1:]


@pytest.fixture
def overfit() -> Iterator[tuple[Document, TrainingSession]]:
    document = Document(fileformat.load(OVERFIT), OVERFIT)
    session = TrainingSession(document)
    yield document, session
    session.pause()
    document.undo_stack.clear()


def test_the_test_curve_is_bpgui_train_s_and_undo_truncates_it(qtbot, overfit) -> None:
    _, session = overfit
    result = run_cli("train", Path(OVERFIT), "--iterations", "300")
    assert result.returncode == 0, result.stderr
    expected = json.loads(result.stdout)["test_loss_history"]
    assert session.train(200)
    qtbot.waitUntil(lambda: not session.running, timeout=30_000)
    assert session.history.test_losses.tolist() == expected[:201]
    assert session.train(100)
    qtbot.waitUntil(lambda: not session.running, timeout=30_000)
    assert session.history.test_losses.tolist() == expected
    dock = LossPlotDock()
    qtbot.addWidget(dock)
    dock.show_history(session.history)
    x, shown = dock.curves.test_curve.getOriginalDataset()
    assert shown.tolist() == expected and x.tolist() == list(range(301))
    assert dock.curves.test_curve.isVisible() and not dock.legend.isHidden()
    assert f"test loss {fmt(expected[-1])}," in dock.readout.text()
    session.undo_run()
    assert session.history.test_losses.tolist() == expected[:201]
    assert len(session.history.losses) == 201
    dock.show_history(session.history)
    assert dock.curves.test_curve.getOriginalDataset()[1].tolist() == expected[:201]


def test_without_test_samples_there_is_no_second_curve(qtbot, two_in_one_out) -> None:
    session = TrainingSession(two_in_one_out)
    assert session.train(5)
    qtbot.waitUntil(lambda: not session.running, timeout=30_000)
    assert not session.history.has_tests
    dock = LossPlotDock()
    qtbot.addWidget(dock)
    dock.show_history(session.history)
    assert not dock.curves.test_curve.isVisible() and dock.legend.isHidden()
    assert "test loss" not in dock.readout.text()
    two_in_one_out.undo_stack.clear()


# ------------------------------------------------------------------ the boundary
def test_test_samples_are_hollow_rings_with_a_key(qtbot) -> None:
    dock = BoundaryDock()
    qtbot.addWidget(dock)
    dock.show()
    network = fileformat.load(OVERFIT)
    dock.show_network(network)
    test = [s for s in network.samples if s.is_test]
    train = [s for s in network.samples if not s.is_test]
    assert len(test) == 15 and len(train) == 15
    rings = dock.test_samples.data
    assert sorted(zip(rings["x"], rings["y"], strict=True)) == sorted(
        tuple(s.inputs) for s in test)
    assert all(p.brush().style() == Qt.BrushStyle.NoBrush for p in dock.test_samples.points())
    assert all(p.pen().widthF() >= 3 for p in dock.test_samples.points())
    assert len(dock.samples.data) == len(train)
    key = child(dock, QLabel, "boundaryKey")
    assert not key.isHidden() and "test" in key.text()
    network.set_samples([replace(s, split="train") for s in network.samples])
    dock.show_network(network)
    assert len(dock.test_samples.data) == 0 and key.isHidden()
