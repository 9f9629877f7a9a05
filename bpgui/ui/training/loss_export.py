"""The Loss dock's exports: the shown history as a CSV file, the loss plot as a PNG image.

Each export asks for the file when given no path, tells what it did (or why it could not)
through ``tell``, and returns whether a file was written; none changes the history.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import QIODevice, QSaveFile
from PySide6.QtWidgets import QFileDialog, QWidget

from bpgui.engine.history import History
from bpgui.network.errors import BpguiError
from bpgui.network.fileformat import atomic_write_text

EXPORT_WIDTH = 1600
NOTHING_YET = "Nothing to export yet: train the network first."


def _target(parent: QWidget, history: History | None, path: str | None, title: str,
            default: str, filters: str, tell: Callable[[str], None]) -> str | None:
    """Where to export: ``path``, or the file a dialog over ``parent`` asks for; None when
    there is nothing to export yet (said through ``tell``) or the dialog was cancelled."""
    if history is None or not len(history):
        tell(NOTHING_YET)
        return None
    if path is None:
        path = QFileDialog.getSaveFileName(parent, title, str(Path.cwd() / default),
                                           filters)[0]
    return path or None


def export_csv(parent: QWidget, history: History | None, path: str | None,
               tell: Callable[[str], None]) -> bool:
    """Write ``history`` as ``iteration,loss,gradient_norm`` rows; ask for the file (in a
    dialog over ``parent``) when ``path`` is None. False when nothing was written."""
    path = _target(parent, history, path, "Export loss history", "loss_history.csv",
                   "CSV files (*.csv);;All files (*)", tell)
    if path is None or history is None:
        return False
    try:
        atomic_write_text(path, history.csv())
    except (BpguiError, OSError) as exc:
        tell(f"Loss history not saved: {exc}")
        return False
    tell(f"Saved loss history to {path}.")
    return True


def export_png(parent: QWidget, history: History | None, plot: pg.PlotItem,
               set_pens: Callable[[float], None], path: str | None,
               tell: Callable[[str], None]) -> bool:
    """Save ``plot`` as a PNG at least 1,600 pixels wide, its pens widened to match by
    ``set_pens(scale)`` while it is drawn; ask for the file when ``path`` is None. False
    when nothing was written."""
    path = _target(parent, history, path, "Export loss plot", "loss.png",
                   "PNG images (*.png)", tell)
    if path is None:
        return False
    folder = Path(path).parent
    if not folder.is_dir():
        tell(f"Loss plot not saved: the folder {folder} does not exist.")
        return False
    if plot.sceneBoundingRect().isEmpty():
        tell("Loss plot not saved: the plot has no size yet; show the Loss dock first.")
        return False
    exporter = ImageExporter(plot)
    width = max(EXPORT_WIDTH, 2 * round(plot.sceneBoundingRect().width()))
    exporter.parameters()["width"] = width
    set_pens(width / plot.sceneBoundingRect().width())
    try:
        image = exporter.export(toBytes=True)
    finally:
        set_pens(1.0)
    file = QSaveFile(path)  # written next to the target and renamed: never half a file
    ok = (file.open(QIODevice.OpenModeFlag.WriteOnly) and image.save(file, "PNG")
          and file.commit())
    if not ok:
        reason = file.errorString() or "the image could not be encoded"
        file.cancelWriting()
        tell(f"Loss plot not saved: {path}: {reason}.")
        return False
    tell(f"Saved loss plot to {path}.")
    return True
