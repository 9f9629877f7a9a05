"""A neuron as a small graph of operation nodes ("a neuron is a small graph", issue 14).

One neuron a = f(b + Σ wₖ·xₖ) is drawn as the gates it is made of, so a student sees that
backpropagation through a neuron is the chain rule through five kinds of gate:

- one input per incoming edge's source, named and labelled like the source, its value the
  source's value in the sample shown;
- one ``const`` node per weight and one ``mul`` gate per weight, wₖ × xₖ. The weight is a
  node of its own rather than the coefficient on an edge because then "× per weight"
  reads literally, a gate with two wires in, and the weight's gradient is a number on the
  canvas: the const node's ∂L/∂v, which the engine writes as its δ badge. (A coefficient
  on the edge into a one-operand ``mul`` would hide the × inside the edge.) Every edge of
  the gate graph has weight 1 and is frozen, so nothing is multiplied where it is not
  drawn (the pass still writes the wires' gradients, as it does any frozen weight's);
- one ``add`` gate for Σ, one ``add`` gate with a ``const`` b for "+ b" (z);
- the activation as a gate (``sigmoid``, ``tanh``, ``relu``, ``sin``, ``leaky_relu``,
  ``softplus``; identity has none, a = z);
- a last ``mul`` by a ``const`` g, the network's ∂L/∂a of that neuron in that sample,
  with the loss ``output``. So the graph's loss is the stand-in L′ = g·a, whose ∂L′/∂a is
  g: every gradient drawn (∂L/∂z = δ, ∂L/∂w, ∂L/∂b, ∂L/∂x) is then the network's own,
  exactly, by the chain rule, and only the loss value L′ itself is not the network's L.
  The g node (:func:`gradient_node`) is labelled g, and the graph's description and the
  side window's caption say it is "∂L/∂a from the network". This is the simplest way
  that keeps every printed equation true: the step path prints g·a as any other product.

No engine here (the network layer is below it): the caller passes the source values and
∂L/∂a, which the window reads from its step path.
"""

from __future__ import annotations

from collections.abc import Mapping

from bpgui.network.errors import BpguiError
from bpgui.network.items import Edge, Neuron, Sample
from bpgui.network.layout import LAYER_GAP, ROW_GAP
from bpgui.network.model import Network

ACTIVATION_GATES = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu", "sin": "sin",
                    "leaky_relu": "leaky_relu", "softplus": "softplus"}
"""The operation drawing each activation (identity has no gate: a = z)."""


def expandable(network: Network, neuron_id: str) -> bool:
    """Whether ``neuron_id`` is a neuron with a gate graph: hidden or output, not an
    operation node."""
    return (network.has_neuron(neuron_id)
            and not network.neuron(neuron_id).is_input
            and not network.neuron(neuron_id).is_operation)


def _unique(base: str, taken: set[str]) -> str:
    base = base[:56]
    name, k = base, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


def neuron_as_graph(network: Network, neuron_id: str, source_values: Mapping[str, float],
                    grad_a: float) -> Network:
    """The gate graph of neuron ``neuron_id`` (see the module): its inputs take
    ``source_values[source id]``; ``grad_a`` is the network's ∂L/∂a of the neuron.

    Raises :class:`BpguiError` (one line) for an input or operation node, or a source
    without a value."""
    if not network.has_neuron(neuron_id):
        raise BpguiError(f"no neuron {neuron_id!r} to expand")
    neuron = network.neuron(neuron_id)
    if not expandable(network, neuron_id):
        kind = "an input" if neuron.is_input else "an operation node"
        raise BpguiError(f"neuron {neuron_id!r} is {kind}: only a hidden or output neuron "
                         "is made of gates")
    if neuron.activation != "identity" and neuron.activation not in ACTIVATION_GATES:
        raise BpguiError(f"neuron {neuron_id!r}: no gate for activation {neuron.activation!r}")
    incoming = [e for e in network.edges if e.target == neuron_id]
    for e in incoming:
        if e.source not in source_values:
            raise BpguiError(f"neuron {neuron_id!r}: no value for its source {e.source!r}")
    taken: set[str] = {e.source for e in incoming}
    neurons: list[Neuron] = []
    edges: list[Edge] = []
    edge_ids: set[str] = set()
    x_gap, y_gap = LAYER_GAP * 0.6, ROW_GAP * 0.7     # tighter than a network: big on screen
    rows = max(2 * len(incoming), 2)
    middle = (rows - 1) * y_gap / 2

    def node(base: str, op: str | None, column: int, y: float, label: str,
             param: float | None = None, role: str = "hidden") -> str:
        ident = base if op is None else _unique(base, taken)
        neurons.append(Neuron(ident, role, activation="identity", label=label,
                              x=column * x_gap, y=y, op=op, param=param,
                              train_bias=False))
        return ident

    def wire(source: str, target: str) -> None:
        edges.append(Edge(_unique(f"{target}_{source}", edge_ids), source, target, 1.0,
                          trainable=False))

    products = []
    for k, e in enumerate(incoming):
        source = network.neuron(e.source)
        x = node(e.source, None, 0, (2 * k + 1) * y_gap, source.display_label, role="input")
        w = node(e.id, "const", 0, 2 * k * y_gap, e.display_label, param=e.weight)
        product = node(f"{e.id}{e.source}", "mul", 1, (2 * k + 0.5) * y_gap,
                       f"{e.display_label}{source.display_label}")
        wire(w, product)
        wire(x, product)
        products.append(product)
    column = 2
    total: str | None = None
    if products:
        total = node("sum", "add", column, middle, "Σ")
        for product in products:
            wire(product, total)
        column += 1
    bias = node("b", "const", column - 1, middle + 1.25 * y_gap, "b", param=neuron.bias)
    z = node("z", "add", column, middle, "z")
    if total is not None:
        wire(total, z)
    wire(bias, z)
    column += 1
    a = z
    if neuron.activation != "identity":
        a = node("a", ACTIVATION_GATES[neuron.activation], column, middle, "a")
        wire(z, a)
        column += 1
    g = node("g", "const", column - 1, middle + 1.25 * y_gap, "g",
             param=float(grad_a))
    out = node("out", "mul", column, middle, "L′", role="output")
    wire(a, out)
    wire(g, out)
    inputs = [n for n in neurons if n.is_input]
    graph = Network(
        neurons, edges, loss="output",
        samples=[Sample([float(source_values[n.id]) for n in inputs], [0.0])],
        name=f"{neuron.display_label} as a graph",
        description=(
            f"Neuron {neuron.display_label} of {network.name or 'the network'} as its gates: "
            "one × per weight, Σ, + b, then the activation. The last × multiplies by g, "
            "∂L/∂a from the network, so every gradient here is the network's; the loss "
            "value L′ = g·a is a stand-in, not the network's loss."))
    graph.validate()
    return graph


def gradient_node(graph: Network) -> Neuron:
    """The const node g of a gate graph (the network's ∂L/∂a): the source of its last
    edge, whatever id it got (a source may be called g)."""
    return graph.neuron(graph.edges[-1].source)
