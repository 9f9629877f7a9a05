"""The canvas as a picture: PNG at a chosen scale, or SVG (QSvgGenerator) for print.

Neurons, labels and the edge strokes are cached as pixmaps on screen; a picture
drawn through those caches would be a blurry bitmap, and an SVG would hold
bitmaps instead of shapes. So while exporting every item draws itself afresh
(:func:`uncached`), which is what makes the SVG real vector graphics with real
text, and the PNG sharp at any scale. And the weight labels are drawn as they look at
the picture's scale, not the canvas's: zoomed out too far to read them, the canvas
sketches them, and a picture at twice the size would have lost their text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from bpgui.ui.canvas.scene import NetworkScene

MARGIN = 30.0
MIN_SCALE, MAX_SCALE = 0.5, 8.0


@contextmanager
def uncached(scene: QGraphicsScene) -> Iterator[None]:
    """Every item draws itself while the block runs (no cached pixmaps), then caches again."""
    saved = [(item, item.cacheMode()) for item in scene.items()
             if item.cacheMode() != QGraphicsItem.CacheMode.NoCache]
    for item, _ in saved:
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    try:
        yield
    finally:
        for item, mode in saved:
            item.setCacheMode(mode)


def _source(scene: QGraphicsScene) -> QRectF:
    return scene.itemsBoundingRect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)


def _paint(scene: QGraphicsScene, painter: QPainter, target: QRectF, source: QRectF) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.fillRect(target, scene.backgroundBrush())
    labels = scene.drawn_at(target.width() / max(source.width(), 1e-9)) \
        if isinstance(scene, NetworkScene) else nullcontext()
    with labels, uncached(scene):
        scene.render(painter, target, source)


def canvas_image(scene: QGraphicsScene, scale: float = 2.0) -> QImage:
    """The whole network, ``scale`` pixels per scene unit."""
    scale = min(max(scale, MIN_SCALE), MAX_SCALE)
    source = _source(scene)
    image = QImage(max(1, round(source.width() * scale)), max(1, round(source.height() * scale)),
                   QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    _paint(scene, painter, QRectF(image.rect()), source)
    painter.end()
    return image


def write_svg(scene: QGraphicsScene, path: str | Path, scale: float = 1.0,
              title: str = "bpgui network") -> bool:
    """Write the whole network as an SVG of ``scale`` × its scene size; False if it fails."""
    scale = min(max(scale, MIN_SCALE), MAX_SCALE)
    source = _source(scene)
    size = QSize(max(1, round(source.width() * scale)), max(1, round(source.height() * scale)))
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(size)
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    generator.setTitle(title)
    generator.setDescription("Drawn by bpgui")
    painter = QPainter()
    if not painter.begin(generator):
        return False
    _paint(scene, painter, QRectF(0, 0, size.width(), size.height()), source)
    return painter.end()


def write_image(scene: QGraphicsScene, path: str | Path, scale: float = 2.0,
                title: str = "bpgui network") -> bool:
    """PNG or SVG, by the file's extension (PNG when it has none of those)."""
    if Path(path).suffix.lower() == ".svg":
        return write_svg(scene, path, scale, title)
    # The stub types the format as bytes, but PySide6 6.11 accepts only a str there.
    saved: bool = canvas_image(scene, scale).save(str(path), "PNG")  # type: ignore[call-overload]
    return saved
