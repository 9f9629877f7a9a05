"""Coloured routes over the canvas: every path from the loss to the selected item.

Each path is a translucent thick polyline from the loss node through the
neurons it passes, offset sideways a little per path, so that paths sharing
an edge stay visibly separate.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem

from bpgui.ui.canvas.scene import NetworkScene

OFFSET = 7.0


class PathOverlay:
    def __init__(self, scene: NetworkScene) -> None:
        self.scene = scene
        self.items: list[QGraphicsPathItem] = []
        self.paths: list[tuple[tuple[str, ...], tuple[str, ...], QColor]] = []
        scene.rebuilt.connect(self._forget)
        scene.moved.connect(self._follow)

    def _forget(self) -> None:
        self.items = []          # scene.clear() already deleted them

    def _follow(self) -> None:
        """A neuron moved: the routes go through it where it is now."""
        if self.paths:
            self.show(self.paths)

    def clear(self) -> None:
        for item in self.items:
            self.scene.removeItem(item)
        self.items = []

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
            item.setOpacity(0.75)
            item.setZValue(1.9)
            # Kept as a pixmap: a route crosses the whole network, and stroking dozens of
            # thick translucent routes again at every repaint doubled an edit's cost.
            item.setCacheMode(QGraphicsPathItem.CacheMode.DeviceCoordinateCache)
            item.setToolTip(f"path {k + 1}: L → " + " → ".join(nodes + edges[-1:]))
            self.scene.addItem(item)
            self.items.append(item)
