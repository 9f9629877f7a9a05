"""The graph samples of ``sample_networks/`` (``tools/make_samples.py`` writes them): seed
000's z = sin(2x + y) and CS231n's three gate circuits, built by ``bpgui expr``'s parser
so the files are exactly what a teacher would get from the command line, then given a
name, a description with the published numbers, and a few readable node names.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace

from bpgui.network.expression_graph import network_from_expression
from bpgui.network.model import Network

MARGIN = 80.0          # make_samples' margin: every sample's top-left neuron sits there


def graph(text: str, at: Mapping[str, float], names: Mapping[str, str], title: str,
          description: str) -> Network:
    """``text``'s graph as ``bpgui expr`` builds it and lays it out, moved to the margin,
    with some nodes renamed (the edge ids follow, ``target_source``)."""
    net = network_from_expression(text, at)

    def new(ident: str) -> str:
        return names.get(ident, ident)
    net.neurons = [replace(n, id=new(n.id)) for n in net.neurons]
    net.edges = [replace(e, id=f"{new(e.target)}_{new(e.source)}", source=new(e.source),
                         target=new(e.target)) for e in net.edges]
    left = min(n.x for n in net.neurons if n.x is not None)
    top = min(n.y for n in net.neurons if n.y is not None)
    for n in net.neurons:
        n.x, n.y = n.x - left + MARGIN, n.y - top + MARGIN   # type: ignore[operator]
    net.name, net.description = title, description
    net.validate()
    return net


def seed_sin_graph() -> Network:
    x, y = 0.5, 0.3
    a = 2 * x + y
    return graph(
        "sin(2*x + y)", {"x": x, "y": y}, {"f": "z"}, "Seed 000: z = sin(2x + y) as a graph",
        "The motivating graph of source note 000, drawn as the note draws it: a = 2x + y "
        "is an add node whose incoming edges carry the weights 2 and 1, and z = sin(a) is "
        "a sin node. The loss is z itself (loss output), so the backward pass starts from "
        "∂z/∂z = 1 and every gradient shown is the chain rule's: the local derivatives are "
        "z_a = cos(a), a_x = 2 and a_y = 1, so ∂z/∂x = z_a·a_x = 2·cos(2x + y) and "
        f"∂z/∂y = z_a·a_y = cos(2x + y). At x = 0.5, y = 0.3: a = {a:g}, "
        f"z = sin 1.3 = {math.sin(a):.4f}, ∂z/∂a = cos 1.3 = {math.cos(a):.4f}, "
        f"∂z/∂x = {2 * math.cos(a):.4f} and ∂z/∂y = {math.cos(a):.4f} "
        "(sin_2x_plus_y is the same function as one neuron). Try changing the weight 2 on "
        "the edge x → a and watch ∂z/∂x follow it.")


def cs231n_add_mul() -> Network:
    return graph(
        "(x + y) * z", {"x": -2.0, "y": 5.0, "z": -4.0}, {"a": "q"}, "CS231n: f = (x + y)·z",
        "The first circuit of CS231n's notes on backpropagation, f(x, y, z) = (x + y)·z at "
        "x = −2, y = 5, z = −4, split into q = x + y (an add gate) and f = q·z (a multiply "
        "gate). Forward: q = 3 and f = −12. Backward from ∂f/∂f = 1 (the loss is f itself): "
        "the multiply gate gives each input the other input times the gradient, so "
        "∂f/∂q = z = −4 and ∂f/∂z = q = 3; the add gate passes −4 unchanged to both of its "
        "inputs, so ∂f/∂x = ∂f/∂y = −4, the published numbers. Try raising x by 0.1 and "
        "check that f falls by about 0.4.")


def cs231n_sigmoid_neuron() -> Network:
    at = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    return graph(
        "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))", at, {}, "CS231n: a sigmoid neuron as gates",
        "CS231n's two-input neuron f(w, x) = 1/(1 + e^−(w₀x₀ + w₁x₁ + w₂)) as a circuit of "
        "gates: two multiplies, two adds, a negation (CS231n's ×−1 gate), exp, +1 (an add "
        "with the constant 1) and 1/x (the constant 1 divided by it). At w = (2, −3, −3) "
        "and x = (−1, −2) the dot product is 1, e^−1 = 0.37, 1 + e^−1 = 1.37 and f = 0.73. "
        "Backward from ∂f/∂f = 1: the division gives −1/1.37² = −0.53, exp multiplies by "
        "e^−1 to −0.20, the negation flips it to 0.20 and the adds pass 0.20 on, so "
        "∂f/∂x = (0.39, −0.59) and ∂f/∂w = (−0.20, −0.39, 0.20), the published numbers: "
        "each is σ′(1) = f(1 − f) = 0.20 times the other factor of its product. Here w₀, "
        "w₁, w₂ are inputs like x₀, x₁ (every edge weight is 1), so their gradients are "
        "input gradients. Try collapsing the five gates after the dot product in your head "
        "into one sigmoid gate with local derivative f(1 − f).")


def cs231n_max_gate() -> Network:
    at = {"x": 3.0, "y": -4.0, "z": 2.0, "w": -1.0}
    return graph(
        "2 * (x*y + max(z, w))", at, {}, "CS231n: the max gate routes the gradient",
        "f(x, y, z, w) = 2(xy + max(z, w)), CS231n's example of the patterns of backward "
        "flow, at x = 3, y = −4, z = 2, w = −1 (numbers worked out by hand): xy = −12, "
        "max(z, w) = 2, their sum is −10 and f = −20. Backward from ∂f/∂f = 1: the ×2 gate "
        "(a multiply with the constant 2) gives the add gate 2; the add gate distributes 2 "
        "to both of its inputs; the max gate routes all of it to the larger input, so "
        "∂f/∂z = 2 and ∂f/∂w = 0; the multiply gate switches its inputs, so "
        "∂f/∂x = y·2 = −8 and ∂f/∂y = x·2 = 6. Try making w larger than z and watch the "
        "max gate send the gradient to w instead.")


GRAPHS: dict[str, Callable[[], Network]] = {
    "seed000_sin_graph": seed_sin_graph, "cs231n_add_mul": cs231n_add_mul,
    "cs231n_sigmoid_neuron": cs231n_sigmoid_neuron, "cs231n_max_gate": cs231n_max_gate,
}
