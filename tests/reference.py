"""An independent float64 reference for the v1 network semantics, for tests only.

This module owns a tiny scalar reverse-mode autograd in the style of
karpathy/micrograd (:class:`Value`) and, on top of it, the spec's numbers:
one sample's forward and backward pass (:func:`reference_pass`), the dataset
loss and mean gradients (:func:`reference_dataset`) and gradient descent in
every mode (:func:`reference_train`), for networks of neurons, of operation
nodes (issue 14: their math is in ``tests/reference_operations.py``), or both.

It deliberately shares no code with ``bpgui.engine``: it uses Python's
``math`` only, reads networks through ``bpgui.network.model`` (plain data), sorts the
graph itself, and lets the autograd do the chain rule. NumPy appears in one
place, :func:`epoch_orders`, because the spec defines the shuffle by NumPy's
``default_rng(seed).permutation(n)``.

Two gradients are defined by the spec rather than by calculus, so their nodes
carry the spec's local derivative: ``bce`` uses (p − y) / (p (1 − p)) with the
clamped p (autograd through a clip would give 0 outside the clamp), and
``relu``/``leaky_relu`` use 1 for z > 0, else 0 or 0.01 (also at z = 0).

Every loss comes with its *rounding spread* (:func:`loss_spread`): how far a few
ulps of rounding in the outputs alone can move ℓ and ∂ℓ/∂ŷ. It is what a
comparison with another correct implementation must allow on top of its
relative tolerance, and it only matters where bce saturates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any, NamedTuple

from bpgui.network.model import Network, TrainingSettings
from tests.reference_operations import evaluate

BCE_CLAMP = 1e-12
LEAKY_SLOPE = 0.01


# ---------------------------------------------------------------------------- autograd
def _no_backward() -> None:
    return None


class Value:
    """A scalar node: ``data``, accumulated ``grad``, and how to push ``grad`` to its parents."""

    __slots__ = ("_backward", "_prev", "data", "grad", "op")

    def __init__(self, data: float, prev: Sequence[Value] = (), op: str = "") -> None:
        self.data = float(data)
        self.grad = 0.0
        self._prev: tuple[Value, ...] = tuple(prev)
        self._backward: Callable[[], None] = _no_backward
        self.op = op

    def __repr__(self) -> str:
        return f"Value(data={self.data!r}, grad={self.grad!r}, op={self.op!r})"

    # -- binary operations
    def __add__(self, other: Value | float) -> Value:
        other = as_value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        other = as_value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __radd__(self, other: float) -> Value:
        return self + other

    def __rmul__(self, other: float) -> Value:
        return self * other

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Value | float) -> Value:
        return self + (-as_value(other))

    def __rsub__(self, other: float) -> Value:
        return as_value(other) + (-self)

    # -- unary functions
    def unary(self, data: float, local: float, op: str) -> Value:
        """A node ``out = g(self)`` with ``∂out/∂self = local``."""
        out = Value(data, (self,), op)

        def _backward() -> None:
            self.grad += local * out.grad

        out._backward = _backward
        return out

    def exp(self) -> Value:
        e = math.exp(self.data)
        return self.unary(e, e, "exp")

    def log(self) -> Value:
        return self.unary(math.log(self.data), 1.0 / self.data, "log")

    def square(self) -> Value:
        return self.unary(self.data * self.data, 2.0 * self.data, "sq")

    def identity(self) -> Value:
        return self.unary(self.data, 1.0, "id")

    def sigmoid(self) -> Value:
        s = stable_sigmoid(self.data)
        return self.unary(s, s * (1.0 - s), "sigmoid")

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return self.unary(t, 1.0 - t * t, "tanh")

    def relu(self) -> Value:
        z = self.data
        return self.unary(z if z > 0 else 0.0, 1.0 if z > 0 else 0.0, "relu")

    def leaky_relu(self) -> Value:
        z = self.data
        return self.unary(z if z > 0 else LEAKY_SLOPE * z, 1.0 if z > 0 else LEAKY_SLOPE,
                          "leaky_relu")

    def softplus(self) -> Value:
        z = self.data
        value = z + math.log1p(math.exp(-z)) if z > 0 else math.log1p(math.exp(z))
        return self.unary(value, stable_sigmoid(z), "softplus")

    def sin(self) -> Value:
        return self.unary(_ieee(math.sin, self.data), _ieee(math.cos, self.data), "sin")

    def cos(self) -> Value:
        return self.unary(_ieee(math.cos, self.data), -_ieee(math.sin, self.data), "cos")

    # -- reverse mode
    def topological_order(self) -> list[Value]:
        """Every node this one depends on, parents before children; deterministic."""
        order: list[Value] = []
        visited: set[int] = set()
        stack: list[tuple[Value, int]] = [(self, 0)]
        while stack:
            node, next_parent = stack.pop()
            if next_parent == 0:
                if id(node) in visited:
                    continue
                visited.add(id(node))
            if next_parent < len(node._prev):
                stack.append((node, next_parent + 1))
                parent = node._prev[next_parent]
                if id(parent) not in visited:
                    stack.append((parent, 0))
            else:
                order.append(node)
        return order

    def backward(self) -> None:
        """Set ``grad`` of every node to ∂self/∂node (grads must start at 0)."""
        self.grad = 1.0
        for node in reversed(self.topological_order()):
            node._backward()


def _ieee(function: Callable[[float], float], x: float) -> float:
    """``function(x)``, but NaN where ``math`` would raise (sin ±inf), as IEEE has it."""
    return function(x) if math.isfinite(x) else math.nan


def as_value(x: Value | float) -> Value:
    return x if isinstance(x, Value) else Value(x)


def stable_sigmoid(z: float) -> float:
    """1 / (1 + e^-z) without overflow for any z."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def vsum(values: Sequence[Value]) -> Value:
    total = values[0]
    for v in values[1:]:
        total = total + v
    return total


# ------------------------------------------------------------------------- activations
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "identity": Value.identity,
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "softplus": Value.softplus,
    "sin": Value.sin,
}


# ------------------------------------------------------------------------------ losses
def half_sse(yhat: list[Value], y: list[float]) -> Value:
    return 0.5 * vsum([(t - p).square() for p, t in zip(yhat, y, strict=True)])


def sse(yhat: list[Value], y: list[float]) -> Value:
    return vsum([(p - t).square() for p, t in zip(yhat, y, strict=True)])


def mse(yhat: list[Value], y: list[float]) -> Value:
    return (1.0 / len(yhat)) * sse(yhat, y)


def bce(yhat: list[Value], y: list[float]) -> Value:
    """Clamped binary cross-entropy; its backward is the spec's (p − y) / (p (1 − p))."""
    ps = [min(max(v.data, BCE_CLAMP), 1.0 - BCE_CLAMP) for v in yhat]
    data = -sum(t * math.log(p) + (1.0 - t) * math.log1p(-p)
                      for p, t in zip(ps, y, strict=True))
    out = Value(data, yhat, "bce")

    def _backward() -> None:
        for v, p, t in zip(yhat, ps, y, strict=True):
            v.grad += (p - t) / (p * (1.0 - p)) * out.grad

    out._backward = _backward
    return out


def softmax_ce(yhat: list[Value], y: list[float]) -> Value:
    """−Σ y_k ln softmax(ŷ)_k as a log-sum-exp shifted by the (constant) max."""
    m = max(v.data for v in yhat)
    shifted = [v - m for v in yhat]
    lse = vsum([s.exp() for s in shifted]).log()
    return -vsum([t * (s - lse) for s, t in zip(shifted, y, strict=True)])


def output(yhat: list[Value], y: list[float]) -> Value:
    """The expression's own value: the sum of the outputs; the targets are not used."""
    return vsum(yhat)


LOSSES: dict[str, Callable[[list[Value], list[float]], Value]] = {
    "half_sse": half_sse, "sse": sse, "mse": mse, "bce": bce, "softmax_ce": softmax_ce,
    "output": output,
}


# ------------------------------------------------------------------------------- graph
def topological_ids(network: Network) -> list[str]:
    """Neuron ids in a topological order (Kahn's algorithm, ties in file order)."""
    indegree = {n.id: 0 for n in network.neurons}
    for e in network.edges:
        indegree[e.target] += 1
    order: list[str] = []
    ready = [n.id for n in network.neurons if indegree[n.id] == 0]
    while ready:
        nid = ready.pop(0)
        order.append(nid)
        for e in network.edges:
            if e.source == nid:
                indegree[e.target] -= 1
                if indegree[e.target] == 0:
                    ready.append(e.target)
    if len(order) != len(network.neurons):
        raise ValueError("the network has a cycle")
    return order


class Graph(NamedTuple):
    """One sample's autograd graph: a leaf per parameter and input, a node per z and a.

    An operation node has an ``a`` (its value v) and no ``z``; ``local`` holds, for each
    edge into one, ∂v/∂(that operand), the derivative without the weight.
    """

    loss: Value
    weights: dict[str, Value]
    biases: dict[str, Value]
    z: dict[str, Value]
    a: dict[str, Value]
    yhat: list[Value]          # identity copies of the outputs: their grad is ∂ℓ/∂ŷ
    local: dict[str, float]


def operation_node(name: str, operands: Sequence[Value], p: float | None, node: str,
                   sample: int) -> tuple[Value, list[float]]:
    """``v = name(operands)`` as an autograd node, and its local derivatives.

    Its backward adds ∂v/∂operandₖ · grad to each operand, so a value that feeds several
    nodes (or one node twice over different paths) sums what each sends back: the fork rule.
    """
    data, partials = evaluate(name, [o.data for o in operands], p, node, sample)
    out = Value(data, operands, name)

    def _backward() -> None:
        for operand, local in zip(operands, partials, strict=True):
            operand.grad += local * out.grad

    out._backward = _backward
    return out, partials


def build_graph(network: Network, sample_index: int) -> Graph:
    sample = network.samples[sample_index]
    weights = {e.id: Value(e.weight) for e in network.edges}
    biases = {n.id: Value(n.bias) for n in network.neurons if n.has_bias}
    a = {n.id: Value(x) for n, x in zip(network.inputs, sample.inputs, strict=True)}
    z: dict[str, Value] = {}
    local: dict[str, float] = {}
    neurons = {n.id: n for n in network.neurons}
    for nid in topological_ids(network):
        neuron = neurons[nid]
        if neuron.is_input:
            continue
        into = [e for e in network.edges if e.target == nid]     # operands in file order
        incoming = [weights[e.id] * a[e.source] for e in into]
        if neuron.op is not None:
            a[nid], partials = operation_node(neuron.op, incoming, neuron.param, nid,
                                              sample_index)
            local.update((e.id, d) for e, d in zip(into, partials, strict=True))
            continue
        z[nid] = vsum([biases[nid], *incoming])
        a[nid] = ACTIVATIONS[neuron.activation](z[nid])
    yhat = [a[n.id].identity() for n in network.outputs]
    loss = LOSSES[network.loss](yhat, list(sample.targets))
    return Graph(loss, weights, biases, z, a, yhat, local)


# ------------------------------------------------------------------- rounding spread
SPREAD_ULPS = 4     # how many ulps apart two correct float64 activations may round ŷ


def _loss_at(loss: str, outputs: Sequence[float], targets: Sequence[float]
             ) -> tuple[float, list[float]]:
    """ℓ and every ∂ℓ/∂ŷ_k at these outputs."""
    leaves = [Value(v) for v in outputs]
    out = LOSSES[loss](leaves, list(targets))
    out.backward()
    return out.data, [v.grad for v in leaves]


def loss_spread(loss: str, outputs: Sequence[float], targets: Sequence[float],
                ulps: int = SPREAD_ULPS) -> tuple[float, list[float]]:
    """How far ``ulps`` ulps of rounding in each output alone move ℓ and each ∂ℓ/∂ŷ_k.

    Two correct sigmoids may round ŷ an ulp apart, and bce magnifies that near
    saturation: at ŷ = σ(20) ≈ 1 − 2.06e-9 one ulp moves ln(1 − ŷ), and so ℓ, by
    5.4e-8, and ∂ℓ/∂ŷ = (ŷ − y)/(ŷ(1 − ŷ)) by 5.4e-8 of itself. Elsewhere the spread
    is ~1e-16 of them. (The gradients further down are not affected: f' = a(1 − a)
    cancels the 1/(1 − ŷ) in the same implementation's δ.)
    """
    base, grads = _loss_at(loss, outputs, targets)
    value_spread, grad_spread = 0.0, [0.0] * len(outputs)
    for k, v in enumerate(outputs):
        if not math.isfinite(v):
            continue
        step = ulps * math.ulp(v)
        moved = [_loss_at(loss, [*outputs[:k], v + s, *outputs[k + 1:]], targets)
                 for s in (-step, step)]
        value_spread += max(abs(value - base) for value, _ in moved)
        for j, g in enumerate(grads):
            grad_spread[j] += max(abs(other[j] - g) for _, other in moved)
    return value_spread, grad_spread


# ------------------------------------------------------------------------------ passes
def reference_pass(network: Network, sample_index: int) -> dict[str, Any]:
    """One sample's forward and backward pass.

    Keys: ``loss``; ``outputs`` (file order); ``z`` and ``grad_b`` for neurons with a
    bias; ``delta``, each non-input's cached gradient (a neuron's ∂L/∂z, an operation
    node's ∂L/∂v); ``a`` (an operation node's value v) and ``grad_a`` (∂L/∂a) for every
    node; ``local`` (∂v/∂operand) for every edge into an operation node; ``dl_dyhat`` for
    outputs; ``grad_w`` for every edge; all keyed by id. And the rounding spreads of ℓ
    (``loss_spread``) and of ∂ℓ/∂ŷ (``dl_dyhat_spread``).
    """
    g = build_graph(network, sample_index)
    g.loss.backward()
    outputs = [v.data for v in g.yhat]
    spread, grad_spread = loss_spread(network.loss, outputs,
                                      network.samples[sample_index].targets)
    return {
        "loss": g.loss.data,
        "loss_spread": spread,
        "outputs": outputs,
        "dl_dyhat_spread": {n.id: s for n, s in zip(network.outputs, grad_spread, strict=True)},
        "z": {nid: v.data for nid, v in g.z.items()},
        "a": {nid: v.data for nid, v in g.a.items()},
        "delta": {n.id: g.z[n.id].grad if n.id in g.z else g.a[n.id].grad
                  for n in network.neurons if not n.is_input},
        "local": dict(g.local),
        "grad_a": {nid: v.grad for nid, v in g.a.items()},
        "dl_dyhat": {n.id: v.grad for n, v in zip(network.outputs, g.yhat, strict=True)},
        "grad_w": {eid: v.grad for eid, v in g.weights.items()},
        "grad_b": {nid: v.grad for nid, v in g.biases.items()},
    }


class DatasetResult(NamedTuple):
    """Mean loss and mean gradients over a set of samples, and the loss's rounding spread."""

    loss: float
    weights: dict[str, float]
    biases: dict[str, float]
    loss_spread: float


def reference_dataset(network: Network, rows: Sequence[int] | None = None) -> DatasetResult:
    """Mean loss and gradients over ``rows`` (all samples by default)."""
    rows = range(len(network.samples)) if rows is None else rows
    passes = [reference_pass(network, k) for k in rows]
    n = len(passes)
    return DatasetResult(
        sum(p["loss"] for p in passes) / n,
        {e.id: sum(p["grad_w"][e.id] for p in passes) / n for e in network.edges},
        {nid: sum(p["grad_b"][nid] for p in passes) / n
         for nid in passes[0]["grad_b"]},
        sum(p["loss_spread"] for p in passes) / n,
    )


def reference_loss(network: Network) -> float:
    """The dataset loss alone (forward passes only)."""
    return reference_loss_and_spread(network)[0]


def reference_loss_and_spread(network: Network) -> tuple[float, float]:
    """The dataset loss and its rounding spread (forward passes only)."""
    losses, spreads = [], []
    for k, sample in enumerate(network.samples):
        g = build_graph(network, k)
        losses.append(g.loss.data)
        spreads.append(loss_spread(network.loss, [v.data for v in g.yhat], sample.targets)[0])
    return sum(losses) / len(losses), sum(spreads) / len(spreads)


def local_derivative(activation: str, z: float) -> float:
    """f'(z) of one activation, by the autograd."""
    leaf = Value(z)
    ACTIVATIONS[activation](leaf).backward()
    return leaf.grad


# ---------------------------------------------------------------------------- training
def epoch_orders(settings: TrainingSettings, n: int) -> Iterator[list[int]]:
    """Sample order of each epoch: file order, or a fresh permutation from one generator."""
    import numpy as np  # only for the spec's shuffle: default_rng(seed).permutation(n)

    rng = np.random.default_rng(settings.seed)
    while True:
        if settings.shuffle:
            yield [int(i) for i in rng.permutation(n)]
        else:
            yield list(range(n))


def update_rows(settings: TrainingSettings, n: int) -> Iterator[list[int]]:
    """The samples of each successive update."""
    if settings.mode == "batch":
        while True:
            yield list(range(n))
    size = 1 if settings.mode == "sgd" else settings.batch_size
    for order in epoch_orders(settings, n):
        for start in range(0, n, size):
            yield order[start:start + size]


def apply_update(network: Network, grads: DatasetResult, learning_rate: float) -> None:
    """θ ← θ − η g for every trainable parameter, all at once (grads precomputed)."""
    for e in network.edges:
        if e.trainable:
            e.weight = e.weight - learning_rate * grads.weights[e.id]
    for n in network.neurons:
        if n.has_bias and n.train_bias:
            n.bias = n.bias - learning_rate * grads.biases[n.id]


class TrainRun(NamedTuple):
    """A reference run: N + 1 dataset losses, the final parameters, each loss's spread."""

    history: list[float]
    weights: dict[str, float]
    biases: dict[str, float]
    spread: list[float]


def reference_train(network: Network, iterations: int, settings: TrainingSettings
                    ) -> TrainRun:
    """Gradient descent for ``iterations`` updates, as the spec's command line does it.

    Like the command line, it stops at the first loss that is NaN or infinite,
    so a diverging run has a shorter history.
    """
    net = network.copy()
    net.training = replace(settings)
    schedule = update_rows(settings, len(net.samples))
    history: list[float] = []
    spread: list[float] = []
    for t in range(iterations + 1):
        if t > 0:
            if not math.isfinite(history[-1]):
                break
            apply_update(net, reference_dataset(net, next(schedule)), settings.learning_rate)
        loss, rounding = reference_loss_and_spread(net)
        history.append(loss)
        spread.append(rounding)
    weights = {e.id: e.weight for e in net.edges}
    biases = {n.id: n.bias for n in net.neurons if n.has_bias}
    return TrainRun(history, weights, biases, spread)
