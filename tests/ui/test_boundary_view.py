"""The Decision boundary dock: one image and one scatter, the title, the message, the modes."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel

from bpgui.engine.boundary import boundary_map
from bpgui.engine.plan import compile_plan
from bpgui.network.model import Edge, Network, Neuron, Sample
from bpgui.ui.base.theme import DARK, LIGHT
from bpgui.ui.training.boundary_view import CLASS_COLOURS, BoundaryDock, class_rgb, diverging_rgb
from tests.conftest import load_sample
from tests.ui.qt_helpers import child


@pytest.fixture
def dock(qtbot) -> BoundaryDock:
    widget = BoundaryDock()
    qtbot.addWidget(widget)
    widget.resize(600, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def title(dock: BoundaryDock) -> str:
    return child(dock, QLabel, "boundaryTitle").text()


def test_the_dock_is_named_for_the_window(dock) -> None:
    assert dock.objectName() == "boundaryPlot"
    assert dock.windowTitle() == "Decision boundary"
    assert dock.map is None                      # nothing shown yet


def test_moons_draws_one_image_and_one_spot_per_sample(dock) -> None:
    moons = load_sample("moons_2-8-8-1")
    dock.show_network(moons)
    assert dock.map is not None and dock.map.kind == "value"
    assert dock.image.image.shape == (dock.resolution, dock.resolution, 3)
    assert dock.map.values.shape == (dock.resolution, dock.resolution)
    assert len(dock.samples.points()) == len(moons.samples) == 100
    assert title(dock) == "Output ŷ over (x₁, x₂)"
    assert dock.plot_item.getAxis("bottom").labelText == "x₁"
    assert dock.plot_item.getAxis("left").labelText == "x₂"
    # the image spans the extent (plus half a pixel each side, so pixels sit on grid points)
    x_min, x_max, y_min, y_max = dock.map.extent
    rect = dock.image.mapRectToParent(dock.image.boundingRect())
    step = (x_max - x_min) / (dock.resolution - 1)
    assert rect.left() == pytest.approx(x_min - step / 2)
    assert rect.width() == pytest.approx(x_max - x_min + step)
    assert rect.top() == pytest.approx(y_min - (y_max - y_min) / (dock.resolution - 1) / 2)


def test_updates_reuse_the_same_items(dock) -> None:
    moons = load_sample("moons_2-8-8-1")
    dock.show_network(moons)
    image, samples = dock.image, dock.samples
    items = list(dock.plot_item.items)
    plan = compile_plan(moons)
    plan.blocks[-1].bias[:] = 5.0            # as training would move it
    dock.show_network(moons, plan)
    assert dock.image is image and dock.samples is samples
    assert list(dock.plot_item.items) == items
    assert np.all(dock.map.values > boundary_map(moons).values)   # the plan's parameters


def test_samples_are_coloured_by_target(dock) -> None:
    moons = load_sample("moons_2-8-8-1")
    dock.show_network(moons)
    fills = {(s.targets[0], p.brush().color().name()) for s, p in
             zip(moons.samples, dock.samples.points(), strict=True)}
    assert fills == {(0.0, "#d55e00"), (1.0, "#0072b2")}     # vermillion and blue
    assert all(p.size() >= 12 for p in dock.samples.points())
    assert QColor(dock.samples.opts["pen"].color()).lightness() < 60   # a dark outline


def test_show_neuron_switches_to_that_neurons_column(dock) -> None:
    moons = load_sample("moons_2-8-8-1")
    moons.neuron("h1_3").label = "h3"
    plan = compile_plan(moons)
    dock.show_network(moons, plan)
    output = dock.map.values
    dock.show_neuron("h1_3")
    assert dock.map.neuron == "h1_3"
    assert title(dock) == "Hidden neuron h3: its activation over (x₁, x₂)"
    expected = boundary_map(moons, plan, neuron="h1_3").values
    assert np.array_equal(dock.map.values, expected)
    assert not np.allclose(dock.map.values, output)
    assert dock.map.value_range == (-1.0, 1.0)             # tanh
    dock.show_network(moons, plan)                          # a training tick keeps the hover
    assert dock.map.neuron == "h1_3"
    dock.show_neuron(None)
    assert dock.map.neuron is None and title(dock) == "Output ŷ over (x₁, x₂)"
    assert np.array_equal(dock.map.values, output)


def test_a_neuron_that_is_gone_falls_back_to_the_outputs(dock) -> None:
    moons = load_sample("moons_2-8-8-1")
    dock.show_network(moons)
    dock.show_neuron("nobody")
    assert dock.map is not None and dock.map.neuron is None


def test_three_inputs_show_a_message_instead(dock) -> None:
    dock.show_network(load_sample("moons_2-8-8-1"))
    dock.show_network(load_sample("seed000_worked_example"))
    assert dock.map is None
    message = dock.findChild(QLabel, "boundaryMessage")
    assert message.isVisible() and not dock.plot_widget.isVisible()
    assert message.text() == ("The decision boundary needs a network with exactly 2 inputs "
                              "(this one has 3).")
    dock.show_neuron("h1")                                  # still no raise, still no map
    assert dock.map is None
    dock.show_network(load_sample("moons_2-8-8-1"))         # and back
    assert dock.map is not None and dock.plot_widget.isVisible() and not message.isVisible()


def test_no_output_shows_the_reason(dock) -> None:
    net = Network([Neuron("x1", "input"), Neuron("x2", "input"), Neuron("h", "hidden")],
                  [Edge("a", "x1", "h", 1.0)])
    dock.show_network(net)
    assert dock.map is None
    assert "needs an output neuron" in dock.findChild(QLabel, "boundaryMessage").text()


def test_a_stale_plan_is_ignored(dock) -> None:
    moons = load_sample("moons_2-8-8-1")
    dock.show_network(moons, compile_plan(load_sample("xor_2-2-1")))
    assert dock.map is not None
    assert np.array_equal(dock.map.values, boundary_map(moons).values)


def test_blobs_are_drawn_in_class_colours(dock) -> None:
    blobs = load_sample("blobs_3class_softmax")
    dock.show_network(blobs)
    assert dock.map.kind == "classes" and dock.map.classes is not None
    assert dock.image.image.shape == (dock.resolution, dock.resolution, 3)
    assert title(dock) == "Winning class of ŷ₁, ŷ₂, ŷ₃ over (x₁, x₂)"
    assert "softmax probability" in dock.findChild(QLabel, "boundaryTitle").toolTip()
    fills = {p.brush().color().name().upper() for p in dock.samples.points()}
    assert fills == set(CLASS_COLOURS[:3])
    for sample, point in zip(blobs.samples, dock.samples.points(), strict=True):
        assert point.brush().color().name().upper() == CLASS_COLOURS[sample.targets.index(1.0)]


def test_class_cells_are_paler_where_the_winner_is_unsure() -> None:
    classes = np.array([[0, 0]])
    rgb = class_rgb(classes, np.array([[1 / 3, 1.0]]), (1 / 3, 1.0))
    sure, unsure = QColor(*map(int, rgb[0, 1])), QColor(*map(int, rgb[0, 0]))
    assert unsure.lightness() > sure.lightness()
    assert sure.hue() == pytest.approx(QColor(CLASS_COLOURS[0]).hue(), abs=3)


def test_the_diverging_map_runs_vermillion_white_blue() -> None:
    rgb = diverging_rgb(np.array([[0.0, 0.5, 1.0, np.nan]]), (0.0, 1.0))
    low, middle, high, missing = (QColor(*map(int, c)) for c in rgb[0])
    assert low.red() > low.blue() and high.blue() > high.red()
    assert middle.lightness() > 240 and missing == middle
    assert abs(low.hue() - QColor("#D55E00").hue()) <= 3
    assert abs(high.hue() - QColor("#0072B2").hue()) <= 3


def test_the_theme_sets_the_background(dock) -> None:
    dock.show_network(load_sample("moons_2-8-8-1"))
    dock.set_theme(DARK)
    assert dock.plot_widget.backgroundBrush().color() == DARK.background
    assert DARK.text.name() in dock.findChild(QLabel, "boundaryTitle").styleSheet()
    dock.set_theme(LIGHT)
    assert dock.plot_widget.backgroundBrush().color() == LIGHT.background


def test_fonts_are_large_enough(dock) -> None:
    dock.show_network(load_sample("moons_2-8-8-1"))
    for name in ("bottom", "left"):
        assert dock.plot_item.getAxis(name).style["tickFont"].pixelSize() >= 14
    assert "font-size: 18px" in dock.findChild(QLabel, "boundaryTitle").styleSheet()


def test_edited_samples_are_redrawn(dock) -> None:
    net = Network([Neuron("a", "input"), Neuron("b", "input"),
                   Neuron("y", "output", activation="sigmoid")],
                  [Edge("w", "a", "y", 1.0)], samples=[Sample([0.0, 0.0], [1.0])])
    dock.show_network(net)
    assert len(dock.samples.points()) == 1
    net.samples.append(Sample([1.0, 1.0], [0.0]))
    dock.show_network(net)
    assert len(dock.samples.points()) == 2
    assert title(dock) == "Output y over (a, b)"
