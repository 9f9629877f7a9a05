"""The batched fast path on graphs with operation nodes (issue 14): values, the dataset
loss and every gradient, against numbers worked out by hand with ``math`` and against
central finite differences.

The semantics are the shared plan's: operand k of an operation node is wₖ·(its source's
value) in edge order, an operation node has no bias, max/min send the gradient to the
first extreme operand, and a value that is undefined stops with one line naming the node
and the sample.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest

from bpgui.engine.boundary import boundary_map
from bpgui.engine.fastpath import backward, dataset_loss, forward
from bpgui.engine.gradcheck import check_gradients, dataset_gradients
from bpgui.engine.plan import Plan, compile_plan, sample_arrays
from bpgui.network.errors import BpguiError, NetworkError
from bpgui.network.functions import Array
from bpgui.network.model import Edge, Network, Neuron, Sample
from bpgui.network.operations import OPERATION_TABLE

Node = tuple[str, str, str | None, float | None]     # id, role, op, param


def graph(nodes: Sequence[Node | Neuron], edges: Sequence[tuple[str, str, float]],
          samples: Sequence[Sequence[float]], loss: str = "output",
          targets: Sequence[Sequence[float]] | None = None) -> Network:
    """A network from short rows; edge ids are ``target_source``."""
    neurons = [n if isinstance(n, Neuron) else Neuron(n[0], n[1], op=n[2], param=n[3])
               for n in nodes]
    n_out = sum(1 for n in neurons if n.role == "output")
    rows = targets or [[0.0] * n_out for _ in samples]
    return Network(neurons, [Edge(f"{t}_{s}", s, t, w) for s, t, w in edges],
                   loss=loss, samples=[Sample(list(x), list(y))
                                       for x, y in zip(samples, rows, strict=True)])


def seed_graph(x: float = 0.5, y: float = 0.3) -> Network:
    """Seed 000: a = add(2·x, 1·y), z = sin(1·a), loss ``output``."""
    return graph([("x", "input", None, None), ("y", "input", None, None),
                  ("a", "hidden", "add", None), ("z", "output", "sin", None)],
                 [("x", "a", 2.0), ("y", "a", 1.0), ("a", "z", 1.0)], [[x, y]])


def passes(net: Network) -> tuple[Plan, float, Array, dict[str, float]]:
    """The dataset loss, ∂L/∂a per sample and column, and the weights' gradients."""
    plan = compile_plan(net)
    x, y = sample_arrays(net)
    fw = forward(plan, x)
    bw = backward(plan, fw, y)
    _, weights, _ = dataset_gradients(plan, net)
    return plan, dataset_loss(plan, fw, y), bw.da, weights


def test_seed_000_by_hand() -> None:
    plan, loss, da, weights = passes(seed_graph())
    assert loss == pytest.approx(math.sin(1.3), rel=1e-15)
    c = math.cos(1.3)
    assert da[0, plan.column["x"]] == pytest.approx(2 * c, rel=1e-14)
    assert da[0, plan.column["y"]] == pytest.approx(c, rel=1e-14)
    assert da[0, plan.column["a"]] == pytest.approx(c, rel=1e-14)     # ∂L/∂a, a's cache
    assert da[0, plan.column["z"]] == 1.0                             # ∂L/∂z from the loss
    assert weights["a_x"] == pytest.approx(0.5 * c, rel=1e-14)
    assert weights["a_y"] == pytest.approx(0.3 * c, rel=1e-14)
    assert weights["z_a"] == pytest.approx(1.3 * c, rel=1e-14)
    assert plan.biases() == {} and compile_plan(seed_graph()).bias_slot == {}


def test_cs231n_sum_times_z() -> None:
    """(x + y)·z at x = −2, y = 5, z = −4: f = −12, ∂f/∂x = ∂f/∂y = z, ∂f/∂z = x + y."""
    net = graph([("x", "input", None, None), ("y", "input", None, None),
                 ("z", "input", None, None), ("q", "hidden", "add", None),
                 ("f", "output", "mul", None)],
                [("x", "q", 1.0), ("y", "q", 1.0), ("q", "f", 1.0), ("z", "f", 1.0)],
                [[-2.0, 5.0, -4.0]])
    plan, loss, da, _ = passes(net)
    assert loss == -12.0
    assert [da[0, plan.column[n]] for n in ("x", "y", "z", "q")] == [-4.0, -4.0, 3.0, -4.0]


def test_a_value_used_twice_gets_the_sum_of_its_gradients() -> None:
    """f = x·x through two edges: ∂f/∂x = 2x (the fork rule), and ∂f/∂w for either
    weight is the other operand times x."""
    net = graph([("x", "input", None, None), ("p", "hidden", "add", None),
                 ("f", "output", "mul", None)],
                [("x", "p", 1.0), ("x", "f", 3.0), ("p", "f", 1.0)], [[1.5]])
    plan, loss, da, weights = passes(net)
    assert loss == pytest.approx(3 * 1.5 * 1.5)
    assert da[0, plan.column["x"]] == pytest.approx(2 * 3 * 1.5)
    assert weights["f_x"] == pytest.approx(1.5 * 1.5)


@pytest.mark.parametrize(("op", "values", "first"), [
    ("max", [2.0, 2.0, 1.0], 0), ("max", [1.0, 3.0, 3.0], 1),
    ("min", [1.0, 0.5, 0.5], 1), ("min", [-1.0, 2.0, -1.0], 0)])
def test_max_and_min_route_to_the_first_extreme(op: str, values: list[float],
                                                first: int) -> None:
    ids = ["u", "v", "w"]
    net = graph([*[(i, "input", None, None) for i in ids], ("m", "output", op, None)],
                [(i, "m", 1.0) for i in ids], [values])
    plan, loss, da, _ = passes(net)
    assert loss == (max if op == "max" else min)(values)
    assert [da[0, plan.column[i]] for i in ids] == [float(k == first) for k in range(3)]


# ------------------------------------------------------------ finite differences
SAFE = [[0.7, 1.3, 0.4], [1.1, 0.6, 0.9], [0.35, 0.8, 1.6]]   # keeps log, √, ÷ defined


def one_operation(op: str, tail: bool) -> Network:
    """x, y, u → n = op(…) (→ o = tanh neuron when ``tail``), with non-unit weights."""
    spec = OPERATION_TABLE[op]
    count = spec.min_operands if spec.max_operands is not None else 3
    count = max(count, 2) if spec.max_operands is None else count
    param = {"pow": 2.5, "const": 0.7}.get(op)
    nodes: list[Node] = [("x", "input", None, None), ("y", "input", None, None),
                         ("u", "input", None, None)]
    edges = [(s, "n", w) for s, w in zip("xyu", (0.9, 1.1, 0.8), strict=False)][:count]
    if tail:
        nodes += [("n", "hidden", op, param), ("o", "output", None, None)]
        edges += [("n", "o", 0.7), ("x", "o", -0.4)]
        net = graph(nodes, edges, SAFE, "half_sse", [[0.3], [-0.2], [0.5]])
        net.neuron("o").activation, net.neuron("o").bias = "tanh", 0.1
        return net
    if op == "const":          # a constant alone has no weight: scale x by it
        nodes += [("n", "hidden", op, param), ("o", "output", "mul", None)]
        return graph(nodes, [("n", "o", 1.2), ("x", "o", 0.9)], SAFE)
    return graph([*nodes, ("n", "output", op, param)], edges, SAFE)


def numeric_input_gradients(net: Network, eps: float = 1e-6) -> Array:
    """(L(x + ε) − L(x − ε)) / 2ε for every sample's every input: ∂L/∂x per sample."""
    plan = compile_plan(net)
    x, y = sample_arrays(net)
    out = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        up, down = x.copy(), x.copy()
        up[index] += eps
        down[index] -= eps
        out[index] = (dataset_loss(plan, forward(plan, up), y)
                      - dataset_loss(plan, forward(plan, down), y)) / (2 * eps)
    return out


@pytest.mark.parametrize("tail", [False, True], ids=["alone", "into-a-neuron"])
@pytest.mark.parametrize("op", sorted(OPERATION_TABLE))
def test_finite_differences_agree_for_every_operation(op: str, tail: bool) -> None:
    net = one_operation(op, tail)
    rows = check_gradients(net)
    assert {r.name for r in rows} == {e.id for e in net.edges} | \
        {f"b_{n.id}" for n in net.neurons if n.has_bias}
    assert max(r.relative_error for r in rows) < 1e-6, rows
    plan, _, da, _ = passes(net)
    assert np.allclose(da[:, :plan.n_inputs], numeric_input_gradients(net),
                       rtol=1e-6, atol=1e-9)


def test_pow_with_an_integer_exponent_takes_a_negative_base() -> None:
    net = graph([("x", "input", None, None), ("p", "output", "pow", 3.0)],
                [("x", "p", 2.0)], [[-0.5], [0.25]])
    _, loss, da, _ = passes(net)
    assert loss == pytest.approx(((-1.0) ** 3 + 0.5 ** 3) / 2)
    assert da[:, 0] == pytest.approx([3 * 2 * 1.0 / 2, 3 * 2 * 0.25 / 2])
    assert max(r.relative_error for r in check_gradients(net)) < 1e-6


# ------------------------------------------------------------ undefined values
@pytest.mark.parametrize(("op", "param", "values", "message"), [
    ("log", None, [[2.0], [-0.5]],
     "node 'n': the logarithm of a value that is not positive (−0.5) in sample 1"),
    ("sqrt", None, [[0.0]],
     "node 'n': the square root of a value that is not positive (0) in sample 0"),
    ("pow", 0.5, [[1.0], [4.0], [-2.0]],
     "node 'n': a power that is not a real number, or 0 to a power below 1 (−2) in sample 2"),
    ("div", None, [[1.0, 0.0]], "node 'n': division by zero (0) in sample 0"),
])
def test_an_undefined_value_names_the_node_and_the_sample(
        op: str, param: float | None, values: list[list[float]], message: str) -> None:
    ids = ["x", "y"][:len(values[0])]
    net = graph([*[(i, "input", None, None) for i in ids], ("n", "hidden", op, param),
                 ("o", "output", "neg", None)],
                [*[(i, "n", 1.0) for i in ids], ("n", "o", 1.0)], values)
    for compute in (lambda: passes(net), lambda: check_gradients(net)):
        with pytest.raises(BpguiError) as caught:
            compute()
        assert str(caught.value) == message


def test_operand_counts_are_checked_before_computing() -> None:
    net = graph([("x", "input", None, None), ("d", "output", "sub", None)],
                [("x", "d", 1.0)], [[1.0]])
    with pytest.raises(NetworkError, match="'d' is sub, which takes exactly 2 operands, not 1"):
        compile_plan(net)


def test_the_boundary_map_leaves_undefined_points_blank() -> None:
    """ln(x + y) over a plane reaching below x + y = 0: NaN there, no error."""
    net = graph([("x", "input", None, None), ("y", "input", None, None),
                 ("s", "hidden", "add", None), ("l", "output", "log", None)],
                [("x", "s", 1.0), ("y", "s", 1.0), ("s", "l", 1.0)], [[0.5, 0.3]])
    found = boundary_map(net, resolution=5, extent=(-1.0, 1.0, -1.0, 1.0))
    xs = np.linspace(-1, 1, 5)
    total = xs[None, :] + xs[:, None]
    assert np.isnan(found.values[total <= 0]).all()
    assert found.values[total > 0] == pytest.approx(np.log(total[total > 0]), rel=1e-6)
    sigmoid = graph([("x", "input", None, None), ("y", "input", None, None),
                     ("s", "output", "sigmoid", None)], [("x", "s", 1.0)],
                    [[0.5, 0.3]])
    assert boundary_map(sigmoid, resolution=3).value_range == (0.0, 1.0)
