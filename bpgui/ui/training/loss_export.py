"""The Loss dock's exports: the shown history as a CSV file, the loss plot as a PNG image.

Each export asks for the file when given no path, tells what it did (or why it could not)
through ``tell``, and returns whether a file was written; none changes the history.

A long history's CSV (10⁶ rows take over a second to format) is formatted and written
in a worker thread (:class:`CsvExport`), from a copy of the history taken at once, so
training may go on meanwhile; a progress dialog shows if it lasts, and a second export
is refused until the first is done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import QIODevice, QObject, QSaveFile, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from bpgui.engine.history import History
from bpgui.network.errors import BpguiError
from bpgui.network.fileformat import atomic_write_text
from bpgui.ui.base.background import BackgroundJob, DelayedProgress

EXPORT_WIDTH = 1600
NOTHING_YET = "Nothing to export yet: train the network first."
BUSY = "Still exporting the loss history; wait for it to finish."
# Rows formatted on the GUI thread: about 50 ms' worth. Longer histories go to a worker.
INLINE_ROWS = 50_000


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
    dialog over ``parent``) when ``path`` is None. False when nothing was written (or,
    for a long history, nothing will be: it is then written in the background and
    ``tell`` says when it is done; :func:`csv_export` follows it)."""
    exporter = csv_export(parent)
    if exporter.running:
        tell(BUSY)
        return False
    path = _target(parent, history, path, "Export loss history", "loss_history.csv",
                   "CSV files (*.csv);;All files (*)", tell)
    if path is None or history is None:
        return False
    if len(history) > INLINE_ROWS:
        exporter.start(parent, history, path, tell)
        return True
    try:
        atomic_write_text(path, history.csv())
    except (BpguiError, OSError) as exc:
        tell(f"Loss history not saved: {exc}")
        return False
    tell(f"Saved loss history to {path}.")
    return True


class CsvExport(QObject):
    """The one CSV export that may be running over a widget; :attr:`done` says whether
    it wrote its file."""

    done = Signal(bool)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lossCsvExport")
        self._job: BackgroundJob | None = None

    @property
    def running(self) -> bool:
        return self._job is not None and self._job.running

    def start(self, parent: QWidget, history: History, path: str,
              tell: Callable[[str], None]) -> None:
        snapshot = _snapshot(history)       # training may extend the history meanwhile
        stop = threading.Event()
        rows = [0]                          # formatted so far: the worker's, read here

        def work() -> None:
            text = csv_in_slices(snapshot, stop, rows)
            if text is not None:            # None: cancelled while formatting
                atomic_write_text(path, text)

        job = BackgroundJob(self, work, lambda: progress.set_value(rows[0]))

        def cancel() -> None:
            stop.set()
            job.cancel()

        progress = DelayedProgress(parent, f"Exporting {len(snapshot):,} rows of loss "
                                   f"history to {Path(path).name}…", len(snapshot),
                                   on_cancel=cancel)

        def succeeded(_: object) -> None:
            tell(f"Saved loss history to {path}.")
            self.done.emit(True)

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, (BpguiError, OSError)):
                raise exc
            tell(f"Loss history not saved: {exc}")
            self.done.emit(False)

        def finished() -> None:
            progress.close()
            job.deleteLater()
            self._job = None
            if job.cancelled:
                tell("Loss history export cancelled.")
                self.done.emit(False)

        job.succeeded.connect(succeeded)
        job.failed.connect(failed)
        job.finished.connect(finished)
        self._job = job
        tell(f"Exporting the loss history to {path}…")


def csv_export(parent: QWidget) -> CsvExport:
    """The CSV export of ``parent`` (made on first use)."""
    found = parent.findChild(CsvExport, "lossCsvExport")
    return found if isinstance(found, CsvExport) else CsvExport(parent)


def csv_in_slices(history: History, stop: threading.Event | None = None,
                  rows: list[int] | None = None) -> str | None:
    """:meth:`History.csv`'s text, put together from :meth:`History.csv_pieces` so that
    the worker holds the GIL (and so stalls the GUI thread) a few milliseconds at a
    time, not for most of a second at 10⁶ rows. ``rows[0]`` counts the rows done;
    None if ``stop`` was set."""
    parts = []
    for done, text in history.csv_pieces():
        if stop is not None and stop.is_set():
            return None
        parts.append(text)
        if rows is not None:
            rows[0] = done
    return "".join(parts)


def _snapshot(history: History) -> History:
    """A copy of what :meth:`History.csv` reads (losses, norms, test losses), taken on
    the GUI thread: some 10 ms for 10⁶ rows."""
    copy = History()
    copy.extend(history.losses, history.gradient_norms,
                test_losses=history.test_losses if history.has_tests else None)
    return copy


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
