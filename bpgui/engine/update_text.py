"""One parameter's update written out, line by line, by its rule and from its rule's state.

Plain gradient descent is one line, ``w1 ← w1 − η·∂L/∂w1``. A rule with state first
updates the state, then the parameter, each a line with its numbers, as a student
works it by hand::

    v_w1 ← β·v_w1 + ∂L/∂w1 = 0.9·0.12 + 0.03 = 0.138
    w1 ← w1 − η·v_w1 = 0.4 − 0.5·0.138 = 0.331

Adam writes m, v, the bias-corrected m̂ = m/(1 − β₁ᵗ) and v̂ = v/(1 − β₂ᵗ) (the power
printed with the update's number: ``1 − 0.9²`` at t = 2), then the parameter. The state
symbols carry the parameter's name (``m_w1``, ``v̂_b_h1``): a step that updates several
parameters keeps their states apart, and the lines read in order, as assignments
(``←``): a state symbol on the right of a line after its own ``←`` line is its new value.
With L2 decay the gradient of a weight is written ``(∂L/∂w1 + λ·w1)``.

Every number comes from :meth:`~bpgui.engine.optimizers.Optimizer.trace`, which runs the
arithmetic of :meth:`~bpgui.engine.optimizers.Optimizer.step`: the printed new value is
the one training makes, to the last bit. The state comes from
:meth:`~bpgui.engine.optimizers.Optimizer.param_state` (the initial state, zeros at
t = 0, when no training has run).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bpgui.engine.expression import (
    ONE,
    POW,
    Call,
    Diff,
    Expr,
    Group,
    Prod,
    Quot,
    Square,
    Sum,
    Var,
    Writer,
)
from bpgui.engine.optimizers import SGD, Adam, Momentum, Optimizer, RMSprop
from bpgui.engine.records import Equation
from bpgui.engine.rule_state import ParamState, Trace

RULE_TITLES = {"sgd": "Gradient descent", "momentum": "Momentum",
               "nesterov": "Nesterov momentum", "rmsprop": "RMSprop", "adam": "Adam"}
"""Each rule's name in a sentence (the file's names are lower case)."""
RULE_STATES = {"momentum": "velocity v", "nesterov": "velocity v", "rmsprop": "mean square v",
               "adam": "moments m and v"}
"""What each rule with state keeps for every parameter."""

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


class Power(Expr):
    """``β₁ᵗ`` in symbols, ``0.9²`` with numbers: a rule's setting to the update's number."""

    __slots__ = ("base", "t")

    def __init__(self, base: Var, t: int) -> None:
        self.base, self.t = base, t

    def children(self) -> Sequence[Expr]:
        return (self.base,)

    def write(self, w: Writer) -> tuple[str, int]:
        text, precedence = self.base.write(w)
        text = f"({text})" if precedence < POW + 1 else text
        return text + (str(self.t).translate(_SUPERSCRIPT) if w.numbers else "ᵗ"), POW

    def evaluate(self, leaf: Any) -> Any:
        return self.base.evaluate(leaf) ** self.t


def _sqrt(x: Any) -> Any:
    return np.sqrt(x)


def _value(x: Any) -> Any:
    """A stored value: a float, or nested tuples for an array."""
    if np.ndim(x) == 0:
        return float(x)
    return tuple(_value(v) for v in np.asarray(x))


def update_equations(optimizer: Optimizer, name: str, old: Any, gradient: Expr,
                     weight: bool = True, state: ParamState | None = None) -> list[Equation]:
    """The update of parameter ``name`` (value ``old``, gradient written ``gradient``, a
    quantity or a masked one) from the rule's ``state`` (the initial one when None): the
    state's lines, then ``name ← …`` whose result is the parameter's new value."""
    g_value = gradient.evaluate(lambda var: np.asarray(var.value, dtype=np.float64))
    g_value = float(g_value) if np.ndim(g_value) == 0 else g_value
    if isinstance(optimizer, SGD):
        new = optimizer.updated(old, g_value, weight)
        return [Equation(name, optimizer.formula(name, old, gradient, weight), new, "←",
                         before=old)]
    tr = optimizer.trace(old, g_value, weight, state)
    before = (state or ParamState()).slots or (0.0,) * len(tr.slots)
    g = _decayed(optimizer, name, old, gradient, weight)
    if isinstance(optimizer, Adam):
        lines = _adam(optimizer, name, g, tr, before)
        direction: Expr = Quot(Var(f"m̂_{name}", _value(tr.hats[0])), _denominator(
            Var(f"v̂_{name}", _value(tr.hats[1])), optimizer.eps))
    elif isinstance(optimizer, RMSprop):
        v = Var(f"v_{name}", _value(before[0]))
        lines = [Equation(f"v_{name}", Sum([
            Prod([Var("α", optimizer.alpha), v]),
            Prod([Group(Diff(ONE, Var("α", optimizer.alpha))), Square(_alone(g))])]),
            _value(tr.slots[0]), "←", before=_value(before[0]))]
        direction = Quot(_alone(g), _denominator(Var(f"v_{name}", _value(tr.slots[0])),
                                                 optimizer.eps))
    else:
        assert isinstance(optimizer, Momentum)
        beta = Var("β", optimizer.momentum)
        lines = [Equation(f"v_{name}", Sum([Prod([beta, Var(f"v_{name}", _value(before[0]))]),
                                            g]),
                          _value(tr.slots[0]), "←", before=_value(before[0]))]
        v_new = Var(f"v_{name}", _value(tr.slots[0]))
        direction = Group(Sum([g, Prod([beta, v_new])])) if optimizer.nesterov else v_new
    step = Diff(Var(name, old), Prod([Var("η", optimizer.learning_rate), direction]))
    return [*lines, Equation(name, step, _value(tr.new), "←", before=old)]


def _alone(g: Expr) -> Expr:
    """``(∂L/∂w1)`` where a square or a quotient would otherwise read ∂L/∂w1² or
    ∂L/∂w1/(…)."""
    return Group(g) if isinstance(g, Var) and "/" in g.symbol else g


def _decayed(optimizer: Optimizer, name: str, old: Any, gradient: Expr, weight: bool) -> Expr:
    """g, or (g + λ·θ) where L2 decay applies (a weight, λ > 0)."""
    l2 = float(getattr(optimizer, "l2", 0.0))
    if l2 and weight:
        return Group(Sum([gradient, Prod([Var("λ", l2), Var(name, old)])]))
    return gradient


def _denominator(root: Var, eps: float) -> Expr:
    """(√v + ε)."""
    return Group(Sum([Call("√", root, _sqrt), Var("ε", eps)]))


def _adam(rule: Adam, name: str, g: Expr, tr: Trace, before: Sequence[Any]) -> list[Equation]:
    b1, b2 = Var("β₁", rule.beta1), Var("β₂", rule.beta2)
    m_old, v_old = (_value(x) for x in before)
    m_new, v_new = (_value(x) for x in tr.slots)
    return [
        Equation(f"m_{name}", Sum([Prod([b1, Var(f"m_{name}", m_old)]),
                                   Prod([Group(Diff(ONE, b1)), g])]), m_new, "←", before=m_old),
        Equation(f"v_{name}", Sum([Prod([b2, Var(f"v_{name}", v_old)]),
                                   Prod([Group(Diff(ONE, b2)), Square(_alone(g))])]),
                 v_new, "←", before=v_old),
        Equation(f"m̂_{name}", Quot(Var(f"m_{name}", m_new), Group(Diff(ONE, Power(b1, tr.t)))),
                 _value(tr.hats[0])),
        Equation(f"v̂_{name}", Quot(Var(f"v_{name}", v_new), Group(Diff(ONE, Power(b2, tr.t)))),
                 _value(tr.hats[1])),
    ]


def update_formula(optimizer: SGD, name: str, old: Any, gradient_symbol: str,
                   gradient: Any, weight: bool = True) -> Expr:
    """Plain gradient descent's one line with the gradient a quantity: a builder for a
    deferred equation, ``(update_formula, optimizer, name, old, "∂L/∂w1", g)``."""
    return optimizer.formula(name, old, Var(gradient_symbol, gradient), weight)
