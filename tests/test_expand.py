"""A neuron as its gates (bpgui.network.expand): the gate graph's pass is the neuron's.

The numbers to match are the main network's own pass (the step path) and, for seed 000's
h1, the note's: z = −2, a = tanh(−2) = −0.964, δ_h1 = −0.025 (∂L/∂w₅ as the note says).
"""

from __future__ import annotations

import math

import pytest

from bpgui.engine.records import Quantity as Q
from bpgui.engine.stepthrough import StepThrough
from bpgui.network.errors import BpguiError
from bpgui.network.expand import expandable, gradient_node, neuron_as_graph
from bpgui.network.fileformat import load
from bpgui.network.items import Edge, Neuron, Sample
from bpgui.network.model import Network

SEED = "sample_networks/seed000_worked_example.bpnet.json"


def _pass(network: Network) -> dict[Q, float]:
    walk = StepThrough(network, 0)
    return walk.state(len(walk))


def _expanded(network: Network, neuron_id: str) -> tuple[dict[Q, float], dict[Q, float],
                                                          Network]:
    main = _pass(network)
    values = {k.id: v for k, v in main.items() if k.kind == "a"}
    graph = neuron_as_graph(network, neuron_id, values, main[Q("grad_a", neuron_id)])
    return main, _pass(graph), graph


def test_seed_h1_gates_carry_the_neurons_numbers() -> None:
    network = load(SEED)
    main, gates, graph = _expanded(network, "h1")
    assert gates[Q("a", "z")] == pytest.approx(-2.0, abs=1e-12)
    assert gates[Q("a", "a")] == pytest.approx(math.tanh(-2.0), abs=1e-12)
    assert round(gates[Q("a", "a")], 3) == -0.964
    delta = (1 - math.tanh(-2.0) ** 2) * main[Q("grad_a", "h1")]
    assert gates[Q("delta", "z")] == pytest.approx(delta, abs=1e-12)
    assert round(gates[Q("delta", "z")], 3) == -0.025
    assert gates[Q("delta", "z")] == pytest.approx(main[Q("delta", "h1")], abs=1e-12)
    assert gates[Q("delta", "a")] == pytest.approx(main[Q("grad_a", "h1")], abs=1e-12)
    assert gates[Q("delta", "b")] == pytest.approx(main[Q("grad_b", "h1")], abs=1e-12)
    for e in (e for e in network.edges if e.target == "h1"):
        assert gates[Q("delta", e.id)] == pytest.approx(main[Q("grad_w", e.id)],
                                                               abs=1e-12)
        # the source's share of its ∂L/∂a: the one term w·δ through h1
        assert gates[Q("grad_a", e.source)] == pytest.approx(
            e.weight * main[Q("delta", "h1")], abs=1e-12)
    assert gates[Q("delta", "w5")] == pytest.approx(-0.025, abs=5e-4)   # the note's
    # no wire of the gate graph is trained: every weight stays 1 after the update
    assert all(v == 1.0 for k, v in gates.items() if k.kind == "weight")
    assert gradient_node(graph).param == main[Q("grad_a", "h1")]
    assert "∂L/∂a from the network" in (graph.description or "")


def test_every_activation_has_a_gate() -> None:
    from bpgui.network.expand import ACTIVATION_GATES
    from bpgui.network.functions import ACTIVATIONS
    from bpgui.network.operations import OPERATION_TABLE

    assert set(ACTIVATION_GATES) | {"identity"} == set(ACTIVATIONS)
    assert set(ACTIVATION_GATES.values()) <= set(OPERATION_TABLE)


@pytest.mark.parametrize("activation", ["identity", "sigmoid", "relu", "sin", "tanh",
                                        "leaky_relu", "softplus"])
def test_every_neuron_of_a_small_network(activation: str) -> None:
    network = Network(
        [Neuron("x", "input"), Neuron("u", "input"),
         Neuron("h", "hidden", activation=activation, bias=-0.9),
         Neuron("o", "output", activation="sigmoid", bias=-0.2)],
        [Edge("e1", "x", "h", 0.7), Edge("e2", "u", "h", -1.3), Edge("e3", "h", "o", 1.1),
         Edge("e4", "x", "o", 0.4)],
        loss="half_sse", samples=[Sample([0.9, 0.4], [1.0])])
    for nid in ("h", "o"):
        main, gates, _ = _expanded(network, nid)
        last = "z" if network.neuron(nid).activation == "identity" else "a"
        assert gates[Q("a", "z")] == pytest.approx(main[Q("z", nid)], abs=1e-12)
        assert gates[Q("a", last)] == pytest.approx(main[Q("a", nid)], abs=1e-12)
        assert gates[Q("delta", "z")] == pytest.approx(main[Q("delta", nid)], abs=1e-12)
        assert gates[Q("delta", "b")] == pytest.approx(main[Q("grad_b", nid)], abs=1e-12)
        for e in (e for e in network.edges if e.target == nid):
            assert gates[Q("delta", e.id)] == pytest.approx(
                main[Q("grad_w", e.id)], abs=1e-12)


def test_a_neuron_without_incoming_edges_is_its_bias() -> None:
    network = Network([Neuron("x", "input"), Neuron("o", "output", bias=0.5)], [],
                      loss="half_sse", samples=[Sample([1.0], [0.0])])
    graph = neuron_as_graph(network, "o", {}, 0.25)
    gates = _pass(graph)
    assert gates[Q("a", "z")] == 0.5
    assert gates[Q("delta", "b")] == pytest.approx(0.25 * 0.5 * (1 - 1 / (1 + math.exp(-0.5)))
                                                   * 2 / (1 + math.exp(-0.5)), rel=1e-12)


def test_only_neurons_expand() -> None:
    network = load("sample_networks/seed000_sin_graph.bpnet.json")
    seed = load(SEED)
    assert expandable(seed, "h1") and expandable(seed, "y")
    assert not expandable(seed, "x1") and not expandable(seed, "nope")
    op_node = next(n.id for n in network.neurons if n.is_operation)
    assert not expandable(network, op_node)
    with pytest.raises(BpguiError, match="operation node"):
        neuron_as_graph(network, op_node, {}, 1.0)
    with pytest.raises(BpguiError, match="an input"):
        neuron_as_graph(seed, "x1", {}, 1.0)
    with pytest.raises(BpguiError, match="no value for its source 'x1'"):
        neuron_as_graph(seed, "h1", {"x2": 1.0, "x3": 1.0}, 1.0)


def test_gate_names_give_way_to_sources_named_like_them() -> None:
    """Sources keep their names (the student's); a gate whose name is taken gets _2."""
    network = Network(
        [Neuron("g", "input"), Neuron("z", "input"), Neuron("out", "output", bias=0.1)],
        [Edge("b", "g", "out", 2.0), Edge("sum", "z", "out", -1.0)],
        loss="half_sse", samples=[Sample([0.5, 0.25], [1.0])])
    main, gates, graph = _expanded(network, "out")
    assert gradient_node(graph).id == "g_2" and gradient_node(graph).label == "g"
    assert gates[Q("a", "g")] == 0.5 and gates[Q("a", "z")] == 0.25
    assert gates[Q("a", "z_2")] == pytest.approx(main[Q("z", "out")], abs=1e-12)
    assert gates[Q("delta", "z_2")] == pytest.approx(main[Q("delta", "out")], abs=1e-12)
