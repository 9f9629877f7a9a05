"""Every sketched weight label, drawn by a few items in batched calls.

Fitted to the window, a 1,000-neuron network's labels are too small to read, and each is
sketched: its box and a bar per line of text. One Python ``paint()`` per label made each
full repaint of its 5,600 shown labels cost about 85 ms: its first paint (the window
stalled), the first step of a pass (every label fades) and every layer step (a band of
1,400). So while labels are sketched they draw nothing themselves: each hands its sketch
to this module, whose items draw them all, grouped by colour, and a change repaints only
the cells around it.

One item per stacking level (the edge's z value: under the neurons, above them for the
labels a step computes, and above all for the hovered one), so labels stack with the
neurons as they did. Within a level, the labels shown because they fit overlap no other
(their placement keeps a gap), so they are drawn in any order, a few calls per colour;
the others (shown because a step computes them, or hovered, or selected, and those
joined to their edge by a leader line), and those they touch, are drawn one by one after
them, in the order their edges were made, as the scene stacks items. (The gap is a
fraction of a pixel when sketched: where two boxes' smoothed edges share a pixel, the
order tints it by a few levels of 255; ``tests/ui/test_label_sketches.py`` bounds that.)
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import NamedTuple

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QStyleOptionGraphicsItem,
    QWidget,
)

from bpgui.ui.base.theme import Theme, weight_colour
from bpgui.ui.canvas.edge_strokes import faded

CELL = 256.0        # a change repaints the cells of this size it touches (see repaint)


# A sketch's colours: the box's outline (in the weight's colour), its fill, its bars.
Look = tuple[QPen, QColor, QColor]


class Sketch(NamedTuple):
    """What a sketched label draws, and where it stacks."""

    order: int                      # the edge's place in the stacking order of its level
    z: float
    box: QRectF
    bars: list[QRectF]              # a bar per line of text
    looks: tuple[Look, Look]        # plain, and faded (while a pass is shown)
    quiet: bool                     # the step neither computes nor reads it: it fades
    alone: bool                     # may overlap another: drawn by itself, in order
    leader: tuple[QPointF, Theme, float] | None     # (spot on the edge, theme, weight)
    bounds: tuple[float, float, float, float]       # what it covers, pen included


class LabelSketches:
    """The scene's sketched labels, each under a key (its label item), by level."""

    def __init__(self, scene: QGraphicsScene) -> None:
        self._scene = scene
        self._levels: dict[float, _Level] = {}
        self._where: dict[object, Sketch] = {}
        self.faded = False      # a pass is shown: the quiet sketches fade
        self._frame = _Bounds()     # what the edges cover (see frame)

    def frame(self, edge_bounds: QRectF) -> None:
        """An edge covers ``edge_bounds`` (its label's places included): a level grows
        to all the edges cover at once, not label by label (each growth re-indexes it,
        and a pass's first layer step put 600 labels on a new level)."""
        self._frame.add(edge_bounds.left(), edge_bounds.top(), edge_bounds.right(),
                        edge_bounds.bottom())

    def set_faded(self, faded: bool) -> None:
        """Fade every quiet sketch, or none: a pass starts or ends (as the edge strokes
        fade as a whole, and so a pass's first step hands over no label again)."""
        if faded != self.faded:
            self.faded = faded
            for level in self._levels.values():
                level.faded = faded
                level.repaint_all()

    def put(self, key: object, sketch: Sketch) -> None:
        """Draw ``sketch`` for ``key``, in place of what it drew before."""
        old = self._where.get(key)
        if old is sketch:               # (a label makes a new sketch only when it changed)
            return
        if old is not None:
            self._level(old.z).sketches.pop(key, None)
            self._repaint(old)
        self._where[key] = sketch
        level = self._level(sketch.z)
        level.sketches[key] = sketch
        level.cover(sketch.bounds, self._frame)
        self._repaint(sketch)

    def drop(self, key: object) -> None:
        """Draw nothing for ``key``."""
        old = self._where.pop(key, None)
        if old is not None:
            self._levels[old.z].sketches.pop(key, None)
            self._repaint(old)

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, key: object) -> bool:
        return key in self._where

    def _level(self, z: float) -> _Level:
        level = self._levels.get(z)
        if level is None:
            level = self._levels[z] = _Level()
            level.faded = self.faded
            level.setZValue(z)
            self._scene.addItem(level)
        return level

    def _repaint(self, sketch: Sketch) -> None:
        self._levels[sketch.z].repaint(sketch.bounds)


class _Level(QGraphicsItem):
    """The sketched labels of one stacking level."""

    def __init__(self) -> None:
        super().__init__()
        self.sketches: dict[object, Sketch] = {}
        self.faded = False
        self._bounds = QRectF()
        self._covers = _Bounds()
        self._dirty: set[tuple[int, int]] = set()       # cells asked for since painted
        self._all_dirty = False                         # ... or everything
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        # Not cached: a cached item repaints a changed part into a pixmap of that part,
        # whose other origin moves antialiased edges by a rounding (a pixel off by one
        # from the same canvas painted whole); and drawing only what the repaint exposes
        # costs about what blitting it would.
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    def cover(self, bounds: tuple[float, float, float, float], frame: _Bounds) -> None:
        """Grow the bounds to cover ``bounds``, and the ``frame`` if that holds them.
        Never past the edges' (the items' extent is what a view fits and a picture
        shows) and never shrinking, as the edge strokes' (refitting them to thousands
        of labels would cost more)."""
        covers = self._covers
        if covers.holds(*bounds):
            return
        self.prepareGeometryChange()
        covers.add(*bounds)
        if frame.holds(*bounds):
            covers.add(frame.left, frame.top, frame.right, frame.bottom)
        self._bounds = QRectF(covers.left, covers.top, covers.right - covers.left,
                              covers.bottom - covers.top)

    def repaint(self, bounds: tuple[float, float, float, float]) -> None:
        """Ask for a repaint of the cells ``bounds`` touches, each once until painted: a
        layer step changes a thousand labels, and as many rectangles to repaint cost
        the view more than the drawing. (A cell asked for stays asked for until the
        view paints it, after any change made meanwhile.)"""
        if self._all_dirty:
            return
        for cell in _cells(bounds):
            if cell not in self._dirty:
                self._dirty.add(cell)
                self.update(QRectF(cell[0] * CELL, cell[1] * CELL, CELL, CELL))

    def repaint_all(self) -> None:
        """Ask for a repaint of everything (no cell is asked for again until painted)."""
        self._all_dirty = True
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return QPainterPath()               # empty: clicks and hovers go to the edges

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        self._dirty.clear()
        self._all_dirty = False
        # What to draw: the sketches in the exposed rectangle, or a device pixel from it
        # (a label drawn a few pixels tall still tints the pixels its edges cross).
        exposed = option.exposedRect
        pixel = 1.0 / max(option.levelOfDetailFromTransform(painter.worldTransform()), 1e-6)
        x0, y0 = exposed.left() - pixel, exposed.top() - pixel
        x1, y1 = exposed.right() + pixel, exposed.bottom() + pixel
        inside: list[Sketch] = []
        alone: list[Sketch] = []
        for sketch in self.sketches.values():
            left, top, right, bottom = sketch.bounds
            if right < x0 or left > x1 or bottom < y0 or top > y1:
                continue
            (alone if sketch.alone else inside).append(sketch)
        if alone:       # those that touch one drawn alone are drawn in order with it
            batched, touching = _apart(inside, alone, pixel)
            alone += touching
        else:
            batched = inside
        faded = self.faded
        boxes: dict[tuple[int, int], tuple[QPen, QColor, list[QRectF]]] = {}
        bars: dict[int, tuple[QColor, list[QRectF]]] = {}
        for sketch in batched:
            pen, fill, bar = sketch.looks[faded and sketch.quiet]
            key = (id(pen), id(fill))
            group = boxes.get(key)
            if group is None:
                group = boxes[key] = (pen, fill, [])
            group[2].append(sketch.box)
            coloured = bars.get(id(bar))
            if coloured is None:
                coloured = bars[id(bar)] = (bar, [])
            coloured[1].extend(sketch.bars)
        # The groups in an order of their own, not of what was exposed: boxes a fraction
        # of a pixel apart tint a pixel in the order they are drawn, and a repaint of a
        # few cells must give the pixels a whole repaint gives.
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for pen, fill, rects in sorted(boxes.values(), key=_box_order):
            painter.setPen(pen)
            painter.setBrush(fill)
            painter.drawRects(rects)
        painter.setPen(Qt.PenStyle.NoPen)
        for colour, rects in sorted(bars.values(), key=_bar_order):
            painter.setBrush(colour)
            painter.drawRects(rects)
        for sketch in sorted(alone, key=_order):
            draw_sketch(painter, sketch, faded and sketch.quiet)


class _Bounds:
    """A rectangle that only grows, in plain floats (asked about per label)."""

    def __init__(self) -> None:
        self.left = self.top = math.inf
        self.right = self.bottom = -math.inf

    def holds(self, left: float, top: float, right: float, bottom: float) -> bool:
        return self.left <= left and self.top <= top and right <= self.right and \
            bottom <= self.bottom

    def add(self, left: float, top: float, right: float, bottom: float) -> None:
        self.left, self.top = min(left, self.left), min(top, self.top)
        self.right, self.bottom = max(right, self.right), max(bottom, self.bottom)


def _order(sketch: Sketch) -> int:
    return sketch.order


def _apart(sketches: list[Sketch], alone: list[Sketch], margin: float
           ) -> tuple[list[Sketch], list[Sketch]]:
    """(those of ``sketches`` at least ``margin`` from every one of ``alone``, the
    others). The few drawn alone are bucketed by cell, so each sketch looks only at
    those near it."""
    near: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
    for sketch in alone:
        left, top, right, bottom = sketch.bounds
        grown = (left - margin, top - margin, right + margin, bottom + margin)
        for cell in _cells(grown):
            near.setdefault(cell, []).append(grown)
    apart: list[Sketch] = []
    touching: list[Sketch] = []
    for sketch in sketches:
        left, top, right, bottom = sketch.bounds
        if any(left <= x1 and right >= x0 and top <= y1 and bottom >= y0
               for cell in _cells(sketch.bounds) for x0, y0, x1, y1 in near.get(cell, ())):
            touching.append(sketch)
        else:
            apart.append(sketch)
    return apart, touching


def _cells(bounds: tuple[float, float, float, float]) -> Iterator[tuple[int, int]]:
    left, top, right, bottom = bounds
    for cx in range(int(left // CELL), int(right // CELL) + 1):
        for cy in range(int(top // CELL), int(bottom // CELL) + 1):
            yield cx, cy


def _box_order(group: tuple[QPen, QColor, list[QRectF]]) -> tuple[int, float, int]:
    pen, fill, _ = group
    return pen.color().rgba(), pen.widthF(), fill.rgba()


def _bar_order(group: tuple[QColor, list[QRectF]]) -> int:
    return group[0].rgba()


def draw_sketch(painter: QPainter, sketch: Sketch, dim: bool) -> None:
    """One sketched label: its leader line (if any), box and bars; faded if ``dim``."""
    if sketch.leader is not None:
        paint_leader(painter, sketch.box, *sketch.leader, dim)
    draw_box(painter, sketch.box, *sketch.looks[dim], sketch.bars)


def draw_box(painter: QPainter, box: QRectF, pen: QPen, fill: QColor, bar: QColor,
             bars: list[QRectF]) -> None:
    """A sketched label's box, outlined by ``pen`` and filled, and its ``bars``."""
    painter.setPen(pen)
    painter.setBrush(fill)
    painter.drawRect(box)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(bar)
    painter.drawRects(bars)


def paint_leader(painter: QPainter, rect: QRectF, anchor: QPointF, theme: Theme,
                 weight: float, dim: bool) -> None:
    """A thin line in the weight's colour from the box at ``rect`` to its spot
    ``anchor`` on the edge, with a dot there: the label sits beside its edge because
    no place on the edge was free."""
    colour = QColor(weight_colour(theme, weight))
    if dim:
        colour = faded(colour, theme.background, theme.dim_alpha)
    near = QPointF(min(max(anchor.x(), rect.left()), rect.right()),
                   min(max(anchor.y(), rect.top()), rect.bottom()))
    painter.setPen(QPen(colour, 1.5))
    painter.drawLine(near, anchor)
    painter.setBrush(colour)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(anchor, 3.0, 3.0)
