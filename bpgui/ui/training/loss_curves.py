"""The Loss dock's curves: what each one draws from a growing
:class:`~bpgui.engine.history.History`, and the view range that follows the run.

:class:`LossCurves` owns the loss, test-loss, gradient-norm and per-sample curves
(``PlotDataItem``) of the dock's two plots, feeds them and fits the range to them; the
dock owns the plots, the controls, the curves' key, the readout and the markers.

Drawing cost stays flat up to 10⁶ iterations, since :meth:`LossCurves.draw` runs about
ten times a second during training:

- every curve is ONE ``PlotDataItem``, created once and fed with ``setData``; no item is
  ever created per update (per-sample curves are created once, on first use);
- ``setData`` gets views of the history's arrays and of one cached ``arange`` of
  iteration numbers, so nothing is copied or converted per point in Python;
- peak downsampling keeps two points (min and max) per pixel column, so a spike stays
  visible, and clip-to-view draws only what is in view once the user zooms in;
- the log scale is computed here, once per new point (:class:`Series`): pyqtgraph's
  own log mode would take log10 of all 10⁶ points on every update (about 11 ms); the
  per-sample columns are copied to contiguous buffers the same way, a new tail at a time;
- ``connect="finite"`` breaks the line at NaN and ∞ (a diverged run), and in log scale
  at a loss of exactly 0, instead of failing;
- pyqtgraph's dynamic-range clipping (a full scan per update) is switched on only once
  a curve holds a huge finite value, the case it exists for.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QCheckBox

from bpgui.engine.history import History
from bpgui.ui.base.theme import LIGHT, Theme

LOSS_COLOUR = "#0072B2"       # Okabe–Ito blue; on the dark theme its theme.positive, #56B4E9
NORM_COLOUR = "#009E73"       # bluish green
TEST_COLOUR = "#D55E00"       # vermillion, dashed: the test loss, told from the blue by hue
TEST_STYLE = Qt.PenStyle.DashLine  # and by dash, in greyscale too


def loss_colour(theme: Theme) -> QColor:
    return QColor(LOSS_COLOUR if theme.name == "light" else theme.positive)


def test_colour(theme: Theme) -> QColor:
    return QColor(TEST_COLOUR if theme.name == "light" else "#E69F00")   # orange on dark
# The Okabe–Ito colours not used above or by the dock's marker; black stands for the
# theme's text colour.
SAMPLE_COLOURS = ("#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "text")
SAMPLE_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine,
                 Qt.PenStyle.DashDotLine)
SAMPLE_ALPHA = 130
MAX_SAMPLE_CURVES = 16
PEN_WIDTH = 3.0
SAMPLE_PEN_WIDTH = 2.5
HUGE = 1e6                    # past this, a curve gets pyqtgraph's dynamic-range clipping


def rounded_out(lo: float, hi: float) -> tuple[float, float]:
    """[lo, hi] widened to multiples of a power of ten between 1/100 and 1/10 of hi − lo."""
    step = 10.0 ** (math.floor(math.log10(hi - lo)) - 1)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step


class Series:
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


class Curve(pg.PlotDataItem):
    """A PlotDataItem handed its y values already on the axis scale (:class:`Series`), so
    it ignores the PlotItem's log mode instead of re-mapping every point per update."""

    resting = False     # the dock is about to set new data: a range change need not redo it

    def setLogMode(self, xState: bool, yState: bool) -> None:
        """Deliberately not applied: :class:`Series` maps the data (see the module
        docstring)."""

    def viewRangeChanged(self, vb: object = None, ranges: object = None,
                         changed: object = None) -> None:
        if not Curve.resting:
            super().viewRangeChanged(vb, ranges, changed)



class LossCurves:
    """The curves of the loss plot and of the gradient-norm plot below it, fed from one
    :class:`History`, and the range of both views while they follow the run.

    The view follows the run by setting its range itself: pyqtgraph's auto-range changes
    the range while painting, which paints every plot twice (measured: 35 ms a frame
    instead of 14). A pan or zoom stops following; :meth:`follow` follows again.
    """

    def __init__(self, plot: pg.PlotItem, norm: pg.PlotItem) -> None:
        """Curves on ``plot`` (the loss) and ``norm`` (‖g‖), already set up for peak
        downsampling and clip-to-view (``addItem`` copies those modes onto each curve)."""
        self.plot, self.norm = plot, norm
        self.theme: Theme = LIGHT
        self._history: History | None = None
        self._x = np.arange(1024, dtype=np.int64)  # iteration numbers; curves get views
        self._series: dict[Curve, Series] = {}
        self._deferred: list[tuple[Curve, np.ndarray, np.ndarray]] | None = None
        self.following = True
        for item in (plot, norm):
            item.disableAutoRange()
            item.getViewBox().sigRangeChangedManually.connect(self._stop_following)
            item.autoBtn.clicked.connect(self.follow)
        self.curve = self._data_item(plot, z=10)
        self.test_curve = self._data_item(plot, z=9)
        self.test_curve.hide()
        self.norm_curve = self._data_item(norm, z=10)
        self.sample_curves: list[Curve] = []

    def _data_item(self, plot: pg.PlotItem, z: float) -> Curve:
        item = Curve(connect="finite", clipToView=True, autoDownsample=True,
                     downsampleMethod="peak", autoDownsampleFactor=1.0,
                     dynamicRangeLimit=None)
        item.setZValue(z)
        plot.addItem(item)
        self._series[item] = Series()
        return item

    def _feed(self, item: Curve, x: np.ndarray, values: np.ndarray, log: bool) -> None:
        """``item.setData`` with ``values`` mapped to the axis scale."""
        assert self._history is not None
        series = self._series[item]
        y = series.drawn(self._history, values, log)
        item.setDynamicRangeLimit(HUGE if series.huge and not log else None)
        if self._deferred is not None:
            self._deferred.append((item, x, y))
        else:
            item.setData(x=x, y=y)

    # ------------------------------------------------------------- drawing
    def draw(self, history: History, samples: bool) -> None:
        """Draw ``history`` (not empty), with the per-sample curves if ``samples``, and fit
        the range to it while following."""
        self._history = history
        n = len(history)
        x = self._iterations(n + 1)
        # The range is set before the data: each setData and each range change makes
        # pyqtgraph downsample all 10⁶ points again, so one of each per frame.
        self._deferred = []
        self._feed(self.curve, x[:n], history.losses, self.log_y())
        if history.has_tests:
            self._feed(self.test_curve, x[:n], history.test_losses, self.log_y())
        self.test_curve.setVisible(history.has_tests)
        norms = history.gradient_norms
        self._feed(self.norm_curve, x[1:len(norms) + 1], norms, False)
        self.show_samples(samples)
        if self.following:
            Curve.resting = True            # the setData below downsamples for the range
            try:
                self.fit()
            finally:
                Curve.resting = False
        deferred, self._deferred = self._deferred, None
        for item, xs, ys in deferred:
            item.setData(x=xs, y=ys)

    def show_samples(self, on: bool) -> None:
        """Draw (or hide) each sample's own loss, for the first :data:`MAX_SAMPLE_CURVES`
        samples, when the history records them."""
        history = self._history
        data = None if history is None else history.sample_losses
        if not on or data is None or not len(data):
            for item in self.sample_curves:
                item.hide()
            return
        count = min(data.shape[1], MAX_SAMPLE_CURVES)
        while len(self.sample_curves) < count:
            item = self._data_item(self.plot, z=0)
            item.setPen(self.sample_pen(len(self.sample_curves)))
            self.sample_curves.append(item)
        x = self._iterations(data.shape[0])
        log = self.log_y()
        for j, item in enumerate(self.sample_curves):
            if j < count:
                self._feed(item, x, data[:, j], log)
                item.show()
            else:
                item.hide()

    def visible_samples(self) -> list[Curve]:
        return [c for c in self.sample_curves if c.isVisible()]

    def clear(self) -> None:
        """Forget the drawn history: every curve empty."""
        self._history = None
        self.test_curve.hide()
        empty = self._x[:0]
        for item, series in self._series.items():
            series.reset()
            item.setData(x=empty, y=empty.astype(np.float64))

    def log_y(self) -> bool:
        """Whether the loss axis is logarithmic (the PlotItem's own switch says)."""
        switch: QCheckBox = self.plot.ctrl.logYCheck
        return switch.isChecked()

    def _iterations(self, n: int) -> np.ndarray:
        """0, 1, …, n − 1 as a view of one cached array (grown by doubling)."""
        if len(self._x) < n:
            self._x = np.arange(max(n, 2 * len(self._x)), dtype=np.int64)
        return self._x[:n]

    # --------------------------------------------------------------- range
    def follow(self) -> None:
        """Show the whole run again, and keep showing it as it grows."""
        self.following = True
        for item in (self.plot, self.norm):
            item.disableAutoRange()          # (the A button turned pyqtgraph's own on)
        self.fit()

    def _stop_following(self, *_: object) -> None:
        self.following = False

    def fit(self) -> None:
        """Range: every iteration, and the drawn values of each plot, padded a little and
        rounded out to a grid of a hundredth of their size, so that most frames of a run
        keep the range: then pyqtgraph need not lay out the axes' ticks again."""
        if self._history is None or not len(self._history):
            return
        right = rounded_out(0.0, max(len(self._history) - 1, 1) * 1.02)[1]
        self.plot.setXRange(-0.02 * right, right, padding=0)
        tests = [self.test_curve] if self.test_curve.isVisible() else []
        for plot, curves in ((self.plot, [self.curve, *tests, *self.visible_samples()]),
                             (self.norm, [self.norm_curve])):
            lows, highs = zip(*(self._series[c].bounds for c in curves), strict=True)
            lo, hi = min(lows), max(highs)
            if math.isfinite(lo) and math.isfinite(hi):
                pad = (hi - lo) * 0.06 or max(abs(hi) * 0.1, 1e-12)
                plot.setYRange(*rounded_out(lo - pad, hi + pad), padding=0)
        for plot in (self.plot, self.norm):
            # Now, not in the next paint: applied during a paint, the new range asks for
            # a second one.
            plot.getViewBox().updateMatrix()

    # ---------------------------------------------------------------- pens
    def set_pens(self, theme: Theme, scale: float = 1.0) -> None:
        """The curves' pens for ``theme``, ``scale`` times as wide (see the dock's
        ``_set_pens``)."""
        self.theme = theme
        loss = loss_colour(theme)
        self.curve.setPen(pg.mkPen(loss, width=PEN_WIDTH * scale))
        self.norm_curve.setPen(pg.mkPen(NORM_COLOUR, width=PEN_WIDTH * scale))
        self.test_curve.setPen(pg.mkPen(test_colour(theme), width=PEN_WIDTH * scale,
                                        style=TEST_STYLE))
        for j, item in enumerate(self.sample_curves):
            item.setPen(self.sample_pen(j, scale))

    def sample_pen(self, j: int, scale: float = 1.0) -> QPen:
        name = SAMPLE_COLOURS[j % len(SAMPLE_COLOURS)]
        colour = QColor(self.theme.text if name == "text" else name)
        if self.theme.name != "light" and name == "#56B4E9":
            colour = QColor(LOSS_COLOUR)  # the dark theme's loss curve is the sky blue
        colour.setAlpha(SAMPLE_ALPHA)
        style = SAMPLE_STYLES[(j // len(SAMPLE_COLOURS)) % len(SAMPLE_STYLES)]
        pen: QPen = pg.mkPen(colour, width=SAMPLE_PEN_WIDTH * scale, style=style)
        return pen
