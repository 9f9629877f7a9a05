"""The neuron item: a circle with its label, its activation's glyph and its bias; or, for
an operation node, a gate: the operator's symbol large on the face, the label below.

During a pass it also shows a (inside), z (below) and its cached δ as a badge
above, which lights up when a step reuses it (an operation node's badge is its cached
∂L/∂v). In an operation graph, a node whose value feeds several nodes says on its badge
that its gradient is the sum of as many terms (the fork rule). It is cached as a pixmap
(``DeviceCoordinateCache``), so a repaint of the canvas blits it unless its
own look changed. It draws the model and the pass; it never writes the model.
"""

from __future__ import annotations

from functools import cache
from typing import Protocol

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from bpgui.network.model import Network, Neuron
from bpgui.network.numbers import fmt
from bpgui.network.operations import OPERATION_TABLE
from bpgui.ui.base.theme import GRID_SIZE, LIGHT, NEURON_RADIUS, Theme, font
from bpgui.ui.canvas.look import (
    DIM,
    READ,
    SMALL_FONT,
    TARGET,
    VALUE_FONT,
    StepLook,
    Tooltip,
    activation_glyph,
    halo,
    legible,
    set_z,
    tell_scene_hover,
)


class FollowsNeuron(Protocol):
    """What is attached to a neuron and must follow it when it moves: its edges."""

    def adjust(self) -> None: ...


# The widest badges a pass usually shows (4 significant digits of a small value): labels
# are placed around them before the values exist, so a narrower guess let a label cover
# a badge that grew (h₂'s δ −0.0001582 in seed 000).
RESERVED_NUMBER = "−0.0001234"
RESERVED_BADGE = f"δ {RESERVED_NUMBER}"
RESERVED_INPUT_BADGE = f"∂L/∂x {RESERVED_NUMBER}"


FACE_FONT = font(19, bold=True)
GATE_LABEL_FONT = font(17, bold=True)
BADGE_TEXT = QColor("#111111")

# The shapes and flags of a paint, made once: an edit repaints every neuron, and making
# them at each paint (Qt's flag arithmetic is Python code) cost a third of its time.
_R = NEURON_RADIUS
CIRCLE = QRectF(-_R, -_R, 2 * _R, 2 * _R)
HALO_RING = CIRCLE.adjusted(-5, -5, 5, 5)
FLASH_RING = CIRCLE.adjusted(-10, -10, 10, 10)
GATE_RING = CIRCLE.adjusted(5, 5, -5, -5)
LABEL_ON_FACE = QRectF(-_R, -_R + 4, 2 * _R, _R - 2)      # the label above the value
VALUE_ON_FACE = QRectF(-_R, 2, 2 * _R, _R - 8)
GATE_SYMBOL_WITH_VALUE = QRectF(-_R, -_R + 6, 2 * _R, _R - 4)
GATE_LABEL_BELOW = QRectF(-_R - 50, _R + 8, 2 * _R + 100, 23)
# Below the halo ring (radius + 11), one line each (b, then z), clear of the next badge.
LINES_BELOW = tuple(QRectF(-_R - 50, _R + 10 + 19 * i, 2 * _R + 100, 21) for i in range(2))
TOP_CENTRE = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
BOTTOM_CENTRE = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom
MIDDLE_CENTRE = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter
CENTRE = Qt.AlignmentFlag.AlignCenter


def _bounds(forks: int) -> QRectF:
    """A neuron's bounding box: its halo, the badge above and the b and z lines below."""
    r = NEURON_RADIUS + 8
    wide = 70 if forks > 1 else 50        # a fork's badge says "(Σ of 2)" too
    return QRectF(-r - wide, -r - NeuronItem.BADGE_H - 12, 2 * r + 2 * wide,
                  2 * r + NeuronItem.BADGE_H + 64)


_VALUE_METRICS: list[QFontMetricsF] = []     # made once a QApplication exists


def value_width(text: str) -> float:
    """How wide ``text`` is in the value font (a badge's width)."""
    if not _VALUE_METRICS:
        _VALUE_METRICS.append(QFontMetricsF(VALUE_FONT))
    return _VALUE_METRICS[0].horizontalAdvance(text)


_BADGE_LOOKS: dict[tuple[str, bool], tuple[QPen, QColor]] = {}
_OUTLINES: dict[tuple[str, bool, bool], QPen] = {}


def _outline(theme: Theme, selected: bool, gate_ring: bool = False) -> QPen:
    """The circle's pen (the selection colour, thicker, when selected), or the thin pen
    of a gate's inner ring; made once per theme."""
    key = (theme.name, selected, gate_ring)
    if key not in _OUTLINES:
        colour = theme.selection if selected else theme.outline
        _OUTLINES[key] = QPen(colour, 1.2 if gate_ring else 5 if selected
                              else theme.outline_width)
    return _OUTLINES[key]


def _badge_look(theme: Theme, lit: bool) -> tuple[QPen, QColor]:
    """The badge's outline and fill: the highlight when a step reuses the cached δ
    (made once per theme: a neuron is painted again at every change of its values)."""
    key = (theme.name, lit)
    if key not in _BADGE_LOOKS:
        _BADGE_LOOKS[key] = (QPen(theme.outline, 4), QColor(theme.highlight)) if lit else \
            (QPen(QColor(theme.cache).darker(150), 1.5), QColor(theme.cache).lighter(150))
    return _BADGE_LOOKS[key]


@cache
def gate_font(symbol: str, largest: float) -> QFont:
    """The largest bold font up to ``largest`` px in which ``symbol`` fits the gate's face
    ("+" at full size, "ReLU" smaller), so the operator reads from the back row."""
    size = largest
    while size > 12 and QFontMetricsF(font(size, bold=True)).horizontalAdvance(symbol) \
            > 1.4 * NEURON_RADIUS:
        size -= 2
    return font(size, bold=True)


class NeuronItem(QGraphicsObject):
    """A neuron. The scene moves it; the model position changes only on drop."""

    BADGE_H = 26

    def __init__(self, neuron: Neuron, theme: Theme = LIGHT) -> None:
        super().__init__()
        self.neuron_id = neuron.id
        self.theme = theme
        self.snap = False
        self.edges: list[FollowsNeuron] = []
        self.step = StepLook()
        self.delta_lit = False
        self.forks = 0                 # how many nodes this value feeds, when it is marked
        self._bounds = _bounds(0)
        self.fanout = 0                # how many it feeds in an operation graph (the scene's)
        self.delta_fill: QColor | None = None   # View ▸ Colour neurons by |δ|, and its note
        self.delta_note = ""
        self.tooltip = Tooltip(self, self._tooltip_text)
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.setZValue(2)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.sync(neuron)

    def sync(self, neuron: Neuron) -> None:
        """Take the neuron's current look and place from the model."""
        self.neuron_id = neuron.id
        self.label = neuron.display_label
        self.role = neuron.role
        self.activation = neuron.activation
        self.bias = neuron.bias
        self.train_bias = neuron.train_bias
        self.op, self.param = neuron.op, neuron.param
        self.symbol = OPERATION_TABLE[neuron.op].symbol if neuron.op in OPERATION_TABLE \
            else ""
        if neuron.x is not None and neuron.y is not None:
            self.setPos(neuron.x, neuron.y)
        self.tooltip.changed()
        self.update()

    def preview(self, bias: float) -> None:
        """Show ``bias`` before the model has it (a training run in progress)."""
        if bias != self.bias:
            shown = fmt(bias, 3) != fmt(self.bias, 3)
            self.bias = bias
            self.tooltip.changed()
            if shown:                   # the cached picture is redrawn only if it shows
                self.update()

    # ------------------------------------------------------------- the pass
    def set_step(self, values: dict[str, float], emphasis: str, delta_lit: bool,
                 digits: int) -> None:
        look = self.step
        if (values, emphasis, delta_lit, digits) == (look.values, look.emphasis,
                                                     self.delta_lit, look.digits):
            return
        look.values, look.emphasis, look.digits = values, emphasis, digits
        self.delta_lit = delta_lit
        self.fade()
        set_z(self, 3 if emphasis in (TARGET, READ) else 2)
        self.tooltip.changed()
        self.update()

    def fade(self) -> None:
        """Dim a neuron the step does not touch, unless the user selected it."""
        opacity = self.theme.dim_opacity if self.step.emphasis == DIM and not self.isSelected() \
            else 1.0
        if self.opacity() != opacity:
            self.setOpacity(opacity)

    def set_forks(self, forks: int) -> None:
        """Mark (``forks`` > 1) or unmark a node whose value feeds ``forks`` nodes: its
        gradient, on the badge, is the sum of that many terms."""
        if forks != self.forks:
            self.prepareGeometryChange()
            self.forks = forks
            self._bounds = _bounds(forks)
            self.tooltip.changed()
            self.update()

    def set_delta_fill(self, fill: QColor | None, note: str = "") -> None:
        """Fill by |δ| (``None``: the role's usual fill); ``note`` joins the tooltip."""
        if (fill, note) != (self.delta_fill, self.delta_note):
            self.delta_fill, self.delta_note = fill, note
            self.tooltip.changed()
            self.update()

    def flash(self, note: str) -> None:
        self.step.start_flash(note)
        self.tooltip.changed()
        self.update()

    def toolTip(self) -> str:
        self.tooltip.refresh()
        return super().toolTip()

    def _tooltip_text(self) -> str:
        if self.role == "input":
            text = f"{self.label} ({self.neuron_id}): input neuron"
        elif self.op is not None:
            constant = "" if self.param is None else f" {self.param!r}"
            text = (f"{self.label} ({self.neuron_id}): {self.role} operation node, "
                    f"{self.op}{constant} of its incoming w·a in edge order")
        else:
            frozen = "" if self.train_bias else " (frozen)"
            text = (f"{self.label} ({self.neuron_id}): {self.role} neuron, activation "
                    f"{self.activation}, bias {self.bias!r}{frozen}")
        names = {"a": "a", "z": "z", "grad_a": "∂L/∂a",
                 "delta": "∂L/∂v (cached)" if self.op else "δ = ∂L/∂z",
                 "grad_b": "∂L/∂b", "bias": "new bias"}
        for kind, value in self.step.values.items():
            if kind in names:
                text += f"\n{names[kind]} = {value!r}"
        if self.forks > 1:
            text += f"\nits value feeds {self.forks} nodes: its gradient is the sum of " \
                    f"{self.forks} terms"
        if self.delta_note:
            text += f"\n{self.delta_note}"
        if self.step.flash_note:
            text += f"\nlast edit: {self.step.flash_note}"
        return text

    def hoverEnterEvent(self, event: object) -> None:
        self.tooltip.hover(True)
        tell_scene_hover(self, "neuron", self.neuron_id)

    def hoverLeaveEvent(self, event: object) -> None:
        self.tooltip.hover(False)
        tell_scene_hover(self, None, None)

    def _badge_name(self) -> str:
        """δ; an operation node's cache is ∂L/∂v, named as the step names it."""
        return "δ" if self.op is None else f"∂L/∂{self.label}"

    def _badge(self) -> tuple[str, float] | None:
        v = self.step.values
        if "delta" in v:
            return self._badge_name(), v["delta"]
        if self.role == "input" and "grad_a" in v:
            return "∂L/∂x", v["grad_a"]
        return None

    def badge_text(self) -> str:
        """The badge's text: ``δ 0.2675``, with ``(Σ of 2)`` where the value forks."""
        badge = self._badge()
        if badge is None:
            return ""
        fork = f"  (Σ of {self.forks})" if self.forks > 1 else ""
        return f"{badge[0]} {fmt(badge[1], self.step.digits)}{fork}"

    def badge_rect(self, text: str | None = None) -> QRectF:
        """Where the badge is drawn, sized to ``text`` (by default, what it shows now)."""
        width = value_width(self.badge_text() if text is None else text) + 20
        return QRectF(-width / 2, -NEURON_RADIUS - self.BADGE_H - 8, width, self.BADGE_H)

    def obstacles(self, room: bool = False) -> list[QRectF]:
        """Scene rectangles this neuron draws on: its circle, its δ badge, its text lines;
        with ``room``, also those a pass will draw (labels are placed once per pass)."""
        r = NEURON_RADIUS
        local = [QRectF(-r, -r, 2 * r, 2 * r)]
        if self._badge() is not None or room:
            badge = self.badge_rect()
            widest = (RESERVED_INPUT_BADGE if self.role == "input" else RESERVED_BADGE) \
                if self.op is None and self.fanout < 2 else \
                f"{self._badge_name()} {RESERVED_NUMBER}  (Σ of {self.fanout})"
            reserved = value_width(widest) + 20
            if room and badge.width() < reserved:
                badge = QRectF(-reserved / 2, badge.top(), reserved, badge.height())
            local.append(badge)
        if self.role != "input":
            lines = 2 if ("z" in self.step.values or room) and self.op is None else 1
            local.append(QRectF(-48, r + 10, 96, 19 * lines + 2))
        return [rect.translated(self.pos()) for rect in local]

    # -------------------------------------------------------------- drawing
    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), NEURON_RADIUS, NEURON_RADIUS)
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        t, look = self.theme, self.step
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if look.emphasis in (TARGET, READ):
            halo(painter, look.emphasis, t, HALO_RING)
        if look.flashing:
            painter.setPen(QPen(t.selection, 8, Qt.PenStyle.DotLine))
            painter.drawEllipse(FLASH_RING)
        role = self.role
        fill = self.delta_fill or (t.input_fill if role == "input" else
                                   t.output_fill if role == "output" else t.neuron_fill)
        selected = self.isSelected()
        painter.setPen(_outline(t, selected))
        painter.setBrush(fill)
        painter.drawEllipse(CIRCLE)
        # Text too small to read is left out (see look.legible): an edit of a dense
        # network repaints every neuron, and their text was most of that.
        text = legible(option.levelOfDetailFromTransform(painter.worldTransform()))
        if self.op is not None:
            painter.setPen(_outline(t, selected, gate_ring=True))
            painter.setBrush(Qt.BrushStyle.NoBrush)      # the gate's inner ring
            painter.drawEllipse(GATE_RING)
            if text:
                self._paint_gate(painter)
        elif text:
            self._paint_face(painter)
            if role != "input":
                self._paint_lines(painter)
        self._paint_badge(painter, text)

    def _paint_lines(self, painter: QPainter) -> None:
        """A neuron's bias below it, and its z once the pass has it."""
        t, look = self.theme, self.step
        painter.setFont(SMALL_FONT)
        painter.setPen(t.muted)
        frozen = "" if self.train_bias else " (frozen)"
        painter.drawText(LINES_BELOW[0], TOP_CENTRE, f"b = {fmt(self.bias, 3)}{frozen}")
        if "z" in look.values:
            painter.setPen(t.text)
            painter.drawText(LINES_BELOW[1], TOP_CENTRE,
                             f"z = {fmt(look.values['z'], look.digits)}")

    def _paint_gate(self, painter: QPainter) -> None:
        """The operator large (smaller, above the value, during a pass); the label below
        the node, where a neuron writes its bias."""
        t, look = self.theme, self.step
        has_value = "a" in look.values
        painter.setPen(t.text)
        painter.setFont(gate_font(self.symbol, 24 if has_value else 34))
        if has_value:
            painter.drawText(GATE_SYMBOL_WITH_VALUE, BOTTOM_CENTRE, self.symbol)
            painter.setFont(VALUE_FONT)
            painter.drawText(VALUE_ON_FACE, TOP_CENTRE,
                             fmt(look.values["a"], min(look.digits, 4)))
        else:
            painter.drawText(CIRCLE, MIDDLE_CENTRE, self.symbol)
        painter.setFont(GATE_LABEL_FONT)
        painter.drawText(GATE_LABEL_BELOW, TOP_CENTRE, self.label)

    def _paint_face(self, painter: QPainter) -> None:
        t, look = self.theme, self.step
        painter.setPen(t.text)
        painter.setFont(FACE_FONT)
        has_value = "a" in look.values
        if self.role == "input" and not has_value:
            painter.drawText(CIRCLE, CENTRE, self.label)
            return
        painter.drawText(LABEL_ON_FACE, BOTTOM_CENTRE, self.label)
        if has_value:
            painter.setFont(VALUE_FONT)
            painter.drawText(VALUE_ON_FACE, TOP_CENTRE, fmt(look.values["a"], min(look.digits, 4)))
            return
        painter.save()
        painter.translate(0, NEURON_RADIUS * 0.45)
        painter.setPen(QPen(t.muted, 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(activation_glyph(self.activation, 26, 14))
        painter.restore()

    def _paint_badge(self, painter: QPainter, with_text: bool = True) -> None:
        """The cache badge, lit when a step reuses δ; its text only ``with_text``."""
        text = self.badge_text()
        if not text:
            return
        rect = self.badge_rect(text)
        pen, fill = _badge_look(self.theme, self.delta_lit)
        painter.setPen(pen)
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 10, 10)
        if with_text:
            painter.setPen(BADGE_TEXT)
            painter.setFont(VALUE_FONT)
            painter.drawText(rect, CENTRE, text)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: object) -> object:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange and self.snap:
            point = QPointF(value)  # type: ignore[call-overload]
            return QPointF(round(point.x() / GRID_SIZE) * GRID_SIZE,
                           round(point.y() / GRID_SIZE) * GRID_SIZE)
        if change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.fade()
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.adjust()
            scene = self.scene()
            if scene is not None and hasattr(scene, "neuron_moved"):
                scene.neuron_moved(self)
        return super().itemChange(change, value)


def count_fanout(net: Network, items: dict[str, NeuronItem]) -> None:
    """Tell each node of an operation graph how many nodes its value feeds (a fork's
    badge will say its gradient is a sum, and the labels leave room for that)."""
    counts: dict[str, int] = {}
    if any(n.is_operation for n in net.neurons):
        for e in net.edges:
            counts[e.source] = counts.get(e.source, 0) + 1
    for nid, item in items.items():
        item.fanout = counts.get(nid, 0)
