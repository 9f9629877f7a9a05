"""Operation nodes in the network file and the model (a v1 addition, issue 14)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bpgui.network import fileformat
from bpgui.network.errors import NetworkError
from bpgui.network.model import Edge, Network, Neuron, Sample
from bpgui.network.operations import OPERATION_TABLE, OPERATIONS, check_operands


def seed_graph() -> dict[str, Any]:
    """Seed 000's z = sin(2x + y): a = add(2·x, 1·y), z = sin(1·a)."""
    return {
        "format": "bpgui-network", "version": 1, "loss": "output",
        "neurons": [{"id": "x", "role": "input"}, {"id": "y", "role": "input"},
                    {"id": "a", "role": "hidden", "op": "add"},
                    {"id": "z", "role": "output", "op": "sin"}],
        "edges": [{"id": "a_x", "source": "x", "target": "a", "weight": 2},
                  {"id": "a_y", "source": "y", "target": "a", "weight": 1},
                  {"id": "z_a", "source": "a", "target": "z", "weight": 1}],
        "samples": [{"inputs": [0.5, 0.3], "targets": [0]}],
    }


def load(tmp_path: Path, doc: dict[str, Any]) -> Network:
    path = tmp_path / "g.bpnet.json"
    path.write_text(json.dumps(doc))
    return fileformat.load(path)


def test_the_seed_graph_round_trips(tmp_path: Path) -> None:
    net = load(tmp_path, seed_graph())
    assert [n.op for n in net.neurons] == [None, None, "add", "sin"]
    assert not net.neuron("a").has_bias and net.neuron("a").is_operation
    assert "a" not in net.parameters()[1]
    out = tmp_path / "out.bpnet.json"
    fileformat.save(net, out)
    saved = json.loads(out.read_text())
    assert saved["neurons"][2] == {"id": "a", "role": "hidden", "op": "add"}
    assert fileformat.load(out).neurons == net.neurons


def test_constants_and_exponents_are_kept(tmp_path: Path) -> None:
    doc = seed_graph()
    doc["neurons"][2:] = [{"id": "c", "role": "hidden", "op": "const", "value": 3},
                          {"id": "z", "role": "output", "op": "pow", "exponent": 2}]
    doc["edges"] = [{"id": "w", "source": "c", "target": "z", "weight": 1}]
    net = load(tmp_path, doc)
    assert (net.neuron("c").param, net.neuron("z").param) == (3.0, 2.0)
    out = tmp_path / "out.bpnet.json"
    fileformat.save(net, out)
    assert json.loads(out.read_text())["neurons"][2]["value"] == 3.0


@pytest.mark.parametrize(("change", "path", "words"), [
    (lambda d: d["neurons"][2].update(op="plus"), "neurons[2].op", "unknown operation"),
    (lambda d: d["neurons"][2].update(bias=1), "neurons[2].bias", "has no bias"),
    (lambda d: d["neurons"][2].update(activation="tanh"), "neurons[2].activation",
     "has no activation"),
    (lambda d: d["neurons"][0].update(op="add"), "neurons[0].op", "an input has no operation"),
    (lambda d: d["neurons"][2].update(value=1), "neurons[2].value", "only a const"),
    (lambda d: d["neurons"][3].update(op="pow"), "neurons[3].exponent", "needs its exponent"),
    (lambda d: d["neurons"][3].update(op="pow", exponent="2"), "neurons[3].exponent", ""),
])
def test_a_bad_operation_node_is_named(tmp_path: Path, change: Any, path: str,
                                       words: str) -> None:
    doc = seed_graph()
    change(doc)
    with pytest.raises(NetworkError) as caught:
        fileformat.loads(json.dumps(doc))
    assert caught.value.path == path
    assert words in str(caught.value)


def test_operand_counts_are_checked_when_computed_not_while_drawn() -> None:
    net = Network([Neuron("x", "input"), Neuron("d", "output", op="sub")],
                  [Edge("u", "x", "d", 1.0)], samples=[Sample([1.0], [0.0])])
    net.validate()                       # a sub still short of its second operand loads
    with pytest.raises(NetworkError, match=r"'d' is sub, which takes exactly 2 operands, "
                                           r"not 1") as caught:
        check_operands(net.neurons, net.edges)
    assert caught.value.path == "neurons[1]"


def test_an_edge_beyond_the_operands_is_refused() -> None:
    net = Network([Neuron("x", "input"), Neuron("y", "input"), Neuron("s", "output", op="sin")],
                  [Edge("u", "x", "s", 1.0)])
    with pytest.raises(NetworkError, match="'s' is sin, which takes exactly 1 operand, not 2"):
        net.add_edge(Edge("v", "y", "s", 1.0))
    assert [e.id for e in net.edges] == ["u"]


def test_every_operation_states_its_operands() -> None:
    assert OPERATION_TABLE["add"].arity_text() == "at least 1 operand"
    assert OPERATION_TABLE["div"].arity_text() == "exactly 2 operands"
    assert OPERATION_TABLE["const"].arity_text() == "no operands"
    assert {"add", "sub", "mul", "div", "max", "min", "neg", "square", "pow", "sqrt", "exp",
            "log", "sin", "cos", "tanh", "sigmoid", "relu", "leaky_relu", "softplus",
            "const"} <= set(OPERATIONS)
