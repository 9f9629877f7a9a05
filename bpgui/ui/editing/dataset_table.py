"""The Dataset dock: the samples as an editable table, CSV paste and import, and the
toy-dataset generators.

The last column, "test", holds a check box per row: a checked sample is a test sample
(a v1 addition), measured but never trained on. Every edit path keeps each sample's split.

It owns the table, its buttons and the generator controls. It never writes the
model: each edit, paste, import or generation replaces the sample list through
ONE ``SetSamples`` command, so one Ctrl+Z undoes it. Unparseable input is refused
with a message on :attr:`DatasetDock.status` and nothing changes. The table is
filled under :class:`QSignalBlocker`, so filling never issues a command.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QLocale, QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bpgui.network.changes import ChangeKind
from bpgui.network.errors import BpguiError
from bpgui.network.model import Sample
from bpgui.network.numbers import fmt
from bpgui.network.parsing import parse_csv, parse_finite, plural
from bpgui.ui.base.dock_layout import scrollable
from bpgui.ui.base.widgets import named
from bpgui.ui.document.commands import SetSamples
from bpgui.ui.document.document import Document, Edit
from bpgui.ui.editing.generator_box import REPLACES, GeneratorBox

TEST_HEADER = "test"
TEST_TIP = ("Checked: a test sample. Training never uses it; the loss plot shows its loss "
            "as a second curve, so you can see the network overfit.")
REBUILD_FIELDS = {"id", "label", "role"}  # neuron fields that name or count the columns
CSV_FORMAT = ("One row per sample: the inputs, then the targets, separated by commas, "
              "semicolons or tabs; a header row is skipped.")


class NumberDelegate(QStyledItemDelegate):
    """Shows cells to 6 significant digits; the editor (and tooltip) has full precision."""

    def displayText(self, value: object, locale: QLocale | QLocale.Language) -> str:
        try:
            return fmt(float(str(value)), 6)
        except ValueError:
            return super().displayText(value, locale)


class DatasetDock(QDockWidget):
    """The samples of the document's network, editable as a table."""

    status = Signal(str)  # what an edit did, or why it was refused

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__("Dataset", parent)
        self.setObjectName("datasetDock")
        self.document = document
        self.summary = QLabel()
        self.summary.setObjectName("datasetSummary")
        self.summary.setWordWrap(True)
        self.table = named(QTableWidget(), "datasetTable", "One row per sample; the row number "
                           "is the sample index (the CLI's --sample). Double-click a cell to "
                           "edit it. With the table focused, Ctrl+V pastes CSV and Delete "
                           "removes the selected rows.")
        self.table.setItemDelegate(NumberDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(70)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.installEventFilter(self)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(self._buttons())
        self.generator = GeneratorBox()
        self.generator.button.clicked.connect(self.generate)
        layout.addWidget(self.generator)
        self.setWidget(scrollable(body))
        document.edited.connect(self._on_edited)
        document.replaced.connect(self.refresh)
        self.refresh()

    # ------------------------------------------------------------ building
    @staticmethod
    def _button(text: str, name: str, tip: str, slot: Callable[[], None]) -> QPushButton:
        button = named(QPushButton(text), name, tip)
        button.clicked.connect(slot)
        return button

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        for args in (
            ("Add row", "addSampleButton", "Append a sample of zeros at the end.", self.add_row),
            ("Remove rows", "removeSamplesButton", "Remove the samples whose cells are "
             "selected (click a row number to select a row).", self.remove_rows),
            ("Paste CSV", "pasteCsvButton", "Replace the samples with CSV text from the "
             "clipboard (Ctrl+V in the table). " + CSV_FORMAT + REPLACES, self.paste_csv),
            ("Import CSV…", "importCsvButton", "Replace the samples with the rows of a CSV "
             "file. " + CSV_FORMAT + REPLACES, self.import_csv),
        ):
            row.addWidget(self._button(*args))
        return row

    # ------------------------------------------------------------- columns
    def column_names(self) -> list[str]:
        """Header texts: the input neurons' labels, then "target <output label>"."""
        net = self.document.network
        return [n.display_label for n in net.inputs] + \
            [f"target {n.display_label}" for n in net.outputs]

    def _fitted(self) -> list[Sample]:
        """The samples cut or padded with zeros to the network's current columns."""
        net = self.document.network
        n_in, n_out = len(net.inputs), len(net.outputs)
        return [Sample((list(s.inputs) + [0.0] * n_in)[:n_in],
                       (list(s.targets) + [0.0] * n_out)[:n_out], s.split)
                for s in net.samples]

    # ------------------------------------------------------------- showing
    def _on_edited(self, edit: Edit) -> None:
        """Refill the table once per command that changed the samples or the columns."""
        if edit.has(ChangeKind.SAMPLES_CHANGED, ChangeKind.NEURON_ADDED,
                    ChangeKind.NEURON_REMOVED) or any(
                c.kind is ChangeKind.NEURON_CHANGED and c.field in REBUILD_FIELDS
                for c in edit.changes):
            self.refresh()

    def refresh(self) -> None:
        """Fill the table from the model."""
        net = self.document.network
        names = self.column_names()
        n_in = len(net.inputs)
        headers = [*names, TEST_HEADER] if names else []
        with QSignalBlocker(self.table):
            self.table.setColumnCount(len(headers))
            self.table.setHorizontalHeaderLabels(headers)
            if names:
                self.table.horizontalHeader().setSectionResizeMode(
                    len(names), QHeaderView.ResizeMode.ResizeToContents)
                header_item = self.table.horizontalHeaderItem(len(names))
                assert header_item is not None     # set by setHorizontalHeaderLabels
                header_item.setToolTip(TEST_TIP)
            self.table.setRowCount(len(net.samples))
            self.table.setVerticalHeaderLabels([str(i) for i in range(len(net.samples))])
            for row, sample in enumerate(net.samples):
                values = (list(sample.inputs) + [None] * n_in)[:n_in] + list(sample.targets)
                for column in range(len(names)):
                    value = values[column] if column < len(values) else None
                    item = self.table.item(row, column)
                    if item is None or item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                        item = QTableWidgetItem()
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                              | Qt.AlignmentFlag.AlignVCenter)
                        self.table.setItem(row, column, item)
                    item.setText("" if value is None else repr(float(value)))
                if names:
                    self._test_item(row, len(names)).setCheckState(
                        Qt.CheckState.Checked if sample.is_test else Qt.CheckState.Unchecked)
        self.summary.setText(self._summary())

    def _test_item(self, row: int, column: int) -> QTableWidgetItem:
        """The row's check box in the test column (made on first use)."""
        item = self.table.item(row, column)
        if item is None or not item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            item = QTableWidgetItem()
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
                          | Qt.ItemFlag.ItemIsSelectable)
            item.setToolTip(TEST_TIP)
            self.table.setItem(row, column, item)
        return item

    def _summary(self) -> str:
        net = self.document.network
        n_in, n_out = len(net.inputs), len(net.outputs)
        tests = sum(s.is_test for s in net.samples)
        split = f" ({tests} of them test samples)" if tests else ""
        text = (f"{plural(len(net.samples), 'sample')}{split} for {plural(n_in, 'input')} → "
                f"{plural(n_out, 'output')}. Row numbers are the sample index (--sample).")
        if any(len(s.inputs) != n_in or len(s.targets) != n_out for s in net.samples):
            text += (" ⚠ Some samples do not fit the network's neurons; an edit here pads "
                     "them with zeros or cuts them to the columns shown.")
        return text

    # ----------------------------------------------------------- committing
    def _replace(self, samples: list[Sample], text: str, done: str) -> bool:
        """Replace the samples as one undoable command; report the outcome."""
        if samples == self.document.network.samples:
            self.status.emit("The samples are unchanged.")
            return False
        error = self.document.execute(SetSamples(self.document, samples, text))
        if error is not None:
            self.status.emit(f"Refused: {error}. The samples are unchanged.")
            self.refresh()
            return False
        self.status.emit(done)
        return True

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        row, column = item.row(), item.column()
        names = self.column_names()
        if column == len(names):
            self.set_test(row, item.checkState() == Qt.CheckState.Checked)
            return
        name = names[column]
        try:
            value = parse_finite(item.text())
        except ValueError as exc:
            self.status.emit(f"Refused: row {row}, column {name}: {exc}. "
                             "The old value is back.")
            self.refresh()
            return
        samples = self._fitted()
        n_in = len(self.document.network.inputs)
        values, index = (samples[row].inputs, column) if column < n_in \
            else (samples[row].targets, column - n_in)
        values[index] = value
        if samples == self.document.network.samples:
            self.refresh()  # the same number, perhaps typed differently: no command
            return
        self._replace(samples, f"Edit sample {row}", f"Sample {row}: {name} = {value!r}.")

    def set_test(self, row: int, test: bool) -> bool:
        """Make sample ``row`` a test (or training) sample as one undoable command; refuse
        to turn the last training sample into a test sample (nothing would train)."""
        samples = self._fitted()
        old = samples[row]
        if test and not old.is_test and sum(not s.is_test for s in samples) == 1:
            self.status.emit(f"Refused: sample {row} is the only training sample left; at "
                             "least one sample must stay a training sample. It stays one.")
            self.refresh()
            return False
        samples[row] = Sample(old.inputs, old.targets, "test" if test else "train")
        if samples == self.document.network.samples:
            self.refresh()
            return False
        what = "a test sample" if test else "a training sample"
        return self._replace(samples, f"Make sample {row} {what}",
                             f"Sample {row} is now {what}.")

    def _need_columns(self) -> bool:
        if self.column_names():
            return True
        self.status.emit("Refused: the network has no input or output neurons yet, so a "
                         "sample would have no values.")
        return False

    def add_row(self) -> None:
        net = self.document.network
        if not self._need_columns():
            return
        samples = [*self._fitted(), Sample([0.0] * len(net.inputs), [0.0] * len(net.outputs))]
        if self._replace(samples, "Add sample", f"Added sample {len(samples) - 1} (zeros)."):
            self.table.setCurrentCell(len(samples) - 1, 0)

    def remove_rows(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()})
        if not rows:
            self.status.emit("Select the rows to remove first (click a row number).")
            return
        doomed = set(rows)
        samples = [s for i, s in enumerate(self._fitted()) if i not in doomed]
        self.table.clearSelection()
        self._replace(samples, f"Remove {plural(len(rows), 'sample')}",
                      f"Removed {plural(len(rows), 'sample')}.")

    def paste_csv(self) -> None:
        self.replace_from_csv(QGuiApplication.clipboard().text(), "the clipboard", "Paste")

    def _ask_csv_path(self) -> str:
        """The file to import, or "" if the user cancels (tests patch this)."""
        path, _ = QFileDialog.getOpenFileName(self, "Import samples from CSV", "",
                                              "CSV files (*.csv *.tsv *.txt);;All files (*)")
        return path

    def import_csv(self) -> None:
        path = self._ask_csv_path()
        if not path:
            return
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            self.status.emit(f"Refused: cannot read {path}: {exc}")
            return
        self.replace_from_csv(text, Path(path).name, "Import")

    def replace_from_csv(self, text: str, source: str, verb: str) -> None:
        """Replace the samples with CSV rows from ``source`` (one undo entry)."""
        if not self._need_columns():
            return
        net = self.document.network
        try:
            samples = parse_csv(text, [n.id for n in net.inputs + net.outputs], len(net.inputs))
        except BpguiError as exc:
            self.status.emit(f"Refused: {source}: {exc}. The samples are unchanged.")
            return
        self._replace(samples, f"{verb} samples",
                      f"Replaced the samples with {plural(len(samples), 'row')} from {source}.")

    def generate(self) -> None:
        net = self.document.network
        try:
            samples, done = self.generator.make(len(net.inputs), len(net.outputs))
        except BpguiError as exc:
            self.status.emit(f"Refused: {exc}.")
            return
        self._replace(samples, "Generate samples", done)

    # ------------------------------------------------------------ keyboard
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """In the table, Ctrl+V pastes CSV and Delete removes rows, ahead of any window
        shortcut; plain typing starts editing a cell rather than firing one-key shortcuts."""
        if watched is self.table and isinstance(event, QKeyEvent) \
                and self.table.state() != QAbstractItemView.State.EditingState:
            paste = event.matches(QKeySequence.StandardKey.Paste)
            delete = event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) \
                and not event.modifiers()
            typing = bool(event.text()) and event.text().isprintable() \
                and not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
            if event.type() == QEvent.Type.ShortcutOverride and (paste or delete or typing):
                event.accept()
                return True
            if event.type() == QEvent.Type.KeyPress and (paste or delete):
                (self.paste_csv if paste else self.remove_rows)()
                return True
        return super().eventFilter(watched, event)
