"""The path dock on its own: every path from the loss, its colour, the sum and the cost."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTextBrowser

from bpgui.engine.paths import path_report, whole_gradient_cost
from bpgui.network.builders import LayeredSpec, layered_network
from bpgui.network.model import Sample
from bpgui.ui.document.commands import DeleteItems, SetEdge
from bpgui.ui.document.document import Document
from bpgui.ui.stepping import path_panel
from bpgui.ui.stepping.path_panel import PATH_COLOURS, PLACEHOLDER, PathPanelDock
from bpgui.ui.stepping.session import StepSession
from tests.ui.qt_helpers import child

Route = tuple[tuple[str, ...], tuple[str, ...], QColor]


@pytest.fixture
def dock(qtbot, session: StepSession) -> PathPanelDock:
    panel = PathPanelDock(session)
    qtbot.addWidget(panel)
    panel.resize(520, 700)
    return panel


@pytest.fixture
def emitted(dock: PathPanelDock) -> list[list[Route]]:
    seen: list[list[Route]] = []
    dock.paths_changed.connect(seen.append)
    return seen


def shown(dock: PathPanelDock) -> str:
    return child(dock, QTextBrowser, "pathText").toPlainText()


def test_dock_identity_and_placeholder(dock: PathPanelDock) -> None:
    assert dock.objectName() == "pathPanel" and dock.windowTitle() == "Paths from the loss"
    assert dock.report is None
    assert shown(dock) == PLACEHOLDER


def test_path_colours_are_okabe_ito_with_yellow_last() -> None:
    names = [c.name().upper() for c in PATH_COLOURS]
    assert names == ["#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7",
                     "#F0E442"]


def test_w5_has_one_path_the_seeds_product(dock: PathPanelDock,
                                           emitted: list[list[Route]]) -> None:
    dock.set_target("w5")
    text = shown(dock)
    assert text.startswith("∂L/∂w5 = −0.025")
    assert "1 path" in text and "1 paths" not in text
    assert "L → y → h1 → w5" in text
    assert "(ŷ − y)·a_y(1 − a_y)·w7·(1 − a_h1²)·x3" in text
    assert "(0.5268 − 1)·0.5268(1 − 0.5268)·3·(1 − (−0.96403)²)·1" in text   # a guard digit
    assert "Σ over paths: ∂L/∂w5 = path 1 = −0.025" in text
    report = dock.report
    assert report is not None and report.target == "w5" and report.path_count == 1
    assert emitted == [[(("y", "h1"), ("w7", "w5"), PATH_COLOURS[0])]]


def test_x3_has_two_paths_summing_to_the_gradient(dock: PathPanelDock,
                                                  emitted: list[list[Route]]) -> None:
    dock.set_target("x3", "neuron")
    report = dock.report
    assert report is not None and report.path_count == len(report.paths) == 2
    assert report.total == pytest.approx(report.gradient, rel=1e-12)
    text = shown(dock)
    assert text.startswith("∂L/∂x3 = 0.02468") and "2 paths" in text
    assert "L → y → h1 → x3" in text and "L → y → h2 → x3" in text
    assert [colour for _, _, colour in emitted[-1]] == PATH_COLOURS[:2]
    assert [(nodes, edges) for nodes, edges, _ in emitted[-1]] == [
        (p.nodes, p.edges) for p in report.paths]


def test_headings_for_a_hidden_neuron_and_a_bias(dock: PathPanelDock) -> None:
    dock.set_target("h1", "neuron")
    assert shown(dock).startswith("δ_h1 = ∂L/∂z_h1 = ")
    # Selecting a neuron on the canvas shows its bias's gradient too: the same paths ×1.
    assert "∂L/∂b_h1 = δ_h1 = −0.025" in " ".join(shown(dock).split())
    dock.set_target("h1", "bias")
    assert shown(dock).startswith("∂L/∂b_h1 = −0.025")
    assert dock.report is not None and dock.report.kind == "bias"


def test_the_cost_of_paths_against_backprop(dock: PathPanelDock, session: StepSession) -> None:
    dock.set_target("x3", "neuron")
    report, text = dock.report, " ".join(shown(dock).split())
    assert report is not None
    naive, backprop = whole_gradient_cost(session.document.network)
    assert "2 paths, counted exactly" in text
    assert f"needs {report.naive_multiplications} multiplications" in text
    assert f"cached δ needs {report.backprop_multiplications}" in text
    assert f"naive {naive}, backpropagation {backprop}" in text


def test_clearing_emits_no_paths(dock: PathPanelDock, emitted: list[list[Route]]) -> None:
    dock.set_target("w5")
    dock.set_target(None)
    assert emitted[-1] == [] and dock.report is None
    assert shown(dock) == PLACEHOLDER


def test_numbers_follow_the_digits(dock: PathPanelDock, session: StepSession) -> None:
    dock.set_target("w5")
    session.set_digits(6)
    assert "(1 − (−0.9640276)²)" in shown(dock) and "= −0.0250013" in shown(dock)


def test_an_edit_recomputes_the_paths(dock: PathPanelDock, session: StepSession,
                                      emitted: list[list[Route]]) -> None:
    dock.set_target("w5")
    assert dock.report is not None
    before = dock.report.gradient
    session.document.execute(SetEdge(session.document, "w7", weight=2.0))
    session.flush()
    assert dock.report is not None and dock.report.gradient != before
    assert "·2·" in shown(dock)                             # w7 is now 2 on the path
    assert len(emitted) == 2


def test_stepping_and_digits_do_not_recompute_the_paths(
        monkeypatch: pytest.MonkeyPatch, dock: PathPanelDock, session: StepSession,
        emitted: list[list[Route]]) -> None:
    calls: list[str] = []

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(str(args[1]))
        return path_report(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(path_panel, "path_report", counting)
    dock.set_target("w5")
    text = shown(dock)
    session.step()
    session.jump(12)
    session.back()
    dock.set_target("w5")                                   # hovering the same edge again
    assert calls == ["w5"] and len(emitted) == 1 and shown(dock) == text
    session.set_digits(6)                                   # re-rendered, not recomputed
    assert "(1 − (−0.9640276)²)" in shown(dock) and calls == ["w5"] and len(emitted) == 1
    session.document.execute(SetEdge(session.document, "w7", weight=2.0))
    session.flush()
    assert calls == ["w5", "w5"] and len(emitted) == 2 and "·2·" in shown(dock)
    session.set_granularity("layer")                        # new records: recomputed
    assert calls == ["w5", "w5", "w5"]
    assert dock.report is not None and dock.report.path_count == 1


def test_a_deleted_target_shows_a_message(dock: PathPanelDock, session: StepSession,
                                          emitted: list[list[Route]]) -> None:
    dock.set_target("w5", "weight")                         # as the canvas selection does
    session.document.execute(DeleteItems(session.document, [], ["w5"]))
    session.flush()
    assert dock.report is None
    assert "no edge" in shown(dock) and "w5" in shown(dock)
    assert emitted[-1] == []                                # nothing left to draw
    session.document.undo_stack.undo()                      # and back
    session.flush()
    assert dock.report is not None and dock.report.target == "w5"


def test_a_deleted_edge_is_still_called_an_edge(dock: PathPanelDock,
                                                session: StepSession) -> None:
    dock.set_target("w5")                                   # kind inferred: a weight
    session.document.execute(DeleteItems(session.document, [], ["w5"]))
    session.flush()
    assert "no edge with id 'w5'" in shown(dock)


def test_a_deleted_neuron_shows_a_message(dock: PathPanelDock, session: StepSession) -> None:
    dock.set_target("h1", "neuron")
    session.document.execute(DeleteItems(session.document, ["h1"], []))
    session.flush()
    assert dock.report is None and "h1" in shown(dock)


def test_many_paths_are_capped_but_counted_exactly(qtbot) -> None:
    network = layered_network(LayeredSpec([2, 10, 10, 10, 1], ["tanh"] * 3 + ["sigmoid"],
                                          samples=[Sample([0.5, -1.0], [1.0])]))
    document = Document(network)
    panel = PathPanelDock(StepSession(document))
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.paths_changed) as blocker:
        panel.set_target("x1", "neuron")
    routes = blocker.args[0]
    report = panel.report
    assert report is not None
    assert report.path_count == 1000 and len(report.paths) == len(routes) == 64
    assert report.capped
    assert [c for _, _, c in routes[:9]] == PATH_COLOURS + PATH_COLOURS[:2]   # they repeat
    text = " ".join(shown(panel).split())
    assert "1,000 paths" in text
    assert "The listed paths are part of the sum; all 1,000 paths (counted exactly) sum to" \
        in text
    assert "colours repeat" in text.lower()
    document.undo_stack.clear()


def test_a_capped_list_says_so_under_the_heading(qtbot) -> None:
    network = layered_network(LayeredSpec([2, 10, 10, 10, 1], ["tanh"] * 3 + ["sigmoid"],
                                          samples=[Sample([0.5, -1.0], [1.0])]))
    document = Document(network)
    panel = PathPanelDock(StepSession(document))
    qtbot.addWidget(panel)
    panel.set_target("x1", "neuron")
    first_path = shown(panel).index("path 1")
    assert "Showing 64 of 1,000 paths (the count is exact)" in shown(panel)[:first_path]
    document.undo_stack.clear()


def test_a_scrub_leaves_the_paths_until_it_pauses(monkeypatch: pytest.MonkeyPatch, qtbot,
                                                 window) -> None:
    """Ctrl+wheel notches on the hovered weight do not recompute its paths one by one;
    once the scrub pauses they show the gradient of the weight as it ends."""
    from bpgui.engine.records import Quantity
    from bpgui.engine.stepper import all_steps, final_values

    panel = window.stepping.path_panel
    calls: list[str] = []

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(str(args[1]))
        return path_report(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(path_panel, "path_report", counting)
    start = window.document.network.edge("w5").weight
    step = window.nudge_step.value()
    window.scene.hover("weight", "w5")
    assert calls == ["w5"]
    for _ in range(4):
        window.nudge_weight("w5", 1)
    assert calls == ["w5"]                                 # not at every notch
    assert window.document.network.edge("w5").weight == pytest.approx(start + 4 * step)
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=2000)
    expected = final_values(all_steps(window.document.network, 0))[Quantity("grad_w", "w5")]
    assert panel.report is not None and panel.report.gradient == expected
    window.document.execute(SetEdge(window.document, "w7", weight=2.0))
    assert len(calls) == 3                                  # any other edit: at once
