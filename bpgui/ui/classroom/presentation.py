"""Presentation mode: the canvas full screen for a classroom projector.

F5 (View ▸ Presentation mode) hides the editing chrome (menus, toolbars,
docks, status bar), switches to the high-contrast twin of the theme, zooms
the canvas by the presentation scale (1.5× to 3× of the window's own fit,
Ctrl+= and Ctrl+−), and turns the step panel into a large caption at the
bottom that holds the current formula, in the step panel's own words. The
step keys work as always, so a presenter clicker (PageDown, PageUp) steps the
pass; B blanks the screen and brings it back; Esc leaves, restoring the
window exactly as it was (docks, toolbars, size, zoom, theme).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QObject, Qt, Signal
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QTextBrowser, QToolBar, QWidget

from bpgui.engine.records import StepRecord
from bpgui.handout.blocks import BLANK
from bpgui.ui.base.math_text import formula_html
from bpgui.ui.base.theme import Theme
from bpgui.ui.canvas.view import CanvasView
from bpgui.ui.stepping.session import StepSession
from bpgui.ui.stepping.step_panel import HINT

MIN_SCALE, MAX_SCALE, SCALE_STEP = 1.5, 3.0, 0.25
CAPTION_PX = 30                 # at scale 1.5; it grows with the scale


@dataclass
class _Saved:
    """The window as it was before presentation mode, to put back on Esc."""

    state: QByteArray
    geometry: QByteArray
    full_screen: bool
    menu: bool
    status: bool
    transform: QTransform
    theme: Theme


class Presentation(QObject):
    changed = Signal(bool)              # entered (True) or left (False)

    def __init__(self, window: QMainWindow, view: CanvasView, session: StepSession) -> None:
        super().__init__(window)
        self.window, self.view, self.session = window, view, session
        self.active = False
        self.scale = MIN_SCALE
        self.blanked = False
        self._saved: _Saved | None = None
        self._base = QTransform()
        # A lesson playing (classroom/lesson_player.py) writes the caption and places the
        # view itself: the caption's body (None: the step as usual) and a call after each
        # fit (to put the scene's zoom and centre back).
        self.lesson_caption: Callable[[], str | None] | None = None
        self.after_fit: Callable[[], None] | None = None
        self.caption = self._caption_dock()
        self.curtain = QFrame(window)
        self.curtain.setObjectName("presentationBlank")
        self.curtain.setStyleSheet("#presentationBlank { background: black; }")
        self.curtain.hide()
        session.changed.connect(self._show_step)

    def _caption_dock(self) -> QDockWidget:
        dock = QDockWidget("Current step", self.window)
        dock.setObjectName("presentationCaption")
        dock.setTitleBarWidget(QWidget(dock))          # no title bar: just the formula
        dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        text = QTextBrowser(dock)
        text.setObjectName("presentationText")
        text.setFrameShape(QFrame.Shape.NoFrame)
        text.setFocusPolicy(Qt.FocusPolicy.NoFocus)      # the step keys stay the canvas's
        dock.setWidget(text)
        dock.hide()
        self.text = text
        return dock

    # ---------------------------------------------------------- entering
    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    def enter(self, full_screen: bool = True) -> None:
        """Go full screen (``full_screen=False`` keeps the window's size: screenshots)."""
        if self.active:
            return
        w = self.window
        theme = self.view.network_scene.theme
        self._saved = _Saved(w.saveState(), w.saveGeometry(), w.isFullScreen(),
                             w.menuBar().isVisible(), w.statusBar().isVisible(),
                             self.view.transform(), theme)
        self.active = True
        for child in w.findChildren(QDockWidget):
            if child is not self.caption:
                child.hide()
        for bar in w.findChildren(QToolBar):
            bar.hide()
        w.menuBar().hide()
        w.statusBar().hide()
        w.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.caption)
        self.caption.show()
        for policy in (self.view.setHorizontalScrollBarPolicy,
                       self.view.setVerticalScrollBarPolicy):
            policy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        if full_screen:
            w.showFullScreen()
        # The shell's MainWindow has set_theme; this layer sees it only as a QMainWindow.
        w.set_theme(theme, presentation=True)  # type: ignore[attr-defined]
        self.enter_view()
        self._show_step()
        self.view.setFocus()
        self.changed.emit(True)

    def enter_view(self) -> None:
        """Fit the network to the canvas as it is now, then zoom by the scale."""
        if not self.active:
            return
        self.view.fit()
        self._base = self.view.transform()
        self._apply_scale()
        if self.after_fit is not None:
            self.after_fit()

    def adopt_theme(self, theme: Theme) -> None:
        """View ▸ Theme while presenting: Esc comes back to this theme."""
        if self._saved is not None:
            self._saved.theme = theme

    def leave(self) -> None:
        """Back to the window as it was."""
        if not self.active or self._saved is None:
            return
        saved, w = self._saved, self.window
        self.unblank()
        self.active = False
        self.caption.hide()
        w.removeDockWidget(self.caption)
        for policy in (self.view.setHorizontalScrollBarPolicy,
                       self.view.setVerticalScrollBarPolicy):
            policy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        if not saved.full_screen:
            w.showNormal()
        w.restoreGeometry(saved.geometry)
        w.restoreState(saved.state)
        w.menuBar().setVisible(saved.menu)
        w.statusBar().setVisible(saved.status)
        w.set_theme(saved.theme)  # type: ignore[attr-defined]  # MainWindow's, as in enter()
        self.view.setTransform(saved.transform)
        self._saved = None
        self.changed.emit(False)

    # ------------------------------------------------------------- scale
    def set_scale(self, scale: float) -> None:
        """1.5× to 3× the size the network has when it fits the screen."""
        self.scale = min(max(scale, MIN_SCALE), MAX_SCALE)
        if self.active:
            self._apply_scale()

    def grow(self) -> None:
        self.set_scale(self.scale + SCALE_STEP)

    def shrink(self) -> None:
        self.set_scale(self.scale - SCALE_STEP)

    def _apply_scale(self) -> None:
        # The fit shows the whole network at 1.5×; larger scales zoom in on it.
        factor = self.scale / MIN_SCALE
        self.view.setTransform(self._base * QTransform.fromScale(factor, factor))
        self._follow_step()
        self.restyle()
        self._show_step()

    def restyle(self) -> None:
        """The caption in the canvas's colours, at the scale's size."""
        px = self._caption_px()
        theme = self.view.network_scene.theme
        self.text.setStyleSheet(f"QTextBrowser {{ font-size: {px}px; padding: 4px 16px; "
                                f"background: {theme.background.name()}; "
                                f"color: {theme.text.name()}; }}")
        self.caption.setMinimumHeight(round(px * 4))

    def _caption_px(self) -> int:
        return round(CAPTION_PX * self.scale / MIN_SCALE)

    @property
    def caption_px(self) -> int:
        """The caption's font size in pixels at the current scale."""
        return self._caption_px()

    def show_caption(self) -> None:
        """Write the caption again (a lesson moved to another scene)."""
        self._show_step()

    # ------------------------------------------------------------- caption
    def _show_step(self) -> None:
        if not self.active:
            return
        s = self.session
        lesson = self.lesson_caption() if self.lesson_caption is not None else None
        if lesson is not None:
            self.text.setHtml(lesson)
            return
        if not s.available:
            body = html.escape(s.reason)
        elif s.current is None:
            body = f"<p>{HINT}</p>"
        else:
            theme = self.view.network_scene.theme
            body = caption_html(s.current, s.digits, round(self._caption_px() * 0.8),
                                theme.positive.name())
        progress = html.escape(s.progress_text())
        self.text.setHtml(f"<p style='margin:0 0 6px 0; color:gray'>{progress}</p>{body}")
        self._follow_step()

    def _follow_step(self) -> None:
        """Zoomed in, keep what the step computes in view."""
        current = self.session.current if self.session.available else None
        if not self.active or current is None or self.scale <= MIN_SCALE:
            return
        scene = self.view.network_scene
        found = [scene.neuron_items.get(i) or scene.edge_items.get(i) for i in current.writes]
        items = [item for item in found if item is not None]
        if items:
            rect = items[0].sceneBoundingRect()
            for item in items[1:]:
                rect = rect.united(item.sceneBoundingRect())
            self.view.ensureVisible(rect, 80, 80)

    # ------------------------------------------------------------- blank
    def blank(self) -> None:
        """B: the screen goes black (the class looks at the teacher); B again, back."""
        if not self.active:
            return
        if self.blanked:
            self.unblank()
            return
        self.blanked = True
        self.curtain.setGeometry(self.window.rect())
        self.curtain.show()
        self.curtain.raise_()

    def unblank(self) -> None:
        self.blanked = False
        self.curtain.hide()


CAPTION_COLUMNS = 4


def caption_html(record: StepRecord, digits: int, note_px: int, note_colour: str,
                 blank: bool = False) -> str:
    """The step as the Step panel lays it out (symbols, numbers, result), but with its
    equations side by side: a projector's caption is wide and short. ``blank`` leaves
    the results out (a lesson's question, as the worksheet writes it)."""
    cells = []
    for eq in record.equations:
        lines = [formula_html(line) for line in eq.lines(digits, BLANK if blank else None)]
        lines[-1] = f"<b>{lines[-1]}</b>"
        cells.append(f"<td style='padding:0 48px 8px 0; vertical-align:top'>"
                     f"{'<br>'.join(lines)}</td>")
    rows = ["<tr>" + "".join(cells[k:k + CAPTION_COLUMNS]) + "</tr>"
            for k in range(0, len(cells), CAPTION_COLUMNS)]
    notes = "".join(f"<p style='color:{note_colour}; font-size:{note_px}px; margin:0'>"
                    f"{html.escape(note)}</p>" for note in record.notes)
    return f"<table cellspacing='0'>{''.join(rows)}</table>{notes}"
