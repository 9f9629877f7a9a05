"""Start the window, or render it to a PNG (``--screenshot``) and exit.

Screenshot mode shows the real main window exactly as a user would see it,
also on the offscreen platform, so documentation and tests look at the
same pixels a student does.
"""

from __future__ import annotations

import ctypes.util
import os
import re
import subprocess
import sys
from argparse import Namespace
from pathlib import Path
from typing import TYPE_CHECKING

from bpgui.network.errors import BpguiError
from bpgui.network.model import Network

if TYPE_CHECKING:           # Qt is imported only once the window is really opened
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QWidget

    from bpgui.ui.shell.main_window import MainWindow

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
    display = os.environ.get("DISPLAY", "")
    local = re.fullmatch(r":(\d+)(\.\d+)?", display)
    if local and not os.environ.get("WAYLAND_DISPLAY") \
            and not Path(f"/tmp/.X11-unix/X{local[1]}").exists():
        raise BpguiError(f"no X server is running on DISPLAY={display}; start one, use "
                         "xvfb-run, or make a picture with --screenshot PNG")
    if display and not os.environ.get("WAYLAND_DISPLAY"):
        missing = missing_xcb_libraries()
        if missing:
            # Qt aborts the whole process when its X11 plugin cannot load; say why instead.
            packages = " ".join(sorted({_debian_package(lib) for lib in missing}))
            raise BpguiError(f"Qt cannot open a window on X11: missing {', '.join(missing)} "
                             f"(Debian/Ubuntu: sudo apt-get install {packages})")
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    if screenshot:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return
    raise BpguiError("no display to open the window on (DISPLAY is not set); run it on a "
                     "desktop, under xvfb-run, or make a picture with --screenshot PNG")


def missing_xcb_libraries() -> list[str]:
    """System libraries Qt's X11 plugin needs but cannot find (via ``ldd``; [] if unknown)."""
    import PySide6

    root = Path(PySide6.__file__).parent / "Qt"
    missing: list[str] = []
    for binary in (root / "plugins" / "platforms" / "libqxcb.so",
                   root / "lib" / "libQt6XcbQpa.so.6"):
        if not binary.exists():
            continue
        try:
            out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True,
                                 timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        missing += [line.split()[0] for line in out.splitlines() if "not found" in line]
    if ctypes.util.find_library("xcb-cursor") is None:   # loaded at run time, not linked
        missing.append("libxcb-cursor.so.0")
    return sorted(set(missing))


def _debian_package(soname: str) -> str:
    """``libxcb-icccm.so.4`` → ``libxcb-icccm4`` (Debian's naming for these libraries)."""
    stem, _, version = soname.partition(".so.")
    return f"{stem}{'-' if stem[-1].isdigit() else ''}{version.split('.')[0]}" if version \
        else stem


def run_gui(args: Namespace, network: Network, path: Path | None,
            settings: QSettings | None = None) -> int:
    """Open the window on ``network`` (from ``path`` if given); return the exit status.
    ``settings`` stands in for the user's own, for tests."""
    size = parse_size(args.size) if args.size else None
    if args.screenshot and not Path(args.screenshot).resolve().parent.is_dir():
        raise BpguiError(f"--screenshot {args.screenshot}: folder "
                         f"{Path(args.screenshot).parent} does not exist")
    _check_platform(bool(args.screenshot))

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from bpgui.ui.document.document import Document
    from bpgui.ui.shell.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("bpgui")
    app.setOrganizationName("bpgui")
    settings = QSettings("bpgui", "bpgui") if settings is None else settings
    document = Document(network, path)
    window = MainWindow(document, settings)
    if args.train:
        if not window.training.session.train(args.train):
            raise BpguiError(f"--train {args.train}: the network cannot be trained (see "
                             f"'bpgui train {path or 'FILE'}')")
        if args.screenshot:
            while window.training.session.running:
                app.processEvents()
    if getattr(args, "per_level", False):       # the tab, tall enough for ten curves
        from PySide6.QtCore import Qt

        window.resize(*(size or DEFAULT_SCREENSHOT_SIZE))
        window.show()                           # docks are sized once laid out
        app.processEvents()
        window.training.plot.tabs.setCurrentWidget(window.training.plot.levels)
        window.training.plot.raise_()
        window.resizeDocks([window.training.plot], [window.height() * 2 // 5],
                           Qt.Orientation.Vertical)
    if getattr(args, "colour_by_delta", False):
        window.actions_by_name["ColourByDelta"].trigger()       # as a click would
    if args.granularity:
        window.stepping.session.set_granularity(args.granularity)
    if args.digits:
        window.stepping.session.set_digits(args.digits)
    expanded = _expand(window, args.expand, args.steps) if args.expand else None
    if args.steps is not None and expanded is None:
        window.stepping.take_steps(args.steps)
    if getattr(args, "practice", False):
        window.stepping.practice.set_on(True)
        window.stepping.session.step()          # held at the next asked step
    if args.select and not window.scene.select_id(args.select):
        raise BpguiError(f"--select {args.select}: no neuron or edge has that id")
    if args.screenshot and expanded is not None:
        return _screenshot_expanded(window, expanded, args.screenshot,
                                    size or DEFAULT_SCREENSHOT_SIZE)
    scene = getattr(args, "lesson_scene", None)
    if scene is not None and not args.presentation:
        raise BpguiError("--lesson-scene: a lesson plays in presentation mode; add "
                         "--presentation")
    if scene is not None and args.screenshot:
        return _screenshot(app, window, args.screenshot, size or DEFAULT_SCREENSHOT_SIZE,
                           True, (scene, args.reveal, args.speaker_notes))
    if args.screenshot:
        return _screenshot(app, window, args.screenshot, size or DEFAULT_SCREENSHOT_SIZE,
                           args.presentation)
    if size:
        window.resize(*size)
    window.show()
    window.view.fit()
    # The training process takes about half a second to start: start it now, so that
    # Play answers at once.
    from bpgui.engine.worker import shared_worker

    shared_worker().warm()
    if args.presentation:
        window.presentation.enter()
        if scene is not None:
            window.lesson.play_from(scene, args.reveal)
    return app.exec()


def _screenshot(app: object, window: object, png: str, size: tuple[int, int],
                presentation: bool = False,
                lesson: tuple[int, bool, bool] | None = None) -> int:
    """The window at ``size``; ``lesson`` = (scene from 1, revealed, the speaker notes
    instead of the window) plays the lesson in presentation mode first."""
    from PySide6.QtWidgets import QApplication

    from bpgui.ui.shell.main_window import MainWindow

    assert isinstance(window, MainWindow)
    window.resize(*size)
    window.show()
    QApplication.processEvents()
    window.view.fit()
    if presentation:            # the window's size stands in for the projector's screen
        window.presentation.enter(full_screen=False)
        QApplication.processEvents()
        window.resize(*size)    # (docks coming and going may have stretched it)
        QApplication.processEvents()
        window.presentation.enter_view()
    if lesson is not None:
        number, reveal, notes = lesson
        if not window.lesson.player.playing:
            raise BpguiError("--lesson-scene: this file has no lesson")
        window.lesson.play_from(number, reveal)
        QApplication.processEvents()
        if notes:
            shown = window.lesson.player.notes
            shown.resize(*size)
            QApplication.processEvents()
            return _save_and_close(shown, png, window)
    QApplication.processEvents()
    return _save_and_close(window, png, window)


def _save_and_close(shown: QWidget, png: str, window: MainWindow) -> int:
    """Write ``shown`` to ``png`` and close ``window`` without asking to save: a
    screenshot changed nothing the user made."""
    if not shown.grab().save(png, "PNG"):
        raise BpguiError(f"--screenshot {png}: could not write the image")
    if shown is not window:
        shown.close()
    window.document.undo_stack.setClean()
    window.close()
    return 0


def _expand(window: object, neuron_id: str, steps: int | None) -> object:
    """``--expand ID``: open the neuron's gate window; ``--steps N`` then steps it."""
    from bpgui.network.expand import expandable
    from bpgui.ui.shell.main_window import MainWindow

    assert isinstance(window, MainWindow)
    network = window.document.network
    if not expandable(network, neuron_id):
        raise BpguiError(f"--expand {neuron_id}: no hidden or output neuron has that id "
                         "(inputs and operation nodes have no gates to show)")
    if not window.stepping.session.available:
        raise BpguiError(f"--expand {neuron_id}: {window.stepping.session.reason}")
    expanded = window.expander.open(neuron_id)
    if expanded is None:
        raise BpguiError(f"--expand {neuron_id}: the neuron cannot be expanded")
    if steps is not None:
        total = len(expanded.session.records)
        if steps > total:
            raise BpguiError(f"--steps {steps}: the expanded pass has only {total} steps")
        expanded.session.jump(steps)
    return expanded


def _screenshot_expanded(window: object, expanded: object, png: str,
                         size: tuple[int, int]) -> int:
    """The expanded neuron's window alone, at ``size``."""
    from PySide6.QtWidgets import QApplication

    from bpgui.ui.classroom.expand_view import ExpandedNeuron
    from bpgui.ui.shell.main_window import MainWindow

    assert isinstance(window, MainWindow) and isinstance(expanded, ExpandedNeuron)
    expanded.resize(*size)
    expanded.show()
    for _ in range(2):           # the docks settle, then the canvas fits what is left
        QApplication.processEvents()
        expanded.view.fit()
    QApplication.processEvents()
    return _save_and_close(expanded, png, window)
