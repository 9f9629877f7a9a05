"""Gradients per level in the window (issue 16): the Loss dock's Per level tab (curves equal
to the trainer's level history, log axis, legend, dashed ‖∂L/∂W‖) and View ▸ Colour
neurons by |δ|.

The expected numbers are a separate Trainer's (batch training is deterministic, so the
run in the training process must give the same bits) and the step records' δ.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QCheckBox, QMessageBox

from bpgui.engine.history import History
from bpgui.engine.plan import compile_plan, sample_arrays
from bpgui.engine.records import Quantity
from bpgui.engine.stepper import all_steps, final_values
from bpgui.engine.training import Trainer
from bpgui.network import fileformat
from bpgui.network.model import Network
from bpgui.ui.base.theme import DARK, LIGHT
from bpgui.ui.canvas.delta_colours import STRONG, delta_fill
from bpgui.ui.document.document import Document
from bpgui.ui.shell.main_window import MainWindow
from bpgui.ui.training.level_plot import LevelPlot, decade
from tests.cli_helpers import SAMPLES
from tests.ui.qt_helpers import child

pytestmark = pytest.mark.gui

SIGMOID_CHAIN = SAMPLES / "vanishing_sigmoid_chain.bpnet.json"
SEED000 = SAMPLES / "seed000_worked_example.bpnet.json"


def level_history(net: Network, iterations: int) -> list[tuple[np.ndarray, np.ndarray]]:
    x, y = sample_arrays(net)
    trainer = Trainer(compile_plan(net), x, y, replace(net.training), record_levels=True)
    trainer.run(iterations)
    assert trainer.level_history is not None
    return trainer.level_history


def drawn(curve) -> tuple[np.ndarray, np.ndarray]:
    x, y = curve.getData()
    return np.asarray(x), np.asarray(y)


@pytest.fixture
def plot(qtbot) -> LevelPlot:
    widget = LevelPlot()
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_one_log_curve_per_level_equal_to_the_history(plot: LevelPlot) -> None:
    net = fileformat.load(SIGMOID_CHAIN)
    levels = level_history(net, 25)
    history = History(levels=10)
    history.extend([0.0] * 26, [1.0] * 25, (), levels=(np.array([m for m, _ in levels]),
                                               np.array([g for _, g in levels])))
    plot.show_history(history)
    assert plot.levels() == 10
    assert plot.plot_item.getAxis("left").logMode            # a log axis
    labels = [label.text for _, label in plot.legend.items]
    assert labels == [f"level {k}" for k in range(1, 11)]
    for k, curve in enumerate(plot.delta_curves):
        x, y = drawn(curve)
        assert x.tolist() == list(range(1, 26))               # row t is update t + 1
        assert np.allclose(10 ** y, [m[k] for m, _ in levels], rtol=1e-12, atol=0)
    # Early levels light, late ones dark: luminance falls from level 1 to level 10.
    lightness = [_luminance(curve.opts["pen"].color()) for curve in plot.delta_curves]
    assert lightness == sorted(lightness, reverse=True) and lightness[0] > lightness[-1]
    # Level 1's |δ| lies six decades below level 10's: the y range shows both.
    low, high = plot.plot_item.viewRange()[1]
    assert low <= math.log10(levels[-1][0][0]) and high >= math.log10(levels[-1][0][-1])
    assert all(not curve.isVisible() for curve in plot.weight_curves)
    child(plot, QCheckBox, "levelWeightNorms").setChecked(True)
    for k, curve in enumerate(plot.weight_curves):
        assert curve.isVisible()
        assert curve.opts["pen"].style() == Qt.PenStyle.DashLine
        assert np.allclose(10 ** drawn(curve)[1], [g[k] for _, g in levels], rtol=1e-12)
    plot.clear()
    assert all(c.getData()[0] is None or len(c.getData()[0]) == 0
               for c in plot.delta_curves)


def test_a_history_without_levels_draws_nothing(plot: LevelPlot) -> None:
    history = History()
    history.extend([1.0, 0.5], [2.0])
    plot.show_history(history)
    assert plot.levels() == 0


def test_decade_labels() -> None:
    assert [decade(k) for k in (-6.0, -1.0, 0.0, 2.0, 0.5)] == ["10⁻⁶", "10⁻¹", "1", "10²", ""]


@pytest.fixture
def window(qtbot, settings, monkeypatch) -> Iterator[MainWindow]:
    def no_dialog(*args, **kwargs):
        raise AssertionError(f"an unexpected modal dialog opened: {args[1:3]}")

    for name in ("question", "warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, no_dialog)
    made: list[MainWindow] = []

    def make(path) -> MainWindow:
        w = MainWindow(Document(fileformat.load(path), path), settings)
        w.resize(1600, 1000)
        w.show()
        qtbot.waitExposed(w)
        made.append(w)
        return w

    yield make  # type: ignore[misc]
    for w in made:
        w.training.session.pause()
        w.document.undo_stack.setClean()
        w.close()
        w.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_a_run_in_the_window_plots_the_trainers_level_history(qtbot, window) -> None:
    w = window(SIGMOID_CHAIN)
    session = w.training.session
    assert session.train(40)
    qtbot.waitUntil(lambda: not session.running and session.iteration == 40, timeout=30_000)
    expected = level_history(fileformat.load(SIGMOID_CHAIN), 40)
    deltas = session.history.level_deltas
    assert deltas is not None
    assert np.array_equal(deltas, [m for m, _ in expected])       # the same bits
    levels = w.training.plot.levels
    w.training.plot.tabs.setCurrentWidget(levels)
    qtbot.waitUntil(lambda: levels.levels() == 10)
    for k, curve in enumerate(levels.delta_curves):
        assert np.allclose(10 ** drawn(curve)[1], deltas[:, k], rtol=1e-12, atol=0)
    session.undo_run()                       # the history forgets the run's levels
    assert session.history.level_deltas is not None
    assert len(session.history.level_deltas) == 0


def test_colour_neurons_by_delta(qtbot, window) -> None:
    w = window(SEED000)
    values = final_values(all_steps(w.document.network, 0, "node"))
    delta = {n: abs(values[Quantity("delta", n)]) for n in ("h1", "h2", "y")}
    items = w.scene.neuron_items
    assert all(item.delta_fill is None for item in items.values())
    w.actions_by_name["ColourByDelta"].trigger()
    assert w.actions_by_name["ColourByDelta"].isChecked()
    # In practice mode, before the backward pass no δ is cached, so no neuron gives
    # one away...
    w.stepping.practice.set_on(True)
    assert all(item.delta_fill is None for item in items.values())
    session = w.stepping.session
    for _ in range(100):                    # step, and have each question shown
        if Quantity("delta", "y") in session.walk.state():
            break
        if w.stepping.practice.question is not None:
            w.stepping.practice.show_me()
        else:
            session.step()
    # ...then only the output's is known: coloured on the scale of the whole pass.
    assert items["y"].delta_fill is not None
    assert items["h1"].delta_fill is None and items["h2"].delta_fill is None
    w.stepping.practice.set_on(False)       # out of practice: every neuron at once
    # The scale spans whole decades around the pass's |δ|: the largest is the strongest.
    low = math.floor(math.log10(min(delta.values())))
    high = math.ceil(math.log10(max(delta.values())))
    for nid, size in delta.items():
        expected = delta_fill((math.log10(size) - low) / (high - low), LIGHT)
        assert items[nid].delta_fill == expected
        assert "|δ| = " in items[nid].toolTip()
    for nid in ("x1", "x2", "x3"):
        assert items[nid].delta_fill is None           # inputs have no δ
    biggest = max(delta, key=lambda n: delta[n])
    smallest = min(delta, key=lambda n: delta[n])
    assert _distance(items[biggest].delta_fill, STRONG) < \
        _distance(items[smallest].delta_fill, STRONG)
    w.set_theme(DARK)
    assert items[biggest].delta_fill == delta_fill(
        (math.log10(delta[biggest]) - low) / (high - low), DARK)
    w.actions_by_name["ColourByDelta"].trigger()
    assert all(item.delta_fill is None for item in items.values())


def _distance(a: QColor | None, b: QColor) -> int:
    assert a is not None
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue())


def _luminance(c: QColor) -> float:
    return 0.2126 * c.redF() + 0.7152 * c.greenF() + 0.0722 * c.blueF()
