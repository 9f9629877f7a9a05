"""Where the docks go, and a fix for stray tab bars Qt leaves behind.

PySide6 6.11's QMainWindow, given two tabbed groups of docks in one area, draws
a second, stray copy of a group's tab bar over the window (seen over the canvas
and the step panel; a minimal QMainWindow with four docks reproduces it). The
real tab bar sits against the edge of its group's current dock; a copy that
does not is hidden. Qt shows it again if it ever uses it for a group of its own.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QTabBar, QWidget

TOUCH = 4            # pixels between a group's dock and its tab bar


def hide_stray_tab_bars(window: QMainWindow) -> int:
    """Hide the copies of dock tab bars that sit away from their docks; return how many."""
    docks = {d.windowTitle(): d for d in window.findChildren(QDockWidget)}
    hidden = 0
    for bar in window.findChildren(QTabBar):
        if bar.parent() is not window or not bar.isVisible():
            continue
        titles = [bar.tabText(i).replace("&", "") for i in range(bar.count())]
        group = [docks[t] for t in titles if t in docks and docks[t].isVisible()]
        if group and not any(_touches(bar, dock) for dock in group):
            bar.hide()
            hidden += 1
    return hidden


def _touches(bar: QTabBar, dock: QDockWidget) -> bool:
    """Whether ``bar`` is right below ``dock`` (the window's tabs are on the south side)."""
    b, d = bar.geometry(), dock.geometry()
    return abs(b.top() - d.bottom()) <= TOUCH and b.left() < d.right() and d.left() < b.right()


def scrollable(body: QWidget) -> QScrollArea:
    """``body`` in a frameless scroll area: a tall form then scrolls in a short dock
    instead of making the whole window taller than a 1280×800 screen."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(body)
    return area
