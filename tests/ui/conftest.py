"""Fixtures for the Qt tests: documents wrapping fresh networks, and a change recorder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bpgui.network.changes import Change
from bpgui.network.model import Edge, Network, Neuron, Sample
from bpgui.ui.document.document import Document


@pytest.fixture
def document(seed000: Network) -> Iterator[Document]:
    """Seed 000: inputs x1 x2 x3 (x₁ x₂ x₃), hidden h1 h2, output y (ŷ), edges w1…w8."""
    doc = Document(seed000)
    yield doc
    doc.undo_stack.clear()  # now, not while the Document is half destroyed at exit


@pytest.fixture
def two_in_one_out() -> Iterator[Document]:
    """A 2-2-1 network with the four XOR samples."""
    neurons = [Neuron("a", "input"), Neuron("b", "input"), Neuron("h", "hidden"),
               Neuron("out", "output", label="ŷ")]
    edges = [Edge("w1", "a", "h", 0.5), Edge("w2", "b", "h", -0.5), Edge("w3", "h", "out", 1.0)]
    samples = [Sample([0.0, 0.0], [0.0]), Sample([0.0, 1.0], [1.0]),
               Sample([1.0, 0.0], [1.0]), Sample([1.0, 1.0], [0.0])]
    doc = Document(Network(neurons, edges, samples=samples, name="xor"))
    yield doc
    doc.undo_stack.clear()


@pytest.fixture
def session(document: Document):
    """The step session of the seed 000 document (as the window's panels use it)."""
    from bpgui.ui.stepping.session import StepSession

    s = StepSession(document)
    yield s
    s.pause()


@pytest.fixture
def changes(document: Document) -> list[Change]:
    """Every model Change the document reports from now on."""
    seen: list[Change] = []
    document.changed.connect(seen.append)
    return seen



@pytest.fixture
def settings(tmp_path):
    """A QSettings file of the test's own, so no test touches the user's settings."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, document, settings, monkeypatch):
    """The main window on seed 000, shown at 1400×900, with modal prompts refused loudly."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication, QMessageBox

    from bpgui.ui.shell.main_window import MainWindow

    def no_dialog(*args, **kwargs):
        raise AssertionError(f"an unexpected modal dialog opened: {args[1:3]}")

    for name in ("question", "warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, no_dialog)
    win = MainWindow(document, settings)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    win.view.fit()
    yield win
    document.undo_stack.setClean()   # closing must not prompt
    win.close()
    win.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
