"""Every edge's line and arrowhead, drawn by one item in a few batched calls.

A dense 100-neuron network has over two thousand edges, and one Python
``paint()`` per edge made a repaint cost well over 100 ms. So edge items keep
what is theirs alone (hit-testing, hover, selection, tooltip and the weight
label) and this item draws all the strokes, grouped by pen: a repaint is a few
dozen C++ calls whatever the number of edges. The groups are rebuilt only when
an edge's look changes (a weight, a move, a step's emphasis, the selection).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple, TypeVar

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QStyleOptionGraphicsItem,
    QWidget,
)

from bpgui.ui.base.theme import LIGHT, Theme, weight_colour, weight_width
from bpgui.ui.canvas.look import DIM, READ, TARGET

EDGE_DIM_ALPHA = 0.22
RING = 10.0                 # how much wider than the line a highlight ring is
REPAINT_MARGIN = RING + 12  # around a stroke's line, what a repaint of it covers
PEN_MEMO = 50_000            # looks whose pens are remembered (a few per edge)
# An arrowhead is about ARROW_LENGTH long; one drawn shorter than SMOOTH_ARROW_PX on
# screen (a 1,000-neuron network fitted to the window draws them about 1 px) shows no
# shape to smooth, and 24,000 smoothed ones cost a first paint 100 ms.
ARROW_LENGTH = 10.0
SMOOTH_ARROW_PX = 1.5
MANY_REPAINTS = 200         # more overlay repaints than this in a batch: one around them all


def faded(colour: QColor, background: QColor, amount: float = EDGE_DIM_ALPHA) -> QColor:
    """``colour`` at ``amount`` opacity over ``background``, as an opaque colour: opaque
    lines skip alpha blending, and crossing faint lines do not darken each other."""
    return QColor.fromRgbF(*(amount * a + (1 - amount) * b for a, b in
                             zip(_rgb(colour), _rgb(background), strict=True)))


def _rgb(colour: QColor) -> tuple[float, float, float]:
    return colour.redF(), colour.greenF(), colour.blueF()


class EdgeLook(NamedTuple):
    """What an edge's stroke depends on; the edge item reports it, this module draws it.
    (A named tuple: a layer step makes a thousand, and a frozen dataclass costs 4× more.)"""

    line: QLineF
    arrow: QPolygonF
    weight: float
    trainable: bool
    emphasis: str
    marked: bool              # selected or flashing: a ring in the selection colour


# The pens of one edge's stroke, as the batches file it: the ring's (colour, width) if it
# has one, the line's (colour, width, dashed) and the arrowhead's colour (all as rgba).
Pens = tuple[tuple[int, float] | None, tuple[int, float, bool], int]
K = TypeVar("K")
V = TypeVar("V")


def _unfile(groups: dict[K, dict[str, V]], key: K, edge_id: str) -> None:
    """Take ``edge_id`` out of the group under ``key``, and the group out once empty."""
    group = groups[key]
    del group[edge_id]
    if not group:
        del groups[key]


class _Batches:
    """Each edge's stroke filed under its pen, so a repaint is one call per pen.

    Edges are filed and refiled one at a time: a weight edit moves one edge between
    groups instead of regrouping thousands; an arrowhead group's path is rebuilt only
    when one of its edges changed.
    """

    def __init__(self) -> None:
        self._rings: dict[tuple[int, float], dict[str, QLineF]] = {}
        self._lines: dict[tuple[int, float, bool], dict[str, QLineF]] = {}
        self._arrows: dict[int, dict[str, QPolygonF]] = {}
        self._paths: dict[int, QPainterPath] = {}
        self._where: dict[str, Pens] = {}

    def put(self, edge_id: str, line: QLineF, arrow: QPolygonF, pens: Pens) -> None:
        if edge_id in self._where:
            self.remove(edge_id)
        ring_key, line_key, arrow_key = pens
        if ring_key is not None:
            self._rings.setdefault(ring_key, {})[edge_id] = line
        self._lines.setdefault(line_key, {})[edge_id] = line
        self._arrows.setdefault(arrow_key, {})[edge_id] = arrow
        self._paths.pop(arrow_key, None)
        self._where[edge_id] = (ring_key, line_key, arrow_key)

    def remove(self, edge_id: str) -> None:
        where = self._where.pop(edge_id, None)
        if where is None:
            return
        ring_key, line_key, arrow_key = where
        if ring_key is not None:
            _unfile(self._rings, ring_key, edge_id)
        _unfile(self._lines, line_key, edge_id)
        _unfile(self._arrows, arrow_key, edge_id)
        self._paths.pop(arrow_key, None)

    def draw(self, painter: QPainter, smooth_arrows: bool = True) -> None:
        """Every stroke filed here; the arrowheads without antialiasing unless
        ``smooth_arrows`` (a smoothed arrowhead costs about 4× a plain one)."""
        for (rgba, width), lines in self._rings.items():
            painter.setPen(QPen(QColor.fromRgba(rgba), width, Qt.PenStyle.SolidLine,
                                Qt.PenCapStyle.FlatCap))
            painter.drawLines(list(lines.values()))
        for (rgba, width, dashed), lines in self._lines.items():
            painter.setPen(QPen(QColor.fromRgba(rgba), width, Qt.PenStyle.DashLine if dashed
                                else Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
            painter.drawLines(list(lines.values()))
        painter.setPen(Qt.PenStyle.NoPen)
        if not smooth_arrows:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for rgba, arrows in self._arrows.items():
            path = self._paths.get(rgba)
            if path is None:
                path = self._paths[rgba] = QPainterPath()
                for arrow in arrows.values():
                    path.addPolygon(arrow)
            painter.fillPath(path, QColor.fromRgba(rgba))


def stroke_width(weight: float) -> float:
    """The edge's line width, in half-pixel steps so edges share a few pens."""
    return round(weight_width(weight) * 2) / 2


class EdgeStrokes(QGraphicsObject):
    """Draws the strokes of the edges it is told about; never hit by the mouse.

    Two layers: the *base* holds every edge (faded while a pass is shown) and
    changes only with weights, positions or the theme (both its faded and its plain
    pens are kept filed, so a pass starting or ending refiles nothing); the *overlay* redraws
    just the edges a step computes or reads, and the selected or flashing ones,
    on top of their faded twins. So a step rebuilds a few dozen lines, not all.
    """

    def __init__(self, theme: Theme = LIGHT) -> None:
        super().__init__()
        self.theme = theme
        self.dimmed = False                 # a pass is shown: the base is faded
        self._looks: dict[str, EdgeLook] = {}
        self._bases = {False: _Batches(), True: _Batches()}   # plain, faded
        self._overlay = _Batches()
        self._bounds = QRectF()
        self._faded: dict[int, QColor] = {}
        self._pen_memo: dict[tuple[float, bool, str | None, bool | None, bool | None], Pens] = {}
        self.setZValue(0.9)                 # under every edge label, neuron and path
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        # The base, plain and faded, each kept as a pixmap and redrawn only where it
        # changes (see _Base); the overlay, which every step changes, is a child drawn
        # on top, so it never spoils them.
        self.bases = {False: _Base(self, False), True: _Base(self, True)}
        self.overlay = _Overlay(self)
        self._held: list[EdgeLook | None] | None = None   # inside batch(): overlay repaints

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many edges change at once (a step): the overlay's repaints are asked for at
        the end, as one repaint of the rectangle around them all when there are many. A
        repaint per edge cost more than the drawing once a layer step changed a thousand."""
        if self._held is not None:
            yield
            return
        self._held = []
        try:
            yield
        finally:
            held, self._held = self._held, None
            if len(held) > MANY_REPAINTS:
                covering = _covering(held)
                if covering is not None:
                    self.overlay.update(covering)
            else:
                _repaint(self.overlay, *held)

    # ------------------------------------------------------------ updates
    def set_look(self, edge_id: str, look: EdgeLook | None) -> None:
        """Record how edge ``edge_id`` looks now (None: it is gone)."""
        old = self._looks.get(edge_id)
        if look == old:
            return
        if look is None:
            del self._looks[edge_id]
        else:
            self._looks[edge_id] = look
        if old is None or look is None or old[:4] != look[:4]:   # line, arrow, weight, flag
            if look is not None:
                self._grow(look)
            for dimmed, base in self._bases.items():
                self._file(base, edge_id, look, overlay=False, dim=dimmed)
            for item in self.bases.values():
                item.repaint(old, look)
        shown = _emphasised(look)
        if shown or _emphasised(old):
            self._file(self._overlay, edge_id, look if shown else None, overlay=True)
            if self._held is None:
                _repaint(self.overlay, old, look)
            else:
                self._held += (old, look)

    def _file(self, batches: _Batches, edge_id: str, look: EdgeLook | None,
              overlay: bool, dim: bool = False) -> None:
        """Put the edge's stroke under its pen in ``batches`` (or take it out); the
        base's pens are faded with ``dim``, the overlay's as the look says."""
        if look is None or look.line.length() == 0:
            batches.remove(edge_id)
            return
        batches.put(edge_id, look.line, look.arrow, self._pens(look, overlay, dim))

    def _pens(self, look: EdgeLook, overlay: bool, dim: bool) -> Pens:
        """The pens that draw ``look`` (on the overlay, or on the base faded with ``dim``),
        worked out once per kind of look: a layer step refiles a thousand edges, and
        their colours and widths are few."""
        key = (look.weight, look.trainable, look.emphasis, look.marked, None) if overlay \
            else (look.weight, look.trainable, None, None, dim)
        pens = self._pen_memo.get(key)
        if pens is None:
            colour = self._colour(look, look.emphasis == DIM if overlay else dim)
            width = stroke_width(look.weight)
            ring = self._ring(look) if overlay else None
            pens = (None if ring is None else (ring.rgba(), width + RING),
                    (colour.rgba(), width, not look.trainable), colour.rgba())
            if len(self._pen_memo) > PEN_MEMO:
                self._pen_memo.clear()
            self._pen_memo[key] = pens
        return pens

    def _refile(self) -> None:
        """File every edge afresh (the theme or the fading changed all pens)."""
        self._bases, self._overlay = {False: _Batches(), True: _Batches()}, _Batches()
        for edge_id, look in self._looks.items():
            for dimmed, base in self._bases.items():
                self._file(base, edge_id, look, overlay=False, dim=dimmed)
            if _emphasised(look):
                self._file(self._overlay, edge_id, look, overlay=True)
        for item in self.bases.values():
            item.update()
        self.overlay.update()

    def set_dimmed(self, dimmed: bool) -> None:
        """Fade the base while a pass is shown (its steps then draw on top): show the
        other base, drawn already (a pass's first step redrew the faded strokes of the
        1,000-neuron network, 50 ms, and its end the plain ones, 55 ms)."""
        if dimmed != self.dimmed:
            self.dimmed = dimmed
            self.bases[dimmed].show_up_to_date()
            self.bases[not dimmed].set_shown(False)

    @contextmanager
    def showing_faded(self) -> Iterator[None]:
        """The faded base shown instead of the plain one while the block runs (a build
        paints a pixel then, so Qt draws the faded pixmap before a pass needs it)."""
        if self.dimmed:
            yield
            return
        self.bases[True].show_up_to_date()      # (over the plain one, which stays put)
        try:
            yield
        finally:
            self.bases[True].set_shown(False)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self._faded.clear()
        self._pen_memo.clear()
        self._refile()

    def _grow(self, look: EdgeLook) -> None:
        """Make the bounds cover ``look`` (they never shrink: a little too large costs
        nothing, refitting on every edge cost O(edges²))."""
        rect = QRectF(look.line.p1(), look.line.p2()).normalized().adjusted(-30, -30, 30, 30)
        if not self._bounds.contains(rect):
            for item in (self, *self.bases.values(), self.overlay):
                item.prepareGeometryChange()
            self._bounds = self._bounds.united(rect) if not self._bounds.isNull() else rect

    # ------------------------------------------------------------ drawing
    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return QPainterPath()               # empty: clicks and hovers go to the edges

    def _colour(self, look: EdgeLook, dim: bool) -> QColor:
        colour = weight_colour(self.theme, look.weight)
        if not dim:
            return colour
        key = colour.rgba()
        if key not in self._faded:
            self._faded[key] = faded(colour, self.theme.background, self.theme.dim_alpha)
        return self._faded[key]

    def _ring(self, look: EdgeLook) -> QColor | None:
        t = self.theme
        if look.marked:
            return t.selection
        if look.emphasis == TARGET:
            return t.highlight
        return t.read if look.emphasis == READ else None

    @property
    def has_strokes(self) -> bool:
        return bool(self._looks)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        pass                                # (no contents: the bases and overlay draw)

    def paint_base(self, painter: QPainter, option: QStyleOptionGraphicsItem,
                   dimmed: bool) -> None:
        # Faded lines need no antialiasing (4x cheaper on dense layers), nor do
        # arrowheads too small to show their shape (see SMOOTH_ARROW_PX).
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, not dimmed)
        scale = option.levelOfDetailFromTransform(painter.worldTransform())
        self._bases[dimmed].draw(painter, scale * ARROW_LENGTH >= SMOOTH_ARROW_PX)

    def paint_overlay(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._overlay.draw(painter)


def _emphasised(look: EdgeLook | None) -> bool:
    """Whether the edge is drawn again on the overlay: computed, read, selected, flashing."""
    return look is not None and (look.marked or look.emphasis in (TARGET, READ))


class _Layer(QGraphicsItem):
    """A part of the strokes, drawn by them over their bounds; never hit by the mouse."""

    def __init__(self, strokes: EdgeStrokes) -> None:
        super().__init__(strokes)
        self.strokes = strokes
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:
        return self.strokes.boundingRect()

    def shape(self) -> QPainterPath:
        return QPainterPath()


class _Base(_Layer):
    """The base's strokes, plain or faded, in a pixmap of their own (Qt's device
    cache): a pass starting or ending shows the other base, not a redrawing of this one.

    Repaints asked while hidden wait until it shows (a training run changes every
    weight at each frame; the hidden base then takes one repaint of the whole)."""

    def __init__(self, strokes: EdgeStrokes, dimmed: bool) -> None:
        super().__init__(strokes)
        self.dimmed = dimmed
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # Shown and hidden by its opacity: Qt draws no item at opacity 0, and keeps its
        # pixmap (becoming visible again throws it away).
        self.shown = not dimmed
        self.setOpacity(1.0 if self.shown else 0.0)
        # Until it has drawn a stroke there is nothing to repaint (and a stroke outside
        # the bounds grows them, which repaints the whole item): the strokes of a
        # network being drawn asked 24,000 repaints, 100 ms of the 1,000-neuron open.
        self._drawn = False
        self._waiting: list[EdgeLook | None] | None = []    # None: all of it

    def repaint(self, *looks: EdgeLook | None) -> None:
        """Ask a repaint of where these looks are drawn (see the class)."""
        if not self._drawn:
            return
        if self.shown:
            _repaint(self, *looks)
        elif self._waiting is not None:
            self._waiting += looks
            if len(self._waiting) > MANY_REPAINTS:
                self._waiting = None

    def show_up_to_date(self) -> None:
        """Show, after the repaints asked while hidden."""
        waiting, self._waiting = self._waiting, []
        self.set_shown(True)
        if waiting is None:
            self.update()
        elif waiting:
            _repaint(self, *waiting)

    def set_shown(self, shown: bool) -> None:
        self.shown = shown
        self.setOpacity(1.0 if shown else 0.0)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        self._drawn = self._drawn or self.strokes.has_strokes
        self.strokes.paint_base(painter, option, self.dimmed)


class _Overlay(_Layer):
    """The emphasised strokes, above the cached bases."""

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        self.strokes.paint_overlay(painter)


def _covering(looks: list[EdgeLook | None]) -> QRectF | None:
    """One rectangle around where all these looks are drawn: a layer step of the
    1,000-neuron network changes the edges between two levels, a band across it, and
    repainting the whole overlay instead redrew every label on the canvas."""
    xs: list[float] = []
    ys: list[float] = []
    for look in looks:
        if look is not None:
            line = look.line
            xs += (line.x1(), line.x2())
            ys += (line.y1(), line.y2())
    if not xs:
        return None                 # (an empty rectangle would repaint the whole item)
    m = REPAINT_MARGIN
    return QRectF(min(xs) - m, min(ys) - m, max(xs) - min(xs) + 2 * m, max(ys) - min(ys) + 2 * m)


def _repaint(item: QGraphicsItem, *looks: EdgeLook | None) -> None:
    """Ask ``item`` for a repaint of just where these looks are drawn."""
    for look in looks:
        if look is not None:
            item.update(QRectF(look.line.p1(), look.line.p2()).normalized().adjusted(
                -REPAINT_MARGIN, -REPAINT_MARGIN, REPAINT_MARGIN, REPAINT_MARGIN))
