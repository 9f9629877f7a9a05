"""``network_from_expression``: an expression's graph, and one clear line for anything it
refuses. The expected graphs are written out by hand from the rules in the module's
docstring."""

from __future__ import annotations

import pytest

from bpgui.network import fileformat
from bpgui.network.errors import BpguiError
from bpgui.network.expression_graph import network_from_expression
from bpgui.network.layout import LAYER_GAP
from bpgui.network.model import Network
from bpgui.network.operations import check_operands


def nodes(net: Network) -> list[tuple[str, str | None, float | None]]:
    return [(n.id, n.op, n.param) for n in net.neurons if not n.is_input]


def edges(net: Network) -> list[tuple[str, str, str, float]]:
    return [(e.id, e.source, e.target, e.weight) for e in net.edges]


def test_seed000_sin_graph() -> None:
    net = network_from_expression("sin(2*x + y)", {"x": 0.5, "y": 0.3})
    assert [n.id for n in net.inputs] == ["x", "y"]
    assert nodes(net) == [("a", "add", None), ("f", "sin", None)]
    assert edges(net) == [("a_x", "x", "a", 2.0), ("a_y", "y", "a", 1.0),
                          ("f_a", "a", "f", 1.0)]
    assert net.loss == "output" and [n.id for n in net.outputs] == ["f"]
    assert [(s.inputs, s.targets) for s in net.samples] == [([0.5, 0.3], [0.0])]
    assert net.name == "f = sin(2*x + y)" and "x = 0.5, y = 0.3" in (net.description or "")


def test_cs231n_add_mul() -> None:
    net = network_from_expression("(x + y) * z", {"z": -4, "y": 5, "x": -2})
    assert [n.id for n in net.inputs] == ["x", "y", "z"]       # first appearance
    assert net.samples[0].inputs == [-2.0, 5.0, -4.0]
    assert nodes(net) == [("a", "add", None), ("f", "mul", None)]
    assert edges(net) == [("a_x", "x", "a", 1.0), ("a_y", "y", "a", 1.0),
                          ("f_a", "a", "f", 1.0), ("f_z", "z", "f", 1.0)]


def test_cs231n_sigmoid_neuron() -> None:
    net = network_from_expression("1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))",
                                  {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3})
    assert [n.id for n in net.inputs] == ["w0", "x0", "w1", "x1", "w2"]
    assert [n.label for n in net.inputs] == ["w₀", "x₀", "w₁", "x₁", "w₂"]
    assert nodes(net) == [("a", "const", 1.0), ("b", "const", 1.0), ("c", "mul", None),
                          ("d", "mul", None), ("e", "add", None), ("g", "add", None),
                          ("h", "neg", None), ("i", "exp", None), ("j", "add", None),
                          ("f", "div", None)]
    assert [(e.source, e.target) for e in net.edges if e.target in ("j", "f")] == [
        ("b", "j"), ("i", "j"), ("a", "f"), ("j", "f")]          # 1 + exp, then 1 / that
    assert all(e.weight == 1.0 for e in net.edges)


def test_cs231n_max_gate() -> None:
    net = network_from_expression("2 * (x*y + max(z, w))",
                                  {"x": 3, "y": -4, "z": 2, "w": -1})
    assert nodes(net) == [("a", "const", 2.0), ("b", "mul", None), ("c", "max", None),
                          ("d", "add", None), ("f", "mul", None)]
    assert edges(net) == [("b_x", "x", "b", 1.0), ("b_y", "y", "b", 1.0),
                          ("c_z", "z", "c", 1.0), ("c_w", "w", "c", 1.0),
                          ("d_b", "b", "d", 1.0), ("d_c", "c", "d", 1.0),
                          ("f_a", "a", "f", 1.0), ("f_d", "d", "f", 1.0)]


@pytest.mark.parametrize(("text", "expected"), [
    ("x*2 + y", [("f_x", "x", "f", 2.0), ("f_y", "y", "f", 1.0)]),
    ("2*(3*x) + y", [("f_x", "x", "f", 6.0), ("f_y", "y", "f", 1.0)]),
    ("-2*x - y", [("f_x", "x", "f", -2.0), ("f_y", "y", "f", 1.0)]),
    ("x*y*2 + 1", [("a_x", "x", "a", 1.0), ("a_y", "y", "a", 1.0),
                   ("f_a", "a", "f", 2.0), ("f_b", "b", "f", 1.0)]),
])
def test_a_number_times_an_operand_is_its_edge_weight(
        text: str, expected: list[tuple[str, str, str, float]]) -> None:
    net = network_from_expression(text, {"x": 1, "y": 2})
    assert edges(net) == expected


def test_the_whole_expression_is_a_node_so_its_number_is_a_const() -> None:
    net = network_from_expression("2*sin(x)", {"x": 1})
    assert nodes(net) == [("a", "const", 2.0), ("b", "sin", None), ("f", "mul", None)]
    assert nodes(network_from_expression("2*3", {})) == [
        ("a", "const", 2.0), ("b", "const", 3.0), ("f", "mul", None)]
    assert nodes(network_from_expression("-2.5", {})) == [("f", "const", -2.5)]


@pytest.mark.parametrize(("text", "expected"), [
    ("x**2", [("f", "square", None)]),
    ("x**0.5", [("f", "pow", 0.5)]),
    ("x ** -1", [("f", "pow", -1.0)]),
    ("-x", [("f", "neg", None)]),
    ("--x", [("a", "neg", None), ("f", "neg", None)]),
    ("+x - 1", [("a", "const", 1.0), ("f", "sub", None)]),
    ("x / 2", [("a", "const", 2.0), ("f", "div", None)]),
    ("x + 1 + 2", [("a", "const", 1.0), ("b", "add", None), ("c", "const", 2.0),
                   ("f", "add", None)]),
    ("min(x, 0, sqrt(x), log(x), cos(x), tanh(x), sigmoid(x), relu(x))",
     [("a", "const", 0.0), ("b", "sqrt", None), ("c", "log", None), ("d", "cos", None),
      ("e", "tanh", None), ("g", "sigmoid", None), ("h", "relu", None), ("f", "min", None)]),
])
def test_operations_follow_the_written_grouping(
        text: str, expected: list[tuple[str, str | None, float | None]]) -> None:
    assert nodes(network_from_expression(text, {"x": 1.5})) == expected


def test_a_variable_used_twice_forks() -> None:
    net = network_from_expression("x*y + x", {"x": 1, "y": 2})
    assert [(e.source, e.target) for e in net.edges] == [("x", "a"), ("y", "a"), ("a", "f"),
                                                          ("x", "f")]


def test_names_skip_the_variables_and_f_is_the_output_unless_taken() -> None:
    net = network_from_expression("sin(a) + cos(b)", {"a": 1, "b": 2})
    assert nodes(net) == [("c", "sin", None), ("d", "cos", None), ("f", "add", None)]
    net = network_from_expression("sin(f) * g", {"f": 1, "g": 2})
    assert nodes(net) == [("b", "sin", None), ("a", "mul", None)]
    assert [n.id for n in net.outputs] == ["a"]


def test_a_long_variable_name_still_gives_valid_edge_ids() -> None:
    long = "v" * 64
    net = network_from_expression(f"sin({long}) + {long}", {long: 1})
    assert [(e.id, e.source, e.target) for e in net.edges] == [
        ("a_1", long, "a"), ("f_a", "a", "f"), ("f_2", long, "f")]


def test_the_file_round_trips_and_is_laid_out_left_to_right() -> None:
    net = network_from_expression("1 / (1 + exp(-(w*x + b)))", {"w": 2, "x": -1, "b": 0.5})
    check_operands(net.neurons, net.edges)
    again = fileformat.loads(fileformat.dumps(net))
    assert fileformat.network_to_dict(again) == fileformat.network_to_dict(net)
    x = {n.id: n.x for n in net.neurons}
    assert all(n.y is not None for n in net.neurons)
    assert len({(n.x, n.y) for n in net.neurons}) == len(net.neurons)
    for e in net.edges:
        assert x[e.source] is not None and x[e.target] is not None
        assert x[e.source] < x[e.target]                           # type: ignore[operator]
        if net.neuron(e.source).op == "const":                     # next to its user
            assert x[e.target] - x[e.source] == LAYER_GAP          # type: ignore[operator]


def test_at_values_may_be_integers_and_spaces_are_allowed() -> None:
    net = network_from_expression("  \n sin( x )  ", {"x": 2})
    assert net.samples[0].inputs == [2.0] and net.name == "f = sin( x )"


REFUSALS = [
    ("", {}, "expression: it is empty"),
    ("   ", {}, "expression: it is empty"),
    ("x +", {}, "expression, column 4: invalid syntax"),
    ("2x", {}, "expression, column 1: invalid decimal literal"),
    ("sin(x", {}, "expression, column 4: '(' was never closed"),
    ("x = 1", {}, "expression, column 3: invalid syntax"),
    ("x.y + 1", {}, "expression, column 1: an attribute (x.y) is not supported"),
    ("  x[0]", {}, "expression, column 3: a subscript (x[0]) is not supported"),
    ("(lambda: 1)", {}, "expression, column 2: a lambda (lambda: 1) is not supported"),
    ("x < y", {}, "expression, column 1: a comparison (x < y) is not supported"),
    ("x % 2", {}, "expression, column 1: the operator % (x % 2) is not supported"),
    ("'x'", {}, "expression, column 1: a string ('x') is not supported"),
    ("x + True", {}, "expression, column 5: True/False (True) is not supported"),
    ("x if y else 0", {}, "expression, column 1: a conditional (x if y else 0) is not"),
    ("foo(x)", {}, "expression, column 1: unknown function 'foo' (known: sqrt, exp,"),
    ("x.sin(1)", {}, "expression, column 1: only a function's name can be called, not x.sin"),
    ("1 + sin(x, y)", {}, "expression, column 5: sin takes exactly 1 argument, not 2"),
    ("exp()", {}, "expression, column 1: exp takes exactly 1 argument, not 0"),
    ("max(x)", {}, "expression, column 1: max takes 2 or more arguments, not 1"),
    ("min(x, key=y)", {}, "expression, column 8: min takes no keyword arguments"),
    ("max(*x)", {}, "expression, column 5: max takes its arguments one by one"),
    ("sin + 1", {}, "expression, column 1: sin is a function; call it as sin(…)"),
    ("x ** y", {}, "expression, column 6: the exponent y must be a number"),
    ("1e999 * x", {}, "expression, column 1: the number 1e999 is too large"),
    ("é + 1", {}, "expression, column 1: 'é' cannot be a variable's name"),
    ("max(é, k=1)", {}, "expression, column 8: max takes no keyword arguments"),
    ("x", {"x": 1}, "expression, column 1: the expression is only the variable x"),
    ("x*x", {"x": 1}, "expression, column 1: x*x uses x twice in one operation"),
    ("max(x, y, x)", {"x": 1, "y": 1}, "expression, column 1: max(x, y, x) uses x twice"),
    ("x + y", {"x": 1}, "expression, column 5: the variable y has no value (give --at y=…)"),
    ("x + 1", {"x": 1, "z": 2}, "--at z: the expression has no variable 'z' (its "
                                "variables: x)"),
    ("x + 1", {"x": float("inf")}, "--at x: must be a finite number, not inf"),
    ("(x +\n y.z)", {}, "expression, line 2, column 2: an attribute (y.z) is not"),
    ("(" * 400 + "x" + ")" * 400, {}, "expression, column 201: too many nested parentheses"),
    ("x\x00", {}, "expression, column 2: a NUL character"),
    ("-" * 5000 + "x", {"x": 1}, "expression: it is nested too deeply"),
    ("1+" * 2000 + "x", {"x": 1}, "expression: it is nested too deeply"),
]


@pytest.mark.parametrize(("text", "at", "start"), REFUSALS, ids=[r[0][:20] for r in REFUSALS])
def test_refusals_are_one_line_saying_what_and_where(text: str, at: dict[str, float],
                                                     start: str) -> None:
    with pytest.raises(BpguiError) as caught:
        network_from_expression(text, at)
    message = str(caught.value)
    assert message.startswith(start), message
    assert "\n" not in message
