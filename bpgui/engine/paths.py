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
from functools import cached_property
from math import prod

from bpgui.engine.expression import ONE, Expr, Prod, Sum, Var
from bpgui.engine.loss_steps import output_gradient
from bpgui.engine.operation_formulas import exact
from bpgui.engine.records import Equation, Quantity
from bpgui.engine.stepper import all_steps, final_values
from bpgui.engine.walk import Walk
from bpgui.network.errors import BpguiError
from bpgui.network.model import Edge, Network
from bpgui.network.numbers import DEFAULT_DIGITS

DEFAULT_LIMIT = 64


@dataclass(frozen=True)
class Factor:
    """One local derivative on a path: its symbol (``∂a_h1/∂z_h1``), its formula as a
    tree (``(1 − a_h1²)``, written with its numbers where the path is), and its value."""

    symbol: str
    expr: Expr
    value: float

    @property
    def formula(self) -> str:
        return self.expr.symbols()


@dataclass(frozen=True)
class Path:
    """A chain from L down to the target; ``nodes`` are neuron ids, loss side first."""

    nodes: tuple[str, ...]
    edges: tuple[str, ...]
    factors: tuple[Factor, ...]

    @property
    def product(self) -> float:
        return prod(f.value for f in self.factors)

    @cached_property
    def equation(self) -> Equation:
        """The chain and its product: ``(ŷ − y)·a_y(1 − a_y)·w7·(1 − a_h1²)·x3``, with
        numbers ``(0.5268 − 1)·0.5268(1 − 0.5268)·3·(1 − (−0.96403)²)·1``, ``= −0.025``."""
        return Equation("", Prod([f.expr for f in self.factors]), self.product)

    @property
    def formula(self) -> str:
        """The chain in symbols."""
        return self.equation.symbols

    def numbers(self, digits: int = DEFAULT_DIGITS) -> str:
        """The chain with numbers, as many digits as its product needs."""
        return self.equation.numbers(digits)


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
    is_input: bool = False       # the target has no z, an input or an operation node: its
    #                              gradient is ∂L/∂a (∂L/∂v), and it has no bias

    @property
    def total(self) -> float:
        """The sum of the listed products (equals ``gradient`` when nothing is capped)."""
        return sum(p.product for p in self.paths)

    @property
    def capped(self) -> bool:
        return len(self.paths) < self.path_count

    @cached_property
    def sum_equation(self) -> Equation | None:
        """The gradient as the sum of the path products (``∂L/∂w5 = p₁ + p₂ = …``), with
        the digits the sum needs; None when only some of the paths are listed."""
        if self.capped or not self.paths:
            return None
        terms = [Var(f"path {k + 1}", p.product) for k, p in enumerate(self.paths)]
        return Equation(self.name, Sum(terms) if len(terms) > 1 else terms[0], self.total)

    @property
    def name(self) -> str:
        """``∂L/∂w5``, ``∂L/∂b_h1``, ``∂L/∂x1`` (an input) or ``δ_h1``."""
        if self.kind == "weight":
            return f"∂L/∂{self.target}"
        if self.kind == "bias":
            return f"∂L/∂b_{self.target}"
        return f"∂L/∂{self.target}" if self.is_input else f"δ_{self.target}"


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
    if kind == "bias" and not walk.neuron[target].has_bias:
        what = "input neuron" if walk.neuron[target].is_input else "operation node"
        raise BpguiError(f"{what} {target!r} has no bias")
    counts, factor_totals = _count(walk)
    tail: tuple[Factor, ...] = ()
    if kind == "weight":
        edge = edges[target]
        head = edge.target
        if walk.is_operation(head):      # ∂v/∂(operand), then ∂(operand)/∂w = the source's v
            tail = (_operand_factor(walk, edge), Factor(f"∂u_{edge.id}/∂{edge.id}",
                                                         walk.a_var(edge.source),
                                                         walk.a(edge.source)))
        else:
            tail = (Factor(f"∂z_{edge.target}/∂{edge.id}", walk.a_var(edge.source),
                           walk.a(edge.source)),)
        gradient = values[Quantity("grad_w", target)]
    elif kind == "bias":
        head, tail = target, (Factor(f"∂z_{target}/∂b_{target}", ONE, 1.0),)
        gradient = values[Quantity("grad_b", target)]
    else:
        head = target
        is_input = walk.neuron[target].is_input      # an operation node's ∂L/∂v is its δ
        gradient = values[Quantity("grad_a" if is_input else "delta", target)]
    n_paths = counts[head]
    n_factors = factor_totals[head] + n_paths * len(tail)
    paths: list[Path] = []
    for chain in _chains(walk, head):
        if len(paths) == limit:
            break
        nodes, path_edges, factors = chain
        factors = (*factors, *tail)
        if kind == "weight":
            path_edges = (*path_edges, target)
        paths.append(Path(nodes, path_edges, factors))
    backprop = _backprop_cost(walk, head) + (len(tail) if kind == "weight" else 0)
    return PathReport(target, kind, gradient, tuple(paths), n_paths, n_factors - n_paths,
                      backprop, _no_z(walk, target) if kind == "neuron" else False)


def _count(walk: Walk) -> tuple[dict[str, int], dict[str, int]]:
    """Per neuron: the number of paths from L to it, and their total number of factors.

    A path reaching a non-input neuron ends at its z (so it carries f′), one
    reaching an input ends at its a. Exact Python integers: no overflow.
    """
    count: dict[str, int] = {}
    factors: dict[str, int] = {}
    for nid in reversed(walk.order):
        local = 0 if _no_z(walk, nid) else 1                # the f′ factor, if any
        n = 1 if nid in walk.output_index else 0
        f = (1 + local) if n else 0                         # ∂L/∂ŷ, then f′
        for e in walk.outgoing[nid]:
            m = count[e.target]
            n += m
            edge = 2 if walk.is_operation(e.target) else 1  # w_e, after ∂v/∂operand
            f += factors[e.target] + m * (edge + local)     # then w_e and f′ per path
        count[nid], factors[nid] = n, f
    return count, factors


def _chains(walk: Walk, head: str) -> Iterator[tuple[tuple[str, ...], tuple[str, ...],
                                                     tuple[Factor, ...]]]:
    """Chains from L down to ``head`` in a deterministic order (outputs, then edges)."""

    def down(nid: str) -> Iterator[tuple[tuple[str, ...], tuple[str, ...], tuple[Factor, ...]]]:
        # every chain from L to a_nid, as (nodes, edges, factors)
        if nid in walk.output_index:
            factor = Factor(f"∂L/∂{walk.yhat_sym(nid)}",
                            output_gradient(walk, walk.output_index[nid]),
                            walk.get("dl_dyhat", nid))
            yield (nid,), (), (factor,)
        for e in walk.outgoing[nid]:
            if walk.is_operation(e.target):      # ∂v/∂(operand), then the weight, exactly
                local = _operand_factor(walk, e)
                weight = Factor(f"∂u_{e.id}/∂{walk.a_sym(nid)}", exact(e.weight), e.weight)
                for nodes, edges, factors in down(e.target):
                    yield (*nodes, nid), (*edges, e.id), (*factors, local, weight)
                continue
            weight = Factor(f"∂z_{e.target}/∂{walk.a_sym(nid)}", Var(e.id, e.weight), e.weight)
            for nodes, edges, factors in down_z(e.target):
                yield (*nodes, nid), (*edges, e.id), (*factors, weight)

    def down_z(nid: str) -> Iterator[tuple[tuple[str, ...], tuple[str, ...], tuple[Factor, ...]]]:
        for nodes, edges, factors in down(nid):
            yield nodes, edges, (*factors, _local_factor(walk, nid))

    yield from (down(head) if _no_z(walk, head) else down_z(head))


def _no_z(walk: Walk, nid: str) -> bool:
    """An input or an operation node: a path ends at its value, with no f′ factor."""
    return walk.neuron[nid].is_input or walk.is_operation(nid)


def _operand_factor(walk: Walk, e: Edge) -> Factor:
    """∂v_m/∂(operand e) of operation node m: ``cos(a)``, ``1``, ``(−1)``."""
    return Factor(f"∂{e.target}/∂u_{e.id}", walk.local_formula(e), walk.get("local", e.id))


def _local_factor(walk: Walk, nid: str) -> Factor:
    return Factor(f"∂{walk.a_sym(nid)}/∂z_{nid}", walk.derivative(nid),
                  walk.local_derivative(nid))


def _backprop_cost(walk: Walk, head: str) -> int:
    """Multiplications backprop with cached δ does to reach ``head``.

    Each neuron downstream of ``head`` that reaches the loss costs one w·δ
    product per outgoing edge into that set, plus one f′·(∂L/∂a) product.
    """
    relevant = _downstream(walk, head)
    cost = 0
    for nid in relevant:
        cost += sum(1 for e in walk.outgoing[nid] if e.target in relevant)
        cost += 0 if _no_z(walk, nid) else 1
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
    naive += sum(factors[n] for n in walk.non_inputs() if walk.neuron[n].has_bias)
    backprop = sum(len(walk.outgoing[n]) + 1 for n in walk.non_inputs() if counts[n] > 0)
    backprop += len(network.edges)
    return naive, backprop

