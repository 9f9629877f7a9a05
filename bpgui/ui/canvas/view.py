"""The view onto the canvas: zoom with the wheel, pan with the middle button or
Space+drag, rubber-band selection, fit to view, and Ctrl+wheel weight nudges."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPen, QTransform, QWheelEvent
from PySide6.QtWidgets import QGraphicsView, QWidget

from bpgui.ui.base.theme import GRID_SIZE
from bpgui.ui.canvas.edge_item import EdgeItem
from bpgui.ui.canvas.scene import NetworkScene
from bpgui.ui.canvas.weight_label import EdgeLabel

ZOOM_STEP = 1.2
FIT_MARGIN = 40.0       # scene units shown around the network when fitted
FIT_MAX_SCALE = 2.0     # fitting never magnifies past this
MIN_SCALE, MAX_SCALE = 0.1, 8.0


class CanvasView(QGraphicsView):
    nudge = Signal(str, int)        # edge id, +1 / −1 notches (Ctrl+wheel over an edge)
    edit_label = Signal(str)        # edge id whose weight label was double-clicked

    def __init__(self, scene: NetworkScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.BoundingRectViewportUpdate)
        self.setObjectName("canvas")
        self.show_grid = False
        self._space_held = False
        self._space_dragged = False
        self._panning_from: QPointF | None = None

    @property
    def network_scene(self) -> NetworkScene:
        return self.scene()  # type: ignore[return-value]

    # ---------------------------------------------------------------- zoom
    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        factor = max(MIN_SCALE / current, min(MAX_SCALE / current, factor))
        self.scale(factor, factor)
        self._zoomed()

    def zoom_in(self) -> None:
        self.zoom(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom(1 / ZOOM_STEP)

    def fit(self, items_rect: QRectF | None = None) -> None:
        """Show every item with a margin, never magnifying past 2×. ``items_rect``: what
        the items cover, if the caller has it (asking the scene walks every item)."""
        rect = self.network_scene.itemsBoundingRect() if items_rect is None else items_rect
        if rect.isEmpty():
            rect = QRectF(-200, -150, 400, 300)
        self.fitInView(rect.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN),
                       Qt.AspectRatioMode.KeepAspectRatio)
        if self.transform().m11() > FIT_MAX_SCALE:
            self.resetTransform()
            self.scale(FIT_MAX_SCALE, FIT_MAX_SCALE)
            self.centerOn(rect.center())
        self._zoomed()

    def fit_scale(self, rect: QRectF) -> float:
        """About the scale :meth:`fit` would show ``rect`` at (a large network's build
        asks, to make its labels as they will look)."""
        size = self.viewport().size()
        return min(FIT_MAX_SCALE, (size.width() - 4) / (rect.width() + 2 * FIT_MARGIN),
                   (size.height() - 4) / (rect.height() + 2 * FIT_MARGIN))

    def setTransform(self, matrix: QTransform, combine: bool = False) -> None:
        super().setTransform(matrix, combine)
        self._zoomed()

    def _zoomed(self) -> None:
        """Tell the scene the scale it is shown at (it draws tiny labels differently)."""
        self.network_scene.set_zoom(self.transform().m11())

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            item = self.edge_at(event.position().toPoint())
            if item is not None and notches:
                self.nudge.emit(item.edge_id, 1 if notches > 0 else -1)
                event.accept()
                return
        if notches:
            self.zoom(ZOOM_STEP ** notches)
        event.accept()

    def edge_at(self, point: QPoint) -> EdgeItem | None:
        """The edge under viewport ``point``, whether on its line or its label."""
        item = self.itemAt(point)
        if isinstance(item, EdgeLabel):
            item = item.parentItem()
        return item if isinstance(item, EdgeItem) else None

    # ----------------------------------------------------------------- pan
    def begin_space_pan(self) -> None:
        """Space went down: a drag now pans (StepKeys decides what a tap means)."""
        self._space_held = True
        self._space_dragged = False
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)

    def end_space_pan(self) -> bool:
        """Space came up; return whether the canvas was dragged meanwhile."""
        self._space_held = False
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        return self._space_dragged

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._space_held:
            self._space_dragged = True
        if event.button() == Qt.MouseButton.MiddleButton:
            self._panning_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._panning_from is not None:
            delta = event.position() - self._panning_from
            self._panning_from = event.position()
            self.horizontalScrollBar().setValue(int(self.horizontalScrollBar().value()
                                                    - delta.x()))
            self.verticalScrollBar().setValue(int(self.verticalScrollBar().value() - delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton and self._panning_from is not None:
            self._panning_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        item = self.edge_at(event.position().toPoint())
        if item is not None and item.label_visible and item.label_rect().contains(
                self.mapToScene(event.position().toPoint())):
            self.edit_label.emit(item.edge_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    # ---------------------------------------------------------------- grid
    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        super().drawBackground(painter, rect)
        if not self.show_grid:
            return
        painter.setPen(QPen(self.network_scene.theme.grid, 1))
        left = int(rect.left() // GRID_SIZE) * GRID_SIZE
        top = int(rect.top() // GRID_SIZE) * GRID_SIZE
        x = left
        while x < rect.right():
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            x += GRID_SIZE
        y = top
        while y < rect.bottom():
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            y += GRID_SIZE
