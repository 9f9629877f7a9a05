"""One sample's pass computed one neuron at a time, in plain floats.

:class:`Walk` is the scalar twin of the fast path: it knows the graph's
step order and computes each value only when a step asks for it, caching it
so later steps reuse it (as backpropagation reuses δ). The step emitters in
``stepper`` and ``layer_steps`` turn its values into records, written with the
symbols named here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from bpgui.engine.expression import Expr, Var
from bpgui.engine.formulas import derivative_expr
from bpgui.engine.plan import require_outputs
from bpgui.engine.records import Quantity
from bpgui.network.errors import BpguiError
from bpgui.network.functions import ACTIVATION_TABLE, LOSS_TABLE, Activation
from bpgui.network.graph import topological_levels, topological_order
from bpgui.network.model import Edge, Network, Neuron
from bpgui.network.numbers import subscript


@cache
def _quantity(kind: str, ident: str) -> Quantity:
    """One shared Quantity per (kind, id): a pass names thousands, again at every edit."""
    return Quantity(kind, ident)


class Walk:
    """Structure and lazily computed values of one sample's pass."""

    def __init__(self, network: Network, sample: int) -> None:
        require_outputs(network)
        if not network.samples:
            raise BpguiError("the network has no samples; add one to step through a pass")
        if not 0 <= sample < len(network.samples):
            count = len(network.samples)
            raise BpguiError(f"sample {sample} does not exist (the network has {count} "
                             f"sample{'s' * (count != 1)}, numbered from 0)")
        self.network = network
        self.sample = sample
        neurons = network.neurons
        self.neuron: dict[str, Neuron] = {n.id: n for n in neurons}
        levels = topological_levels(len(neurons), [n.is_input for n in neurons],
                                    network.index_pairs())
        self.level = {n.id: levels[i] for i, n in enumerate(neurons)}
        self.order = [neurons[i].id for i in topological_order(levels)]
        self.incoming: dict[str, list[Edge]] = {n.id: [] for n in neurons}
        self.outgoing: dict[str, list[Edge]] = {n.id: [] for n in neurons}
        for e in network.edges:
            self.incoming[e.target].append(e)
            self.outgoing[e.source].append(e)
        self.inputs = [n.id for n in network.inputs]
        self.outputs = [n.id for n in network.outputs]
        self.output_index = {nid: k for k, nid in enumerate(self.outputs)}
        self.x = dict(zip(self.inputs, network.samples[sample].inputs, strict=True))
        self.y = list(network.samples[sample].targets)
        self.loss = LOSS_TABLE[network.loss]
        self.values: dict[Quantity, float] = {}
        # Inputs and weights are written by their bare ids, so a reserved letter that is
        # one of them (an input named y) gets a star instead.
        self.bare_ids = {n.id for n in network.inputs} | {e.id for e in network.edges}

    # ---------------------------------------------------------------- naming
    def activation(self, nid: str) -> Activation:
        return ACTIVATION_TABLE[self.neuron[nid].activation]

    def a_sym(self, nid: str) -> str:
        """An input's activation is written with its id (``x1``); others as ``a_h1``."""
        return nid if self.neuron[nid].is_input else f"a_{nid}"

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
        return self.get("a", nid)

    def forward_neuron(self, nid: str) -> tuple[float, float]:
        """z = b + Σ w·a_source, a = f(z); cached as the step writes them."""
        z = self.neuron[nid].bias
        for e in self.incoming[nid]:
            z += e.weight * self.a(e.source)
        return z, float(self.activation(nid).f(np.array(z)))

    def loss_and_gradient(self) -> tuple[float, list[float]]:
        yhat = np.array([self.a(o) for o in self.outputs])
        y = np.array(self.y)
        return float(self.loss.value(yhat, y)), [float(g) for g in self.loss.grad(yhat, y)]

    def grad_a(self, nid: str) -> float:
        """∂L/∂a_j = [j is an output] ∂ℓ/∂ŷ_j + Σ over edges j→m of w·δ_m."""
        total = self.get("dl_dyhat", nid) if nid in self.output_index else 0.0
        for e in self.outgoing[nid]:
            total += e.weight * self.get("delta", e.target)
        return total

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

    def non_inputs(self) -> list[str]:
        return [nid for nid in self.order if not self.neuron[nid].is_input]

    def trainable(self, nid: str) -> list[Edge | str]:
        """The trainable parameters of neuron ``nid``: incoming edges, then its id for b."""
        params: list[Edge | str] = [e for e in self.incoming[nid] if e.trainable]
        if self.neuron[nid].train_bias:
            params.append(nid)
        return params

