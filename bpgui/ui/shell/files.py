"""Opening, saving and discarding documents, with the prompts a user expects.

New, Open and Quit ask before unsaved changes are lost; an invalid file
shows the core's message and leaves the current network as it was; Save is
atomic (``fileformat.save``); recent files live in QSettings.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from bpgui.network import fileformat
from bpgui.network.errors import BpguiError
from bpgui.network.layout import fill_missing_positions
from bpgui.network.model import Network
from bpgui.ui.document.document import Document

FILTER = "bpgui networks (*.bpnet.json *.json);;All files (*)"
MAX_RECENT = 8


class FileController(QObject):
    status = Signal(str)
    recent_changed = Signal()

    def __init__(self, document: Document, parent: QWidget, settings: QSettings) -> None:
        super().__init__(parent)
        self.document = document
        self.window = parent
        self.settings = settings

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
        if not self.maybe_save():
            return False
        path = path or self.ask_open_path()
        if not path:
            return False
        return self.load(Path(path))

    def load(self, path: Path) -> bool:
        """Replace the document with ``path``; on any error keep the current network."""
        try:
            network = fileformat.load(path)
        except BpguiError as exc:
            self.show_error("Cannot open network", str(exc))
            self.status.emit(f"Not opened: {exc}")
            return False
        fill_missing_positions(network)
        self.document.replace(network, path.resolve())
        self.add_recent(path)
        self.status.emit(f"Opened {path.name}.")
        return True

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
