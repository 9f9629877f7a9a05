"""The Loss dock: the dataset loss against iteration, the gradient norm below it, and
the controls to read, rescale and export them.

It owns two pyqtgraph plots, the items on them and the controls row; it only reads a
:class:`~bpgui.engine.history.History` and never changes it (Reset is the trainer's
business; :meth:`LossPlotDock.clear` just forgets what was shown).

Drawing cost stays flat up to 10⁶ iterations, since :meth:`LossPlotDock.show_history`
runs about ten times a second during training:

- every curve is ONE ``PlotDataItem``, created once and fed with ``setData``; no item is
  ever created per update (per-sample curves are created once, on first use);
- ``setData`` gets views of the history's arrays and of one cached ``arange`` of
  iteration numbers, so nothing is copied or converted per point in Python;
- peak downsampling keeps two points (min and max) per pixel column, so a spike stays
  visible, and clip-to-view draws only what is in view once the user zooms in;
- the log scale is computed here, once per new point (:class:`_Series`): pyqtgraph's
  own log mode would take log10 of all 10⁶ points on every update (about 11 ms); the
  per-sample columns are copied to contiguous buffers the same way, a new tail at a time;
- ``connect="finite"`` breaks the line at NaN and ∞ (a diverged run), and in log scale
  at a loss of exactly 0, instead of failing;
- pyqtgraph's dynamic-range clipping (a full scan per update) is switched on only once
  a curve holds a huge finite value, the case it exists for.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from pyqtgraph.GraphicsScene.mouseEvents import MouseClickEvent
from PySide6.QtCore import (
    QEvent,
    QIODevice,
    QObject,
    QPointF,
    QSaveFile,
    QSignalBlocker,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QMouseEvent, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from bpgui.engine.history import History
from bpgui.network.errors import BpguiError
from bpgui.network.fileformat import atomic_write_text
from bpgui.network.numbers import fmt
from bpgui.ui.base.theme import LIGHT, Theme, font
from bpgui.ui.base.widgets import named

LOSS_COLOUR = "#0072B2"       # Okabe–Ito blue; on the dark theme its theme.positive, #56B4E9
NORM_COLOUR = "#009E73"       # bluish green
MARKER_COLOUR = "#D55E00"     # vermillion
# The Okabe–Ito colours not used above; black stands for the theme's text colour.
SAMPLE_COLOURS = ("#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "text")
SAMPLE_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine,
                 Qt.PenStyle.DashDotLine)
SAMPLE_ALPHA = 130
MAX_SAMPLE_CURVES = 16
PEN_WIDTH = 3.0
AXIS_PEN_WIDTH = 1.5
SAMPLE_PEN_WIDTH = 2.5
TICK_PX = 16
LABEL_PX = 18
READOUT_PX = 18
AXIS_WIDTH = 96               # both left axes alike, so the two plots' x axes line up
EXPORT_WIDTH = 1600
HUGE = 1e6                    # past this, a curve gets pyqtgraph's dynamic-range clipping
NO_DATA = "Hover over the plot to read the loss at an iteration."
NOTHING_YET = "Nothing to export yet: train the network first."


def _rounded_out(lo: float, hi: float) -> tuple[float, float]:
    """[lo, hi] widened to multiples of a power of ten between 1/100 and 1/10 of hi − lo."""
    step = 10.0 ** (math.floor(math.log10(hi - lo)) - 1)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step


class _Series:
    """What one curve draws from one growing array of a :class:`History`.

    A contiguous array in linear scale is drawn as it is (a view, nothing copied). In log
    scale the log10 (0, negative and non-finite values → NaN, a gap), and for a strided
    column of the per-sample matrix a contiguous copy (reductions over a strided column
    read the whole matrix), are kept in a buffer of our own. History entries never change
    once written, so each call maps only the entries that are new since the last one.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._owner: object = None
        self._buffer = np.empty(0)
        self._done = 0          # entries of _buffer filled
        self._log = False       # what _buffer holds: log10 or plain copies
        self._scanned = 0       # entries looked at for huge values
        self.huge = False       # some finite value beyond ±HUGE
        self._bounded = (False, 0)  # (log, entries) the bounds cover
        self.bounds = (math.inf, -math.inf)   # finite min and max of what is drawn

    def _grow_bounds(self, drawn: np.ndarray, log: bool) -> None:
        """Widen :attr:`bounds` by the entries not seen yet (the view follows them)."""
        seen_log, seen = self._bounded
        if seen_log != log or seen > len(drawn):
            self.bounds, seen = (math.inf, -math.inf), 0
        tail = drawn[seen:]
        finite = tail[np.isfinite(tail)] if len(tail) else tail
        if len(finite):
            self.bounds = (min(self.bounds[0], float(finite.min())),
                           max(self.bounds[1], float(finite.max())))
        self._bounded = (log, len(drawn))

    def drawn(self, owner: object, values: np.ndarray, log: bool) -> np.ndarray:
        n = len(values)
        if owner is not self._owner or n < self._scanned:
            self.reset()
            self._owner = owner
        if self._scanned < n:
            size = np.abs(values[self._scanned:])
            self.huge = self.huge or bool(((size > HUGE) & (size < np.inf)).any())
            self._scanned = n
        if not log and values.flags.c_contiguous:
            self._grow_bounds(values, log)
            return values
        if log != self._log:
            self._log, self._done = log, 0
        if len(self._buffer) < n:
            grown = np.empty(max(n, 2 * len(self._buffer), 1024))
            grown[:self._done] = self._buffer[:self._done]
            self._buffer = grown
        if self._done < n:
            tail = self._buffer[self._done:n]
            if log:
                with np.errstate(divide="ignore", invalid="ignore"):
                    np.log10(values[self._done:], out=tail)
                tail[~np.isfinite(tail)] = np.nan
            else:
                tail[:] = values[self._done:]
            self._done = n
        self._grow_bounds(self._buffer[:n], log)
        return self._buffer[:n]


class _Curve(pg.PlotDataItem):
    """A PlotDataItem handed its y values already on the axis scale (:class:`_Series`), so
    it ignores the PlotItem's log mode instead of re-mapping every point per update."""

    resting = False     # the dock is about to set new data: a range change need not redo it

    def setLogMode(self, xState: bool, yState: bool) -> None:
        """Deliberately not applied: the dock maps the data (see the module docstring)."""

    def viewRangeChanged(self, vb: object = None, ranges: object = None,
                         changed: object = None) -> None:
        if not _Curve.resting:
            super().viewRangeChanged(vb, ranges, changed)


class LossPlotDock(QDockWidget):
    """The training loss and gradient norm per iteration, with a readout and exports."""

    status = Signal(str)  # what an export did, or why it could not

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Loss", parent)
        self.setObjectName("lossPlot")
        self._theme: Theme = LIGHT
        self._history: History | None = None
        self._diverged_at: int | None = None
        self._x = np.arange(1024, dtype=np.int64)  # iteration numbers; curves get views
        self._hovered: int | None = None
        self._pinned: int | None = None
        self._mouse: tuple[QPointF, pg.PlotItem] | None = None  # last scene position, plot
        self._series: dict[_Curve, _Series] = {}
        self._deferred: list[tuple[_Curve, np.ndarray, np.ndarray]] | None = None

        self.plot_widget = pg.PlotWidget()
        self.plot_widget.setObjectName("lossPlotWidget")
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.norm_widget = pg.PlotWidget()
        self.norm_widget.setObjectName("gradientNormPlot")
        self.norm_item: pg.PlotItem = self.norm_widget.getPlotItem()
        for item in (self.plot_item, self.norm_item):
            # Before any item is added: addItem copies these modes onto each PlotDataItem.
            item.setClipToView(True)
            item.setDownsampling(auto=True, mode="peak")
            item.showGrid(x=True, y=True, alpha=0.2)
            item.setAutoVisible(y=True)
            item.getAxis("left").setWidth(AXIS_WIDTH)
            for side in ("left", "bottom"):    # 0.4, not "400" with an "(m)" unit cut off
                item.getAxis(side).enableAutoSIPrefix(False)
            for side in ("left", "bottom"):  # major and minor grid lines, not the finest
                item.getAxis(side).setStyle(maxTickLevel=1)
            # Keep the view menu (View All, mouse mode), drop "Plot Options" (FFT, averaging…).
            item.setMenuEnabled(False, enableViewBoxMenu=True)
        self.norm_item.setXLink(self.plot_item)
        # The view follows the run by setting its range itself: pyqtgraph's auto-range
        # changes the range while painting, which paints every plot twice (measured: 35
        # ms a frame instead of 14). A pan or zoom stops following; a double-click or
        # the corner's A button follows again.
        self._follow = True
        for item in (self.plot_item, self.norm_item):
            item.disableAutoRange()
            item.getViewBox().sigRangeChangedManually.connect(self._stop_following)
            item.autoBtn.clicked.connect(self.follow)

        self.curve = self._data_item(self.plot_item, z=10)
        self.norm_curve = self._data_item(self.norm_item, z=10)
        self.sample_curves: list[_Curve] = []
        self.marker = pg.ScatterPlotItem(size=16, symbol="o")
        self.marker.setZValue(20)
        self.marker.hide()
        self.plot_item.addItem(self.marker, ignoreBounds=True)
        self.probe = pg.ScatterPlotItem(size=20, symbol="o", brush=None)
        self.probe.setZValue(30)
        self.probe.hide()
        self.plot_item.addItem(self.probe, ignoreBounds=True)
        self.divergence_line = pg.InfiniteLine(
            angle=90, movable=False, label="diverged",
            labelOpts={"position": 0.9, "anchors": [(1.05, 0.5), (1.05, 0.5)]})
        self.divergence_line.label.setFont(font(TICK_PX))
        self.divergence_line.setZValue(5)
        self.divergence_line.hide()
        self.plot_item.addItem(self.divergence_line, ignoreBounds=True)

        self.log_y = named(QCheckBox("Log scale"), "lossLogY", "Draw the loss on a "
                           "logarithmic axis, so slow late progress stays visible. A loss "
                           "of exactly 0 leaves a gap (its logarithm is −∞).")
        self.per_sample = named(QCheckBox("Per sample"), "lossPerSample", "Also draw each "
                                f"sample's own loss (the first {MAX_SAMPLE_CURVES} samples, "
                                "fainter), when the run records them.")
        self.export_csv_button = named(QPushButton("Export CSV…"), "lossExportCsv",
                                       "Save iteration, loss and ‖g‖ of every iteration as "
                                       "a CSV file.")
        self.export_png_button = named(QPushButton("Export PNG…"), "lossExportPng",
                                       "Save the loss plot as a PNG image at least "
                                       f"{EXPORT_WIDTH:,} pixels wide.")
        # The plots themselves get no tooltip: it would cover the curve being read.
        self.readout = named(QLabel(NO_DATA), "lossReadout", "The iteration under the "
                             "mouse, its dataset loss (iteration 0 is before training) and "
                             "‖g‖ of the update that led to it; a click on the plot keeps "
                             "that point here, otherwise the latest iteration shows. Drag "
                             "to pan, wheel to zoom; double-click (or the small A in the "
                             "corner) follows the whole run again.")
        self.readout.setFont(font(READOUT_PX))
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_y.toggled.connect(lambda on: self.plot_item.setLogMode(y=on))
        self.plot_item.ctrl.logYCheck.toggled.connect(self._on_log_mode)
        self.per_sample.toggled.connect(self._update_samples)
        self.export_csv_button.clicked.connect(lambda: self.export_csv())
        self.export_png_button.clicked.connect(lambda: self.export_png())

        controls = QHBoxLayout()
        for widget in (self.log_y, self.per_sample):
            controls.addWidget(widget)
        controls.addWidget(self.readout, 1)
        for widget in (self.export_csv_button, self.export_png_button):
            controls.addWidget(widget)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(controls)
        layout.addWidget(self.plot_widget, 3)
        layout.addWidget(self.norm_widget, 1)
        self.setWidget(body)

        for widget, item in ((self.plot_widget, self.plot_item),
                             (self.norm_widget, self.norm_item)):
            widget.viewport().setMouseTracking(True)
            widget.viewport().installEventFilter(self)
            widget.scene().sigMouseClicked.connect(
                lambda event, item=item: self._on_click(event, item))
        self.set_theme(self._theme)

    def _data_item(self, plot: pg.PlotItem, z: float) -> _Curve:
        item = _Curve(connect="finite", clipToView=True, autoDownsample=True,
                      downsampleMethod="peak", autoDownsampleFactor=1.0,
                      dynamicRangeLimit=None)
        item.setZValue(z)
        plot.addItem(item)
        self._series[item] = _Series()
        return item

    def _feed(self, item: _Curve, x: np.ndarray, values: np.ndarray, log: bool) -> None:
        """``item.setData`` with ``values`` mapped to the axis scale."""
        assert self._history is not None
        series = self._series[item]
        y = series.drawn(self._history, values, log)
        item.setDynamicRangeLimit(HUGE if series.huge and not log else None)
        if self._deferred is not None:
            self._deferred.append((item, x, y))
        else:
            item.setData(x=x, y=y)

    # ------------------------------------------------------------- showing
    def show_history(self, history: History, diverged_at: int | None = None) -> None:
        """Draw ``history`` (cheap enough for every frame of a run); ``diverged_at`` adds a
        dashed line at that iteration."""
        n = len(history)
        if n == 0:
            self.clear()
            self._history = history
            return
        self._history = history
        self._diverged_at = diverged_at
        x = self._iterations(n + 1)
        # The range is set before the data: each setData and each range change makes
        # pyqtgraph downsample all 10⁶ points again, so one of each per frame.
        self._deferred = []
        self._feed(self.curve, x[:n], history.losses, self._log_y())
        norms = history.gradient_norms
        self._feed(self.norm_curve, x[1:len(norms) + 1], norms, False)
        self._update_samples()
        if self._follow:
            _Curve.resting = True           # the setData below downsamples for the range
            try:
                self._fit()
            finally:
                _Curve.resting = False
        deferred, self._deferred = self._deferred, None
        for item, xs, ys in deferred:
            item.setData(x=xs, y=ys)
        if diverged_at is None:
            self.divergence_line.hide()
        else:
            self.divergence_line.setValue(diverged_at)
            self.divergence_line.show()
        if self._pinned is not None and self._pinned >= n:
            self._pinned = None
        # The view grows under a still mouse: read the iteration now under it.
        self._hovered = None if self._mouse is None else self._nearest(*self._mouse)
        self._place_marker()
        self._show_readout()

    def follow(self) -> None:
        """Show the whole run again, and keep showing it as it grows."""
        self._follow = True
        for item in (self.plot_item, self.norm_item):
            item.disableAutoRange()          # (the A button turned pyqtgraph's own on)
        self._fit()

    def _stop_following(self, *_: object) -> None:
        self._follow = False

    def _fit(self) -> None:
        """Range: every iteration, and the drawn values of each plot, padded a little and
        rounded out to a grid of a hundredth of their size, so that most frames of a run
        keep the range: then pyqtgraph need not lay out the axes' ticks again."""
        if self._history is None or not len(self._history):
            return
        right = _rounded_out(0.0, max(len(self._history) - 1, 1) * 1.02)[1]
        self.plot_item.setXRange(-0.02 * right, right, padding=0)
        for plot, curves in ((self.plot_item, [self.curve, *self.visible_samples()]),
                             (self.norm_item, [self.norm_curve])):
            lows, highs = zip(*(self._series[c].bounds for c in curves), strict=True)
            lo, hi = min(lows), max(highs)
            if math.isfinite(lo) and math.isfinite(hi):
                pad = (hi - lo) * 0.06 or max(abs(hi) * 0.1, 1e-12)
                plot.setYRange(*_rounded_out(lo - pad, hi + pad), padding=0)
        for plot in (self.plot_item, self.norm_item):
            # Now, not in the next paint: applied during a paint, the new range asks for
            # a second one.
            plot.getViewBox().updateMatrix()

    def visible_samples(self) -> list[_Curve]:
        return [c for c in self.sample_curves if c.isVisible()]

    def clear(self) -> None:
        """Forget the shown history: empty curves, no marker, no divergence line."""
        self._history = None
        self._diverged_at = None
        self._hovered = self._pinned = self._mouse = None
        empty = self._x[:0]
        for item, series in self._series.items():
            series.reset()
            item.setData(x=empty, y=empty.astype(np.float64))
        for item in (self.marker, self.probe, self.divergence_line):
            item.hide()
        self.readout.setText(NO_DATA)

    def _iterations(self, n: int) -> np.ndarray:
        """0, 1, …, n − 1 as a view of one cached array (grown by doubling)."""
        if len(self._x) < n:
            self._x = np.arange(max(n, 2 * len(self._x)), dtype=np.int64)
        return self._x[:n]

    def _update_samples(self) -> None:
        history = self._history
        data = None if history is None else history.sample_losses
        if not self.per_sample.isChecked() or data is None or not len(data):
            for item in self.sample_curves:
                item.hide()
            return
        count = min(data.shape[1], MAX_SAMPLE_CURVES)
        while len(self.sample_curves) < count:
            item = self._data_item(self.plot_item, z=0)
            item.setPen(self._sample_pen(len(self.sample_curves)))
            self.sample_curves.append(item)
        x = self._iterations(data.shape[0])
        log = self._log_y()
        for j, item in enumerate(self.sample_curves):
            if j < count:
                self._feed(item, x, data[:, j], log)
                item.show()
            else:
                item.hide()

    def _log_y(self) -> bool:
        return self.plot_item.ctrl.logYCheck.isChecked()

    def _plotted(self, t: int) -> tuple[float, float] | None:
        """Where the loss at iteration ``t`` is drawn (log10 in log scale), if at all."""
        assert self._history is not None
        loss = float(self._history.losses[t])
        if not math.isfinite(loss) or (self._log_y() and loss <= 0):
            return None
        return float(t), math.log10(loss) if self._log_y() else loss

    def _place(self, item: pg.ScatterPlotItem, t: int | None) -> None:
        spot = None if t is None or self._history is None else self._plotted(t)
        if spot is None:
            item.hide()
            return
        item.setData(x=[spot[0]], y=[spot[1]])
        item.show()

    def _place_marker(self) -> None:
        """The marker goes on the last iteration, or on the last finite loss before it."""
        assert self._history is not None
        losses = self._history.losses
        last = len(losses) - 1
        if not math.isfinite(losses[last]):
            finite = np.flatnonzero(np.isfinite(losses))
            last = int(finite[-1]) if len(finite) else -1
        self._place(self.marker, None if last < 0 else last)
        self._place(self.probe, self._hovered if self._hovered is not None else self._pinned)

    def _on_log_mode(self, on: bool) -> None:
        """The PlotItem switched its axis to (or from) log: redraw the data to match."""
        with QSignalBlocker(self.log_y):
            self.log_y.setChecked(on)
        if self._history is not None and len(self._history):
            self.show_history(self._history, self._diverged_at)

    # ------------------------------------------------------------- readout
    def readout_text(self, t: int) -> str:
        """``iteration 1,234: loss 0.04567, ‖g‖ 0.1234`` for iteration ``t``."""
        assert self._history is not None
        text = f"iteration {t:,}: loss {fmt(self._history.losses[t])}"
        norms = self._history.gradient_norms
        if 0 < t <= len(norms):
            text += f", ‖g‖ {fmt(norms[t - 1])}"
        return text

    def _show_readout(self) -> None:
        if self._history is None or not len(self._history):
            self.readout.setText(NO_DATA)
            return
        for t in (self._hovered, self._pinned):
            if t is not None:
                self.readout.setText(self.readout_text(t))
                return
        self.readout.setText(self.readout_text(len(self._history) - 1))

    def _nearest(self, scene_pos: QPointF, item: pg.PlotItem) -> int | None:
        """The iteration nearest the mouse x (clamped to the history), or None off the
        plot area."""
        if self._history is None or not len(self._history):
            return None
        box = item.getViewBox()
        if not box.sceneBoundingRect().contains(scene_pos):
            return None
        x = box.mapSceneToView(scene_pos).x()
        if not math.isfinite(x):
            return None
        return min(max(round(x), 0), len(self._history) - 1)

    def _hover(self, t: int | None) -> None:
        if t == self._hovered:
            return
        self._hovered = t
        if self._history is not None and len(self._history):
            self._place(self.probe, t if t is not None else self._pinned)
        self._show_readout()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Mouse moves over either plot's viewport set the hovered iteration (every move,
        unlike pyqtgraph's rate-limited sigMouseMoved)."""
        for widget, item in ((self.plot_widget, self.plot_item),
                             (self.norm_widget, self.norm_item)):
            if watched is widget.viewport():
                if event.type() == QEvent.Type.MouseMove:
                    assert isinstance(event, QMouseEvent)
                    self._mouse = (QPointF(widget.mapToScene(event.position().toPoint())),
                                   item)
                    self._hover(self._nearest(*self._mouse))
                elif event.type() == QEvent.Type.Leave:
                    self._mouse = None
                    self._hover(None)
                break
        return super().eventFilter(watched, event)

    def _on_click(self, event: MouseClickEvent, item: pg.PlotItem) -> None:
        """A click keeps its iteration in the readout; a double-click fits the whole run."""
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if event.double():
            self.follow()
            return
        t = self._nearest(event.scenePos(), item)
        if t is not None:
            self._pinned = t
            self._place(self.probe, t)
            self._show_readout()

    # ------------------------------------------------------------- exports
    def export_csv(self, path: str | None = None) -> bool:
        """Write the shown history as ``iteration,loss,gradient_norm`` rows; ask for the
        file when ``path`` is None. False when nothing was written."""
        if self._history is None or not len(self._history):
            self.status.emit(NOTHING_YET)
            return False
        if path is None:
            path = QFileDialog.getSaveFileName(
                self, "Export loss history", str(Path.cwd() / "loss_history.csv"),
                "CSV files (*.csv);;All files (*)")[0]
            if not path:
                return False
        try:
            atomic_write_text(path, self._history.csv())
        except (BpguiError, OSError) as exc:
            self.status.emit(f"Loss history not saved: {exc}")
            return False
        self.status.emit(f"Saved loss history to {path}.")
        return True

    def export_png(self, path: str | None = None) -> bool:
        """Save the loss plot as a PNG at least 1,600 pixels wide; ask for the file when
        ``path`` is None. False when nothing was written."""
        if self._history is None or not len(self._history):
            self.status.emit(NOTHING_YET)
            return False
        if path is None:
            path = QFileDialog.getSaveFileName(
                self, "Export loss plot", str(Path.cwd() / "loss.png"),
                "PNG images (*.png)")[0]
            if not path:
                return False
        folder = Path(path).parent
        if not folder.is_dir():
            self.status.emit(f"Loss plot not saved: the folder {folder} does not exist.")
            return False
        if self.plot_item.sceneBoundingRect().isEmpty():
            self.status.emit("Loss plot not saved: the plot has no size yet; show the Loss "
                             "dock first.")
            return False
        exporter = ImageExporter(self.plot_item)
        width = max(EXPORT_WIDTH, 2 * round(self.plot_item.sceneBoundingRect().width()))
        exporter.parameters()["width"] = width
        self._set_pens(width / self.plot_item.sceneBoundingRect().width())
        try:
            image = exporter.export(toBytes=True)
        finally:
            self._set_pens()
        file = QSaveFile(path)  # written next to the target and renamed: never half a file
        ok = (file.open(QIODevice.OpenModeFlag.WriteOnly) and image.save(file, "PNG")
              and file.commit())
        if not ok:
            reason = file.errorString() or "the image could not be encoded"
            file.cancelWriting()
            self.status.emit(f"Loss plot not saved: {path}: {reason}.")
            return False
        self.status.emit(f"Saved loss plot to {path}.")
        return True

    # --------------------------------------------------------------- theme
    def set_theme(self, theme: Theme) -> None:
        """Background, axes, text and the theme-dependent curve colours."""
        self._theme = theme
        for widget, item, label in ((self.plot_widget, self.plot_item, "loss"),
                                    (self.norm_widget, self.norm_item, "‖g‖")):
            widget.setBackground(theme.background)
            for side, name in (("left", label), ("bottom", "iteration")):
                axis = item.getAxis(side)
                axis.setTextPen(theme.text)
                axis.setTickFont(font(TICK_PX))
                axis.setLabel(name, **{"font-size": f"{LABEL_PX}px",
                                       "color": theme.text.name()})
        self.marker.setBrush(pg.mkBrush(MARKER_COLOUR))
        self.divergence_line.label.setColor(theme.text)
        self._set_pens()

    def _set_pens(self, scale: float = 1.0) -> None:
        """Every pen of the theme, ``scale`` times as wide: pens are cosmetic (in device
        pixels), so an export drawn larger than the screen widens them to match its text."""
        theme = self._theme
        axis_pen = pg.mkPen(theme.text, width=AXIS_PEN_WIDTH * scale)
        for item in (self.plot_item, self.norm_item):
            for side in ("left", "bottom"):
                item.getAxis(side).setPen(axis_pen)
        loss = QColor(LOSS_COLOUR if theme.name == "light" else theme.positive)
        self.curve.setPen(pg.mkPen(loss, width=PEN_WIDTH * scale))
        self.norm_curve.setPen(pg.mkPen(NORM_COLOUR, width=PEN_WIDTH * scale))
        self.marker.setPen(pg.mkPen(theme.background, width=2 * scale))
        self.probe.setPen(pg.mkPen(theme.text, width=PEN_WIDTH * scale))
        self.divergence_line.setPen(pg.mkPen(theme.text, width=PEN_WIDTH * scale,
                                             style=Qt.PenStyle.DashLine))
        for j, item in enumerate(self.sample_curves):
            item.setPen(self._sample_pen(j, scale))

    def _sample_pen(self, j: int, scale: float = 1.0) -> QPen:
        name = SAMPLE_COLOURS[j % len(SAMPLE_COLOURS)]
        colour = QColor(self._theme.text if name == "text" else name)
        if self._theme.name != "light" and name == "#56B4E9":
            colour = QColor(LOSS_COLOUR)  # the dark theme's loss curve is the sky blue
        colour.setAlpha(SAMPLE_ALPHA)
        style = SAMPLE_STYLES[(j // len(SAMPLE_COLOURS)) % len(SAMPLE_STYLES)]
        return pg.mkPen(colour, width=SAMPLE_PEN_WIDTH * scale, style=style)
