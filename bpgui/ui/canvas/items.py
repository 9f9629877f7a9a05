"""Graphics items for neurons and edges. They draw the model and the pass; they never
write the model.

A :class:`NeuronItem` shows its label, a glyph of its activation and its bias;
during a pass also a (inside), z (below) and its cached δ as a badge above,
which lights up when a step reuses it. An :class:`EdgeItem` is a line whose
colour says the weight's sign and whose thickness says its magnitude, with a
label for the weight and, once computed, ∂L/∂w.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from bpgui.model import Edge, Neuron
from bpgui.numbers import fmt
from bpgui.ui.canvas.look import (
    DIM,
    GRAD_FONT,
    LABEL_FONT,
    READ,
    SMALL_FONT,
    TARGET,
    VALUE_FONT,
    StepLook,
    activation_glyph,
    halo,
)
from bpgui.ui.theme import GRID_SIZE, LIGHT, NEURON_RADIUS, Theme, font, weight_colour, weight_width


class NeuronItem(QGraphicsObject):
    """A neuron. The scene moves it; the model position changes only on drop."""

    BADGE_H = 26

    def __init__(self, neuron: Neuron, theme: Theme = LIGHT) -> None:
        super().__init__()
        self.neuron_id = neuron.id
        self.theme = theme
        self.snap = False
        self.edges: list[EdgeItem] = []
        self.step = StepLook()
        self.reserve = False             # a pass is under way: keep room for its values
        self.delta_lit = False
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.setZValue(2)
        self.sync(neuron)

    def sync(self, neuron: Neuron) -> None:
        """Take the neuron's current look and place from the model."""
        self.neuron_id = neuron.id
        self.label = neuron.display_label
        self.role = neuron.role
        self.activation = neuron.activation
        self.bias = neuron.bias
        self.train_bias = neuron.train_bias
        if neuron.x is not None and neuron.y is not None:
            self.setPos(neuron.x, neuron.y)
        self._refresh_tooltip()
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
        self.setOpacity(0.28 if emphasis == DIM else 1.0)
        self.setZValue(3 if emphasis in (TARGET, READ) else 2)
        self._refresh_tooltip()
        self.update()

    def flash(self, note: str) -> None:
        self.step.start_flash(note)
        self._refresh_tooltip()
        self.update()

    def _refresh_tooltip(self) -> None:
        if self.role == "input":
            text = f"{self.label} ({self.neuron_id}): input neuron"
        else:
            frozen = "" if self.train_bias else " (frozen)"
            text = (f"{self.label} ({self.neuron_id}): {self.role} neuron, activation "
                    f"{self.activation}, bias {self.bias!r}{frozen}")
        names = {"a": "a", "z": "z", "delta": "δ = ∂L/∂z", "grad_a": "∂L/∂a",
                 "grad_b": "∂L/∂b", "bias": "new bias"}
        for kind, value in self.step.values.items():
            if kind in names:
                text += f"\n{names[kind]} = {value!r}"
        if self.step.flash_note:
            text += f"\nlast edit: {self.step.flash_note}"
        self.setToolTip(text)

    def hoverEnterEvent(self, event: object) -> None:
        _tell_scene(self, "neuron", self.neuron_id)

    def hoverLeaveEvent(self, event: object) -> None:
        _tell_scene(self, None, None)

    def _badge(self) -> tuple[str, float] | None:
        v = self.step.values
        if "delta" in v:
            return "δ", v["delta"]
        if self.role == "input" and "grad_a" in v:
            return "∂L/∂x", v["grad_a"]
        return None

    def badge_rect(self) -> QRectF:
        badge = self._badge()
        text = "" if badge is None else f"{badge[0]} {fmt(badge[1], self.step.digits)}"
        width = QFontMetricsF(VALUE_FONT).horizontalAdvance(text) + 20
        return QRectF(-width / 2, -NEURON_RADIUS - self.BADGE_H - 8, width, self.BADGE_H)

    def obstacles(self) -> list[QRectF]:
        """Scene rectangles this neuron draws on: its circle, its badge, its text lines."""
        r = NEURON_RADIUS
        local = [QRectF(-r, -r, 2 * r, 2 * r)]
        if self._badge() is not None:
            local.append(self.badge_rect())
        elif self.reserve:
            width = QFontMetricsF(VALUE_FONT).horizontalAdvance(RESERVED_BADGE) + 20
            local.append(QRectF(-width / 2, -r - self.BADGE_H - 8, width, self.BADGE_H))
        if self.role != "input":
            lines = 2 if "z" in self.step.values or self.reserve else 1
            local.append(QRectF(-48, r + 10, 96, 19 * lines + 2))
        return [rect.translated(self.pos()) for rect in local]

    # -------------------------------------------------------------- drawing
    def boundingRect(self) -> QRectF:
        r = NEURON_RADIUS + 8
        return QRectF(-r - 50, -r - self.BADGE_H - 12, 2 * r + 100, 2 * r + self.BADGE_H + 64)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), NEURON_RADIUS, NEURON_RADIUS)
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        t, look = self.theme, self.step
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        circle = QRectF(-NEURON_RADIUS, -NEURON_RADIUS, 2 * NEURON_RADIUS, 2 * NEURON_RADIUS)
        if look.emphasis in (TARGET, READ):
            halo(painter, look.emphasis, t, circle.adjusted(-5, -5, 5, 5))
        if look.flashing:
            painter.setPen(QPen(t.selection, 8, Qt.PenStyle.DotLine))
            painter.drawEllipse(circle.adjusted(-10, -10, 10, 10))
        fill = {"input": t.input_fill, "output": t.output_fill}.get(self.role, t.neuron_fill)
        selected = self.isSelected()
        painter.setPen(QPen(t.selection if selected else t.outline, 5 if selected else 2.2))
        painter.setBrush(QBrush(fill))
        painter.drawEllipse(circle)
        self._paint_face(painter)
        if self.role != "input":
            painter.setFont(SMALL_FONT)
            painter.setPen(t.muted)
            lines = [f"b = {fmt(self.bias, 3)}{'' if self.train_bias else ' (frozen)'}"]
            if "z" in look.values:
                lines.append(f"z = {fmt(look.values['z'], look.digits)}")
            for i, line in enumerate(lines):
                if i == 1:
                    painter.setPen(t.text)
                # Below the halo ring (radius + 11), one line each, clear of the next badge.
                painter.drawText(QRectF(-NEURON_RADIUS - 50, NEURON_RADIUS + 10 + 19 * i,
                                        2 * NEURON_RADIUS + 100, 21),
                                 Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, line)
        self._paint_badge(painter)

    def _paint_face(self, painter: QPainter) -> None:
        t, look = self.theme, self.step
        painter.setPen(t.text)
        painter.setFont(font(19, bold=True))
        has_value = "a" in look.values
        if self.role == "input" and not has_value:
            painter.drawText(QRectF(-NEURON_RADIUS, -NEURON_RADIUS, 2 * NEURON_RADIUS,
                                    2 * NEURON_RADIUS), Qt.AlignmentFlag.AlignCenter, self.label)
            return
        painter.drawText(QRectF(-NEURON_RADIUS, -NEURON_RADIUS + 4, 2 * NEURON_RADIUS,
                                NEURON_RADIUS - 2),
                         Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, self.label)
        if has_value:
            painter.setFont(VALUE_FONT)
            painter.drawText(QRectF(-NEURON_RADIUS, 2, 2 * NEURON_RADIUS, NEURON_RADIUS - 8),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                             fmt(look.values["a"], min(look.digits, 4)))
            return
        painter.save()
        painter.translate(0, NEURON_RADIUS * 0.45)
        painter.setPen(QPen(t.muted, 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(activation_glyph(self.activation, 26, 14))
        painter.restore()

    def _paint_badge(self, painter: QPainter) -> None:
        badge = self._badge()
        if badge is None:
            return
        t = self.theme
        rect = self.badge_rect()
        lit = self.delta_lit
        fill = QColor(t.highlight) if lit else QColor(t.cache).lighter(150)
        painter.setPen(QPen(t.outline if lit else QColor(t.cache).darker(150), 4 if lit else 1.5))
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 10, 10)
        painter.setPen(QColor("#111111"))
        painter.setFont(VALUE_FONT)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter,
                         f"{badge[0]} {fmt(badge[1], self.step.digits)}")

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: object) -> object:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange and self.snap:
            point = QPointF(value)  # type: ignore[call-overload]
            return QPointF(round(point.x() / GRID_SIZE) * GRID_SIZE,
                           round(point.y() / GRID_SIZE) * GRID_SIZE)
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.adjust()
            scene = self.scene()
            if scene is not None and hasattr(scene, "neuron_moved"):
                scene.neuron_moved(self)
        return super().itemChange(change, value)


EDGE_DIM_ALPHA = 0.22


def faded(colour: QColor, background: QColor, amount: float = EDGE_DIM_ALPHA) -> QColor:
    """``colour`` at ``amount`` opacity over ``background``, as an opaque colour: opaque
    lines skip alpha blending, which made dimmed edges the slowest part of a repaint."""
    return QColor.fromRgbF(*(amount * a + (1 - amount) * b for a, b in
                             zip(colour.getRgbF()[:3], background.getRgbF()[:3], strict=True)))


def _tell_scene(item: QGraphicsItem, kind: str | None, ident: str | None) -> None:
    scene = item.scene()
    if scene is not None and hasattr(scene, "hover"):
        scene.hover(kind, ident)

RESERVED_LINE = "∂L/∂w = −0.0000"      # the widest second line a label usually gets
RESERVED_BADGE = "δ −0.0000"


class EdgeItem(QGraphicsObject):
    """A weighted connection drawn from the source's rim to an arrowhead at the target."""

    LABEL_AT = 0.32   # default place of the weight label along the edge, from the source

    def __init__(self, edge: Edge, source: NeuronItem, target: NeuronItem,
                 theme: Theme = LIGHT) -> None:
        super().__init__()
        self.source, self.target = source, target
        self.theme = theme
        self.show_label = True         # the View menu's choice
        self.label_fits = True         # False where the label would overlap another
        self._hovered = False
        self.label_at = self.LABEL_AT
        self.step = StepLook()
        self.reserve = False             # a pass is under way: size the label for it
        source.edges.append(self)
        target.edges.append(self)
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(1)
        self.setAcceptHoverEvents(True)
        self._line = QLineF()
        self.sync(edge)

    def sync(self, edge: Edge) -> None:
        self.edge_id = edge.id
        self.label = edge.display_label
        self.weight = edge.weight
        self.trainable = edge.trainable
        self.ends = (edge.source, edge.target)
        self._refresh_tooltip()
        self.prepareGeometryChange()
        self.adjust()

    def _refresh_tooltip(self) -> None:
        frozen = "" if self.trainable else " (frozen)"
        text = (f"{self.label} ({self.edge_id}): {self.ends[0]} → {self.ends[1]}, "
                f"weight {self.weight!r}{frozen}")
        for kind, name in (("grad_w", "∂L/∂w"), ("term", "w·a"), ("back_term", "w·δ"),
                           ("weight", "weight after the update")):
            if kind in self.step.values:
                text += f"\n{name} = {self.step.values[kind]!r}"
        if self.step.flash_note:
            text += f"\nlast edit: {self.step.flash_note}"
        self.setToolTip(text + "\nDouble-click the label to type a value; Ctrl+wheel nudges it.")

    def set_step(self, values: dict[str, float], emphasis: str, digits: int) -> None:
        look = self.step
        if (values, emphasis, digits) == (look.values, look.emphasis, look.digits):
            return
        # The label may change size, or show or hide (it always shows for the step's own
        # edge): either changes the geometry.
        self.prepareGeometryChange()
        look.values, look.emphasis, look.digits = values, emphasis, digits
        # Dimmed in paint() with translucent colours and no antialiasing, which measured
        # 1.5x faster than item opacity on a 1092-edge network.
        self.setZValue(1.6 if emphasis in (TARGET, READ) else 1)
        self._refresh_tooltip()
        self.update()

    def flash(self, note: str) -> None:
        self.step.start_flash(note)
        self._refresh_tooltip()
        self.update()

    def detach(self) -> None:
        for end in (self.source, self.target):
            if self in end.edges:
                end.edges.remove(self)

    def adjust(self) -> None:
        """Recompute the line between the two rims after either end moved."""
        self.prepareGeometryChange()
        a, b = self.source.pos(), self.target.pos()
        line = QLineF(a, b)
        length = line.length()
        if length < 2 * NEURON_RADIUS + 1:
            self._line = QLineF(a, a)
        else:
            unit = (b - a) / length
            self._line = QLineF(a + unit * NEURON_RADIUS, b - unit * (NEURON_RADIUS + 2))
        self.update()

    # ---------------------------------------------------------------- label
    @property
    def label_visible(self) -> bool:
        """Shown if it fits, or while hovered, selected, or computed by the current step."""
        return self.show_label and (self.label_fits or self._hovered or self.isSelected()
                                    or self.step.emphasis == TARGET)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: object) -> object:
        if change == QGraphicsItem.GraphicsItemChange.ItemSelectedChange:
            self.prepareGeometryChange()    # a selected edge shows its label
        return super().itemChange(change, value)

    def set_label_fits(self, fits: bool) -> None:
        if fits != self.label_fits:
            self.prepareGeometryChange()
            self.label_fits = fits
            self.update()

    def hoverEnterEvent(self, event: object) -> None:
        self.prepareGeometryChange()
        self._hovered = True
        self.setZValue(1.8)              # above the other edges while pointed at
        self.update()
        _tell_scene(self, "weight", self.edge_id)

    def hoverLeaveEvent(self, event: object) -> None:
        _tell_scene(self, None, None)
        self.prepareGeometryChange()
        self._hovered = False
        self.setZValue(1.6 if self.step.emphasis in (TARGET, READ) else 1)
        self.update()

    def label_text(self) -> str:
        return self._texts()[0]

    def _texts(self) -> tuple[str, str]:
        """(weight line, second line), formatted once per state: paint() is a hot path."""
        key = (self.weight, self.step.digits, tuple(self.step.values.items()))
        cached = getattr(self, "_text_cache", None)
        if cached is None or cached[0] != key:
            text = fmt(self.weight, 3)
            if "weight" in self.step.values:
                text += f" → {fmt(self.step.values['weight'], 4)}"
            cached = (key, (text, self._second_line_for(self.step.values, self.step.digits)))
            self._text_cache = cached
        return cached[1]

    def _second_line_for(self, values: dict[str, float], digits: int) -> str:
        for kind, name in (("grad_w", "∂L/∂w"), ("back_term", "w·δ"), ("term", "w·a")):
            if kind in values:
                return f"{name} = {fmt(values[kind], digits)}"
        return ""

    def second_line(self) -> str:
        return self._texts()[1]

    def _label_size(self, room: bool) -> tuple[float, float]:
        """Width and height of the label box, measured once per text (a hot path).

        With ``room`` during a pass (``reserve``) it is the size the box may grow to,
        so labels are placed once per pass, not every time a gradient appears.
        """
        second = self.second_line() or (RESERVED_LINE if room and self.reserve else "")
        texts = (self.label_text(), second)
        cache = self.__dict__.setdefault("_sizes", {})
        if texts not in cache:
            width = QFontMetricsF(LABEL_FONT).horizontalAdvance(texts[0])
            if texts[1]:
                width = max(width, QFontMetricsF(GRAD_FONT).horizontalAdvance(texts[1]))
            if len(cache) > 8:
                cache.clear()
            cache[texts] = (width + 16, 46.0 if texts[1] else 28.0)
        return cache[texts]

    def label_rect_at(self, t: float, room: bool = False) -> QRectF:
        """The label's box centred at fraction ``t`` along the edge, sized to its text
        (or, with ``room``, to what the text may become during this pass)."""
        point = self._line.pointAt(t)
        width, height = self._label_size(room)
        return QRectF(point.x() - width / 2, point.y() - 14, width, height)

    def label_rect(self) -> QRectF:
        return self.label_rect_at(self.label_at)

    def set_label_at(self, t: float) -> None:
        if t != self.label_at:
            self.prepareGeometryChange()
            self.label_at = t
            self.update()

    # -------------------------------------------------------------- drawing
    def prepareGeometryChange(self) -> None:
        self._bounds: QRectF | None = None          # boundingRect() is asked often
        super().prepareGeometryChange()

    def boundingRect(self) -> QRectF:
        bounds = getattr(self, "_bounds", None)
        if bounds is None:
            extra = 16.0
            bounds = QRectF(self._line.p1(), self._line.p2()).normalized().adjusted(
                -extra, -extra, extra, extra)
            self._bounds = bounds.united(self.label_rect().adjusted(-6, -6, 6, 6))
        return self._bounds

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
        if self._line.length() == 0:
            return
        t, look = self.theme, self.step
        colour = QColor(weight_colour(t, self.weight))
        if look.emphasis == DIM:
            colour = faded(colour, t.background)
        width = weight_width(self.weight)
        # Faded background edges need no antialiasing (4x cheaper on dense layers).
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, look.emphasis != DIM)
        if look.emphasis in (TARGET, READ) or self.isSelected() or look.flashing:
            ring = t.selection if self.isSelected() or look.flashing else \
                t.highlight if look.emphasis == TARGET else t.read
            painter.setPen(QPen(ring, width + 10, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
            painter.drawLine(self._line)
        pen = QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap)
        if not self.trainable:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(self._line)
        self._draw_arrow(painter, colour)
        if self.label_visible:
            self._draw_label(painter, colour)

    def _draw_label(self, painter: QPainter, colour: QColor) -> None:
        t = self.theme
        rect = self.label_rect()
        text, fill = QColor(t.text), QColor(t.label_fill)
        if self.step.emphasis == DIM:
            text = faded(text, t.background)
            fill = QColor(t.background)
        painter.setPen(QPen(colour, 1.5))
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 8, 8)
        painter.setPen(text)
        painter.setFont(LABEL_FONT)
        painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), 28),
                         Qt.AlignmentFlag.AlignCenter, self.label_text())
        second = self.second_line()
        if second:
            painter.setFont(GRAD_FONT)
            painter.drawText(QRectF(rect.left(), rect.top() + 24, rect.width(), 20),
                             Qt.AlignmentFlag.AlignCenter, second)

    def _draw_arrow(self, painter: QPainter, colour: QColor) -> None:
        tip = self._line.p2()
        angle = math.atan2(self._line.dy(), self._line.dx())
        size = 10 + weight_width(self.weight)
        left = tip - QPointF(math.cos(angle - 0.45) * size, math.sin(angle - 0.45) * size)
        right = tip - QPointF(math.cos(angle + 0.45) * size, math.sin(angle + 0.45) * size)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawPolygon(QPolygonF([tip, left, right]))
