"""``bpgui export-torch`` for networks with operation nodes (issue 14).

The script computes each operation node from its operands (w·v of its incoming edges, in
file order) with the operation's torch code, and reports its value as ``a`` and ∂L/∂v as
``grad``; biases only for neurons. These tests run the scripts and compare every number
with values worked out here by hand with ``math`` (seed 000's z = sin(2x + y),
(x + y)·z, a graph mixing neurons and operations with a fork, and every operation with
an upstream gradient other than 1), so they do not lean on the engine. Comparing with
``bpgui trace`` is the integrator's (see the report of this change).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bpgui.export.torch_script import torch_script
from bpgui.network.errors import BpguiError, NetworkError
from bpgui.network.model import Edge, Network, Neuron, Sample
from bpgui.network.operations import OPERATION_TABLE
from tests.test_export_torch import (
    Script,
    assert_agrees,
    assert_ruff_clean,
    check_script,
    run_scripts,
)

TOL = {"rel_tol": 1e-12, "abs_tol": 1e-14}
Expected = dict[str, Any]


def seed000() -> Network:
    """a = add(2·x, 1·y), z = sin(1·a), loss output, at x = 0.5, y = 0.3."""
    return Network([Neuron("x", "input"), Neuron("y", "input"),
                    Neuron("a", "hidden", op="add"), Neuron("z", "output", op="sin")],
                   [Edge("w_x", "x", "a", 2.0), Edge("w_y", "y", "a", 1.0),
                    Edge("w_a", "a", "z", 1.0)],
                   loss="output", samples=[Sample([0.5, 0.3], [0.0])])


def seed000_expected() -> Expected:
    a = 2 * 0.5 + 0.3
    c = math.cos(a)
    return {"outputs": [math.sin(a)], "loss": math.sin(a),
            "neurons": {"x": {"a": 0.5, "grad": 2 * c}, "y": {"a": 0.3, "grad": c},
                        "a": {"a": a, "grad": c}, "z": {"a": math.sin(a), "grad": 1.0}},
            "weights": {"w_x": 0.5 * c, "w_y": 0.3 * c, "w_a": a * c}, "biases": {}}


def sum_times() -> Network:
    """f = (x + y)·z at x = −2, y = 5, z = −4 (the classic circuit), all weights 1."""
    return Network([Neuron("x", "input"), Neuron("y", "input"), Neuron("z", "input"),
                    Neuron("s", "hidden", op="add"), Neuron("f", "output", op="mul")],
                   [Edge("xs", "x", "s", 1.0), Edge("ys", "y", "s", 1.0),
                    Edge("sf", "s", "f", 1.0), Edge("zf", "z", "f", 1.0)],
                   loss="output", samples=[Sample([-2.0, 5.0, -4.0], [0.0])])


SUM_TIMES = {"outputs": [-12.0], "loss": -12.0,
             "neurons": {"x": {"a": -2.0, "grad": -4.0}, "y": {"a": 5.0, "grad": -4.0},
                         "z": {"a": -4.0, "grad": 3.0}, "s": {"a": 3.0, "grad": -4.0},
                         "f": {"a": -12.0, "grad": 1.0}},
             "weights": {"xs": 8.0, "ys": -20.0, "sf": -12.0, "zf": -12.0}, "biases": {}}


def mixed() -> Network:
    """A tanh neuron h, m = mul(h, x2), and a sigmoid output neuron y fed by m and x1,
    with h forking into m and y (the fork rule) and half_sse to target 0.2."""
    return Network([Neuron("x1", "input"), Neuron("x2", "input"),
                    Neuron("h", "hidden", "tanh", bias=0.1), Neuron("m", "hidden", op="mul"),
                    Neuron("y", "output", "sigmoid", bias=-0.2)],
                   [Edge("w1", "x1", "h", 0.5), Edge("w2", "x2", "h", -0.3),
                    Edge("w3", "h", "m", 1.5), Edge("w4", "x2", "m", 2.0),
                    Edge("w5", "m", "y", 0.7), Edge("w6", "x1", "y", -0.4),
                    Edge("w7", "h", "y", 0.9)],
                   loss="half_sse", samples=[Sample([0.8, -1.2], [0.2])])


def mixed_expected() -> Expected:
    x1, x2 = 0.8, -1.2
    zh = 0.1 + 0.5 * x1 - 0.3 * x2
    h = math.tanh(zh)
    m = (1.5 * h) * (2.0 * x2)
    zy = -0.2 + 0.7 * m - 0.4 * x1 + 0.9 * h
    y = 1 / (1 + math.exp(-zy))
    dy = (y - 0.2) * y * (1 - y)                       # δ_y
    dm = 0.7 * dy                                      # ∂L/∂m
    dh_total = 1.5 * (2.0 * x2) * dm + 0.9 * dy        # the fork: through m and through y
    delta_h = (1 - h * h) * dh_total
    return {"outputs": [y], "loss": 0.5 * (y - 0.2) ** 2,
            "neurons": {"x1": {"a": x1, "grad": 0.5 * delta_h - 0.4 * dy},
                        "x2": {"a": x2, "grad": -0.3 * delta_h + 2.0 * (1.5 * h) * dm},
                        "h": {"z": zh, "a": h, "delta": delta_h}, "m": {"a": m, "grad": dm},
                        "y": {"z": zy, "a": y, "delta": dy}},
            "weights": {"w1": x1 * delta_h, "w2": x2 * delta_h, "w3": h * (2.0 * x2) * dm,
                        "w4": x2 * (1.5 * h) * dm, "w5": m * dy, "w6": x1 * dy,
                        "w7": h * dy},
            "biases": {"h": delta_h, "y": dy}}


def hostile() -> Network:
    """Operation nodes named like the script's own names and helpers: t = square(−2·o),
    o = neg(1.5·x), x = 0.7, so t = 2.1² and ∂t/∂o = 2·2.1·(−2) = −8.4."""
    return Network([Neuron("first_max", "input"), Neuron("operations", "hidden", op="neg"),
                    Neuron("torch", "output", op="square")],
                   [Edge("operands", "first_max", "operations", 1.5),
                    Edge("gradient", "operations", "torch", -2.0)],
                   loss="output", samples=[Sample([0.7], [0.0])])


HOSTILE = {"outputs": [2.1 ** 2], "loss": 2.1 ** 2,
           "neurons": {"first_max": {"a": 0.7, "grad": -8.4 * -1.0 * 1.5},
                       "operations": {"a": -1.05, "grad": -8.4},
                       "torch": {"a": 2.1 ** 2, "grad": 1.0}},
           "weights": {"operands": 0.7 * -1.0 * -8.4, "gradient": -1.05 * (2 * 2.1)},
           "biases": {}}


# Every operation by hand: (param, operand values' weights, inputs, value, partials).
# The operands are w_k·x_k; the output o goes to half_sse with target T, so its upstream
# gradient is o − T, not 1.
T = 0.25
Math = Callable[[list[float], float], float]
Partials = Callable[[list[float], float], list[float]]
EVERY: dict[str, tuple[float | None, list[float], list[float], Math, Partials]] = {
    "add": (None, [1.5, -0.5, 2.0], [0.4, 1.2, -0.3], lambda o, p: o[0] + o[1] + o[2],
            lambda o, p: [1.0, 1.0, 1.0]),
    "sub": (None, [1.5, -0.5], [0.4, 1.2], lambda o, p: o[0] - o[1], lambda o, p: [1.0, -1.0]),
    "mul": (None, [1.5, -0.5, 2.0], [0.4, 1.2, -0.3], lambda o, p: o[0] * o[1] * o[2],
            lambda o, p: [o[1] * o[2], o[0] * o[2], o[0] * o[1]]),
    "div": (None, [1.5, -0.5], [0.4, 1.2], lambda o, p: o[0] / o[1],
            lambda o, p: [1 / o[1], -o[0] / o[1] ** 2]),
    "max": (None, [1.0, 1.0, 1.0], [0.3, 0.7, 0.7], lambda o, p: 0.7,
            lambda o, p: [0.0, 1.0, 0.0]),                 # a tie: the first extreme only
    "min": (None, [1.0, 1.0, 1.0], [0.7, -0.2, -0.2], lambda o, p: -0.2,
            lambda o, p: [0.0, 1.0, 0.0]),
    "neg": (None, [1.5], [0.4], lambda o, p: -o[0], lambda o, p: [-1.0]),
    "square": (None, [1.5], [-0.4], lambda o, p: o[0] ** 2, lambda o, p: [2 * o[0]]),
    "pow": (2.5, [1.5], [0.4], lambda o, p: o[0] ** p, lambda o, p: [p * o[0] ** (p - 1)]),
    "sqrt": (None, [1.5], [0.4], lambda o, p: math.sqrt(o[0]),
             lambda o, p: [0.5 / math.sqrt(o[0])]),
    "exp": (None, [1.5], [0.4], lambda o, p: math.exp(o[0]), lambda o, p: [math.exp(o[0])]),
    "log": (None, [1.5], [0.4], lambda o, p: math.log(o[0]), lambda o, p: [1 / o[0]]),
    "sin": (None, [1.5], [0.4], lambda o, p: math.sin(o[0]), lambda o, p: [math.cos(o[0])]),
    "cos": (None, [1.5], [0.4], lambda o, p: math.cos(o[0]), lambda o, p: [-math.sin(o[0])]),
    "tanh": (None, [1.5], [0.4], lambda o, p: math.tanh(o[0]),
             lambda o, p: [1 - math.tanh(o[0]) ** 2]),
    "sigmoid": (None, [1.5], [0.4], lambda o, p: 1 / (1 + math.exp(-o[0])),
                lambda o, p: [math.exp(-o[0]) / (1 + math.exp(-o[0])) ** 2]),
    "relu": (None, [1.5], [0.4], lambda o, p: max(o[0], 0.0), lambda o, p: [1.0]),
    "leaky_relu": (None, [-1.5], [0.4], lambda o, p: 0.01 * o[0], lambda o, p: [0.01]),
    "softplus": (None, [1.5], [0.4], lambda o, p: math.log(1 + math.exp(o[0])),
                 lambda o, p: [1 / (1 + math.exp(-o[0]))]),
    "const": (3.5, [], [], lambda o, p: p, lambda o, p: []),
}


def every_network(name: str) -> Network:
    param, weights, xs, _, _ = EVERY[name]
    neurons = [Neuron(f"x{k}", "input") for k in range(len(xs))]
    neurons.append(Neuron("o", "output", op=name, param=param))
    edges = [Edge(f"w{k}", f"x{k}", "o", w) for k, w in enumerate(weights)]
    return Network(neurons, edges, loss="half_sse", samples=[Sample(xs, [T])])


def every_expected(name: str) -> Expected:
    param, weights, xs, value, partials = EVERY[name]
    ops = [w * x for w, x in zip(weights, xs, strict=True)]
    p = param if param is not None else 0.0
    o = value(ops, p)
    up = o - T
    local = partials(ops, p)
    neurons: dict[str, dict[str, float]] = {
        f"x{k}": {"a": x, "grad": weights[k] * local[k] * up} for k, x in enumerate(xs)}
    neurons["o"] = {"a": o, "grad": up}
    return {"outputs": [o], "loss": 0.5 * up * up, "neurons": neurons,
            "weights": {f"w{k}": x * local[k] * up for k, x in enumerate(xs)}, "biases": {}}


CASES: dict[str, tuple[Network, Expected]] = {
    "seed000": (seed000(), seed000_expected()),
    "sum-times": (sum_times(), SUM_TIMES),
    "mixed": (mixed(), mixed_expected()),
    "hostile-ids": (hostile(), HOSTILE),
    **{f"every-{name}": (every_network(name), every_expected(name)) for name in EVERY},
}


def test_every_operation_is_covered() -> None:
    assert set(EVERY) == set(OPERATION_TABLE)


@pytest.mark.parametrize("name", list(CASES))
def test_the_script_names_each_operation_node_and_no_bias(name: str) -> None:
    network, _ = CASES[name]
    script = Script(torch_script(network))
    ops = [n.id for n in network.neurons if n.is_operation]
    neurons = [n.id for n in network.neurons if n.has_bias]
    assert list(script.mapping("operations")) == ops
    assert list(script.mapping("biases")) == list(script.mapping("pre_activations")) == neurons
    assert set(script.mapping("operations").values()).isdisjoint(script.mapping("inputs").values())


@pytest.mark.parametrize("name", list(CASES))
def test_the_script_passes_the_general_checks(name: str) -> None:
    """The checks every script passes (leaves, mappings, the forward order and operands)."""
    network, _ = CASES[name]
    check_script(network, 0, torch_script(network))


def test_the_script_is_ruff_clean(tmp_path: Path) -> None:
    pytest.importorskip("ruff")
    for name, (network, _) in CASES.items():
        (tmp_path / f"{name}.py").write_text(torch_script(network), encoding="utf-8")
    assert_ruff_clean(tmp_path)


def test_seed000_reads_as_the_graph() -> None:
    """Operation nodes by their own ids, each from its operands w·v in edge order."""
    script = Script(torch_script(seed000()))
    assert ast.unparse(script.value["a"]) == "w_x * x + w_y * y_2"
    assert ast.unparse(script.value["z"]) == "torch.sin(w_a * a)"
    assert "node by node" in script.text and "b_a" not in script.text


def test_operands_bind_as_written() -> None:
    """Each operand is one w·v, whatever the operation's code around it."""
    texts = {name: ast.unparse(Script(torch_script(every_network(name))).value["o"])
             for name in ("sub", "div", "neg", "square", "pow", "mul", "max")}
    assert texts == {"sub": "w0 * x0 - w1 * x1", "div": "w0 * x0 / (w1 * x1)",
                     "neg": "-(w0 * x0)", "square": "(w0 * x0) ** 2",
                     "pow": "(w0 * x0) ** 2.5", "mul": "w0 * x0 * (w1 * x1) * (w2 * x2)",
                     "max": "first_max([w0 * x0, w1 * x1, w2 * x2])"}


def test_refused_like_trace() -> None:
    """A node short of operands, and a value with no value, are refused before any text."""
    short = Network([Neuron("x", "input"), Neuron("d", "output", op="div")],
                    [Edge("w", "x", "d", 1.0)], loss="output", samples=[Sample([1.0], [0.0])])
    with pytest.raises(NetworkError, match="'d' is div"):
        torch_script(short)
    log = Network([Neuron("x", "input"), Neuron("l", "output", op="log")],
                  [Edge("w", "x", "l", 1.0)], loss="output",
                  samples=[Sample([1.0], [0.0]), Sample([-0.5], [0.0])])
    torch_script(log, 0)
    div = Network([Neuron("x", "input"), Neuron("y", "input"), Neuron("d", "output", op="div")],
                  [Edge("w1", "x", "d", 1.0), Edge("w2", "y", "d", 2.0)], loss="output",
                  samples=[Sample([1.0, 0.0], [0.0])])
    with pytest.raises(BpguiError, match=r"^node 'd': division by zero \(0\) in sample 0$"):
        torch_script(div)
    with pytest.raises(BpguiError, match=r"^node 'l': the logarithm .*\(−0\.5\) in sample 1$"):
        torch_script(log, 1)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    pytest.importorskip("torch")
    results = run_scripts([torch_script(net) for net, _ in CASES.values()],
                          Path(tmp_path_factory.mktemp("torch_operations")))
    return dict(zip(CASES, results, strict=True))


@pytest.mark.parametrize("name", list(CASES))
def test_the_script_reproduces_the_hand_computation(name: str, runs: dict[str, Any]) -> None:
    got, (_, want) = runs[name], CASES[name]
    assert not isinstance(got, str), got
    assert list(got["neurons"]) == list(want["neurons"])
    assert got["gradients"]["biases"].keys() == want["biases"].keys()
    pairs = [("loss", got["loss"], want["loss"]),
             *((f"outputs[{k}]", g, w) for k, (g, w) in
               enumerate(zip(got["outputs"], want["outputs"], strict=True))),
             *((f"weights.{k}", got["gradients"]["weights"][k], w)
               for k, w in want["weights"].items()),
             *((f"biases.{k}", got["gradients"]["biases"][k], w)
               for k, w in want["biases"].items())]
    for nid, values in want["neurons"].items():
        assert list(got["neurons"][nid]) == list(values), nid
        pairs += [(f"{nid}.{key}", got["neurons"][nid][key], w) for key, w in values.items()]
    wrong = [f"{what}: {g!r} != {w!r}" for what, g, w in pairs if not math.isclose(g, w, **TOL)]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_script_agrees_with_bpgui_trace(name: str, runs: dict[str, Any]) -> None:
    """The script and ``bpgui trace`` (the engine's step path and fast path) report the
    same numbers, keys and order for every operation graph here."""
    assert_agrees(CASES[name][0], 0, runs[name])
