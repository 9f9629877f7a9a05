"""Weight labels that hide nothing (issue 17): on every small sample network, idle and
during a pass, every label shows, no two boxes overlap, none covers a neuron, and in
the window (presentation mode too, at 1920×1080 and 1024×768) every box is on screen."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF, QTimer
from PySide6.QtWidgets import QApplication

from bpgui.network.builders import LayeredSpec, layered_network
from bpgui.network.fileformat import load
from bpgui.network.model import Network, Sample
from bpgui.ui.canvas.labels import FULL_SEARCH_EDGES
from bpgui.ui.canvas.scene import NetworkScene
from bpgui.ui.document.commands import DeleteItems
from bpgui.ui.document.document import Document

SAMPLES = Path(__file__).resolve().parents[2] / "sample_networks"
# The worked examples (up to 16 edges) show every label; the larger samples up to
# FULL_SEARCH_EDGES get the full search but their layers can be too close together for
# every box (moons' 8×8 layer: 64 labels between two columns of neurons).
ALL = sorted(p.name for p in SAMPLES.glob("*.bpnet.json")
             if len(load(p).edges) <= FULL_SEARCH_EDGES)
SMALL = [name for name in ALL if len(load(SAMPLES / name).edges) <= 16]


def neuron_circles(scene: NetworkScene) -> list[QRectF]:
    return [item.obstacles()[0] for item in scene.neuron_items.values()]


def check_labels(scene: NetworkScene, every: bool = True) -> None:
    """Every label shown (unless not ``every``), none overlapping another, none on a
    neuron (or its pass values)."""
    edges = list(scene.edge_items.values())
    hidden = [e.edge_id for e in edges if not e.label_visible]
    assert not (every and hidden), f"labels hidden: {hidden}"
    edges = [e for e in edges if e.label_visible]
    rects = [(e.edge_id, e.label_rect()) for e in edges]
    for i, (a_id, a) in enumerate(rects):
        for b_id, b in rects[i + 1:]:
            assert not a.intersects(b), f"{a_id} overlaps {b_id}"
    for nid, item in scene.neuron_items.items():
        for obstacle in item.obstacles(scene.pass_shown):
            for eid, rect in rects:
                assert not rect.intersects(obstacle), f"{eid} covers {nid}"


@pytest.mark.parametrize(("name", "every"), [(name, True) for name in SMALL]
                         + [(name, False) for name in sorted(set(ALL) - set(SMALL))])
@pytest.mark.parametrize("pass_shown", [False, True])
def test_the_labels_of_a_sample_never_overlap_and_a_small_ones_all_show(
        qtbot, name: str, every: bool, pass_shown: bool) -> None:
    """Every label of a small sample is shown and free; a larger sample's shown labels
    are free (some stay hidden where no place is)."""
    document = Document(load(SAMPLES / name))
    scene = NetworkScene(document)
    scene.set_pass_shown(pass_shown)
    check_labels(scene, every=every)
    document.undo_stack.clear()


def test_crossing_edges_get_a_leader_line(qtbot) -> None:
    """Mazur's 2-2-2 (seed 000): where w2 and w3 cross, one label once hid; now each
    label sits on its edge or beside it, joined to its spot on the edge."""
    document = Document(load(SAMPLES / "seed000_worked_example.bpnet.json"))
    scene = NetworkScene(document)
    for shown in (False, True):
        scene.set_pass_shown(shown)
        for edge in scene.edge_items.values():
            label = edge.label_item
            assert label.isVisible()
            anchor = edge.line().pointAt(edge.label_at)
            if edge.label_offset != (0.0, 0.0):      # beside the edge: a leader to it
                assert label._anchor == anchor
                assert label.boundingRect().contains(anchor)
                assert edge.boundingRect().contains(edge.label_rect())
            else:
                assert label._anchor is None and edge.label_rect().contains(anchor)
    document.undo_stack.clear()


def mazur() -> Network:
    """Matt Mazur's 2-2-2 worked example: its weights cross twice (w2/w3, w6/w7)."""
    spec = LayeredSpec([2, 2, 2], ["sigmoid", "sigmoid"],
                       samples=[Sample([0.05, 0.10], [0.01, 0.99])])
    network = layered_network(spec)
    weights = (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55)
    edges = [replace(e, weight=w) for e, w in zip(network.edges, weights, strict=True)]
    biases = {"h1": 0.35, "h2": 0.35, "y1": 0.60, "y2": 0.60}
    neurons = [replace(n, bias=biases.get(n.id, n.bias)) for n in network.neurons]
    return Network(neurons, edges, samples=network.samples, name="Mazur 2-2-2")


@pytest.mark.parametrize("size", [(1920, 1080), (1024, 768)])
@pytest.mark.parametrize("presentation", [False, True])
@pytest.mark.parametrize("example", ["seed000", "mazur"])
def test_every_label_is_on_screen(qtbot, settings, size: tuple[int, int],
                                  presentation: bool, example: str) -> None:
    from bpgui.ui.shell.main_window import MainWindow

    network = mazur() if example == "mazur" else \
        load(SAMPLES / "seed000_worked_example.bpnet.json")
    window = MainWindow(Document(network), settings)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    QApplication.processEvents()
    window.view.fit()
    if presentation:
        window.presentation.enter(full_screen=False)
        window.resize(*size)
        QApplication.processEvents()
        window.presentation.enter_view()
    session = window.stepping.session
    for steps in range(len(session.records) + 1):
        session.jump(steps)
        QApplication.processEvents()
        try:
            check_labels(window.scene)
        except AssertionError as error:
            raise AssertionError(f"step {steps}: {error}") from None
        screen = window.view.viewport().rect()
        for edge in window.scene.edge_items.values():
            box = window.view.mapFromScene(edge.label_rect()).boundingRect()
            assert screen.contains(box), f"{edge.edge_id} off screen at step {steps}"
    if presentation:
        window.presentation.leave()
    window.document.undo_stack.clear()


def test_a_dense_network_shows_the_labels_that_fit_and_hides_the_rest(qtbot) -> None:
    """4-32-32-31-1: two thousand boxes cannot all be read at once; those shown still
    never overlap, and a hidden one shows when its edge is selected."""
    network = layered_network(LayeredSpec([4, 32, 32, 31, 1],
                                          ["tanh", "tanh", "tanh", "sigmoid"], seed=1))
    document = Document(network)
    scene = NetworkScene(document)
    shown = [e for e in scene.edge_items.values() if e.label_visible]
    hidden = [e for e in scene.edge_items.values() if not e.label_visible]
    assert shown and hidden
    rects = [e.label_rect() for e in shown]
    for i, a in enumerate(rects):
        assert not any(a.intersects(b) for b in rects[i + 1:])
    hidden[0].setSelected(True)
    assert hidden[0].label_visible and hidden[0].label_item.isVisible()
    document.undo_stack.clear()


def test_edges_made_again_by_an_undo_show_their_labels_at_once(qtbot) -> None:
    """A new edge item has no label place until the scene places every label (after
    the command that made it): deleting w2 and h2 (with its edges) and undoing
    that shows every label of the worked example again, free, as before."""
    document = Document(load(SAMPLES / "seed000_worked_example.bpnet.json"))
    scene = NetworkScene(document)
    before = {eid: (e.label_at, e.label_offset) for eid, e in scene.edge_items.items()}
    doomed = {"w2"} | {e.id for e in document.network.edges if "h2" in (e.source, e.target)}
    assert document.execute(DeleteItems(document, ["h2"], ["w2"])) is None
    assert scene.edge_items.keys() == before.keys() - doomed
    check_labels(scene)
    document.undo()
    assert {eid: (e.label_at, e.label_offset) for eid, e in scene.edge_items.items()} \
        == before
    for shown in (False, True):
        scene.set_pass_shown(shown)
        check_labels(scene)
        assert all(e.label_item.isVisible() for e in scene.edge_items.values())
    document.undo_stack.clear()


def label_places(scene: NetworkScene
                 ) -> dict[bool, dict[str, tuple[float, tuple[float, float], bool]]]:
    """Each edge's label place and whether it fits, idle and during a pass."""
    places = {}
    for shown in (False, True):
        scene.set_pass_shown(shown)
        places[shown] = {eid: (e.label_at, e.label_offset, e.label_fits)
                         for eid, e in scene.edge_items.items()}
    scene.set_pass_shown(False)
    return places


@pytest.mark.parametrize("network", [
    pytest.param(lambda: layered_network(LayeredSpec(
        [20, 30, 30, 20], ["tanh", "tanh", "sigmoid"], seed=2)), id="2,200 items"),
    pytest.param(lambda: load(SAMPLES / "moons_2-8-8-1.bpnet.json"), id="moons, full search"),
])
def test_labels_placed_in_slices_go_where_placing_at_once_puts_them(
        qtbot, window, monkeypatch, network) -> None:
    """A large network opened in a shown window places its labels (twice: idle and with
    room for a pass) across turns of the event loop, and every label ends where placing
    all at once puts it. Moons (88 edges) is made to build in slices too (of one step
    each), so the stages of the full search (finer places, beside the edge, within
    the frame) are sliced as well."""
    from bpgui.ui.canvas import scene_build

    net = network()
    if len(net.neurons) + len(net.edges) <= scene_build.INLINE_ITEMS:
        monkeypatch.setattr(scene_build, "INLINE_ITEMS", 20)
        monkeypatch.setattr(scene_build, "SLICE_S", 0.0)     # a step per slice
    inline_doc = Document(net.copy())
    inline = NetworkScene(inline_doc)                # no view: drawn at once
    assert not inline.building

    scene = window.scene
    turns_while_placing = 0

    def tick() -> None:
        nonlocal turns_while_placing
        turns_while_placing += scene.building and len(scene.edge_items) == len(net.edges)

    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(tick)
    timer.start()
    window.document.replace(net, None)
    assert scene.building
    qtbot.waitUntil(lambda: not scene.building, timeout=120_000)
    timer.stop()
    assert turns_while_placing >= 2        # the event loop turned while labels were placed
    assert window.view.isEnabled() and window.view.viewport().updatesEnabled()
    assert label_places(scene) == label_places(inline)
    inline_doc.undo_stack.clear()


def test_a_pass_moves_only_the_labels_it_must_yet_every_label_is_where_its_placement_says(
        qtbot, window) -> None:
    """Starting or ending a pass moves only the labels whose places differ between the
    idle and the roomy placement (and those a step moved): at every step, and after
    the pass, each label the step does not show regardless is where the placement
    shown puts it, as if every label had been moved."""
    window.document.replace(load(SAMPLES / "overfit_moons.bpnet.json"), None)
    scene, session = window.scene, window.stepping.session
    placements = scene.labels._placements
    count = len(session.records)
    for steps in [*range(0, count + 1, max(1, count // 25)), count, 0]:
        session.jump(steps)
        QApplication.processEvents()
        forced = set(session.current.writes) if session.current is not None else set()
        shown = placements[scene.pass_shown].places
        for edge in scene.edge_items.values():
            if edge.edge_id in forced:
                continue
            place = shown[edge]
            assert edge.label_fits == (place is not None), f"{edge.edge_id} at {steps}"
            if place is not None:
                assert (edge.label_at, *edge.label_offset) == place, \
                    f"{edge.edge_id} at step {steps}"
    window.document.undo_stack.clear()


def test_a_labels_box_sits_where_the_edge_says(qtbot) -> None:
    """The boxes placement tries (several at once, for speed) are the label's box at each
    place: centred across at the spot ``t`` along the line, its top LABEL_RISE above it,
    moved by the offset, as large as the label (with room: as a pass may make it)."""
    from bpgui.ui.canvas.edge_item import LABEL_RISE

    scene = NetworkScene(Document(load(SAMPLES / "seed000_worked_example.bpnet.json")))
    for edge in scene.edge_items.values():
        for room in (False, True):
            width, height = edge.label_size(room)
            fractions = (0.15, 0.32, 0.8)
            for offset in ((0.0, 0.0), (12.5, -30.0)):
                boxes = edge.label_boxes(fractions, room, *offset)
                for t, box in zip(fractions, boxes, strict=True):
                    spot = edge.line().pointAt(t)
                    expected = (spot.x() + offset[0] - width / 2,
                                spot.y() + offset[1] - LABEL_RISE)
                    assert box[:2] == pytest.approx(expected, abs=1e-9)
                    assert (box[2] - box[0], box[3] - box[1]) == \
                        pytest.approx((width, height), abs=1e-9)
                    assert box == edge.label_box(t, room, *offset)
