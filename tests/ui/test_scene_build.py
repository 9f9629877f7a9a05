"""A large network's build across turns of the event loop: where its slices end, its
end a part per turn, the strokes' caches filled before the first paints, and the old
drawing let go of without the garbage collector."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QGraphicsScene
from pytestqt.qtbot import QtBot

from bpgui.network.builders import LayeredSpec, layered_network
from bpgui.network.model import Network, Sample
from bpgui.ui.canvas import scene_build
from bpgui.ui.canvas.edge_strokes import EdgeStrokes
from bpgui.ui.canvas.scene_build import Finishing, SlicedBuild

pytestmark = pytest.mark.gui


def layered(sizes: list[int]) -> Network:
    """A layered network with a sample, so that it has a pass to step through."""
    data = [Sample([0.1 * (i + 1) for i in range(sizes[0])], [0.5] * sizes[-1])]
    return layered_network(LayeredSpec(sizes, ["tanh"] * (len(sizes) - 1), samples=data,
                                       seed=3))


class Recorded:
    """Steps and an ending that write down what ran, a slice or a turn at a time."""

    def __init__(self) -> None:
        self.ran: list[str] = []

    def steps(self) -> Iterator[str | None]:
        for name in ("a", "b"):
            self.ran.append(name)
            yield None
        yield "Long work next…"
        self.ran.append("c")
        yield None

    def done(self) -> Finishing:
        self.ran.append("complete")
        yield
        self.ran.append("cover")
        return QRectF(0, 0, 10, 10)


def turned(build: SlicedBuild, record: Recorded, turns: int) -> list[list[str]]:
    """What each of ``turns`` slices ran (the build's own timer stopped: turned by hand)."""
    build._timer.stop()
    seen: list[list[str]] = []
    for _ in range(turns):
        before = len(record.ran)
        build._slice()
        build._timer.stop()
        seen.append(record.ran[before:])
    return seen


def test_a_text_ends_the_slice_and_the_end_runs_a_part_per_turn(
        qtbot: QtBot, monkeypatch) -> None:
    """However much time a slice has left, the step after a text (a new kind of work,
    often long: placing starts with the neurons' obstacles) starts the next slice;
    the scene's completing and its covering rectangle come in turns of their own."""
    monkeypatch.setattr(scene_build, "SLICE_S", 60.0)
    record = Recorded()
    scene = QGraphicsScene()
    build = SlicedBuild(scene, record.steps(), 3, record.done, "Drawing…")
    shown: list[bool] = []
    build.shown.connect(lambda: shown.append(True))
    assert turned(build, record, 4) == [["a", "b"], ["c"], ["complete"], ["cover"]]
    assert not shown
    assert turned(build, record, 4) == [[]] * 4 and shown == [True]     # fit, index, pixel


@pytest.fixture
def large(monkeypatch) -> None:
    """Any network over 20 items is drawn in slices."""
    monkeypatch.setattr(scene_build, "INLINE_ITEMS", 20)


def repainted(window) -> QImage:
    """The canvas painted now, on screen."""
    viewport = window.view.viewport()
    viewport.repaint()
    return viewport.grab().toImage()


def afresh(window) -> QImage:
    """The canvas painted again with every item's cache thrown away."""
    for item in window.scene.items():
        item.update()
    window.view.viewport().update()
    QApplication.processEvents()
    return window.view.viewport().grab().toImage()


def test_the_first_paints_after_a_build_blit_the_strokes_drawn_before_them(
        qtbot: QtBot, window, large, monkeypatch) -> None:
    """The build's last turns paint one pixel, plain and with a pass's faded strokes,
    and Qt draws the whole of each base's cache for it. The first paint, and the first
    step of a pass, then draw no stroke of the base again; each shows what the same
    canvas drawn afresh shows (the step: every cache thrown away; the first paint: the
    idle canvas again once the pass ends, its plain base drawn anew)."""
    drawn: list[bool] = []          # the base drawn: faded or not
    paint_base = EdgeStrokes.paint_base

    def counted(self, painter, option, dimmed: bool) -> None:
        drawn.append(dimmed)
        paint_base(self, painter, option, dimmed)

    monkeypatch.setattr(EdgeStrokes, "paint_base", counted)
    window.document.replace(layered([3, 8, 8, 2]), None)
    assert window.scene.building
    qtbot.waitUntil(lambda: not window.scene.building, timeout=60_000)
    assert drawn == [False, True]
    first = repainted(window)
    session = window.stepping.session
    assert session.step() and window.scene.pass_shown
    QApplication.processEvents()
    stepped = repainted(window)
    assert drawn == [False, True]                   # blitted, plain and faded
    assert stepped == afresh(window) and drawn == [False, True, True]
    session.jump(0)                                 # the pass ends: the idle canvas again
    QApplication.processEvents()
    assert not window.scene.pass_shown
    assert repainted(window) == first and drawn == [False, True, True, False]


def test_a_new_drawing_lets_go_of_the_old_one_without_the_collector(window) -> None:
    """Replacing the network frees the old items, a label, the strokes and the sketches
    by reference counting alone: none waits in a cycle for a full collection (which
    the 1,000-neuron network's 290,000 objects made 300–800 ms long)."""
    scene = window.scene
    edge = scene.edge_items["w1"]
    kept = [scene.neuron_items["h1"], edge, edge.label_item, scene.strokes,
            scene.strokes.overlay, scene.sketches]
    refs = [weakref.ref(thing) for thing in kept]
    del kept, edge
    gc.disable()
    try:
        window.document.replace(layered([2, 3, 1]), None)
        assert [ref() is None for ref in refs] == [True] * len(refs)
    finally:
        gc.enable()
