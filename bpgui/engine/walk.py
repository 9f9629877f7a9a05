"""One sample's pass computed one neuron at a time, in plain floats.

:class:`Walk` is the scalar twin of the fast path: it knows the graph's
step order and computes each value only when a step asks for it, caching it
so later steps reuse it (as backpropagation reuses δ). The step emitters in
``stepper`` and ``layer_steps`` turn its values into records, written with the
symbols named here.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from bpgui.engine.expression import Expr, Prod, Var
from bpgui.engine.formulas import derivative_expr
from bpgui.engine.operation_formulas import (
    as_factor,
    exact,
    exact_text,
    local_derivative,
    operation_value,
)
from bpgui.engine.plan import require_outputs
from bpgui.engine.records import LOSS_ID, Quantity
from bpgui.network.errors import BpguiError
from bpgui.network.functions import ACTIVATION_TABLE, LOSS_TABLE, Activation
from bpgui.network.graph import topological_levels, topological_order
from bpgui.network.model import Edge, Network, Neuron
from bpgui.network.numbers import subscript
from bpgui.network.operations import OPERATION_TABLE, Operation, check_operands


@cache
def _quantity(kind: str, ident: str) -> Quantity:
    """One shared Quantity per (kind, id): a pass names thousands, again at every edit."""
    return Quantity(kind, ident)


def graph_key(network: Network) -> tuple[Any, ...]:
    """What a pass's graph part (:class:`WalkGraph`), and so the number and phases of its
    steps, depend on: each neuron's id, role, operation and whether its bias trains, each
    edge's id, ends and whether it trains. Values (weights, biases, activations, samples)
    are left out, except where one changes the steps: a lone operand of weight 1 is
    written without its weight, one step fewer at edge granularity."""
    ops = {n.id for n in network.neurons if n.op is not None}
    return (tuple(map(_NEURON_SHAPE, network.neurons)), tuple(map(_EDGE_SHAPE, network.edges)),
            tuple(e.weight == 1.0 for e in network.edges if e.target in ops) if ops else ())


_NEURON_SHAPE = operator.attrgetter("id", "role", "op", "train_bias")
_EDGE_SHAPE = operator.attrgetter("id", "source", "target", "trainable")


class WalkGraph:
    """The part of a pass that depends only on the graph (:func:`graph_key`): the levels,
    the step order, each neuron's edges in and out, the symbols. A weight edit leaves it
    as it was, so a rebuild reuses it (:meth:`fits`); the Edge and Neuron objects it
    holds are the network's own, so a walk reads their values as they are now."""

    def __init__(self, network: Network, key: tuple[Any, ...] | None = None) -> None:
        require_outputs(network)
        check_operands(network.neurons, network.edges)
        self.key = key                  # None: made for one pass, never asked to fit
        neurons = network.neurons
        self.neurons, self.edges = list(neurons), list(network.edges)
        self.neuron: dict[str, Neuron] = {n.id: n for n in neurons}
        levels = topological_levels(len(neurons), [n.is_input for n in neurons],
                                    network.index_pairs())
        self.level = {n.id: levels[i] for i, n in enumerate(neurons)}
        self.order = [neurons[i].id for i in topological_order(levels)]
        self.non_inputs = tuple(nid for nid in self.order if not self.neuron[nid].is_input)
        self.incoming: dict[str, list[Edge]] = {n.id: [] for n in neurons}
        self.outgoing: dict[str, list[Edge]] = {n.id: [] for n in neurons}
        for e in network.edges:
            self.incoming[e.target].append(e)
            self.outgoing[e.source].append(e)
        self.inputs = [n.id for n in network.inputs]
        self.outputs = [n.id for n in network.outputs]
        self.output_index = {nid: k for k, nid in enumerate(self.outputs)}
        # Inputs and weights are written by their bare ids, so a reserved letter that is
        # one of them (an input named y) gets a star instead.
        # Operation nodes are written bare too (``a = 2·x + 1·y``).
        self.bare_ids = {n.id for n in network.inputs} | {e.id for e in network.edges} | {
            n.id for n in neurons if n.is_operation}
        self.operations = frozenset(n.id for n in neurons if n.is_operation)
        self.feeds_operation = frozenset(e.source for e in network.edges
                                         if e.target in self.operations)
        # What each neuron's forward and backward steps read, and whose δ it reuses:
        # made when first asked, then kept with the graph.
        self._reads: dict[tuple[str, str], tuple[str, ...]] = {}
        # Each neuron's activation symbol, named once: the steps of a dense pass ask for
        # it once per edge and phase.
        self.symbol = {n.id: n.id if n.is_input or n.is_operation else f"a_{n.id}"
                       for n in neurons}

    def _kept(self, kind: str, nid: str,
              make: Callable[[], tuple[str, ...]]) -> tuple[str, ...]:
        """``make()`` for neuron ``nid``, made when first asked, then kept."""
        found = self._reads.get((kind, nid))
        if found is None:
            found = self._reads[kind, nid] = make()
        return found

    def forward_reads(self, nid: str) -> tuple[str, ...]:
        """Each incoming edge's source and weight, in order (emit drops repeats)."""
        return self._kept("forward", nid, lambda: tuple(
            [x for e in self.incoming[nid] for x in (e.source, e.id)]))

    def backward_reads(self, nid: str) -> tuple[str, ...]:
        """The loss (for an output), then each outgoing edge's weight and target, in order
        (emit drops repeats)."""
        return self._kept("backward", nid, lambda: (
            (LOSS_ID,) if nid in self.output_index else ()) + tuple(
            [x for e in self.outgoing[nid] for x in (e.id, e.target)]))

    def consumers(self, nid: str) -> tuple[str, ...]:
        """The targets of neuron ``nid``'s outgoing edges: the δ its backward step reuses."""
        return self._kept("consumers", nid,
                          lambda: tuple(e.target for e in self.outgoing[nid]))

    def fits(self, network: Network, key: tuple[Any, ...]) -> bool:
        """Whether this is still ``network``'s graph: the same key, and the very Neuron
        and Edge objects (a walk reads the values of the ones it holds)."""
        return self.key is not None and key == self.key \
            and len(network.neurons) == len(self.neurons) \
            and len(network.edges) == len(self.edges) \
            and all(map(operator.is_, network.neurons, self.neurons)) \
            and all(map(operator.is_, network.edges, self.edges))


class Walk:
    """Structure and lazily computed values of one sample's pass.

    ``graph`` is the network's :class:`WalkGraph` when the caller has it already (a
    rebuild after an edit of a value); otherwise it is made here."""

    def __init__(self, network: Network, sample: int, graph: WalkGraph | None = None) -> None:
        if graph is None:
            graph = WalkGraph(network)
        if not network.samples:
            raise BpguiError("the network has no samples; add one to step through a pass")
        if not 0 <= sample < len(network.samples):
            count = len(network.samples)
            raise BpguiError(f"sample {sample} does not exist (the network has {count} "
                             f"sample{'s' * (count != 1)}, numbered from 0)")
        self.network = network
        self.sample = sample
        self.graph = graph
        self.neuron = graph.neuron
        self.level = graph.level
        self.order = graph.order
        self.incoming = graph.incoming
        self.outgoing = graph.outgoing
        self.inputs = graph.inputs
        self.outputs = graph.outputs
        self.output_index = graph.output_index
        self.bare_ids = graph.bare_ids
        self.operations = graph.operations
        self.symbol = graph.symbol
        self.x = dict(zip(self.inputs, network.samples[sample].inputs, strict=True))
        self.y = list(network.samples[sample].targets)
        self.loss = LOSS_TABLE[network.loss]
        self.values: dict[Quantity, float] = {}

    # ---------------------------------------------------------------- naming
    def activation(self, nid: str) -> Activation:
        return ACTIVATION_TABLE[self.neuron[nid].activation]

    def a_sym(self, nid: str) -> str:
        """An input's activation and an operation node's value are written with its id
        (``x1``, ``a``); a neuron's activation as ``a_h1``."""
        return self.symbol[nid]

    def yhat_sym(self, nid: str) -> str:
        k = self.output_index[nid]
        return "ŷ" if len(self.outputs) == 1 else f"ŷ{subscript(k + 1)}"

    def y_sym(self, k: int) -> str:
        """The target of output ``k``."""
        return self.per_output("y", k)

    def per_output(self, letter: str, k: int) -> str:
        """``letter`` for output ``k``: ``y₂``, or the bare letter (``y*`` if an input or
        weight has that id) when there is one output."""
        if len(self.outputs) > 1:
            return f"{letter}{subscript(k + 1)}"
        return self.reserved(letter)

    def reserved(self, letter: str) -> str:
        """A reserved symbol that no input or weight id can be mistaken for."""
        return f"{letter}*" if letter in self.bare_ids else letter

    # ---------------------------------------------------------------- values
    def get(self, kind: str, ident: str) -> float:
        # A plain tuple hashes and compares equal to the Quantity it stands for, and is
        # much cheaper to build on this hot path.
        return self.values[(kind, ident)]  # type: ignore[index]

    def put(self, kind: str, ident: str, value: Any) -> tuple[Quantity, float]:
        q = _quantity(kind, ident)
        value = float(value)
        self.values[q] = value
        return q, value

    def a(self, nid: str) -> float:
        return self.values[("a", nid)]  # type: ignore[index]

    def sources(self, nid: str) -> list[float]:
        """The activation of each incoming edge's source, in order."""
        values = self.values
        return [values[("a", e.source)] for e in self.incoming[nid]]  # type: ignore[index]

    def forward_neuron(self, nid: str, sources: list[float] | None = None) -> tuple[float, float]:
        """z = b + Σ w·a_source, a = f(z); cached as the step writes them. ``sources`` are
        the sources' activations when the caller has them already."""
        z = self.neuron[nid].bias
        for e, a in zip(self.incoming[nid], sources or self.sources(nid), strict=True):
            z += e.weight * a
        return z, float(self.activation(nid).f(np.array(z)))

    def loss_and_gradient(self) -> tuple[float, list[float]]:
        yhat = np.array([self.a(o) for o in self.outputs])
        y = np.array(self.y)
        return float(self.loss.value(yhat, y)), [float(g) for g in self.loss.grad(yhat, y)]

    def grad_a(self, nid: str) -> float:
        """∂L/∂a_j = [j is an output] ∂ℓ/∂ŷ_j + Σ over edges j→m of w·δ_m, where an
        operation node m contributes w·(local derivative)·∂L/∂v_m: every consumer's term
        summed (the fork rule)."""
        total = self.get("dl_dyhat", nid) if nid in self.output_index else 0.0
        if nid in self.graph.feeds_operation:
            for e in self.outgoing[nid]:
                total += self.back_term(e)
            return total
        values = self.values
        for e in self.outgoing[nid]:            # back_term's w·δ, without asking each edge
            total += e.weight * values[("delta", e.target)]  # type: ignore[index]
        return total

    def back_term(self, e: Edge) -> float:
        """What edge ``e`` carries back to its source: w·δ, or w·local·∂L/∂v into an
        operation node (δ is its cached ∂L/∂v)."""
        if self.neuron[e.target].is_operation:
            return e.weight * self.get("local", e.id) * self.get("delta", e.target)
        return e.weight * self.get("delta", e.target)

    def local_derivative(self, nid: str) -> float:
        z, a = self.get("z", nid), self.a(nid)
        return float(self.activation(nid).derivative_from(np.array(z), np.array(a)))

    # ------------------------------------------------------- formula pieces
    def z_var(self, nid: str) -> Var:
        return Var(f"z_{nid}", self.get("z", nid))

    def a_var(self, nid: str) -> Var:
        return Var(self.a_sym(nid), self.a(nid))

    def derivative(self, nid: str) -> Expr:
        """f′(z_j) as the step text writes it, e.g. ``(1 − a_h1²)``, from the cached a or z."""
        return derivative_expr(self.neuron[nid].activation, self.z_var(nid), self.a_var(nid))

    def non_inputs(self) -> tuple[str, ...]:
        return self.graph.non_inputs

    def trainable(self, nid: str) -> list[Edge | str]:
        """The trainable parameters of neuron ``nid``: incoming edges, then its id for b."""
        params: list[Edge | str] = [e for e in self.incoming[nid] if e.trainable]
        if self.neuron[nid].has_bias and self.neuron[nid].train_bias:
            params.append(nid)
        return params


    # ------------------------------------------------------- operation nodes
    def is_operation(self, nid: str) -> bool:
        return nid in self.operations

    def operation(self, nid: str) -> Operation:
        return OPERATION_TABLE[self.neuron[nid].op or ""]

    def _operands(self, nid: str) -> list[np.ndarray]:
        return [np.array([e.weight * self.a(e.source)]) for e in self.incoming[nid]]

    def forward_operation(self, nid: str) -> float:
        """v = op(w₁·v₁, w₂·v₂, …), or a BpguiError naming the node and the sample where
        the operation has no value (the logarithm of −0.5)."""
        op, ops, p = self.operation(nid), self._operands(nid), self.neuron[nid].param
        if op.undefined is not None and bool(np.any(op.undefined(ops, p))):
            bad = float(ops[1 if op.name == "div" else 0][0])
            raise BpguiError(f"node {nid!r}: {op.why} ({exact_text(bad)}) "
                             f"in sample {self.sample}")
        with np.errstate(all="ignore"):
            return float(np.ravel(op.value(ops, p))[0])

    def local_derivatives(self, nid: str) -> list[float]:
        """∂v/∂(operand k) of operation node ``nid`` for each incoming edge, in file order."""
        op, ops, p = self.operation(nid), self._operands(nid), self.neuron[nid].param
        with np.errstate(all="ignore"):
            parts = op.partials(ops, np.array([self.a(nid)]), p)
        return [float(np.ravel(x)[0]) for x in parts]

    def weight_shown(self, e: Edge) -> bool:
        """An operand is written ``w·v``, except a lone operand of weight 1 (``sin(a)``)."""
        return not (e.weight == 1.0 and len(self.incoming[e.target]) == 1)

    def operand(self, e: Edge) -> Expr:
        """Operand ``e`` as the forward writes it: ``2·x``, ``1·y``, or ``a`` alone."""
        source = self.a_var(e.source)
        return Prod([exact(e.weight), source]) if self.weight_shown(e) else source

    def operation_formula(self, nid: str, operands: list[Expr] | None = None) -> Expr:
        n = self.neuron[nid]
        if operands is None:
            operands = [self.operand(e) for e in self.incoming[nid]]
        return operation_value(n.op or "", n.param, operands)

    def local_formula(self, e: Edge) -> Expr:
        """∂v_m/∂(operand e) in symbols for the edge ``e`` into operation node m."""
        m = self.neuron[e.target]
        edges = self.incoming[e.target]
        k = edges.index(e)
        return local_derivative(m.op or "", m.param, [self.operand(x) for x in edges], k,
                                self.a_var(e.target), self.get("local", e.id))

    def gradient_var(self, nid: str) -> Var:
        """The cached ∂L/∂v of operation node ``nid`` (``∂L/∂a``)."""
        return Var(f"∂L/∂{nid}", self.get("delta", nid))

    def back_term_formula(self, e: Edge) -> Expr:
        """``2·∂L/∂a``, ``cos(a)·∂L/∂z``: w·local·∂L/∂v_m for edge ``e`` into operation
        node m, the weight as the forward writes it and a local derivative of 1 left out."""
        factors: list[Expr] = [exact(e.weight)] if self.weight_shown(e) else []
        local = self.local_formula(e)
        if local != exact(1.0) and local.symbols() != "1":
            factors.append(as_factor(local))
        factors.append(self.gradient_var(e.target))
        return Prod(factors) if len(factors) > 1 else factors[0]
