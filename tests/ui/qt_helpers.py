"""Typing into fields and choosing in combos the way a user does (real key events), and
finding a widget that must be there."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject, Qt
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
