"""Fixed operation graphs with published numbers, and helpers the operation tests share.

This module owns the small graphs the reference tests and the engine comparisons both
use (seed 000's z = sin(2x + y), CS231n's (x + y)·z and its sigmoid neuron in three
forms, a fork), how a parameter or input is nudged for finite differences, and how far a
sample's pass stays from the places where an implementation's rounding could choose a
different branch (a ReLU at 0, a max/min tie).
"""

from __future__ import annotations

import math
from typing import Any

from bpgui.network.model import Edge, Network, Neuron, Sample

Change = tuple[str, ...]
"""("w", edge id), ("b", neuron id) or ("x", input id, sample index as text or int)."""
KINKED = ("relu", "leaky_relu")


def _expression(neurons: list[Neuron], edges: list[Edge], inputs: list[float]) -> Network:
    net = Network(neurons, edges, loss="output", samples=[Sample(inputs, [0.0])],
                  name="example")
    net.validate()
    return net


def seed000_graph() -> Network:
    """Seed 000: a = add(2·x, 1·y), z = sin(1·a), at x = 0.5, y = 0.3."""
    return _expression(
        [Neuron("x", "input"), Neuron("y", "input"), Neuron("a", "hidden", op="add"),
         Neuron("z", "output", op="sin")],
        [Edge("a_x", "x", "a", 2.0), Edge("a_y", "y", "a", 1.0), Edge("z_a", "a", "z", 1.0)],
        [0.5, 0.3])


def cs231n_circuit() -> Network:
    """CS231n: q = x + y, f = q·z at x = −2, y = 5, z = −4."""
    return _expression(
        [Neuron("x", "input"), Neuron("y", "input"), Neuron("z", "input"),
         Neuron("q", "hidden", op="add"), Neuron("f", "output", op="mul")],
        [Edge("q_x", "x", "q", 1.0), Edge("q_y", "y", "q", 1.0), Edge("f_q", "q", "f", 1.0),
         Edge("f_z", "z", "f", 1.0)],
        [-2.0, 5.0, -4.0])


def fork_cube() -> Network:
    """f = x · x² at x = 3, so x feeds two nodes: q = square(x), f = mul(x, q)."""
    return _expression(
        [Neuron("x", "input"), Neuron("q", "hidden", op="square"),
         Neuron("f", "output", op="mul")],
        [Edge("q_x", "x", "q", 1.0), Edge("f_x", "x", "f", 1.0), Edge("f_q", "q", "f", 1.0)],
        [3.0])


X_CS = [-1.0, -2.0]


def sigmoid_neuron() -> tuple[Network, list[str]]:
    """CS231n's neuron as one bpgui neuron: weights w0, w1 and bias w2 = b_f."""
    return _expression(
        [Neuron("x0", "input"), Neuron("x1", "input"),
         Neuron("f", "output", activation="sigmoid", bias=-3.0)],
        [Edge("w0", "x0", "f", 2.0), Edge("w1", "x1", "f", -3.0)], X_CS), ["w0", "w1", "f"]


def sigmoid_op() -> tuple[Network, list[str]]:
    """A σ gate over add(w0·x0, w1·x1, w2·1), the 1 a const node."""
    return _expression(
        [Neuron("x0", "input"), Neuron("x1", "input"),
         Neuron("one", "hidden", op="const", param=1.0), Neuron("dot", "hidden", op="add"),
         Neuron("f", "output", op="sigmoid")],
        [Edge("w0", "x0", "dot", 2.0), Edge("w1", "x1", "dot", -3.0),
         Edge("w2", "one", "dot", -3.0), Edge("f_dot", "dot", "f", 1.0)], X_CS), \
        ["w0", "w1", "w2"]


def sigmoid_gates() -> tuple[Network, list[str]]:
    """CS231n's circuit: dot, ×(−1), exp, +1, 1/x, each its own gate (−1 and 1/x as
    neg and pow −1; the +1 a const through add)."""
    return _expression(
        [Neuron("x0", "input"), Neuron("x1", "input"),
         Neuron("one", "hidden", op="const", param=1.0), Neuron("dot", "hidden", op="add"),
         Neuron("neg", "hidden", op="neg"), Neuron("e", "hidden", op="exp"),
         Neuron("den", "hidden", op="add"), Neuron("f", "output", op="pow", param=-1.0)],
        [Edge("w0", "x0", "dot", 2.0), Edge("w1", "x1", "dot", -3.0),
         Edge("w2", "one", "dot", -3.0), Edge("n_dot", "dot", "neg", 1.0),
         Edge("e_n", "neg", "e", 1.0), Edge("d_e", "e", "den", 1.0),
         Edge("d_one", "one", "den", 1.0), Edge("f_d", "den", "f", 1.0)], X_CS), \
        ["w0", "w1", "w2"]


def nudged(network: Network, change: Any, step: float) -> Network:
    """A copy with one weight, bias or sample input moved by ``step``."""
    out = network.copy()
    if change[0] == "w":
        edge = out.edge(change[1])
        edge.weight = edge.weight + step
    elif change[0] == "b":
        neuron = out.neuron(change[1])
        neuron.bias = neuron.bias + step
    else:
        column = [n.id for n in out.inputs].index(change[1])
        sample = out.samples[int(change[2])]
        sample.inputs = [v + step * (i == column) for i, v in enumerate(sample.inputs)]
    return out


def gate_distance(network: Network, passes: list[dict[str, Any]]) -> float:
    """How far every sample stays from a branch point: the smallest |operand| of a relu
    node, |z| of a ReLU-like neuron, and gap between a max/min's extreme and the next
    operand (inf if there is none)."""
    gaps = [math.inf]
    for ref in passes:
        for n in network.neurons:
            into = [e for e in network.edges if e.target == n.id]
            ops = [e.weight * ref["a"][e.source] for e in into]
            if n.op in KINKED:
                gaps.append(abs(ops[0]))
            elif n.op in ("max", "min") and len(ops) > 1:
                best = ref["a"][n.id]
                gaps.append(min(abs(o - best) for k, o in enumerate(ops)
                                if k != ops.index(best)))
            elif n.op is None and n.activation in KINKED and not n.is_input:
                gaps.append(abs(ref["z"][n.id]))
    return min(gaps)
