"""The loss step: ℓ(ŷ, y) and ∂ℓ/∂ŷ_k written out for each loss of the spec.

bce reads the clamped p = clamp(ŷ) the spec defines; where the clamp changes ŷ
the step says so (``p = clamp(ŷ) = clamp(−0.3) = 1×10⁻¹²``) and writes p, and
elsewhere it writes ŷ itself.
"""

from __future__ import annotations

import numpy as np

from bpgui.engine.expression import (
    HALF,
    ONE,
    TWO,
    Const,
    Diff,
    Expr,
    Group,
    Neg,
    Prod,
    Quot,
    Square,
    Sum,
    Var,
)
from bpgui.engine.formulas import clamp, ln, softmax
from bpgui.engine.records import LOSS_ID, Equation, Quantity
from bpgui.engine.walk import Walk
from bpgui.network.functions import BCE_CLAMP
from bpgui.network.functions import softmax as softmax_values


def loss_step(walk: Walk) -> tuple[tuple[Equation, ...], list[tuple[Quantity, float]]]:
    """Equations and values of the loss step (shared by every granularity)."""
    loss, grads = walk.loss_and_gradient()
    equations: list[Equation] = []
    values = [walk.put("loss", LOSS_ID, loss)]
    name = walk.loss.name
    if name == "softmax_ce":
        equations.append(_softmax_equation(walk))
    if name == "bce":
        equations += [Equation(p.symbol, clamp(yhat), p.value) for yhat, p in
                      zip(_outputs(walk), _probabilities(walk), strict=True) if p is not yhat]
    equations.append(Equation("L", _loss_formula(walk), loss))
    for k, o in enumerate(walk.outputs):
        equations.append(output_gradient_equation(walk, k))
        values.append(walk.put("dl_dyhat", o, grads[k]))
    return tuple(equations), values


def _outputs(walk: Walk) -> list[Var]:
    return [Var(walk.yhat_sym(o), walk.a(o)) for o in walk.outputs]


def _targets(walk: Walk) -> list[Var]:
    return [Var(walk.y_sym(k), y) for k, y in enumerate(walk.y)]


def _probabilities(walk: Walk) -> list[Var]:
    """bce's p_k: ŷ_k itself, or its clamped value under its own name where clamping acts."""
    out = []
    for k, yhat in enumerate(_outputs(walk)):
        p = min(max(yhat.value, BCE_CLAMP), 1 - BCE_CLAMP)
        out.append(yhat if p == yhat.value else Var(walk.per_output("p", k), p))
    return out


def _softmax_values(walk: Walk) -> list[float]:
    return [float(s) for s in softmax_values(np.array([walk.a(o) for o in walk.outputs]))]


def _softmax_vars(walk: Walk) -> list[Var]:
    return [Var(walk.per_output("s", k), s) for k, s in enumerate(_softmax_values(walk))]


def _softmax_equation(walk: Walk) -> Equation:
    yhat = [walk.a(o) for o in walk.outputs]
    s = _softmax_values(walk)
    if len(yhat) == 1:
        return Equation(walk.reserved("s"), softmax(Var("ŷ", yhat[0])), s[0])
    return Equation(walk.reserved("s"), softmax(Var("ŷ", tuple(yhat))), tuple(s))


def _loss_formula(walk: Walk) -> Expr:
    name, many = walk.loss.name, len(walk.outputs) > 1
    yhat, y = _outputs(walk), _targets(walk)
    if name in ("half_sse", "sse", "mse"):
        squares: list[Expr] = [Square(Diff(t, o) if name == "half_sse" else Diff(o, t))
                               for o, t in zip(yhat, y, strict=True)]
        total: Expr = Group(Sum(squares), "[]") if many else squares[0]
        if name == "half_sse":
            return Prod([HALF, total], implicit=True)
        if name == "mse" and many:
            return Prod([Group(Quot(ONE, Const(len(yhat)))), total], implicit=True)
        return total
    if name == "output":
        return Sum(list(yhat)) if many else yhat[0]
    if name == "bce":
        terms: list[Expr] = [
            Group(Sum([Prod([t, ln(p)], implicit=True),
                       Prod([Diff(ONE, t), ln(Diff(ONE, p))], implicit=True)]), "[]")
            for p, t in zip(_probabilities(walk), y, strict=True)]
        return Neg(Group(Sum(terms)) if many else terms[0])
    logs: list[Expr] = [Prod([t, ln(s)], implicit=True)
                        for s, t in zip(_softmax_vars(walk), y, strict=True)]
    return Neg(Group(Sum(logs), "[]") if many else logs[0])


def output_gradient_equation(walk: Walk, k: int) -> Equation:
    """∂ℓ/∂ŷ_k for output ``k`` (file order) in symbols and numbers."""
    return Equation(f"∂L/∂{walk.yhat_sym(walk.outputs[k])}", output_gradient(walk, k),
                    walk.loss_and_gradient()[1][k])


def output_gradient(walk: Walk, k: int) -> Expr:
    """The formula of ∂ℓ/∂ŷ_k (also a path's first factor)."""
    name = walk.loss.name
    yhat, y = _outputs(walk)[k], _targets(walk)[k]
    if name == "half_sse":
        return Diff(yhat, y)
    if name == "sse":
        return Prod([TWO, Diff(yhat, y)], implicit=True)
    if name == "mse":
        return Quot(Prod([TWO, Diff(yhat, y)], implicit=True), Const(len(walk.outputs)))
    if name == "output":
        return ONE
    if name == "bce":
        p = _probabilities(walk)[k]
        return Quot(Diff(p, y), Prod([p, Diff(ONE, p)], implicit=True))
    s = _softmax_vars(walk)[k]
    return Diff(Prod([s, Var("Σy", sum(walk.y))]), y)
