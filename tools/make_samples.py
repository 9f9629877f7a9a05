"""Write the sample networks in ``sample_networks/`` (run ``python tools/make_samples.py``).

This script owns the content of ``sample_networks/``: the networks, their teacher-facing
descriptions, their canvas layout and their generated weights. It writes every file with
``bpgui.network.fileformat.save`` (so each one is valid), reads it back with ``load``, and checks
with a small independent NumPy trainer that the networks meant for training really train.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runs from a clean clone without installing bpgui

from bpgui.network import datasets, fileformat  # noqa: E402
from bpgui.network.graph import topological_levels, topological_order  # noqa: E402
from bpgui.network.lesson import Scene  # noqa: E402
from bpgui.network.model import Edge, Network, Neuron, Sample, TrainingSettings  # noqa: E402
from tools.sample_graphs import GRAPHS  # noqa: E402
from tools.sample_overfit import overfit_moons  # noqa: E402

OUT = ROOT / "sample_networks"
LAYER_DX, NEURON_DY, MARGIN = 280.0, 150.0, 80.0
XOR_SEED, XOR_LR = 1, 2.0
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


# --------------------------------------------------------------------- building blocks
def layout(net: Network, nudge: dict[str, float] | None = None) -> None:
    """Place neurons left to right by level, 280 px apart, centred vertically 150 px apart.

    ``nudge`` moves single neurons up or down (px) where an edge would cross a neuron.
    """
    ids = [n.id for n in net.neurons]
    levels = topological_levels(len(ids), [n.is_input for n in net.neurons], net.index_pairs())
    rows: dict[int, list[int]] = {}
    for i in topological_order(levels):
        rows.setdefault(levels[i], []).append(i)
    for level, members in rows.items():
        for k, i in enumerate(members):
            net.neurons[i].x = MARGIN + LAYER_DX * level
            offset = (nudge or {}).get(ids[i], 0.0)
            net.neurons[i].y = NEURON_DY * (k - (len(members) - 1) / 2) + offset
    top = min(n.y for n in net.neurons if n.y is not None)
    for n in net.neurons:
        n.y = round(n.y - top + MARGIN, 1)  # type: ignore[operator]


def check_edges_clear_neurons(net: Network, clearance: float = 45.0) -> None:
    """Fail if an edge passes within ``clearance`` px of a neuron in a column it crosses."""
    pos = {n.id: np.array([n.x, n.y], dtype=float) for n in net.neurons}
    for e in net.edges:
        a, b = pos[e.source], pos[e.target]
        for nid, p in pos.items():
            if not min(a[0], b[0]) < p[0] < max(a[0], b[0]):
                continue
            t = float(np.clip(np.dot(p - a, b - a) / np.dot(b - a, b - a), 0.0, 1.0))
            gap = float(np.linalg.norm(a + t * (b - a) - p))
            assert gap >= clearance, f"{net.name}: edge {e.id} passes {gap:.0f} px from {nid}"


def xavier(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """A (fan_out, fan_in) matrix drawn from U(±sqrt(6 / (fan_in + fan_out))), 4 decimals."""
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return np.round(rng.uniform(-limit, limit, size=(fan_out, fan_in)), 4)


def dense(layers: Sequence[Sequence[tuple[str, str | None]]], activations: Sequence[str],
          seed: int) -> tuple[list[Neuron], list[Edge]]:
    """A fully connected layered network; ``layers`` holds (id, label) pairs per layer.

    Weights are Xavier-style uniform from ``default_rng(seed)``, layer by layer, biases 0.
    """
    rng = np.random.default_rng(seed)
    neurons = [Neuron(i, "input", label=lab) for i, lab in layers[0]]
    edges: list[Edge] = []
    for depth, (prev, layer) in enumerate(pairwise(layers), start=1):
        role = "output" if depth == len(layers) - 1 else "hidden"
        neurons += [Neuron(i, role, activations[depth - 1], label=lab) for i, lab in layer]
        weights = xavier(rng, len(prev), len(layer))
        edges += [Edge(f"w_{src}_{dst}", src, dst, float(weights[r, c]))
                  for r, (dst, _) in enumerate(layer) for c, (src, _) in enumerate(prev)]
    return neurons, edges


def rounded(samples: list[Sample], places: int = 4) -> list[Sample]:
    return [Sample([round(v, places) for v in s.inputs], list(s.targets)) for s in samples]


# ------------------------------------------------- independent batch trainer (a check)
_F = {"identity": (lambda z: z, lambda z, a: np.ones_like(z)),
      "sigmoid": (lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), lambda z, a: a * (1.0 - a)),
      "tanh": (np.tanh, lambda z, a: 1.0 - a * a),
      "sin": (np.sin, lambda z, a: np.cos(z))}


def _loss(kind: str, out: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean per-sample loss and the per-sample ∂ℓ/∂ŷ, as the v1 spec defines them."""
    if kind == "half_sse":
        return float(np.mean(0.5 * ((y - out) ** 2).sum(1))), out - y
    if kind == "sse":
        return float(np.mean(((out - y) ** 2).sum(1))), 2.0 * (out - y)
    if kind == "bce":
        p = np.clip(out, 1e-12, 1 - 1e-12)
        loss = -(y * np.log(p) + (1 - y) * np.log(1 - p)).sum(1)
        return float(loss.mean()), (p - y) / (p * (1 - p))
    if kind == "softmax_ce":
        shifted = out - out.max(1, keepdims=True)
        log_s = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
        return float(-(y * log_s).sum(1).mean()), np.exp(log_s) * y.sum(1, keepdims=True) - y
    raise ValueError(kind)


def train(net: Network, iterations: int) -> list[float]:
    """Batch gradient descent on a copy of ``net``; the loss history (iterations + 1 values)."""
    net = net.copy()
    order = [net.neurons[i] for i in topological_order(topological_levels(
        len(net.neurons), [n.is_input for n in net.neurons], net.index_pairs()))]
    x = np.array([s.inputs for s in net.samples])
    y = np.array([s.targets for s in net.samples])
    incoming = {n.id: [e for e in net.edges if e.target == n.id] for n in net.neurons}
    history = []
    for step in range(iterations + 1):
        a: dict[str, np.ndarray] = {n.id: x[:, k] for k, n in enumerate(net.inputs)}
        z: dict[str, np.ndarray] = {}
        for n in order[len(net.inputs):]:
            z[n.id] = n.bias + sum((e.weight * a[e.source] for e in incoming[n.id]),
                                   np.zeros(len(x)))
            a[n.id] = _F[n.activation][0](z[n.id])
        loss, dout = _loss(net.loss, np.column_stack([a[o.id] for o in net.outputs]), y)
        history.append(loss)
        if step == iterations:
            return history
        grad_a = {n.id: np.zeros(len(x)) for n in net.neurons}
        for k, o in enumerate(net.outputs):
            grad_a[o.id] += dout[:, k]
        updates = []
        for n in reversed(order[len(net.inputs):]):
            delta = _F[n.activation][1](z[n.id], a[n.id]) * grad_a[n.id]
            updates.append((n, "bias", n.train_bias, delta.mean()))
            for e in incoming[n.id]:
                grad_a[e.source] += e.weight * delta
                updates.append((e, "weight", e.trainable, (a[e.source] * delta).mean()))
        for obj, field, trainable, g in updates:
            if trainable:
                setattr(obj, field, getattr(obj, field) - net.training.learning_rate * g)
    raise AssertionError("unreachable")


def first_below(history: list[float], level: float) -> int | None:
    return next((t for t, v in enumerate(history) if v < level), None)


# ---------------------------------------------------------------------------- samples
def worked_example() -> Network:
    neurons = [Neuron(f"x{i}", "input", label=f"x{i}".translate(SUB)) for i in (1, 2, 3)]
    neurons += [Neuron("h1", "hidden", "tanh", 0.0, label="h₁"),
                Neuron("h2", "hidden", "tanh", 0.0, label="h₂"),
                Neuron("y", "output", "sigmoid", 2.0001, label="ŷ")]
    wiring = [("x1", "h1", 1), ("x1", "h2", 1), ("x2", "h1", -1), ("x2", "h2", 2),
              ("x3", "h1", -1), ("x3", "h2", 2), ("h1", "y", 3), ("h2", "y", 1)]
    edges = [Edge(f"w{k}", s, t, float(w), label=f"w{k}".translate(SUB))
             for k, (s, t, w) in enumerate(wiring, start=1)]
    return Network(
        neurons, edges, loss="half_sse", samples=[Sample([0.0, 1.0, 1.0], [1.0])],
        training=TrainingSettings(learning_rate=0.5),
        name="Seed 000: the worked example",
        description=(
            "The worked example of source note 000, with its weights w₁…w₈, the loss "
            "L = ½(y − ŷ)² and target y = 1: a forward pass gives z₁ = −2, a₁ = −0.964, "
            "z₂ = 4, a₂ = 0.9993, z₃ = 0.1073 and ŷ = 0.5268, and backpropagation gives "
            "∂L/∂w₅ = (ŷ − y)·ŷ(1 − ŷ)·w₇·(1 − a₁²)·x₃ = −0.025, exactly as the note "
            "publishes. Two honest changes make the numbers match: the note lists the inputs "
            "as (0, 1, 0), but its own product uses ∂z₁/∂w₅ = x₃ = 1 (and z₁ = −2, z₂ = 4 "
            "need x₃ = 1 too), so this sample uses x = (0, 1, 1). And the note computed z₃ "
            "from the rounded a₁ = −0.964 and a₂ = 0.9993, so the output bias is 2.0001 "
            "rather than 2, so that exact arithmetic also rounds to the published "
            "z₃ = 0.1073 (with bias 2 it would be 0.1072). Try stepping the backward pass "
            "to w₅: only one path leads there, L → ŷ → z₃ → a₁ → z₁ → w₅, and the cached "
            "δ values along it multiply to the gradient."),
        lesson=WORKED_EXAMPLE_LESSON,
    )


# The lessons a teacher plays in presentation mode (F5; PageDown and PageUp).
WORKED_EXAMPLE_LESSON = [
    Scene("The worked example", 0, caption="Three inputs, two tanh neurons, one sigmoid "
          "output, and the loss ½(y − ŷ)². One forward pass, then one backward pass.",
          notes="Point at the three layers. The target is y = 1; the inputs are (0, 1, 1): "
          "the note's (0, 1, 0) is a typo its own product contradicts."),
    Scene("Forward: h₁", 2, caption="h₁ adds up what it reads, then squashes it with tanh.",
          notes="z₁ = −2, a₁ = tanh(−2) = −0.964. Ask what tanh does to a large negative z."),
    Scene("Forward: the output", 4, caption="ŷ = σ(z₃): the network's answer.",
          notes="z₃ = 0.1073 (the bias 2.0001 makes exact arithmetic round as the note "
          "does), ŷ = 0.5268."),
    Scene("The loss", 5, caption="How far is ŷ from the target y = 1?",
          notes="L = ½(1 − 0.5268)² = 0.112. The step also gives ∂L/∂ŷ = ŷ − y, where the "
          "backward pass starts."),
    Scene("δ of y, computed once", 6, selection=("y",),
          caption="Backward starts at the output: δ_y is computed once and stays on ŷ.",
          notes="δ_y = (ŷ − y)·ŷ(1 − ŷ) = −0.118. The blue badge is the cache."),
    Scene("h₂ reuses the cached δ of y", 7, selection=("h2",),
          caption="δ_h2 = (1 − a₂²)·(w₈·δ_y): h₂ reads δ_y from the cache (yellow), it does "
          "not recompute it.",
          notes="This reuse is the whole point of backpropagation: every δ once, every "
          "gradient a product with a cached δ. h₁ reuses it next."),
    Scene("The path to w₅", 8, selection=("w5",), question=True,
          caption="One path leads from the loss to w₅, through h₁, and ∂L/∂w₅ = x₃·δ_h1 "
          "with x₃ = 1. δ_h1 reuses the cached δ of y: what is it?",
          notes="The seed's product: (0.5268 − 1)·0.5268(1 − 0.5268)·3·(1 − (−0.964)²)·1 "
          "= −0.025. Let them multiply along the coloured path first."),
    Scene("∂L/∂w₅, the seed's number", 12, selection=("w5",),
          caption="∂L/∂w₅ = x₃·δ_h1 = −0.025, as the source note publishes.",
          notes="The gradients are each a product with a cached δ: no path is walked "
          "twice."),
]


def chain() -> Network:
    labels = ["a⁽⁰⁾", "a⁽ᴸ⁻²⁾", "a⁽ᴸ⁻¹⁾", "a⁽ᴸ⁾"]
    weights, biases = [0.8, -1.2, 1.5], [0.1, -0.2, 0.3]
    neurons = [Neuron("a0", "input", label=labels[0])]
    neurons += [Neuron(f"a{k}", "output" if k == 3 else "hidden", "sigmoid", biases[k - 1],
                       label=labels[k]) for k in (1, 2, 3)]
    edge_labels = ["w⁽ᴸ⁻²⁾", "w⁽ᴸ⁻¹⁾", "w⁽ᴸ⁾"]
    edges = [Edge(f"w{k}", f"a{k - 1}", f"a{k}", weights[k - 1], label=edge_labels[k - 1])
             for k in (1, 2, 3)]
    return Network(
        neurons, edges, loss="sse",
        samples=[Sample([1.0], [0.0]), Sample([-0.5], [1.0])],
        training=TrainingSettings(learning_rate=2.0),
        name="Seed 002: a chain of single neurons",
        description=(
            "The chain of source note 002, one neuron per layer (here L = 3): each layer "
            "computes z⁽ᴸ⁾ = w⁽ᴸ⁾·a⁽ᴸ⁻¹⁾ + b⁽ᴸ⁾ and a⁽ᴸ⁾ = σ(z⁽ᴸ⁾), and the cost of one "
            "sample is C₀ = (a⁽ᴸ⁾ − y)². For one sample, ∂C₀/∂w⁽ᴸ⁾ = a⁽ᴸ⁻¹⁾ · σ′(z⁽ᴸ⁾) · "
            "2(a⁽ᴸ⁾ − y), and the bias gradient is the same product without the a⁽ᴸ⁻¹⁾; "
            "going one layer further back just multiplies in w⁽ᴸ⁾·σ′(z⁽ᴸ⁻¹⁾). There are two "
            "samples, so, as the note says, the gradient used for a step is the average of "
            "the two per-sample gradients. Try computing each sample's gradient on its own, "
            "then check that the batch gradient is their mean."),
    )


def layered() -> Network:
    a1 = [[0.5, -0.4], [0.3, 0.8], [-0.6, 0.2]]
    a2 = [[0.7, -0.5, 0.4], [-0.3, 0.6, 0.9]]
    biases = {1: [0.1, -0.1, 0.2], 2: [0.0, 0.1]}
    neurons = [Neuron(f"x{c}", "input", label=f"x[{c}]") for c in (1, 2)]
    for layer, (size, act) in {1: (3, "tanh"), 2: (2, "sigmoid")}.items():
        neurons += [Neuron(f"f{layer}_{r}", "hidden" if layer == 1 else "output", act,
                           biases[layer][r - 1], label=f"f{layer}".translate(SUB) + f"[{r}]")
                    for r in range(1, size + 1)]
    edges = []
    for layer, matrix in ((1, a1), (2, a2)):
        src = "x{c}" if layer == 1 else "f1_{c}"
        edges += [Edge(f"A{layer}_{r}{c}", src.format(c=c), f"f{layer}_{r}", w,
                       label=f"A{layer}".translate(SUB) + f"[{r},{c}]")
                  for r, row in enumerate(matrix, start=1) for c, w in enumerate(row, start=1)]
    return Network(
        neurons, edges, loss="half_sse",
        samples=[Sample([1.0, 0.5], [1.0, 0.0]), Sample([-0.5, 1.0], [0.0, 1.0])],
        training=TrainingSettings(learning_rate=0.5),
        name="Seed 003: layers in matrix form",
        description=(
            "The layered form of source note 003: layer i computes fᵢ = σᵢ(Aᵢ fᵢ₋₁ + bᵢ) "
            "with f₀ = x, here a 2-3-2 network with tanh in layer 1 and sigmoid in layer 2. "
            "The weight Aᵢ[r,c] (edge id Ai_rc) connects neuron c of layer i − 1 to neuron r "
            "of layer i, so row r of Aᵢ holds neuron r's incoming weights and its bias is "
            "entry r of bᵢ (the note writes Aᵢ₋₁ and bᵢ₋₁ in one formula; here layer i "
            "owns Aᵢ and bᵢ). Backpropagation takes ∂L/∂fᵢ from the layer above, turns it "
            "into δᵢ and gives ∂L/∂Aᵢ = δᵢ fᵢ₋₁ᵀ and ∂L/∂bᵢ = δᵢ (the note's red terms) and "
            "∂L/∂fᵢ₋₁ = Aᵢᵀ δᵢ (its blue terms) for the layer below. Try checking that the "
            "gradient of A₂[1,2] is δ of f₂[1] times the activation of f₁[2]."),
        lesson=LAYERED_LESSON,
    )


LAYERED_LESSON = [
    Scene("Layers in matrix form", 0, granularity="layer",
          caption="Each layer computes fᵢ = σᵢ(Aᵢ fᵢ₋₁ + bᵢ): one step per layer.",
          notes="A 2-3-2 network: tanh in layer 1, sigmoid in layer 2. Aᵢ[r,c] connects "
          "neuron c below to neuron r above."),
    Scene("Layer 1", 2, granularity="layer",
          caption="f₁ = tanh(A₁ f₀ + b₁): three neurons in one matrix product.",
          notes="Row r of A₁ holds neuron r's incoming weights."),
    Scene("Layer 2 and the loss", 4, granularity="layer",
          caption="f₂ is the output ŷ; the loss compares it with the targets.",
          notes="The loss step gives ∂L/∂ŷ₂, where the backward pass starts."),
    Scene("δ of layer 2", 5, granularity="layer",
          caption="δ₂ = ∂L/∂f₂ ⊙ σ′(z₂): one vector for the whole layer.",
          notes="⊙ is the element-wise product."),
    Scene("Back through A₂ᵀ", 6, granularity="layer", question=True,
          caption="δ₁ takes A₂ᵀ δ₂ from the layer above. What is δ₁?",
          notes="The note's blue term: ∂L/∂f₁ = A₂ᵀ δ₂, then ⊙ tanh′(z₁). The step reuses "
          "the cached δ of f₂."),
    Scene("The gradient of A₂", 9, granularity="layer", selection=("A2_12",),
          caption="∂L/∂A₂ = δ₂ f₁ᵀ: the gradient of A₂[1,2] is δ of f₂[1] times f₁[2].",
          notes="The note's red terms. Selecting A₂[1,2] shows its one path."),
]


def xor(seed: int = XOR_SEED, lr: float = XOR_LR) -> Network:
    neurons, edges = dense([[("x1", "x₁"), ("x2", "x₂")], [("h1", "h₁"), ("h2", "h₂")],
                            [("y", "ŷ")]], ["sigmoid", "sigmoid"], seed)
    return Network(neurons, edges, loss="half_sse",
                   samples=datasets.to_samples(*datasets.logic_gate("xor")),
                   training=TrainingSettings(learning_rate=lr), name="XOR with 2-2-1")


def moons() -> Network:
    layers = [[("x1", "x₁"), ("x2", "x₂")],
              [(f"h1_{k}", None) for k in range(1, 9)],
              [(f"h2_{k}", None) for k in range(1, 9)], [("y", "ŷ")]]
    neurons, edges = dense(layers, ["tanh", "tanh", "sigmoid"], seed=0)
    return Network(
        neurons, edges, loss="bce",
        samples=rounded(datasets.to_samples(*datasets.moons(100, 0.1, 0))),
        training=TrainingSettings(learning_rate=0.5),
        name="Two moons, 2-8-8-1",
        description=(
            "Two interleaving half-moons (100 samples, noise 0.1, seed 0) that no straight "
            "line can separate. The 2-8-8-1 network has two tanh hidden layers and a sigmoid "
            "output trained with binary cross-entropy, so the output's δ is simply ŷ − y: "
            "the sigmoid's derivative cancels against the loss's. Weights start Xavier-style "
            "uniform (seed 0) with biases 0. Try training it and watching the decision "
            "boundary bend around the moons, then remove a hidden layer and compare."),
    )


def blobs() -> Network:
    layers = [[("x1", "x₁"), ("x2", "x₂")],
              [(f"h{k}", f"h{k}".translate(SUB)) for k in range(1, 6)],
              [(f"y{k}", "ŷ" + f"{k}".translate(SUB)) for k in range(1, 4)]]
    neurons, edges = dense(layers, ["tanh", "identity"], seed=0)
    return Network(
        neurons, edges, loss="softmax_ce",
        samples=rounded(datasets.to_samples(*datasets.blobs(60, 0.3, 0, classes=3))),
        training=TrainingSettings(learning_rate=0.5),
        name="Three Gaussian blobs, softmax",
        description=(
            "Three Gaussian blobs (60 samples, 20 per class, spread 0.3, seed 0) with "
            "one-hot targets, one column per class. The three output neurons are identity, "
            "so they produce raw scores (logits), and the softmax_ce loss turns them into "
            "probabilities s = softmax(ŷ); the output δ is then simply s − y. The predicted "
            "class is the largest output. Try training it and watch the three scores pull "
            "apart, then compare a sample near a border with one in the middle of a blob."),
    )


def skip() -> Network:
    neurons = [Neuron("x1", "input", label="x₁"), Neuron("x2", "input", label="x₂"),
               Neuron("h1", "hidden", "tanh", 0.1, label="h₁"),
               Neuron("h2", "hidden", "sigmoid", -0.2, train_bias=False, label="h₂"),
               Neuron("y", "output", "sigmoid", 0.0, label="ŷ")]
    edges = [Edge("w_x1_h1", "x1", "h1", 0.6), Edge("w_x2_h1", "x2", "h1", -0.4),
             Edge("w_h1_h2", "h1", "h2", 1.1), Edge("w_x2_h2", "x2", "h2", 0.7, trainable=False),
             Edge("w_h2_y", "h2", "y", 1.3), Edge("w_h1_y", "h1", "y", -0.9),
             Edge("w_x1_y", "x1", "y", 0.5)]
    return Network(
        neurons, edges, loss="half_sse",
        samples=datasets.to_samples(*datasets.logic_gate("xor")),
        training=TrainingSettings(learning_rate=1.0),
        name="Skip connections",
        description=(
            "A small graph that is not layered: h₂ reads h₁ and, directly, the input x₂, "
            "and the output ŷ reads h₂, h₁ and, directly, x₁, so the skip edges x₁ → ŷ, "
            "x₂ → h₂ and h₁ → ŷ jump over neurons. Because h₁ feeds two consumers, h₂ and "
            "ŷ, backpropagation sums over both: δ_h1 = (1 − a_h1²)·(w_h1_h2·δ_h2 + "
            "w_h1_y·δ_y), with each δ computed once and reused. The weight w_x2_h2 is frozen "
            "(trainable: false) and so is the bias of h₂ (train_bias: false), so training "
            "leaves them unchanged. Try training it on the four XOR samples and check that "
            "the frozen values stay put while everything else moves."),
    )


CHAIN_DEPTH, CHAIN_WIDTH, CHAIN_SEED = 9, 3, 1     # hidden levels, their width, weights


def deep_chain(hidden: str) -> Network:
    """1 input, 9 hidden levels of 3 ``hidden`` neurons, a sigmoid output: 10 levels deep,
    the same Xavier weights (seed 1) and biases 0 whatever ``hidden`` is."""
    layers = [[("x", "x")]]
    layers += [[(f"h{level}_{k}", None) for k in range(1, CHAIN_WIDTH + 1)]
               for level in range(1, CHAIN_DEPTH + 1)]
    layers.append([("y", "ŷ")])
    neurons, edges = dense(layers, [hidden] * CHAIN_DEPTH + ["sigmoid"], CHAIN_SEED)
    xs = [-0.9, -0.6, -0.2, 0.1, 0.4, 1.0]     # not symmetric about 0, so no bias's
    # gradient cancels to exactly 0 over the batch (as with tanh's odd symmetry it would)
    return Network(neurons, edges, loss="bce",
                   samples=[Sample([x], [1.0 if x > 0 else 0.0]) for x in xs],
                   training=TrainingSettings(learning_rate=0.5), name="")


def vanishing_sigmoid_chain() -> Network:
    net = deep_chain("sigmoid")
    net.name = "Vanishing gradients: a 10-level sigmoid chain"
    net.description = (
        "Ten levels deep: one input x, nine hidden levels of three sigmoid neurons and a "
        "sigmoid output ŷ, trained with binary cross-entropy to say whether x > 0 (six "
        "samples). Going back one level multiplies δ by σ′(z) ≤ 0.25 and by weights below 1, "
        "so by level 1 the mean |δ| is about a million times smaller than at the output: "
        "the early levels hardly learn and the loss stays near ln 2 = 0.693. Try training it "
        "with the Loss dock's Per level tab open (log scale), or colour the neurons by |δ| "
        "(View menu), then open vanishing_tanh_chain: the same weights with tanh.")
    return net


def vanishing_tanh_chain() -> Network:
    net = deep_chain("tanh")
    net.name = "No vanishing: the same chain with tanh"
    net.description = (
        "The vanishing sigmoid chain with tanh in its nine hidden levels: the same shape, "
        "the same weights (Xavier, seed 1), biases 0, samples and loss. tanh′(0) = 1 rather "
        "than σ′(0) = 0.25, so δ keeps its size on the way back: level 1's mean |δ| stays "
        "above a thirtieth of the output level's, every level learns, and the loss "
        "falls from 0.77 to below 0.01 in 300 updates. Compare the Loss dock's Per level tab "
        "with the sigmoid chain's.")
    return net


def xor_description(net: Network, reached: int, final: float) -> str:
    return (
        "XOR, the classic problem that no single neuron can solve because no straight line "
        "separates its two classes. This 2-2-1 network of sigmoid neurons starts from weights "
        f"drawn Xavier-style uniform (seed {XOR_SEED}) with biases 0, and batch gradient "
        f"descent with learning rate {net.training.learning_rate:g} brings the loss below 0.01 "
        f"after about {reached} iterations (to {final:.4f} after 5000). Try training it and "
        "watch each hidden neuron learn one line, then lower the learning rate, or change the "
        "weights, and see how often training stalls on a plateau.")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    xor_net = xor()
    history = train(xor_net, 5000)
    reached = first_below(history, 0.01)
    assert reached is not None, f"XOR (seed {XOR_SEED}, lr {XOR_LR}) ends at {history[-1]}"
    xor_net.description = xor_description(xor_net, reached, history[-1])
    files = {
        "seed000_worked_example": (worked_example(), None),
        "seed002_chain": (chain(), None),
        "seed003_layered": (layered(), None),
        "xor_2-2-1": (xor_net, None),
        "moons_2-8-8-1": (moons(), None),
        "blobs_3class_softmax": (blobs(), None),
        "skip_connections": (skip(), {"h1": 75.0, "h2": -150.0}),
        "vanishing_sigmoid_chain": (vanishing_sigmoid_chain(), None),
        "vanishing_tanh_chain": (vanishing_tanh_chain(), None),
    }
    for stem, build in GRAPHS.items():   # laid out by the parser; the loss is f: no training
        path = save(stem, net := build())
        print(f"{path.relative_to(ROOT)}: {net.name} ({len(net.neurons)} nodes)")
    path = save("overfit_moons", net := overfit_moons())   # laid out by the builder
    print(f"{path.relative_to(ROOT)}: {net.name} (tests/test_overfit_sample.py trains it)")
    for stem, (net, nudge) in files.items():
        layout(net, nudge)
        path = save(stem, net)
        back = fileformat.load(path)
        history = train(back, 5000)
        hit = first_below(history, 0.01)
        print(f"{path.relative_to(ROOT)}: loss {history[0]:.4f} -> {history[-1]:.4f} after "
              f"5000 batch steps (< 0.01 at {hit})")


def save(stem: str, net: Network) -> Path:
    """Write ``net`` as ``sample_networks/STEM.bpnet.json`` and check it reads back the same."""
    check_edges_clear_neurons(net)
    path = OUT / f"{stem}.bpnet.json"
    fileformat.save(net, path)
    back = fileformat.load(path)
    assert fileformat.network_to_dict(back) == fileformat.network_to_dict(net), path
    return path


if __name__ == "__main__":
    main()
