"""Coloured routes over the canvas: every path from the loss to the selected item.

Each path is a translucent thick polyline from the loss node through the
neurons it passes, offset sideways a little per path, so that paths sharing
an edge stay visibly separate. One cached item draws them all (a repaint blits one
pixmap: dozens of network-wide routes, stroked or blitted one by one, cost more than
the rest of an edit); each path keeps an item of its own that draws nothing, for its
tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from bpgui.ui.canvas.scene import NetworkScene

OFFSET = 7.0
OPACITY = 0.75
Z = 1.9


class _Routes(QGraphicsItem):
    """Every route's stroke, drawn in order at :data:`OPACITY`, as one cached pixmap."""

    def __init__(self, routes: list[QGraphicsPathItem]) -> None:
        super().__init__()
        self.routes = routes
        self._bounds = QRectF()
        for route in routes:
            self._bounds = self._bounds.united(route.boundingRect())
        self.setZValue(Z)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return QPainterPath()               # the routes' own items take the pointer

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setOpacity(OPACITY)
        for route in self.routes:
            painter.setPen(route.pen())
            painter.drawPath(route.path())


class PathOverlay:
    def __init__(self, scene: NetworkScene) -> None:
        self.scene = scene
        self.items: list[QGraphicsPathItem] = []
        self._drawing: _Routes | None = None     # what draws them all
        self.paths: list[tuple[tuple[str, ...], tuple[str, ...], QColor]] = []
        scene.rebuilt.connect(self._forget)
        scene.moved.connect(self._follow)

    def _forget(self) -> None:
        self.items = []          # scene.clear() already deleted them
        self._drawing = None

    def _follow(self) -> None:
        """A neuron moved: the routes go through it where it is now."""
        if self.paths:
            self.show(self.paths)

    def clear(self) -> None:
        for item in self.items:
            self.scene.removeItem(item)
        self.items = []
        if self._drawing is not None:
            self.scene.removeItem(self._drawing)
            self._drawing = None

    def show(self, paths: list[tuple[tuple[str, ...], tuple[str, ...], QColor]]) -> None:
        """``paths``: (neuron ids from the loss side, edge ids, colour) for each route."""
        self.clear()
        self.paths = paths
        count = len(paths)
        for k, (nodes, edges, colour) in enumerate(paths):
            points = [self.scene.loss_item.pos()]
            points += [self.scene.neuron_items[n].pos() for n in nodes
                       if n in self.scene.neuron_items]
            last_edge = self.scene.edge_items.get(edges[-1]) if edges else None
            if last_edge is not None and last_edge.target.neuron_id == (nodes[-1] if nodes
                                                                        else None):
                points.append(last_edge.source.pos())   # a weight: end at its source
            shift = (k - (count - 1) / 2) * OFFSET
            path = QPainterPath(points[0] + QPointF(0, shift))
            for p in points[1:]:
                path.lineTo(p + QPointF(0, shift))
            item = QGraphicsPathItem(path)
            pen = QPen(colour, 9, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                       Qt.PenJoinStyle.RoundJoin)
            item.setPen(pen)
            item.setZValue(Z)
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)   # _Routes draws
            item.setToolTip(f"path {k + 1}: L → " + " → ".join(nodes + edges[-1:]))
            self.scene.addItem(item)
            self.items.append(item)
        if self.items:
            self._drawing = _Routes(self.items)
            self.scene.addItem(self._drawing)
