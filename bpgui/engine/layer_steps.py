"""Layer granularity: one step per topological level, in seed 003's matrix form.

Level l computes z_l = A_l x_l + b_l and f_l = σ_l(z_l), where x_l stacks the
activations its edges read (f_{l−1} in a layered network; with skip
connections, the listed neurons). Backward: ∂L/∂f_l = Σ_m A_mᵀ δ_m (+ ∂L/∂ŷ),
where A_m is the block of level m's weights that reads f_l, and
δ_l = σ_l′(z_l) ⊙ ∂L/∂f_l; then ∂L/∂A_l = δ_l x_lᵀ (⊙ M_l, the mask of the edges
that exist, when the level is not fully connected) and ∂L/∂b_l = δ_l.
The values are the walk's own, so every granularity shows the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from bpgui.engine.expression import ZERO, Diff, Expr, Group, Hadamard, Prod, Sum, Transpose, Var
from bpgui.engine.formulas import elementwise, level_symbol
from bpgui.engine.loss_steps import loss_step
from bpgui.engine.node_steps import backward_steps, forward_steps, gradient_steps, update_steps
from bpgui.engine.optimizers import SGD, optimizer_for
from bpgui.engine.records import LOSS_ID, Equation, StepRecord
from bpgui.engine.walk import Walk
from bpgui.network.model import Edge
from bpgui.network.numbers import subscript

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

    @cached_property
    def cells(self) -> list[tuple[int, int]]:
        """(row, column) of each edge's entry in the level's matrices, found once: a
        pass writes a dense level's matrices half a dozen times."""
        row = {m: i for i, m in enumerate(self.members)}
        column = {s: j for j, s in enumerate(self.sources)}
        return [(row[e.target], column[e.source]) for e in self.edges]

    def matrix(self, value: Callable[[Edge], float]) -> Matrix:
        """A |members| × |sources| matrix of ``value(edge)``, 0 where no edge exists."""
        rows = [[0.0] * len(self.sources) for _ in self.members]
        for (i, j), e in zip(self.cells, self.edges, strict=True):
            rows[i][j] = value(e)
        return tuple(map(tuple, rows))


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
    """What level ``level`` reads: ``f₁`` when that is exactly the level before, else the
    list of its sources (``[a_h1, x1]``)."""
    previous = next((lv for lv in levels if lv.index == level.index - 1), None)
    if previous is not None and level.sources == previous.members:
        return f"f{previous.name}"
    return _listed(walk.a_sym(s) for s in level.sources)


def _listed(symbols: Iterable[str]) -> str:
    return "[" + ", ".join(symbols) + "]"


def _vector(walk: Walk, kind: str, members: list[str]) -> tuple[float, ...]:
    return tuple(walk.get(kind, m) for m in members)


def layer_steps(walk: Walk, emit: Callable[..., StepRecord]) -> Iterator[StepRecord]:
    levels = _levels(walk)
    inputs = levels[0] if levels and levels[0].index == 0 else _Level(0, [], [], [])
    values = [walk.put("a", nid, walk.x[nid]) for nid in inputs.members]
    x = tuple(walk.x[nid] for nid in inputs.members)
    x_symbol = walk.reserved("x")
    if x_symbol != "x":          # an input is named x: list the inputs instead
        x_symbol = _listed(inputs.members)
    yield emit("forward", "level 0", (), tuple(inputs.members),
               [Equation("f₀", Var(x_symbol, x), x)], values)
    hidden = [lv for lv in levels if lv.index > 0]
    for lv in hidden:
        if _holds_operations(walk, lv):
            for m in lv.members:
                yield from forward_steps(walk, _noted(emit, walk, lv, "holds"), m, False)
            continue
        yield _forward(walk, emit, lv, levels)
    equations, values = loss_step(walk)
    yield emit("loss", LOSS_ID, tuple(walk.outputs), (LOSS_ID,), equations, values)
    for lv in reversed(levels):
        if _holds_operations(walk, lv) or _feeds_operations(walk, lv):
            why = "holds" if _holds_operations(walk, lv) else "feeds"
            for m in reversed(lv.members):
                yield from backward_steps(walk, _noted(emit, walk, lv, why), m, False)
            continue
        yield _backward(walk, emit, lv, levels)
    for lv in hidden:
        if _holds_operations(walk, lv):
            for m in lv.members:
                yield from gradient_steps(walk, _noted(emit, walk, lv, "holds"), m, False)
            continue
        yield _gradient(walk, emit, lv, levels)
    optimizer = optimizer_for(walk.network.training)
    for lv in hidden:
        if _holds_operations(walk, lv) or not isinstance(optimizer, SGD):
            why = "holds" if _holds_operations(walk, lv) else "state"
            for m in lv.members:
                yield from update_steps(walk, _noted(emit, walk, lv, why), m, False,
                                        optimizer)
            continue
        step = _update(walk, emit, lv, optimizer)
        if step is not None:
            yield step


# A level with operation nodes has no matrix form (each node is its own operation, and
# what flows back through one is w·local·∂L/∂v, not Aᵀδ): it falls back to one step per
# node, written as at node granularity, and says so under each of those steps.
def _holds_operations(walk: Walk, lv: _Level) -> bool:
    return any(walk.is_operation(m) for m in lv.members)


def _feeds_operations(walk: Walk, lv: _Level) -> bool:
    return any(walk.is_operation(e.target) for m in lv.members for e in walk.outgoing[m])


def _noted(emit: Callable[..., StepRecord], walk: Walk, lv: _Level,
           why: str) -> Callable[..., StepRecord]:
    """``emit`` that adds the note saying why level ``lv`` is shown node by node."""
    what = "holds operation nodes" if why == "holds" else "feeds operation nodes"
    note = (f"Level {lv.index} {what}, which have no matrix form: one step per node, "
            "written as at node granularity.")
    if why == "state":          # an update rule with state: its lines are per parameter
        note = (f"The update rule keeps a state for each parameter, so level {lv.index}'s "
                "update is written node by node, each parameter's state then its value.")

    def noted(*args: Any, notes: tuple[str, ...] = (), **kwargs: Any) -> StepRecord:
        return emit(*args, notes=(*notes, note), **kwargs)
    return noted


def _activations(walk: Walk, lv: _Level) -> list[str]:
    return [walk.neuron[m].activation for m in lv.members]


def _forward(walk: Walk, emit: Callable[..., StepRecord], lv: _Level,
             levels: list[_Level]) -> StepRecord:
    values, zs, acts = [], [], []
    for m in lv.members:
        z, a = walk.forward_neuron(m)
        values += [walk.put("z", m, z), walk.put("a", m, a)]
        zs.append(z)
        acts.append(a)
    n = lv.name
    b = Var(f"b{n}", tuple(walk.neuron[m].bias for m in lv.members))
    z_formula: Expr = b                      # a level no edge reaches: z = b
    if lv.edges:
        weights = Var(f"A{n}", lv.matrix(lambda e: e.weight))
        x = Var(_x_symbol(walk, lv, levels), tuple(walk.a(s) for s in lv.sources))
        z_formula = Sum([Prod([weights, x]), b])
    eqs = [Equation(f"z{n}", z_formula, tuple(zs)),
           Equation(f"f{n}", elementwise(_activations(walk, lv), Var(f"z{n}", tuple(zs))),
                    tuple(acts))]
    reads = tuple(lv.sources) + tuple(e.id for e in lv.edges)
    return emit("forward", f"level {lv.index}", reads, tuple(lv.members), eqs, values)


def _output_gradients(walk: Walk, lv: _Level) -> Var:
    """∂L/∂ŷ of the level's members: ``∂L/∂ŷ`` when they are the outputs, else listed
    with 0 for a member that is not an output."""
    value = tuple(walk.get("dl_dyhat", m) if m in walk.output_index else 0.0
                  for m in lv.members)
    if lv.members == walk.outputs:
        return Var("∂L/∂ŷ", value)
    return Var(_listed(f"∂L/∂{walk.yhat_sym(m)}" if m in walk.output_index else "0"
                       for m in lv.members), value)


def _backward(walk: Walk, emit: Callable[..., StepRecord], lv: _Level,
              levels: list[_Level]) -> StepRecord:
    members = set(lv.members)
    terms: list[Expr] = []
    reads: list[str] = []
    reuses: list[str] = []
    notes: list[str] = []
    n = lv.name
    if any(m in walk.output_index for m in lv.members):
        terms.append(_output_gradients(walk, lv))
        reads.append(LOSS_ID)
    for later in levels:
        if later.index <= lv.index or members.isdisjoint(later.sources):
            continue
        block = _Level(later.index, later.members, lv.members,
                       [e for e in later.edges if e.source in members])
        name = f"A{later.name}"
        if later.sources != lv.members:
            name = f"A{later.name}[:, f{n}]"
            notes.append(f"{name} is the block of A{later.name} that reads f{n} "
                         f"(0 where level {later.index} does not read a neuron of f{n}).")
        later_deltas = Var(f"δ{later.name}", _vector(walk, "delta", later.members))
        terms.append(Prod([Transpose(Var(name, block.matrix(lambda e: e.weight))),
                           later_deltas], implicit=True))
        reads += [e.id for e in block.edges] + later.members
        reuses += later.members
    grads = tuple(walk.grad_a(m) for m in lv.members)
    ga = Equation(f"∂L/∂f{n}", Sum(terms) if terms else ZERO, grads)
    values = [walk.put("grad_a", m, g) for m, g in zip(lv.members, grads, strict=True)]
    if lv.index == 0:
        return emit("backward", "level 0", tuple(reads), tuple(lv.members), [ga], values,
                    reuses=tuple(reuses), notes=tuple(notes))
    local = tuple(walk.local_derivative(m) for m in lv.members)
    deltas = tuple(d * g for d, g in zip(local, grads, strict=True))
    values += [walk.put("delta", m, d) for m, d in zip(lv.members, deltas, strict=True)]
    derivative = Var(f"{level_symbol(_activations(walk, lv))}′(z{n})", local)
    eq = Equation(f"δ{n}", Hadamard(derivative, Var(f"∂L/∂f{n}", grads)), deltas)
    return emit("backward", f"level {lv.index}", tuple(reads), tuple(lv.members), [ga, eq],
                values, reuses=tuple(reuses), notes=tuple(notes))


def _mask(lv: _Level, keep: Callable[[Edge], bool]) -> Matrix:
    return lv.matrix(lambda e: 1.0 if keep(e) else 0.0)


def _gradient(walk: Walk, emit: Callable[..., StepRecord], lv: _Level,
              levels: list[_Level]) -> StepRecord:
    n = lv.name
    values = []
    for e in lv.edges:
        values.append(walk.put("grad_w", e.id, walk.a(e.source) * walk.get("delta", e.target)))
    for m in lv.members:
        values.append(walk.put("grad_b", m, walk.get("delta", m)))
    deltas = Var(f"δ{n}", _vector(walk, "delta", lv.members))
    eqs, notes = [], []
    if lv.edges:                             # a level no edge reaches has only biases
        x = Var(_x_symbol(walk, lv, levels), tuple(walk.a(s) for s in lv.sources))
        outer: Expr = Prod([deltas, Transpose(x)])
        if len(lv.edges) < len(lv.members) * len(lv.sources):      # some pairs have no edge
            outer = Hadamard(outer, Var(f"M{n}", _mask(lv, lambda e: True)))
            notes.append(f"M{n} is 1 where an edge exists and 0 where none does: "
                         "a missing weight has no gradient.")
        eqs.append(Equation(f"∂L/∂A{n}", outer, lv.matrix(lambda e: walk.get("grad_w", e.id))))
    eqs.append(Equation(f"∂L/∂b{n}", deltas, deltas.value))
    reads = tuple(lv.sources) + tuple(lv.members)
    writes = tuple(e.id for e in lv.edges) + tuple(lv.members)
    return emit("gradient", f"level {lv.index}", reads, writes, eqs, values,
                reuses=tuple(lv.members), notes=tuple(notes))


def _update(walk: Walk, emit: Callable[..., StepRecord], lv: _Level,
            optimizer: SGD) -> StepRecord | None:
    """A ← A − η·∂L/∂A and b ← b − η·∂L/∂b (in plain gradient descent's words); where
    some are frozen, the gradient is masked (T, t are 1 for a trainable parameter, 0 for
    a frozen one) so the equation holds, and a level with nothing trainable in A or b
    leaves that equation out."""
    trainable_edges = [e for e in lv.edges if e.trainable]
    trainable_biases = [m for m in lv.members if walk.neuron[m].train_bias]
    if not trainable_edges and not trainable_biases:
        return None
    values = [walk.put("weight", e.id, optimizer.updated(e.weight, walk.get("grad_w", e.id)))
              for e in trainable_edges]
    values += [walk.put("bias", m, optimizer.updated(walk.neuron[m].bias, walk.get("grad_b", m),
                                                       False))
               for m in trainable_biases]
    n = lv.name
    eqs, notes = [], []
    if trainable_edges:
        masked = len(trainable_edges) < len(lv.edges)
        eqs.append(_update_equation(
            optimizer, f"A{n}", lv.matrix(lambda e: e.weight),
            Var(f"∂L/∂A{n}", lv.matrix(lambda e: walk.get("grad_w", e.id))),
            Var(f"T{n}", _mask(lv, lambda e: e.trainable)) if masked else None,
            lv.matrix(lambda e: walk.get("weight", e.id) if e.trainable else e.weight), True))
        if masked:
            notes.append(f"T{n} is 1 for a trainable weight and 0 for a frozen one "
                         "(or a missing edge): a frozen weight does not move.")
    if trainable_biases:
        masked = len(trainable_biases) < len(lv.members)
        trainable = [1.0 if walk.neuron[m].train_bias else 0.0 for m in lv.members]
        eqs.append(_update_equation(
            optimizer, f"b{n}", tuple(walk.neuron[m].bias for m in lv.members),
            Var(f"∂L/∂b{n}", _vector(walk, "grad_b", lv.members)),
            Var(f"t{n}", tuple(trainable)) if masked else None,
            tuple(walk.get("bias", m) if walk.neuron[m].train_bias else walk.neuron[m].bias
                  for m in lv.members), False))
        if masked:
            notes.append(f"t{n} is 1 for a trainable bias and 0 for a frozen one.")
    ids = tuple(e.id for e in trainable_edges) + tuple(trainable_biases)
    return emit("update", f"level {lv.index}", ids, ids, eqs, values, notes=tuple(notes))


def _update_equation(optimizer: SGD, name: str, old: Any, gradient: Var,
                     mask: Var | None, new: Any, weight: bool) -> Equation:
    if mask is None:
        return Equation(name, optimizer.formula(name, old, gradient, weight), new, "←",
                        before=old)
    if optimizer.l2 and weight:     # the mask stops the decay too: ((g + λ·A) ⊙ T)
        decayed = Group(Sum([gradient, Prod([Var("λ", optimizer.l2), Var(name, old)])]))
        step = Diff(Var(name, old), Prod([Var("η", optimizer.learning_rate),
                                          Group(Hadamard(decayed, mask))]))
        return Equation(name, step, new, "←", before=old)
    return Equation(name, optimizer.formula(name, old, Group(Hadamard(gradient, mask)), weight),
                    new, "←", before=old)
