"""View ▸ Expand neuron: enabled for one neuron, opens the gate window with the pass's
numbers (seed 000's h1: z = −2, a = −0.964, δ = ∂L/∂z = −0.025), follows edits, and the
canvas's right-click menu offers it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from bpgui.engine.records import Quantity as Q
from bpgui.network import fileformat
from bpgui.ui.classroom.expand_view import ExpandedNeuron
from bpgui.ui.document.commands import SetEdge

ROOT = Path(__file__).resolve().parents[2]
SEED000 = ROOT / "sample_networks" / "seed000_worked_example.bpnet.json"


def _select(window, *ids: str) -> None:
    window.scene.clearSelection()
    for ident in ids:
        item = window.scene.neuron_items.get(ident) or window.scene.edge_items[ident]
        item.setSelected(True)


def test_the_action_is_enabled_only_for_one_neuron_with_gates(window) -> None:
    action = window.actions_by_name["ExpandNeuron"]
    assert not action.isEnabled()
    for ids, enabled in ((("h1",), True), (("y",), True), (("x1",), False),
                         (("w5",), False), (("h1", "h2"), False), (("h1", "w5"), False)):
        _select(window, *ids)
        assert action.isEnabled() is enabled, ids
    view_menu = next(m for m in window.menuBar().findChildren(type(window.menuBar().addMenu("")))
                     if m.title() == "&View")
    assert action in view_menu.actions()


def test_an_operation_node_does_not_expand(qtbot, settings) -> None:
    from bpgui.ui.document.document import Document
    from bpgui.ui.shell.main_window import MainWindow

    network = fileformat.load(ROOT / "sample_networks" / "seed000_sin_graph.bpnet.json")
    win = MainWindow(Document(network), settings)
    qtbot.addWidget(win)
    op = next(n.id for n in network.neurons if n.is_operation)
    _select(win, op)
    assert not win.actions_by_name["ExpandNeuron"].isEnabled()
    win.document.undo_stack.setClean()


def _open_h1(window) -> ExpandedNeuron:
    _select(window, "h1")
    window.actions_by_name["ExpandNeuron"].trigger()
    opened = window.expander.windows
    assert len(opened) == 1 and opened[0].isVisible()
    return opened[0]


def test_the_window_shows_the_seeds_numbers(window, qtbot) -> None:
    side = _open_h1(window)
    session = side.session
    session.jump(len(session.records))
    state = session.state()
    assert state[Q("a", "z")] == pytest.approx(-2.0, abs=1e-12)
    assert state[Q("a", "a")] == pytest.approx(math.tanh(-2.0), abs=1e-12)
    assert round(state[Q("delta", "z")], 3) == -0.025
    main = window.stepping.session.walk
    assert main is not None
    full = main.state(len(main))
    assert state[Q("delta", "z")] == pytest.approx(full[Q("delta", "h1")], abs=1e-12)
    assert state[Q("delta", "w5")] == pytest.approx(full[Q("grad_w", "w5")], abs=1e-12)
    assert state[Q("local", "a_z")] == pytest.approx(1 - math.tanh(-2.0) ** 2, abs=1e-12)
    # the canvas writes them: the gate's value and its ∂L/∂z badge
    shown = side.scene.neuron_items["z"].step.values
    assert shown["a"] == pytest.approx(-2.0) and round(shown["delta"], 3) == -0.025
    assert "h₁ as gates" in side.caption.text() and "∂L/∂a from the network" in \
        side.caption.text()
    # the step keys step this window's pass, not the main one's
    session.jump(0)
    before = window.stepping.session.position
    side.activateWindow()
    session.step()
    assert session.position == 1 and window.stepping.session.position == before
    # opening it again raises the same window
    window.actions_by_name["ExpandNeuron"].trigger()
    assert window.expander.windows == [side]
    side.close()


def test_the_window_follows_an_edit_and_keeps_its_place(window, qtbot) -> None:
    side = _open_h1(window)
    side.session.jump(5)
    window.document.execute(SetEdge(window.document, "w5", weight=-2.0))
    assert side.document.network.neuron("w5").param == -2.0
    state = side.session.walk.state(len(side.session.walk)) if side.session.walk else {}
    assert state[Q("a", "z")] == pytest.approx(-3.0, abs=1e-12)      # −1·1 − 2·1
    assert side.session.position == 5
    window.document.undo()
    assert side.document.network.neuron("w5").param == -1.0
    side.close()


def test_a_deleted_neuron_leaves_a_snapshot(window, qtbot) -> None:
    from bpgui.ui.document.commands import DeleteItems

    side = _open_h1(window)
    window.document.execute(DeleteItems(window.document, ["h1"], []))
    assert "Snapshot" in side.caption.text()
    assert side.document.network.has_neuron("z")           # the last picture stays
    side.close()


def test_right_click_on_a_neuron_offers_expand(window, qtbot) -> None:
    item = window.scene.neuron_items["h2"]
    at = window.view.mapFromScene(item.sceneBoundingRect().center())
    menu = window.expander.context_menu(at)
    assert menu is not None
    assert window.scene.selected_ids() == (["h2"], [])
    assert window.actions_by_name["ExpandNeuron"] in menu.actions()
    menu.close()
    empty = window.view.mapFromScene(item.sceneBoundingRect().center().x() + 500, -900)
    assert window.expander.context_menu(empty) is None


def test_screenshot_with_expand(tmp_path) -> None:
    from tests.ui.test_main_window import run_bpgui

    png = tmp_path / "h1.png"
    result = run_bpgui(str(SEED000), "--screenshot", str(png), "--size", "1280x800",
                       "--expand", "h1", "--steps", "17")
    assert result.returncode == 0, result.stderr
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1280, 800)
    bad = run_bpgui(str(SEED000), "--screenshot", str(tmp_path / "x.png"), "--expand", "x1")
    assert bad.returncode == 2 and "--expand x1" in bad.stderr
    assert "Traceback" not in bad.stderr and not (tmp_path / "x.png").exists()
