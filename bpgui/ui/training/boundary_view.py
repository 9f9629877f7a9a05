"""The Decision boundary dock: a network's output over the plane of its two inputs.

A heatmap of the output (or of the hovered neuron, as TensorFlow Playground
does) with the samples on top, coloured by their target. It is redrawn about
ten times a second while training, so it owns exactly one ``ImageItem`` and
one ``ScatterPlotItem``, created once and fed with ``setImage``/``setData``;
the samples are only re-sent when they change.

Colours are colour-blind safe: one output uses a diverging map from the
Okabe–Ito vermillion through near-white to blue (never red against green);
several outputs use the Okabe–Ito class colours, each cell as light as its
winner is unsure. The heatmap is a softened version of the colours the samples
wear, so a marker stands out from the region it lies in; markers are large and
outlined in a dark pen so they read on a projector. Test samples (never trained on)
are hollow rings in their target's colour, in a scatter item of their own, and a key
above the map then says which is which.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDockWidget, QLabel, QStackedWidget, QVBoxLayout, QWidget

from bpgui.engine.boundary import BoundaryMap, boundary_map, plan_matches, value_range
from bpgui.engine.plan import Plan
from bpgui.network.errors import BpguiError
from bpgui.network.model import Network
from bpgui.ui.base.theme import LIGHT, Theme, font

RESOLUTION = 96
VERMILLION, NEAR_WHITE, BLUE = (213, 94, 0), (247, 247, 247), (0, 114, 178)
CLASS_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
HEAT_STRENGTH = 0.6           # the heatmap at most this far from near-white to a colour
UNSURE_STRENGTH = 0.12        # a class region where its winner has only 1/K
MARKER_SIZE = 14
TEST_SIZE = 16                # a hollow ring: a little larger, so its thick rim reads
TEST_PEN_WIDTH = 3.5
KEY_TEXT = "●  training      ◯  test (never trained on)"
OUTLINE = QColor("#1a1a1a")
TITLE_PX, LABEL_PX, TICK_PX, MESSAGE_PX = 18, 16, 14, 17

RGB = NDArray[np.uint8]


def _ramp(colours: list[tuple[int, int, int]], n: int = 256) -> NDArray[np.float64]:
    """``n`` RGB rows running evenly through ``colours``."""
    stops = np.linspace(0.0, 1.0, len(colours))
    t = np.linspace(0.0, 1.0, n)
    return np.column_stack([np.interp(t, stops, [c[k] for c in colours]) for k in range(3)])


def _soften(rgb: NDArray[np.float64], strength: float) -> NDArray[np.float64]:
    white = np.array(NEAR_WHITE, dtype=np.float64)
    return white + strength * (rgb - white)


DIVERGING = _ramp([VERMILLION, NEAR_WHITE, BLUE])            # for the samples
HEAT_LUT = _soften(DIVERGING, HEAT_STRENGTH).astype(np.uint8)  # for the heatmap
CLASS_RGB = np.array([(q.red(), q.green(), q.blue()) for q in map(QColor, CLASS_COLOURS)],
                     dtype=np.float64)


def _unit(values: NDArray[np.float64], span: tuple[float, float]) -> NDArray[np.float64]:
    """Values mapped to [0, 1] over ``span``; NaN to the middle, ±∞ to the ends."""
    lo, hi = span
    with np.errstate(invalid="ignore", over="ignore"):
        t = (values - lo) / (hi - lo)
    return np.clip(np.nan_to_num(t, nan=0.5, posinf=1.0, neginf=0.0), 0.0, 1.0)


def diverging_rgb(values: NDArray[np.float64], span: tuple[float, float]) -> RGB:
    """The heatmap of one output or neuron: vermillion at ``span[0]``, blue at ``span[1]``."""
    index = (_unit(values, span) * (len(HEAT_LUT) - 1) + 0.5).astype(np.intp)
    return HEAT_LUT[index]


def class_rgb(classes: NDArray[np.intp], values: NDArray[np.float64],
              span: tuple[float, float]) -> RGB:
    """Each cell in its winner's colour, strong where the winner is sure, pale at a border."""
    strength = UNSURE_STRENGTH + (HEAT_STRENGTH - UNSURE_STRENGTH) * _unit(values, span)
    colours = CLASS_RGB[classes % len(CLASS_RGB)]
    white = np.array(NEAR_WHITE, dtype=np.float64)
    return (white + strength[..., None] * (colours - white) + 0.5).astype(np.uint8)


def _sentence(message: str) -> str:
    message = message[:1].upper() + message[1:]
    return message if message.endswith(".") else f"{message}."


class BoundaryDock(QDockWidget):
    """The map of the last network shown, of its outputs or of one neuron.

    ``map`` is the :class:`BoundaryMap` drawn, or ``None`` while the dock shows
    why there is none (a network without exactly two inputs).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Decision boundary", parent)
        self.setObjectName("boundaryPlot")
        self.map: BoundaryMap | None = None
        self.resolution = RESOLUTION
        self._network: Network | None = None
        self._plan: Plan | None = None
        self._neuron: str | None = None
        self._samples_key: object = None
        self._extent: tuple[float, float, float, float] | None = None
        self._theme: Theme = LIGHT

        self.title = QLabel(wordWrap=True)
        self.title.setObjectName("boundaryTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.plot_widget = pg.PlotWidget()
        self.plot_widget.setObjectName("boundaryPlotWidget")
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot_item.setMenuEnabled(False)
        self.plot_item.setMouseEnabled(x=False, y=False)   # the map exists only over its extent
        self.plot_item.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")    # image[i, j]: row i is y, col j x
        self.samples = pg.ScatterPlotItem(size=MARKER_SIZE, symbol="o",
                                          pen=pg.mkPen(OUTLINE, width=2))
        self.test_samples = pg.ScatterPlotItem(size=TEST_SIZE, symbol="o", brush=None)
        self.plot_item.addItem(self.image)
        self.plot_item.addItem(self.samples)
        self.plot_item.addItem(self.test_samples)
        for name in ("bottom", "left"):
            self.plot_item.getAxis(name).setTickFont(font(TICK_PX))
        self.plot_widget.setToolTip("The network's output at every point of the input plane, "
                                    "with the samples on top in their target's colour (test "
                                    "samples as hollow rings). Hover "
                                    "a neuron on the canvas to see its own map.")

        page = QWidget()
        page.setObjectName("boundaryPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        # Shown only when there are test samples: which markers are which.
        self.key = QLabel(KEY_TEXT)
        self.key.setObjectName("boundaryKey")
        self.key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key.hide()
        layout.addWidget(self.key)
        layout.addWidget(self.plot_widget, 1)
        self.message = QLabel(wordWrap=True)
        self.message.setObjectName("boundaryMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setMargin(24)
        self.stack = QStackedWidget()
        self.stack.setObjectName("boundaryStack")
        self.stack.addWidget(page)
        self.stack.addWidget(self.message)
        self.setWidget(self.stack)
        self._labels = ("x₁", "x₂")
        self.set_theme(LIGHT)

    # ------------------------------------------------------------- public
    def show_network(self, network: Network, plan: Plan | None = None) -> None:
        """Recompute and draw; ``plan`` (a training session's) supplies the parameters.

        A plan that no longer fits the network (edited since) is ignored in
        favour of the network's own parameters. Never raises: what cannot be
        drawn is said in the dock instead.
        """
        self._network = network
        self._plan = plan if plan is not None and plan_matches(network, plan) else None
        self._redraw()

    def show_neuron(self, neuron_id: str | None) -> None:
        """Switch to that neuron's own map (``None``: the outputs) of the last network."""
        if neuron_id == self._neuron:
            return
        self._neuron = neuron_id
        self._redraw()

    def set_theme(self, theme: Theme) -> None:
        """Background, axes and text; the heatmap keeps its colours in both themes."""
        self._theme = theme
        self.plot_widget.setBackground(theme.background)
        for name in ("bottom", "left"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pg.mkPen(theme.text, width=1.5))
            axis.setTextPen(theme.text)
        self._set_axis_labels(*self._labels)
        colour = theme.text.name()
        self.title.setStyleSheet(f"color: {colour}; font-size: {TITLE_PX}px; font-weight: bold;")
        self.message.setStyleSheet(f"color: {colour}; font-size: {MESSAGE_PX}px;")
        self.key.setStyleSheet(f"color: {colour}; font-size: {LABEL_PX}px;")
        self.stack.setStyleSheet(f"#boundaryStack, #boundaryPage, #boundaryMessage "
                                 f"{{ background: {theme.background.name()}; }}")

    # ------------------------------------------------------------ drawing
    def _redraw(self) -> None:
        network = self._network
        if network is None:
            return
        count = len(network.inputs)
        if count != 2:
            self._show_message("The decision boundary needs a network with exactly 2 inputs "
                               f"(this one has {count}).")
            return
        neuron = self._neuron if self._neuron is not None and network.has_neuron(
            self._neuron) else None
        try:
            shown = boundary_map(network, self._plan, neuron, self.resolution)
        except BpguiError as exc:
            self._show_message(_sentence(str(exc)))
            return
        self.map = shown
        self._draw_map(shown)
        self._draw_samples(network)
        self._describe(network, shown)
        self.stack.setCurrentIndex(0)

    def _show_message(self, text: str) -> None:
        self.map = None
        self.message.setText(text)
        self.stack.setCurrentIndex(1)

    def _draw_map(self, shown: BoundaryMap) -> None:
        if shown.kind == "classes" and shown.classes is not None:
            rgb = class_rgb(shown.classes, shown.values, shown.value_range)
        else:
            rgb = diverging_rgb(shown.values, shown.value_range)
        self.image.setImage(rgb, autoLevels=False)
        x_min, x_max, y_min, y_max = shown.extent
        rows, cols = shown.values.shape
        # Each pixel is centred on its grid point, so the edge pixels reach half a step out.
        dx, dy = (x_max - x_min) / (cols - 1), (y_max - y_min) / (rows - 1)
        self.image.setRect(x_min - dx / 2, y_min - dy / 2, x_max - x_min + dx,
                           y_max - y_min + dy)
        if shown.extent != self._extent:
            self._extent = shown.extent
            self.plot_item.setRange(xRange=(x_min, x_max), yRange=(y_min, y_max), padding=0)

    def _draw_samples(self, network: Network) -> None:
        """Samples coloured by target, test samples as hollow rings; re-sent only when the
        samples or outputs change."""
        outputs = network.outputs
        key = (tuple(n.activation for n in outputs),
               [(tuple(s.inputs), tuple(s.targets), s.split) for s in network.samples])
        if key == self._samples_key:
            return
        self._samples_key = key
        points = np.array([s.inputs for s in network.samples], dtype=np.float64).reshape(-1, 2)
        targets = np.array([s.targets for s in network.samples],
                           dtype=np.float64).reshape(-1, len(outputs))
        if len(outputs) == 1:
            span = value_range(targets[:, 0], outputs[0].activation)
            index = (_unit(targets[:, 0], span) * (len(DIVERGING) - 1) + 0.5).astype(np.intp)
            fills = [QColor(*map(int, DIVERGING[i])) for i in index]
        else:
            fills = [QColor(CLASS_COLOURS[k % len(CLASS_COLOURS)])
                     for k in np.argmax(targets, axis=1)]
        test = np.array([s.is_test for s in network.samples], dtype=bool)
        train = np.flatnonzero(~test)
        self.samples.setData(x=points[train, 0], y=points[train, 1],
                             brush=[pg.mkBrush(fills[i]) for i in train])
        held = np.flatnonzero(test)
        self.test_samples.setData(x=points[held, 0], y=points[held, 1], brush=None,
                                  pen=[pg.mkPen(fills[i], width=TEST_PEN_WIDTH) for i in held])
        self.key.setVisible(bool(len(held)))

    def _describe(self, network: Network, shown: BoundaryMap) -> None:
        x_label, y_label = (n.display_label for n in network.inputs)
        plane = f"over ({x_label}, {y_label})"
        outputs = network.outputs
        tip = ""
        if shown.neuron is not None:
            neuron = network.neuron(shown.neuron)
            role = {"input": "Input", "hidden": "Hidden", "output": "Output"}[neuron.role]
            what = "value" if neuron.is_input else "activation"
            text = f"{role} neuron {neuron.display_label}: its {what} {plane}"
        elif shown.kind == "classes":
            names = ", ".join(n.display_label for n in outputs)
            shade = "softmax probability" if network.loss == "softmax_ce" else "output"
            text = f"Winning class of {names} {plane}"
            tip = f"Each point in its winning class's colour; paler where the winner's {shade} " \
                "is lower, so the borders between classes show as pale bands."
        else:
            text = f"Output {outputs[0].display_label} {plane}"
        if (text, tip) != (self.title.text(), self.title.toolTip()):   # (a new text re-lays out
            self.title.setText(text)                                   # the dock: not at 10 Hz)
            self.title.setToolTip(tip)
        if (x_label, y_label) != self._labels:
            self._set_axis_labels(x_label, y_label)

    def _set_axis_labels(self, x_label: str, y_label: str) -> None:
        self._labels = (x_label, y_label)
        style = {"font-size": f"{LABEL_PX}px", "color": self._theme.text.name()}
        self.plot_item.setLabel("bottom", x_label, **style)
        self.plot_item.setLabel("left", y_label, **style)
