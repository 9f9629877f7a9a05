"""Long work off the GUI thread: a long loss history exported to CSV, a large file read
and a large network drawn, with the event loop turning meanwhile and nothing the user
had lost on error, cancel or close."""

from __future__ import annotations

import gc
import json
import math
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog
from pytestqt.qtbot import QtBot

from bpgui.engine.history import CSV_PIECE_ROWS, History
from bpgui.engine.stepthrough import StepThrough
from bpgui.network import fileformat
from bpgui.network.builders import LayeredSpec, layered_network
from bpgui.network.model import Network, Sample
from bpgui.ui.base.background import JOB_SWITCH_S, BackgroundJob
from bpgui.ui.base.gc_pauses import collector_paused
from bpgui.ui.canvas import scene_build
from bpgui.ui.document.commands import SetEdge
from bpgui.ui.editing.layered_dialog import INLINE_EDGES, LayeredNetworkDialog
from bpgui.ui.shell import files
from bpgui.ui.stepping import session as session_module
from bpgui.ui.training.loss_export import BUSY, csv_export, csv_in_slices
from bpgui.ui.training.loss_plot import LossPlotDock

pytestmark = pytest.mark.gui

ROWS = 1_000_000


class Ticks:
    """A 1 ms timer counting the turns of the event loop while ``busy()`` holds."""

    def __init__(self, busy) -> None:
        self.count = 0
        self.timer = QTimer()
        self.timer.setInterval(1)
        self.timer.timeout.connect(lambda: setattr(self, "count", self.count + busy()))
        self.timer.start()


def long_history(tests: bool = False) -> History:
    rng = np.random.default_rng(17)
    h = History()
    h.extend(rng.random(ROWS + 1), rng.random(ROWS),
             test_losses=np.where(rng.random(ROWS + 1) < 0.5, np.nan, 1.0) if tests else None)
    return h


@pytest.fixture
def dock(qtbot: QtBot) -> LossPlotDock:
    panel = LossPlotDock()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.fixture
def statuses(dock: LossPlotDock) -> list[str]:
    seen: list[str] = []
    dock.status.connect(seen.append)
    return seen


# ------------------------------------------------------------------- CSV export
@pytest.mark.parametrize("size", [0, 1, 2, CSV_PIECE_ROWS - 1, CSV_PIECE_ROWS, CSV_PIECE_ROWS + 1,
                                  3 * CSV_PIECE_ROWS + 7])
@pytest.mark.parametrize("tests", [False, True])
@pytest.mark.parametrize("norms_short", [0, 1, 5])
def test_the_sliced_csv_is_history_csv_byte_for_byte(size: int, tests: bool,
                                                     norms_short: int) -> None:
    rng = np.random.default_rng(size)
    h = History()
    if size:
        h.extend(rng.normal(size=size) * 10.0 ** rng.integers(-300, 300, size),
                 rng.random(max(size - 1 - norms_short, 0)),
                 test_losses=np.where(rng.random(size) < 0.3, np.nan, rng.random(size))
                 if tests else None)
    rows = [0]
    assert csv_in_slices(h, rows=rows) == h.csv()
    assert h.csv() == csv_row_by_row(h)
    assert rows[0] == len(h)


def csv_row_by_row(h: History) -> str:
    """The CSV written one row at a time, as the format says: the independent check of
    the pieces (row t's norm is update t's, none for row 0; empty where a test loss
    is NaN)."""
    norms = h.gradient_norms.tolist()
    tests = h.test_losses.tolist() if h.has_tests else None
    lines = ["iteration,loss,gradient_norm" + (",test_loss" if tests is not None else "")]
    for t, loss in enumerate(h.losses.tolist()):
        cells = [str(t), repr(loss), repr(norms[t - 1]) if 0 < t <= len(norms) else ""]
        if tests is not None:
            cells.append("" if math.isnan(tests[t]) else repr(tests[t]))
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def test_a_stopped_slicing_gives_nothing() -> None:
    import threading

    stop = threading.Event()
    stop.set()
    assert csv_in_slices(long_history(), stop) is None


@pytest.mark.parametrize("tests", [False, True])
def test_a_million_rows_export_in_the_background_byte_for_byte(
        qtbot: QtBot, dock: LossPlotDock, statuses: list[str], tmp_path: Path,
        tests: bool) -> None:
    h = long_history(tests)
    expected = h.csv().encode("utf-8")
    dock.show_history(h)
    path = tmp_path / "loss.csv"
    exporter = csv_export(dock)
    ticks = Ticks(lambda: exporter.running)
    with qtbot.waitSignal(exporter.done, timeout=120_000) as done:
        assert dock.export_csv(str(path)) is True
        assert exporter.running                      # returned before the file is written
        h.extend([0.5], [0.25])                      # training goes on meanwhile
    assert done.args == [True]
    assert ticks.count >= 3                          # the event loop kept turning
    assert path.read_bytes() == expected             # the history as it was at the start
    assert statuses[-1] == f"Saved loss history to {path}."
    assert not exporter.running


def test_a_second_export_is_refused_while_one_runs(
        qtbot: QtBot, dock: LossPlotDock, statuses: list[str], tmp_path: Path) -> None:
    h = long_history()
    dock.show_history(h)
    exporter = csv_export(dock)
    with qtbot.waitSignal(exporter.done, timeout=120_000):
        assert dock.export_csv(str(tmp_path / "a.csv")) is True
        assert dock.export_csv(str(tmp_path / "b.csv")) is False
        assert statuses[-1] == BUSY
    assert (tmp_path / "a.csv").exists() and not (tmp_path / "b.csv").exists()
    assert dock.export_csv(str(tmp_path / "b.csv")) is True    # free again
    qtbot.waitUntil(lambda: not exporter.running, timeout=120_000)


def test_cancelling_the_export_writes_nothing(
        qtbot: QtBot, dock: LossPlotDock, statuses: list[str], tmp_path: Path) -> None:
    dock.show_history(long_history())
    exporter = csv_export(dock)
    path = tmp_path / "loss.csv"
    with qtbot.waitSignal(exporter.done) as done:
        dock.export_csv(str(path))
        progress = dock.findChild(QProgressDialog, "backgroundProgress")
        assert progress is not None
        progress.canceled.emit()                    # what its Cancel button does
    assert done.args == [False]
    assert statuses[-1] == "Loss history export cancelled."
    QApplication.processEvents()
    assert not list(tmp_path.iterdir())


def test_a_failed_background_export_says_why(
        qtbot: QtBot, dock: LossPlotDock, statuses: list[str], tmp_path: Path) -> None:
    dock.show_history(long_history())
    exporter = csv_export(dock)
    path = tmp_path / "nowhere" / "loss.csv"
    with qtbot.waitSignal(exporter.done, timeout=120_000) as done:
        dock.export_csv(str(path))
    assert done.args == [False]
    assert len([s for s in statuses if s.startswith("Loss history not saved:")]) == 1
    assert "Traceback" not in statuses[-1] and str(path) in statuses[-1]


def test_closing_mid_export_is_safe_and_the_file_comes_whole(
        qtbot: QtBot, tmp_path: Path) -> None:
    panel = LossPlotDock()
    panel.show()
    h = long_history()
    expected = h.csv().encode("utf-8")
    panel.show_history(h)
    path = tmp_path / "loss.csv"
    assert panel.export_csv(str(path)) is True
    panel.close()
    panel.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)    # gone mid-export
    qtbot.waitUntil(path.exists, timeout=120_000)   # the worker finishes alone
    assert path.read_bytes() == expected            # renamed into place whole


# ------------------------------------------------------------------ opening
def layered(sizes: list[int], name: str = "big") -> Network:
    net = layered_network(LayeredSpec(sizes, ["tanh"] * (len(sizes) - 1), seed=3))
    net.name = name
    return net


@pytest.fixture
def large(monkeypatch) -> None:
    """Treat every file as large and any network over 20 items as large."""
    monkeypatch.setattr(files, "INLINE_BYTES", 0)
    monkeypatch.setattr(scene_build, "INLINE_ITEMS", 20)


def settled(window) -> bool:
    return not window.files.reading and not window.scene.building


def test_a_large_file_is_read_in_the_background_and_drawn_in_slices(
        qtbot: QtBot, window, tmp_path: Path, large) -> None:
    net = layered([3, 8, 8, 8, 2])
    path = tmp_path / "big.bpnet.json"
    fileformat.save(net, path)
    before = window.document.network
    ticks = Ticks(lambda: not settled(window))
    with qtbot.waitSignal(window.files.opened, timeout=60_000) as opened:
        assert window.files.open(path) is True
        assert window.files.reading and window.document.network is before  # not yet
    assert opened.args == [True]
    assert window.scene.building and not window.view.isEnabled()
    qtbot.waitUntil(lambda: settled(window), timeout=60_000)
    assert ticks.count >= 2
    assert window.view.isEnabled() and window.view.viewport().updatesEnabled()
    assert fileformat.dumps(window.document.network) == fileformat.dumps(net)
    assert set(window.scene.neuron_items) == {n.id for n in net.neurons}
    assert set(window.scene.edge_items) == {e.id for e in net.edges}
    assert window.document.path == path.resolve()
    assert window.files.recent_files()[0] == str(path.resolve())


def steppable(sizes: list[int]) -> Network:
    """A layered network with two samples, so that it has a pass to step through."""
    data = [Sample([0.1 * (k + i) for i in range(sizes[0])], [0.5] * sizes[-1])
            for k in range(2)]
    return layered_network(LayeredSpec(sizes, ["tanh"] * (len(sizes) - 1), samples=data,
                                       seed=3))


class RecordedPasses:
    """Every pass the stepping session builds: the network, its granularity, and
    whether it was built on the GUI thread."""

    def __init__(self, monkeypatch) -> None:
        self.built: list[tuple[Network, str, bool]] = []
        real = StepThrough
        outer = self

        class Recorded(real):  # type: ignore[misc, valid-type]
            def __init__(self, network: Network, sample: int = 0,
                         granularity: str = "node") -> None:
                outer.built.append((network, granularity,
                                    threading.current_thread() is threading.main_thread()))
                super().__init__(network, sample, granularity)

        monkeypatch.setattr(session_module, "StepThrough", Recorded)


@pytest.mark.parametrize("granularity", ["node", "layer"])
def test_a_large_file_s_first_pass_is_built_in_the_worker_that_reads_it(
        qtbot: QtBot, window, tmp_path: Path, large, monkeypatch, granularity: str) -> None:
    """Reading a large file also builds its pass there, at the session's granularity: the
    GUI thread builds none, and the session steps through the same records as a pass
    built afresh from the opened network."""
    path = tmp_path / "big.bpnet.json"
    fileformat.save(steppable([3, 8, 8, 2]), path)
    session = window.stepping.session
    session.set_granularity(granularity)
    passes = RecordedPasses(monkeypatch)
    with qtbot.waitSignal(window.files.opened, timeout=60_000) as opened:
        window.files.open(path)
    assert opened.args == [True]
    qtbot.waitUntil(lambda: settled(window), timeout=60_000)
    opened_net = window.document.network
    assert [(net is opened_net, g, on_gui) for net, g, on_gui in passes.built] == \
        [(True, granularity, False)]
    fresh = StepThrough(opened_net, 0, granularity)
    assert session.walk is not None and session.walk.network is opened_net
    assert list(session.records) == list(fresh.records)
    assert session.step() and session.state() == fresh.state(1)


def test_a_large_file_is_read_with_the_collector_paused(
        qtbot: QtBot, window, tmp_path: Path, large, monkeypatch) -> None:
    """The worker reads and builds the first pass with no automatic collection (its
    full passes held the GUI thread); the collector is back on once the read is done."""
    path = tmp_path / "big.bpnet.json"
    fileformat.save(steppable([3, 8, 8, 2]), path)
    seen: list[tuple[bool, bool]] = []
    real = files.read_network

    def read(p: Path) -> Network:
        seen.append((threading.current_thread() is threading.main_thread(), gc.isenabled()))
        return real(p)

    monkeypatch.setattr(files, "read_network", read)
    assert gc.isenabled()
    with qtbot.waitSignal(window.files.opened, timeout=60_000) as opened:
        window.files.open(path)
    assert opened.args == [True] and seen == [(False, False)]
    qtbot.waitUntil(lambda: settled(window), timeout=60_000)
    assert gc.isenabled()


def test_the_paused_collector_nests_across_threads_and_keeps_an_off_switch() -> None:
    """Two works overlapping (one in a thread) keep the collector off until the last
    ends; a collector that was already off stays off."""
    assert gc.isenabled()
    inner_started, release = threading.Event(), threading.Event()

    def inner() -> None:
        with collector_paused():
            inner_started.set()
            release.wait(10)

    with collector_paused():
        thread = threading.Thread(target=inner)
        thread.start()
        inner_started.wait(10)
        assert not gc.isenabled()
    assert not gc.isenabled()           # the thread's work still runs
    release.set()
    thread.join(10)
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_pass_built_ahead_for_another_granularity_is_not_used(
        qtbot: QtBot, window, monkeypatch) -> None:
    """The pass handed over was built at node granularity; the user chose layer before
    the network replaced the document: the session builds the layer pass itself."""
    session = window.stepping.session
    net = steppable([2, 3, 1])
    hand_over = session.prepare(net)
    session.set_granularity("layer")
    hand_over()
    passes = RecordedPasses(monkeypatch)
    window.document.replace(net, None)
    assert [(n is net, g, on_gui) for n, g, on_gui in passes.built] == [(True, "layer", True)]
    assert session.walk is not None and session.walk.granularity == "layer"


def test_while_a_job_runs_the_gui_thread_waits_less_for_the_gil(qtbot: QtBot) -> None:
    """The worker's Python yields the GIL every JOB_SWITCH_S while a job runs; the
    interval found before is put back after."""
    before = sys.getswitchinterval()
    parent = QObject()
    job = BackgroundJob(parent, sys.getswitchinterval)
    with qtbot.waitSignal(job.succeeded, timeout=10_000) as done:
        pass
    assert done.args == [pytest.approx(JOB_SWITCH_S)]
    qtbot.waitUntil(lambda: sys.getswitchinterval() == before, timeout=10_000)


def test_a_second_open_is_refused_while_a_file_is_read(
        qtbot: QtBot, window, tmp_path: Path, large) -> None:
    path = tmp_path / "big.bpnet.json"
    fileformat.save(layered([3, 8, 2]), path)
    with qtbot.waitSignal(window.files.opened, timeout=60_000):
        assert window.files.open(path) is True
        assert window.files.open(path) is False
        assert "Still reading" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: settled(window), timeout=60_000)


def test_a_broken_large_file_gives_one_message_and_keeps_the_network(
        qtbot: QtBot, window, tmp_path: Path, large, monkeypatch) -> None:
    doc = fileformat.network_to_dict(layered([3, 8, 2]))
    doc["edges"][5]["weight"] = "NaN"
    path = tmp_path / "broken.bpnet.json"
    path.write_text(json.dumps(doc), "utf-8")
    shown: list[str] = []
    monkeypatch.setattr(window.files, "show_error", lambda title, message: shown.append(message))
    before = fileformat.dumps(window.document.network)
    with qtbot.waitSignal(window.files.opened, timeout=60_000) as opened:
        window.files.open(path)
    assert opened.args == [False]
    assert len(shown) == 1 and "edges[5].weight" in shown[0] and "Traceback" not in shown[0]
    assert fileformat.dumps(window.document.network) == before
    assert "Not opened" in window.statusBar().currentMessage()
    assert settled(window) and window.view.isEnabled()


def test_an_edit_while_reading_is_asked_about_again(
        qtbot: QtBot, window, tmp_path: Path, large, monkeypatch) -> None:
    path = tmp_path / "big.bpnet.json"
    fileformat.save(layered([3, 8, 2]), path)
    asked: list[str] = []

    def cancel() -> QMessageBox.StandardButton:
        asked.append(window.document.display_name)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(window.files, "ask_discard", cancel)
    with qtbot.waitSignal(window.files.opened, timeout=60_000) as opened:
        window.files.open(path)                     # clean: no question yet
        assert not asked
        window.document.execute(SetEdge(window.document, "w1", weight=9.0))
    assert opened.args == [False] and len(asked) == 1
    assert window.document.network.edge("w1").weight == 9.0       # kept, not replaced


def test_an_edit_mid_build_finishes_the_drawing_first(
        qtbot: QtBot, window, large) -> None:
    net = layered([3, 8, 8, 2])
    window.document.replace(net, None)
    assert window.scene.building
    window.document.execute(SetEdge(window.document, net.edges[-1].id, weight=4.0))
    assert not window.scene.building and window.view.isEnabled()
    assert set(window.scene.edge_items) == {e.id for e in net.edges}
    assert window.scene.edge_items[net.edges[-1].id].weight == 4.0


def test_a_new_network_mid_build_replaces_the_drawing(qtbot: QtBot, window, large) -> None:
    window.document.replace(layered([3, 8, 8, 2], "first"), None)
    assert window.scene.building
    second = layered([2, 6, 6, 1], "second")
    window.document.replace(second, None)
    qtbot.waitUntil(lambda: settled(window), timeout=60_000)
    assert set(window.scene.neuron_items) == {n.id for n in second.neurons}
    assert set(window.scene.edge_items) == {e.id for e in second.edges}
    assert window.view.isEnabled() and window.view.viewport().updatesEnabled()


# ------------------------------------------------------------ layered dialog
def test_a_large_layered_network_is_built_in_the_background(qtbot: QtBot) -> None:
    dialog = LayeredNetworkDialog()
    qtbot.addWidget(dialog)
    dialog.sizes_edit.setText("3-60-60-60-2")
    edges = 3 * 60 + 2 * 60 * 60 + 60 * 2
    assert edges > INLINE_EDGES
    with qtbot.waitSignal(dialog.accepted, timeout=60_000):
        dialog.accept()
        assert dialog._building is not None                 # not built on the GUI thread
    net = dialog.network()
    assert len(net.neurons) == 185 and len(net.edges) == edges


def test_cancelling_the_dialog_mid_build_builds_nothing(qtbot: QtBot) -> None:
    dialog = LayeredNetworkDialog()
    qtbot.addWidget(dialog)
    dialog.sizes_edit.setText("3-60-60-60-2")
    accepted: list[bool] = []
    dialog.accepted.connect(lambda: accepted.append(True))
    with qtbot.waitSignal(dialog.rejected):
        dialog.accept()
        dialog.reject()
    QApplication.processEvents()
    assert dialog._building is None and not accepted
    with pytest.raises(RuntimeError):
        dialog.network()
