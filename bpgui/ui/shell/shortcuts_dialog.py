"""Help ▸ Keyboard shortcuts: every key of the action table, then the mouse gestures."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bpgui.ui.base.actions import ActionSpec, shortcut_rows


class ShortcutsDialog(QDialog):
    """A two-column table (what, keys), one row per action with keys, in menu order."""

    def __init__(self, parent: QWidget, table: Sequence[ActionSpec],
                 gestures: Sequence[tuple[str, str]]) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        rows = shortcut_rows(table) + list(gestures)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["What", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for row, (what, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(what))
            shown = QTableWidgetItem(keys)
            font = shown.font()
            font.setBold(True)
            shown.setFont(font)
            self.table.setItem(row, 1, shown)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.resize(640, 760)

    def rows(self) -> list[tuple[str, str]]:
        """What the table shows, row by row."""
        def text(row: int, column: int) -> str:
            item = self.table.item(row, column)
            return item.text() if item is not None else ""
        return [(text(r, 0), text(r, 1)) for r in range(self.table.rowCount())]
