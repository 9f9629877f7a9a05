"""Hypothesis strategies for random valid ``bpgui.network.model.Network`` objects.

This module owns the shape of the random networks the reference tests use:
any DAG, not only layered ones. A random topological order is drawn first
(inputs, then hidden and output neurons interleaved, so outputs may feed
other neurons); every pair (earlier, later) may get an edge, which gives skip
connections and neurons without inputs or without consumers. The file lists
neurons and edges in a scrambled order, never in topological order when there
is an edge, so nothing may rely on the file order being a valid pass order.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

from bpgui.network.items import OPTIMIZER_NAMES
from bpgui.network.model import ACTIVATIONS, LOSSES, Edge, Network, Neuron, Sample, TrainingSettings
from bpgui.network.operations import check_operands
from tests.reference import ACTIVATIONS as ACTIVATION_VALUES
from tests.reference import Value
from tests.reference_operations import ARITY, evaluate

Draw = Any  # hypothesis' draw function

WEIGHT = st.floats(-2.0, 2.0, allow_nan=False, allow_subnormal=False)
BIAS = st.floats(-1.0, 1.0, allow_nan=False, allow_subnormal=False)
INPUT = st.floats(-2.0, 2.0, allow_nan=False, allow_subnormal=False)
UNIT = st.floats(0.0, 1.0, allow_nan=False, allow_subnormal=False)


def _neurons(draw: Draw, loss: str, activations: tuple[str, ...]) -> list[Neuron]:
    """Neurons in a random topological order: inputs first, then the rest interleaved."""
    n_in = draw(st.integers(1, 3), label="inputs")
    n_hidden = draw(st.integers(1, 6), label="hidden")
    n_out = draw(st.integers(1, 3), label="outputs")
    roles = draw(st.permutations(["hidden"] * n_hidden + ["output"] * n_out))
    neurons = [Neuron(f"x{i}", "input") for i in range(n_in)]
    counters = {"hidden": 0, "output": 0}
    for role in roles:
        counters[role] += 1
        nid = f"{'h' if role == 'hidden' else 'y'}{counters[role]}"
        act = "sigmoid" if role == "output" and loss == "bce" else \
            draw(st.sampled_from(activations))
        neurons.append(Neuron(nid, role, activation=act, bias=draw(BIAS),
                              train_bias=draw(st.booleans())))
    return neurons


def _edges(draw: Draw, order: list[Neuron]) -> list[Edge]:
    """Edges from earlier to later neurons of ``order``, each pair with probability ~1/2."""
    edges = []
    for j, target in enumerate(order):
        if target.is_input:
            continue
        for source in order[:j]:
            if draw(st.booleans()):
                edges.append(Edge(f"w_{source.id}_{target.id}", source.id, target.id,
                                  draw(WEIGHT), trainable=draw(st.integers(0, 3)) > 0))
    return edges


def _targets(draw: Draw, loss: str, k: int) -> list[float]:
    if loss == "bce":
        return [draw(UNIT) for _ in range(k)]
    if loss == "softmax_ce":
        if draw(st.booleans()):
            hot = draw(st.integers(0, k - 1))
            return [1.0 if i == hot else 0.0 for i in range(k)]
        raw = [draw(st.floats(0.0, 1.0)) for _ in range(k)]
        total = sum(raw)
        return [r / total for r in raw] if total > 0 else [1.0 / k] * k
    return [draw(INPUT) for _ in range(k)]


def _scrambled(draw: Draw, order: list[Neuron], edges: list[Edge]) -> list[Neuron]:
    """A random file order that is not a topological order (when there is an edge)."""
    listed = draw(st.permutations(order))
    position = {n.id: i for i, n in enumerate(listed)}
    if edges and all(position[e.source] < position[e.target] for e in edges):
        listed = listed[::-1]
    return listed


@st.composite
def networks(draw: Draw, losses: tuple[str, ...] = LOSSES,
             activations: tuple[str, ...] = ACTIVATIONS,
             settings: st.SearchStrategy[TrainingSettings] | None = None) -> Network:
    """A random valid network with 1–5 samples (see the module docstring)."""
    loss = draw(st.sampled_from(losses), label="loss")
    order = _neurons(draw, loss, activations)
    edges = _edges(draw, order)
    listed = _scrambled(draw, order, edges)
    n_in = sum(n.is_input for n in listed)
    n_out = sum(n.role == "output" for n in listed)
    samples = [Sample([draw(INPUT) for _ in range(n_in)], _targets(draw, loss, n_out))
               for _ in range(draw(st.integers(1, 5), label="samples"))]
    training = draw(settings) if settings is not None else TrainingSettings()
    network = Network(listed, draw(st.permutations(edges)), loss=loss, samples=samples,
                      training=training, name="random")
    network.validate()
    return network


@st.composite
def training_settings(draw: Draw, modes: tuple[str, ...] = ("batch", "sgd", "minibatch"),
                      rules: tuple[str, ...] = ("sgd",)) -> TrainingSettings:
    """Small learning rates, every mode, batch sizes 1–3, shuffle on or off, a few seeds.
    With ``rules`` (:data:`RULES`: every update rule, plain gradient descent half the time)
    also the rule's settings and sometimes L2 decay; by default plain gradient descent
    without decay, what the scalar reference trains."""
    varied = rules != ("sgd",)
    return TrainingSettings(
        learning_rate=draw(st.sampled_from([0.05, 0.1, 0.2, 0.3])),
        mode=draw(st.sampled_from(modes)),
        batch_size=draw(st.integers(1, 3)),
        shuffle=draw(st.booleans()),
        seed=draw(st.integers(0, 2**32 - 1)),
        optimizer=draw(st.sampled_from(rules) | st.just("sgd"), label="optimizer"),
        momentum=draw(st.sampled_from([0.9, 0.5, 0.99])),
        beta1=draw(st.sampled_from([0.9, 0.8])),
        beta2=draw(st.sampled_from([0.999, 0.99, 0.9])),
        eps=draw(st.sampled_from([1e-8, 1e-3, 0.1])),
        alpha=draw(st.sampled_from([0.99, 0.9, 0.5])),
        l2=draw(st.sampled_from([0.0, 0.0, 0.01, 0.25])) if varied else 0.0,
    )


RULES: tuple[str, ...] = OPTIMIZER_NAMES
"""Every update rule, for ``training_settings(rules=RULES)``."""


# --------------------------------------------------------------- operation graphs
OPERATION_NAMES: tuple[str, ...] = tuple(ARITY)
"""Every operation (the reference's list; a test holds it equal to the engine's table)."""
MARGIN = 0.5
"""Sources of a log, √, fractional or non-positive power, or divisor have |a| ≥ MARGIN in
every sample, and their weight |w| ≥ 0.5: the operand stays ≥ 0.25 away from 0, where
those operations have no value (and their derivatives at most 4, 2, 128 and 16)."""
BOUND = 100.0
"""Every node's value stays within ±BOUND (an operation that would leave it becomes tanh
of its first operand), so nothing overflows and rounding stays ~1e-14 in absolute terms."""
EXPONENTS = (-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 0.5, 1.5, -0.5, 2.5)
CONSTANT = st.floats(-3.0, 3.0, allow_nan=False, allow_subnormal=False)
MAGNITUDE = st.floats(0.5, 2.0, allow_nan=False, allow_subnormal=False)
EXPLICIT_ORDER = ("sub", "div")      # operand order matters for the domain: kept in the file
MANY = ("add", "mul", "max", "min")


class _Graph:
    """A graph under construction: nodes in topological order and their values per sample."""

    def __init__(self, draw: Draw, inputs: list[list[float]]) -> None:
        self.draw = draw
        self.n_samples = len(inputs)
        self.nodes = [Neuron(f"x{i}", "input") for i in range(len(inputs[0]))]
        self.edges: list[Edge] = []
        self.edge_count = 0
        self.values = {f"x{i}": [s[i] for s in inputs] for i in range(len(inputs[0]))}

    def fresh_id(self, stem: str) -> str:
        return f"{stem}{len(self.nodes)}"

    def edge(self, source: str, target: str, weight: float) -> Edge:
        self.edge_count += 1
        return Edge(f"w{self.edge_count}_{source}_{target}", source, target, weight,
                    trainable=self.draw(st.integers(0, 3)) > 0)

    def operand_values(self, edges: list[Edge]) -> list[list[float]]:
        """Per sample, every operand w·a in ``edges`` order."""
        return [[e.weight * self.values[e.source][s] for e in edges]
                for s in range(self.n_samples)]

    def away_from_zero(self, positive: bool) -> list[str]:
        """Nodes with |a| ≥ MARGIN in every sample (and one sign throughout, if asked)."""
        out = []
        for nid, vs in self.values.items():
            if all(abs(v) >= MARGIN for v in vs) and (
                    not positive or all(v > 0 for v in vs) or all(v < 0 for v in vs)):
                out.append(nid)
        return out

    def safe_source(self, positive: bool, avoid: str | None = None) -> tuple[str, float]:
        """A source and weight giving an operand ≥ 0.25 (or |·| ≥ 0.25) in every sample;
        a new ``const`` node when no node qualifies."""
        pool = [n for n in self.away_from_zero(positive) if n != avoid]
        magnitude = self.draw(MAGNITUDE)
        if pool:
            source = self.draw(st.sampled_from(sorted(pool)))
        else:
            source = self.add(Neuron(self.fresh_id("c"), "hidden", op="const",
                                     param=self.draw(st.sampled_from([-1, 1]))
                                     * self.draw(MAGNITUDE)), [])
        if positive:
            sign = 1.0 if self.values[source][0] > 0 else -1.0
        else:
            sign = self.draw(st.sampled_from([-1.0, 1.0]))
        return source, sign * magnitude

    def add(self, node: Neuron, edges: list[Edge]) -> str:
        """Append ``node`` fed by ``edges`` (operands in this order); keep it within ±BOUND."""
        values = self.evaluate(node, edges)
        if not all(math.isfinite(v) and abs(v) <= BOUND for v in values):
            if node.op is None:
                node.activation = "tanh"
            else:
                node.op, node.param, edges = "tanh", None, edges[:1]
            values = self.evaluate(node, edges)
        self.nodes.append(node)
        self.edges += edges
        self.values[node.id] = values
        return node.id

    def evaluate(self, node: Neuron, edges: list[Edge]) -> list[float]:
        if node.op is not None:
            return [evaluate(node.op, ops, node.param, node.id, s)[0]
                    for s, ops in enumerate(self.operand_values(edges))]
        out = []
        for ops in self.operand_values(edges):
            z = node.bias + sum(ops)
            out.append(ACTIVATION_VALUES[node.activation](Value(z)).data)
        return out


def _operation_node(g: _Graph, op: str) -> None:
    draw, nid = g.draw, g.fresh_id(op)
    earlier = [n.id for n in g.nodes]
    if op == "const":
        g.add(Neuron(nid, "hidden", op="const", param=draw(CONSTANT)), [])
        return
    param = draw(st.sampled_from(EXPONENTS)) if op == "pow" else None
    pairs: list[tuple[str, float]]
    if op in MANY:
        sources = draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=3, unique=True))
        pairs = [(s, draw(WEIGHT)) for s in sources]
        if op in ("max", "min") and draw(st.booleans()):   # equal weights: ties happen
            pairs = [(s, pairs[0][1]) for s, _ in pairs]
    elif op == "sub":
        first = draw(st.sampled_from(earlier))
        rest = [n for n in earlier if n != first]
        second = draw(st.sampled_from(rest)) if rest else g.safe_source(False, first)[0]
        pairs = [(first, draw(WEIGHT)), (second, draw(WEIGHT))]
    elif op == "div":
        numerator = draw(st.sampled_from(earlier))
        pairs = [(numerator, draw(WEIGHT)), g.safe_source(False, avoid=numerator)]
    elif op in ("log", "sqrt") or (op == "pow" and param is not None and not param.is_integer()):
        pairs = [g.safe_source(True)]
    elif op == "pow" and param is not None and param <= 0:
        pairs = [g.safe_source(False)]
    else:
        pairs = [(draw(st.sampled_from(earlier)), draw(WEIGHT))]
    g.add(Neuron(nid, "hidden", op=op, param=param),
          [g.edge(source, nid, weight) for source, weight in pairs])


def _neuron_node(g: _Graph, activations: tuple[str, ...]) -> None:
    draw, nid = g.draw, g.fresh_id("h")
    earlier = [n.id for n in g.nodes]
    sources = draw(st.lists(st.sampled_from(earlier), max_size=3, unique=True))
    g.add(Neuron(nid, "hidden", activation=draw(st.sampled_from(activations)), bias=draw(BIAS),
                 train_bias=draw(st.booleans())),
          [g.edge(s, nid, draw(WEIGHT)) for s in sources])


def _keep_order(draw: Draw, edges: list[Edge], keep: set[str]) -> list[Edge]:
    """A random edge order in which the edges into each node of ``keep`` stay in order."""
    listed = draw(st.permutations(edges))
    for target in keep:
        slots = [i for i, e in enumerate(listed) if e.target == target]
        for i, e in zip(slots, [e for e in edges if e.target == target], strict=True):
            listed[i] = e
    return listed


@st.composite
def operation_graphs(draw: Draw, losses: tuple[str, ...] = LOSSES,
                     operations: tuple[str, ...] = OPERATION_NAMES, mixed: bool = False,
                     activations: tuple[str, ...] = ACTIVATIONS) -> Network:
    """A random valid graph of operation nodes (and, if ``mixed``, ordinary neurons).

    Nodes are drawn in a topological order, each fed by earlier ones, its values computed
    as it is drawn (by the reference) so the domain rules (MARGIN) and the bound (BOUND)
    hold in every sample. Values fork freely; some nodes feed nothing. The last node and
    maybe others are outputs (for bce, each through a sigmoid node). The file lists nodes
    and edges in a scrambled order, keeping only sub's and div's operands in order.
    """
    loss = draw(st.sampled_from(losses), label="loss")
    n_in = draw(st.integers(1, 3), label="inputs")
    inputs = [[draw(INPUT) for _ in range(n_in)]
              for _ in range(draw(st.integers(1, 4), label="samples"))]
    g = _Graph(draw, inputs)
    for _ in range(draw(st.integers(1, 7), label="nodes")):
        if mixed and draw(st.integers(0, 2)) == 0:
            _neuron_node(g, activations)
        else:
            _operation_node(g, draw(st.sampled_from(operations)))
    chosen = [n for n in g.nodes[n_in:-1] if draw(st.integers(0, 3)) == 0][:2]
    chosen.append(g.nodes[-1])
    for node in chosen:
        if loss == "bce":
            nid = g.fresh_id("p")
            g.add(Neuron(nid, "output", op="sigmoid"), [g.edge(node.id, nid, draw(WEIGHT))])
        else:
            node.role = "output"
    n_out = sum(n.role == "output" for n in g.nodes)
    listed = _scrambled(draw, g.nodes, g.edges)
    keep = {n.id for n in g.nodes if n.op in EXPLICIT_ORDER}
    columns = [int(n.id[1:]) for n in listed if n.is_input]    # the file's input order
    samples = [Sample([x[c] for c in columns], _targets(draw, loss, n_out)) for x in inputs]
    network = Network(listed, _keep_order(draw, g.edges, keep), loss=loss, samples=samples,
                      name="random operations")
    network.validate()
    check_operands(network.neurons, network.edges)
    return network
