"""Labels too small to read are sketched by the scene, in batches, as each drew itself.

A canvas zoomed out past the legibility threshold hands every shown label's sketch to
the scene's :class:`LabelSketches`, whose items draw them all in a few calls. What the
canvas shows must not change for it: these compare the canvas with the same canvas
whose labels draw their own sketches (the path every label took before), idle and
through a pass whose steps show overlapping labels.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QTransform
from PySide6.QtWidgets import QApplication, QGraphicsItem

from bpgui.network.fileformat import load
from bpgui.ui.canvas.edge_item import EdgeItem
from bpgui.ui.canvas.export import canvas_image
from bpgui.ui.canvas.look import legible
from bpgui.ui.canvas.weight_label import EdgeLabel

SAMPLES = Path(__file__).resolve().parents[2] / "sample_networks"
CASES = [("seed000_worked_example", "node"), ("overfit_moons", "layer")]
BLEND_LEVELS = 16       # of 255: what a changed blending order may change a pixel by
NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents


def on_screen(window) -> QImage:
    QApplication.processEvents()
    return window.view.viewport().grab().toImage()


def shown_labels(window) -> list[EdgeLabel]:
    return [edge.label_item for edge in window.scene.edge_items.values()
            if edge.label_visible]


def drawn_alone(window) -> QImage:
    """The canvas with every label drawing its own (uncached) sketch, as before the
    scene drew them; then the scene draws them again."""
    scene = window.scene
    edges = list(scene.edge_items.values())
    for edge in edges:
        edge.set_label_legible(True)        # (takes its sketch back)
        edge.sketches = None
        edge.set_label_legible(False)
    assert len(scene.sketches) == 0
    image = on_screen(window)
    for edge in edges:
        edge.set_label_legible(True)
        edge.sketches = scene.sketches
        edge.set_label_legible(False)
    return image


def test_a_label_too_small_to_read_hands_its_sketch_to_the_scene(window) -> None:
    """Zoomed out, every shown label draws nothing itself and the scene holds its
    sketch, at the label's own box; zoomed back in, each label draws itself again."""
    scene, view = window.scene, window.view
    labels = shown_labels(window)
    assert labels and len(scene.sketches) == 0
    view.setTransform(QTransform.fromScale(0.15, 0.15))
    assert not legible(0.15)
    assert len(scene.sketches) == len(labels)
    for label in labels:
        assert label in scene.sketches and label.flags() & NO_CONTENTS
        assert scene.sketches._where[label].box == label._rect
    view.setTransform(QTransform.fromScale(1.0, 1.0))
    assert len(scene.sketches) == 0
    assert not any(label.flags() & NO_CONTENTS for label in labels)


def largest_difference(a: QImage, b: QImage) -> tuple[int, int]:
    """(how many pixels differ, by how much at most in any channel, out of 255)."""
    def array(image: QImage) -> np.ndarray:
        image = image.convertToFormat(QImage.Format.Format_ARGB32)
        rows = np.frombuffer(image.constBits(), np.uint8).reshape(
            image.height(), image.bytesPerLine())
        return rows[:, :image.width() * 4].reshape(image.height(), image.width(), 4)

    assert a.size() == b.size()
    difference = np.abs(array(a).astype(int) - array(b).astype(int)).max(axis=2)
    return int((difference > 0).sum()), int(difference.max())


def step_through_sketched(window, sample: str, granularity: str) -> Iterator[int]:
    """Open ``sample`` zoomed out past the threshold; yield each step's number (0
    idle), then step on."""
    assert window.files.new(load(SAMPLES / f"{sample}.bpnet.json"))
    view, session = window.view, window.stepping.session
    session.set_granularity(granularity)
    view.setTransform(QTransform.fromScale(0.1, 0.1))
    view.centerOn(window.scene.itemsBoundingRect().center())
    steps = 0
    while True:
        assert len(window.scene.sketches) > 0
        yield steps
        if not session.step():
            break
        steps += 1
    assert steps == len(session.records) > 0


@pytest.mark.parametrize(("sample", "granularity"), CASES)
def test_sketches_drawn_in_order_look_as_each_label_drew_its_own(
        monkeypatch, window, sample: str, granularity: str) -> None:
    """Every sketch drawn by itself, in stacking order: the canvas zoomed out, idle and
    after every step of a pass (a layer step of the overfitting sample shows a
    thousand overlapping labels), equals the canvas whose labels each draw their own
    sketch, pixel for pixel: the same boxes, bars, leader lines, colours and stacking."""
    monkeypatch.setattr(EdgeItem, "label_alone", property(lambda self: True))
    for step in step_through_sketched(window, sample, granularity):
        shown = on_screen(window)
        assert shown == drawn_alone(window), f"step {step} draws the labels differently"
        assert on_screen(window) == shown


@pytest.mark.parametrize(("sample", "granularity"), CASES)
def test_batched_sketches_differ_only_where_boxes_a_pixel_apart_blend(
        window, sample: str, granularity: str) -> None:
    """As drawn (the labels that fit, which never overlap, in one call per colour): two
    boxes a fraction of a pixel apart blend their shared pixels in another order, so a
    few pixels differ, by a few levels; a label missing, moved or stacked wrongly would
    differ by far more (a faded box's outline is 25 levels from the background)."""
    for step in step_through_sketched(window, sample, granularity):
        shown = on_screen(window)
        alone = drawn_alone(window)
        count, most = largest_difference(shown, alone)
        assert most <= BLEND_LEVELS, f"step {step}: {count} pixels differ by up to {most}"
        assert count <= shown.width() * shown.height() // 200, f"step {step}: {count}"


def test_labels_sketched_in_the_middle_of_a_pass_fade_as_they_drew_themselves(
        window) -> None:
    """Zooming out in the middle of a pass (the sketches' levels are made then, after
    the pass faded the canvas): the faded labels stay faded, as each drew its own."""
    session = window.stepping.session
    for _ in range(8):
        assert session.step()
    assert len(window.scene.sketches) == 0
    window.view.setTransform(QTransform.fromScale(0.15, 0.15))
    window.view.centerOn(window.scene.itemsBoundingRect().center())
    assert len(window.scene.sketches) > 0
    shown = on_screen(window)
    assert largest_difference(shown, drawn_alone(window))[1] <= BLEND_LEVELS


def test_a_picture_shows_the_labels_as_they_look_at_its_own_scale(window) -> None:
    """Exporting at twice the size while the canvas is zoomed out too far to read the
    labels draws their text, as the export of the canvas zoomed in does; after it the
    canvas sketches them again."""
    scene, view = window.scene, window.view
    view.setTransform(QTransform.fromScale(1.0, 1.0))
    zoomed_in = canvas_image(scene, 2.0)
    view.setTransform(QTransform.fromScale(0.1, 0.1))
    sketched = len(scene.sketches)
    assert sketched > 0
    assert canvas_image(scene, 2.0) == zoomed_in
    assert len(scene.sketches) == sketched
    view.fit(QRectF(-20_000, -15_000, 40_000, 30_000))
    assert len(scene.sketches) == sketched


def test_a_sketch_that_moves_is_repainted_where_it_was_and_where_it_goes(window) -> None:
    """A sketched label slid along its edge leaves no trace where it was, and shows
    where it went: the canvas equals the same canvas painted afresh, and differs from
    the one before."""
    view, scene = window.view, window.scene
    view.setTransform(QTransform.fromScale(0.15, 0.15))
    view.centerOn(scene.itemsBoundingRect().center())
    before = on_screen(window)
    edge = scene.edge_items["w1"]
    edge.set_label_place((0.8 if edge.label_at < 0.5 else 0.2, 0.0, 0.0))
    moved = on_screen(window)
    for item in scene.items():
        item.update()
    assert moved == on_screen(window)
    assert moved != before


@pytest.mark.parametrize("sample", ["seed000_worked_example", "overfit_moons"])
def test_the_sketches_never_widen_what_the_scene_covers(window, sample: str) -> None:
    """The sketches' items lie within the edges' own bounds, so what a view fits to
    and a picture shows (the items' extent) is the same sketched as legible."""
    assert window.files.new(load(SAMPLES / f"{sample}.bpnet.json"))
    scene, view = window.scene, window.view
    view.setTransform(QTransform.fromScale(1.0, 1.0))
    legible_extent = scene.itemsBoundingRect()
    view.setTransform(QTransform.fromScale(0.1, 0.1))
    assert len(scene.sketches) > 0
    edges = QRectF()
    for edge in scene.edge_items.values():
        edges = edges.united(edge.sceneBoundingRect())
    for level in scene.sketches._levels.values():
        assert edges.contains(level.sceneBoundingRect())
    assert scene.itemsBoundingRect() == legible_extent
