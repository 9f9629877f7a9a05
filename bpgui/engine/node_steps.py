"""The steps of one node at edge and node granularity: the inputs, a neuron's or an
operation node's forward step, its backward step (δ, or ∂L/∂v with each operand's local
derivative), its parameters' gradients and updates.

:func:`bpgui.engine.stepper.iter_steps` strings them into a pass; layer granularity
(:mod:`bpgui.engine.layer_steps`) falls back to them for levels that hold operation
nodes. A module of its own so that both import it and neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from bpgui.engine.expression import Expr, Prod, Var
from bpgui.engine.formulas import Part, activation_of, delta, part, total
from bpgui.engine.operation_formulas import as_factor
from bpgui.engine.optimizers import SGD, Optimizer
from bpgui.engine.records import Equation, EquationsBuilder, Quantity, StepRecord
from bpgui.engine.update_text import update_equations, update_formula
from bpgui.engine.walk import Walk
from bpgui.network.model import Edge

Emit = Callable[..., StepRecord]
"""Makes a record from a step's parts (:func:`bpgui.engine.stepper.iter_steps` numbers them)."""


def input_step(walk: Walk, emit: Emit) -> StepRecord:
    """The sample's inputs appear on the input neurons."""
    equations, values = [], []
    for nid in walk.inputs:
        x = walk.x[nid]
        values.append(walk.put("a", nid, x))
        equations.append(Equation(nid, Var(nid, x), x))
    return emit("forward", "inputs", (), tuple(walk.inputs), equations, values)


# Formulas are passed as (builder, *plain values) and built only when shown
# (records.Equation): a dense pass has an equation per edge four times over.

# --------------------------------------------------------------------- forward
def forward_steps(walk: Walk, emit: Emit, nid: str, fine: bool) -> Iterator[StepRecord]:
    if walk.is_operation(nid):
        yield from operation_forward(walk, emit, nid, fine)
        return
    edges, sources, symbol = walk.incoming[nid], walk.sources(nid), walk.symbol
    parts: list[Part] = []
    for e, a_source in zip(edges, sources, strict=True):
        product = (e.id, e.weight, symbol[e.source], a_source)
        if fine:
            term = e.weight * a_source
            lhs = f"{e.id}·{symbol[e.source]}"
            yield emit("forward", e.id, (e.source, e.id), (e.id,),
                       [Equation(lhs, (part, product), term)], [walk.put("term", e.id, term)])
            parts.append((lhs, term))
        else:
            parts.append(product)
    z, a = walk.forward_neuron(nid, sources)
    parts.append((f"b_{nid}", walk.neuron[nid].bias))
    values = [walk.put("z", nid, z), walk.put("a", nid, a)]
    equations = [Equation(f"z_{nid}", (total, tuple(parts)), z),
                 Equation(walk.a_sym(nid),
                          (activation_of, walk.neuron[nid].activation, f"z_{nid}", z), a)]
    yield emit("forward", nid, walk.graph.forward_reads(nid), (nid,), equations, values)


# -------------------------------------------------------------------- backward
def _upstream_parts(walk: Walk, nid: str, fine: bool) -> tuple[Part, ...]:
    """The summands of ∂L/∂a_j: ∂L/∂ŷ if j is an output, then w·δ over its consumers."""
    parts: list[Part] = []
    if nid in walk.output_index:
        parts.append((f"∂L/∂{walk.yhat_sym(nid)}", walk.get("dl_dyhat", nid)))
    if not fine and nid not in walk.graph.feeds_operation:     # w·δ of each consumer
        values = walk.values
        parts += [(e.id, e.weight, f"δ_{e.target}", values[("delta", e.target)])  # type: ignore[index]
                  for e in walk.outgoing[nid]]
        return tuple(parts)
    for e in walk.outgoing[nid]:
        if walk.is_operation(e.target):
            term = walk.back_term_formula(e)
            parts.append(Var(term.symbols(), walk.get("back_term", e.id)) if fine else term)
        elif fine:
            parts.append((f"{e.id}·δ_{e.target}", walk.get("back_term", e.id)))
        else:
            parts.append((e.id, e.weight, f"δ_{e.target}", walk.get("delta", e.target)))
    return tuple(parts)


def _delta_equations(walk: Walk, nid: str, fine: bool, grad_a: float,
                     delta_value: float) -> list[Equation]:
    """δ_j = f′(z_j)·∂L/∂a_j. With a single upstream term it is one equation, in the
    seed's form δ_h1 = (1 − a_h1²)·(w7·δ_y); otherwise ∂L/∂a_j comes first."""
    parts = _upstream_parts(walk, nid, fine)
    local = (walk.neuron[nid].activation, f"z_{nid}", walk.get("z", nid), walk.a_sym(nid),
             walk.a(nid))
    if fine or len(parts) > 1:
        a_grad = f"∂L/∂{walk.a_sym(nid)}"
        return [Equation(a_grad, (total, parts), grad_a),
                Equation(f"δ_{nid}", (delta, *local, (a_grad, grad_a)), delta_value)]
    return [Equation(f"δ_{nid}", (delta, *local, parts[0] if parts else None), delta_value)]


def backward_steps(walk: Walk, emit: Emit, nid: str, fine: bool) -> Iterator[StepRecord]:
    consumers = walk.graph.consumers(nid)
    if fine:
        for e in walk.outgoing[nid]:
            if walk.is_operation(e.target):
                yield back_term_step(walk, emit, e)
                continue
            d = walk.get("delta", e.target)
            term = e.weight * d
            yield emit("backward", e.id, (e.id, e.target), (e.id,),
                       [Equation(f"{e.id}·δ_{e.target}",
                                 (part, (e.id, e.weight, f"δ_{e.target}", d)), term)],
                       [walk.put("back_term", e.id, term)], reuses=(e.target,))
    reads = walk.graph.backward_reads(nid)
    if walk.is_operation(nid):
        yield operation_backward(walk, emit, nid, fine, reads, consumers)
        return
    grad_a = walk.grad_a(nid)
    if walk.neuron[nid].is_input:
        equations = [Equation(f"∂L/∂{nid}", (total, _upstream_parts(walk, nid, fine)), grad_a)]
        values = [walk.put("grad_a", nid, grad_a)]
    else:
        delta_value = walk.local_derivative(nid) * grad_a
        equations = _delta_equations(walk, nid, fine, grad_a, delta_value)
        values = [walk.put("grad_a", nid, grad_a), walk.put("delta", nid, delta_value)]
    yield emit("backward", nid, reads, (nid,), equations, values, reuses=consumers)


# ------------------------------------------------------------ operation nodes
def operation_forward(walk: Walk, emit: Emit, nid: str, fine: bool) -> Iterator[StepRecord]:
    """``a = 2·x + 1·y = 2·0.5 + 1·0.3 = 1.3``; at edge granularity each operand written
    with its weight is a step of its own first (``2·x = 2·0.5 = 1``)."""
    edges = walk.incoming[nid]
    operands = []
    for e in edges:
        written = walk.operand(e)
        if fine and walk.weight_shown(e):
            term = e.weight * walk.a(e.source)
            lhs = written.symbols()
            yield emit("forward", e.id, (e.source, e.id), (e.id,),
                       [Equation(lhs, written, term)], [walk.put("term", e.id, term)])
            written = Var(lhs, term)
        operands.append(written)
    value = walk.forward_operation(nid)
    reads = [x for e in edges for x in (e.source, e.id)]
    yield emit("forward", nid, tuple(reads), (nid,),
               [Equation(nid, walk.operation_formula(nid, operands), value)],
               [walk.put("a", nid, value)])


def back_term_step(walk: Walk, emit: Emit, e: Edge) -> StepRecord:
    """Edge granularity: what edge ``e`` into an operation node carries back,
    ``cos(a)·∂L/∂z = cos(1.3)·1 = 0.2675``."""
    formula = walk.back_term_formula(e)
    return emit("backward", e.id, (e.id, e.target), (e.id,),
                [Equation(formula.symbols(), formula, walk.back_term(e))],
                [walk.put("back_term", e.id, walk.back_term(e))], reuses=(e.target,))


def _extreme_note(walk: Walk, nid: str, locals_: list[float]) -> tuple[str, ...]:
    op = walk.operation(nid)
    if op.name not in ("max", "min") or len(locals_) < 2:
        return ()
    first = walk.incoming[nid][locals_.index(1.0)]
    which = "largest" if op.name == "max" else "smallest"
    return (f"{op.name} passes the gradient to its first {which} operand only "
            f"({walk.operand(first).symbols()}): its local derivative is 1, the others' 0.",)


def operation_backward(walk: Walk, emit: Emit, nid: str, fine: bool, reads: tuple[str, ...],
                       consumers: tuple[str, ...]) -> StepRecord:
    """∂L/∂v of operation node ``nid``: the sum of what its consumers carry back (the fork
    rule), cached for the steps below; it also writes the local derivative of each of
    its operands on their edges, which its sources' steps then use."""
    grad = walk.grad_a(nid)
    equation = Equation(f"∂L/∂{nid}", (total, _upstream_parts(walk, nid, fine)), grad)
    locals_ = walk.local_derivatives(nid)
    values = [walk.put("delta", nid, grad)]
    values += [walk.put("local", e.id, v)
               for e, v in zip(walk.incoming[nid], locals_, strict=True)]
    writes = (nid, *(e.id for e in walk.incoming[nid]))
    return emit("backward", nid, reads, writes, [equation], values, reuses=consumers,
                notes=_extreme_note(walk, nid, locals_))


def operation_weight_gradient(walk: Walk, e: Edge) -> tuple[Equation, tuple[Quantity, float]]:
    """∂L/∂w = v_source·local·∂L/∂v_target: ``∂L/∂z_a = a·cos(a)·∂L/∂z``; a local
    derivative of 1 (add's) is left out."""
    a, local, d = walk.a(e.source), walk.get("local", e.id), walk.get("delta", e.target)
    g = a * local * d
    factors: list[Expr] = [walk.a_var(e.source)]
    formula = walk.local_formula(e)
    if formula.symbols() != "1":
        factors.append(as_factor(formula))
    factors.append(walk.gradient_var(e.target))
    return Equation(f"∂L/∂{e.id}", Prod(factors), g), walk.put("grad_w", e.id, g)


# ------------------------------------------------------- gradients and update
def _bias_equation(nid: str, d: float) -> Equation:
    return Equation(f"∂L/∂b_{nid}", Var(f"δ_{nid}", d), d)


def _bias_gradient(walk: Walk, nid: str) -> tuple[Equation, tuple[Quantity, float]]:
    d = walk.get("delta", nid)
    return _bias_equation(nid, d), walk.put("grad_b", nid, d)


def _gradients(walk: Walk, nid: str) -> tuple[list[tuple[Quantity, float]], EquationsBuilder]:
    """∂L/∂w = a_source·δ of every edge into neuron ``nid``, then ∂L/∂b = δ: the values
    now, the equations when shown (a dense pass has thousands, and every edit rebuilds
    them). The builder keeps plain numbers, not the walk, whose edges an edit changes."""
    edges, has_bias = walk.incoming[nid], walk.neuron[nid].has_bias
    d = walk.get("delta", nid)
    a_values = tuple(walk.a(e.source) for e in edges)
    out = [walk.put("grad_w", e.id, a * d) for e, a in zip(edges, a_values, strict=True)]
    if has_bias:
        out.append(walk.put("grad_b", nid, d))
    return out, partial(_gradient_equations, nid, tuple(e.id for e in edges),
                        tuple(walk.a_sym(e.source) for e in edges), a_values, d, has_bias)


def _gradient_equations(nid: str, ids: tuple[str, ...], symbols: tuple[str, ...],
                        a_values: tuple[float, ...], d: float,
                        has_bias: bool) -> tuple[Equation, ...]:
    d_sym = f"δ_{nid}"
    equations = [Equation(f"∂L/∂{ident}", (part, (symbol, a, d_sym, d)), a * d)
                 for ident, symbol, a in zip(ids, symbols, a_values, strict=True)]
    if has_bias:
        equations.append(_bias_equation(nid, d))
    return tuple(equations)


def gradient_steps(walk: Walk, emit: Emit, nid: str, fine: bool) -> Iterator[StepRecord]:
    edges, has_bias = walk.incoming[nid], walk.neuron[nid].has_bias
    if not edges and not has_bias:
        return
    targets = [e.id for e in edges] + [nid] * has_bias
    reads = [(e.source, e.id, nid) for e in edges] + [(nid,)] * has_bias
    equations: tuple[Equation, ...] | EquationsBuilder
    if walk.is_operation(nid):
        made = [operation_weight_gradient(walk, e) for e in edges]
        if has_bias:
            made.append(_bias_gradient(walk, nid))
        equations, values = tuple(m[0] for m in made), [m[1] for m in made]
    else:
        values, equations = _gradients(walk, nid)
    if fine:
        listed = equations if isinstance(equations, tuple) else equations()
        for target, rs, eq, value in zip(targets, reads, listed, values, strict=True):
            yield emit("gradient", target, rs, (target,), [eq], [value], reuses=(nid,))
        return
    yield emit("gradient", nid, tuple(r for rs in reads for r in rs), tuple(targets),
               equations, values, reuses=(nid,))


def _parameter(walk: Walk, param: Edge | str) -> tuple[str, str, float, float, bool]:
    """(id, name in the equations, value, gradient, is a weight) of a trainable parameter:
    an edge's weight or a neuron's bias."""
    if isinstance(param, Edge):
        return param.id, param.id, param.weight, walk.get("grad_w", param.id), True
    return param, f"b_{param}", walk.neuron[param].bias, walk.get("grad_b", param), False


def _sgd_equation(optimizer: SGD, name: str, old: float, g: float, new: float,
                  weight: bool) -> Equation:
    return Equation(name, (update_formula, optimizer, name, old, f"∂L/∂{name}", g, weight),
                    new, "←", before=old)


def _update(walk: Walk, param: Edge | str,
            optimizer: Optimizer) -> tuple[str, list[Equation], tuple[Quantity, float]]:
    """A parameter's update from the rule's initial state (a pass's update is the first):
    one line for plain gradient descent, or the state's lines first."""
    ident, name, old, g, weight = _parameter(walk, param)
    if isinstance(optimizer, SGD):
        new = optimizer.updated(old, g, weight)
        eqs = [_sgd_equation(optimizer, name, old, g, new, weight)]
    else:
        eqs = update_equations(optimizer, name, old, Var(f"∂L/∂{name}", g), weight)
        new = eqs[-1].result
    return ident, eqs, walk.put("weight" if weight else "bias", ident, new)


def _sgd_updates(walk: Walk, nid: str, optimizer: SGD) -> tuple[
        tuple[str, ...], list[tuple[Quantity, float]], EquationsBuilder]:
    """Plain gradient descent's update of neuron ``nid``'s trainable parameters: the
    values now, the equations (one per parameter) when shown, from plain numbers."""
    idents, values, lines = [], [], []
    for param in walk.trainable(nid):
        ident, name, old, g, weight = _parameter(walk, param)
        new = optimizer.updated(old, g, weight)
        values.append(walk.put("weight" if weight else "bias", ident, new))
        idents.append(ident)
        lines.append((optimizer, name, old, g, new, weight))
    return tuple(idents), values, partial(_sgd_equations, tuple(lines))


def _sgd_equations(lines: tuple[tuple[SGD, str, float, float, float, bool], ...]
                   ) -> tuple[Equation, ...]:
    return tuple(_sgd_equation(*line) for line in lines)


def update_steps(walk: Walk, emit: Emit, nid: str, fine: bool,
                 optimizer: Optimizer) -> Iterator[StepRecord]:
    """The update of neuron ``nid``'s trainable parameters by the rule ``optimizer``."""
    if isinstance(optimizer, SGD) and not fine:
        idents, values, build = _sgd_updates(walk, nid, optimizer)
        if idents:
            yield emit("update", nid, idents, idents, build, values)
        return
    updates = [_update(walk, p, optimizer) for p in walk.trainable(nid)]
    if not updates:
        return
    if fine:
        for ident, eqs, value in updates:
            yield emit("update", ident, (ident,), (ident,), eqs, [value])
        return
    idents = tuple(u[0] for u in updates)
    yield emit("update", nid, idents, idents, [eq for u in updates for eq in u[1]],
               [u[2] for u in updates])
