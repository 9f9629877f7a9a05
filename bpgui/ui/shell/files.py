"""Opening, saving and discarding documents, with the prompts a user expects.

New, Open and Quit ask before unsaved changes are lost; an invalid file
shows the core's message and leaves the current network as it was; Save is
atomic (``fileformat.save``); recent files live in QSettings.

A large file (over :data:`INLINE_BYTES`) is read, parsed and checked in a worker
thread (:mod:`bpgui.network.fileformat` has no Qt), with a progress dialog if it
lasts; only replacing the document happens on the GUI thread. While it is read the
current network stays as it is, a second Open is refused, and an edit made meanwhile
is asked about again before the new network replaces it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from bpgui.network import fileformat
from bpgui.network.errors import BpguiError
from bpgui.network.layout import fill_missing_positions
from bpgui.network.model import Network
from bpgui.ui.base.background import BackgroundJob, DelayedProgress
from bpgui.ui.base.gc_pauses import collector_paused
from bpgui.ui.document.document import Document

FILTER = "bpgui networks (*.bpnet.json *.json);;All files (*)"
MAX_RECENT = 8
# Files up to this size are read on the GUI thread (about 20 ms); larger in a worker.
INLINE_BYTES = 256 * 1024


def read_network(path: Path) -> Network:
    """Read, parse and check ``path`` and place neurons without positions: Qt-free, so
    it may run in a worker thread."""
    network = fileformat.load(path)
    fill_missing_positions(network)
    return network


class FileController(QObject):
    status = Signal(str)
    recent_changed = Signal()
    opened = Signal(bool)       # a load ended: the document was replaced, or not

    def __init__(self, document: Document, parent: QWidget, settings: QSettings) -> None:
        super().__init__(parent)
        self.document = document
        self.window = parent
        self.settings = settings
        self._reading: BackgroundJob | None = None
        # Set by the window: more work for a network read in the background, done in
        # the worker too (it must be Qt-free); what it returns runs on the GUI thread
        # just before that network replaces the document.
        self.prepare: Callable[[Network], Callable[[], None]] | None = None

    @property
    def reading(self) -> bool:
        """True while a large file is being read in the background."""
        return self._reading is not None and self._reading.running

    # ------------------------------------------------------------- prompts
    def ask_open_path(self) -> str:
        return QFileDialog.getOpenFileName(self.window, "Open network", self._folder(),
                                           FILTER)[0]

    def ask_save_path(self) -> str:
        suggested = str(Path(self._folder()) / f"{_slug(self.document.display_name)}.bpnet.json")
        return QFileDialog.getSaveFileName(self.window, "Save network as", suggested, FILTER)[0]

    def ask_discard(self) -> QMessageBox.StandardButton:
        buttons = QMessageBox.StandardButton
        return QMessageBox.question(
            self.window, "Unsaved changes",
            f"“{self.document.display_name}” has unsaved changes. Save them first?",
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)

    def show_error(self, title: str, message: str) -> None:
        QMessageBox.warning(self.window, title, message)

    # ------------------------------------------------------------ commands
    def maybe_save(self) -> bool:
        """True when it is safe to drop the current network (saved, discarded, or clean)."""
        if not self.document.dirty:
            return True
        answer = self.ask_discard()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new(self, network: Network | None = None) -> bool:
        if not self.maybe_save():
            return False
        self.document.replace(network or Network(name=None), None)
        self.status.emit("New network.")
        return True

    def open(self, path: str | Path | None = None) -> bool:
        if self._refuse_while_reading():
            return False
        if not self.maybe_save():
            return False
        path = path or self.ask_open_path()
        if not path:
            return False
        return self.load(Path(path))

    def load(self, path: Path) -> bool:
        """Replace the document with ``path``; on any error keep the current network.
        A large file is read in the background: True then means it is being read, and
        :attr:`opened` says how it ended."""
        if self._refuse_while_reading():
            return False
        try:
            large = path.stat().st_size > INLINE_BYTES
        except OSError:
            large = False               # fileformat.load says what is wrong with it
        if large:
            self._read_in_background(path)
            return True
        try:
            network = read_network(path)
        except BpguiError as exc:
            self._not_opened(exc)
            return False
        self._replace(network, path)
        return True

    def _refuse_while_reading(self) -> bool:
        if self.reading:
            self.status.emit("Still reading a network file; wait for it, or cancel it.")
        return self.reading

    def _read_in_background(self, path: Path) -> None:
        before, edits = self.document.network, self.document.undo_stack.index()
        prepare = self.prepare

        def work() -> tuple[Network, Callable[[], None] | None]:
            with collector_paused():      # (its full passes held the GUI: see gc_pauses)
                network = read_network(path)
                return network, prepare(network) if prepare is not None else None

        job = BackgroundJob(self, work)
        progress = DelayedProgress(self.window, f"Reading {path.name}…", modal=True,
                                   on_cancel=job.cancel)

        def read(result: tuple[Network, Callable[[], None] | None]) -> None:
            network, prepared = result
            progress.close()                # before any question about unsaved edits
            if self.document.network is not before:
                self.status.emit(f"Not opened: another network replaced this one while "
                                 f"{path.name} was read.")
                self.opened.emit(False)
            elif self.document.undo_stack.index() != edits and not self.maybe_save():
                self.status.emit(f"Not opened: {path.name} (kept your changes).")
                self.opened.emit(False)
            else:
                if prepared is not None:
                    prepared()
                self._replace(network, path)

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, BpguiError):
                self.opened.emit(False)
                raise exc
            self._not_opened(exc)

        def finished() -> None:
            progress.close()
            job.deleteLater()
            self._reading = None
            if job.cancelled:
                self.status.emit(f"Not opened: reading {path.name} was cancelled.")
                self.opened.emit(False)

        job.succeeded.connect(read)
        job.failed.connect(failed)
        job.finished.connect(finished)
        self._reading = job
        self.status.emit(f"Reading {path.name}…")

    def _not_opened(self, exc: BpguiError) -> None:
        self.show_error("Cannot open network", str(exc))
        self.status.emit(f"Not opened: {exc}")
        self.opened.emit(False)

    def _replace(self, network: Network, path: Path) -> None:
        self.document.replace(network, path.resolve())
        self.add_recent(path)
        self.status.emit(f"Opened {path.name}.")
        self.opened.emit(True)

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._write(self.document.path)

    def save_as(self) -> bool:
        path = self.ask_save_path()
        if not path:
            return False
        return self._write(Path(path))

    def _write(self, path: Path) -> bool:
        try:
            fileformat.save(self.document.network, path)
        except BpguiError as exc:
            self.show_error("Cannot save network", str(exc))
            self.status.emit(f"Not saved: {exc}")
            return False
        self.document.set_path(path.resolve())
        self.document.mark_saved()
        self.add_recent(path)
        self.status.emit(f"Saved {path.name}.")
        return True

    # --------------------------------------------------------------- recent
    def recent_files(self) -> list[str]:
        value = self.settings.value("recentFiles", [])
        # one entry reads back as a str, none as None (or the default), more as a list
        files = [value] if isinstance(value, str) else \
            list(value) if isinstance(value, Iterable) else []
        return [f for f in files if f]

    def add_recent(self, path: Path) -> None:
        entry = str(path.resolve())
        files = [entry] + [f for f in self.recent_files() if f != entry]
        self.settings.setValue("recentFiles", files[:MAX_RECENT])
        self.settings.setValue("lastFolder", str(path.resolve().parent))
        self.recent_changed.emit()

    def _folder(self) -> str:
        return str(self.settings.value("lastFolder", str(Path.cwd())))


def _slug(name: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_" else "_" for c in name.strip())
    return keep.strip("_") or "network"
