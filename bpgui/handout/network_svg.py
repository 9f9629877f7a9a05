"""The network as a standalone SVG, drawn like the app's light canvas, for paper.

Same positions, role fills, Okabe–Ito sign colours (blue positive, vermillion
negative: never red against green) and width-by-|w| as the canvas, so the
printed picture matches what the class saw on the projector. Pure string
building: the core imports no Qt.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape
from typing import Any

from bpgui.engine.records import LOSS_ID, Quantity
from bpgui.network.layout import fill_missing_positions
from bpgui.network.model import Edge, Network, Neuron
from bpgui.network.numbers import fmt
from bpgui.network.operations import OPERATION_TABLE

# The light theme (bpgui/ui/theme.py LIGHT), repeated here because ui/ imports Qt.
FILL = {"input": "#e8f1f8", "output": "#fdf1e6", "hidden": "#ffffff"}
OUTLINE = "#2b2b2b"
TEXT = "#1a1a1a"
MUTED = "#555555"
POSITIVE = "#0072B2"
NEGATIVE = "#D55E00"
ZERO = "#8a8a8a"
CACHE = "#56B4E9"
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"

RADIUS = 34.0            # NEURON_RADIUS of the canvas
LOSS_GAP = 190.0         # the loss node sits this far right of the rightmost output
LOSS_SIZE = 56.0
LABEL_AT = (0.32, 0.22, 0.45, 0.58, 0.7, 0.15, 0.8)   # the canvas's label candidates
LABEL_PX = 15.0
SMALL_PX = 14.0          # the smallest text: still readable when printed
CHAR_EM = 0.62           # average advance of DejaVu Sans, in em, for box sizes
MARGIN = 16.0

Box = tuple[float, float, float, float]            # left, top, right, bottom


def weight_colour(weight: float) -> str:
    return POSITIVE if weight > 0 else NEGATIVE if weight < 0 else ZERO


def weight_width(weight: float) -> float:
    """Stroke width by magnitude, as the canvas: 1.5 at 0, 7 at |w| ≥ 3."""
    return 1.5 + 5.5 * min(abs(weight), 3.0) / 3.0


def _text_width(text: str, px: float) -> float:
    return len(text) * px * CHAR_EM


def _n(value: float) -> str:
    return f"{value:.1f}"


class _Canvas:
    """SVG elements plus the bounds they cover, so the viewBox fits the content."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.left = self.top = math.inf
        self.right = self.bottom = -math.inf

    def cover(self, box: Box) -> None:
        self.left, self.top = min(self.left, box[0]), min(self.top, box[1])
        self.right, self.bottom = max(self.right, box[2]), max(self.bottom, box[3])

    def text(self, x: float, y: float, text: str, px: float, *, bold: bool = False,
             colour: str = TEXT, anchor: str = "middle") -> None:
        """``y`` is the baseline; the box covered is estimated from the font size."""
        weight = ' font-weight="bold"' if bold else ""
        self.parts.append(f'<text x="{_n(x)}" y="{_n(y)}" font-size="{px:g}" fill="{colour}" '
                          f'text-anchor="{anchor}"{weight}>{escape(text)}</text>')
        width = _text_width(text, px)
        left = x - width / 2 if anchor == "middle" else x
        self.cover((left, y - px, left + width, y + 0.3 * px))


def _positions(network: Network) -> dict[str, tuple[float, float]]:
    """The model's positions; missing ones by level, on a copy (the model is not ours)."""
    if any(n.x is None or n.y is None for n in network.neurons):
        network = network.copy()
        fill_missing_positions(network)
    return {n.id: (float(n.x or 0.0), float(n.y or 0.0)) for n in network.neurons}


def loss_position(network: Network, pos: Mapping[str, tuple[float, float]]
                  ) -> tuple[float, float] | None:
    """Right of the outputs, centred on their mean height (where the canvas puts L)."""
    outs = [pos[n.id] for n in network.outputs]
    if not outs:
        return None
    return max(x for x, _ in outs) + LOSS_GAP, sum(y for _, y in outs) / len(outs)


def network_svg(network: Network, values: Mapping[Any, float] | None = None) -> str:
    """A standalone SVG of ``network``; with ``values`` (a pass's final values, keyed by
    :class:`~bpgui.engine.records.Quantity`) also a and z on and under each neuron,
    δ (∂L/∂x for an input) over it and L under the loss node."""
    pos = _positions(network)
    canvas = _Canvas()
    values = values or {}
    obstacles = [box for n in network.neurons for box in _neuron_boxes(n, pos[n.id], values)]
    loss_at = loss_position(network, pos)
    if loss_at is not None:
        lx, ly = loss_at
        obstacles.append((lx - LOSS_SIZE / 2, ly - LOSS_SIZE / 2, lx + LOSS_SIZE / 2,
                          ly + LOSS_SIZE / 2 + 28))
    canvas.parts.append('<g id="edges">')
    lines = {e.id: _edge(canvas, e, pos, network) for e in network.edges}
    canvas.parts.append("</g>")
    if loss_at is not None:
        _loss_node(canvas, network, pos, loss_at, values)
    canvas.parts.append('<g id="neurons">')
    for n in network.neurons:
        _neuron(canvas, n, pos[n.id], values)
    canvas.parts.append("</g>")
    hidden = _labels(canvas, network.edges, lines, obstacles)
    return _document(canvas, network, hidden)


def _document(canvas: _Canvas, network: Network, hidden: int) -> str:
    if not math.isfinite(canvas.left):          # an empty network
        canvas.cover((0.0, 0.0, 100.0, 60.0))
    left, top = canvas.left - MARGIN, canvas.top - MARGIN
    width, height = canvas.right - canvas.left + 2 * MARGIN, canvas.bottom - canvas.top + 2 * MARGIN
    title = f"The network{': ' + network.name if network.name else ''}"
    gates = sum(n.is_operation for n in network.neurons)
    nodes = (f"{len(network.neurons)} nodes ({gates} of them operations)" if gates
             else f"{len(network.neurons)} neurons")
    desc = (f"{nodes}, {len(network.edges)} weighted edges"
            + (f"; {hidden} weight labels left out where they would overlap" if hidden else ""))
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="bp-title" '
            f'viewBox="{_n(left)} {_n(top)} {_n(width)} {_n(height)}" '
            f'width="{math.ceil(width)}" height="{math.ceil(height)}" '
            f'font-family="{FONT}">'
            f'<title id="bp-title">{escape(title)}</title><desc>{escape(desc)}</desc>'
            f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(width)}" height="{_n(height)}" '
            f'fill="#ffffff"/>')
    return head + "".join(canvas.parts) + "</svg>"


# ------------------------------------------------------------------ neurons
def _neuron_boxes(n: Neuron, at: tuple[float, float], values: Mapping[Any, float]
                  ) -> list[Box]:
    """What a neuron draws on: its circle, the δ badge above, the b and z lines below
    (an operation node: its gate, the badge, and its name line below)."""
    x, y = at
    r = RADIUS
    boxes = [(x - r, y - r, x + r, y + r)]
    if _badge(n, values):
        boxes.append((x - 60, y - r - 36, x + 60, y - r - 6))
    if n.is_operation:
        boxes.append((x - 48, y + r + 8, x + 48, y + r + 31))
    elif not n.is_input:
        lines = 2 if Quantity("z", n.id) in values else 1
        boxes.append((x - 48, y + r + 8, x + 48, y + r + 12 + 19 * lines))
    return boxes


def _badge(n: Neuron, values: Mapping[Any, float]) -> str:
    if n.is_operation and Quantity("delta", n.id) in values:
        return f"∂L/∂{n.display_label} = {fmt(values[Quantity('delta', n.id)])}"
    if Quantity("delta", n.id) in values:
        return f"δ = {fmt(values[Quantity('delta', n.id)])}"
    if n.is_input and Quantity("grad_a", n.id) in values:
        return f"∂L/∂x = {fmt(values[Quantity('grad_a', n.id)])}"
    return ""


def _neuron(canvas: _Canvas, n: Neuron, at: tuple[float, float],
            values: Mapping[Any, float]) -> None:
    x, y = at
    r = RADIUS
    canvas.parts.append(f'<g class="neuron" id="bp-neuron-{n.id}"><title>'
                        f'{escape(_neuron_title(n))}</title>')
    if n.is_operation:
        _gate(canvas, n, at, values)
        canvas.parts.append("</g>")
        return
    canvas.parts.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{r:g}" '
                        f'fill="{FILL.get(n.role, FILL["hidden"])}" stroke="{OUTLINE}" '
                        f'stroke-width="2.2"/>')
    canvas.cover((x - r - 2, y - r - 2, x + r + 2, y + r + 2))
    a = values.get(Quantity("a", n.id))
    if a is None:
        canvas.text(x, y + 7, n.display_label, 19, bold=True)
    else:
        canvas.text(x, y - 4, n.display_label, 19, bold=True)
        canvas.text(x, y + 20, fmt(a), 15)
    if not n.is_input:
        frozen = "" if n.train_bias else " (frozen)"
        canvas.text(x, y + r + 24, f"b = {fmt(n.bias, 3)}{frozen}", SMALL_PX, colour=MUTED)
        z = values.get(Quantity("z", n.id))
        if z is not None:
            canvas.text(x, y + r + 43, f"z = {fmt(z)}", SMALL_PX)
    _draw_badge(canvas, n, at, values)
    canvas.parts.append("</g>")


def _gate(canvas: _Canvas, n: Neuron, at: tuple[float, float],
          values: Mapping[Any, float]) -> None:
    """An operation node as a gate: a rounded square with the operation's symbol, its
    value under the symbol, and its name (with its constant, if any) below, where a
    neuron has its bias: a gate has none."""
    x, y = at
    r = RADIUS
    op = OPERATION_TABLE[n.op or ""]
    canvas.parts.append(f'<rect class="gate" x="{_n(x - r)}" y="{_n(y - r)}" '
                        f'width="{2 * r:g}" height="{2 * r:g}" rx="12" '
                        f'fill="{FILL.get(n.role, FILL["hidden"])}" stroke="{OUTLINE}" '
                        f'stroke-width="2.2"/>')
    canvas.cover((x - r - 2, y - r - 2, x + r + 2, y + r + 2))
    px = 19.0 if len(op.symbol) <= 3 else 16.0
    a = values.get(Quantity("a", n.id))
    if a is None:
        canvas.text(x, y + 7, op.symbol, px, bold=True)
    else:
        canvas.text(x, y - 4, op.symbol, px, bold=True)
        canvas.text(x, y + 20, fmt(a), 15)
    name = n.display_label
    if op.param == "exponent":
        name += f", exponent {fmt(n.param or 0.0, 3)}"
    elif op.param:
        name += f" = {fmt(n.param or 0.0, 3)}"
    canvas.text(x, y + r + 24, name, 15, bold=True)
    _draw_badge(canvas, n, at, values)


def _draw_badge(canvas: _Canvas, n: Neuron, at: tuple[float, float],
                values: Mapping[Any, float]) -> None:
    x, y = at
    r = RADIUS
    badge = _badge(n, values)
    if badge:
        width = _text_width(badge, 15) + 16
        top = y - r - 36
        canvas.parts.append(f'<rect x="{_n(x - width / 2)}" y="{_n(top)}" width="{_n(width)}" '
                            f'height="26" rx="8" fill="#eaf5fc" stroke="{CACHE}" '
                            f'stroke-width="1.5"/>')
        canvas.cover((x - width / 2, top, x + width / 2, top + 26))
        canvas.text(x, top + 19, badge, 15)


def _neuron_title(n: Neuron) -> str:
    name = n.display_label if n.display_label == n.id else f"{n.display_label} ({n.id})"
    if n.is_input:
        return f"{name}: input"
    if n.is_operation:
        op = OPERATION_TABLE[n.op or ""]
        constant = f", {op.param} {fmt(n.param or 0.0)}" if op.param else ""
        return f"{name}: {n.role}, operation {op.name} ({op.symbol}){constant}, no bias"
    return f"{name}: {n.role}, {n.activation}, bias {fmt(n.bias)}"


# -------------------------------------------------------------------- edges
Segment = tuple[float, float, float, float]        # x0, y0, x1, y1 of the visible line


def _edge(canvas: _Canvas, e: Edge, pos: Mapping[str, tuple[float, float]],
          network: Network) -> Segment:
    """A line from rim to rim with an arrowhead at the target, coloured by sign."""
    (sx, sy), (tx, ty) = pos[e.source], pos[e.target]
    length = math.hypot(tx - sx, ty - sy)
    colour, width = weight_colour(e.weight), weight_width(e.weight)
    labels = {n.id: n.display_label for n in network.neurons}
    title = (f"{e.display_label} ({e.id}): {labels[e.source]} → {labels[e.target]}, "
             f"weight {fmt(e.weight)}{'' if e.trainable else ' (frozen)'}")
    canvas.parts.append(f'<g class="edge" id="bp-edge-{e.id}"><title>{escape(title)}</title>')
    if length <= 2 * RADIUS:                        # overlapping neurons: nothing to draw
        canvas.parts.append("</g>")
        return sx, sy, tx, ty
    dx, dy = (tx - sx) / length, (ty - sy) / length
    gates = {n.id for n in network.neurons if n.is_operation}
    start, end = _rim(e.source in gates, dx, dy), _rim(e.target in gates, dx, dy)
    x0, y0 = sx + dx * start, sy + dy * start
    tip_x, tip_y = tx - dx * end, ty - dy * end
    head = max(0.0, min(10.0 + 1.6 * width, length - start - end))
    half = 4.0 + 0.9 * width
    bx, by = tip_x - dx * head, tip_y - dy * head
    dash = "" if e.trainable else ' stroke-dasharray="10 6"'
    canvas.parts.append(f'<line x1="{_n(x0)}" y1="{_n(y0)}" x2="{_n(bx)}" y2="{_n(by)}" '
                        f'stroke="{colour}" stroke-width="{width:.2f}"{dash}/>')
    corners = ((tip_x, tip_y), (bx - dy * half, by + dx * half), (bx + dy * half, by - dx * half))
    points = " ".join(f"{_n(px)},{_n(py)}" for px, py in corners)
    canvas.parts.append(f'<polygon points="{points}" fill="{colour}"/></g>')
    canvas.cover((min(x0, tip_x) - half, min(y0, tip_y) - half, max(x0, tip_x) + half,
                  max(y0, tip_y) + half))
    return x0, y0, tip_x, tip_y


def _rim(gate: bool, dx: float, dy: float) -> float:
    """How far from the centre a line in direction (dx, dy) leaves a node: the circle's
    radius, or the side of a gate's square (its rounded corners cut the diagonal short)."""
    if not gate:
        return RADIUS
    return min(RADIUS / max(abs(dx), abs(dy)), RADIUS * 1.25)


def _labels(canvas: _Canvas, edges: list[Edge], lines: Mapping[str, Segment],
            obstacles: list[Box]) -> int:
    """Weight labels where they touch no other label and no neuron, as the canvas places
    them (first free fraction along the edge); a label with no free place is left out
    (the weights table lists every weight). Returns how many were left out."""
    placed: list[Box] = []
    hidden = 0
    canvas.parts.append('<g id="weight-labels">')
    for e in edges:
        text = f"{e.display_label} = {fmt(e.weight, 3)}"
        width, height = _text_width(text, LABEL_PX) + 14, 24.0
        x0, y0, x1, y1 = lines[e.id]
        box = None
        for t in LABEL_AT:
            cx, cy = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            candidate = (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
            if not any(_overlaps(candidate, other) for other in (*placed, *obstacles)):
                box = candidate
                break
        if box is None:
            hidden += 1
            continue
        placed.append(box)
        left, top, right, _ = box
        canvas.parts.append(f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(right - left)}" '
                            f'height="{height:g}" rx="8" fill="#ffffff" fill-opacity="0.92" '
                            f'stroke="{weight_colour(e.weight)}" stroke-width="1.5"/>')
        canvas.cover(box)
        canvas.text((left + right) / 2, top + 17, text, LABEL_PX)
    canvas.parts.append("</g>")
    return hidden


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# --------------------------------------------------------------------- loss
def _loss_node(canvas: _Canvas, network: Network, pos: Mapping[str, tuple[float, float]],
               at: tuple[float, float], values: Mapping[Any, float]) -> None:
    """L in a rounded square, a dashed line from each output, its value (or name) under it."""
    lx, ly = at
    half = LOSS_SIZE / 2
    canvas.parts.append('<g id="bp-loss"><title>The loss L of the sample</title>')
    for n in network.outputs:
        ox, oy = pos[n.id]
        canvas.parts.append(f'<line x1="{_n(ox + RADIUS)}" y1="{_n(oy)}" x2="{_n(lx - half)}" '
                            f'y2="{_n(ly)}" stroke="{MUTED}" stroke-width="2" '
                            f'stroke-dasharray="8 5"/>')
    canvas.parts.append(f'<rect x="{_n(lx - half)}" y="{_n(ly - half)}" width="{LOSS_SIZE:g}" '
                        f'height="{LOSS_SIZE:g}" rx="10" fill="#ffffff" stroke="{OUTLINE}" '
                        f'stroke-width="2.5"/>')
    canvas.cover((lx - half - 2, ly - half - 2, lx + half + 2, ly + half + 2))
    canvas.text(lx, ly + 9, "L", 24, bold=True)
    loss = values.get(Quantity("loss", LOSS_ID))
    below = network.loss if loss is None else f"L = {fmt(loss)}"
    canvas.text(lx, ly + half + 22, below, 15, bold=loss is not None)
    canvas.parts.append("</g>")
