"""What the pass adds to canvas items: values, emphasis, flashes, and small drawings.

Shared by the neuron, edge and loss items so each one only decides where
its values go.
"""

from __future__ import annotations

import math
import time
from functools import cache

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from bpgui.network.numbers import DEFAULT_DIGITS
from bpgui.ui.base.theme import Theme, font

GLYPH_POINTS = 24
LABEL_FONT = font(16, bold=True)
GRAD_FONT = font(14)
VALUE_FONT = font(15, bold=True)
SMALL_FONT = font(15)
FLASH_SECONDS = 1.2

# How a step involves an item: the neuron or edge it computes, one it reads, or neither.
NORMAL, TARGET, READ, DIM = "normal", "target", "read", "dim"


@cache
def activation_glyph(name: str, width: float, height: float) -> QPainterPath:
    """A tiny plot of the activation, centred on (0, 0), for the neuron's face (made
    once per activation: QPainterPath is copied on write, so sharing it is safe)."""
    functions = {
        "identity": lambda t: t,
        "sigmoid": lambda t: 2 / (1 + math.exp(-4 * t)) - 1,
        "tanh": lambda t: math.tanh(2.5 * t),
        "relu": lambda t: max(0.0, t),
        "leaky_relu": lambda t: t if t > 0 else 0.1 * t,
        "softplus": lambda t: math.log1p(math.exp(3 * t)) / 3,
        "sin": lambda t: math.sin(math.pi * t),
    }
    f = functions[name]
    path = QPainterPath()
    for i in range(GLYPH_POINTS + 1):
        t = -1 + 2 * i / GLYPH_POINTS
        point = QPointF(t * width / 2, -max(-1.0, min(1.0, f(t))) * height / 2)
        if i == 0:
            path.moveTo(point)
        else:
            path.lineTo(point)
    return path


class StepLook:
    """What the pass adds to an item: values, emphasis and a flash after an edit."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {}
        self.digits = DEFAULT_DIGITS
        self.emphasis = NORMAL
        self.flash_until = 0.0
        self.flash_note = ""

    @property
    def flashing(self) -> bool:
        return time.monotonic() < self.flash_until

    def start_flash(self, note: str) -> None:
        """Mark the item changed by an edit for a moment; ``note`` says old → new."""
        self.flash_until = time.monotonic() + FLASH_SECONDS
        self.flash_note = note


def halo(painter: QPainter, emphasis: str, theme: Theme, shape: object) -> None:
    """A thick ring in the highlight (computing) or read colour behind the item."""
    colour = theme.highlight if emphasis == TARGET else theme.read
    painter.setPen(QPen(colour, 12))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(shape)  # type: ignore[call-overload]


def tell_scene_hover(item: QGraphicsItem, kind: str | None, ident: str | None) -> None:
    """Tell the scene the pointer entered (kind, id), or left (None): it shows paths."""
    scene = item.scene()
    if scene is not None and hasattr(scene, "hover"):
        scene.hover(kind, ident)


def set_z(item: QGraphicsItem, z: float) -> None:
    """Set the stacking order only when it changes: each call costs two Python callbacks."""
    if item.zValue() != z:
        item.setZValue(z)
