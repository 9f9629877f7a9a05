"""Graphics items for neurons and edges. They draw the model; they never write it.

A :class:`NeuronItem` shows the label, a small glyph of its activation and the
bias; an :class:`EdgeItem` a line whose colour says the weight's sign and whose
thickness says its magnitude, with a weight label that can be hidden.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from bpgui.model import Edge, Neuron
from bpgui.numbers import fmt
from bpgui.ui.theme import GRID_SIZE, LIGHT, NEURON_RADIUS, Theme, font, weight_colour, weight_width

GLYPH_POINTS = 24
LABEL_FONT = font(16, bold=True)


def activation_glyph(name: str, width: float, height: float) -> QPainterPath:
    """A tiny plot of the activation, centred on (0, 0), for the neuron's face."""
    functions = {
        "identity": lambda t: t,
        "sigmoid": lambda t: 2 / (1 + math.exp(-4 * t)) - 1,
        "tanh": lambda t: math.tanh(2.5 * t),
        "relu": lambda t: max(0.0, t),
        "leaky_relu": lambda t: t if t > 0 else 0.1 * t,
        "softplus": lambda t: math.log1p(math.exp(3 * t)) / 3,
        "sin": lambda t: math.sin(math.pi * t),
    }
    f = functions[name]
    path = QPainterPath()
    for i in range(GLYPH_POINTS + 1):
        t = -1 + 2 * i / GLYPH_POINTS
        point = QPointF(t * width / 2, -max(-1.0, min(1.0, f(t))) * height / 2)
        if i == 0:
            path.moveTo(point)
        else:
            path.lineTo(point)
    return path


class NeuronItem(QGraphicsObject):
    """A neuron. The scene moves it; the model position changes only on drop."""

    def __init__(self, neuron: Neuron, theme: Theme = LIGHT) -> None:
        super().__init__()
        self.neuron_id = neuron.id
        self.theme = theme
        self.snap = False
        self.edges: list[EdgeItem] = []
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.setZValue(2)
        self.sync(neuron)

    def sync(self, neuron: Neuron) -> None:
        """Take the neuron's current look and place from the model."""
        self.neuron_id = neuron.id
        self.label = neuron.display_label
        self.role = neuron.role
        self.activation = neuron.activation
        self.bias = neuron.bias
        self.train_bias = neuron.train_bias
        if neuron.x is not None and neuron.y is not None:
            self.setPos(neuron.x, neuron.y)
        self.setToolTip(self._tooltip())
        self.update()

    def _tooltip(self) -> str:
        if self.role == "input":
            return f"{self.label} ({self.neuron_id}): input neuron"
        frozen = "" if self.train_bias else " (frozen)"
        return (f"{self.label} ({self.neuron_id}): {self.role} neuron, activation "
                f"{self.activation}, bias {self.bias!r}{frozen}")

    def boundingRect(self) -> QRectF:
        r = NEURON_RADIUS + 4
        return QRectF(-r - 30, -r, 2 * r + 60, 2 * r + 30)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), NEURON_RADIUS, NEURON_RADIUS)
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        t = self.theme
        fill = {"input": t.input_fill, "output": t.output_fill}.get(self.role, t.neuron_fill)
        selected = self.isSelected()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(t.selection if selected else t.outline, 5 if selected else 2.2))
        painter.setBrush(QBrush(fill))
        painter.drawEllipse(QPointF(0, 0), NEURON_RADIUS, NEURON_RADIUS)
        painter.setPen(t.text)
        painter.setFont(font(19, bold=True))
        label_box = QRectF(-NEURON_RADIUS, -NEURON_RADIUS + 6, 2 * NEURON_RADIUS,
                           NEURON_RADIUS * (1.0 if self.role == "input" else 0.95))
        align = Qt.AlignmentFlag.AlignCenter if self.role == "input" else \
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom
        if self.role == "input":
            label_box = QRectF(-NEURON_RADIUS, -NEURON_RADIUS, 2 * NEURON_RADIUS,
                               2 * NEURON_RADIUS)
        painter.drawText(label_box, align, self.label)
        if self.role != "input":
            glyph = activation_glyph(self.activation, 26, 14)
            painter.save()
            painter.translate(0, NEURON_RADIUS * 0.45)
            painter.setPen(QPen(t.muted, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(glyph)
            painter.restore()
            painter.setFont(font(15))
            painter.setPen(t.muted)
            bias = f"b = {fmt(self.bias, 3)}{'' if self.train_bias else ' 🔒'}"
            painter.drawText(QRectF(-NEURON_RADIUS - 30, NEURON_RADIUS + 2,
                                    2 * NEURON_RADIUS + 60, 24),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, bias)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: object) -> object:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange and self.snap:
            point = QPointF(value)  # type: ignore[call-overload]
            return QPointF(round(point.x() / GRID_SIZE) * GRID_SIZE,
                           round(point.y() / GRID_SIZE) * GRID_SIZE)
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.adjust()
        return super().itemChange(change, value)


class EdgeItem(QGraphicsObject):
    """A weighted connection drawn from the source's rim to an arrowhead at the target."""

    LABEL_AT = 0.32   # default place of the weight label along the edge, from the source

    def __init__(self, edge: Edge, source: NeuronItem, target: NeuronItem,
                 theme: Theme = LIGHT) -> None:
        super().__init__()
        self.source, self.target = source, target
        self.theme = theme
        self.show_label = True         # the View menu's choice
        self.label_fits = True         # False where the label would overlap another
        self._hovered = False
        self.label_at = self.LABEL_AT
        source.edges.append(self)
        target.edges.append(self)
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(1)
        self.setAcceptHoverEvents(True)
        self._line = QLineF()
        self.sync(edge)

    def sync(self, edge: Edge) -> None:
        self.edge_id = edge.id
        self.label = edge.display_label
        self.weight = edge.weight
        self.trainable = edge.trainable
        frozen = "" if edge.trainable else " (frozen)"
        self.setToolTip(f"{self.label} ({edge.id}): {edge.source} → {edge.target}, "
                        f"weight {edge.weight!r}{frozen}\nDouble-click the label to type a "
                        f"value; Ctrl+wheel nudges it.")
        self.adjust()

    def detach(self) -> None:
        for end in (self.source, self.target):
            if self in end.edges:
                end.edges.remove(self)

    def adjust(self) -> None:
        """Recompute the line between the two rims after either end moved."""
        self.prepareGeometryChange()
        a, b = self.source.pos(), self.target.pos()
        line = QLineF(a, b)
        length = line.length()
        if length < 2 * NEURON_RADIUS + 1:
            self._line = QLineF(a, a)
        else:
            unit = (b - a) / length
            self._line = QLineF(a + unit * NEURON_RADIUS, b - unit * (NEURON_RADIUS + 2))
        self.update()

    def label_rect_at(self, t: float) -> QRectF:
        """The weight label's box centred at fraction ``t`` along the edge, sized to its text."""
        point = self._line.pointAt(t)
        width = QFontMetricsF(LABEL_FONT).horizontalAdvance(self.label_text()) + 16
        return QRectF(point.x() - width / 2, point.y() - 14, width, 28)

    def label_rect(self) -> QRectF:
        return self.label_rect_at(self.label_at)

    @property
    def label_visible(self) -> bool:
        return self.show_label and (self.label_fits or self._hovered or self.isSelected())

    def set_label_fits(self, fits: bool) -> None:
        if fits != self.label_fits:
            self.prepareGeometryChange()
            self.label_fits = fits
            self.update()

    def hoverEnterEvent(self, event: object) -> None:
        self.prepareGeometryChange()
        self._hovered = True
        self.setZValue(1.5)              # above the other edges while pointed at
        self.update()

    def hoverLeaveEvent(self, event: object) -> None:
        self.prepareGeometryChange()
        self._hovered = False
        self.setZValue(1)
        self.update()

    def set_label_at(self, t: float) -> None:
        if t != self.label_at:
            self.prepareGeometryChange()
            self.label_at = t
            self.update()

    def label_text(self) -> str:
        return fmt(self.weight, 3)

    def boundingRect(self) -> QRectF:
        extra = 12.0
        rect = QRectF(self._line.p1(), self._line.p2()).normalized().adjusted(
            -extra, -extra, extra, extra)
        return rect.united(self.label_rect().adjusted(-4, -4, 4, 4))

    def shape(self) -> QPainterPath:
        path = QPainterPath(self._line.p1())
        path.lineTo(self._line.p2())
        stroker = QPainterPathStroker()
        stroker.setWidth(max(12.0, weight_width(self.weight) + 8))
        shape = stroker.createStroke(path)
        if self.label_visible:
            shape.addRect(self.label_rect())
        return shape

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if self._line.length() == 0:
            return
        t = self.theme
        colour = weight_colour(t, self.weight)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.isSelected():
            painter.setPen(QPen(t.selection, weight_width(self.weight) + 8,
                                Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawLine(self._line)
        pen = QPen(colour, weight_width(self.weight), Qt.PenStyle.SolidLine,
                   Qt.PenCapStyle.RoundCap)
        if not self.trainable:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(self._line)
        self._draw_arrow(painter, colour)
        if self.label_visible:
            rect = self.label_rect()
            painter.setPen(QPen(colour, 1.5))
            painter.setBrush(t.label_fill)
            painter.drawRoundedRect(rect, 8, 8)
            painter.setPen(t.text)
            painter.setFont(LABEL_FONT)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.label_text())

    def _draw_arrow(self, painter: QPainter, colour: object) -> None:
        tip = self._line.p2()
        angle = math.atan2(self._line.dy(), self._line.dx())
        size = 10 + weight_width(self.weight)
        left = tip - QPointF(math.cos(angle - 0.45) * size, math.sin(angle - 0.45) * size)
        right = tip - QPointF(math.cos(angle + 0.45) * size, math.sin(angle + 0.45) * size)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)  # type: ignore[arg-type]
        painter.drawPolygon(QPolygonF([tip, left, right]))
