"""The reference's operation nodes on their own, and the random operation graphs (no engine).

This module owns the evidence that ``tests/reference_operations.py`` and the operation
part of ``tests/reference.py`` are right before anything is compared with them: every
operation's value and local derivatives worked out by hand, the same derivatives against
central differences of the value, the undefined cases, the plan's conventions (operands
in edge order, max/min to the first extreme, the fork rule), published worked examples,
and whole graphs' gradients against finite differences of the reference's own forward
pass. And that ``operation_graphs`` draws only graphs the model accepts and the
reference can compute, with every operation in them.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

from bpgui.network import fileformat
from bpgui.network.model import Edge, Network, Neuron, Sample
from bpgui.network.operations import OPERATION_TABLE, check_operands
from tests.operation_examples import (
    cs231n_circuit,
    fork_cube,
    gate_distance,
    nudged,
    seed000_graph,
    sigmoid_gates,
    sigmoid_neuron,
    sigmoid_op,
)
from tests.reference import reference_dataset, reference_loss, reference_pass
from tests.reference_operations import ARITY, Undefined, evaluate, undefined_reason
from tests.strategies import BOUND, OPERATION_NAMES, operation_graphs

SQ3 = math.sqrt(3.0)

# (operation, operands, p, value, ∂value/∂operandₖ), each worked out by hand
BY_HAND: list[tuple[str, list[float], float | None, float, list[float]]] = [
    ("add", [1.5, -0.25, 2.0], None, 3.25, [1.0, 1.0, 1.0]),
    ("add", [4.0], None, 4.0, [1.0]),
    ("sub", [3.0, 5.0], None, -2.0, [1.0, -1.0]),
    ("mul", [2.0, -3.0, 0.5], None, -3.0, [-1.5, 1.0, -6.0]),
    ("mul", [0.0, 4.0, 5.0], None, 0.0, [20.0, 0.0, 0.0]),     # not v/x₀ at x₀ = 0
    ("mul", [7.0], None, 7.0, [1.0]),
    ("div", [3.0, 4.0], None, 0.75, [0.25, -3.0 / 16.0]),
    ("max", [1.0, 3.0, 3.0, 2.0], None, 3.0, [0.0, 1.0, 0.0, 0.0]),   # the first 3
    ("min", [2.0, -1.0, -1.0], None, -1.0, [0.0, 1.0, 0.0]),
    ("max", [-5.0], None, -5.0, [1.0]),
    ("neg", [2.5], None, -2.5, [-1.0]),
    ("square", [-3.0], None, 9.0, [-6.0]),
    ("pow", [2.0], 3.0, 8.0, [12.0]),
    ("pow", [4.0], 0.5, 2.0, [0.25]),
    ("pow", [-2.0], -1.0, -0.5, [-0.25]),
    ("pow", [-2.0], 2.0, 4.0, [-4.0]),
    ("pow", [5.0], 0.0, 1.0, [0.0]),
    ("pow", [0.0], 2.0, 0.0, [0.0]),
    ("pow", [0.0], 1.0, 0.0, [1.0]),
    ("sqrt", [9.0], None, 3.0, [1.0 / 6.0]),
    ("exp", [0.0], None, 1.0, [1.0]),
    ("exp", [1.0], None, math.e, [math.e]),
    ("log", [1.0], None, 0.0, [1.0]),
    ("log", [math.e], None, 1.0, [1.0 / math.e]),
    ("sin", [math.pi / 6.0], None, 0.5, [SQ3 / 2.0]),
    ("cos", [math.pi / 3.0], None, 0.5, [-SQ3 / 2.0]),
    ("tanh", [0.0], None, 0.0, [1.0]),
    ("tanh", [math.log(2.0)], None, 0.6, [0.64]),      # (4 − 1)/(4 + 1), 1 − 0.36
    ("sigmoid", [0.0], None, 0.5, [0.25]),
    ("sigmoid", [math.log(3.0)], None, 0.75, [3.0 / 16.0]),   # 3/(3 + 1), ¾·¼
    ("relu", [2.0], None, 2.0, [1.0]),
    ("relu", [-1.0], None, 0.0, [0.0]),
    ("relu", [0.0], None, 0.0, [0.0]),
    ("leaky_relu", [2.0], None, 2.0, [1.0]),
    ("leaky_relu", [-1.0], None, -0.01, [0.01]),
    ("leaky_relu", [0.0], None, 0.0, [0.01]),          # 0 is on the slope-0.01 side
    ("softplus", [0.0], None, math.log(2.0), [0.5]),
    ("softplus", [math.log(3.0)], None, math.log(4.0), [0.75]),   # ln(1 + 3), 3/(1 + 3)
    ("const", [], 2.5, 2.5, []),
]


def close(got: float, want: float, rel: float = 1e-14, abs_: float = 1e-15) -> bool:
    return math.isclose(got, want, rel_tol=rel, abs_tol=abs_)


@pytest.mark.parametrize(("op", "x", "p", "value", "partials"), BY_HAND)
def test_each_operation_by_hand(op: str, x: list[float], p: float | None, value: float,
                                partials: list[float]) -> None:
    got, local = evaluate(op, x, p)
    assert close(got, value), (got, value)
    assert len(local) == len(partials)
    assert all(close(g, w) for g, w in zip(local, partials, strict=True)), (local, partials)


def test_every_operation_is_worked_by_hand_and_the_list_is_the_tables() -> None:
    assert set(OPERATION_NAMES) == set(OPERATION_TABLE)
    assert {op for op, *_ in BY_HAND} == set(OPERATION_NAMES)
    for name, (low, high) in ARITY.items():
        table = OPERATION_TABLE[name]
        assert (table.min_operands, table.max_operands) == (low, high), name


@pytest.mark.parametrize(("op", "x", "p", "why"), [
    ("log", [0.0], None, "logarithm"), ("log", [-0.5], None, "logarithm"),
    ("sqrt", [0.0], None, "square root"), ("sqrt", [-1.0], None, "square root"),
    ("div", [1.0, 0.0], None, "division by zero"), ("div", [0.0, -0.0], None, "division"),
    ("pow", [-8.0], 1.0 / 3.0, "not a real number"), ("pow", [-1.0], 0.5, "not a real"),
    ("pow", [0.0], 0.5, "below 1"), ("pow", [0.0], -1.0, "below 1"),
    ("pow", [0.0], 0.0, "below 1"),
])
def test_undefined_values(op: str, x: list[float], p: float | None, why: str) -> None:
    problem = undefined_reason(op, x, p)
    assert problem is not None and why in problem[1]
    with pytest.raises(Undefined):
        evaluate(op, x, p)


@pytest.mark.parametrize(("op", "x", "p"), [
    ("pow", [-2.0], 3.0), ("pow", [-2.0], -2.0), ("pow", [0.0], 1.0), ("pow", [0.0], 2.5),
    ("sqrt", [1e-300], None), ("log", [1e-300], None), ("div", [0.0, 1e-300], None),
])
def test_defined_near_the_edges(op: str, x: list[float], p: float | None) -> None:
    assert undefined_reason(op, x, p) is None
    assert all(math.isfinite(v) for v in [evaluate(op, x, p)[0]])


def test_an_undefined_node_is_named_with_its_sample() -> None:
    """The plan's message: node 'l': the logarithm of a value that is not positive (−0.5)
    in sample 1."""
    net = Network([Neuron("x", "input"), Neuron("l", "output", op="log")],
                  [Edge("w", "x", "l", 1.0)], loss="output",
                  samples=[Sample([2.0], [0.0]), Sample([-0.5], [0.0])])
    reference_pass(net, 0)
    with pytest.raises(Undefined) as caught:
        reference_pass(net, 1)
    assert (caught.value.node, caught.value.sample, caught.value.value) == ("l", 1, -0.5)
    assert str(caught.value) == ("node 'l': the logarithm of a value that is not positive "
                                 "(-0.5) in sample 1")


# ------------------------------------------------------------------ local derivatives
def _points(op: str) -> st.SearchStrategy[tuple[list[float], float | None]]:
    """Operands (and p) where ``op`` is smooth, at least 0.1 away from its edges."""
    low, high = ARITY[op]
    count = st.integers(low, high if high is not None else 4)
    real = st.floats(-3.0, 3.0, allow_nan=False)
    if op in ("log", "sqrt"):
        return st.tuples(st.lists(st.floats(0.1, 3.0), min_size=1, max_size=1), st.none())
    if op == "pow":
        return st.tuples(st.lists(st.floats(0.1, 3.0), min_size=1, max_size=1),
                         st.sampled_from([-2.0, -0.5, 0.5, 1.0, 1.5, 2.0, 3.0]))
    if op == "div":
        away = st.one_of(st.floats(-3.0, -0.1), st.floats(0.1, 3.0))
        return st.tuples(st.tuples(real, away).map(list), st.none())
    if op == "const":
        return st.tuples(st.just([]), real)
    if op in ("relu", "leaky_relu"):
        away = st.one_of(st.floats(-3.0, -0.1), st.floats(0.1, 3.0))
        return st.tuples(st.lists(away, min_size=1, max_size=1), st.none())
    return st.tuples(count.flatmap(lambda n: st.lists(real, min_size=n, max_size=n)),
                     st.none())


@settings(max_examples=40, deadline=None)
@given(data=st.data(), op=st.sampled_from(OPERATION_NAMES))
def test_local_derivatives_are_central_differences(data: st.DataObject, op: str) -> None:
    x, p = data.draw(_points(op), label="point")
    if op in ("max", "min"):
        assume(len(set(x)) == len(x) and min(
            (abs(a - b) for a in x for b in x if a != b), default=1.0) > 1e-3)
    value, local = evaluate(op, x, p)
    eps = 1e-6
    for k in range(len(x)):
        up = evaluate(op, [*x[:k], x[k] + eps, *x[k + 1:]], p)[0]
        down = evaluate(op, [*x[:k], x[k] - eps, *x[k + 1:]], p)[0]
        numeric = (up - down) / (2 * eps)
        assert abs(numeric - local[k]) <= 1e-6 * max(1.0, abs(local[k]), abs(value)), (k, x)


# ---------------------------------------------------------------------- conventions
def test_operands_are_taken_in_edge_order() -> None:
    """sub and div read their operands in the file's edge order, not by id or position."""
    neurons = [Neuron("a", "input"), Neuron("b", "input"), Neuron("d", "output", op="div")]
    forward = Network(neurons, [Edge("e1", "a", "d", 1.0), Edge("e2", "b", "d", 1.0)],
                      loss="output", samples=[Sample([3.0, 4.0], [0.0])])
    backward = Network(neurons, [Edge("e2", "b", "d", 1.0), Edge("e1", "a", "d", 1.0)],
                       loss="output", samples=[Sample([3.0, 4.0], [0.0])])
    assert reference_pass(forward, 0)["outputs"] == [0.75]
    ref = reference_pass(backward, 0)
    assert ref["outputs"] == [4.0 / 3.0]
    assert close(ref["grad_a"]["b"], 1.0 / 3.0) and close(ref["grad_a"]["a"], -4.0 / 9.0)


@pytest.mark.parametrize("op", ["max", "min"])
def test_a_tie_sends_the_gradient_to_the_first_operand_in_edge_order(op: str) -> None:
    neurons = [Neuron("x", "input"), Neuron("y", "input"), Neuron("m", "output", op=op)]
    for edges, first in (([Edge("ey", "y", "m", 1.0), Edge("ex", "x", "m", 1.0)], "y"),
                         ([Edge("ex", "x", "m", 1.0), Edge("ey", "y", "m", 1.0)], "x")):
        net = Network(neurons, edges, loss="output", samples=[Sample([2.0, 2.0], [0.0])])
        ref = reference_pass(net, 0)
        assert ref["outputs"] == [2.0]
        assert ref["grad_a"] == {"x": float(first == "x"), "y": float(first == "y"),
                                 "m": 1.0}
        assert ref["grad_w"] == {"ex": 2.0 * (first == "x"), "ey": 2.0 * (first == "y")}


def test_a_value_used_twice_gets_the_sum_of_its_gradients() -> None:
    """f = x · x² at x = 3: x feeds the square and the product, ∂f/∂x = x² + x·2x = 27."""
    ref = reference_pass(fork_cube(), 0)
    assert ref["outputs"] == [27.0]
    assert ref["grad_a"]["x"] == 27.0
    assert ref["local"] == {"q_x": 6.0, "f_x": 9.0, "f_q": 3.0}
    assert ref["delta"] == {"q": 3.0, "f": 1.0}                # ∂L/∂q = x·1
    # ∂L/∂w = (source's value)·(local derivative)·(target's cached gradient)
    assert ref["grad_w"] == {"q_x": 3.0 * 6.0 * 3.0, "f_x": 3.0 * 9.0, "f_q": 9.0 * 3.0}


# ---------------------------------------------------------------- published examples
def test_seed000_sin_of_2x_plus_y() -> None:
    """z = sin(2x + y) at (0.5, 0.3): z = sin 1.3, ∂z/∂x = 2 cos 1.3 = 0.535 (seed 000)."""
    ref = reference_pass(seed000_graph(), 0)
    c = math.cos(1.3)
    assert ref["a"]["a"] == 1.3 and ref["outputs"] == [math.sin(1.3)] == [ref["loss"]]
    assert round(ref["outputs"][0], 4) == 0.9636 and round(c, 4) == 0.2675
    assert (ref["grad_a"]["x"], ref["grad_a"]["y"]) == (2 * c, c)
    assert round(ref["grad_a"]["x"], 3) == 0.535
    assert (ref["delta"]["z"], ref["delta"]["a"]) == (1.0, c)
    assert ref["local"] == {"a_x": 1.0, "a_y": 1.0, "z_a": c}
    assert ref["grad_w"] == {"a_x": 0.5 * c, "a_y": 0.3 * c, "z_a": 1.3 * c}
    assert ref["grad_b"] == {}


def test_cs231n_circuit() -> None:
    """CS231n's f = (x + y)·z at (−2, 5, −4): f = −12, ∂f/∂x = ∂f/∂y = −4, ∂f/∂z = 3."""
    ref = reference_pass(cs231n_circuit(), 0)
    assert ref["outputs"] == [-12.0] and ref["a"]["q"] == 3.0
    assert (ref["grad_a"]["x"], ref["grad_a"]["y"], ref["grad_a"]["z"]) == (-4.0, -4.0, 3.0)
    assert ref["grad_a"]["q"] == -4.0


@pytest.mark.parametrize("build", [sigmoid_neuron, sigmoid_op, sigmoid_gates])
def test_cs231n_sigmoid_neuron(build: object) -> None:
    """CS231n's 1/(1 + e^−(w0x0 + w1x1 + w2)) at w = (2, −3, −3), x = (−1, −2): f = σ(1)
    ≈ 0.73, ∂f/∂x = w·σ′ ≈ (0.39, −0.59), ∂f/∂w = (x0, x1, 1)·σ′ ≈ (−0.20, −0.39, 0.20),
    as one neuron, as a σ gate over a sum, and as CS231n's circuit of small gates."""
    net, w_ids = build()  # type: ignore[operator]
    ref = reference_pass(net, 0)
    f = 1.0 / (1.0 + math.exp(-1.0))
    ds = f * (1.0 - f)
    assert close(ref["outputs"][0], f) and round(f, 2) == 0.73
    assert close(ref["grad_a"]["x0"], 2.0 * ds) and close(ref["grad_a"]["x1"], -3.0 * ds)
    assert (round(ref["grad_a"]["x0"], 2), round(ref["grad_a"]["x1"], 2)) == (0.39, -0.59)
    grads = [ref["grad_b"][w] if w in ref["grad_b"] else ref["grad_w"][w] for w in w_ids]
    assert all(close(g, want) for g, want in zip(grads, [-ds, -2.0 * ds, ds], strict=True))
    assert [round(g, 2) for g in grads] == [-0.2, -0.39, 0.2]


# ------------------------------------------------------------ whole graphs, by FD
def _fd(network: Network, change: object, eps: float = 1e-6) -> float:
    up, down = nudged(network, change, eps), nudged(network, change, -eps)
    return (reference_loss(up) - reference_loss(down)) / (2 * eps)


@settings(max_examples=60, deadline=None)
@given(operation_graphs(mixed=True))
def test_reference_gradients_match_its_own_finite_differences(network: Network) -> None:
    """Every weight, bias and input gradient of the reference against central differences
    of its own dataset loss, away from kinks, ties and the bce clamp (1e-6 relative)."""
    note(fileformat.dumps(network))
    passes = [reference_pass(network, k) for k in range(len(network.samples))]
    assume(gate_distance(network, passes) > 1e-3)
    if network.loss == "bce":
        assume(min(min(p, 1 - p) for ref in passes for p in ref["outputs"]) > 1e-6)
    ds = reference_dataset(network)
    n = len(passes)
    checks: list[tuple[str, float, tuple[object, ...]]] = [
        (e.id, ds.weights[e.id], ("w", e.id)) for e in network.edges]
    checks += [(f"b_{b}", g, ("b", b)) for b, g in ds.biases.items()]
    checks += [(f"x_{x.id}[{k}]", ref["grad_a"][x.id] / n, ("x", x.id, k))
               for x in network.inputs for k, ref in enumerate(passes)]
    for name, g, change in checks:
        numeric = _fd(network, change)
        assert abs(g - numeric) <= 1e-6 * max(1.0, abs(g), abs(ds.loss)), (name, g, numeric)


# ------------------------------------------------------------------ the strategy
@settings(max_examples=150, deadline=None)
@given(operation_graphs(mixed=True))
def test_drawn_graphs_are_valid_and_computable(network: Network) -> None:
    network.validate()
    check_operands(network.neurons, network.edges)
    assert fileformat.loads(fileformat.dumps(network)).neurons == network.neurons
    for k in range(len(network.samples)):
        ref = reference_pass(network, k)           # no Undefined, no overflow
        assert all(abs(v) <= BOUND for v in ref["a"].values())
        assert all(math.isfinite(v) for v in [ref["loss"], *ref["grad_w"].values()])


@settings(max_examples=5 * len(OPERATION_NAMES), deadline=None)
@given(data=st.data(), op=st.sampled_from(OPERATION_NAMES))
def test_every_operation_is_drawn(data: st.DataObject, op: str) -> None:
    network = data.draw(operation_graphs(operations=(op,)))
    assert any(n.op == op for n in network.neurons)
    assert not any(n.op is None and not n.is_input for n in network.neurons)
