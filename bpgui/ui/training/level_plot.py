"""The Loss dock's "Per level" tab: how large the gradients are at each depth, per update.

One curve per level (level 1 next to the inputs … level N, the output's) of the mean
|δ| over the level's neurons and the update's samples, and, when asked for, dashed
curves of ‖∂L/∂W‖ into each level (:mod:`bpgui.engine.gradient_levels` computes both;
the trainer records them and they reach the :class:`~bpgui.engine.history.History`
like the losses do). The y axis is always logarithmic: a vanishing gradient is a
factor of 10⁶ between the first level and the last, which a linear axis draws as 0.

Early levels are light and late ones dark (on a dark background the other way round),
so the order reads at a glance; the legend names each. The curves reuse the loss
plot's :class:`~bpgui.ui.training.loss_curves.Series` (the log of each point is
taken once, when it arrives), and the tab draws only while it is shown.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from bpgui.engine.history import History
from bpgui.ui.base.theme import LIGHT, Theme, font
from bpgui.ui.base.widgets import named
from bpgui.ui.training.loss_curves import PEN_WIDTH, Curve, Series, rounded_out

TICK_PX = 16
LABEL_PX = 18
HINT_PX = 16
LEGEND_PX = 13
LEGEND_COLUMNS = 2
AXIS_WIDTH = 96
# Where on viridis level 1 and level N sit: light to dark on a light background.
LIGHT_RAMP = (0.85, 0.0)
DARK_RAMP = (0.3, 1.0)
NO_LEVELS = "Train to see how large δ is at each level (a level: one step from the inputs)."
HINT = "Mean |δ| per level and update, log scale; level 1 is next to the inputs."


class DecadeAxis(pg.AxisItem):
    """A log axis labelled 10⁻⁶, 10⁻⁴, … alike (pyqtgraph mixes 0.01 with 10^-6)."""

    def logTickStrings(self, values: list[float], scale: float, spacing: float
                       ) -> list[str]:
        return [decade(v) for v in values]


def decade(exponent: float) -> str:
    """``10⁻⁶`` for −6; ``1`` for 0; a fractional exponent (a minor tick) unlabelled."""
    if not math.isfinite(exponent) or abs(exponent - round(exponent)) > 1e-9:
        return ""
    k = round(exponent)
    return "1" if k == 0 else "10" + str(k).replace("-", "⁻").translate(SUPERSCRIPT)


SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def level_colours(levels: int, theme: Theme) -> list[QColor]:
    """``levels`` colours from viridis, light to dark for a light theme."""
    ramp = LIGHT_RAMP if theme.name.endswith("light") else DARK_RAMP
    cmap = pg.colormap.get("viridis")
    spots = np.linspace(*ramp, levels) if levels != 1 else np.array([ramp[1]])
    return [cmap.map(float(t), mode="qcolor") for t in spots]


class LevelPlot(QWidget):
    """Mean |δ| (and ‖∂L/∂W‖) per level against the update, on a log axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("levelPlot")
        self._theme: Theme = LIGHT
        self._history: History | None = None
        # The legend stands beside the plot, not on it: ten entries would hide the curves.
        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setObjectName("levelPlotWidget")
        self.plot_item: pg.PlotItem = self.plot_widget.addPlot(
            row=0, col=0, axisItems={"left": DecadeAxis("left")})
        item = self.plot_item
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        item.showGrid(x=True, y=True, alpha=0.25)
        item.setLogMode(y=True)             # the ticks; the curves bring their own log10
        item.disableAutoRange()
        item.setMenuEnabled(False, enableViewBoxMenu=True)
        item.getAxis("left").setWidth(AXIS_WIDTH)
        item.getAxis("bottom").enableAutoSIPrefix(False)
        self.legend = pg.LegendItem(colCount=LEGEND_COLUMNS, labelTextSize=f"{LEGEND_PX}pt")
        self.plot_widget.addItem(self.legend, row=0, col=1)
        self.legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.plot_widget.ci.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignTop)
        self.delta_curves: list[Curve] = []
        self.weight_curves: list[Curve] = []
        self._series: dict[Curve, Series] = {}
        self._x = np.arange(1, 1025, dtype=np.int64)    # row t is update t + 1

        self.show_weights = named(QCheckBox("Also ‖∂L/∂W‖ (dashed)"), "levelWeightNorms",
                                  "Also draw, dashed, the norm of the gradient of the "
                                  "weights into each level: the step each level's "
                                  "weights take is η times it.")
        self.show_weights.toggled.connect(lambda _: self.redraw())
        self.hint = named(QLabel(NO_LEVELS), "levelHint", "Each curve is one level of the "
                          "network (inputs are level 0). δ = ∂ℓ/∂z as the Step panel shows "
                          "it, averaged in size over the level's neurons and the update's "
                          "samples. Curves that fall far below the others show a vanishing "
                          "gradient: those levels hardly learn.")
        self.hint.setFont(font(HINT_PX))
        controls = QHBoxLayout()
        controls.addWidget(self.hint, 1)
        controls.addWidget(self.show_weights)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.plot_widget, 1)
        self.set_theme(self._theme)

    # ------------------------------------------------------------- showing
    def show_history(self, history: History) -> None:
        """Draw ``history``'s per-level rows (nothing when it records none)."""
        self._history = history
        if self.isVisible():
            self.redraw()

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self.redraw()

    def redraw(self) -> None:
        history = self._history
        deltas = None if history is None else history.level_deltas
        norms = None if history is None else history.level_weight_norms
        if history is None or deltas is None or norms is None or not len(deltas):
            self._empty()
            return
        self._ensure_curves(deltas.shape[1])
        x = self._updates(len(deltas))
        weights = self.show_weights.isChecked()
        for k, curve in enumerate(self.delta_curves):
            self._feed(curve, history, x, deltas[:, k])
        for k, curve in enumerate(self.weight_curves):
            curve.setVisible(weights)
            if weights:
                self._feed(curve, history, x, norms[:, k])
        self.hint.setText(HINT)
        self._fit(len(deltas))

    def clear(self) -> None:
        """Forget the shown history: every curve empty."""
        self._history = None
        self._empty()

    def _empty(self) -> None:
        empty = np.empty(0)
        for curve, series in self._series.items():
            series.reset()
            curve.setData(x=empty, y=empty)
        self.hint.setText(NO_LEVELS)

    def levels(self) -> int:
        return len(self.delta_curves)

    def _feed(self, curve: Curve, history: History, x: np.ndarray, values: np.ndarray
              ) -> None:
        curve.setData(x=x, y=self._series[curve].drawn(history, values, True))

    def _ensure_curves(self, levels: int) -> None:
        """One |δ| curve and one ‖∂L/∂W‖ curve per level, made again when N changes."""
        if len(self.delta_curves) == levels:
            return
        for curve in self.delta_curves + self.weight_curves:
            self.plot_item.removeItem(curve)
        self.legend.clear()
        self._series.clear()
        self.delta_curves, self.weight_curves = [], []
        for k in range(levels):
            for kind in (self.delta_curves, self.weight_curves):
                curve = Curve(connect="finite", clipToView=True, autoDownsample=True,
                              downsampleMethod="peak", dynamicRangeLimit=None)
                curve.setZValue(10 + k)
                self.plot_item.addItem(curve)
                self._series[curve] = Series()
                kind.append(curve)
            self.legend.addItem(self.delta_curves[-1], f"level {k + 1}")
            swatch, _ = self.legend.items[-1]       # level with its label, not below it
            self.legend.layout.setAlignment(swatch, Qt.AlignmentFlag.AlignVCenter)
        self._set_pens()

    def _updates(self, n: int) -> np.ndarray:
        """1, 2, …, n: the update each row of the history belongs to."""
        if len(self._x) < n:
            self._x = np.arange(1, max(n, 2 * len(self._x)) + 1, dtype=np.int64)
        return self._x[:n]

    def _fit(self, n: int) -> None:
        """Every update, and the decades the shown curves span."""
        right = rounded_out(0.0, max(n, 1) * 1.02)[1]
        self.plot_item.setXRange(0, right, padding=0)
        shown = self.delta_curves + (self.weight_curves if self.show_weights.isChecked()
                                     else [])
        lows, highs = zip(*(self._series[c].bounds for c in shown), strict=True)
        lo, hi = min(lows), max(highs)
        if math.isfinite(lo) and math.isfinite(hi):
            self.plot_item.setYRange(math.floor(lo - 0.1) - 0.05, math.ceil(hi + 0.1) + 0.05,
                                     padding=0)      # (a decade on the edge keeps its label)

    # --------------------------------------------------------------- theme
    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.plot_widget.setBackground(theme.background)
        for side, name in (("left", "mean |δ|"), ("bottom", "update")):
            axis = self.plot_item.getAxis(side)
            axis.setTextPen(theme.text)
            axis.setPen(pg.mkPen(theme.text, width=1.5))
            axis.setTickFont(font(TICK_PX))
            axis.setLabel(name, **{"font-size": f"{LABEL_PX}px", "color": theme.text.name()})
        self.legend.setLabelTextColor(theme.text)
        background = QColor(theme.background)
        background.setAlpha(220)
        self.legend.setBrush(pg.mkBrush(background))
        self.legend.setPen(pg.mkPen(theme.muted))
        self._set_pens()

    def _set_pens(self) -> None:
        colours = level_colours(len(self.delta_curves), self._theme)
        for colour, delta, weight in zip(colours, self.delta_curves, self.weight_curves,
                                         strict=True):
            delta.setPen(pg.mkPen(colour, width=PEN_WIDTH))
            weight.setPen(pg.mkPen(colour, width=PEN_WIDTH - 0.5, style=Qt.PenStyle.DashLine))
        for sample, label in self.legend.items:     # the legend's swatches follow
            sample.update()
            label.setText(label.text, color=self._theme.text)
