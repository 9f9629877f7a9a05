"""The step path through operation nodes (issue 14): seed 000's graph read as the spec
writes it, the fork rule, max/min's first extreme, undefined values named, and every
printed equation of fixed operation graphs true at every granularity and digits.

Numbers are worked out by hand with ``math``; the printed-equation checks use the
independent oracle (tests/printed_checks.py, with tests/printed_ops.py's pass)."""

from __future__ import annotations

import math

import pytest

from bpgui.engine.paths import path_report
from bpgui.engine.records import Quantity
from bpgui.engine.stepper import all_steps, final_values
from bpgui.engine.walk import Walk
from bpgui.network.errors import BpguiError
from bpgui.network.model import Edge, Network, Neuron, Sample
from tests.printed_checks import DIGITS, GRANULARITIES, pass_failures, path_failures, report


def _op(nid: str, op: str, role: str = "hidden", param: float | None = None) -> Neuron:
    return Neuron(nid, role, op=op, param=param)


def seed000() -> Network:
    """x = 0.5, y = 0.3, a = add(2·x, 1·y), z = sin(1·a), loss output."""
    return Network([Neuron("x", "input"), Neuron("y", "input"), _op("a", "add"),
                    _op("z", "sin", "output")],
                   [Edge("a_x", "x", "a", 2.0), Edge("a_y", "y", "a", 1.0),
                    Edge("z_a", "a", "z", 1.0)],
                   loss="output", samples=[Sample([0.5, 0.3], [0.0])])


def _texts(network: Network, granularity: str = "node") -> dict[tuple[str, str], str]:
    return {(r.phase, r.target): r.text(4) for r in all_steps(network, 0, granularity)}


def test_seed000_steps_read_as_the_spec_writes_them() -> None:
    texts = _texts(seed000())
    a = 2 * 0.5 + 0.3
    assert texts["forward", "a"] == "a = 2·x + 1·y = 2·0.5 + 1·0.3 = 1.3"
    assert texts["forward", "z"] == f"z = sin(a) = sin(1.3) = {math.sin(a):.4f}"
    assert texts["backward", "z"] == "∂L/∂z = ∂L/∂ŷ = 1"
    assert texts["backward", "a"] == f"∂L/∂a = cos(a)·∂L/∂z = cos(1.3)·1 = {math.cos(a):.4f}"
    assert texts["backward", "x"] == f"∂L/∂x = 2·∂L/∂a = 2·0.2675 = {2 * math.cos(a):.3f}"
    assert texts["gradient", "z"] == "∂L/∂z_a = a·cos(a)·∂L/∂z = 1.3·cos(1.3)·1 = " \
        f"{a * math.cos(a):.4f}"
    assert "∂L/∂a_x = x·∂L/∂a = 0.5·0.2675" in texts["gradient", "a"]


def test_seed000_records_the_local_derivative_and_the_cached_gradient() -> None:
    records = all_steps(seed000(), 0, "node")
    z_back = next(r for r in records if r.phase == "backward" and r.target == "z")
    a_back = next(r for r in records if r.phase == "backward" and r.target == "a")
    a = 1.3
    assert z_back.written[Quantity("local", "z_a")] == pytest.approx(math.cos(a), abs=1e-15)
    assert "z_a" in z_back.writes
    assert a_back.reuses == ("z",) and "z_a" in a_back.reads
    assert a_back.written[Quantity("delta", "a")] == pytest.approx(math.cos(a), abs=1e-15)
    v = final_values(records)
    assert v[Quantity("grad_w", "a_x")] == pytest.approx(0.5 * math.cos(a), abs=1e-15)
    assert v[Quantity("grad_a", "x")] == pytest.approx(2 * math.cos(a), abs=1e-15)
    assert Quantity("grad_b", "a") not in v


def test_a_value_used_twice_gets_the_sum_of_its_terms() -> None:
    """u = sin(x), v = cos(x), s = u + v: ∂L/∂x = cos(x)·1 + (−sin(x))·1."""
    net = Network([Neuron("x", "input"), _op("u", "sin"), _op("v", "cos"),
                   _op("s", "add", "output")],
                  [Edge("u_x", "x", "u", 1.0), Edge("v_x", "x", "v", 1.0),
                   Edge("s_u", "u", "s", 1.0), Edge("s_v", "v", "s", 1.0)],
                  loss="output", samples=[Sample([0.7], [0.0])])
    for granularity in GRANULARITIES:
        back = [r for r in all_steps(net, 0, granularity)
                if r.phase == "backward" and r.target == "x"]
        assert back[-1].text(4).startswith("∂L/∂x = ")
        assert back[-1].result == pytest.approx(math.cos(0.7) - math.sin(0.7), abs=1e-15)
    text = _texts(net)["backward", "x"]
    assert text.startswith("∂L/∂x = cos(x)·∂L/∂u + (−sin(x))·∂L/∂v = cos(0.7)·1 + ")


def test_a_product_of_a_value_with_itself() -> None:
    """m = x·x through two edges from x: ∂L/∂x = x + x (each operand's local is the other)."""
    net = Network([Neuron("x", "input"), _op("m", "mul", "output")],
                  [Edge("p", "x", "m", 1.0), Edge("q", "x", "m", 1.0)],
                  loss="output", samples=[Sample([1.5], [0.0])])
    assert _texts(net)["backward", "x"] == "∂L/∂x = 1·(1·x)·∂L/∂m + 1·(1·x)·∂L/∂m = " \
        "1·(1·1.5)·1 + 1·(1·1.5)·1 = 3"


@pytest.mark.parametrize(("op", "local"), [("max", (1.0, 0.0)), ("min", (1.0, 0.0))])
def test_max_and_min_send_the_gradient_to_the_first_extreme(op: str,
                                                            local: tuple[float, float]) -> None:
    net = Network([Neuron("x", "input"), Neuron("y", "input"), _op("m", op, "output")],
                  [Edge("m_x", "x", "m", 1.0), Edge("m_y", "y", "m", 1.0)],
                  loss="output", samples=[Sample([0.4, 0.4], [0.0])])
    records = all_steps(net, 0, "node")
    v = final_values(records)
    assert (v[Quantity("local", "m_x")], v[Quantity("local", "m_y")]) == local
    assert (v[Quantity("grad_a", "x")], v[Quantity("grad_a", "y")]) == local
    back = next(r for r in records if r.phase == "backward" and r.target == "m")
    assert any("first" in note and "1·x" in note for note in back.notes)
    assert _texts(net)["forward", "m"] == f"m = {op}(1·x, 1·y) = {op}(1·0.4, 1·0.4) = 0.4"


@pytest.mark.parametrize(("op", "x", "message"), [
    ("log", -0.5, "node 'l': the logarithm of a value that is not positive (−0.5) in sample 1"),
    ("sqrt", -2.0, "node 'l': the square root of a value that is not positive (−2) "
                   "in sample 1")])
def test_an_undefined_value_names_the_node_and_the_sample(op: str, x: float,
                                                          message: str) -> None:
    net = Network([Neuron("x", "input"), _op("l", op, "output")],
                  [Edge("w", "x", "l", 1.0)], loss="output",
                  samples=[Sample([1.0], [0.0]), Sample([x], [0.0])])
    all_steps(net, 0, "node")
    with pytest.raises(BpguiError) as caught:
        all_steps(net, 1, "node")
    assert str(caught.value) == message


def test_division_by_zero_is_named() -> None:
    net = Network([Neuron("x", "input"), Neuron("y", "input"), _op("d", "div", "output")],
                  [Edge("n", "x", "d", 1.0), Edge("m", "y", "d", 1.0)], loss="output",
                  samples=[Sample([1.0, 0.0], [0.0])])
    with pytest.raises(BpguiError, match=r"^node 'd': division by zero \(0\) in sample 0$"):
        all_steps(net, 0, "node")


def test_a_wrong_operand_count_is_refused_before_computing() -> None:
    net = Network([Neuron("x", "input"), _op("s", "sub", "output")],
                  [Edge("w", "x", "s", 1.0)], loss="output", samples=[Sample([1.0], [0.0])])
    with pytest.raises(BpguiError, match="'s' is sub, which takes exactly 2 operands, not 1"):
        Walk(net, 0)


# ------------------------------------------------------------ printed equations are true
def every_operation() -> Network:
    """Every operation once, mixed with neurons, forks and a neuron after an operation."""
    x, y = Neuron("x", "input"), Neuron("y", "input")
    nodes = [x, y, _op("s", "add"), _op("d", "sub"), _op("p", "mul"), _op("q", "div"),
             _op("mx", "max"), _op("mn", "min"), _op("ng", "neg"), _op("sq", "square"),
             _op("pw", "pow", param=1.5), _op("rt", "sqrt"), _op("ex", "exp"),
             _op("lg", "log"), _op("sn", "sin"), _op("cs", "cos"), _op("th", "tanh"),
             _op("sg", "sigmoid"), _op("rl", "relu"), _op("k", "const", param=0.25),
             Neuron("h", "hidden", "tanh", bias=0.1), _op("out", "add", "output")]
    pairs = [("s", "x", 2.0), ("s", "y", 1.0), ("d", "x", 1.0), ("d", "y", -0.5),
             ("p", "x", 1.0), ("p", "y", 3.0), ("q", "x", 1.0), ("q", "y", 2.0),
             ("mx", "x", 1.0), ("mx", "y", 1.0), ("mn", "x", 1.0), ("mn", "y", 1.0),
             ("ng", "s", 1.0), ("sq", "d", 0.7), ("pw", "s", 1.0), ("rt", "s", 1.0),
             ("ex", "y", -1.0), ("lg", "s", 1.0), ("sn", "p", 1.0), ("cs", "q", 1.2),
             ("th", "mx", 1.0), ("sg", "mn", 2.0), ("rl", "d", 1.0), ("h", "k", 0.9),
             ("h", "sn", -0.4)]
    pairs += [("out", src, 1.0) for src in ("ng", "sq", "pw", "rt", "ex", "lg", "cs", "th",
                                            "sg", "rl", "h")]
    edges = [Edge(f"{t}_{s}", s, t, w) for t, s, w in pairs]
    return Network(nodes, edges, loss="output", samples=[Sample([0.6, -0.35], [0.0])])


def half_sse_graph() -> Network:
    """Operation nodes feeding a sigmoid output under ½ SSE, and a neuron feeding one."""
    nodes = [Neuron("x1", "input"), Neuron("x2", "input"),
             Neuron("h", "hidden", "sigmoid", bias=-0.2), _op("m", "mul"), _op("e", "exp"),
             Neuron("o", "output", "sigmoid", bias=0.3)]
    edges = [Edge("w1", "x1", "h", 0.8), Edge("w2", "x2", "m", -1.1), Edge("w3", "h", "m", 1.0),
             Edge("w4", "m", "e", 0.5), Edge("w5", "e", "o", 1.7), Edge("w6", "h", "o", -0.6)]
    return Network(nodes, edges, samples=[Sample([0.9, 0.4], [1.0])])


GRAPHS = {"seed000": seed000, "every_operation": every_operation,
          "half_sse": half_sse_graph}


@pytest.mark.parametrize("d", DIGITS)
@pytest.mark.parametrize("granularity", GRANULARITIES)
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_operation_graph_equations_are_true(name: str, granularity: str, d: int) -> None:
    failures = pass_failures(GRAPHS[name](), 0, granularity, d)
    assert not failures, report(failures)


@pytest.mark.parametrize("d", (2, 4))
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_operation_graph_paths_are_true(name: str, d: int) -> None:
    network = GRAPHS[name]()
    failures = []
    for target in [n.id for n in network.neurons] + [e.id for e in network.edges]:
        failures += path_failures(network, target, None, 0, d)
    assert not failures, report(failures)


def test_a_path_through_operations_multiplies_their_local_derivatives() -> None:
    report_x = path_report(seed000(), "x")
    (path,) = report_x.paths
    assert path.formula == "1·cos(a)·1·1·2"          # ∂L/∂ŷ, sin′, weight 1, add′, weight 2
    assert path.product == pytest.approx(2 * math.cos(1.3), abs=1e-15)
    assert report_x.name == "∂L/∂x"
    assert path_report(seed000(), "a").name == "∂L/∂a"


def test_the_reuse_note_names_an_operation_nodes_cache_as_its_step_does() -> None:
    """A neuron's cache is δ; an operation node's is ∂L/∂v, as its step writes it."""
    from bpgui.engine.records import StepRecord

    def note(reuses: tuple[str, ...], operations: tuple[str, ...]) -> str:
        return StepRecord(0, "backward", "node", "x", (), (), reuses, (), (), (),
                          operations).reuse_note
    assert note(("y",), ()) == "Reuses the cached δ of y: computed once, never again."
    assert note(("a", "b"), ("a", "b")) == \
        "Reuses the cached ∂L/∂a and ∂L/∂b: computed once, never again."
    assert note(("h", "a"), ("a",)) == \
        "Reuses the cached δ of h and ∂L/∂a: computed once, never again."
