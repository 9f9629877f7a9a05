"""The Dataset dock's "Generate a toy dataset" box: which generator, count, noise, seed,
the share held out as test samples, and the Generate button.

It owns those widgets and turns their values into samples that fit a network, or a
message saying why they cannot. It changes nothing itself: the dock applies the
samples as one undoable command.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from bpgui.network.datasets import GENERATORS, MAX_HOLD_OUT, hold_out, to_samples
from bpgui.network.errors import BpguiError
from bpgui.network.model import Sample
from bpgui.network.parsing import plural
from bpgui.ui.base.widgets import named

REPLACES = " The rows REPLACE all current samples (one Ctrl+Z brings them back)."


class GeneratorBox(QGroupBox):
    """Generator combo (generatorCombo), count, noise, seed and hold-out spins, Generate
    button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Generate a toy dataset", parent)
        self.combo = named(QComboBox(), "generatorCombo", "Which toy dataset to make. All have "
                           "2 inputs; the logic gates are always their 4 corners.")
        self.combo.addItems(list(GENERATORS))
        self.count = named(QSpinBox(), "generatorCount", "How many samples to make (not used "
                           "by AND, OR, XOR).")
        self.count.setRange(4, 2000)
        self.count.setValue(100)
        self.noise = named(QDoubleSpinBox(), "generatorNoise", "Standard deviation of the "
                           "Gaussian noise added to each input (not used by AND, OR, XOR).")
        self.noise.setRange(0.0, 1.0)
        self.noise.setSingleStep(0.05)
        self.noise.setValue(0.1)
        self.seed = named(QSpinBox(), "generatorSeed", "Seed of the random generator: the same "
                          "seed makes the same samples.")
        self.seed.setRange(0, 2**31 - 1)
        self.hold_out = named(QSpinBox(), "generatorHoldOut", "Mark this share of the "
                              "generated samples as test samples, chosen at random from the "
                              "seed: training never uses them, the loss plot shows their "
                              "loss as a second curve.")
        self.hold_out.setRange(0, MAX_HOLD_OUT)
        self.hold_out.setSuffix(" %")
        self.button = named(QPushButton("Generate"), "generateButton", "Replace the samples "
                            "with freshly generated ones." + REPLACES)
        grid = QGridLayout(self)
        grid.addWidget(self.combo, 0, 0, 1, 4)
        grid.addWidget(self.button, 0, 4, 1, 2)
        for column, (text, spin) in enumerate((("Count", self.count), ("Noise", self.noise),
                                               ("Seed", self.seed))):
            label = QLabel(text)
            label.setBuddy(spin)
            label.setToolTip(spin.toolTip())
            grid.addWidget(label, 1, 2 * column, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(spin, 1, 2 * column + 1)
        label = QLabel("Hold out as test")
        label.setBuddy(self.hold_out)
        label.setToolTip(self.hold_out.toolTip())
        grid.addWidget(label, 2, 0, 1, 3, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.hold_out, 2, 3)

    def make(self, n_inputs: int, n_outputs: int) -> tuple[list[Sample], str]:
        """Samples from the chosen generator and what to report, or BpguiError if the
        generated data does not fit ``n_inputs`` inputs and ``n_outputs`` outputs."""
        name = self.combo.currentText()
        noise, seed = self.noise.value(), self.seed.value()
        try:
            inputs, targets = GENERATORS[name](self.count.value(), noise, seed)
        except BpguiError as exc:
            raise BpguiError(f"{name}: {exc}") from None
        made = (inputs.shape[1], targets.shape[1])
        if made != (n_inputs, n_outputs):
            raise BpguiError(
                f"{name} makes {plural(made[0], 'input')} and {plural(made[1], 'target')}; "
                f"this network has {plural(n_inputs, 'input')} and "
                f"{plural(n_outputs, 'output')}")
        samples = hold_out(to_samples(inputs, targets), self.hold_out.value(), seed)
        tests = sum(s.is_test for s in samples)
        held = f", {tests} held out as test samples" if tests else ""
        return samples, (f"Generated {plural(len(samples), 'sample')} of {name} "
                         f"(noise {noise:g}, seed {seed}{held}).")
