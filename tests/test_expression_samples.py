"""The graph samples (seed 000's sin graph, CS231n's three circuits) hold the published
numbers their descriptions quote.

Each number is worked out twice without the bpgui engine: by hand, as the source writes
it (CS231n's own few lines of Python for the sigmoid neuron), and from the file's graph
with a small evaluator in plain ``math`` here, differentiated by central differences.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from bpgui.network import fileformat
from bpgui.network.model import Network
from bpgui.network.operations import check_operands

SAMPLES = Path(__file__).resolve().parents[1] / "sample_networks"
GRAPHS = ("seed000_sin_graph", "cs231n_add_mul", "cs231n_sigmoid_neuron", "cs231n_max_gate")
OPS: dict[str, Callable[[list[float], float | None], float]] = {
    "add": lambda v, p: math.fsum(v), "sub": lambda v, p: v[0] - v[1],
    "mul": lambda v, p: math.prod(v), "div": lambda v, p: v[0] / v[1],
    "neg": lambda v, p: -v[0], "square": lambda v, p: v[0] * v[0],
    "pow": lambda v, p: v[0] ** (p or 0.0), "exp": lambda v, p: math.exp(v[0]),
    "sin": lambda v, p: math.sin(v[0]), "max": lambda v, p: max(v),
    "const": lambda v, p: p or 0.0,
}


def load(stem: str) -> Network:
    return fileformat.load(SAMPLES / f"{stem}.bpnet.json")


def value(net: Network, inputs: dict[str, float]) -> float:
    """The output's value: operands are the incoming edges in file order, w·value."""
    cache = dict(inputs)

    def of(ident: str) -> float:
        if ident not in cache:
            node = net.neuron(ident)
            assert node.op is not None, f"{ident} is not an operation node"
            operands = [e.weight * of(e.source) for e in net.edges if e.target == ident]
            cache[ident] = OPS[node.op](operands, node.param)
        return cache[ident]

    (output,) = net.outputs
    return of(output.id)


def at(net: Network) -> dict[str, float]:
    return {n.id: v for n, v in zip(net.inputs, net.samples[0].inputs, strict=True)}


def slope(net: Network, name: str, h: float = 1e-6) -> float:
    """∂f/∂(input ``name``) by a central difference."""
    point = at(net)
    up, down = dict(point, **{name: point[name] + h}), dict(point, **{name: point[name] - h})
    return (value(net, up) - value(net, down)) / (2 * h)


@pytest.mark.parametrize("stem", GRAPHS)
def test_graph_samples_are_operation_graphs_of_their_output(stem: str) -> None:
    net = load(stem)
    assert net.loss == "output" and len(net.samples) == 1 and net.samples[0].targets == [0.0]
    assert all(n.is_operation for n in net.neurons if not n.is_input)
    check_operands(net.neurons, net.edges)


def test_seed000_sin_graph_is_the_seeds_picture() -> None:
    net = load("seed000_sin_graph")
    assert [(n.id, n.op) for n in net.neurons] == [("x", None), ("y", None), ("a", "add"),
                                                   ("z", "sin")]
    assert [(e.id, e.source, e.target, e.weight) for e in net.edges] == [
        ("a_x", "x", "a", 2.0), ("a_y", "y", "a", 1.0), ("z_a", "a", "z", 1.0)]
    assert at(net) == {"x": 0.5, "y": 0.3}
    assert value(net, at(net)) == math.sin(1.3)
    assert slope(net, "x") == pytest.approx(2 * math.cos(1.3), abs=1e-8)
    assert slope(net, "y") == pytest.approx(math.cos(1.3), abs=1e-8)
    text = net.description or ""
    for number in ("a = 1.3", "sin 1.3 = 0.9636", "cos 1.3 = 0.2675", "∂z/∂x = 0.5350",
                   "∂z/∂y = 0.2675"):
        assert number in text, number


def test_cs231n_add_mul_holds_the_published_numbers() -> None:
    net = load("cs231n_add_mul")
    x, y, z = -2.0, 5.0, -4.0
    assert at(net) == {"x": x, "y": y, "z": z}
    q = x + y                                   # by hand, as the notes write it
    f = q * z
    assert (q, f) == (3.0, -12.0)
    hand = {"x": z, "y": z, "z": q}             # ∂f/∂x = ∂f/∂y = z, ∂f/∂z = q
    assert hand == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert [(n.id, n.op) for n in net.neurons][3:] == [("q", "add"), ("f", "mul")]
    assert value(net, at(net)) == f
    for name, gradient in hand.items():
        assert slope(net, name) == pytest.approx(gradient, abs=1e-8)
    text = net.description or ""
    for number in ("q = 3 and f = −12", "∂f/∂q = z = −4", "∂f/∂z = q = 3",
                   "∂f/∂x = ∂f/∂y = −4"):
        assert number in text, number


def test_cs231n_sigmoid_neuron_holds_the_published_numbers() -> None:
    net = load("cs231n_sigmoid_neuron")
    w, x = [2.0, -3.0, -3.0], [-1.0, -2.0]
    assert at(net) == {"w0": w[0], "x0": x[0], "w1": w[1], "x1": x[1], "w2": w[2]}
    dot = w[0] * x[0] + w[1] * x[1] + w[2]      # CS231n's own lines
    f = 1.0 / (1 + math.exp(-dot))
    ddot = (1 - f) * f
    dx = [w[0] * ddot, w[1] * ddot]
    dw = [x[0] * ddot, x[1] * ddot, 1.0 * ddot]
    assert dot == 1.0 and round(f, 2) == 0.73
    assert [round(g, 2) for g in dx] == [0.39, -0.59]
    assert [round(g, 2) for g in dw] == [-0.2, -0.39, 0.2]
    assert round(-1 / (1 + math.exp(-1)) ** 2, 2) == -0.53      # the 1/x gate's gradient
    assert value(net, at(net)) == pytest.approx(f, rel=1e-15)
    for name, gradient in zip(("x0", "x1", "w0", "w1", "w2"), dx + dw, strict=True):
        assert slope(net, name) == pytest.approx(gradient, abs=1e-8)
    text = net.description or ""
    for number in ("f = 0.73", "∂f/∂x = (0.39, −0.59)", "∂f/∂w = (−0.20, −0.39, 0.20)",
                   "−1/1.37² = −0.53", "e^−1 = 0.37"):
        assert number in text, number


def test_cs231n_max_gate_holds_the_numbers_worked_out_by_hand() -> None:
    net = load("cs231n_max_gate")
    x, y, z, w = 3.0, -4.0, 2.0, -1.0
    assert at(net) == {"x": x, "y": y, "z": z, "w": w}
    f = 2 * (x * y + max(z, w))
    hand = {"x": 2 * y, "y": 2 * x, "z": 2.0 if z >= w else 0.0, "w": 2.0 if w > z else 0.0}
    assert f == -20.0 and hand == {"x": -8.0, "y": 6.0, "z": 2.0, "w": 0.0}
    ops = {n.id: n.op for n in net.neurons}
    assert sorted(op for op in ops.values() if op) == ["add", "const", "max", "mul", "mul"]
    assert value(net, at(net)) == f
    for name, gradient in hand.items():
        assert slope(net, name) == pytest.approx(gradient, abs=1e-8)
    text = net.description or ""
    for number in ("xy = −12", "max(z, w) = 2", "their sum is −10 and f = −20",
                   "∂f/∂z = 2 and ∂f/∂w = 0", "∂f/∂x = y·2 = −8", "∂f/∂y = x·2 = 6"):
        assert number in text, number


# The engine's numbers for the same graphs: the integrator turns these on once the engine
# computes operation nodes (issue 14); until then they may fail.
SIGMA_1 = 1.0 / (1.0 + math.exp(-1.0))
DDOT = SIGMA_1 * (1.0 - SIGMA_1)
ENGINE_HAND = {
    "cs231n_sigmoid_neuron": (SIGMA_1, {"w0": -DDOT, "x0": 2 * DDOT, "w1": -2 * DDOT,
                                        "x1": -3 * DDOT, "w2": DDOT}),
    "seed000_sin_graph": (math.sin(1.3), {"x": 2 * math.cos(1.3), "y": math.cos(1.3)}),
    "cs231n_add_mul": (-12.0, {"x": -4.0, "y": -4.0, "z": 3.0}),
    "cs231n_max_gate": (-20.0, {"x": -8.0, "y": 6.0, "z": 2.0, "w": 0.0}),
}


@pytest.mark.parametrize("stem", sorted(ENGINE_HAND))
def test_trace_gives_the_hand_numbers(stem: str) -> None:
    from bpgui.engine.trace import trace_document

    doc = trace_document(load(stem), 0, "node", 4)
    f, gradients = ENGINE_HAND[stem]
    assert doc["outputs"] == [pytest.approx(f, rel=1e-12)]
    for name, gradient in gradients.items():
        assert doc["neurons"][name]["grad"] == pytest.approx(gradient, rel=1e-12, abs=1e-12)
