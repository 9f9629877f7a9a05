"""The loss node L, drawn right of the outputs with a dashed line from each.

It is not part of the file format: the loss is a property of the network, and
this is where the pass shows its value and where every backward path starts.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from bpgui.engine.records import LOSS_ID
from bpgui.network.numbers import DEFAULT_DIGITS, fmt
from bpgui.ui.base.theme import LIGHT, NEURON_RADIUS, Theme, font
from bpgui.ui.canvas.look import DIM, NORMAL, TARGET, halo
from bpgui.ui.canvas.neuron_item import NeuronItem

GAP = 190.0
SIZE = 56.0


class LossItem(QGraphicsObject):
    item_id = LOSS_ID

    def __init__(self, loss_name: str, theme: Theme = LIGHT) -> None:
        super().__init__()
        self.loss_name = loss_name
        self.theme = theme
        self.outputs: list[NeuronItem] = []
        self.value: float | None = None
        self.digits = DEFAULT_DIGITS
        self.emphasis = NORMAL
        self.setZValue(2)
        self.setToolTip(f"The loss L ({loss_name}) of the current sample")

    def attach(self, outputs: list[NeuronItem]) -> None:
        """Follow these output neurons: sit right of them, centred on their mean height."""
        self.outputs = outputs
        self.follow()

    def follow(self) -> None:
        if not self.outputs:
            return
        self.prepareGeometryChange()
        x = max(o.pos().x() for o in self.outputs) + GAP
        y = sum(o.pos().y() for o in self.outputs) / len(self.outputs)
        self.setPos(x, y)
        self.update()

    def set_step(self, value: float | None, emphasis: str, digits: int) -> None:
        if (value, emphasis, digits) != (self.value, self.emphasis, digits):
            self.value, self.emphasis, self.digits = value, emphasis, digits
            self.setOpacity(self.theme.dim_opacity if emphasis == DIM else 1.0)
            full = "" if value is None else f"\nL = {value!r}"
            self.setToolTip(f"The loss L ({self.loss_name}) of the current sample{full}")
            self.update()

    def boundingRect(self) -> QRectF:
        # Covers the dashed lines back to the outputs too (in item coordinates).
        rect = QRectF(-SIZE, -SIZE, 2 * SIZE + 60, 2 * SIZE + 40)
        for o in self.outputs:
            p = self.mapFromScene(o.pos())
            rect = rect.united(QRectF(p, QPointF(0, 0)).normalized().adjusted(-4, -4, 4, 4))
        return rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        t = self.theme
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(t.muted, 2, Qt.PenStyle.DashLine))
        for o in self.outputs:
            start = self.mapFromScene(o.pos()) + QPointF(NEURON_RADIUS, 0)
            painter.drawLine(start, QPointF(-SIZE / 2, 0))
        box = QRectF(-SIZE / 2, -SIZE / 2, SIZE, SIZE)
        if self.emphasis == TARGET:
            halo(painter, TARGET, t, box.adjusted(-8, -8, 8, 8))
        painter.setPen(QPen(t.outline, 2.5))
        painter.setBrush(t.neuron_fill)
        painter.drawRoundedRect(box, 10, 10)
        painter.setPen(t.text)
        painter.setFont(font(24, bold=True))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "L")
        painter.setFont(font(15, bold=self.value is not None))
        text = self.loss_name if self.value is None else fmt(self.value, self.digits)
        painter.drawText(QRectF(-SIZE - 10, SIZE / 2 + 4, 2 * SIZE + 20, 24),
                         Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, text)
