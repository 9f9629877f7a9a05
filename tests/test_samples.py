"""Tests for sample_networks/: every file loads and is presentable; the seed numbers hold.

The seed 000 numbers are recomputed here with plain ``math`` from the file's own weights,
independently of the bpgui engine.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bpgui.network import fileformat
from bpgui.network.model import Network

SAMPLES = Path(__file__).resolve().parents[1] / "sample_networks"
FILES = sorted(SAMPLES.glob("*.json"))
EXPECTED = {
    "seed000_worked_example", "seed002_chain", "seed003_layered",
    "xor_2-2-1", "moons_2-8-8-1", "blobs_3class_softmax", "skip_connections",
    "seed000_sin_graph", "cs231n_add_mul", "cs231n_sigmoid_neuron", "cs231n_max_gate",
    "vanishing_sigmoid_chain", "vanishing_tanh_chain",
}
ACTIVATION = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
    "tanh": math.tanh,
    "sin": math.sin,
}


def load(stem: str) -> Network:
    return fileformat.load(SAMPLES / f"{stem}.bpnet.json")


def forward(net: Network, inputs: list[float]) -> tuple[dict[str, float], dict[str, float]]:
    """(z, a) per neuron id, by memoised recursion over the DAG, with plain math."""
    z: dict[str, float] = {}
    a: dict[str, float] = {n.id: v for n, v in zip(net.inputs, inputs, strict=True)}

    def activation(neuron_id: str) -> float:
        if neuron_id not in a:
            n = net.neuron(neuron_id)
            z[neuron_id] = n.bias + math.fsum(e.weight * activation(e.source)
                                              for e in net.edges if e.target == neuron_id)
            a[neuron_id] = ACTIVATION[n.activation](z[neuron_id])
        return a[neuron_id]

    for n in net.neurons:
        activation(n.id)
    return z, a


def test_the_expected_samples_exist() -> None:
    stems = {f.name.removesuffix(".bpnet.json") for f in FILES}
    assert stems >= EXPECTED
    assert all(f.name.endswith(".bpnet.json") for f in FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_sample_loads_and_is_presentable(path: Path) -> None:
    net = fileformat.load(path)
    assert net.name and net.name.strip()
    assert net.description is not None and len(net.description) >= 80
    assert net.samples, "a sample network should come with training data"
    for n in net.neurons:
        assert n.x is not None and n.y is not None, f"{n.id} has no canvas position"
    positions = {(n.x, n.y) for n in net.neurons}
    assert len(positions) == len(net.neurons), "two neurons share a position"
    for e in net.edges:
        x_source, x_target = net.neuron(e.source).x, net.neuron(e.target).x
        assert x_source is not None and x_target is not None     # every neuron has one
        assert x_source < x_target, f"{e.id} points leftwards"
    assert "training" in json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_sample_round_trips_without_loss(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert fileformat.network_to_dict(fileformat.load(path)) == document


def test_seed000_reproduces_the_published_numbers() -> None:
    net = load("seed000_worked_example")
    assert net.name == "Seed 000: the worked example"
    assert net.loss == "half_sse" and net.training.learning_rate == 0.5
    assert len(net.samples) == 1
    sample = net.samples[0]
    assert sample.inputs == [0.0, 1.0, 1.0] and sample.targets == [1.0]
    z, a = forward(net, sample.inputs)
    assert z["h1"] == -2.0
    assert round(a["h1"], 3) == -0.964
    assert z["h2"] == 4.0
    assert round(a["h2"], 4) == 0.9993
    assert round(z["y"], 4) == 0.1073
    assert round(a["y"], 4) == 0.5268

    y_hat, x3, w7 = a["y"], sample.inputs[2], net.edge("w7").weight
    grad_w5 = (y_hat - 1.0) * y_hat * (1.0 - y_hat) * w7 * (1.0 - a["h1"] ** 2) * x3
    assert f"{grad_w5:.3g}" == "-0.025"
    assert round(grad_w5, 4) == -0.0250


def test_seed000_gradient_formula_matches_a_finite_difference() -> None:
    net = load("seed000_worked_example")
    sample = net.samples[0]

    def loss(w5: float) -> float:
        net.edge("w5").weight = w5
        return 0.5 * (sample.targets[0] - forward(net, sample.inputs)[1]["y"]) ** 2

    h = 1e-6
    numeric = (loss(-1.0 + h) - loss(-1.0 - h)) / (2 * h)
    assert math.isclose(numeric, -0.02500130674, rel_tol=1e-6)


def test_seed000_bias_2_alone_would_not_round_to_the_published_z3() -> None:
    net = load("seed000_worked_example")
    net.neuron("y").bias = 2.0
    z, _ = forward(net, net.samples[0].inputs)
    assert round(z["y"], 4) == 0.1072  # the reason the file uses 2.0001


def test_xor_sample_holds_the_truth_table() -> None:
    net = load("xor_2-2-1")
    table = {tuple(s.inputs): s.targets for s in net.samples}
    assert table == {(0.0, 0.0): [0.0], (0.0, 1.0): [1.0], (1.0, 0.0): [1.0],
                     (1.0, 1.0): [0.0]}


def test_generated_weights_have_at_most_four_decimals() -> None:
    for stem in ("xor_2-2-1", "moons_2-8-8-1", "blobs_3class_softmax"):
        for e in load(stem).edges:
            assert round(e.weight, 4) == e.weight, (stem, e.id)


def test_blobs_targets_are_one_hot() -> None:
    net = load("blobs_3class_softmax")
    assert net.loss == "softmax_ce" and len(net.samples) == 60
    assert all(sorted(s.targets) == [0.0, 0.0, 1.0] for s in net.samples)
    assert all(n.activation == "identity" for n in net.outputs)


def test_skip_connections_sample_has_skips_and_frozen_parameters() -> None:
    net = load("skip_connections")
    levels = {"x1": 0, "x2": 0}
    for n in net.neurons:  # the file lists neurons in a topological order
        sources = [e.source for e in net.edges if e.target == n.id]
        if sources:
            levels[n.id] = 1 + max(levels[s] for s in sources)
    assert any(levels[e.target] - levels[e.source] > 1 for e in net.edges)
    assert any(not e.trainable for e in net.edges)
    assert any(not n.train_bias for n in net.neurons if not n.is_input)
    assert len(net.samples) == 4
