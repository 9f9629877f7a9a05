"""The formulas of a pass as expression trees: f(z), f′(z), ln, clamp, softmax.

The steps and the paths build their formulas from these, so a derivative reads
the same in a backward step and on a path, and each function evaluates exactly as
the engine computes it. How an activation's f and f′ are written is data in its entry
of :mod:`bpgui.network.functions`; this module turns that data into trees. An update's
formula belongs to the update rule (:mod:`bpgui.engine.optimizers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bpgui.engine.expression import (
    ONE,
    ZERO,
    Call,
    Diff,
    Expr,
    Group,
    Indicator,
    Prod,
    Square,
    Sum,
    Var,
)
from bpgui.network import functions
from bpgui.network.functions import ACTIVATION_TABLE, BCE_CLAMP, log_softmax


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
        return np.array([float(f(np.array(v))) for f, v in zip(functions, values,
                                                                strict=True)]).reshape(-1, 1)

    return Call(level_symbol(names), z, apply)


def level_symbol(names: Sequence[str]) -> str:
    """``tanh``, or ``(σ, tanh)`` for a level whose neurons' activations differ."""
    symbols = [ACTIVATION_TABLE[n].symbol for n in names]
    return symbols[0] if len(set(symbols)) == 1 else "(" + ", ".join(symbols) + ")"


def derivative_expr(name: str, z: Var, a: Var) -> Expr:
    """f′ in the form its table entry gives: from the cached a where the seeds do
    (σ: a(1 − a), tanh: 1 − a²), else from z."""
    act = ACTIVATION_TABLE[name]
    prime = act.prime
    if prime.form == functions.ONE:
        return ONE
    if prime.form == functions.A_ONE_MINUS_A:
        return Prod([a, Diff(ONE, a)], implicit=True)
    if prime.form == functions.ONE_MINUS_A_SQUARED:
        return Diff(ONE, Square(a))
    if prime.form == functions.STEP:
        return Indicator(z, prime.low)
    of = prime.of or (lambda v: act.derivative_from(v, act.f(v)))
    return Call(prime.symbol or f"{act.symbol}′", z, of)


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


# Builders for deferred formulas (``(builder, *values)``, see records.Equation): plain
# values in, a tree out. A *part* is ``(symbol, value)``, or ``(symbol, value, symbol,
# value)`` for the product of two quantities, or a tree already built (a term through
# an operation node, ``2·∂L/∂a``).
Part = tuple[Any, ...] | Expr


def part(p: Part) -> Expr:
    """A quantity, ``w7·δ_y``, or a term already built."""
    if isinstance(p, Expr):
        return p
    return Var(p[0], p[1]) if len(p) == 2 else Prod([Var(p[0], p[1]), Var(p[2], p[3])])


def total(parts: tuple[Part, ...]) -> Expr:
    """``w1·x1 + w3·x2 + b_h1``; 0 when there is nothing to sum."""
    return Sum([part(p) for p in parts]) if parts else ZERO


def activation_of(name: str, z_symbol: str, z: float) -> Expr:
    return activation(name, Var(z_symbol, z))


def delta(name: str, z_symbol: str, z: float, a_symbol: str, a: float,
          upstream: Part | None) -> Expr:
    """δ = f′(z)·∂L/∂a, the upstream as one quantity, or a product shown as one term in
    the seed's form ``(1 − a_h1²)·(w7·δ_y)``, or 0 for a neuron that reaches no loss."""
    if upstream is None:
        rest: Expr = ZERO
    elif isinstance(upstream, Expr):
        rest = Group(upstream) if isinstance(upstream, Prod) else upstream
    elif len(upstream) == 4:
        rest = Group(part(upstream))
    else:
        rest = part(upstream)
    return Prod([derivative_expr(name, Var(z_symbol, z), Var(a_symbol, a)), rest])
