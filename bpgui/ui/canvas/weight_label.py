"""What an edge's weight label says and how its box is drawn.

The two lines of text for a weight and the current step's values, the size of the box
for them, and the painting of that box (or its sketch, too small to read): functions of
their arguments alone, so the edge item (:mod:`bpgui.ui.canvas.edge_item`) caches their
results by its own state; and the label item, the edge's child that paints them (or
hands its sketch to :mod:`bpgui.ui.canvas.label_sketches`).
"""

from __future__ import annotations

import functools
from typing import Protocol

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from bpgui.network.numbers import fmt
from bpgui.ui.base.theme import Theme, weight_colour
from bpgui.ui.canvas.edge_strokes import faded
from bpgui.ui.canvas.label_sketches import LabelSketches, Sketch, draw_box, paint_leader
from bpgui.ui.canvas.look import DIM, GRAD_FONT, LABEL_FONT, NORMAL, StepLook, legible

RESERVED_LINE = "∂L/∂w = −0.0000"      # the widest second line a pass usually gives
# ``local``: the local derivative ∂v/∂(w·a) of the operation node the edge enters, which
# its backward step records (operation graphs only).
SECOND_LINES = (("grad_w", "∂L/∂w"), ("back_term", "w·δ"), ("local", "local ∂"),
                ("term", "w·a"))


def label_texts(weight: float, values: dict[str, float], digits: int) -> tuple[str, str]:
    """(weight line, second line): the weight (and its value after the update, once
    computed), then ∂L/∂w, w·δ, the local derivative or w·a, the first the step computed."""
    text = fmt(weight, 3)
    if "weight" in values:
        text += f" → {fmt(values['weight'], 4)}"
    second = next((f"{name} = {fmt(values[kind], digits)}"
                   for kind, name in SECOND_LINES if kind in values), "")
    return text, second


@functools.lru_cache(maxsize=4096)
def label_size(first: str, second: str, room: bool) -> tuple[float, float]:
    """Width and height of the box for the lines ``first`` and ``second``; with ``room``,
    at least as wide as :data:`RESERVED_LINE` on a second line. Remembered by text (the
    fonts never change): a 24,000-edge network has a few thousand distinct labels, and
    measuring each edge's cost a tenth of its opening."""
    width = QFontMetricsF(LABEL_FONT).horizontalAdvance(first)
    lines = [second] + ([RESERVED_LINE] if room else [])
    width = max([width] + [QFontMetricsF(GRAD_FONT).horizontalAdvance(line)
                           for line in lines if line])
    return width + 16, 46.0 if any(lines) else 28.0


def paint_label(painter: QPainter, rect: QRectF, theme: Theme, weight: float, dim: bool,
                first: str, second: str) -> None:
    """The rounded box at ``rect``, edged in the weight's colour, with ``first`` (the
    weight) and ``second`` (∂L/∂w, w·a or w·δ, if any) in it; faded when ``dim``."""
    colour = QColor(weight_colour(theme, weight))
    text, fill = _text_and_fill(theme, dim)
    painter.setPen(QPen(colour, 1.5))
    painter.setBrush(fill)
    painter.drawRoundedRect(rect, 8, 8)
    painter.setPen(text)
    painter.setFont(LABEL_FONT)
    painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), 28),
                     Qt.AlignmentFlag.AlignCenter, first)
    if second:
        painter.setFont(GRAD_FONT)
        painter.drawText(QRectF(rect.left(), rect.top() + 24, rect.width(), 20),
                         Qt.AlignmentFlag.AlignCenter, second)


def paint_label_sketch(painter: QPainter, rect: QRectF, theme: Theme, weight: float,
                       dim: bool, lines: int) -> None:
    """The label's box at ``rect``, edged and filled as :func:`paint_label` does it, with
    a bar where each of its ``lines`` lines of text would be: the label as it looks when
    its text is too small to read."""
    draw_box(painter, rect, *sketch_look(theme, weight_colour(theme, weight).rgba(), dim),
             sketch_bars(rect, lines))


def sketch_bars(rect: QRectF, lines: int) -> list[QRectF]:
    """Where a sketch of a label box at ``rect`` draws the bars for its ``lines`` lines."""
    inset = rect.width() / 4
    return [QRectF(rect.left() + inset, rect.top() + top, rect.width() - 2 * inset, 8)
            for top in (10.0, 30.0)[:lines]]


_SKETCH_LOOKS: dict[tuple[str, int, bool], tuple[QPen, QColor, QColor]] = {}


def sketch_look(theme: Theme, rgba: int, dim: bool) -> tuple[QPen, QColor, QColor]:
    """The sketch's outline, fill and bar colour (made once per theme and weight colour:
    thousands of labels are sketched at once)."""
    key = (theme.name, rgba, dim)
    if key not in _SKETCH_LOOKS:
        text, fill = _text_and_fill(theme, dim)
        _SKETCH_LOOKS[key] = QPen(QColor.fromRgba(rgba), 1.5), fill, faded(text, fill, 0.5)
    return _SKETCH_LOOKS[key]


def _text_and_fill(theme: Theme, dim: bool) -> tuple[QColor, QColor]:
    """A label's text colour and box fill; faded into the background when ``dim``."""
    if dim:
        return faded(QColor(theme.text), theme.background, theme.dim_alpha), \
            QColor(theme.background)
    return QColor(theme.text), QColor(theme.label_fill)


class LabelledEdge(Protocol):
    """What the label item asks of its edge (the edge item: a protocol, so this module
    need not import it back)."""

    theme: Theme
    weight: float
    step: StepLook
    sketches: LabelSketches | None      # who draws the label while it is sketched
    order: int                          # the edge's place in its stacking level

    @property
    def stack_z(self) -> float: ...

    @property
    def label_alone(self) -> bool: ...

    def label_text(self) -> str: ...

    def second_line(self) -> str: ...


class EdgeLabel(QGraphicsItem):
    """An edge's weight label, a child of the edge so it moves and hides with it.

    Legible, it draws itself, cached in device coordinates: it is re-rendered only
    when its text or look changes (the edge calls :meth:`changed` then), not on every
    repaint around it. Too small to read, it is sketched, and if the edge has a
    :class:`LabelSketches` the label hands its sketch over and draws nothing itself
    (see :mod:`label_sketches`): one paint per label was most of a large network's
    repaint. Clicks, hovers and tooltips pass through to the edge.
    """

    def __init__(self, edge: LabelledEdge, parent: QGraphicsItem, legible: bool = True
                 ) -> None:
        super().__init__(parent)
        self.edge = edge
        self._room = self._rect = self._bounds = QRectF()
        self._anchor: QPointF | None = None
        self._shown = False                 # isVisible(), mirrored: made hidden
        self._handed = False                # the sketches draw it
        self._sketched: tuple[object, ...] = ()     # what its sketch was made for
        self._sketch: Sketch | None = None
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setVisible(False)
        self.set_legible(legible)

    def set_legible(self, legible: bool) -> None:
        """The label's text can be read at the canvas's zoom, or not: cached and drawn by
        itself, or sketched (by the edge's sketches, if it has them; else uncached: a
        sketch costs less to draw than a pixmap costs to make)."""
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache if legible
                          else QGraphicsItem.CacheMode.NoCache)
        handed = not legible and self.edge.sketches is not None
        if handed != self._handed:
            self._handed = handed
            self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, handed)
            self.update()
            self._hand_over()

    def set_shown(self, shown: bool) -> None:
        """Show or hide the label (a hidden one's sketch is taken back at once; a shown
        one's is handed over at the edge's :meth:`sync`)."""
        if shown != self._shown:
            self._shown = shown
            self.setVisible(shown)
            if not shown:
                self._hand_over()

    def changed(self) -> None:
        """What the label shows changed: draw it again (a sketched one: see :meth:`sync`)."""
        if not self._handed:
            self.update()

    def sync(self) -> None:
        """Hand the sketches what the label looks like now, if that changed. The edge
        calls this after every change of its label (placing, showing, restacking or
        restyling it), once: a pass's first step changes thousands."""
        if self._handed:
            self._hand_over()

    def _hand_over(self) -> None:
        """Give the sketches what the label looks like now, or take it back. The sketch
        is kept while taken back: a pass's start hides thousands of labels (they do not
        fit with room for its values) and its end shows them again, unchanged."""
        sketches = self.edge.sketches
        if sketches is None:
            return
        if not (self._handed and self._shown):
            sketches.drop(self)
            return
        edge = self.edge
        # Faded or not is the sketches' to say, pass-wide (see LabelSketches.set_faded).
        quiet = edge.step.emphasis in (NORMAL, DIM)
        weight = edge.weight
        lines = 2 if edge.second_line() else 1
        state = (self._rect, self._anchor, edge.theme.name, weight > 0, weight < 0, quiet,
                 lines, edge.stack_z, edge.label_alone)    # (the colour is by sign)
        if state != self._sketched or self._sketch is None:
            self._sketched = state
            self._sketch = self._make_sketch(weight_colour(edge.theme, weight).rgba(), quiet,
                                             lines)
        sketches.put(self, self._sketch)        # (the same sketch again: nothing to do)

    def _make_sketch(self, rgba: int, quiet: bool, lines: int) -> Sketch:
        edge, rect, anchor = self.edge, self._rect, self._anchor
        left, top, right, bottom = rect.left(), rect.top(), rect.right(), rect.bottom()
        if anchor is not None:                  # and the leader's dot
            left, right = min(left, anchor.x() - 4), max(right, anchor.x() + 4)
            top, bottom = min(top, anchor.y() - 4), max(bottom, anchor.y() + 4)
        return Sketch(
            edge.order, edge.stack_z, rect, sketch_bars(rect, lines),
            (sketch_look(edge.theme, rgba, False), sketch_look(edge.theme, rgba, True)),
            quiet, edge.label_alone or anchor is not None,
            None if anchor is None else (anchor, edge.theme, edge.weight),
            (left - 2, top - 2, right + 2, bottom + 2))

    @property
    def handed_over(self) -> bool:
        """The sketches draw the label, which draws nothing itself."""
        return self._handed

    def place(self, room: QRectF, rect: QRectF, anchor: QPointF | None = None) -> None:
        """Draw the box at ``rect``, inside ``room`` (which changes less often); with an
        ``anchor`` (the box's spot on the edge, when it sits beside it), a leader line."""
        if anchor is not None:
            room = room.united(QRectF(anchor.x() - 4, anchor.y() - 4, 8, 8))  # and its dot
        if room != self._room:
            self.prepareGeometryChange()
            self._room = room
            self._bounds = room.adjusted(-2, -2, 2, 2)     # asked for often: kept
        if (rect, anchor) != (self._rect, self._anchor):
            self._rect, self._anchor = rect, anchor
            self.changed()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        edge = self.edge
        dim = edge.step.emphasis == DIM
        if self._anchor is not None:
            paint_leader(painter, self._rect, self._anchor, edge.theme, edge.weight, dim)
        if not legible(option.levelOfDetailFromTransform(painter.worldTransform())):
            paint_label_sketch(painter, self._rect, edge.theme, edge.weight, dim,
                               2 if edge.second_line() else 1)
        else:
            paint_label(painter, self._rect, edge.theme, edge.weight, dim,
                        edge.label_text(), edge.second_line())
