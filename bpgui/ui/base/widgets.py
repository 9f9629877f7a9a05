"""Small helpers every dock uses to build its widgets."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QTextBrowser, QWidget

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str, tip: str) -> W:
    """``widget`` with its objectName (tests find it by that) and tooltip set."""
    widget.setObjectName(name)
    widget.setToolTip(tip)
    return widget


class HtmlView(QTextBrowser):
    """A text browser shown whole HTML pages. A page equal to the one shown is not given
    to Qt again: views refresh at every edit, often with the same page, and Qt lays out
    and repaints whatever it is given."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = ""                  # what the view shows, as given to it

    def show_page(self, text: str) -> None:
        if text != self.page:
            self.page = text
            self.setHtml(text)
