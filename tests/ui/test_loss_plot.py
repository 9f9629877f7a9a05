"""The Loss dock on its own: curves equal to the history, marker, log scale, per-sample
curves, divergence line, clear, exports, hover and click readout, theme."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtWidgets import QApplication, QCheckBox, QFileDialog, QLabel, QPushButton

from bpgui.engine.history import History
from bpgui.network.numbers import fmt
from bpgui.ui.base.theme import DARK, LIGHT
from bpgui.ui.training.loss_curves import HUGE, MAX_SAMPLE_CURVES
from bpgui.ui.training.loss_export import EXPORT_WIDTH, NOTHING_YET
from bpgui.ui.training.loss_plot import NO_DATA, LossPlotDock

pytestmark = pytest.mark.gui

LOSSES = [1.0, 0.5, 0.25, 0.125, 0.0625]        # after 0…4 updates
NORMS = [2.0, 1.5, 1.0, 0.75]                   # of updates 1…4
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def history(losses=LOSSES, norms=NORMS, samples=None) -> History:
    """A History filled by hand; ``samples`` is (len(losses) × samples) or None."""
    h = History(None if samples is None else np.shape(samples)[1])
    h.extend(losses, norms, [] if samples is None else samples)
    return h


@pytest.fixture
def dock(qtbot) -> LossPlotDock:
    panel = LossPlotDock()
    qtbot.addWidget(panel)
    panel.resize(900, 650)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.fixture
def statuses(dock: LossPlotDock) -> list[str]:
    seen: list[str] = []
    dock.status.connect(seen.append)
    return seen


def item_counts(dock: LossPlotDock) -> tuple[int, ...]:
    return tuple(len(x) for x in (dock.plot_item.items, dock.plot_item.listDataItems(),
                                  dock.plot_widget.scene().items(), dock.norm_item.items,
                                  dock.norm_widget.scene().items()))


def original(item) -> tuple[np.ndarray, np.ndarray]:
    x, y = item.getOriginalDataset()
    assert x is not None and y is not None
    return x, y


def marker_at(dock: LossPlotDock) -> tuple[float, float]:
    assert dock.marker.isVisible()
    x, y = dock.marker.getData()
    assert len(x) == 1
    return float(x[0]), float(y[0])


def settle(qtbot, dock: LossPlotDock, last: float) -> None:
    """Wait until the auto range (applied when the view paints) shows x up to ``last``."""
    box = dock.plot_item.getViewBox()
    qtbot.waitUntil(lambda: box.viewRange()[0][1] >= last and box.viewRange()[0][0] <= 0)


def viewport_point(dock: LossPlotDock, x: float, y: float) -> QPoint:
    """Where the data point (x, y) of the loss plot is on its viewport."""
    box = dock.plot_item.getViewBox()
    scene = box.mapViewToScene(QPointF(x, y))
    return dock.plot_widget.mapFromScene(scene)


# ------------------------------------------------------------------ curves
def test_the_curve_is_the_history_exactly_and_no_item_is_added_per_update(dock) -> None:
    h = history()
    dock.show_history(h)
    counts = item_counts(dock)
    x, y = original(dock.curve)
    assert np.array_equal(x, np.arange(len(LOSSES)))
    assert np.array_equal(y, np.array(LOSSES))
    assert np.array_equal(dock.curve.xData, x) and np.array_equal(dock.curve.yData, y)

    more_losses = [0.03125, 0.015625, 1e-12]
    h.extend(more_losses, [0.5, 0.25, 0.125])
    dock.show_history(h)
    dock.show_history(h)
    x, y = original(dock.curve)
    assert np.array_equal(x, np.arange(len(LOSSES) + 3))
    assert np.array_equal(y, np.array(LOSSES + more_losses))
    assert item_counts(dock) == counts
    assert dock.curve in dock.plot_item.listDataItems()


def test_curves_are_configured_for_a_million_points(dock) -> None:
    for item in (dock.curve, dock.norm_curve):
        assert item.opts["clipToView"] is True
        assert item.opts["autoDownsample"] is True
        assert item.opts["downsampleMethod"] == "peak"
        assert item.opts["connect"] == "finite"
    assert dock.plot_item.clipToViewMode()
    assert dock.plot_item.downsampleMode()[1:] == (True, "peak")


def test_the_norm_of_update_t_is_drawn_at_iteration_t(dock) -> None:
    dock.show_history(history())
    x, y = original(dock.norm_curve)
    assert np.array_equal(x, np.arange(1, len(NORMS) + 1))
    assert np.array_equal(y, np.array(NORMS))


def test_a_history_without_norms_draws_no_norm_curve(dock) -> None:
    dock.show_history(history(norms=[]))
    assert dock.norm_curve.xData is None
    assert np.array_equal(original(dock.curve)[1], LOSSES)


def test_the_marker_sits_on_the_last_point(dock) -> None:
    h = history()
    dock.show_history(h)
    assert marker_at(dock) == (len(LOSSES) - 1, LOSSES[-1])
    h.extend([0.01], [0.5])
    dock.show_history(h)
    assert marker_at(dock) == (len(LOSSES), 0.01)


def test_non_finite_losses_do_not_break_the_plot(dock) -> None:
    losses = [1.0, 0.5, math.inf, 0.7, math.nan]
    dock.show_history(history(losses=losses), diverged_at=4)
    QApplication.processEvents()
    assert np.array_equal(original(dock.curve)[1], losses, equal_nan=True)
    assert marker_at(dock) == (3, 0.7)  # the last finite loss
    dock.log_y.setChecked(True)
    assert marker_at(dock) == (3, math.log10(0.7))
    dock.grab()  # paints without raising (warnings are errors here)


def test_only_huge_values_turn_on_dynamic_range_clipping(dock) -> None:
    dock.show_history(history())
    assert dock.curve.opts["dynamicRangeLimit"] is None
    dock.show_history(history(losses=[1.0, HUGE * 10, math.inf, 2.0, 1.0]))
    assert dock.curve.opts["dynamicRangeLimit"] is not None


# --------------------------------------------------------------- log scale
def test_the_log_checkbox_switches_the_plots_log_mode(qtbot, dock) -> None:
    dock.show_history(history())
    qtbot.mouseClick(dock.log_y, Qt.MouseButton.LeftButton)
    assert dock.log_y.isChecked()
    assert dock.plot_item.ctrl.logYCheck.isChecked()
    assert dock.plot_item.getAxis("left").logMode
    assert np.allclose(original(dock.curve)[1], np.log10(LOSSES))
    assert marker_at(dock) == pytest.approx((len(LOSSES) - 1, math.log10(LOSSES[-1])))
    assert not dock.norm_item.ctrl.logYCheck.isChecked()  # ‖g‖ keeps its linear axis

    qtbot.mouseClick(dock.log_y, Qt.MouseButton.LeftButton)
    assert not dock.plot_item.ctrl.logYCheck.isChecked()
    assert not dock.plot_item.getAxis("left").logMode
    assert np.array_equal(original(dock.curve)[1], LOSSES)
    assert marker_at(dock) == (len(LOSSES) - 1, LOSSES[-1])


def test_log_scale_leaves_a_gap_at_a_zero_loss(dock) -> None:
    dock.log_y.setChecked(True)
    dock.show_history(history(losses=[1.0, 0.1, 0.0, 0.01, 0.0]))
    y = original(dock.curve)[1]
    assert np.allclose(y[[0, 1, 3]], [0.0, -1.0, -2.0])
    assert np.isnan(y[[2, 4]]).all()
    assert not dock.marker.isVisible()  # log 0 has no place on the axis
    dock.grab()


def test_log_values_follow_a_growing_history_and_a_new_one(dock) -> None:
    dock.log_y.setChecked(True)
    h = history()
    dock.show_history(h)
    h.extend(np.geomspace(0.05, 1e-5, 3000), np.ones(3000))
    dock.show_history(h)
    assert np.allclose(original(dock.curve)[1], np.log10(h.losses))
    other = history(losses=[10.0, 100.0, 1000.0], norms=[1.0, 1.0])
    dock.show_history(other)
    assert np.allclose(original(dock.curve)[1], [1.0, 2.0, 3.0])


# -------------------------------------------------------------- per sample
def test_per_sample_curves_show_when_checked_and_hide_when_not(qtbot, dock) -> None:
    samples = np.array([[1.0, 2.0, 0.0], [0.5, 1.0, 0.0], [0.2, 0.6, 0.1],
                        [0.1, 0.2, 0.1], [0.05, 0.1, 0.0]])
    h = history(samples=samples)
    dock.show_history(h)
    assert dock.sample_curves == []  # created on first use only
    qtbot.mouseClick(dock.per_sample, Qt.MouseButton.LeftButton)
    assert len(dock.sample_curves) == 3
    for j, item in enumerate(dock.sample_curves):
        assert item.isVisible()
        x, y = original(item)
        assert np.array_equal(x, np.arange(5)) and np.array_equal(y, samples[:, j])
    counts = item_counts(dock)
    dock.show_history(h)
    assert item_counts(dock) == counts

    qtbot.mouseClick(dock.per_sample, Qt.MouseButton.LeftButton)
    assert not any(item.isVisible() for item in dock.sample_curves)
    dock.show_history(h)
    assert not any(item.isVisible() for item in dock.sample_curves)
    assert item_counts(dock) == counts


def test_at_most_sixteen_sample_curves(dock) -> None:
    samples = np.tile(np.linspace(1, 2, 20), (len(LOSSES), 1))
    dock.per_sample.setChecked(True)
    dock.show_history(history(samples=samples))
    assert len(dock.sample_curves) == MAX_SAMPLE_CURVES == 16
    assert all(item.isVisible() for item in dock.sample_curves)
    few = np.ones((len(LOSSES), 2))
    dock.show_history(history(samples=few))
    assert [item.isVisible() for item in dock.sample_curves] == [True] * 2 + [False] * 14


def test_no_sample_curves_when_the_run_records_none(dock) -> None:
    dock.per_sample.setChecked(True)
    dock.show_history(history())
    assert not any(item.isVisible() for item in dock.sample_curves)


# ------------------------------------------------------ divergence, clear
def test_the_divergence_line_marks_the_iteration(dock) -> None:
    h = history()
    dock.show_history(h, diverged_at=3)
    counts = item_counts(dock)
    line = dock.divergence_line
    assert line.isVisible() and line.value() == 3 and line.angle == 90
    assert line.label.toPlainText() == "diverged"
    assert line.pen.style() == Qt.PenStyle.DashLine
    dock.show_history(h, diverged_at=2)
    assert line.value() == 2
    assert item_counts(dock) == counts
    dock.show_history(h)
    assert not line.isVisible()


def test_clear_empties_everything(dock, statuses) -> None:
    dock.per_sample.setChecked(True)
    dock.show_history(history(samples=np.ones((len(LOSSES), 2))), diverged_at=2)
    counts = item_counts(dock)
    dock.clear()
    for item in (dock.curve, dock.norm_curve, *dock.sample_curves):
        assert item.getOriginalDataset() == (None, None)
    assert not dock.marker.isVisible() and not dock.divergence_line.isVisible()
    assert dock.readout.text() == NO_DATA
    assert item_counts(dock) == counts
    assert dock.export_csv() is False
    assert statuses and "Nothing to export" in statuses[-1]


# ----------------------------------------------------------------- exports
def test_export_csv_writes_the_history(dock, statuses, tmp_path: Path) -> None:
    h = history()
    dock.show_history(h)
    path = tmp_path / "loss.csv"
    assert dock.export_csv(str(path)) is True
    assert path.read_text(encoding="utf-8") == h.csv()
    assert statuses == [f"Saved loss history to {path}."]


def test_export_csv_asks_for_a_file(dock, monkeypatch, tmp_path: Path) -> None:
    h = history()
    dock.show_history(h)
    path = tmp_path / "asked.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (str(path), "CSV files (*.csv)"))
    assert dock.export_csv() is True
    assert path.read_text(encoding="utf-8") == h.csv()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: ("", ""))
    assert dock.export_csv() is False  # cancelled


def test_export_csv_to_a_missing_folder_says_so(dock, statuses, tmp_path: Path) -> None:
    dock.show_history(history())
    path = tmp_path / "nowhere" / "loss.csv"
    assert dock.export_csv(str(path)) is False
    assert not path.exists()
    assert len(statuses) == 1 and statuses[0].startswith("Loss history not saved:")
    assert "Traceback" not in statuses[0]


def test_export_png_writes_a_wide_png(dock, statuses, tmp_path: Path) -> None:
    dock.show_history(history(), diverged_at=3)
    pen_before = dock.curve.opts["pen"].widthF()
    path = tmp_path / "loss.png"
    assert dock.export_png(str(path)) is True
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = QImage(str(path))
    assert not image.isNull() and image.width() >= EXPORT_WIDTH
    assert statuses == [f"Saved loss plot to {path}."]
    assert dock.curve.opts["pen"].widthF() == pen_before  # widened for the export only


def test_export_png_asks_for_a_file(dock, monkeypatch, tmp_path: Path) -> None:
    dock.show_history(history())
    path = tmp_path / "asked.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (str(path), "PNG images (*.png)"))
    assert dock.export_png() is True
    assert path.read_bytes()[:8] == PNG_SIGNATURE


def test_nothing_to_export_before_training(dock, statuses, tmp_path: Path) -> None:
    assert dock.export_png(str(tmp_path / "loss.png")) is False
    assert dock.export_csv(str(tmp_path / "loss.csv")) is False
    assert statuses == [NOTHING_YET, NOTHING_YET]
    assert list(tmp_path.iterdir()) == []


def test_export_png_to_a_missing_folder_says_so(dock, statuses, tmp_path: Path) -> None:
    dock.show_history(history())
    path = tmp_path / "nowhere" / "loss.png"
    assert dock.export_png(str(path)) is False
    assert not path.exists()
    assert len(statuses) == 1 and "does not exist" in statuses[0]


def test_the_buttons_export(qtbot, dock, monkeypatch, tmp_path: Path) -> None:
    h = history()
    dock.show_history(h)
    target = {"path": str(tmp_path / "x.csv")}
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (target["path"], ""))
    qtbot.mouseClick(dock.export_csv_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "x.csv").read_text(encoding="utf-8") == h.csv()
    target["path"] = str(tmp_path / "x.png")
    qtbot.mouseClick(dock.export_png_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "x.png").read_bytes()[:8] == PNG_SIGNATURE


# ----------------------------------------------------------------- readout
def test_hovering_reads_the_nearest_iteration(qtbot, dock) -> None:
    h = history()
    dock.show_history(h)
    settle(qtbot, dock, len(LOSSES) - 1)
    viewport = dock.plot_widget.viewport()
    qtbot.mouseMove(viewport, viewport_point(dock, 2.3, 0.5))
    qtbot.waitUntil(lambda: dock.readout.text().startswith("iteration 2:"))
    assert dock.readout.text() == f"iteration 2: loss {fmt(LOSSES[2])}, ‖g‖ {fmt(NORMS[1])}"
    assert dock.probe.isVisible()
    assert tuple(float(v[0]) for v in dock.probe.getData()) == (2.0, LOSSES[2])

    right = dock.plot_item.getViewBox().viewRange()[0][1]
    qtbot.mouseMove(viewport, viewport_point(dock, right - 0.01, 0.5))  # past the last point
    qtbot.waitUntil(lambda: dock.readout.text().startswith("iteration 4:"))
    qtbot.mouseMove(viewport, viewport_point(dock, 0.2, 0.9))
    qtbot.waitUntil(lambda: dock.readout.text() == f"iteration 0: loss {fmt(LOSSES[0])}")


def test_a_still_mouse_reads_what_the_growing_view_puts_under_it(qtbot, dock) -> None:
    h = history()
    dock.show_history(h)
    settle(qtbot, dock, len(LOSSES) - 1)
    pos = viewport_point(dock, 2, 0.5)
    qtbot.mouseMove(dock.plot_widget.viewport(), pos)
    qtbot.waitUntil(lambda: dock.readout.text().startswith("iteration 2:"))
    h.extend(np.full(95, 0.01), np.ones(95))
    dock.show_history(h)
    settle(qtbot, dock, len(h) - 1)
    dock.show_history(h)  # the next frame of the run; the mouse has not moved
    box = dock.plot_item.getViewBox()
    under = round(box.mapSceneToView(QPointF(dock.plot_widget.mapToScene(pos))).x())
    assert under > 10
    assert dock.readout.text().startswith(f"iteration {under}:")


def test_hovering_formats_big_iterations_and_small_losses(qtbot, dock) -> None:
    t = np.arange(1300)
    losses = 0.04567 + 0.5 / (1 + t)
    losses[1234] = 0.04567
    dock.show_history(history(losses=losses, norms=np.ones(1299)))
    dock.plot_item.setXRange(1230, 1238, padding=0)
    box = dock.plot_item.getViewBox()
    qtbot.waitUntil(lambda: box.viewRange()[0] == [1230, 1238])
    qtbot.mouseMove(dock.plot_widget.viewport(), viewport_point(dock, 1234.2, 0.05))
    qtbot.waitUntil(lambda: dock.readout.text().startswith("iteration 1,234:"))
    assert dock.readout.text() == "iteration 1,234: loss 0.04567, ‖g‖ 1"


def test_a_click_keeps_its_point_after_the_mouse_leaves(qtbot, dock) -> None:
    h = history()
    dock.show_history(h)
    settle(qtbot, dock, len(LOSSES) - 1)
    viewport = dock.plot_widget.viewport()
    latest = f"iteration 4: loss {fmt(LOSSES[4])}, ‖g‖ {fmt(NORMS[3])}"
    assert dock.readout.text() == latest  # nothing hovered: the latest iteration

    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=viewport_point(dock, 1, 0.5))
    qtbot.waitUntil(lambda: dock.readout.text().startswith("iteration 1:"))
    qtbot.mouseMove(viewport, viewport_point(dock, 3, 0.5))
    qtbot.waitUntil(lambda: dock.readout.text().startswith("iteration 3:"))
    QApplication.sendEvent(viewport, QEvent(QEvent.Type.Leave))
    assert dock.readout.text() == f"iteration 1: loss {fmt(LOSSES[1])}, ‖g‖ {fmt(NORMS[0])}"
    h.extend([0.01], [0.1])
    dock.show_history(h)  # training goes on; the kept point stays
    assert dock.readout.text().startswith("iteration 1:")
    dock.clear()
    dock.show_history(h)
    assert dock.readout.text() == f"iteration 5: loss {fmt(0.01)}, ‖g‖ {fmt(0.1)}"


def test_hovering_the_norm_plot_reads_the_same_iteration(qtbot, dock) -> None:
    dock.show_history(history())
    settle(qtbot, dock, len(LOSSES) - 1)
    box = dock.norm_item.getViewBox()
    qtbot.waitUntil(lambda: box.viewRange()[0][1] >= len(NORMS))
    scene = box.mapViewToScene(QPointF(3.1, 1.0))
    qtbot.mouseMove(dock.norm_widget.viewport(), dock.norm_widget.mapFromScene(scene))
    qtbot.waitUntil(lambda: dock.readout.text().startswith("iteration 3:"))


def test_the_view_follows_the_run_until_the_user_zooms(qtbot, dock) -> None:
    """The dock sets the range itself (pyqtgraph's auto-range would paint twice)."""
    box = dock.plot_item.getViewBox()
    assert not any(box.autoRangeEnabled())
    h = history()
    dock.show_history(h)
    (x_lo, x_hi), (y_lo, y_hi) = box.viewRange()
    assert x_lo <= 0 and x_hi >= len(LOSSES) - 1
    assert y_lo < min(LOSSES) and y_hi > max(LOSSES)
    viewport = dock.plot_widget.viewport()
    pos = viewport_point(dock, 1.5, LOSSES[1])
    wheel = QWheelEvent(QPointF(pos), QPointF(viewport.mapToGlobal(pos)), QPoint(0, 0),
                        QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewport, wheel)                 # the user zooms in
    zoomed = box.viewRange()
    h.extend([0.01, 0.009], [0.5, 0.4])
    dock.show_history(h)
    assert box.viewRange() == zoomed                        # and the view stays put
    # What a platform delivers for a double-click: press, release, double-click, release.
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=pos)
    (x_lo, x_hi), _ = box.viewRange()
    assert x_lo <= 0 and x_hi >= len(h) - 1                 # the whole run again


# ---------------------------------------------------- controls and looks
@pytest.mark.parametrize(("kind", "name"), [
    (QCheckBox, "lossLogY"), (QCheckBox, "lossPerSample"), (QPushButton, "lossExportCsv"),
    (QPushButton, "lossExportPng"), (QLabel, "lossReadout"),
])
def test_every_control_has_a_name_and_a_tooltip(dock, kind, name) -> None:
    widget = dock.findChild(kind, name)
    assert widget is not None and widget.toolTip()


def test_names_labels_and_sizes_for_a_projector(dock) -> None:
    assert dock.objectName() == "lossPlot" and dock.windowTitle() == "Loss"
    assert dock.plot_widget.objectName() == "lossPlotWidget"
    assert dock.norm_widget.objectName() == "gradientNormPlot"
    assert dock.norm_item.getViewBox().linkedView(0) is dock.plot_item.getViewBox()
    for item, left in ((dock.plot_item, "loss"), (dock.norm_item, "‖g‖")):
        for side, label in (("left", left), ("bottom", "iteration")):
            axis = item.getAxis(side)
            assert axis.labelText == label
            assert axis.style["tickFont"].pixelSize() >= 14
            assert int(axis.labelStyle["font-size"].removesuffix("px")) >= 16
    for item in (dock.curve, dock.norm_curve):
        assert item.opts["pen"].widthF() >= 2.5
    assert dock.curve.opts["pen"].color().name() == "#0072b2"
    assert dock.norm_curve.opts["pen"].color().name() == "#009e73"
    assert dock.marker.opts["brush"].color().name() == "#d55e00"


def test_themes_set_background_and_text(dock) -> None:
    dock.per_sample.setChecked(True)
    dock.show_history(history(samples=np.ones((len(LOSSES), 6))))
    for theme in (DARK, LIGHT):
        dock.set_theme(theme)
        for widget, item in ((dock.plot_widget, dock.plot_item),
                             (dock.norm_widget, dock.norm_item)):
            assert widget.backgroundBrush().color() == theme.background
            assert item.getAxis("left").textPen().color() == theme.text
        assert dock.curve.opts["pen"].color() == theme.positive
        assert all(item.opts["pen"].color().alpha() < 255 for item in dock.sample_curves)
        assert dock.sample_curves[4].opts["pen"].color().rgb() == theme.text.rgb()
        dock.grab()
