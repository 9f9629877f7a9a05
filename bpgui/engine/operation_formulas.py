"""How an operation node's value and its local derivatives are written (issue 14).

An operation node computes op(operands), each operand an incoming edge's w·v in file
order. The step text writes each operand with its weight as a coefficient, exactly
(``2·x``, ``(−0.5)·a_h1``), and a lone operand of weight 1 bare (``sin(a)``), so the
forward reads as the expression it is: ``a = 2·x + 1·y``, ``z = sin(a)``. The local
derivatives are written in the shapes the seeds teach: ``cos(u)`` for sin′, ``1 − v²``
for tanh′ and ``v(1 − v)`` for σ′ from the node's own value v, ``[u > 0]`` for ReLU′
(``(1 if u > 0 else 0.01)`` for leaky ReLU′), ``σ(u)`` for softplus′, ``p·u^(p−1)`` for
pow, ``1/v`` and ``−u/v²`` for div, and for max/min the 1 or 0 of the first extreme.
Every tree evaluates from its printed numbers as the operation table
(:mod:`bpgui.network.operations`) computes it, so guard digits keep each equation true.

The expression kinds only operation nodes use (``u^p``, ``√u``, ``max(u, v)``) live here
too, with the rest of :mod:`bpgui.engine.expression`'s rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bpgui.engine.expression import (
    ATOM,
    ONE,
    POW,
    PROD,
    TWO,
    Call,
    Const,
    Diff,
    Expr,
    Group,
    Indicator,
    Leaf,
    Neg,
    Prod,
    Quot,
    Square,
    Sum,
    Var,
    Writer,
    _number_precedence,
    _Unary,
    _wrap,
)
from bpgui.engine.formulas import ln
from bpgui.network.functions import LEAKY_SLOPE, sigmoid
from bpgui.network.numbers import fmt


def exact_text(value: float) -> str:
    """The shortest printed form that reads back as exactly ``value`` (``0.1``, ``−2``,
    ``1×10⁻⁵``): how a constant that must stay exact (a weight written as an operation's
    coefficient, an exponent) is written in both lines."""
    value = float(value)
    for digits in range(1, 18):
        if float(f"{value:.{digits}g}") == value:
            return fmt(value, digits)
    return fmt(value, 17)


def exact(value: float) -> Const:
    """A constant written exactly: a coefficient, an exponent, a const node's value."""
    return Const(value, exact_text(value))


class Power(_Unary):
    """``u^p`` for a constant exponent: ``x^3``, ``(2·x)^(−0.5)``; the base is
    parenthesised as a square's is, a negative or scientific exponent too."""

    __slots__ = ("exponent",)

    def __init__(self, operand: Expr, exponent: float) -> None:
        super().__init__(operand)
        self.exponent = float(exponent)

    def write(self, w: Writer) -> tuple[str, int]:
        p = exact_text(self.exponent)
        p = p if _number_precedence(p) == ATOM else f"({p})"
        return f"{_wrap(self.operand.write(w), ATOM)}^{p}", POW

    def evaluate(self, leaf: Leaf) -> Any:
        with np.errstate(all="ignore"):
            return np.power(self.operand.evaluate(leaf), self.exponent)


class Root(_Unary):
    """``√u``: ``√x``, ``√(2·x)``."""

    __slots__ = ()

    def write(self, w: Writer) -> tuple[str, int]:
        return "√" + _wrap(self.operand.write(w), ATOM), POW

    def evaluate(self, leaf: Leaf) -> Any:
        with np.errstate(all="ignore"):
            return np.sqrt(self.operand.evaluate(leaf))


class Extreme(Expr):
    """``max(u, v, w)`` or ``min(u, v)``."""

    __slots__ = ("arguments", "name")

    def __init__(self, name: str, arguments: Sequence[Expr]) -> None:
        self.name, self.arguments = name, tuple(arguments)

    def children(self) -> Sequence[Expr]:
        return self.arguments

    def write(self, w: Writer) -> tuple[str, int]:
        return f"{self.name}({', '.join(a.write(w)[0] for a in self.arguments)})", ATOM

    def evaluate(self, leaf: Leaf) -> Any:
        values = [a.evaluate(leaf) for a in self.arguments]
        return np.float64(max(values) if self.name == "max" else min(values))


def _grouped(u: Expr) -> Expr:
    """An operand as a factor: bracketed when it is a compound (``(2·x)·(1·y)``)."""
    return u if u.write(Writer())[1] == ATOM else Group(u)


_CALLS: dict[str, tuple[str, Any]] = {
    "exp": ("exp", np.exp), "sin": ("sin", np.sin), "cos": ("cos", np.cos),
    "tanh": ("tanh", np.tanh), "sigmoid": ("σ", sigmoid),
    "relu": ("ReLU", lambda v: np.maximum(v, 0.0)),
    "leaky_relu": ("LReLU", lambda v: np.where(v > 0, v, LEAKY_SLOPE * v)),
    "softplus": ("softplus", lambda v: np.logaddexp(0.0, v)),
}


def operation_value(name: str, param: float | None, operands: Sequence[Expr]) -> Expr:
    """op(operands) in symbols: ``2·x + 1·y``, ``sin(a)``, ``max(u, v)``, ``ln u``, ``√u``."""
    u = list(operands)
    if name == "const":
        return exact(float(param or 0.0))
    if name in _CALLS:
        symbol, function = _CALLS[name]
        return Call(symbol, u[0], function)
    if len(u) == 1 and name in ("add", "mul", "max", "min"):
        return u[0]
    if name == "add":
        return Sum(u)
    if name == "sub":
        return Diff(u[0], u[1])
    if name == "mul":
        return Prod([_grouped(x) for x in u])
    if name == "div":
        return Quot(_grouped(u[0]), _grouped(u[1]))
    if name in ("max", "min"):
        return Extreme(name, u)
    if name == "neg":
        return Neg(u[0])
    if name == "square":
        return Square(u[0])
    if name == "pow":
        return Power(u[0], float(param if param is not None else 1.0))
    if name == "sqrt":
        return Root(u[0])
    if name == "log":
        return ln(u[0])
    raise ValueError(f"no formula for operation {name!r}")


def local_derivative(name: str, param: float | None, operands: Sequence[Expr], k: int,
                     node: Var, value: float) -> Expr:
    """∂op/∂(operand k) in symbols, from the operands and the node's value ``node``;
    ``value`` is the table's number (max/min's 1 or 0, written as it is)."""
    u = list(operands)
    if name in ("add", "sub"):
        return ONE if k == 0 else (ONE if name == "add" else exact(-1.0))
    if name == "neg":
        return exact(-1.0)
    if name in ("max", "min"):
        return exact(value)
    if name == "mul":
        others = [_grouped(x) for j, x in enumerate(u) if j != k]
        return Prod(others) if len(others) > 1 else (others[0] if others else ONE)
    if name == "div":
        if k == 0:
            return Quot(ONE, _grouped(u[1]))
        return Neg(Quot(_grouped(u[0]), Square(u[1])))
    if name == "square":
        return Prod([TWO, _grouped(u[0])])
    if name == "pow":
        p = float(param if param is not None else 1.0)
        return exact(0.0) if p == 0 else Prod([exact(p), Power(u[0], p - 1.0)])
    if name == "sqrt":
        return Quot(ONE, Prod([TWO, node]))
    if name == "exp":
        return node
    if name == "log":
        return Quot(ONE, _grouped(u[0]))
    if name == "sin":
        return Call("cos", u[0], np.cos)
    if name == "cos":
        return Neg(Call("sin", u[0], np.sin))
    if name == "tanh":
        return Diff(ONE, Square(node))
    if name == "sigmoid":
        return Prod([node, Diff(ONE, node)], implicit=True)
    if name == "relu":
        return Indicator(u[0])
    if name == "leaky_relu":
        return Indicator(u[0], LEAKY_SLOPE)
    if name == "softplus":
        return Call("σ", u[0], sigmoid)
    raise ValueError(f"no local derivative for operation {name!r}")


def as_factor(expr: Expr) -> Expr:
    """A local derivative inside a product, bracketed when it is more than one factor's
    worth (``(1/(2·s))``, ``(1 − z²)``) and left alone when it reads as one."""
    precedence = expr.write(Writer())[1]
    return expr if precedence > PROD else Group(expr)
