"""Labels and arrowheads too small to read are drawn cheaply, and only then.

Fitted to the window, a 1,000-neuron network draws a 16 px label 1.5 px tall: its
glyphs are a smudge, and drawing thousands of them held the window's first paint.
These paint one label and the edge strokes of seed 000 through a painter that records
what it was asked to draw, at scales either side of the thresholds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QTransform
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from bpgui.network.fileformat import load
from bpgui.ui.canvas.edge_strokes import ARROW_LENGTH, SMOOTH_ARROW_PX
from bpgui.ui.canvas.look import LABEL_FONT, LEGIBLE_PX, legible
from bpgui.ui.canvas.scene import NetworkScene
from bpgui.ui.canvas.view import CanvasView
from bpgui.ui.document.document import Document

SEED = Path(__file__).resolve().parents[2] / "sample_networks" / "seed000_worked_example.bpnet.json"


class RecordingPainter(QPainter):
    """A painter on an image that notes each text it draws and, for each path it
    fills, whether antialiasing was on."""

    def __init__(self, image: QImage) -> None:
        super().__init__(image)
        self.image = image
        self.texts: list[str] = []
        self.filled_smooth: list[bool] = []

    def drawText(self, *args: object) -> None:  # type: ignore[override]
        self.texts.append(str(args[-1]))
        super().drawText(*args)  # type: ignore[call-overload]

    def fillPath(self, path: QPainterPath, brush: QColor) -> None:  # type: ignore[override]
        self.filled_smooth.append(self.testRenderHint(QPainter.RenderHint.Antialiasing))
        super().fillPath(path, brush)


def paint_at(scale: float, paint, background: str = "white") -> RecordingPainter:
    """``paint`` on an 800 px image of ``background``, scaled by ``scale``; the painter,
    ended, with what it recorded and its image."""
    image = QImage(800, 800, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(background))
    painter = RecordingPainter(image)
    painter.scale(scale, scale)
    try:
        paint(painter)
    finally:
        painter.end()
    return painter


@pytest.fixture
def scene(qtbot):
    document = Document(load(SEED))
    scene = NetworkScene(document)
    yield scene
    document.undo_stack.clear()


def test_a_label_whose_weight_line_would_be_under_three_pixels_is_sketched(scene) -> None:
    """The weight line's font is 16 px: at 3/16 of full size and above its text is
    drawn; just below, the label is its box and bars, with no text."""
    edge = scene.edge_items["w1"]
    label = edge.label_item
    assert label.isVisible()
    threshold = LEGIBLE_PX / LABEL_FONT.pixelSize()
    assert threshold == pytest.approx(3 / 16)

    def paint(painter: QPainter) -> None:
        painter.translate(-label.boundingRect().topLeft())
        label.paint(painter, QStyleOptionGraphicsItem())

    assert paint_at(threshold * 1.01, paint).texts == [edge.label_text()]
    assert paint_at(1.0, paint).texts == [edge.label_text()]
    assert paint_at(threshold * 0.99, paint).texts == []
    assert paint_at(0.05, paint).texts == []


def test_arrowheads_too_small_to_show_their_shape_are_not_smoothed(scene) -> None:
    """An arrowhead is about 10 px long: drawn under 1.5 px it is filled without
    antialiasing, at or above with it (the lines are drawn as before)."""
    strokes = scene.strokes
    threshold = SMOOTH_ARROW_PX / ARROW_LENGTH

    def paint(painter: QPainter) -> None:
        strokes.bases[False].paint(painter, QStyleOptionGraphicsItem())

    assert set(paint_at(1.0, paint).filled_smooth) == {True}
    assert set(paint_at(threshold * 1.01, paint).filled_smooth) == {True}
    assert set(paint_at(threshold * 0.99, paint).filled_smooth) == {False}
    assert set(paint_at(0.05, paint).filled_smooth) == {False}


def test_the_arrowheads_are_drawn_whatever_the_scale(scene) -> None:
    """Unsmoothed is not missing: at a twentieth of full size every arrowhead's tip
    still colours a pixel near it."""
    strokes = scene.strokes
    scale = 0.05
    image = paint_at(scale, lambda painter: strokes.bases[False].paint(
        painter, QStyleOptionGraphicsItem())).image
    for edge in scene.edge_items.values():
        tip = edge.line().p2() * scale
        near = [image.pixelColor(int(tip.x()) + dx, int(tip.y()) + dy)
                for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
        assert any(colour != QColor("white") for colour in near), edge.edge_id


def label_modes(scene: NetworkScene) -> set[QGraphicsItem.CacheMode]:
    return {edge.label_item.cacheMode() for edge in scene.edge_items.values()}


def test_labels_are_cached_while_legible_and_drawn_afresh_once_sketched(qtbot, scene) -> None:
    """A legible label keeps its pixmap; a sketched one is cheaper to draw than a
    pixmap is to make, so zooming below the threshold drops every label's cache, by
    wheel, by fitting or by a set transform, and zooming back in restores it."""
    view = CanvasView(scene)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.fit()
    cached, uncached = (QGraphicsItem.CacheMode.DeviceCoordinateCache,
                        QGraphicsItem.CacheMode.NoCache)
    assert legible(view.transform().m11()) and label_modes(scene) == {cached}
    view.setTransform(QTransform.fromScale(0.15, 0.15))
    assert label_modes(scene) == {uncached}
    view.zoom(1.5)                                      # 0.225: legible again
    assert legible(view.transform().m11()) and label_modes(scene) == {cached}
    view.zoom(1 / 1.5)
    assert label_modes(scene) == {uncached}
    view.fit()
    assert label_modes(scene) == {cached}
    view.fit(QRectF(-20_000, -15_000, 40_000, 30_000))   # as if the network were huge
    assert not legible(view.transform().m11()) and label_modes(scene) == {uncached}


def test_a_neuron_too_small_to_read_is_drawn_without_its_text(scene) -> None:
    """Below the same threshold a neuron keeps its circle but draws no text: its name,
    bias and cache badge would be a smudge (an edit of a dense network repaints every
    neuron, and their text was most of it)."""
    neuron = scene.neuron_items["h1"]
    threshold = LEGIBLE_PX / LABEL_FONT.pixelSize()

    def paint(painter: QPainter) -> None:
        painter.translate(-neuron.boundingRect().topLeft())
        neuron.paint(painter, QStyleOptionGraphicsItem())

    shown = paint_at(threshold * 1.01, paint).texts
    assert neuron.label in shown and any(text.startswith("b = ") for text in shown)
    assert paint_at(threshold * 0.99, paint).texts == []
    image = paint_at(0.1, paint, background="black").image
    centre = (-neuron.boundingRect().topLeft() * 0.1).toPoint()
    assert image.pixelColor(centre) != QColor("black")        # the circle is drawn
