"""Small helpers every dock uses to build its widgets."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QWidget

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str, tip: str) -> W:
    """``widget`` with its objectName (tests find it by that) and tooltip set."""
    widget.setObjectName(name)
    widget.setToolTip(tip)
    return widget
