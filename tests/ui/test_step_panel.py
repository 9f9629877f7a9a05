"""The step dock on its own: the current step in large type, the list of steps, digits."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel, QListView, QSpinBox, QTextBrowser

from bpgui.engine.lazy_records import LazyRecords
from bpgui.engine.records import GRANULARITIES
from bpgui.engine.stepper import all_steps
from bpgui.engine.trace import trace_document
from bpgui.engine.update_step import update_record
from bpgui.network import fileformat
from bpgui.ui.base.math_text import HAT_FONTS
from bpgui.ui.document.commands import SetEdge, SetSamples
from bpgui.ui.document.document import Document
from bpgui.ui.stepping.session import StepSession
from bpgui.ui.stepping.step_panel import HINT, ROW_CHARS, StepPanelDock
from tests.ui.qt_helpers import child


@pytest.fixture
def dock(qtbot, session: StepSession) -> StepPanelDock:
    panel = StepPanelDock(session)
    qtbot.addWidget(panel)
    panel.resize(520, 700)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def step_list(dock: StepPanelDock) -> QListView:
    return child(dock, QListView, "stepList")


def current_text(dock: StepPanelDock) -> str:
    """The markup the step view shows (its own text must say the same, without tags)."""
    view = child(dock, QTextBrowser, "currentStep")
    words = html.unescape(re.sub(r"<[^>]+>", " ", dock.current_html)).split()
    assert " ".join(view.toPlainText().split()) == " ".join(words)
    return dock.current_html.replace("\xa0", " ")    # a short bracket's spaces do not wrap


def row_texts(dock: StepPanelDock) -> list[str]:
    model = step_list(dock).model()
    return [model.data(model.index(row, 0)) for row in range(model.rowCount())]


def click_row(qtbot, dock: StepPanelDock, row: int) -> None:
    view = step_list(dock)
    index = view.model().index(row, 0)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualRect(index).center())


def test_dock_identity(dock: StepPanelDock) -> None:
    assert dock.objectName() == "stepPanel" and dock.windowTitle() == "Step"
    for name, kind in (("stepProgress", QLabel), ("currentStep", QTextBrowser),
                       ("stepList", QListView), ("digitsSpin", QSpinBox)):
        assert dock.findChild(kind, name) is not None, name


def one_line(text: str) -> str:
    """A row of the list is one line: a long one is cut at ROW_CHARS (its tooltip has
    it all)."""
    return text if len(text) <= ROW_CHARS else text[:ROW_CHARS] + "…"


def test_one_row_per_record_reading_like_bpgui_trace(dock: StepPanelDock,
                                                     session: StepSession) -> None:
    records, digits = session.records, session.digits
    steps = trace_document(session.document.network, digits=digits)["steps"]
    rows = row_texts(dock)
    model = step_list(dock).model()
    assert len(rows) == len(records) == len(steps) == 17
    for i, (row, record, step) in enumerate(zip(rows, records, steps, strict=True)):
        assert row == one_line(f"{i + 1}. {record.phase}: {record.text(digits)}")
        assert model.data(model.index(i, 0), Qt.ItemDataRole.ToolTipRole).startswith(
            record.text(digits))
        assert record.text(digits) == step["text"]
    assert any(row.endswith("…") for row in rows) and any(not r.endswith("…") for r in rows)


def test_the_tooltip_gives_full_precision(dock: StepPanelDock, session: StepSession) -> None:
    model = step_list(dock).model()
    for row, record in enumerate(session.records):
        tip = model.data(model.index(row, 0), Qt.ItemDataRole.ToolTipRole)
        for _, value in record.values:
            assert repr(value) in tip


def test_before_the_first_step_a_hint(dock: StepPanelDock, session: StepSession) -> None:
    assert session.position == 0
    assert HINT in current_text(dock)
    assert child(dock, QLabel, "stepProgress").text() == "step 0 of 17"
    assert not step_list(dock).selectionModel().hasSelection()


def test_step_8_in_symbols_then_numbers_then_result(dock: StepPanelDock,
                                                    session: StepSession) -> None:
    session.jump(8)
    text = current_text(dock)
    assert "δ_h1 = (1 − a_h1²)·(w7·δ_y)" in text
    assert "= (1 − (−0.96403)²)·(3·(−0.118))" in text     # a guard digit where 1 − a² cancels
    assert "<b>= −0.025</b>" in text                       # the result, in bold
    assert text.index("δ_h1 =") < text.index("(1 − (−0.96403)²)") < text.index("−0.025")
    assert "Reuses the cached δ of y" in text
    assert child(dock, QLabel, "stepProgress").text().startswith("backward 3 / 6")


def test_the_lines_read_the_same_as_the_trace_text(session: StepSession) -> None:
    for granularity in GRANULARITIES:
        session.set_granularity(granularity)
        for digits in (2, 4, 10):
            for record in session.records:
                for eq in record.equations:
                    assert " ".join(eq.lines(digits)) == eq.text(digits)


def test_the_list_follows_the_cursor(dock: StepPanelDock, session: StepSession) -> None:
    view = step_list(dock)
    model = view.model()
    session.jump(8)
    assert view.currentIndex().row() == 7
    assert [i.row() for i in view.selectionModel().selectedIndexes()] == [7]
    taken = model.data(model.index(6, 0), Qt.ItemDataRole.ForegroundRole).color()
    future = model.data(model.index(8, 0), Qt.ItemDataRole.ForegroundRole).color()
    assert taken != future                                  # the future is greyed
    session.jump(0)
    assert not view.selectionModel().hasSelection()


def test_cursor_moves_do_not_rebuild_the_list(qtbot, dock: StepPanelDock,
                                              session: StepSession) -> None:
    model = step_list(dock).model()
    with qtbot.assertNotEmitted(model.modelReset):
        session.step()
        session.jump(12)
        session.back()
    with qtbot.waitSignal(model.modelReset):
        session.set_digits(6)


def test_clicking_a_step_jumps_there_and_back(qtbot, dock: StepPanelDock,
                                              session: StepSession) -> None:
    click_row(qtbot, dock, 3)
    assert session.current is not None
    assert session.position == 4 and session.current.phase == "forward"
    click_row(qtbot, dock, 13)
    assert session.current is not None
    assert session.position == 14 and session.current.phase == "gradient"
    click_row(qtbot, dock, 0)
    assert session.position == 1                            # and back again
    assert step_list(dock).currentIndex().row() == 0


def test_selecting_programmatically_does_not_jump(dock: StepPanelDock,
                                                  session: StepSession) -> None:
    jumps: list[int] = []
    session.changed.connect(lambda: jumps.append(session.position))
    session.jump(5)
    assert jumps == [5]                                     # no echo from the selection


def test_activating_a_row_jumps(dock: StepPanelDock, session: StepSession) -> None:
    view = step_list(dock)
    view.activated.emit(view.model().index(9, 0))
    assert session.position == 10
    view.activated.emit(view.model().index(2, 0))
    assert session.position == 3


def test_digits_re_render_everything(dock: StepPanelDock, session: StepSession) -> None:
    session.jump(8)
    spin = child(dock, QSpinBox, "digitsSpin")
    assert spin.value() == session.digits and (spin.minimum(), spin.maximum()) == (2, 10)
    assert "full precision" in spin.toolTip()
    spin.setValue(6)
    assert session.digits == 6
    assert "−0.9640276" in current_text(dock) and "<b>= −0.0250013</b>" in current_text(dock)
    assert row_texts(dock)[7] == one_line(f"8. backward: {session.records[7].text(6)}")
    assert "−0.9640276" in row_texts(dock)[7]
    session.set_digits(3)                                   # and the other way round
    assert spin.value() == 3 and "−0.964028" not in current_text(dock)


def test_a_model_edit_updates_the_texts(dock: StepPanelDock, session: StepSession) -> None:
    session.jump(8)
    assert session.document.execute(SetEdge(session.document, "w7", weight=2.0)) is None
    session.flush()
    assert session.position == 8
    text = current_text(dock)
    assert "(2·(−0.118))" not in text                       # δ_y moved with the weight
    assert session.current is not None
    assert session.current.equations[0].numbers(session.digits) in text
    assert "(2·(" in text
    rows = row_texts(dock)
    assert rows == [one_line(f"{i + 1}. {r.phase}: {r.text(session.digits)}")
                    for i, r in enumerate(session.records)]
    assert "w7·a_h1" in rows[3] and "2·(−0.964)" in rows[3]


def test_without_samples_the_reason_is_shown(dock: StepPanelDock, session: StepSession) -> None:
    session.document.execute(SetSamples(session.document, []))
    session.flush()
    assert not session.available
    assert "no samples" in current_text(dock)
    assert step_list(dock).model().rowCount() == 0


@pytest.fixture
def moons_layers(qtbot) -> Iterator[tuple[Document, StepSession, StepPanelDock]]:
    """The moons sample stepped by layers, its panel shown at 520×700."""
    stem = Path(__file__).resolve().parents[2] / "sample_networks" / "moons_2-8-8-1.bpnet.json"
    document = Document(fileformat.load(stem))
    session = StepSession(document)
    session.set_granularity("layer")
    panel = StepPanelDock(session)
    qtbot.addWidget(panel)
    panel.resize(520, 700)
    panel.show()
    qtbot.waitExposed(panel)
    yield document, session, panel
    document.undo_stack.clear()


def test_a_long_layer_step_scrolls_and_the_list_stays(qtbot, moons_layers) -> None:
    _, session, panel = moons_layers
    session.jump(11)                                        # ∂L/∂A₂: an 8×8 matrix
    view = panel.findChild(QTextBrowser, "currentStep")
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 0)   # longer than fits
    assert view.document().size().height() > 400 > view.viewport().height()
    assert step_list(panel).height() >= 120                 # still a usable list


def test_a_new_step_starts_at_its_top(qtbot, moons_layers) -> None:
    _, session, panel = moons_layers
    session.jump(11)
    bar = panel.findChild(QTextBrowser, "currentStep").verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)              # laid out: longer than fits
    bar.setValue(bar.maximum())
    session.set_digits(6)                                   # the same step: stays put
    qtbot.wait(10)
    assert bar.value() > 0
    session.step()
    assert bar.value() == 0


def test_adams_hats_are_set_in_a_face_that_places_them(dock: StepPanelDock) -> None:
    """m̂ and v̂ (a letter and U+0302) each sit in a serif span: the default sans face
    draws the hat detached, elsewhere on the line; a short bracket does not wrap inside."""
    network = fileformat.load(Path(__file__).parents[2] / "sample_networks"
                              / "xor_2-2-1.bpnet.json")
    network.training.optimizer = "adam"
    record = update_record(network)
    dock.show_record(record, "Single update")
    shown = dock.current_html
    assert shown.count("\u0302") == shown.count(f"font-family: {HAT_FONTS}\">m\u0302") + \
        shown.count(f"font-family: {HAT_FONTS}\">v\u0302")
    assert shown.count(f"{HAT_FONTS}\">m\u0302</span>_w_x1_h1") == 2     # its line and w's
    assert "(1\xa0−\xa0β₁)" in shown and "(1 − β₁)" not in shown
    view = child(dock, QTextBrowser, "currentStep")
    assert "m̂_w_x1_h1 = m_w_x1_h1/(1 − β₁ᵗ)" in view.toPlainText().replace("\xa0", " ")


def test_a_layer_step_row_stops_at_its_matrix_symbols(qtbot) -> None:
    """A dense layer's matrices have more numbers than a row shows: its row ends at the
    symbols (a prefix of the trace's text), the current step writes them all."""
    from bpgui.network.builders import LayeredSpec, layered_network
    from bpgui.network.model import Sample

    network = layered_network(LayeredSpec([3, 8, 1], ["tanh", "sigmoid"],
                                          samples=[Sample([0.5, -0.2, 0.1], [1.0])], seed=3))
    session = StepSession(Document(network))
    session.set_granularity("layer")
    panel = StepPanelDock(session)
    qtbot.addWidget(panel)
    panel.show()
    steps = trace_document(network, granularity="layer", digits=session.digits)["steps"]
    rows = row_texts(panel)
    assert len(rows) == len(steps)
    # level 1 reads 3 inputs through an 8×3 matrix: 24 weights, 3 inputs, 8 biases
    assert rows[1] == "2. forward: z₁ = A₁·f₀ + b₁…"
    for k, (row, step) in enumerate(zip(rows, steps, strict=True)):
        full = f"{k + 1}. {step['phase']}: {step['text']}"
        assert row == full or (row.endswith("…") and full.startswith(row[:-1]))
    session.jump(2)
    assert session.current is not None
    assert session.current.equations[0].numbers(session.digits) in panel.current_html


def test_an_edit_mid_pass_writes_the_rows_on_screen_and_generates_no_further(qtbot) -> None:
    """moons 2-8-8-1 by nodes: 18 forward steps, the loss, 19 backward, 17 gradient and 17
    update steps (72). After an edit at step 30 the pass is generated up to the last row
    the list shows, and those rows, the rest when read, are a fresh pass's."""
    stem = Path(__file__).resolve().parents[2] / "sample_networks" / "moons_2-8-8-1.bpnet.json"
    document = Document(fileformat.load(stem))
    session = StepSession(document)
    panel = StepPanelDock(session)
    qtbot.addWidget(panel)
    panel.resize(520, 700)
    panel.show()
    qtbot.waitExposed(panel)
    view = step_list(panel)
    session.jump(30)
    size = view.sizeHintForIndex(view.model().index(0, 0))
    edge = document.network.edges[20].id
    assert document.execute(SetEdge(document, edge, weight=-1.5)) is None
    qtbot.wait(20)                                          # the list repaints
    records = session.records
    shown = view.indexAt(QPoint(5, view.viewport().height() - 2)).row()
    assert len(records) == 72 and 30 <= shown < 71
    assert isinstance(records, LazyRecords) and records.generated == shown + 1
    assert view.sizeHintForIndex(view.model().index(0, 0)) == size
    fresh = all_steps(document.network)
    assert row_texts(panel) == [one_line(f"{i + 1}. {r.phase}: {r.text(session.digits)}")
                                for i, r in enumerate(fresh)]
    document.undo_stack.clear()


def test_a_scrub_leaves_the_step_rows_until_it_pauses(qtbot, window) -> None:
    """Ctrl+wheel notches on w5 redraw the current step at every notch, but the list's
    one-line rows keep what they said until the scrub pauses; then every row says what
    the pass says with the weight as it ends (the same text a fresh list writes)."""
    from bpgui.ui.stepping.step_panel import row_text

    session, panel = window.stepping.session, window.stepping.step_panel
    session.jump(len(session.records))                 # the whole pass on the list
    model = panel.model

    def rows() -> list[str]:
        return [model.data(model.index(row)) for row in range(model.rowCount())]

    before, page = rows(), panel.current_html
    start = window.document.network.edge("w5").weight
    for _ in range(4):
        window.nudge_weight("w5", 1)
        assert panel.current_html != page                # the current step follows
        page = panel.current_html
        assert rows() == before                         # the rows wait
    assert window.document.network.edge("w5").weight == \
        pytest.approx(start + 4 * window.nudge_step.value())
    fresh = [row_text(row, record, session.digits)
             for row, record in enumerate(all_steps(window.document.network, session.sample))]
    assert fresh != before
    qtbot.waitUntil(lambda: rows() == fresh, timeout=2000)
    window.document.execute(SetEdge(window.document, "w5", weight=start))
    assert rows() == before                             # any other edit: at once
