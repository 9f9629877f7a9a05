"""Start the window, or render it to a PNG (``--screenshot``) and exit.

Screenshot mode shows the real main window exactly as a user would see it,
also on the offscreen platform, so documentation and tests look at the
same pixels a student does.
"""

from __future__ import annotations

import os
import re
import sys
from argparse import Namespace
from pathlib import Path

from bpgui.errors import BpguiError
from bpgui.model import Network

DEFAULT_SCREENSHOT_SIZE = (1600, 1000)


def parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if not match:
        raise BpguiError(f"--size {text!r}: expected WIDTHxHEIGHT, e.g. 1920x1080")
    width, height = int(match[1]), int(match[2])
    if not (320 <= width <= 8192 and 240 <= height <= 8192):
        raise BpguiError(f"--size {text!r}: width 320–8192 and height 240–8192 please")
    return width, height


def _check_platform(screenshot: bool) -> None:
    """Pick offscreen for screenshots without a display; refuse a window without one."""
    if os.environ.get("QT_QPA_PLATFORM") or sys.platform != "linux":
        return
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    if screenshot:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return
    raise BpguiError("no display to open the window on (DISPLAY is not set); run it on a "
                     "desktop, under xvfb-run, or make a picture with --screenshot PNG")


def run_gui(args: Namespace, network: Network, path: Path | None) -> int:
    """Open the window on ``network`` (from ``path`` if given); return the exit status."""
    if args.steps is not None:
        raise BpguiError("--steps is not available yet: stepping through a pass arrives "
                         "with issue 4")
    if args.presentation:
        raise BpguiError("--presentation is not available yet: presentation mode arrives "
                         "with issue 6")
    size = parse_size(args.size) if args.size else None
    if args.screenshot and not Path(args.screenshot).resolve().parent.is_dir():
        raise BpguiError(f"--screenshot {args.screenshot}: folder "
                         f"{Path(args.screenshot).parent} does not exist")
    _check_platform(bool(args.screenshot))

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from bpgui.ui.document import Document
    from bpgui.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("bpgui")
    app.setOrganizationName("bpgui")
    settings = QSettings("bpgui", "bpgui")
    document = Document(network, path)
    window = MainWindow(document, settings)
    if args.select and not window.scene.select_id(args.select):
        raise BpguiError(f"--select {args.select}: no neuron or edge has that id")
    if args.screenshot:
        return _screenshot(app, window, args.screenshot, size or DEFAULT_SCREENSHOT_SIZE)
    if size:
        window.resize(*size)
    window.show()
    window.view.fit()
    return app.exec()


def _screenshot(app: object, window: object, png: str, size: tuple[int, int]) -> int:
    from PySide6.QtWidgets import QApplication

    from bpgui.ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    window.resize(*size)
    window.show()
    QApplication.processEvents()
    window.view.fit()
    QApplication.processEvents()
    if not window.grab().save(png, "PNG"):
        raise BpguiError(f"--screenshot {png}: could not write the image")
    window.document.undo_stack.setClean()
    window.close()
    return 0
