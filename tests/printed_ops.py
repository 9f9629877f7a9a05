"""The true values of a pass through operation nodes (issue 14), for the printed-equation
tests only.

:func:`operation_pass` returns what ``tests.reference.reference_pass`` returns, for a
network that may hold operation nodes: it builds the same scalar autograd graph
(``tests.reference.Value``), an operation node being op(w₁·v₁, w₂·v₂, …) of its incoming
edges in file order, written here from the operations' definitions (the spec's table in
words: max/min pass the gradient to their first extreme operand, pow's derivative is
p·u^(p−1), √'s is 1/(2√u)), not from ``bpgui.network.operations`` or ``bpgui.engine``.
An operation node's ``a`` is its value v and its ``grad_a`` is ∂L/∂v; it has no ``z``,
``delta`` or bias.
"""

from __future__ import annotations

import math
from typing import Any

from bpgui.network.model import Network
from tests.reference import (
    ACTIVATIONS,
    LOSSES,
    Value,
    loss_spread,
    topological_ids,
    vsum,
)


def _product(values: list[Value]) -> Value:
    out = values[0]
    for v in values[1:]:
        out = out * v
    return out


def _operation(name: str, u: list[Value], p: float | None) -> Value:
    """One operation node's value as an autograd node."""
    if name == "const":
        return Value(float(p or 0.0))
    if name == "add":
        return vsum(u)
    if name == "sub":
        return u[0] - u[1]
    if name == "mul":
        return _product(u)
    if name == "div":
        d = u[1].data
        return u[0] * u[1].unary(1.0 / d, -1.0 / (d * d), "reciprocal")
    if name in ("max", "min"):
        data = [v.data for v in u]
        first = data.index(max(data) if name == "max" else min(data))
        return u[first].unary(data[first], 1.0, name)      # the first extreme only
    if name == "neg":
        return -u[0]
    if name == "square":
        return u[0].square()
    x = u[0].data
    if name == "pow":
        q = float(p if p is not None else 1.0)
        return u[0].unary(x ** q, 0.0 if q == 0 else q * x ** (q - 1.0), "pow")
    if name == "sqrt":
        root = math.sqrt(x)
        return u[0].unary(root, 0.5 / root, "sqrt")
    if name == "log":
        return u[0].log()
    if name == "exp":
        return u[0].exp()
    if name == "cos":
        return u[0].cos()
    if name in ("sin", "tanh", "sigmoid", "relu"):
        return ACTIVATIONS[name](u[0])
    raise ValueError(f"unknown operation {name!r}")


def operation_pass(network: Network, sample_index: int) -> dict[str, Any]:
    """One sample's pass, keyed as ``reference_pass``'s, through operation nodes too."""
    sample = network.samples[sample_index]
    weights = {e.id: Value(e.weight) for e in network.edges}
    biases = {n.id: Value(n.bias) for n in network.neurons if n.has_bias}
    a = {n.id: Value(x) for n, x in zip(network.inputs, sample.inputs, strict=True)}
    z: dict[str, Value] = {}
    neurons = {n.id: n for n in network.neurons}
    for nid in topological_ids(network):
        neuron = neurons[nid]
        if neuron.is_input:
            continue
        incoming = [weights[e.id] * a[e.source] for e in network.edges if e.target == nid]
        if neuron.op is not None:
            a[nid] = _operation(neuron.op, incoming, neuron.param)
            continue
        z[nid] = vsum([biases[nid], *incoming])
        a[nid] = ACTIVATIONS[neuron.activation](z[nid])
    yhat = [a[n.id].unary(a[n.id].data, 1.0, "id") for n in network.outputs]
    loss = LOSSES[network.loss](yhat, list(sample.targets))
    loss.backward()
    outputs = [v.data for v in yhat]
    spread, grad_spread = loss_spread(network.loss, outputs, sample.targets)
    return {
        "loss": loss.data, "loss_spread": spread, "outputs": outputs,
        "dl_dyhat_spread": {n.id: s for n, s in zip(network.outputs, grad_spread, strict=True)},
        "z": {nid: v.data for nid, v in z.items()},
        "a": {nid: v.data for nid, v in a.items()},
        "delta": {nid: v.grad for nid, v in z.items()},
        "grad_a": {nid: v.grad for nid, v in a.items()},
        "dl_dyhat": {n.id: v.grad for n, v in zip(network.outputs, yhat, strict=True)},
        "grad_w": {eid: v.grad for eid, v in weights.items()},
        "grad_b": {nid: v.grad for nid, v in biases.items()},
    }
