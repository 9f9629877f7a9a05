"""What the pass adds to canvas items: values, emphasis, flashes, and small drawings.

Shared by the neuron, edge and loss items so each one only decides where
its values go.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from bpgui.network.functions import ACTIVATION_TABLE
from bpgui.network.numbers import DEFAULT_DIGITS
from bpgui.ui.base.theme import Theme, font

LABEL_FONT = font(16, bold=True)
GRAD_FONT = font(14)
VALUE_FONT = font(15, bold=True)
SMALL_FONT = font(15)
FLASH_SECONDS = 1.2
# Below this many pixels on screen, the canvas's text (16 px in scene units) is a smudge
# nobody reads (a 1,000-neuron network fitted to the window draws it 1.5 px tall): labels
# are sketched and neurons drawn without their text, at a fraction of the cost.
LEGIBLE_PX = 3.0


def legible(scale: float) -> bool:
    """Whether the canvas's text, drawn at ``scale``, is tall enough to read."""
    return scale * LABEL_FONT.pixelSize() >= LEGIBLE_PX


# How a step involves an item: the neuron or edge it computes, one it reads, or neither.
NORMAL, TARGET, READ, DIM = "normal", "target", "read", "dim"


@cache
def activation_glyph(name: str, width: float, height: float) -> QPainterPath:
    """The activation's glyph from its table entry, centred on (0, 0) and scaled to
    ``width`` × ``height``, for the neuron's face (made once per activation and size:
    QPainterPath is copied on write, so sharing it is safe)."""
    path = QPainterPath()
    for i, (t, y) in enumerate(ACTIVATION_TABLE[name].glyph):
        point = QPointF(t * width / 2, -y * height / 2)
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


class Tooltip:
    """An item's tooltip, written when the pointer comes rather than at every change.

    A step or an edit changes the values of hundreds of items, and writing each one's
    tooltip (string building and a call into Qt) cost more than drawing them; nobody
    reads a tooltip before hovering. The item calls :meth:`changed` when its text would
    change and :meth:`hover` when the pointer enters or leaves; :meth:`refresh` writes
    a stale text (the item's ``toolTip()`` asks it first, so Python readers see it too).
    """

    def __init__(self, item: QGraphicsItem, text: Callable[[], str]) -> None:
        self._item, self._text = item, text
        self._hovered = False
        self._stale = True

    def changed(self) -> None:
        if self._hovered:
            self._item.setToolTip(self._text())
            self._stale = False
        else:
            self._stale = True

    def hover(self, entered: bool) -> None:
        self._hovered = entered
        if entered:
            self.refresh()

    def refresh(self) -> None:
        if self._stale:
            self._stale = False
            self._item.setToolTip(self._text())
