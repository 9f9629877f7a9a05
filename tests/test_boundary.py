"""The decision-boundary map, checked against formulas worked out by hand with ``math``.

Each hand-built network is small enough that ŷ at a grid point is one line of
arithmetic, so a wrong row/column order, a wrong extent or stale parameters
show up as a wrong number at a named cell.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bpgui.engine.boundary import boundary_map, input_extent, value_range
from bpgui.engine.fastpath import forward
from bpgui.engine.plan import compile_plan
from bpgui.network.errors import BpguiError
from bpgui.network.model import Edge, Network, Neuron, Sample
from tests.conftest import load_sample

# A 5×5 grid on this extent has the round coordinates x = −2…2 and y = −1…3.
EXTENT = (-2.0, 2.0, -1.0, 3.0)
XS = [-2.0, -1.0, 0.0, 1.0, 2.0]
YS = [-1.0, 0.0, 1.0, 2.0, 3.0]


def sigma(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def perceptron(w1: float = 1.5, w2: float = -0.5, b: float = 0.25) -> Network:
    """ŷ = σ(w1·x₁ + w2·x₂ + b)."""
    net = Network(
        [Neuron("x1", "input", label="x₁"), Neuron("x2", "input", label="x₂"),
         Neuron("y", "output", activation="sigmoid", bias=b, label="ŷ")],
        [Edge("w1", "x1", "y", w1), Edge("w2", "x2", "y", w2)],
        loss="bce",
        samples=[Sample([0.0, -1.0], [0.0]), Sample([2.0, 1.0], [1.0])])
    net.validate()
    return net


def with_hidden() -> Network:
    """h = tanh(0.8·x₁ − 1.2·x₂ + 0.3); ŷ = σ(2·h − 0.5)."""
    net = Network(
        [Neuron("x1", "input"), Neuron("x2", "input"),
         Neuron("h", "hidden", activation="tanh", bias=0.3, label="h₁"),
         Neuron("y", "output", activation="sigmoid", bias=-0.5)],
        [Edge("a", "x1", "h", 0.8), Edge("b", "x2", "h", -1.2), Edge("c", "h", "y", 2.0)],
        samples=[Sample([0.0, 0.0], [1.0])])
    net.validate()
    return net


def three_scores(loss: str = "softmax_ce") -> Network:
    """Identity scores s₀ = 2·x₁, s₁ = 2·x₂, s₂ = 1 (a bias and a zero-weight edge)."""
    net = Network(
        [Neuron("x1", "input"), Neuron("x2", "input"),
         Neuron("s0", "output", activation="identity"),
         Neuron("s1", "output", activation="identity"),
         Neuron("s2", "output", activation="identity", bias=1.0)],
        [Edge("a", "x1", "s0", 2.0), Edge("b", "x2", "s1", 2.0), Edge("c", "x1", "s2", 0.0)],
        loss=loss,
        samples=[Sample([1.0, 0.0], [1.0, 0.0, 0.0])])
    net.validate()
    return net


def test_the_grid_is_resolution_by_resolution() -> None:
    moons = load_sample("moons_2-8-8-1")
    for resolution in (2, 17, 96):
        m = boundary_map(moons, resolution=resolution)
        assert m.values.shape == (resolution, resolution)
        assert m.values.dtype == np.float64
    blobs = boundary_map(load_sample("blobs_3class_softmax"), resolution=40)
    assert blobs.classes is not None
    assert blobs.values.shape == blobs.classes.shape == (40, 40)


def test_one_sigmoid_output_matches_the_formula_at_every_cell() -> None:
    m = boundary_map(perceptron(), resolution=5, extent=EXTENT)
    assert m.kind == "value" and m.neuron is None and m.classes is None
    assert m.extent == EXTENT
    for i, y in enumerate(YS):            # row i is the i-th y from the bottom
        for j, x in enumerate(XS):        # column j the j-th x from the left
            assert m.values[i, j] == pytest.approx(sigma(1.5 * x - 0.5 * y + 0.25), rel=1e-6)
    assert m.value_range == (0.0, 1.0)    # σ's natural range, not the data's


def test_rows_are_y_and_columns_are_x() -> None:
    m = boundary_map(perceptron(w1=1.0, w2=0.0, b=0.0), resolution=5, extent=EXTENT)
    assert np.all(np.diff(m.values, axis=1) > 0)        # grows along x
    assert np.all(np.diff(m.values, axis=0) == 0)       # constant along y


def test_a_hidden_neurons_map_is_its_own_activation() -> None:
    m = boundary_map(with_hidden(), neuron="h", resolution=5, extent=EXTENT)
    assert m.kind == "value" and m.neuron == "h"
    assert m.value_range == (-1.0, 1.0)
    for i, j in [(0, 0), (0, 4), (2, 2), (4, 1), (3, 3)]:
        x, y = XS[j], YS[i]
        assert m.values[i, j] == pytest.approx(math.tanh(0.8 * x - 1.2 * y + 0.3), rel=1e-6)


def test_the_output_of_a_hidden_network_composes_by_hand() -> None:
    m = boundary_map(with_hidden(), resolution=5, extent=EXTENT)
    x, y = XS[1], YS[3]
    assert m.values[3, 1] == pytest.approx(sigma(2.0 * math.tanh(0.8 * x - 1.2 * y + 0.3) - 0.5),
                                           rel=1e-6)


def test_an_input_neurons_map_is_its_coordinate() -> None:
    net = with_hidden()
    x_map = boundary_map(net, neuron="x1", resolution=5, extent=EXTENT)
    y_map = boundary_map(net, neuron="x2", resolution=5, extent=EXTENT)
    assert np.array_equal(x_map.values, np.tile(XS, (5, 1)))
    assert np.array_equal(y_map.values, np.tile(np.array(YS)[:, None], (1, 5)))
    assert x_map.value_range == (-2.0, 2.0) and y_map.value_range == (-1.0, 3.0)


def test_softmax_classes_win_where_their_score_is_largest() -> None:
    m = boundary_map(three_scores(), resolution=5, extent=EXTENT)
    assert m.kind == "classes" and m.classes is not None
    assert m.value_range == pytest.approx((1 / 3, 1.0))
    # s0 = 2x, s1 = 2y, s2 = 1
    assert m.classes[0, 4] == 0           # x = 2, y = −1: s = (4, −2, 1)
    assert m.classes[4, 0] == 1           # x = −2, y = 3: s = (−4, 6, 1)
    assert m.classes[1, 1] == 2           # x = −1, y = 0: s = (−2, 0, 1)
    for i in range(5):
        for j in range(5):
            scores = [2 * XS[j], 2 * YS[i], 1.0]
            if sorted(scores)[-1] - sorted(scores)[-2] > 1e-9:   # no tie
                assert m.classes[i, j] == scores.index(max(scores))
            probability = math.exp(max(scores)) / sum(math.exp(s) for s in scores)
            assert m.values[i, j] == pytest.approx(probability, rel=1e-6)


def test_without_softmax_the_value_is_the_winning_score() -> None:
    m = boundary_map(three_scores(loss="half_sse"), resolution=5, extent=EXTENT)
    assert m.kind == "classes"
    assert m.values[0, 4] == pytest.approx(4.0) and m.values[4, 0] == pytest.approx(6.0)
    assert m.value_range == pytest.approx((float(m.values.min()), float(m.values.max())))


def test_the_extent_holds_the_samples_and_a_margin() -> None:
    net = perceptron()          # x₁ in [0, 2], x₂ in [−1, 1]
    assert input_extent(net) == pytest.approx((-0.3, 2.3, -1.3, 1.3))
    assert input_extent(net, margin=0.5) == pytest.approx((-1.0, 3.0, -2.0, 2.0))
    moons = load_sample("moons_2-8-8-1")
    x = np.array([s.inputs for s in moons.samples])
    x_min, x_max, y_min, y_max = input_extent(moons)
    for (lo, hi), column in (((x_min, x_max), x[:, 0]), ((y_min, y_max), x[:, 1])):
        span = column.max() - column.min()
        assert lo == pytest.approx(column.min() - 0.15 * span)
        assert hi == pytest.approx(column.max() + 0.15 * span)
    assert boundary_map(moons).extent == (x_min, x_max, y_min, y_max)


def test_an_axis_without_spread_gets_a_unit_either_side() -> None:
    net = perceptron()
    net.samples = [Sample([3.0, 0.0], [1.0]), Sample([3.0, 1.0], [0.0])]
    assert input_extent(net) == pytest.approx((2.0, 4.0, -0.15, 1.15))
    net.samples = []
    assert input_extent(net) == (-1.0, 1.0, -1.0, 1.0)
    assert boundary_map(net, resolution=4).values.shape == (4, 4)


def test_three_inputs_are_refused_with_the_count() -> None:
    with pytest.raises(BpguiError) as caught:
        boundary_map(load_sample("seed000_worked_example"))
    assert str(caught.value) == "the decision boundary needs exactly 2 inputs; this network has 3"


def test_no_output_is_refused() -> None:
    net = Network([Neuron("x1", "input"), Neuron("x2", "input"), Neuron("h", "hidden")],
                  [Edge("a", "x1", "h", 1.0)])
    with pytest.raises(BpguiError, match="needs an output neuron"):
        boundary_map(net)


def test_the_plans_parameters_are_used_not_the_networks() -> None:
    net = perceptron(w1=1.5, w2=-0.5, b=0.25)
    plan = compile_plan(net)
    block, row, col = plan.edge_slot["w1"]
    plan.blocks[block].weights[row, col] = -3.0       # as training would move it
    b_block, b_col = plan.bias_slot["y"]
    plan.blocks[b_block].bias[b_col] = 1.0
    m = boundary_map(net, plan, resolution=5, extent=EXTENT)
    for i, j in [(0, 0), (2, 3), (4, 4)]:
        x, y = XS[j], YS[i]
        assert m.values[i, j] == pytest.approx(sigma(-3.0 * x - 0.5 * y + 1.0), rel=1e-6)
    assert net.edge("w1").weight == 1.5               # the network is left alone
    own = boundary_map(net, resolution=5, extent=EXTENT)
    assert own.values[0, 0] == pytest.approx(sigma(1.5 * -2.0 - 0.5 * -1.0 + 0.25), rel=1e-6)


def test_a_plan_of_another_network_is_refused() -> None:
    with pytest.raises(BpguiError, match="another network"):
        boundary_map(with_hidden(), compile_plan(perceptron()))


def test_the_map_agrees_with_the_double_precision_fast_path() -> None:
    """The map runs in float32 for speed; it must stay within float32 noise of ``forward``."""
    moons = load_sample("moons_2-8-8-1")
    plan = compile_plan(moons)
    m = boundary_map(moons, plan, resolution=24)
    x_min, x_max, y_min, y_max = m.extent
    gx, gy = np.meshgrid(np.linspace(x_min, x_max, 24), np.linspace(y_min, y_max, 24))
    a = forward(plan, np.column_stack([gx.ravel(), gy.ravel()])).a
    assert np.allclose(m.values, a[:, plan.column["y"]].reshape(24, 24), atol=1e-5)
    hidden = boundary_map(moons, plan, neuron="h2_3", resolution=24)
    assert np.allclose(hidden.values, a[:, plan.column["h2_3"]].reshape(24, 24), atol=1e-5)


def test_the_sample_networks_give_sane_maps() -> None:
    moons = boundary_map(load_sample("moons_2-8-8-1"))
    assert moons.kind == "value" and moons.value_range == (0.0, 1.0)
    assert np.all((moons.values > 0) & (moons.values < 1))
    blobs = boundary_map(load_sample("blobs_3class_softmax"))
    assert blobs.kind == "classes" and blobs.classes is not None
    assert set(np.unique(blobs.classes)) <= {0, 1, 2}
    assert np.all((blobs.values >= 1 / 3 - 1e-6) & (blobs.values <= 1 + 1e-6))


def test_the_maps_are_read_only() -> None:
    m = boundary_map(load_sample("blobs_3class_softmax"), resolution=8)
    with pytest.raises(ValueError):
        m.values[0, 0] = 1.0
    with pytest.raises(ValueError):
        m.classes[0, 0] = 1   # type: ignore[index]


def test_value_range_follows_the_data_and_never_collapses() -> None:
    data = np.array([[0.0, 2.5], [1.0, np.inf]])
    assert value_range(data, "relu") == (0.0, 2.5)     # non-finite values are ignored
    assert value_range(data, "sigmoid") == (0.0, 1.0)
    assert value_range(np.full((2, 2), 3.0)) == (2.5, 3.5)
    assert value_range(np.full((2, 2), np.nan)) == (-1.0, 1.0)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(BpguiError, match="no neuron 'nope'"):
        boundary_map(perceptron(), neuron="nope")
    with pytest.raises(BpguiError, match="is empty"):
        boundary_map(perceptron(), extent=(1.0, 1.0, 0.0, 1.0))
    with pytest.raises(BpguiError, match="resolution"):
        boundary_map(perceptron(), resolution=1)
