"""The canvas, driven with real mouse and wheel events on the view's viewport."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from bpgui.network.fileformat import load
from bpgui.ui.canvas.edge_item import EdgeItem
from bpgui.ui.canvas.neuron_item import NeuronItem
from bpgui.ui.document.commands import SetEdge
from tests.ui.qt_helpers import along_edge, selection_pixels

SAMPLES = Path(__file__).resolve().parents[2] / "sample_networks"


def at(window, scene_point: QPointF) -> QPoint:
    return window.view.mapFromScene(scene_point)


def neuron_point(window, nid: str) -> QPoint:
    return at(window, window.scene.neuron_items[nid].pos())


def test_scene_mirrors_the_model(window) -> None:
    net = window.document.network
    assert set(window.scene.neuron_items) == {n.id for n in net.neurons}
    assert set(window.scene.edge_items) == {e.id for e in net.edges}
    item = window.scene.neuron_items["h1"]
    assert isinstance(item, NeuronItem) and (item.pos().x(), item.pos().y()) == (
        net.neuron("h1").x, net.neuron("h1").y)


def test_an_edge_runs_from_rim_to_rim_and_ends_in_its_arrowhead(window) -> None:
    """Every edge of the worked example starts on its source's rim, ends 2 px short of its
    target's rim (room for the arrowhead's point) along the line between the centres,
    and its arrowhead's corners lie 10 + the line's width back from the tip, 0.45 rad
    either side of the line."""
    import math

    from bpgui.ui.base.theme import NEURON_RADIUS, weight_width

    for edge in window.scene.edge_items.values():
        a, b = edge.source.pos(), edge.target.pos()
        centres = math.hypot(b.x() - a.x(), b.y() - a.y())
        ux, uy = (b.x() - a.x()) / centres, (b.y() - a.y()) / centres
        line = edge.line()
        assert (line.x1(), line.y1()) == pytest.approx(
            (a.x() + NEURON_RADIUS * ux, a.y() + NEURON_RADIUS * uy))
        assert (line.x2(), line.y2()) == pytest.approx(
            (b.x() - (NEURON_RADIUS + 2) * ux, b.y() - (NEURON_RADIUS + 2) * uy))
        tip, *corners = list(edge._arrow())
        assert (tip.x(), tip.y()) == pytest.approx((line.x2(), line.y2()))
        back = math.atan2(-uy, -ux)                     # from the tip, back along the line
        size = 10 + weight_width(edge.weight)
        found = sorted(math.atan2(c.y() - tip.y(), c.x() - tip.x()) - back for c in corners)
        wrapped = [(angle + math.pi) % (2 * math.pi) - math.pi for angle in found]
        assert sorted(wrapped) == pytest.approx([-0.45, 0.45])
        for corner in corners:
            assert math.hypot(corner.x() - tip.x(), corner.y() - tip.y()) == \
                pytest.approx(size)


def test_double_click_on_empty_space_adds_a_neuron(qtbot, window) -> None:
    net = window.document.network
    before = len(net.neurons)
    qtbot.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                      pos=at(window, QPointF(330, 330)))
    assert len(net.neurons) == before + 1
    added = net.neurons[-1]
    assert added.role == "hidden" and added.id == "h3"
    assert "h3" in window.scene.neuron_items
    window.document.undo_stack.undo()
    assert len(net.neurons) == before and "h3" not in window.scene.neuron_items


def drag(qtbot, window, start: QPoint, end: QPoint,
         modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    viewport = window.view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, start)
    steps = 6
    for k in range(1, steps + 1):
        point = start + (end - start) * k / steps
        qtbot.mouseMove(viewport, point)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, end)


def test_shift_drag_connects_two_neurons(qtbot, window) -> None:
    net = window.document.network
    drag(qtbot, window, neuron_point(window, "x1"), neuron_point(window, "y"),
         Qt.KeyboardModifier.ShiftModifier)
    edge = net.edges[-1]
    assert (edge.source, edge.target, edge.id) == ("x1", "y", "w9")
    assert "w9" in window.scene.edge_items
    assert "Connected x1 → y" in window.statusBar().currentMessage()


def test_refused_connection_changes_nothing_and_says_why(qtbot, window) -> None:
    net = window.document.network
    edges_before = [e.id for e in net.edges]
    drag(qtbot, window, neuron_point(window, "y"), neuron_point(window, "h1"),
         Qt.KeyboardModifier.ShiftModifier)
    assert [e.id for e in net.edges] == edges_before
    message = window.statusBar().currentMessage()
    assert message.startswith("Cannot connect:") and "cycle" in message
    drag(qtbot, window, neuron_point(window, "h1"), neuron_point(window, "x2"),
         Qt.KeyboardModifier.ShiftModifier)
    assert "input" in window.statusBar().currentMessage()
    drag(qtbot, window, neuron_point(window, "x1"), neuron_point(window, "h1"),
         Qt.KeyboardModifier.ShiftModifier)
    assert "already connected" in window.statusBar().currentMessage()
    assert [e.id for e in net.edges] == edges_before
    assert window.document.undo_stack.count() == 0


def test_a_drag_moves_a_neuron_as_one_undo_entry(qtbot, window) -> None:
    net = window.document.network
    old = (net.neuron("h1").x, net.neuron("h1").y)
    start = neuron_point(window, "h1")
    drag(qtbot, window, start, start + QPoint(60, 40))
    moved = (net.neuron("h1").x, net.neuron("h1").y)
    assert moved != old
    assert window.document.undo_stack.count() == 1
    item = window.scene.neuron_items["h1"]
    assert (item.pos().x(), item.pos().y()) == moved
    window.document.undo_stack.undo()
    assert (net.neuron("h1").x, net.neuron("h1").y) == old
    assert (item.pos().x(), item.pos().y()) == old


def test_delete_selected_neuron_and_undo(window) -> None:
    net = window.document.network
    window.scene.select_id("h2")
    window.actions_by_name["Delete"].trigger()
    assert not net.has_neuron("h2")
    assert {e.id for e in net.edges} == {"w1", "w3", "w5", "w7"}
    assert set(window.scene.edge_items) == {"w1", "w3", "w5", "w7"}
    window.document.undo_stack.undo()
    assert [e.id for e in net.edges] == [f"w{k}" for k in range(1, 9)]
    assert set(window.scene.edge_items) == {f"w{k}" for k in range(1, 9)}


def wheel(window, point: QPoint, notches: int,
          modifiers: Qt.KeyboardModifier) -> None:
    event = QWheelEvent(QPointF(point), QPointF(window.view.viewport().mapToGlobal(point)),
                        QPoint(0, 0), QPoint(0, 120 * notches), Qt.MouseButton.NoButton,
                        modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(window.view.viewport(), event)


def test_ctrl_wheel_over_an_edge_nudges_its_weight_as_one_entry(window) -> None:
    net = window.document.network
    item: EdgeItem = window.scene.edge_items["w7"]
    point = at(window, item.label_rect().center())
    for _ in range(3):
        wheel(window, point, 1, Qt.KeyboardModifier.ControlModifier)
    assert net.edge("w7").weight == 3.3
    wheel(window, point, -1, Qt.KeyboardModifier.ControlModifier)
    assert net.edge("w7").weight == 3.2
    assert window.document.undo_stack.count() == 1      # the nudges merged
    window.document.undo_stack.undo()
    assert net.edge("w7").weight == 3.0


def test_plain_wheel_zooms(window) -> None:
    scale = window.view.transform().m11()
    wheel(window, QPoint(300, 300), 1, Qt.KeyboardModifier.NoModifier)
    assert window.view.transform().m11() > scale
    window.actions_by_name["ZoomOut"].trigger()
    window.actions_by_name["ZoomOut"].trigger()
    assert window.view.transform().m11() < scale


def test_double_click_on_a_weight_label_edits_it_in_place(qtbot, window) -> None:
    item: EdgeItem = window.scene.edge_items["w5"]
    qtbot.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                      pos=at(window, item.label_rect().center()))
    editor = window.findChild(QLineEdit, "inlineWeightEditor")
    assert editor is not None and editor.text() == "-1.0"
    editor.selectAll()
    qtbot.keyClicks(editor, "-1.5")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert window.document.network.edge("w5").weight == -1.5
    assert item.weight == -1.5


def test_inline_edit_refuses_text(qtbot, window) -> None:
    window.edit_weight_inline("w5")
    editor = window.inline_editor
    editor.selectAll()
    qtbot.keyClicks(editor, "big")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert window.document.network.edge("w5").weight == -1.0
    assert "not a number" in window.statusBar().currentMessage()


def test_auto_layout_is_one_undo_entry(window) -> None:
    net = window.document.network
    window.document.network.update_neuron("h1", x=999.0, y=999.0)  # a messy start
    old = {n.id: (n.x, n.y) for n in net.neurons}
    window.document.undo_stack.clear()
    window.actions_by_name["AutoLayout"].trigger()
    assert window.document.undo_stack.count() == 1
    assert net.neuron("h1").x == 280.0
    window.document.undo_stack.undo()
    assert {n.id: (n.x, n.y) for n in net.neurons} == old


def test_weight_labels_toggle(window) -> None:
    action = window.actions_by_name["WeightLabels"]
    assert action.isChecked()
    action.trigger()
    assert not any(item.show_label for item in window.scene.edge_items.values())
    action.trigger()
    assert all(item.show_label for item in window.scene.edge_items.values())


def test_weight_labels_never_overlap(window) -> None:
    rects = [item.label_rect() for item in window.scene.edge_items.values()]
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert not a.intersects(b)


def test_a_selected_edge_is_ringed_until_unselected(qtbot, window) -> None:
    """The selection ring comes and goes with the selection, whichever way it changes
    (the scene tells the edges; they do not watch their own item changes)."""
    scene = window.scene
    assert selection_pixels(window, along_edge(window, "w5")) == 0
    scene.edge_items["w5"].setSelected(True)
    QApplication.processEvents()
    assert selection_pixels(window, along_edge(window, "w5")) > 20
    scene.clearSelection()
    QApplication.processEvents()
    assert selection_pixels(window, along_edge(window, "w5")) == 0
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=at(window, scene.edge_items["w5"].line().pointAt(0.6)))
    QApplication.processEvents()
    assert scene.selectedItems() == [scene.edge_items["w5"]]
    assert selection_pixels(window, along_edge(window, "w5")) > 20
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=at(window, QPointF(330, 330)))
    QApplication.processEvents()
    assert scene.selectedItems() == [] and selection_pixels(window, along_edge(window, "w5")) == 0


def test_tooltips_follow_the_pass_when_the_pointer_comes(qtbot, window) -> None:
    """Tooltips are written on hover, not at every step: what Qt shows then (the C++
    text) and what Python reads both hold the values the steps computed."""
    from PySide6.QtWidgets import QGraphicsItem

    from bpgui.engine.records import Quantity

    session = window.stepping.session
    session.jump(8)
    QApplication.processEvents()
    state = session.state()
    neuron = window.scene.neuron_items["h1"]
    a = state[Quantity("a", "h1")]
    assert f"a = {a!r}" in neuron.toolTip()
    qtbot.mouseMove(window.view.viewport(), neuron_point(window, "h1"))
    QApplication.processEvents()
    assert f"a = {a!r}" in QGraphicsItem.toolTip(neuron)
    edge = window.scene.edge_items["w1"]
    weight = window.document.network.edge("w1").weight
    assert f"weight {weight!r}" in edge.toolTip()



def on_screen(window) -> QImage:
    """The canvas as it is on screen, once every pending repaint is done."""
    QApplication.processEvents()
    return window.view.viewport().grab().toImage()


def afresh(window) -> QImage:
    """The canvas painted again with every item's cache thrown away."""
    for item in window.scene.items():
        item.update()
    window.view.viewport().update()
    return on_screen(window)


@pytest.mark.parametrize(("sample", "granularity"), [
    (None, "node"), ("moons_2-8-8-1", "node"), ("moons_2-8-8-1", "layer")])
def test_what_a_step_repaints_is_what_a_fresh_paint_shows(qtbot, window, sample: str | None,
                                                          granularity: str) -> None:
    """Items repaint only where a step changed them, from cached pixmaps: after every
    step of the pass (forward, backward, update), after an edit that flashes what it
    changed, and back at the start, the canvas on screen equals the same canvas
    painted afresh with every cache thrown away."""
    if sample is not None:
        assert window.files.new(load(SAMPLES / f"{sample}.bpnet.json"))
    session = window.stepping.session
    session.set_granularity(granularity)
    steps = 0
    while session.step():
        steps += 1
        shown = on_screen(window)
        assert shown == afresh(window), f"step {steps} left stale pixels"
    edge = window.document.network.edges[0]      # an edit flashes every value it changed
    window.document.execute(SetEdge(window.document, edge.id, weight=edge.weight + 1))
    shown = on_screen(window)
    assert any(e.step.flashing for e in window.scene.edge_items.values())
    assert shown == afresh(window), "the edit left stale pixels"
    session.jump(0)
    assert on_screen(window) == afresh(window)
    assert steps == len(session.records) > 0


def test_a_layer_step_of_a_thousand_edges_repaints_what_a_fresh_paint_shows(
        qtbot, window) -> None:
    """A layer step of the overfitting sample changes the 1,024 edges between its
    hidden levels (more than a repaint each is worth: one repaint covers them all), and
    its labels are sketched at the window's zoom: after every step and back at the
    start, the canvas equals the canvas painted afresh."""
    assert window.files.new(load(SAMPLES / "overfit_moons.bpnet.json"))
    session = window.stepping.session
    session.set_granularity("layer")
    steps = 0
    while session.step():
        steps += 1
        shown = on_screen(window)
        assert shown == afresh(window), f"step {steps} left stale pixels"
    session.jump(0)
    assert on_screen(window) == afresh(window)
    assert steps == len(session.records) > 0
