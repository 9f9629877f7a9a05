"""Every path from the loss to a parameter or neuron, and what summing over them costs.

Seed 000's point: ∂L/∂w is the sum, over all paths from L down to w, of the
product of the local derivatives along the path. Summing paths naively
repeats the shared tails; backpropagation caches each δ and does each
multiplication once. :func:`path_report` lists the paths (capped), counts them
exactly by dynamic programming, and counts the multiplications both ways.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from math import prod

from bpgui.engine.loss_steps import output_gradient_equation
from bpgui.engine.records import Equation, Quantity
from bpgui.engine.stepper import all_steps, final_values
from bpgui.engine.walk import TemplateBuilder, Walk
from bpgui.errors import BpguiError
from bpgui.model import Network
from bpgui.numbers import DEFAULT_DIGITS

DEFAULT_LIMIT = 64


@dataclass(frozen=True)
class Factor:
    """One local derivative on a path: its symbol (``∂a_h1/∂z_h1``), its formula
    (``(1 − a_h1²)``), the formula with numbers put in, and its value."""

    symbol: str
    formula: str
    value: float
    template: str = "{0}"
    operands: tuple[float, ...] = ()

    def numbers(self, digits: int = DEFAULT_DIGITS) -> str:
        """The formula with numbers, parenthesised when it is a sum or a negative number."""
        equation = Equation("", "", self.template, self.operands or (self.value,), self.value)
        text = equation.numbers(digits)
        return f"({text})" if _needs_parentheses(text) else text


def _needs_parentheses(text: str) -> bool:
    """``0.5268 − 1`` and ``−0.5`` need them inside a product; ``0.5(1 − 0.5)`` does not."""
    if text.startswith("−"):
        return True
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(ch, 0)
        if depth == 0 and ch in "+−" and 0 < i < len(text) - 1 and text[i - 1] == " ":
            return True
    return False


@dataclass(frozen=True)
class Path:
    """A chain from L down to the target; ``nodes`` are neuron ids, loss side first."""

    nodes: tuple[str, ...]
    edges: tuple[str, ...]
    factors: tuple[Factor, ...]

    @property
    def product(self) -> float:
        return prod(f.value for f in self.factors)

    @property
    def formula(self) -> str:
        """The chain in symbols: ``(ŷ − y)·a_y(1 − a_y)·w7·(1 − a_h1²)·x3``."""
        return "·".join(f"({f.formula})" if _needs_parentheses(f.formula) else f.formula
                        for f in self.factors)

    def numbers(self, digits: int = DEFAULT_DIGITS) -> str:
        """The chain with numbers: ``(0.5268 − 1)·0.5268(1 − 0.5268)·3·…``."""
        return "·".join(f.numbers(digits) for f in self.factors)


@dataclass(frozen=True)
class PathReport:
    """The paths to ``target`` and the cost of summing them, against backprop's."""

    target: str                  # edge id, or neuron id
    kind: str                    # "weight", "bias" or "neuron"
    gradient: float              # ∂L/∂w, ∂L/∂b, δ (non-input) or ∂L/∂a (input)
    paths: tuple[Path, ...]      # at most ``limit`` of them
    path_count: int              # exact, even when ``paths`` is capped
    naive_multiplications: int   # Σ over paths of (factors − 1)
    backprop_multiplications: int  # with cached δ: what this one gradient needs

    @property
    def total(self) -> float:
        """The sum of the listed products (equals ``gradient`` when nothing is capped)."""
        return sum(p.product for p in self.paths)

    @property
    def capped(self) -> bool:
        return len(self.paths) < self.path_count


def path_report(network: Network, target: str, kind: str | None = None, sample: int = 0,
                limit: int = DEFAULT_LIMIT,
                values: dict[Quantity, float] | None = None) -> PathReport:
    """Paths from the loss to edge or neuron ``target`` for one sample.

    ``kind`` is ``"weight"``, ``"bias"`` or ``"neuron"``; by default an edge id
    means its weight and a neuron id the neuron (δ, or ∂L/∂a for an input).
    ``values`` are the pass's final values for this network and sample, e.g.
    ``final_values(records)`` of a pass already run (at any granularity: the
    per-neuron values are the same); without them the pass is run here.
    """
    walk = Walk(network, sample)
    if values is None:
        values = final_values(all_steps(network, sample))
    walk.values.update(values)
    edges = {e.id: e for e in network.edges}
    if kind is None:
        kind = "weight" if target in edges else "neuron"
    if kind == "weight" and target not in edges:
        raise BpguiError(f"no edge with id {target!r}")
    if kind in ("bias", "neuron") and target not in walk.neuron:
        raise BpguiError(f"no neuron with id {target!r}")
    if kind == "bias" and walk.neuron[target].is_input:
        raise BpguiError(f"input neuron {target!r} has no bias")
    counts, factor_totals = _count(walk)
    if kind == "weight":
        edge = edges[target]
        head, last = edge.target, Factor(f"∂z_{edge.target}/∂{edge.id}",
                                         walk.a_sym(edge.source), walk.a(edge.source))
        # (the default template "{0}" puts the value itself in)
        gradient = values[Quantity("grad_w", target)]
    elif kind == "bias":
        head, last = target, Factor(f"∂z_{target}/∂b_{target}", "1", 1.0)
        gradient = values[Quantity("grad_b", target)]
    else:
        head, last = target, None
        is_input = walk.neuron[target].is_input
        gradient = values[Quantity("grad_a" if is_input else "delta", target)]
    n_paths = counts[head]
    n_factors = factor_totals[head] + (n_paths if last is not None else 0)
    paths = []
    for chain in _chains(walk, head):
        if len(paths) == limit:
            break
        nodes, path_edges, factors = chain
        if last is not None:
            factors = (*factors, last)
        if kind == "weight":
            path_edges = (*path_edges, target)
        paths.append(Path(nodes, path_edges, factors))
    backprop = _backprop_cost(walk, head) + (1 if kind == "weight" else 0)
    return PathReport(target, kind, gradient, tuple(paths), n_paths, n_factors - n_paths,
                      backprop)


def _count(walk: Walk) -> tuple[dict[str, int], dict[str, int]]:
    """Per neuron: the number of paths from L to it, and their total number of factors.

    A path reaching a non-input neuron ends at its z (so it carries f′), one
    reaching an input ends at its a. Exact Python integers: no overflow.
    """
    count: dict[str, int] = {}
    factors: dict[str, int] = {}
    for nid in reversed(walk.order):
        local = 0 if walk.neuron[nid].is_input else 1     # the f′ factor, if any
        n = 1 if nid in walk.output_index else 0
        f = (1 + local) if n else 0                         # ∂L/∂ŷ, then f′
        for e in walk.outgoing[nid]:
            m = count[e.target]
            n += m
            f += factors[e.target] + m * (1 + local)        # then w_e and f′ per path
        count[nid], factors[nid] = n, f
    return count, factors


def _chains(walk: Walk, head: str) -> Iterator[tuple[tuple[str, ...], tuple[str, ...],
                                                     tuple[Factor, ...]]]:
    """Chains from L down to ``head`` in a deterministic order (outputs, then edges)."""

    def down(nid: str) -> Iterator[tuple[tuple[str, ...], tuple[str, ...], tuple[Factor, ...]]]:
        # every chain from L to a_nid, as (nodes, edges, factors)
        if nid in walk.output_index:
            yh = walk.yhat_sym(nid)
            k = walk.output_index[nid]
            eq = output_gradient_equation(walk, k)
            yield (nid,), (), (Factor(f"∂L/∂{yh}", eq.symbols, walk.get("dl_dyhat", nid),
                                      eq.template, eq.operands),)
        for e in walk.outgoing[nid]:
            for nodes, edges, factors in down_z(e.target):
                yield (*nodes, nid), (*edges, e.id), (
                    *factors, Factor(f"∂z_{e.target}/∂{walk.a_sym(nid)}", e.id, e.weight))

    def down_z(nid: str) -> Iterator[tuple[tuple[str, ...], tuple[str, ...], tuple[Factor, ...]]]:
        for nodes, edges, factors in down(nid):
            yield nodes, edges, (*factors, _local_factor(walk, nid))

    yield from (down(head) if walk.neuron[head].is_input else down_z(head))


def _local_factor(walk: Walk, nid: str) -> Factor:
    t = TemplateBuilder()
    formula, template = walk.derivative_text(nid, t)
    return Factor(f"∂{walk.a_sym(nid)}/∂z_{nid}", formula, walk.local_derivative(nid),
                  template, tuple(t.operands) or (walk.local_derivative(nid),))


def _backprop_cost(walk: Walk, head: str) -> int:
    """Multiplications backprop with cached δ does to reach ``head``.

    Each neuron downstream of ``head`` that reaches the loss costs one w·δ
    product per outgoing edge into that set, plus one f′·(∂L/∂a) product.
    """
    relevant = _downstream(walk, head)
    cost = 0
    for nid in relevant:
        cost += sum(1 for e in walk.outgoing[nid] if e.target in relevant)
        cost += 0 if walk.neuron[nid].is_input else 1
    return cost


def _downstream(walk: Walk, head: str) -> set[str]:
    seen, stack = {head}, [head]
    while stack:
        for e in walk.outgoing[stack.pop()]:
            if e.target not in seen:
                seen.add(e.target)
                stack.append(e.target)
    counts, _ = _count(walk)
    return {n for n in seen if counts[n] > 0}


def whole_gradient_cost(network: Network) -> tuple[int, int]:
    """(naive, backprop) multiplications for the gradient of every parameter at once."""
    walk = Walk(network, 0)
    counts, factors = _count(walk)
    # A parameter of neuron j adds one factor (a_i, or 1 for b_j) to each path to z_j,
    # and a path of F factors takes F − 1 multiplications: Σ (F + 1 − 1) = factors[j].
    naive = sum(factors[e.target] for e in network.edges)
    naive += sum(factors[n] for n in walk.non_inputs())
    backprop = sum(len(walk.outgoing[n]) + 1 for n in walk.non_inputs() if counts[n] > 0)
    backprop += len(network.edges)
    return naive, backprop

