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

from typing import Any

from hypothesis import strategies as st

from bpgui.network.model import ACTIVATIONS, LOSSES, Edge, Network, Neuron, Sample, TrainingSettings

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
def training_settings(draw: Draw, modes: tuple[str, ...] = ("batch", "sgd", "minibatch")
                      ) -> TrainingSettings:
    """Small learning rates, every mode, batch sizes 1–3, shuffle on or off, a few seeds."""
    return TrainingSettings(
        learning_rate=draw(st.sampled_from([0.05, 0.1, 0.2, 0.3])),
        mode=draw(st.sampled_from(modes)),
        batch_size=draw(st.integers(1, 3)),
        shuffle=draw(st.booleans()),
        seed=draw(st.integers(0, 2**32 - 1)),
    )
