"""The formulas of a pass as expression trees: f(z), f′(z), ln, clamp, softmax, updates.

The steps, the paths and the single update all build their formulas from these,
so a derivative reads the same in a backward step and on a path, and each
function evaluates exactly as the engine computes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bpgui.engine.expression import (
    ONE,
    Call,
    Const,
    Diff,
    Expr,
    Indicator,
    Prod,
    Square,
    Var,
)
from bpgui.engine.functions import (
    ACTIVATION_TABLE,
    BCE_CLAMP,
    LEAKY_SLOPE,
    log_softmax,
    sigmoid,
)
from bpgui.model import ACTIVATIONS


def activation(name: str, z: Expr) -> Expr:
    """``σ(z_h1)``; the identity is z itself."""
    if name == "identity":
        return z
    act = ACTIVATION_TABLE[name]
    return Call(act.symbol, z, act.f)


def elementwise(names: Sequence[str], z: Expr) -> Expr:
    """A level's activations applied entry by entry: ``tanh(z₁)``, or ``(σ, tanh)(z₁)``
    when its neurons differ."""
    distinct = list(dict.fromkeys(names))
    if len(distinct) == 1:
        act = ACTIVATION_TABLE[distinct[0]]
        return Call(act.symbol, z, act.f)
    functions = [ACTIVATION_TABLE[n].f for n in names]

    def apply(column: Any) -> Any:
        values = np.asarray(column, dtype=np.float64).reshape(-1)
        return np.array([float(f(np.float64(v))) for f, v in zip(functions, values,
                                                                  strict=True)]).reshape(-1, 1)

    return Call(level_symbol(names), z, apply)


def level_symbol(names: Sequence[str]) -> str:
    """``tanh``, or ``(σ, tanh)`` for a level whose neurons' activations differ."""
    symbols = [ACTIVATION_TABLE[n].symbol for n in names]
    return symbols[0] if len(set(symbols)) == 1 else "(" + ", ".join(symbols) + ")"


_DERIVATIVES: dict[str, Callable[[Var, Var], Expr]] = {
    "identity": lambda z, a: ONE,
    "sigmoid": lambda z, a: Prod([a, Diff(ONE, a)], implicit=True),
    "tanh": lambda z, a: Diff(ONE, Square(a)),
    "relu": lambda z, a: Indicator(z),
    "leaky_relu": lambda z, a: Indicator(z, LEAKY_SLOPE),
    "softplus": lambda z, a: Call("σ", z, sigmoid),
    "sin": lambda z, a: Call("cos", z, np.cos),
}
assert tuple(_DERIVATIVES) == ACTIVATIONS


def derivative_expr(name: str, z: Var, a: Var) -> Expr:
    """f′ written from the cached a where the seeds do (σ: a(1 − a), tanh: 1 − a²), else
    from z."""
    return _DERIVATIVES[name](z, a)


def ln(argument: Expr) -> Expr:
    """``ln ŷ``, ``ln(1 − ŷ)``."""
    return Call("ln", argument, np.log, bare=True)


def clamp(argument: Expr) -> Expr:
    """bce's p = ŷ clamped to [10⁻¹², 1 − 10⁻¹²]."""
    return Call("clamp", argument, lambda v: np.clip(v, BCE_CLAMP, 1.0 - BCE_CLAMP))


def softmax(argument: Expr) -> Expr:
    """``softmax(ŷ)`` of the outputs (a column vector, or one number)."""
    return Call("softmax", argument, lambda v: np.exp(log_softmax(np.asarray(v).ravel()))
                .reshape(np.shape(v)))


def update(name: str, old: Any, eta: float, gradient: Expr) -> Expr:
    """``θ − η·g``."""
    return Diff(Var(name, old), Prod([Var("η", eta), gradient]))


def constant(value: float) -> Const:
    """An exact number written the same in both lines (a count, a slope)."""
    return Const(value)
