"""The edge item: a weighted connection's hit area, hover, selection, tooltip and label.

What an edge looks like is drawn elsewhere, so that thousands of edges stay
cheap: its line and arrowhead by :class:`EdgeStrokes` (with every other
edge's, in a few batched calls), its weight label by a small child
:class:`EdgeLabel` cached as a pixmap. The edge item itself paints nothing
(``ItemHasNoContents``), so Qt never calls into Python to draw it, and a
repaint blits labels instead of laying out their text again (or, too small to read,
draws their sketches in batches: :mod:`bpgui.ui.canvas.label_sketches`). What the label says, its
size and its box are :mod:`bpgui.ui.canvas.weight_label`'s; the edge caches them.

Colour says the weight's sign, thickness its magnitude; the label shows the
weight and, once computed, ∂L/∂w (or the step's product term).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

from PySide6.QtCore import QLineF, QPointF, QRectF
from PySide6.QtGui import QPainter, QPainterPath, QPainterPathStroker, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from bpgui.network.model import Edge
from bpgui.network.numbers import fmt
from bpgui.ui.base.theme import LIGHT, NEURON_RADIUS, Theme, weight_width
from bpgui.ui.canvas.edge_strokes import EdgeLook, EdgeStrokes, stroke_width
from bpgui.ui.canvas.label_sketches import LabelSketches
from bpgui.ui.canvas.look import (
    DIM,
    NORMAL,
    READ,
    TARGET,
    StepLook,
    Tooltip,
    tell_scene_hover,
)
from bpgui.ui.canvas.neuron_item import NeuronItem
from bpgui.ui.canvas.weight_label import SECOND_LINES, EdgeLabel, label_size, label_texts

Flag = QGraphicsItem.GraphicsItemFlag
EDGE_FLAGS = Flag.ItemIsSelectable | Flag.ItemHasNoContents   # (or-ing enums costs, per edge)
# Where a label sits: the fraction along the edge of its spot, and the box's offset from
# there (not (0, 0): beside the edge, joined to its spot by a leader line).
LabelPlace = tuple[float, float, float]
LABEL_RISE = 14.0      # a label box's top is this far above its spot on the edge
_MADE = itertools.count()   # edges in the order they were made, which is how they stack


class EdgeItem(QGraphicsItem):
    """A weighted connection from the source's rim to an arrowhead at the target.

    A plain item, not a ``QGraphicsObject``: it needs no signals, and PySide routes
    every attribute write on a QObject through its property lookup, which made
    making 24,000 edges and every step's visit to them several times slower.
    """

    LABEL_AT = 0.32   # default place of the weight label along the edge, from the source

    def __init__(self, edge: Edge, source: NeuronItem, target: NeuronItem,
                 theme: Theme = LIGHT, strokes: EdgeStrokes | None = None,
                 sketches: LabelSketches | None = None) -> None:
        super().__init__()
        self.source, self.target = source, target
        self.theme = theme
        self.strokes = strokes if strokes is not None else EdgeStrokes(theme)
        self.sketches = sketches       # who draws the label while it is too small to read
        self.order = next(_MADE)
        self._reported_id: str | None = None
        self.show_label = True         # the View menu's choice
        self.quiet = False             # training: numbers that change 10× a second hide
        # False where the label would overlap another; and until the scene's placement
        # (run once the items are made, and after edges come, go or move) finds it a
        # place: measuring and placing every label here as well cost the 1,000-neuron
        # network's 24,000 edges about a second.
        self.label_fits = False
        self._hovered = False
        self.label_at = self.LABEL_AT
        self.label_offset = (0.0, 0.0)
        self._arrow_poly: QPolygonF | None = None     # made again when None
        self._arrow_weight = 0.0
        self._z_shown = 1.0                 # zValue(), mirrored: a Qt call per edge per step
        self.step = StepLook()
        self._label_key: tuple[object, ...] = ()
        self.label_forced = False           # the step computes it: show the label regardless
        self.tooltip = Tooltip(self, self._tooltip_text)
        source.edges.append(self)
        target.edges.append(self)
        self.setFlags(EDGE_FLAGS)
        self.setZValue(1)
        self.setAcceptHoverEvents(True)
        self._line = QLineF()
        self._label: EdgeLabel | None = None   # made when first shown (label_item)
        self._label_shown = False           # label_item.isVisible(), mirrored
        self._placed: tuple[object, ...] | None = None   # what the label box was placed for
        self.sync(edge)

    @property
    def label_item(self) -> EdgeLabel:
        """The label's item, made (hidden) when first asked for: most labels of a dense
        network never show, and 19,000 never-placed hidden items piled up in the
        scene's index at one spot slowed every repaint there by half a step."""
        if self._label is None:
            self._label = EdgeLabel(self, self, getattr(self.scene(), "labels_legible", True))
        return self._label

    @property
    def has_label(self) -> bool:
        """Whether the label's item was made."""
        return self._label is not None

    def set_label_legible(self, legible: bool) -> None:
        """Whether the label's text can be read at the canvas's zoom (see
        :class:`EdgeLabel`), if it has a label."""
        if self._label is not None:
            self._label.set_legible(legible)
            self._label_key = ()        # (a sketched label's fading was not kept there)

    def sync(self, edge: Edge) -> None:
        """Take the edge's id, label, weight and flag from the model."""
        if self._reported_id not in (None, edge.id):       # renamed
            self.strokes.set_look(self._reported_id, None)
        self.edge_id = edge.id
        self.label = edge.display_label
        self.weight = edge.weight
        self.trainable = edge.trainable
        self.ends = (edge.source, edge.target)
        self.tooltip.changed()
        self.adjust()

    def preview(self, weight: float) -> None:
        """Show ``weight`` before the model has it (a training run in progress). Redrawn
        only if the label, the colour or the thickness would show the change."""
        if weight == self.weight:
            return
        shown: tuple[float | bool | str, ...] = (stroke_width(weight), weight > 0, weight < 0)
        if self.label_visible:
            shown += (fmt(weight, 3),)
        if shown == (stroke_width(self.weight), self.weight > 0, self.weight < 0,
                     fmt(self.weight, 3))[:len(shown)]:
            self.weight = weight                    # the tooltip tells it, on hover
            self.tooltip.changed()
            return
        self.weight = weight                       # (the texts are cached by weight)
        self.tooltip.changed()
        self.refresh_look()

    def toolTip(self) -> str:
        self.tooltip.refresh()
        return super().toolTip()

    def _tooltip_text(self) -> str:
        frozen = "" if self.trainable else " (frozen)"
        text = (f"{self.label} ({self.edge_id}): {self.ends[0]} → {self.ends[1]}, "
                f"weight {self.weight!r}{frozen}")
        for kind, name in (*SECOND_LINES, ("weight", "weight after the update")):
            if kind in self.step.values:
                text += f"\n{name} = {self.step.values[kind]!r}"
        if self.step.flash_note:
            text += f"\nlast edit: {self.step.flash_note}"
        return text + "\nDouble-click the label to type a value; Ctrl+wheel nudges it."

    # ------------------------------------------------------------- the pass
    def set_step(self, values: dict[str, float], emphasis: str, digits: int,
                 force_label: bool = False) -> None:
        """Show the pass: this edge's values, how the step involves it, and whether its
        label must show even where it does not fit (the step computes it)."""
        look = self.step
        if (values, digits, force_label) == (look.values, look.digits, self.label_forced):
            if emphasis == look.emphasis:
                return
            if {emphasis, look.emphasis} <= {NORMAL, DIM}:
                # A pass starts or ends, fading every edge: the strokes fade as a whole
                # (they draw DIM and NORMAL alike), the stacking order and the tooltip
                # stay, so only a shown label has work to do (a hidden one is redrawn
                # when it shows: its key then holds the emphasis).
                look.emphasis = emphasis
                # (A sketched label fades with every other: LabelSketches.set_faded.)
                if self._label_shown and not self.label_item.handed_over:
                    self._redraw_label()        # faded or not; it stays where it is
                return
        if values != look.values or digits != look.digits:
            self.tooltip.changed()           # (the emphasis is not in the tooltip)
        look.values, look.emphasis, look.digits = values, emphasis, digits
        self.label_forced = force_label
        self._set_z(self._z())
        self.refresh_look()

    def _set_z(self, z: float) -> None:
        """(Every caller refreshes the look next, which hands a sketch its new level.)"""
        if z != self._z_shown:
            self._z_shown = z
            self.setZValue(z)

    @property
    def stack_z(self) -> float:
        """The edge's (and its label's) stacking order."""
        return self._z_shown

    @property
    def label_alone(self) -> bool:
        """The label shows although it may overlap others: it does not fit, or a step
        computes it, or it is pointed at."""
        return not self.label_fits or self.label_forced or self._hovered

    def _z(self) -> float:
        """Stacking order, which is the label's (the strokes lie below all items): the
        labels a step shows above the neurons, so no badge hides them; then those it
        reads; then the rest."""
        if self.label_forced:
            return 4.0
        return 1.6 if self.step.emphasis in (TARGET, READ) else 1.0

    def flash(self, note: str) -> None:
        self.step.start_flash(note)
        self.tooltip.changed()
        self.refresh_look()

    def refresh_look(self) -> None:
        """Tell the strokes how this edge looks now, and bring the label up to date.
        (A layer step calls this for a thousand edges: each Qt call is asked once.)"""
        self._reported_id = self.edge_id
        selected = self.isSelected()
        step = self.step
        self.strokes.set_look(self.edge_id, EdgeLook(
            self._line, self._arrow(), self.weight, self.trainable, step.emphasis,
            selected or (step.flash_until != 0.0 and step.flashing)))
        self._refresh_label(selected)

    def _refresh_label(self, selected: bool | None = None) -> None:
        """Show, hide, move or redraw the label as its state says (the stroke untouched:
        placing labels moves only them). ``selected``: isSelected(), if already asked."""
        visible = self.show_label and not self.quiet and (
            self.label_fits or self._hovered or self.label_forced
            or (self.isSelected() if selected is None else selected))
        if visible != self._label_shown:
            self._label_shown = visible
            self.label_item.set_shown(visible)
        if not visible:
            return
        # The bounds hold the label's room (a second line included), so they change only
        # when a shown label outgrows it: a geometry change re-indexes the item, the
        # dearest call of a step, and a layer step touches a thousand edges.
        texts = self._texts()
        if self._label_size(True, texts) != getattr(self, "_bounds_size", None):
            self.prepareGeometryChange()
        # Where the box goes follows from these alone; a step that only changes the
        # emphasis (a thousand edges fading in a layer step) leaves it where it is.
        placed = (texts, self.label_at, self.label_offset, self._line)
        if placed != self._placed:
            self._placed = placed
            offset = self.label_offset
            anchor = None if offset == (0.0, 0.0) else self._line.pointAt(self.label_at)
            self.label_item.place(self.label_rect_at(self.label_at, room=True, offset=offset),
                                  self.label_rect(), anchor)
        self._redraw_label()
        self.label_item.sync()              # (a sketched label: what changed, handed over)

    def _redraw_label(self) -> None:
        """Have the shown label drawn again if what it shows changed."""
        key = (self._texts(), self.step.emphasis == DIM, self.weight > 0, self.weight < 0,
               self.theme.name)
        if key != self._label_key:
            self._label_key = key
            self.label_item.changed()

    def detach(self) -> None:
        """The edge is leaving the scene: unhook it from its ends and its stroke."""
        for end in (self.source, self.target):
            if self in end.edges:
                end.edges.remove(self)
        if self._reported_id is not None:
            self.strokes.set_look(self._reported_id, None)
            self._reported_id = None
        if self._label is not None:
            self._label.set_shown(False)         # (and out of the sketches)

    # ------------------------------------------------------------- geometry
    def adjust(self) -> None:
        """Recompute the line between the two rims after either end moved."""
        self.prepareGeometryChange()
        # In plain floats: point arithmetic through Qt's wrappers was a fifth of the
        # time a 24,000-edge network took to open.
        a, b = self.source.pos(), self.target.pos()
        ax, ay, bx, by = a.x(), a.y(), b.x(), b.y()
        length = QLineF(ax, ay, bx, by).length()
        if length < 2 * NEURON_RADIUS + 1:
            self._line = QLineF(ax, ay, ax, ay)
        else:
            ux, uy = (bx - ax) / length, (by - ay) / length
            start, end = NEURON_RADIUS, NEURON_RADIUS + 2
            self._line = QLineF(ax + ux * start, ay + uy * start, bx - ux * end, by - uy * end)
        self._arrow_poly = None
        self.refresh_look()

    def _arrow(self) -> QPolygonF:
        """The arrowhead, made again only when the line (:meth:`adjust` forgets it) or
        the weight changed."""
        if self._arrow_poly is None or self._arrow_weight != self.weight:
            self._arrow_weight, self._arrow_poly = self.weight, self._make_arrow()
        return self._arrow_poly

    def _make_arrow(self) -> QPolygonF:
        line = self._line
        x, y = line.x2(), line.y2()
        angle = math.atan2(line.dy(), line.dx())
        size = 10 + weight_width(self.weight)
        return QPolygonF([
            QPointF(x, y),
            QPointF(x - math.cos(angle - 0.45) * size, y - math.sin(angle - 0.45) * size),
            QPointF(x - math.cos(angle + 0.45) * size, y - math.sin(angle + 0.45) * size)])

    def prepareGeometryChange(self) -> None:
        # boundingRect() is asked often, so it is cached. Qt reads the old bounds here,
        # and the caller changes the state after: forget them before and after.
        self._bounds: QRectF | None = None
        super().prepareGeometryChange()
        self._bounds = None

    def boundingRect(self) -> QRectF:
        """The line, and the label's room wherever along it the label goes, shown or
        not, so moving, showing or hiding the label (placement does, at every pass)
        does not re-index the item; a label beside the edge widens it. The room is the
        label's size when last measured: a hidden label's text may outgrow it unseen."""
        bounds: QRectF | None = getattr(self, "_bounds", None)
        if bounds is None:
            self._bounds_size = self._label_size(True)
            width, height = self._bounds_size if self.show_label else (0.0, 0.0)
            bounds = QRectF(self._line.p1(), self._line.p2()).normalized().adjusted(
                -max(16.0, width / 2 + 6), -max(16.0, 20.0 * bool(width)),
                max(16.0, width / 2 + 6), max(16.0, height - 8.0))
            if self.show_label and self.label_offset != (0.0, 0.0):
                bounds = bounds.united(self.label_rect_at(
                    self.label_at, room=True, offset=self.label_offset).adjusted(-6, -6, 6, 6))
            self._bounds = bounds
        return bounds

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
        """Nothing: the strokes and the label item draw this edge."""

    # ------------------------------------------------------ selection, hover
    # No itemChange override: Qt would call into Python for every change of every edge
    # (a layer step restacks a thousand). The scene tells an edge its selection changed.

    def hoverEnterEvent(self, event: object) -> None:
        self._hovered = True
        self.tooltip.hover(True)
        self._set_z(4.5)              # its label above everything while pointed at
        self.refresh_look()
        tell_scene_hover(self, "weight", self.edge_id)

    def hoverLeaveEvent(self, event: object) -> None:
        tell_scene_hover(self, None, None)
        self._hovered = False
        self.tooltip.hover(False)
        self._set_z(self._z())
        self.refresh_look()

    # ---------------------------------------------------------------- label
    @property
    def label_visible(self) -> bool:
        """Shown if it fits, or while hovered, selected, or computed by the current step."""
        return self._label_visible(self.label_forced)

    def _label_visible(self, forced: bool) -> bool:
        return self.show_label and not self.quiet and (
            self.label_fits or self._hovered or self.isSelected() or forced)

    def set_quiet(self, quiet: bool) -> None:
        """While training runs, the weight changes by colour and thickness alone: a number
        redrawn ten times a second cannot be read, and drawing it cost more than the
        training. The label comes back when the run ends."""
        if quiet != self.quiet:
            self.quiet = quiet
            self._refresh_label()

    def set_show_label(self, show: bool) -> None:
        """The View menu's choice: weight labels on or off."""
        if show != self.show_label:
            self.prepareGeometryChange()
            self.show_label = show
            self.refresh_look()

    def set_label_place(self, place: LabelPlace | None, fits: bool = True) -> None:
        """Put the label at ``place`` (None: where it is), and say whether it ``fits``
        there (a label that does not shows only when hovered, selected or computed)."""
        t, ox, oy = place if place is not None else (self.label_at, *self.label_offset)
        if (t, (ox, oy), fits) == (self.label_at, self.label_offset, self.label_fits):
            return
        if (ox, oy) != self.label_offset:
            self.prepareGeometryChange()     # the bounds hold a label beside the edge
        self.label_at, self.label_offset, self.label_fits = t, (ox, oy), fits
        self._refresh_label()               # inside the bounds wherever it goes

    def line(self) -> QLineF:
        """The drawn line, from the source's rim to the arrowhead's tip."""
        return self._line

    def label_size(self, room: bool) -> tuple[float, float]:
        """Width and height of the label box (with ``room``: as a pass may make it)."""
        return self._label_size(room)

    def label_text(self) -> str:
        return self._texts()[0]

    def second_line(self) -> str:
        return self._texts()[1]

    def _texts(self) -> tuple[str, str]:
        """(weight line, second line) as shown now, formatted once per state."""
        values, digits = self.step.values, self.step.digits
        key = (self.weight, digits, tuple(values.items()))
        cached = getattr(self, "_text_cache", None)
        if cached is None or cached[0] != key:
            cached = (key, label_texts(self.weight, values, digits))
            self._text_cache = cached
        return cached[1]

    def _label_size(self, room: bool, texts: tuple[str, str] | None = None
                    ) -> tuple[float, float]:
        """Width and height of the label box for ``texts`` (those shown, by default),
        measured once per text: a hot path.

        With ``room`` it is at least the size the box grows to during a pass (a second
        line for ∂L/∂w): labels are placed with that room while a pass is shown, and
        the hit area always has it, so it stays put while a pass runs.
        """
        first, second = texts or self._texts()
        key = (first, second, room)
        cache: dict[tuple[str, str, bool], tuple[float, float]] = \
            self.__dict__.setdefault("_sizes", {})
        if key not in cache:
            if len(cache) > 8:
                cache.clear()
            cache[key] = label_size(first, second, room)
        return cache[key]

    def label_box(self, t: float, room: bool, ox: float = 0.0, oy: float = 0.0
                  ) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) of the label's box centred at fraction ``t`` along
        the edge, moved by (ox, oy), sized to its text (or, with ``room``, to what it may
        become during this pass): plain floats, for placement's many thousand checks."""
        return self.label_boxes((t,), room, ox, oy)[0]

    def label_boxes(self, fractions: Iterable[float], room: bool, ox: float = 0.0,
                    oy: float = 0.0) -> list[tuple[float, float, float, float]]:
        """:meth:`label_box` at each of ``fractions``: the line and the size are read
        once, and placing a dense network's labels tries seven places an edge."""
        line = self._line
        x1, y1, dx, dy = line.x1(), line.y1(), line.dx(), line.dy()
        width, height = self._label_size(room)
        boxes = []
        for t in fractions:
            left = x1 + t * dx + ox - width / 2
            top = y1 + t * dy + oy - LABEL_RISE
            boxes.append((left, top, left + width, top + height))
        return boxes

    def label_rect_at(self, t: float, room: bool = False,
                      offset: tuple[float, float] = (0.0, 0.0)) -> QRectF:
        """:meth:`label_box` as a rectangle."""
        left, top, right, bottom = self.label_box(t, room, *offset)
        return QRectF(left, top, right - left, bottom - top)

    def label_rect(self) -> QRectF:
        return self.label_rect_at(self.label_at, offset=self.label_offset)
