"""The step generator: one pass for one sample as a deterministic list of records.

``iter_steps`` is the single source of the steps that the canvas walks, that
``bpgui trace`` prints and that the handout lists. The order is:

1. forward: the sample's inputs, then each neuron in topological order;
2. the loss (and ∂ℓ/∂ŷ for each output);
3. backward: each neuron in reverse order; every δ is computed once, cached,
   and reused by the steps that follow (each record lists what it reuses);
4. the gradient of each weight and bias;
5. the gradient-descent update θ ← θ − η·g for this sample.

Granularity ``node`` makes one step per neuron, ``edge`` one per product
term, ``layer`` one per topological level in seed 003's matrix form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from bpgui.engine.loss_steps import loss_step
from bpgui.engine.records import GRANULARITIES, LOSS_ID, Equation, Quantity, StepRecord
from bpgui.engine.walk import TemplateBuilder, Walk
from bpgui.errors import BpguiError
from bpgui.model import Edge, Network

Emit = Callable[..., StepRecord]


def iter_steps(network: Network, sample: int = 0,
               granularity: str = "node") -> Iterator[StepRecord]:
    """Yield the pass's records one at a time; each computes only what it shows."""
    if granularity not in GRANULARITIES:
        raise BpguiError(f"unknown granularity {granularity!r} "
                         f"(choose {', '.join(GRANULARITIES)})")
    walk = Walk(network, sample)
    counter = iter(range(1 << 62))

    def emit(phase: str, target: str, reads: tuple[str, ...], writes: tuple[str, ...],
             equations: tuple[Equation, ...] | list[Equation],
             values: list[tuple[Quantity, float]], reuses: tuple[str, ...] = ()) -> StepRecord:
        return StepRecord(next(counter), phase, granularity, target, tuple(dict.fromkeys(reads)),
                          tuple(dict.fromkeys(writes)), tuple(dict.fromkeys(reuses)),
                          tuple(equations), tuple(values))

    if granularity == "layer":
        from bpgui.engine.layer_steps import layer_steps

        yield from layer_steps(walk, emit)
        return
    fine = granularity == "edge"
    yield input_step(walk, emit)
    for nid in walk.non_inputs():
        yield from forward_steps(walk, emit, nid, fine)
    equations, values = loss_step(walk)
    yield emit("loss", LOSS_ID, tuple(walk.outputs), (LOSS_ID,), equations, values)
    for nid in reversed(walk.order):
        yield from backward_steps(walk, emit, nid, fine)
    for nid in walk.non_inputs():
        yield from gradient_steps(walk, emit, nid, fine)
    for nid in walk.non_inputs():
        yield from update_steps(walk, emit, nid, fine)


def input_step(walk: Walk, emit: Emit) -> StepRecord:
    """The sample's inputs appear on the input neurons."""
    equations, values = [], []
    for nid in walk.inputs:
        x = walk.x[nid]
        values.append(walk.put("a", nid, x))
        equations.append(Equation(nid, "", "{0}", (x,), x))
    return emit("forward", "inputs", (), tuple(walk.inputs), equations, values)


# --------------------------------------------------------------------- forward
def forward_steps(walk: Walk, emit: Emit, nid: str, fine: bool) -> Iterator[StepRecord]:
    edges = walk.incoming[nid]
    if fine:
        for e in edges:
            t = TemplateBuilder()
            term = e.weight * walk.a(e.source)
            template = f"{t.num(e.weight)}·{t.num(walk.a(e.source))}"
            yield emit("forward", e.id, (e.source, e.id), (e.id,),
                       [Equation(f"{e.id}·{walk.a_sym(e.source)}", "", template, tuple(t.operands),
                                 term)], [walk.put("term", e.id, term)])
    z, a = walk.forward_neuron(nid)
    t = TemplateBuilder()
    bias = walk.neuron[nid].bias
    sym = [f"{e.id}·{walk.a_sym(e.source)}" for e in edges] + [f"b_{nid}"]
    if fine:
        num = [t.num(walk.get("term", e.id), paren=i > 0) for i, e in enumerate(edges)]
        num.append(t.num(bias, paren=bool(edges)))
    else:
        num = [f"{t.num(e.weight)}·{t.num(walk.a(e.source))}" for e in edges] + [t.num(bias)]
    act = walk.activation(nid)
    a_template = f"{act.symbol}({{0}})" if act.name != "identity" else "{0}"
    a_symbols = f"{act.symbol}(z_{nid})" if act.name != "identity" else f"z_{nid}"
    equations = [Equation(f"z_{nid}", " + ".join(sym), " + ".join(num), tuple(t.operands), z),
                 Equation(walk.a_sym(nid), a_symbols, a_template, (z,), a)]
    values = [walk.put("z", nid, z), walk.put("a", nid, a)]
    reads = [x for e in edges for x in (e.source, e.id)]
    yield emit("forward", nid, tuple(reads), (nid,), equations, values)


# -------------------------------------------------------------------- backward
def _upstream_terms(walk: Walk, nid: str, t: TemplateBuilder,
                    fine: bool) -> tuple[list[str], list[str]]:
    """The summands of ∂L/∂a_j in symbols and as template pieces."""
    sym, num = [], []
    if nid in walk.output_index:
        sym.append(f"∂L/∂{walk.yhat_sym(nid)}")
        num.append(t.num(walk.get("dl_dyhat", nid), paren=False))
    for e in walk.outgoing[nid]:
        sym.append(f"{e.id}·δ_{e.target}")
        if fine:
            num.append(t.num(walk.get("back_term", e.id), paren=bool(num)))
        else:
            num.append(f"{t.num(e.weight)}·{t.num(walk.get('delta', e.target))}")
    return sym, num


def _sum_equation(walk: Walk, nid: str, fine: bool, lhs: str, value: float) -> Equation:
    """``lhs = ∂L/∂ŷ + w·δ + …``: the upstream terms summed (0 when there are none)."""
    t = TemplateBuilder()
    sym, num = _upstream_terms(walk, nid, t, fine)
    return Equation(lhs, " + ".join(sym) or "0", " + ".join(num) or "0", tuple(t.operands),
                    value)


def _delta_equations(walk: Walk, nid: str, fine: bool, grad_a: float,
                     delta: float) -> list[Equation]:
    """δ_j = f′(z_j)·∂L/∂a_j. With a single upstream term it is one equation, in the
    seed's form δ_h1 = (1 − a_h1²)·(w7·δ_y); otherwise ∂L/∂a_j comes first."""
    t = TemplateBuilder()
    d_sym, d_num = walk.derivative_text(nid, t)
    a_grad = f"∂L/∂{walk.a_sym(nid)}"
    terms = (nid in walk.output_index) + len(walk.outgoing[nid])
    if fine or terms > 1:
        return [_sum_equation(walk, nid, fine, a_grad, grad_a),
                Equation(f"δ_{nid}", f"{d_sym}·{a_grad}", f"{d_num}·{t.num(grad_a)}",
                         tuple(t.operands), delta)]
    sym, num = _upstream_terms(walk, nid, t, fine)      # the one term, or none
    term_sym, term_num = (sym[0], num[0]) if sym else ("0", "0")
    if "·" in term_sym:
        term_sym, term_num = f"({term_sym})", f"({term_num})"
    elif term_num.endswith("}") and not term_num.endswith(":p}"):
        term_num = term_num[:-1] + ":p}"    # a lone ∂L/∂ŷ: ·(−0.4732), not ·−0.4732
    return [Equation(f"δ_{nid}", f"{d_sym}·{term_sym}", f"{d_num}·{term_num}",
                     tuple(t.operands), delta)]


def backward_steps(walk: Walk, emit: Emit, nid: str, fine: bool) -> Iterator[StepRecord]:
    consumers = tuple(e.target for e in walk.outgoing[nid])
    is_output = nid in walk.output_index
    if fine:
        for e in walk.outgoing[nid]:
            t = TemplateBuilder()
            term = e.weight * walk.get("delta", e.target)
            template = f"{t.num(e.weight)}·{t.num(walk.get('delta', e.target))}"
            yield emit("backward", e.id, (e.id, e.target), (e.id,),
                       [Equation(f"{e.id}·δ_{e.target}", "", template, tuple(t.operands), term)],
                       [walk.put("back_term", e.id, term)], reuses=(e.target,))
    reads = ((LOSS_ID,) if is_output else ()) + tuple(
        x for e in walk.outgoing[nid] for x in (e.id, e.target))
    grad_a = walk.grad_a(nid)
    if walk.neuron[nid].is_input:
        equations = [_sum_equation(walk, nid, fine, f"∂L/∂{nid}", grad_a)]
        values = [walk.put("grad_a", nid, grad_a)]
    else:
        delta = walk.local_derivative(nid) * grad_a
        equations = _delta_equations(walk, nid, fine, grad_a, delta)
        values = [walk.put("grad_a", nid, grad_a), walk.put("delta", nid, delta)]
    yield emit("backward", nid, reads, (nid,), equations, values, reuses=consumers)


# ------------------------------------------------------- gradients and update
def _weight_gradient(walk: Walk, e: Edge) -> tuple[Equation, tuple[Quantity, float]]:
    a, delta = walk.a(e.source), walk.get("delta", e.target)
    g = a * delta
    # A fixed template (no TemplateBuilder): there is one of these per edge per pass.
    eq = Equation(f"∂L/∂{e.id}", f"{walk.a_sym(e.source)}·δ_{e.target}", "{0:p}·{1:p}",
                  (a, delta), g)
    return eq, walk.put("grad_w", e.id, g)


def _bias_gradient(walk: Walk, nid: str) -> tuple[Equation, tuple[Quantity, float]]:
    d = walk.get("delta", nid)
    return Equation(f"∂L/∂b_{nid}", f"δ_{nid}", "{0}", (d,), d), walk.put("grad_b", nid, d)


def gradient_steps(walk: Walk, emit: Emit, nid: str, fine: bool) -> Iterator[StepRecord]:
    parts: list[tuple[str, tuple[str, ...], tuple[Equation, tuple[Quantity, float]]]] = [
        (e.id, (e.source, e.id, nid), _weight_gradient(walk, e)) for e in walk.incoming[nid]]
    parts.append((nid, (nid,), _bias_gradient(walk, nid)))
    if fine:
        for target, reads, (eq, value) in parts:
            yield emit("gradient", target, reads, (target,), [eq], [value], reuses=(nid,))
        return
    reads = tuple(r for _, rs, _ in parts for r in rs)
    yield emit("gradient", nid, reads, tuple(p[0] for p in parts), [p[2][0] for p in parts],
               [p[2][1] for p in parts], reuses=(nid,))


def _update(walk: Walk, param: Edge | str) -> tuple[str, Equation, tuple[Quantity, float]]:
    eta = walk.learning_rate
    if isinstance(param, Edge):
        ident, old, g, name, kind = param.id, param.weight, walk.get("grad_w", param.id), \
            param.id, "weight"
    else:
        ident, old, g, name, kind = param, walk.neuron[param].bias, walk.get("grad_b", param), \
            f"b_{param}", "bias"
    new = old - eta * g
    eq = Equation(name, f"{name} − η·∂L/∂{name}", "{0} − {1}·{2:p}", (old, eta, g), new, "←")
    return ident, eq, walk.put(kind, ident, new)


def update_steps(walk: Walk, emit: Emit, nid: str, fine: bool) -> Iterator[StepRecord]:
    updates = [_update(walk, p) for p in walk.trainable(nid)]
    if not updates:
        return
    if fine:
        for ident, eq, value in updates:
            yield emit("update", ident, (ident,), (ident,), [eq], [value])
        return
    idents = tuple(u[0] for u in updates)
    yield emit("update", nid, idents, idents, [u[1] for u in updates], [u[2] for u in updates])


def all_steps(network: Network, sample: int = 0, granularity: str = "node") -> list[StepRecord]:
    """The whole pass as a list (what the step panel shows)."""
    return list(iter_steps(network, sample, granularity))


def final_values(records: list[StepRecord]) -> dict[Quantity, Any]:
    """Every quantity the pass computed, the last write winning."""
    state: dict[Quantity, Any] = {}
    for r in records:
        state.update(r.values)
    return state
