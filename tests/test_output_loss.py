"""The ``output`` loss (a v1 addition): L is the output's own value, so the gradients a
trace reports are the chain rule's ∂z/∂x, as seed 000 writes them for z = sin(2x + y).

Expected numbers come from ``math`` by hand: ∂z/∂x = 2·cos(2x + y), ∂z/∂y = cos(2x + y).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bpgui.engine.gradcheck import check_gradients
from bpgui.engine.stepper import all_steps
from bpgui.engine.trace import trace_document
from bpgui.network import fileformat
from bpgui.network.model import Edge, Network, Neuron, Sample, TrainingSettings
from tests.cli_helpers import ok_json, run_cli

X, Y = 0.5, 0.3


def sin_graph(loss: str = "output", target: float = 123.0) -> Network:
    """z = sin(2x + y) as one sin neuron; the target is there for the file and unused."""
    return Network([Neuron("x", "input"), Neuron("y", "input"), Neuron("z", "output", "sin")],
                   [Edge("w_x", "x", "z", 2.0), Edge("w_y", "y", "z", 1.0)],
                   loss=loss, samples=[Sample([X, Y], [target])],
                   training=TrainingSettings(learning_rate=0.1))


def test_the_gradients_are_the_chain_rule_of_z() -> None:
    doc = trace_document(sin_graph())
    a = 2 * X + Y
    assert doc["loss"] == pytest.approx(math.sin(a), rel=1e-15)
    assert doc["neurons"]["z"]["delta"] == pytest.approx(math.cos(a), rel=1e-15)
    assert doc["neurons"]["x"]["grad"] == pytest.approx(2 * math.cos(a), rel=1e-15)
    assert doc["neurons"]["y"]["grad"] == pytest.approx(math.cos(a), rel=1e-15)
    assert doc["gradients"]["weights"]["w_x"] == pytest.approx(X * math.cos(a), rel=1e-15)
    assert doc["gradients"]["biases"]["z"] == pytest.approx(math.cos(a), rel=1e-15)


def test_the_targets_change_nothing() -> None:
    one, other = trace_document(sin_graph(target=0.0)), trace_document(sin_graph(target=-7.0))
    assert one["loss"] == other["loss"]
    assert one["gradients"] == other["gradients"]


def test_several_outputs_add_up() -> None:
    """L = Σ_k ŷ_k: each output's ∂L/∂ŷ is 1, so each input's gradient sums its paths."""
    net = Network([Neuron("x", "input"), Neuron("p", "output", "identity", 1.0),
                   Neuron("q", "output", "tanh")],
                  [Edge("u", "x", "p", 3.0), Edge("v", "x", "q", -0.5)],
                  loss="output", samples=[Sample([0.4], [0.0, 0.0])])
    doc = trace_document(net)
    assert doc["loss"] == pytest.approx(1 + 3 * 0.4 + math.tanh(-0.2), rel=1e-15)
    expected = 3 + (-0.5) * (1 - math.tanh(-0.2) ** 2)
    assert doc["neurons"]["x"]["grad"] == pytest.approx(expected, rel=1e-15)


def test_the_loss_step_writes_l_and_its_gradient_of_one() -> None:
    loss_step = next(r for r in all_steps(sin_graph()) if r.phase == "loss")
    text = loss_step.text(4)
    assert "L = ŷ = 0.9636" in text
    assert "∂L/∂ŷ = 1" in text


def test_finite_differences_agree() -> None:
    checks = check_gradients(sin_graph())
    assert {c.name for c in checks} == {"w_x", "w_y", "b_z"}
    assert all(c.relative_error < 1e-7 for c in checks)


def test_the_file_round_trips_and_the_cli_traces_it(tmp_path: Path) -> None:
    path = tmp_path / "sin.bpnet.json"
    fileformat.save(sin_graph(), path)
    assert fileformat.load(path).loss == "output"
    trace = ok_json(run_cli("trace", path))
    assert trace["neurons"]["x"]["grad"] == pytest.approx(2 * math.cos(2 * X + Y), rel=1e-15)
    check = run_cli("check", path)
    assert check.returncode == 0, check.stdout + check.stderr
