"""Presentation mode (issue 6): full screen, high contrast, a caption, clicker keys, and a
window restored exactly on Esc."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDockWidget, QToolBar

from bpgui.ui.classroom.presentation import MAX_SCALE, MIN_SCALE


def layout(window) -> dict[str, bool]:
    shown = {d.objectName(): d.isVisible() for d in window.findChildren(QDockWidget)}
    shown |= {t.objectName(): t.isVisible() for t in window.findChildren(QToolBar)}
    return shown | {"menu": window.menuBar().isVisible(),
                    "status": window.statusBar().isVisible()}


def act(window, name: str):
    return window.actions_by_name[name]


def press(qtbot, window, key: Qt.Key, times: int = 1) -> None:
    for _ in range(times):
        qtbot.keyClick(window.focusWidget() or window, key)


def test_f5_hides_the_chrome_and_esc_restores_it(qtbot, window) -> None:
    before, transform = layout(window), window.view.transform()
    act(window, "Presentation").trigger()
    p = window.presentation
    assert p.active and act(window, "Presentation").isChecked()
    shown = layout(window)
    assert shown["presentationCaption"] and not shown["menu"] and not shown["status"]
    assert not any(v for k, v in shown.items() if k != "presentationCaption")
    assert window.scene.theme.name == "contrast-light" and window.isFullScreen()
    act(window, "LeavePresentation").trigger()
    qtbot.waitUntil(lambda: not window.isFullScreen())
    assert not p.active and layout(window) == before
    assert window.scene.theme.name == "light" and window.view.transform() == transform


def without_lesson(window) -> None:
    """Seed 000's file has a lesson, whose scenes the clicker would move through."""
    from bpgui.ui.document.commands import DeleteScene

    while window.document.network.lesson:
        window.document.execute(DeleteScene(window.document, 0))


def test_clicker_keys_step_and_the_caption_follows(qtbot, window) -> None:
    without_lesson(window)         # a file without a lesson: the clicker steps the pass
    window.presentation.enter(full_screen=False)
    session = window.stepping.session
    press(qtbot, window, Qt.Key.Key_PageDown, times=8)
    assert session.position == 8
    caption = window.presentation.text.toPlainText()
    assert "δ_h1 = (1 − a_h1²)·(w7·δ_y)" in caption and "= −0.025" in caption
    assert "backward 3 / 6" in caption and "Reuses the cached δ of y" in caption
    press(qtbot, window, Qt.Key.Key_PageUp)
    assert session.position == 7 and "δ_h2" in window.presentation.text.toPlainText()
    press(qtbot, window, Qt.Key.Key_Right)
    press(qtbot, window, Qt.Key.Key_Left)
    assert session.position == 7


def test_the_scale_runs_from_one_and_a_half_to_three(window) -> None:
    p = window.presentation
    p.enter(full_screen=False)
    base = window.view.transform().m11()
    act(window, "ZoomIn").trigger()
    assert p.scale == MIN_SCALE + 0.25
    assert abs(window.view.transform().m11() - base * p.scale / MIN_SCALE) < 1e-9
    for _ in range(10):
        act(window, "ZoomIn").trigger()
    assert p.scale == MAX_SCALE
    for _ in range(10):
        act(window, "ZoomOut").trigger()
    assert p.scale == MIN_SCALE and abs(window.view.transform().m11() - base) < 1e-9
    assert "font-size: 30px" in p.text.styleSheet()
    p.set_scale(MAX_SCALE)
    assert "font-size: 60px" in p.text.styleSheet()


def test_b_blanks_and_brings_back(qtbot, window) -> None:
    assert not act(window, "BlankScreen").isEnabled()      # only while presenting
    window.presentation.enter(full_screen=False)
    act(window, "BlankScreen").trigger()
    curtain = window.presentation.curtain
    assert curtain.isVisible() and curtain.geometry() == window.rect()
    act(window, "BlankScreen").trigger()
    assert not curtain.isVisible()
    act(window, "BlankScreen").trigger()
    window.presentation.leave()                            # Esc also lifts the curtain
    assert not curtain.isVisible()


def test_themes_in_both_modes(window) -> None:
    window.presentation.enter(full_screen=False)
    act(window, "ThemeDark").trigger()
    assert window.scene.theme.name == "contrast-dark"
    assert window.scene.theme.background.name() == "#000000"
    window.presentation.leave()
    assert window.scene.theme.name == "dark"
    act(window, "ThemeLight").trigger()
    assert window.scene.theme.name == "light"


def test_the_presentation_screenshot_flag(tmp_path) -> None:
    png = tmp_path / "shot.png"
    result = subprocess.run([sys.executable, "-m", "bpgui", "--screenshot", str(png),
                             "--size", "1280x720", "--steps", "5", "--presentation"],
                            capture_output=True, text=True, timeout=120,
                            env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1280, 720)
    # high contrast: the corners are pure white canvas
    assert image.pixelColor(5, 5).name() == "#ffffff"
