"""The Loss dock: the dataset loss against iteration, the gradient norm below it, and
the controls to read, rescale and export them.

It owns the two pyqtgraph plots, the marker, probe and divergence line on them, the
controls row and the readout; the curves and the range that follows the run are
:class:`~bpgui.ui.training.loss_curves.LossCurves`' (which also says why drawing cost
stays flat up to 10⁶ iterations), the CSV and PNG files
:mod:`~bpgui.ui.training.loss_export`'s. It only reads a
:class:`~bpgui.engine.history.History` and never changes it (Reset is the trainer's
business; :meth:`LossPlotDock.clear` just forgets what was shown).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from pyqtgraph.GraphicsScene.mouseEvents import MouseClickEvent
from PySide6.QtCore import QEvent, QObject, QPointF, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bpgui.engine.history import History
from bpgui.network.numbers import fmt
from bpgui.ui.base.theme import LIGHT, Theme, font
from bpgui.ui.base.widgets import named
from bpgui.ui.training.level_plot import LevelPlot
from bpgui.ui.training.loss_curves import (
    MAX_SAMPLE_CURVES,
    PEN_WIDTH,
    LossCurves,
    loss_colour,
    test_colour,
)
from bpgui.ui.training.loss_export import EXPORT_WIDTH, export_csv, export_png

MARKER_COLOUR = "#D55E00"     # vermillion
AXIS_PEN_WIDTH = 1.5
TICK_PX = 16
LABEL_PX = 18
READOUT_PX = 18
AXIS_WIDTH = 96               # both left axes alike, so the two plots' x axes line up
MIN_HEIGHT = 160
NO_DATA = "Hover over the plot to read the loss at an iteration."


class LossPlotDock(QDockWidget):
    """The training loss and gradient norm per iteration, with a readout and exports."""

    status = Signal(str)  # what an export did, or why it could not

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Loss", parent)
        self.setObjectName("lossPlot")
        self._theme: Theme = LIGHT
        self._history: History | None = None
        self._diverged_at: int | None = None
        self._hovered: int | None = None
        self._pinned: int | None = None
        self._mouse: tuple[QPointF, pg.PlotItem] | None = None  # last scene position, plot

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
        # The view follows the run (a pan or zoom stops it; a double-click or the
        # corner's A button follows again).
        self.curves = LossCurves(self.plot_item, self.norm_item)
        self.curve = self.curves.curve
        self.norm_curve = self.curves.norm_curve
        self.sample_curves = self.curves.sample_curves      # the same list, grown there
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
                                       "Save iteration, loss and ‖g‖ (and the test loss, "
                                       "if there are test samples) of every iteration as "
                                       "a CSV file.")
        self.export_png_button = named(QPushButton("Export PNG…"), "lossExportPng",
                                       "Save the loss plot as a PNG image at least "
                                       f"{EXPORT_WIDTH:,} pixels wide.")
        # The plots themselves get no tooltip: it would cover the curve being read.
        self.readout = named(QLabel(NO_DATA), "lossReadout", "The iteration under the "
                             "mouse, its training loss (iteration 0 is before training), the "
                             "test samples' loss if there are any, and "
                             "‖g‖ of the update that led to it; a click on the plot keeps "
                             "that point here, otherwise the latest iteration shows. Drag "
                             "to pan, wheel to zoom; double-click (or the small A in the "
                             "corner) follows the whole run again.")
        # The key of the two curves, beside the plot rather than over a curve (the plot is
        # low); shown only when there are test samples.
        self.legend = named(QLabel(), "lossLegend", "The training loss is what gradient "
                            "descent lowers; the test loss is measured on the test samples, "
                            "which training never uses. When it turns up while the training "
                            "loss keeps falling, the network is overfitting.")
        self.legend.setFont(font(READOUT_PX))
        self.legend.hide()
        self.readout.setFont(font(READOUT_PX))
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_y.toggled.connect(lambda on: self.plot_item.setLogMode(y=on))
        self.plot_item.ctrl.logYCheck.toggled.connect(self._on_log_mode)
        self.per_sample.toggled.connect(self.curves.show_samples)
        self.export_csv_button.clicked.connect(lambda: self.export_csv())
        self.export_png_button.clicked.connect(lambda: self.export_png())

        controls = QHBoxLayout()
        for widget in (self.log_y, self.per_sample, self.legend):
            controls.addWidget(widget)
        controls.addWidget(self.readout, 1)
        for button in (self.export_csv_button, self.export_png_button):
            controls.addWidget(button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(controls)
        layout.addWidget(self.plot_widget, 3)
        layout.addWidget(self.norm_widget, 1)
        self.levels = LevelPlot()       # how large δ is at each depth: its own tab
        self.tabs = QTabWidget()
        self.tabs.setObjectName("lossTabs")
        self.tabs.setMinimumHeight(MIN_HEIGHT)    # the tab bar must not make the dock taller
        self.tabs.addTab(body, "Loss")
        self.tabs.addTab(self.levels, "Per level")
        self.tabs.setTabToolTip(1, "Mean |δ| of each level of the network per update, on "
                                "a log scale: where gradients vanish.")
        self.setWidget(self.tabs)

        for widget, item in ((self.plot_widget, self.plot_item),
                             (self.norm_widget, self.norm_item)):
            widget.viewport().setMouseTracking(True)
            widget.viewport().installEventFilter(self)
            widget.scene().sigMouseClicked.connect(
                lambda event, item=item: self._on_click(event, item))
        self.set_theme(self._theme)

    # ------------------------------------------------------------- showing
    def show_history(self, history: History, diverged_at: int | None = None) -> None:
        """Draw ``history`` (cheap enough for every frame of a run); ``diverged_at`` adds a
        dashed line at that iteration."""
        n = len(history)
        self.levels.show_history(history)
        if n == 0:
            self.clear()
            self._history = history
            return
        self._history = history
        self._diverged_at = diverged_at
        self.curves.draw(history, self.per_sample.isChecked())
        self.legend.setVisible(history.has_tests)
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

    def clear(self) -> None:
        """Forget the shown history: empty curves, no marker, no divergence line."""
        self._history = None
        self._diverged_at = None
        self._hovered = self._pinned = self._mouse = None
        self.curves.clear()
        self.levels.clear()
        self.legend.hide()
        for item in (self.marker, self.probe, self.divergence_line):
            item.hide()
        self.readout.setText(NO_DATA)

    def _log_y(self) -> bool:
        return self.curves.log_y()

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
        """``iteration 1,234: loss 0.04567, test loss 0.0891, ‖g‖ 0.1234`` for iteration
        ``t`` (the test loss only when there are test samples)."""
        assert self._history is not None
        text = f"iteration {t:,}: loss {fmt(self._history.losses[t])}"
        if self._history.has_tests and math.isfinite(self._history.test_losses[t]):
            text += f", test loss {fmt(self._history.test_losses[t])}"
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
        x: float = box.mapSceneToView(scene_pos).x()      # a QPointF's x
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
            self.curves.follow()
            return
        t = self._nearest(event.scenePos(), item)
        if t is not None:
            self._pinned = t
            self._place(self.probe, t)
            self._show_readout()

    # ------------------------------------------------------------- exports
    def export_csv(self, path: str | None = None) -> bool:
        """Write the shown history as ``iteration,loss,gradient_norm`` rows; ask for the
        file when ``path`` is None. False when nothing was written; a long history is
        written in a worker thread, True then meaning it was started (``status`` says
        when it is done)."""
        return export_csv(self, self._history, path, self.status.emit)

    def export_png(self, path: str | None = None) -> bool:
        """Save the loss plot as a PNG at least 1,600 pixels wide; ask for the file when
        ``path`` is None. False when nothing was written."""
        return export_png(self, self._history, self.plot_item, self._set_pens, path,
                          self.status.emit)

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
        self.levels.set_theme(theme)
        self.legend.setText(f'<span style="color:{loss_colour(theme).name()}">━━</span> '
                            f'training loss&nbsp;&nbsp; <span style="color:'
                            f'{test_colour(theme).name()}">╍╍</span> test loss'
                            + '&nbsp;' * 4)
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
        self.curves.set_pens(theme, scale)
        self.marker.setPen(pg.mkPen(theme.background, width=2 * scale))
        self.probe.setPen(pg.mkPen(theme.text, width=PEN_WIDTH * scale))
        self.divergence_line.setPen(pg.mkPen(theme.text, width=PEN_WIDTH * scale,
                                             style=Qt.PenStyle.DashLine))
