"""One update as a step record: θ ← θ − η·g for every parameter, by the rule of
:mod:`bpgui.engine.optimizers`, written out with the rule's state
(:mod:`bpgui.engine.update_text`).

This is seed 001's update with numbers: the old value, the gradient, the new
value. With more than one sample in the update, g is the mean of the per-sample
gradients (seed 002); the record then lists each sample's contribution for one
parameter, the one the user is looking at (the first ten by name, the rest as
their sum, so the arithmetic stays on the page). It describes the update that
:class:`~bpgui.engine.training.Trainer` makes next, computed the same way (the
batched fast path), so the step panel and the training agree to the last bit.

The entry is :func:`update_record`. Its ``optimizer`` is the rule whose state the update
starts from: pass a training run's (``trainer.optimizer``, with ``rows`` its
``next_rows``) to show the update that run makes next, from its velocities or moments
and its update count t; None builds a fresh rule from the file's training settings,
whose state is the initial one (zeros, so the update shown is the first, t = 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from bpgui.engine.expression import Const, Expr, Group, Quot, Sum, Var
from bpgui.engine.fastpath import Backward, Forward, Rows, backward, forward
from bpgui.engine.optimizers import SGD, Optimizer, optimizer_for
from bpgui.engine.plan import Plan, compile_plan, split_arrays
from bpgui.engine.records import Equation, Quantity, StepRecord
from bpgui.engine.rule_state import ParamState
from bpgui.engine.update_text import RULE_STATES, RULE_TITLES, update_equations
from bpgui.network.errors import BpguiError
from bpgui.network.functions import Array
from bpgui.network.model import Network
from bpgui.network.numbers import subscript

MAX_LISTED = 10          # samples written out in the mean; the rest are summed in one term


def update_record(network: Network, rows: Sequence[int] | Rows | None = None,
                  focus: str | None = None, optimizer: Optimizer | None = None) -> StepRecord:
    """The update over training samples ``rows`` (all when None) of every trainable
    parameter; ``rows`` count the training samples only, as a trainer's ``next_rows``
    do (test samples are never trained on), and the text names each by its index in
    the file.

    ``focus`` names an edge (its weight) or a neuron (its bias) whose gradient is
    written out as the mean over the samples; by default the first trainable one.
    ``optimizer`` is the rule and the state it updates from (a training run's, started
    on this network's plan); None means a fresh rule from ``network.training``.
    """
    if not network.samples:
        raise BpguiError("the network has no samples to train on")
    plan = compile_plan(network)
    (x, y), _ = split_arrays(network)
    file_index = [k for k, s in enumerate(network.samples) if not s.is_test]
    chosen = np.arange(x.shape[0]) if rows is None else np.asarray(rows)
    fw = forward(plan, x)
    mean = backward(plan, fw, y, None if rows is None else chosen, input_grads=False)
    optimizer = optimizer or optimizer_for(network.training)
    _check_started(plan, optimizer)
    params = _trainable(network)
    if not params:
        raise BpguiError("every weight and bias is frozen, so an update changes nothing")
    if focus is None or focus not in {ident for _, ident, _ in params}:
        focus = params[0][1]
    equations, values = [], []
    for kind, ident, name in params:
        g = _grad(plan, mean, kind, ident)
        old = network.edge(ident).weight if kind == "weight" else network.neuron(ident).bias
        if ident == focus and len(chosen) > 1:
            equations.append(_mean_equation(plan, fw, y, chosen, kind, ident, name, g,
                                            file_index))
        if isinstance(optimizer, SGD):
            new = optimizer.updated(old, g, kind == "weight")
            equations.append(Equation(name, optimizer.formula(name, old, Var(f"g_{name}", g),
                                                              kind == "weight"), new,
                                      "←", before=old))
        else:
            lines = update_equations(optimizer, name, old, Var(f"g_{name}", g),
                                     kind == "weight", _state(plan, optimizer, kind, ident))
            equations += lines
            new = lines[-1].result
        values.append((Quantity(kind, ident), float(new)))
    ids = tuple(ident for _, ident, _ in params)
    notes = () if isinstance(optimizer, SGD) else (
        _state_note(optimizer, _state(plan, optimizer, *params[0][:2]).t),)
    return StepRecord(0, "update", "node", "all parameters", ids, ids, (), tuple(equations),
                      tuple(values), notes)


def _state_note(optimizer: Optimizer, made: int) -> str:
    """What the step panel says under a rule with state: which update this is, from what."""
    since = "zeros, as before any training" if not made else \
        f"what the {made} update{'s' if made > 1 else ''} of training so far left"
    return (f"{RULE_TITLES[optimizer.name]} keeps a state for each parameter (its "
            f"{RULE_STATES[optimizer.name]}): this is update t = {made + 1}, "
            f"starting from {since}. Each ← line sets the value the lines after it use.")


def _check_started(plan: Plan, optimizer: Optimizer) -> None:
    """A rule started on another network (edited since) has no state for this one."""
    shapes = [b.weights.shape for b in plan.blocks] + [b.bias.shape for b in plan.blocks]
    for arrays in optimizer.state().values():
        if [a.shape for a in arrays] != shapes:
            raise BpguiError("the training run's update rule belongs to the network as it "
                             "was; reset the run to start the rule on this one")


def _trainable(network: Network) -> list[tuple[str, str, str]]:
    """(kind, id, symbol) of every trainable parameter, weights then biases, file order."""
    weights = [("weight", e.id, e.id) for e in network.edges if e.trainable]
    biases = [("bias", n.id, f"b_{n.id}") for n in network.neurons
              if n.has_bias and n.train_bias]
    return weights + biases


def _state(plan: Plan, optimizer: Optimizer, kind: str, ident: str) -> ParamState:
    """The parameter's state in the rule's arrays: a trainer's order, every block's
    weights, then every block's bias (:class:`~bpgui.engine.training.Trainer`)."""
    if kind == "weight":
        b, r, c = plan.edge_slot[ident]
        return optimizer.param_state(b, (r, c))
    b, c = plan.bias_slot[ident]
    return optimizer.param_state(len(plan.blocks) + b, (c,))


def _grad(plan: Plan, grads: Backward, kind: str, ident: str) -> float:
    if kind == "weight":
        b, r, c = plan.edge_slot[ident]
        return float(grads.weights[b][r, c])
    b, c = plan.bias_slot[ident]
    return float(grads.biases[b][c])


def _mean_equation(plan: Plan, fw: Forward, y: Array, rows: Rows, kind: str, ident: str,
                   name: str, g: float, file_index: list[int]) -> Equation:
    """``g_w = (∂L₀/∂w + ∂L₁/∂w + …)/n``: each sample's own gradient, the first
    :data:`MAX_LISTED` by name (its index in the file: ``file_index`` of its row) and
    the rest as one sum, ``Σ_rest``."""
    def gradient(k: int) -> float:
        return _grad(plan, backward(plan, fw, y, np.array([k]), input_grads=False), kind, ident)

    listed = [int(k) for k in rows[:MAX_LISTED]]
    terms: list[Expr] = [Var(f"∂L{subscript(file_index[k])}/∂{name}", gradient(k))
                         for k in listed]
    rest = rows[MAX_LISTED:]
    if len(rest):
        terms.append(Var("Σ_rest", math.fsum(gradient(int(k)) for k in rest)))
    return Equation(f"g_{name}", Quot(Group(Sum(terms)), Const(len(rows))), g)
