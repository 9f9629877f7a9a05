"""The New layered network dialog: sizes such as ``2-3-1``, activations, loss, weights, data.

Every field is checked as it changes; the first problem is shown in plain words
under the form and OK stays disabled until it is fixed. The network itself is
built by :func:`bpgui.network.builders.layered_network`, so the dialog and the core
agree on ids, weights and positions.
"""

from __future__ import annotations

import math
from functools import partial

from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bpgui.network.builders import MAX_LAYER, LayeredSpec, layered_network, parse_sizes
from bpgui.network.datasets import (
    GENERATORS,
    MAX_HOLD_OUT,
    held_out_count,
    hold_out,
    to_samples,
)
from bpgui.network.errors import BpguiError
from bpgui.network.model import ACTIVATIONS, LOSSES, Network, Sample
from bpgui.ui.base.background import BackgroundJob
from bpgui.ui.base.widgets import named
from bpgui.ui.editing.network_dialog import NetworkDialog

NO_DATA = "None"
GATES = ("AND", "OR", "XOR")
HIDDEN_DEFAULT, OUTPUT_DEFAULT = "tanh", "sigmoid"
MAX_SEED = 2**31 - 1
INLINE_EDGES = 5000     # networks with more edges are built in a worker (over ~25 ms)


class LayeredNetworkDialog(NetworkDialog):
    """Ask for a fully connected layered network; :meth:`network` returns it after OK."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layeredDialog")
        self.setWindowTitle("New layered network")
        self._samples: list[Sample] = []
        self._building: BackgroundJob | None = None   # a large network being built
        self._sizes: list[int] = []
        self.activation_combos: list[QComboBox] = []
        self._choices: dict[str, str] = {}  # "hidden1"…, "output" -> the user's activation

        self.sizes_edit = named(QLineEdit("2-3-1", placeholderText="e.g. 2-3-1"), "sizesEdit",
                                "Neurons per layer, inputs first, e.g. 2-3-1")
        self.loss_combo = self._combo("lossCombo", LOSSES, "half_sse",
                                      "The per-sample loss the network is trained on")
        self.init_combo = named(QComboBox(), "initCombo", "Uniform in ±√(6 / (fan in + fan out))"
                                " from the seed, or every weight the same value")
        self.init_combo.addItem("Random (Xavier, seeded)", "xavier")
        self.init_combo.addItem("Constant", "constant")
        self.seed_spin = self._spin("seedSpin", 0, MAX_SEED, 0,
                                    "The same seed always gives the same weights")
        self.constant_edit = named(QLineEdit("0.5"), "constantEdit",
                                   "The value of every weight (biases start at 0)")
        self.dataset_combo = self._combo("datasetCombo", (NO_DATA, *GENERATORS), NO_DATA,
                                         "Training samples to start with (editable later)")
        self.count_spin = self._spin("countSpin", 1, 5000, 100, "How many samples to generate")
        self.noise_spin = named(
            QDoubleSpinBox(decimals=2, singleStep=0.05, maximum=2.0, value=0.1), "noiseSpin",
            "Standard deviation of the Gaussian noise on each coordinate")
        self.data_seed_spin = self._spin("dataSeedSpin", 0, MAX_SEED, 0,
                                         "The same seed always gives the same samples")
        self.hold_out_spin = self._spin("holdOutSpin", 0, MAX_HOLD_OUT, 0,
                                        "Mark this share of the samples as test samples, "
                                        "chosen from the data seed: training never uses them")
        self.hold_out_spin.setSuffix(" %")
        self.held_info = QLabel()           # how many samples the share is
        self.held_info.setObjectName("heldInfo")
        self.held_info.setEnabled(False)    # greyed: a remark
        held_row = QWidget()
        row = QHBoxLayout(held_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.hold_out_spin, 1)
        row.addWidget(self.held_info, 1)
        self.data_info = QLabel()
        self.data_info.setObjectName("dataInfo")
        self.data_info.setEnabled(False)  # greyed: a remark
        self.error_label = QLabel(wordWrap=True)
        self.error_label.setObjectName("errorLabel")
        self.error_label.setStyleSheet("color: #c0392b;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        self.activation_form = QFormLayout()
        network_box = self._group("Network", [("Layer &sizes:", self.sizes_edit),
                                              ("&Loss:", self.loss_combo)])
        activation_box = QGroupBox("Activations")
        activation_box.setLayout(self.activation_form)
        weights_box = self._group("Initial weights", [("&Weights:", self.init_combo),
                                                      ("S&eed:", self.seed_spin),
                                                      ("&Constant:", self.constant_edit)])
        data_box = self._group("Training data", [("&Dataset:", self.dataset_combo),
                                                 ("Sa&mples:", self.count_spin),
                                                 ("&Noise:", self.noise_spin),
                                                 ("D&ata seed:", self.data_seed_spin),
                                                 ("&Hold out as test:", held_row),
                                                 ("", self.data_info)])
        data_form = data_box.layout()
        assert isinstance(data_form, QFormLayout)          # made by _group
        held_label = data_form.labelForField(held_row)
        assert isinstance(held_label, QLabel)
        held_label.setBuddy(self.hold_out_spin)             # Alt+H: the spin, not its row
        layout = QVBoxLayout(self)
        for widget in (network_box, activation_box, weights_box, data_box, self.error_label,
                       self.buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(380)

        for edit in (self.sizes_edit, self.constant_edit):
            edit.textChanged.connect(self._refresh)
        for signal in (self.init_combo.currentIndexChanged, self.count_spin.valueChanged,
                       self.dataset_combo.currentIndexChanged, self.noise_spin.valueChanged,
                       self.data_seed_spin.valueChanged, self.hold_out_spin.valueChanged):
            signal.connect(self._refresh)
        self._refresh()
        self.sizes_edit.selectAll()
        self.sizes_edit.setFocus()

    # ------------------------------------------------------------------ public
    def spec(self) -> LayeredSpec:
        """What the fields say now (valid only while OK is enabled)."""
        return LayeredSpec(
            sizes=list(self._sizes), activations=[c.currentText() for c in self.activation_combos],
            loss=self.loss_combo.currentText(), init=self.init_combo.currentData(),
            seed=self.seed_spin.value(), constant=self._constant() or 0.0,
            samples=[s.copy() for s in self._samples],
            name="-".join(map(str, self._sizes)) + " network")

    def accept(self) -> None:
        """Build the network and close; a large one (over :data:`INLINE_EDGES` edges) in
        a worker thread, the dialog waiting with OK disabled but its window live."""
        if self._problem() is not None or self._building is not None:
            return
        spec = self.spec()
        edges = sum(a * b for a, b in zip(spec.sizes, spec.sizes[1:], strict=False))
        if edges <= INLINE_EDGES:
            try:
                self._built(layered_network(spec))
            except BpguiError as exc:  # the live checks should have caught it; say so anyway
                self._show_problem(str(exc))
            return
        self._building = BackgroundJob(self, lambda: layered_network(spec))
        self._building.succeeded.connect(self._built)
        self._building.failed.connect(self._not_built)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.error_label.setText(f"Building {edges:,} edges…")
        self.error_label.setVisible(True)

    def reject(self) -> None:
        if self._building is not None:      # its network is not wanted now
            self._building.cancel()
            self._building = None
        super().reject()

    def _built(self, network: Network) -> None:
        self._building = None
        self._network = network
        super().accept()

    def _not_built(self, exc: BaseException) -> None:
        self._building = None
        if not isinstance(exc, BpguiError):
            raise exc
        self._show_problem(str(exc))

    # --------------------------------------------------------------- checking
    def _refresh(self) -> None:
        self._show_problem(self._problem())

    def _problem(self) -> str | None:
        """Re-read every field; the first problem in plain words, or None."""
        text = self.sizes_edit.text()
        try:
            self._sizes = parse_sizes(text)
        except (BpguiError, ValueError) as exc:  # ValueError: "²" passes isdigit(), not int()
            self._sizes = []
            problem: str | None = str(exc) if isinstance(exc, BpguiError) else \
                f"layer sizes {text!r}: use whole numbers from 1 to {MAX_LAYER}, like 2-3-1"
        else:
            problem = None
            self._sync_activations()
        constant = self.init_combo.currentData() == "constant"
        self.seed_spin.setEnabled(not constant)
        self.constant_edit.setEnabled(constant)
        if problem is None and constant and self._constant() is None:
            problem = f"the constant weight {self.constant_edit.text()!r} is not a finite number"
        data_problem = self._load_dataset()
        return problem or data_problem

    def _constant(self) -> float | None:
        try:
            value = float(self.constant_edit.text().strip())
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    def _load_dataset(self) -> str | None:
        """Generate the chosen samples into ``_samples``; a reason if they do not fit."""
        name = self.dataset_combo.currentText()
        generated = name not in (NO_DATA, *GATES)
        for spin in (self.count_spin, self.noise_spin, self.data_seed_spin):
            spin.setEnabled(generated)
        self.hold_out_spin.setEnabled(name != NO_DATA)
        self.held_info.setText("")
        self._samples = []
        if name == NO_DATA:
            self.data_info.setText("No samples yet; add them in the sample table.")
            return None
        try:
            inputs, targets = GENERATORS[name](self.count_spin.value(),
                                               self.noise_spin.value(),
                                               self.data_seed_spin.value())
        except BpguiError as exc:
            self.data_info.setText("")
            return str(exc)
        n_in, n_out = inputs.shape[1], targets.shape[1]
        tests = held_out_count(len(inputs), self.hold_out_spin.value())
        self.held_info.setText(f"= {_count(tests, 'test sample')}")
        self.data_info.setText(f"{_count(len(inputs), 'sample')}, {_count(n_in, 'input')} → "
                               f"{_count(n_out, 'target')} each")
        if self._sizes and (self._sizes[0], self._sizes[-1]) != (n_in, n_out):
            return (f"{name} has {_count(n_in, 'input')} and {_count(n_out, 'target')} per "
                    f"sample, but these sizes give {_count(self._sizes[0], 'input')} and "
                    f"{_count(self._sizes[-1], 'output')}: try "
                    f"{'-'.join(map(str, [n_in, *self._sizes[1:-1], n_out]))}.")
        self._samples = hold_out(to_samples(inputs, targets), self.hold_out_spin.value(),
                                 self.data_seed_spin.value())
        return None

    def _show_problem(self, problem: str | None) -> None:
        if problem:
            problem = problem[0].upper() + problem[1:]
        self.error_label.setText(f"⚠ {problem}" if problem else "")
        self.error_label.setVisible(bool(problem))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    # ------------------------------------------------------------ activations
    def _sync_activations(self) -> None:
        """One combo per non-input layer; a choice outlives typing its layer away and back."""
        wanted = len(self._sizes) - 1
        if wanted != len(self.activation_combos):
            while self.activation_form.rowCount():
                self.activation_form.removeRow(0)
            self.activation_combos = []
            for i in range(1, wanted + 1):
                key = "output" if i == wanted else f"hidden{i}"
                default = OUTPUT_DEFAULT if i == wanted else HIDDEN_DEFAULT
                combo = self._combo(f"activationCombo{i}", ACTIVATIONS,
                                    self._choices.get(key, default), "")
                combo.currentTextChanged.connect(partial(self._choices.__setitem__, key))
                self.activation_combos.append(combo)
                self.activation_form.addRow(QLabel(), combo)
        for i, combo in enumerate(self.activation_combos, start=1):
            what = "Output layer" if i == wanted else f"Hidden layer {i}"
            label = self.activation_form.labelForField(combo)
            assert isinstance(label, QLabel)  # added with its QLabel() in the loop above
            label.setText(f"{what} ({_count(self._sizes[i], 'neuron')}):")
            combo.setToolTip(f"Activation of every neuron in the {what.lower()}")
        self._align_labels()

    def _align_labels(self) -> None:
        """Give every form's label column one width so the fields line up across groups."""
        labels: list[QWidget] = []
        for form in self.findChildren(QFormLayout):
            for row in range(form.rowCount()):
                item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
                if item is not None and (label := item.widget()) is not None:
                    labels.append(label)
        width = max(label.sizeHint().width() for label in labels)
        for label in labels:
            label.setMinimumWidth(width)

    # ---------------------------------------------------------------- helpers
    @staticmethod
    def _combo(name: str, items: tuple[str, ...], current: str, tip: str) -> QComboBox:
        combo = named(QComboBox(), name, tip)
        combo.addItems(list(items))
        combo.setCurrentText(current)
        return combo

    @staticmethod
    def _spin(name: str, low: int, high: int, value: int, tip: str) -> QSpinBox:
        spin = named(QSpinBox(), name, tip)
        spin.setRange(low, high)
        spin.setValue(value)
        return spin

    @staticmethod
    def _group(title: str, rows: list[tuple[str, QWidget]]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        for label, widget in rows:
            form.addRow(label, widget)
        return box


def _count(n: int, word: str) -> str:
    """``_count(1, "input")`` → "1 input", ``_count(3, "input")`` → "3 inputs"."""
    return f"{n} {word}{'s' * (n != 1)}"
