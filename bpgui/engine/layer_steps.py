"""Layer granularity: one step per topological level, in seed 003's matrix form.

Level l computes z_l = A_l x_l + b_l and f_l = σ_l(z_l), where x_l stacks the
activations its edges read (f_{l−1} in a layered network; with skip
connections, the listed neurons). Backward: ∂L/∂f_l = Σ_m A_mᵀ δ_m (+ ∂L/∂ŷ)
and δ_l = σ_l′(z_l) ⊙ ∂L/∂f_l; then ∂L/∂A_l = δ_l x_lᵀ and ∂L/∂b_l = δ_l.
The values are the walk's own, so every granularity shows the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bpgui.engine.loss_steps import loss_step
from bpgui.engine.records import LOSS_ID, Equation, StepRecord
from bpgui.engine.walk import Walk
from bpgui.model import Edge
from bpgui.numbers import subscript

Matrix = tuple[tuple[float, ...], ...]


@dataclass
class _Level:
    index: int
    members: list[str]
    sources: list[str]
    edges: list[Edge]

    @property
    def name(self) -> str:
        return subscript(self.index)

    def matrix(self, value: Callable[[Edge], float]) -> Matrix:
        """A |members| × |sources| matrix of ``value(edge)``, 0 where no edge exists."""
        cell = {(e.target, e.source): value(e) for e in self.edges}
        return tuple(tuple(cell.get((m, s), 0.0) for s in self.sources) for m in self.members)


def _levels(walk: Walk) -> list[_Level]:
    by_level: dict[int, list[str]] = {}
    for nid in walk.order:
        by_level.setdefault(walk.level[nid], []).append(nid)
    position = {nid: i for i, nid in enumerate(walk.order)}
    levels = []
    for index, members in sorted(by_level.items()):
        edges = [e for m in members for e in walk.incoming[m]]
        sources = sorted({e.source for e in edges}, key=position.__getitem__)
        levels.append(_Level(index, members, sources, edges))
    return levels


def _x_symbol(walk: Walk, level: _Level, levels: list[_Level]) -> str:
    previous = next((lv for lv in levels if lv.index == level.index - 1), None)
    if previous is not None and level.sources == previous.members:
        return f"f{previous.name}"
    return "[" + ", ".join(walk.a_sym(s) for s in level.sources) + "]"


def _sigma(walk: Walk, level: _Level) -> str:
    symbols = list(dict.fromkeys(walk.activation(m).symbol for m in level.members))
    return symbols[0] if len(symbols) == 1 else "(" + ", ".join(
        walk.activation(m).symbol for m in level.members) + ")"


def layer_steps(walk: Walk, emit: Callable[..., StepRecord]) -> Iterator[StepRecord]:
    levels = _levels(walk)
    inputs = levels[0] if levels and levels[0].index == 0 else _Level(0, [], [], [])
    values = [walk.put("a", nid, walk.x[nid]) for nid in inputs.members]
    x = tuple(walk.x[nid] for nid in inputs.members)
    yield emit("forward", "level 0", (), tuple(inputs.members),
               [Equation("f₀", "x", "{0}", (x,), x)], values)
    hidden = [lv for lv in levels if lv.index > 0]
    for lv in hidden:
        yield _forward(walk, emit, lv, levels)
    equations, values = loss_step(walk)
    yield emit("loss", LOSS_ID, tuple(walk.outputs), (LOSS_ID,), equations, values)
    for lv in reversed(levels):
        yield _backward(walk, emit, lv, levels)
    for lv in hidden:
        yield _gradient(walk, emit, lv, levels)
    for lv in hidden:
        step = _update(walk, emit, lv)
        if step is not None:
            yield step


def _forward(walk: Walk, emit: Callable[..., StepRecord], lv: _Level,
             levels: list[_Level]) -> StepRecord:
    a_matrix = lv.matrix(lambda e: e.weight)
    x = tuple(walk.a(s) for s in lv.sources)
    b = tuple(walk.neuron[m].bias for m in lv.members)
    values, zs, acts = [], [], []
    for m in lv.members:
        z, a = walk.forward_neuron(m)
        values += [walk.put("z", m, z), walk.put("a", m, a)]
        zs.append(z)
        acts.append(a)
    n, xs, sigma = lv.name, _x_symbol(walk, lv, levels), _sigma(walk, lv)
    eqs = [Equation(f"z{n}", f"A{n}·{xs} + b{n}", "{0}·{1} + {2}", (a_matrix, x, b), tuple(zs)),
           Equation(f"f{n}", f"{sigma}(z{n})", f"{sigma}({{0}})", (tuple(zs),), tuple(acts))]
    reads = tuple(lv.sources) + tuple(e.id for e in lv.edges)
    return emit("forward", f"level {lv.index}", reads, tuple(lv.members), eqs, values)


def _backward(walk: Walk, emit: Callable[..., StepRecord], lv: _Level,
              levels: list[_Level]) -> StepRecord:
    members = set(lv.members)
    sym, num, operands, reads, reuses = [], [], [], [], []
    outputs_here = [m for m in lv.members if m in walk.output_index]
    if outputs_here:
        sym.append("∂L/∂ŷ")
        num.append(f"{{{len(operands)}}}")
        operands.append(tuple(walk.get("dl_dyhat", m) if m in walk.output_index else 0.0
                              for m in lv.members))
        reads.append(LOSS_ID)
    for later in levels:
        cols = [s for s in later.sources if s in members]
        if later.index <= lv.index or not cols:
            continue
        sub = _Level(later.index, later.members, lv.members,
                     [e for e in later.edges if e.source in members])
        transposed = tuple(zip(*sub.matrix(lambda e: e.weight), strict=True))
        deltas = tuple(walk.get("delta", m) for m in later.members)
        sym.append(f"A{later.name}ᵀδ{later.name}")
        num.append(f"{{{len(operands)}}}ᵀ·{{{len(operands) + 1}}}")
        operands += [tuple(zip(*transposed, strict=True)), deltas]
        reads += [e.id for e in sub.edges] + later.members
        reuses += later.members
    grads = tuple(walk.grad_a(m) for m in lv.members)
    n = lv.name
    ga = Equation(f"∂L/∂f{n}", " + ".join(sym) or "0", " + ".join(num) or "0",
                  tuple(operands), grads)
    values = [walk.put("grad_a", m, g) for m, g in zip(lv.members, grads, strict=True)]
    if lv.index == 0:
        return emit("backward", "level 0", tuple(reads), tuple(lv.members), [ga], values,
                    reuses=tuple(reuses))
    local = tuple(walk.local_derivative(m) for m in lv.members)
    deltas = tuple(d * g for d, g in zip(local, grads, strict=True))
    values += [walk.put("delta", m, d) for m, d in zip(lv.members, deltas, strict=True)]
    eq = Equation(f"δ{n}", f"{_sigma(walk, lv)}′(z{n}) ⊙ ∂L/∂f{n}", "{0} ⊙ {1}",
                  (local, grads), deltas)
    return emit("backward", f"level {lv.index}", tuple(reads), tuple(lv.members), [ga, eq],
                values, reuses=tuple(reuses))


def _gradient(walk: Walk, emit: Callable[..., StepRecord], lv: _Level,
              levels: list[_Level]) -> StepRecord:
    n, xs = lv.name, _x_symbol(walk, lv, levels)
    values = []
    for e in lv.edges:
        values.append(walk.put("grad_w", e.id, walk.a(e.source) * walk.get("delta", e.target)))
    for m in lv.members:
        values.append(walk.put("grad_b", m, walk.get("delta", m)))
    deltas = tuple(walk.get("delta", m) for m in lv.members)
    x = tuple(walk.a(s) for s in lv.sources)
    grad_matrix = lv.matrix(lambda e: walk.get("grad_w", e.id))
    eqs = [Equation(f"∂L/∂A{n}", f"δ{n}·{xs}ᵀ", "{0}·{1}ᵀ", (deltas, x), grad_matrix),
           Equation(f"∂L/∂b{n}", f"δ{n}", "{0}", (deltas,), deltas)]
    reads = tuple(lv.sources) + tuple(lv.members)
    writes = tuple(e.id for e in lv.edges) + tuple(lv.members)
    return emit("gradient", f"level {lv.index}", reads, writes, eqs, values,
                reuses=tuple(lv.members))


def _update(walk: Walk, emit: Callable[..., StepRecord], lv: _Level) -> StepRecord | None:
    eta = walk.learning_rate
    trainable_edges = [e for e in lv.edges if e.trainable]
    trainable_biases = [m for m in lv.members if walk.neuron[m].train_bias]
    if not trainable_edges and not trainable_biases:
        return None
    values = [walk.put("weight", e.id, e.weight - eta * walk.get("grad_w", e.id))
              for e in trainable_edges]
    values += [walk.put("bias", m, walk.neuron[m].bias - eta * walk.get("grad_b", m))
               for m in trainable_biases]

    def new_weight(e: Edge) -> float:
        return walk.get("weight", e.id) if e.trainable else e.weight

    def new_bias(m: str) -> float:
        return walk.get("bias", m) if walk.neuron[m].train_bias else walk.neuron[m].bias

    n = lv.name
    old_a, grad_a = lv.matrix(lambda e: e.weight), lv.matrix(lambda e: walk.get("grad_w", e.id))
    b = tuple(walk.neuron[m].bias for m in lv.members)
    gb = tuple(walk.get("grad_b", m) for m in lv.members)
    eqs = [Equation(f"A{n}", f"A{n} − η·∂L/∂A{n}", "{0} − {1}·{2}", (old_a, eta, grad_a),
                    lv.matrix(new_weight), "←"),
           Equation(f"b{n}", f"b{n} − η·∂L/∂b{n}", "{0} − {1}·{2}", (b, eta, gb),
                    tuple(new_bias(m) for m in lv.members), "←")]
    ids = tuple(e.id for e in trainable_edges) + tuple(trainable_biases)
    return emit("update", f"level {lv.index}", ids, ids, eqs, values)
