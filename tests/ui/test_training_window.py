"""Training from the window: the dock's buttons and boxes, the plot, the boundary, the
banner after a divergence, and the settings saved in the file (issue 5)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QMessageBox, QPushButton

from bpgui.network import fileformat
from bpgui.network.model import Edge, Network, Neuron, Sample, TrainingSettings
from bpgui.ui.document.document import Document
from bpgui.ui.shell.main_window import MainWindow
from bpgui.ui.training.dock import LearningRateSpin, log_step
from tests.cli_helpers import SAMPLES, run_cli
from tests.ui.qt_helpers import child

MOONS = SAMPLES / "moons_2-8-8-1.bpnet.json"


def make_window(qtbot, settings, monkeypatch, network: Network,
                path: Path | None = None) -> Iterator[MainWindow]:
    def no_dialog(*args, **kwargs):
        raise AssertionError(f"an unexpected modal dialog opened: {args[1:3]}")

    for name in ("question", "warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, no_dialog)
    window = MainWindow(Document(network, path), settings)
    window.resize(1600, 1000)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.training.session.pause()
    window.document.undo_stack.setClean()
    window.close()
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def moons(qtbot, settings, monkeypatch) -> Iterator[MainWindow]:
    yield from make_window(qtbot, settings, monkeypatch, fileformat.load(MOONS), MOONS)


def button(window: MainWindow, name: str) -> QPushButton:
    return child(window, QPushButton, name)


def test_train_n_from_the_dock_matches_bpgui_train(qtbot, moons) -> None:
    moons.training.dock.iterations.setValue(120)
    qtbot.mouseClick(button(moons, "trainNButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not moons.training.session.running and
                    moons.training.session.iteration == 120, timeout=30_000)
    result = run_cli("train", MOONS, "--iterations", "120")
    expected = json.loads(result.stdout)
    weights, biases = moons.document.network.parameters()
    assert weights == expected["weights"] and biases == expected["biases"]


def test_a_slow_pace_still_trains_exactly_as_bpgui_train(qtbot, moons) -> None:
    """100 updates a second for a class to watch: the numbers do not change, only the
    speed (lifted to full speed mid-run, from the same box)."""
    dock, session = moons.training.dock, moons.training.session
    dock.pace.setCurrentIndex(dock.pace.findData(100.0))
    assert session.pace == 100.0
    dock.iterations.setValue(300)
    qtbot.mouseClick(button(moons, "trainNButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: session.iteration >= 5, timeout=30_000)
    assert session.running and session.iteration < 300
    dock.pace.setCurrentIndex(0)                            # full speed
    assert session.pace is None
    qtbot.waitUntil(lambda: not session.running, timeout=30_000)
    expected = json.loads(run_cli("train", MOONS, "--iterations", "300").stdout)
    assert moons.document.network.parameters()[0] == expected["weights"]
    assert session.history.losses.tolist() == expected["loss_history"]


def test_the_plot_holds_the_loss_history(qtbot, moons) -> None:
    session = moons.training.session
    session.train(80)
    qtbot.waitUntil(lambda: not session.running, timeout=30_000)
    x, y = moons.training.plot.curve.getOriginalDataset()
    assert np.array_equal(y, session.history.losses) and np.array_equal(x, np.arange(81))
    assert moons.findChild(QPushButton, "trainPlayButton").text() == "Play"


def test_play_then_pause_with_the_shortcut(qtbot, moons) -> None:
    session = moons.training.session
    moons.findChild(type(moons.training.actions[0]), "actionTrainPlay").trigger()
    assert session.running and button(moons, "trainPlayButton").text() == "Pause"
    qtbot.waitUntil(lambda: session.iteration > 30, timeout=30_000)
    moons.findChild(type(moons.training.actions[0]), "actionTrainPlay").trigger()
    assert not session.running
    stopped = session.iteration
    qtbot.wait(30)
    assert session.iteration == stopped


def test_the_learning_rate_steps_log_wise() -> None:
    assert [log_step(0.5, 1), log_step(0.5, -1), log_step(0.5, 3)] == [1.0, 0.2, 5.0]
    assert log_step(0.3, 1) == 0.5 and log_step(0.3, -1) == 0.2    # off the grid: nearest
    assert log_step(1e-6, -1) == 1e-6                               # the floor holds


def test_the_rate_box_changes_the_file_and_undoes(qtbot, moons) -> None:
    spin = moons.findChild(LearningRateSpin, "learningRateSpin")
    before = moons.document.network.training.learning_rate
    spin.stepBy(1)
    after = moons.document.network.training.learning_rate
    assert after == log_step(before, 1)
    toolbar_spin = moons.findChild(LearningRateSpin, "toolbarRateSpin")
    assert toolbar_spin.value() == pytest.approx(after)
    moons.document.undo()
    assert moons.document.network.training.learning_rate == before == spin.value()


def test_settings_are_saved_in_the_training_block(qtbot, moons, tmp_path) -> None:
    combo = moons.findChild(QComboBox, "trainModeCombo")
    combo.setCurrentText("minibatch")
    combo.activated.emit(combo.currentIndex())
    moons.training.dock.batch.setValue(8)
    moons.training.dock.batch.editingFinished.emit()
    moons.training.dock.shuffle.setChecked(True)
    target = tmp_path / "saved.bpnet.json"
    fileformat.save(moons.document.network, target)
    block = json.loads(target.read_text())["training"]
    assert block["mode"] == "minibatch" and block["batch_size"] == 8 and block["shuffle"]


def test_the_boundary_has_one_cell_per_grid_point(moons) -> None:
    boundary = moons.training.boundary
    assert boundary.map is not None
    grid = boundary.map.values
    assert grid.ndim == 2 and grid.shape[0] == grid.shape[1] > 10
    assert boundary.image.image.shape[:2] in (grid.shape, grid.shape[::-1])


def diverging() -> Network:
    """ŷ = w·x with η = 50 on x = 3: each update multiplies the error by −449."""
    return Network([Neuron("x", "input"), Neuron("y", "output", "identity", 0.0)],
                   [Edge("w", "x", "y", 0.5)], samples=[Sample([3.0], [1.0])],
                   training=TrainingSettings(learning_rate=50.0))


def test_divergence_shows_a_banner_and_one_click_undoes(qtbot, settings, monkeypatch) -> None:
    for window in make_window(qtbot, settings, monkeypatch, diverging()):
        before = window.document.network.parameters()
        session = window.training.session
        with qtbot.waitSignal(session.diverged, timeout=30_000):
            session.train(10_000)
        banner = window.training.dock.banner
        assert banner.isVisible()
        text = window.training.dock.banner_text.text()
        assert f"iteration {session.diverged_at:,}" in text and "5 or smaller" in text
        assert "running away" in text
        qtbot.mouseClick(button(window, "undoRunButton"), Qt.MouseButton.LeftButton)
        assert window.document.network.parameters() == before and not banner.isVisible()
        # the run leaves the history too: ½(1 − 0.5·3)² = 0.125 is the loss shown again
        assert session.iteration == 0 and session.loss == 0.125
        assert session.diverged_at is None
        assert window.training.plot.curve.getData()[1].tolist() == [0.125]
        with qtbot.waitSignal(session.diverged, timeout=30_000):
            session.train(10_000)
        qtbot.mouseClick(button(window, "smallerRateButton"), Qt.MouseButton.LeftButton)
        assert window.document.network.training.learning_rate == 5.0


def test_a_single_update_is_written_out_in_the_step_panel(qtbot, moons) -> None:
    moons.scene.select_id(moons.document.network.edges[3].id)
    qtbot.mouseClick(button(moons, "trainStepButton"), Qt.MouseButton.LeftButton)
    panel = moons.stepping.step_panel
    edge = moons.document.network.edges[3].id
    assert f"g_{edge} = (∂L₀/∂{edge} + ∂L₁/∂{edge} + " in panel.current_html
    assert f" + Σ_rest)/{len(moons.document.network.samples)}" in panel.current_html
    assert f"{edge} ← {edge} − η·g_{edge}" in panel.current_html
    assert panel.progress.text().startswith("update: iteration 1")


def test_the_single_update_stays_written_out(qtbot, moons) -> None:
    """The pass follows the update within the command that wrote it, so it no longer
    replaces the update's text on the next turn of the event loop."""
    qtbot.mouseClick(button(moons, "trainStepButton"), Qt.MouseButton.LeftButton)
    qtbot.wait(100)
    assert moons.stepping.step_panel.progress.text().startswith("update: iteration 1")


def test_the_banner_comes_to_the_front(qtbot, settings, monkeypatch) -> None:
    for window in make_window(qtbot, settings, monkeypatch, diverging()):
        window.inspector.raise_()
        with qtbot.waitSignal(window.training.session.diverged, timeout=30_000):
            window.training.session.train(10_000)
        banner = window.training.dock.banner
        qtbot.waitUntil(banner.isVisible)
        assert not window.training.dock.visibleRegion().isEmpty()     # the tab in front
        assert window.inspector.visibleRegion().isEmpty()             # the one behind it
