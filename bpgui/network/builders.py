"""Layered networks from a size string such as ``2-3-1``: the New layered network dialog's core.

Weights are Xavier-style uniform in ±√(6 / (fan_in + fan_out)) from a seeded
generator, or one constant; ids follow a readable scheme (x1, h1_2, y1, w…).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bpgui.network.errors import BpguiError
from bpgui.network.layout import level_positions
from bpgui.network.model import ACTIVATIONS, LOSSES, Edge, Network, Neuron, Sample, TrainingSettings

MAX_LAYER = 64


def parse_sizes(text: str) -> list[int]:
    """``"2-3-1"`` → ``[2, 3, 1]``; at least an input and an output layer."""
    parts = [p.strip() for p in re.split(r"[-,\s]+", text.strip()) if p.strip()]
    if len(parts) < 2:
        raise BpguiError(f"layer sizes {text!r}: give at least two, like 2-3-1")
    sizes = []
    for p in parts:
        if not (p.isascii() and p.isdigit()) or not 1 <= int(p) <= MAX_LAYER:
            raise BpguiError(f"layer sizes {text!r}: {p!r} is not a whole number "
                             f"from 1 to {MAX_LAYER}")
        sizes.append(int(p))
    return sizes


@dataclass
class LayeredSpec:
    """What the dialog asks for. ``activations`` has one entry per non-input layer."""

    sizes: list[int]
    activations: list[str]
    loss: str = "half_sse"
    init: str = "xavier"            # or "constant"
    seed: int = 0
    constant: float = 0.5
    samples: list[Sample] = field(default_factory=list)
    name: str = "Layered network"


def layered_network(spec: LayeredSpec) -> Network:
    """Build a fully connected layered network with positions laid out by layer."""
    sizes = spec.sizes
    if len(spec.activations) != len(sizes) - 1:
        raise BpguiError(f"need {len(sizes) - 1} activations (one per layer after the "
                         f"inputs), got {len(spec.activations)}")
    for act in spec.activations:
        if act not in ACTIVATIONS:
            raise BpguiError(f"unknown activation {act!r}")
    if spec.loss not in LOSSES:
        raise BpguiError(f"unknown loss {spec.loss!r}")
    if spec.init not in ("xavier", "constant"):
        raise BpguiError(f"unknown initialisation {spec.init!r} (xavier or constant)")
    rng = np.random.default_rng(spec.seed)
    layers = [_layer_ids(i, size, len(sizes)) for i, size in enumerate(sizes)]
    neurons = [Neuron(nid, "input") for nid in layers[0]]
    for i, ids in enumerate(layers[1:], start=1):
        role = "output" if i == len(sizes) - 1 else "hidden"
        neurons += [Neuron(nid, role, spec.activations[i - 1]) for nid in ids]
    edges: list[Edge] = []
    for i in range(1, len(layers)):
        fan_in, fan_out = len(layers[i - 1]), len(layers[i])
        limit = float(np.sqrt(6.0 / (fan_in + fan_out)))
        for target in layers[i]:
            for source in layers[i - 1]:
                # Rounded to 4 places for readable files, then kept inside the bound.
                weight = spec.constant if spec.init == "constant" else \
                    min(max(round(float(rng.uniform(-limit, limit)), 4), -limit), limit)
                edges.append(Edge(f"w{len(edges) + 1}", source, target, weight))
    network = Network(neurons, edges, loss=spec.loss, samples=spec.samples,
                      training=TrainingSettings(), name=spec.name)
    network.validate()
    for nid, (x, y) in level_positions(network).items():
        n = network.neuron(nid)
        n.x, n.y = x, y
    return network


def _layer_ids(index: int, size: int, count: int) -> Sequence[str]:
    if index == 0:
        return [f"x{k + 1}" for k in range(size)]
    if index == count - 1:
        return [f"y{k + 1}" if size > 1 else "y" for k in range(size)]
    prefix = "h" if count == 3 else f"h{index}_"
    return [f"{prefix}{k + 1}" for k in range(size)]


def random_parameters(network: Network, seed: int
                      ) -> tuple[dict[str, float], dict[str, float]]:
    """Fresh trainable weights, Xavier-style as :func:`layered_network` draws them but for
    any graph: uniform in ±√(6 / (fan_in + fan_out)) with the fans of the edge's own
    ends; trainable biases 0. Frozen parameters keep their values."""
    rng = np.random.default_rng(seed % (1 << 64))
    fan_in = {n.id: 0 for n in network.neurons}
    fan_out = dict(fan_in)
    for e in network.edges:
        fan_in[e.target] += 1
        fan_out[e.source] += 1
    weights = {}
    for e in network.edges:
        limit = float(np.sqrt(6.0 / (fan_in[e.target] + fan_out[e.source])))
        draw = float(rng.uniform(-limit, limit))
        weights[e.id] = min(max(round(draw, 4), -limit), limit) if e.trainable else e.weight
    biases = {n.id: 0.0 if n.train_bias else n.bias for n in network.neurons if n.has_bias}
    return weights, biases
