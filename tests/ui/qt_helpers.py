"""Typing into fields and choosing in combos the way a user does (real key events), and
finding a widget that must be there."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TypeVar

from PySide6.QtCore import QObject, QPointF, Qt
from PySide6.QtWidgets import QComboBox, QLineEdit

T = TypeVar("T", bound=QObject)


def child(parent: QObject, kind: type[T], name: str = "") -> T:
    """``parent``'s descendant of type ``kind`` (named ``name`` if given): the test fails
    here when there is none, rather than later on None."""
    found = parent.findChild(kind, name)
    assert found is not None, f"no {kind.__name__} {name!r}"
    return found


def enter_text(qtbot, edit: QLineEdit, text: str) -> None:
    """Replace the field's text by typing, then press Enter."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    if text.isascii():
        qtbot.keyClicks(edit, text)
    else:
        edit.insert(text)  # QTest cannot type characters outside Latin-1
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def choose(qtbot, combo: QComboBox, text: str) -> None:
    """Pick ``text`` in the combo with the arrow keys, as a user would (each step is a
    choice the dock may act on, so tests pick neighbouring items)."""
    target = combo.findText(text)
    assert target >= 0, text
    steps = target - combo.currentIndex()
    key = Qt.Key.Key_Down if steps > 0 else Qt.Key.Key_Up
    for _ in range(abs(steps)):
        qtbot.keyClick(combo, key)


def selection_pixels(window, points: Iterable[QPointF]) -> int:
    """Pixels of (about) the selection colour on the canvas within 8 px of ``points``
    (scene coordinates), sampled every other pixel."""
    image = window.view.viewport().grab().toImage()
    wanted = window.scene.theme.selection
    count = 0
    for point in points:
        centre = window.view.mapFromScene(point)
        for dx in range(-8, 9, 2):
            for dy in range(-8, 9, 2):
                x, y = centre.x() + dx, centre.y() + dy
                if 0 <= x < image.width() and 0 <= y < image.height():
                    colour = image.pixelColor(x, y)
                    count += max(abs(colour.red() - wanted.red()),
                                 abs(colour.green() - wanted.green()),
                                 abs(colour.blue() - wanted.blue())) <= 12
    return count


def along_edge(window, edge_id: str) -> list[QPointF]:
    """101 points along the edge's drawn line."""
    line = window.scene.edge_items[edge_id].line()
    return [line.pointAt(k / 100) for k in range(101)]


def around_neuron(window, neuron_id: str, radius: float) -> list[QPointF]:
    """72 points on a circle of ``radius`` around the neuron's centre."""
    centre = window.scene.neuron_items[neuron_id].pos()
    return [centre + QPointF(radius * math.cos(k * math.pi / 36),
                             radius * math.sin(k * math.pi / 36)) for k in range(72)]
