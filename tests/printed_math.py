"""Evaluating bpgui's printed equations, read by :mod:`tests.printed_notation`, for tests.

Two evaluators over a :class:`~tests.printed_notation.Node` tree, each with pluggable
leaves:

- :class:`Exact`: every printed number is the exact decimal value of its text (a
  Fraction); + − · / ², ⊙ and matrix products are exact; transcendental functions are
  computed in double precision from the Fraction and converted back. It records the
  largest magnitude met (the guarantee allows 1e-13 of it for double-precision noise).
- :class:`Bounds`: intervals. A printed number that stands for a rounded quantity is
  [v − h, v + h], h = ½·:func:`~tests.printed_notation.unit`; constants are exact; every
  operator and function is bounded rigorously (monotone ones by endpoints, ² and sin/cos
  with their extrema, softmax per entry by monotonicity, division by an interval holding
  0 is unbounded).

Values are scalars of the domain or matrices: a tuple of row tuples, a vector being a
column (n × 1); a 1 × 1 matrix is a scalar. Like the parser it shares no code with
``bpgui.engine``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from tests.printed_notation import Node, number_value, unit

CLAMP = Fraction(1, 10**12)


class EvalError(ArithmeticError):
    """The tree has no value (ln of a non-positive number, shapes that do not agree, …)."""


# ------------------------------------------------------------------ matrix arithmetic
Value = Any          # a domain scalar, or a matrix: tuple of row tuples


def is_matrix(v: Value) -> bool:
    return isinstance(v, tuple)


def shape(v: Value) -> tuple[int, int]:
    return (len(v), len(v[0])) if is_matrix(v) else (1, 1)


def entries(v: Value) -> list[Any]:
    return [x for row in v for x in row] if is_matrix(v) else [v]


def _norm(v: Value) -> Value:
    return v[0][0] if is_matrix(v) and shape(v) == (1, 1) else v


def elementwise(f: Callable[..., Any], *vs: Value) -> Value:
    """f entry by entry, scalars broadcast."""
    shapes = {shape(v) for v in vs if is_matrix(v)}
    if not shapes:
        return f(*vs)
    if len(shapes) > 1:
        raise EvalError(f"shapes {sorted(shapes)} do not agree")
    (rows, cols), = shapes
    return tuple(tuple(f(*(v[r][c] if is_matrix(v) else v for v in vs)) for c in range(cols))
                 for r in range(rows))


def _matmul(dom: Any, a: Value, b: Value) -> Value:
    if shape(a)[1] != shape(b)[0]:
        raise EvalError(f"cannot multiply {shape(a)} by {shape(b)}")
    total = dom.add
    return _norm(tuple(tuple(_sum(total, [dom.mul(a[r][k], b[k][c]) for k in range(len(b))])
                             for c in range(len(b[0]))) for r in range(len(a))))


def _sum(add: Callable[[Any, Any], Any], xs: list[Any]) -> Any:
    total = xs[0]
    for x in xs[1:]:
        total = add(total, x)
    return total


def _reshape(like: Value, xs: list[Any]) -> Value:
    if not is_matrix(like):
        return xs[0]
    cols = len(like[0])
    return tuple(tuple(xs[r * cols:(r + 1) * cols]) for r in range(len(like)))


def evaluate(node: Node, dom: Any, leaf: Callable[[Node], Value] | None = None) -> Value:
    """The tree's value in domain ``dom``; ``leaf`` gives each num and sym node's value
    (by default ``dom.literal``)."""
    leaf = leaf or dom.literal

    def ev(n: Node) -> Value:
        op, args = n.op, n.args
        if op in ("num", "sym"):
            return _norm(elementwise(dom.seen, leaf(n)))
        vals = [ev(a) for a in args]
        if op == "neg":
            return elementwise(dom.neg, vals[0])
        if op in ("+", "−", "⊙", "/"):
            f = {"+": dom.add, "−": dom.sub, "⊙": dom.mul, "/": dom.div}[op]
            return _norm(elementwise(f, *vals))
        if op == "·":
            if all(is_matrix(v) for v in vals):
                return _matmul(dom, *vals)
            return elementwise(dom.mul, *vals)
        if op == "²":
            return elementwise(dom.square, vals[0])
        if op == "^":
            return elementwise(dom.power, *vals)
        if op == "ᵀ":
            return _norm(tuple(zip(*vals[0], strict=True))) if is_matrix(vals[0]) else vals[0]
        if op == "vec":
            if all(not is_matrix(v) for v in vals):
                return _norm(tuple((v,) for v in vals))
            if all(is_matrix(v) and shape(v) == (shape(vals[0])[0], 1) for v in vals):
                return _norm(tuple(tuple(x for (x,) in v) for v in vals))
            raise EvalError("the rows of a matrix differ in length")
        if op == "iverson":
            return elementwise(dom.iverson, *vals)
        if op == "ifelse":
            return elementwise(dom.choose, *vals)
        names, prime = n.text.split(","), op == "call′"
        if names in (["max"], ["min"]):
            return elementwise(lambda *xs: dom.extreme(names[0], list(xs)), *vals)
        if names == ["softmax"]:
            return _reshape(vals[0], dom.softmax(entries(vals[0])))
        if len(names) > 1:
            xs = entries(vals[0])
            if len(xs) != len(names):
                raise EvalError(f"{len(names)} functions for {len(xs)} entries")
            return _reshape(vals[0], [dom.func(f, prime, x)
                                      for f, x in zip(names, xs, strict=True)])
        return elementwise(lambda x: dom.func(names[0], prime, x), vals[0])

    return ev(node)


# --------------------------------------------------------------------------- functions
def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _softplus(z: float) -> float:
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


_FLOAT: dict[str, Callable[[float], float]] = {
    "σ": _sigmoid, "tanh": math.tanh, "softplus": _softplus, "sin": math.sin,
    "cos": math.cos, "ln": math.log, "exp": math.exp, "√": math.sqrt}
_FLOAT_PRIME: dict[str, Callable[[float], float]] = {
    "σ": lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)), "tanh": lambda z: 1.0 - math.tanh(z) ** 2,
    "softplus": _sigmoid, "sin": math.cos, "cos": lambda z: -math.sin(z)}
_LINEAR: dict[str, Callable[[Any], Any]] = {            # piecewise linear: exact
    "id": lambda x: x, "ReLU": lambda x: x if x > 0 else Fraction(0),
    "LReLU": lambda x: x if x > 0 else x / 100, "clamp": lambda x: min(max(x, CLAMP), 1 - CLAMP)}
_LINEAR_PRIME: dict[str, Callable[[Any], Fraction]] = {
    "id": lambda x: Fraction(1), "ReLU": lambda x: Fraction(int(x > 0)),
    "LReLU": lambda x: Fraction(1) if x > 0 else Fraction(1, 100)}


class Exact:
    """Fractions; transcendental functions in double precision. ``peak`` is the largest
    magnitude met."""

    def __init__(self) -> None:
        self.peak = Fraction(0)

    def seen(self, v: Fraction) -> Fraction:
        self.peak = max(self.peak, abs(v))
        return v

    def literal(self, node: Node) -> Fraction:
        if node.op != "num":
            raise EvalError(f"no value for the symbol {node.text!r}")
        return number_value(node.text)

    def add(self, a: Fraction, b: Fraction) -> Fraction:
        return self.seen(a + b)

    def sub(self, a: Fraction, b: Fraction) -> Fraction:
        return self.seen(a - b)

    def mul(self, a: Fraction, b: Fraction) -> Fraction:
        return self.seen(a * b)

    def div(self, a: Fraction, b: Fraction) -> Fraction:
        if b == 0:
            raise EvalError("division by zero")
        return self.seen(a / b)

    def neg(self, a: Fraction) -> Fraction:
        return -a

    def square(self, a: Fraction) -> Fraction:
        return self.seen(a * a)

    def iverson(self, a: Fraction, b: Fraction) -> Fraction:
        return Fraction(int(a > b))

    def choose(self, then: Fraction, a: Fraction, b: Fraction, other: Fraction) -> Fraction:
        return then if a > b else other

    def func(self, name: str, prime: bool, x: Fraction) -> Fraction:
        if name in _LINEAR:
            return self.seen(Fraction((_LINEAR_PRIME if prime else _LINEAR)[name](x)))
        if name == "ln" and x <= 0:
            raise EvalError(f"ln of {float(x)!r}")
        if name == "√" and x < 0:
            raise EvalError(f"√ of {float(x)!r}")
        table = _FLOAT_PRIME if prime else _FLOAT
        if name not in table:
            raise EvalError(f"no function {name}{'′' * prime}")
        return self.seen(Fraction(table[name](float(x))))

    def extreme(self, name: str, xs: list[Fraction]) -> Fraction:
        return max(xs) if name == "max" else min(xs)

    def power(self, a: Fraction, p: Fraction) -> Fraction:
        if p.denominator == 1 and (a != 0 or p >= 0):       # exact; else in double precision
            return self.seen(a ** int(p))
        if a <= 0:
            raise EvalError(f"{float(a)!r}^{float(p)!r}")
        return self.seen(Fraction(float(a) ** float(p)))

    def softmax(self, xs: list[Fraction]) -> list[Fraction]:
        top = max(float(x) for x in xs)
        e = [math.exp(float(x) - top) for x in xs]
        return [self.seen(Fraction(v / sum(e))) for v in e]


# --------------------------------------------------------------------------- intervals
INF = math.inf


@dataclass(frozen=True)
class Interval:
    lo: Any          # a Fraction, or the float −inf
    hi: Any          # a Fraction, or the float +inf

    def __contains__(self, v: Fraction) -> bool:
        return self.lo <= v <= self.hi


def _times(a: Any, b: Any) -> Any:
    return 0 if a == 0 or b == 0 else a * b              # 0·∞ = 0 for interval ends


def _down(x: Any) -> Any:
    """The largest double ≤ x (x a Fraction or ±inf)."""
    f = float(x)
    return f if not math.isfinite(f) or Fraction(f) <= x else math.nextafter(f, -INF)


def _up(x: Any) -> Any:
    f = float(x)
    return f if not math.isfinite(f) or Fraction(f) >= x else math.nextafter(f, INF)


def _frac(x: float, direction: int) -> Any:
    """x widened by 8 ulps in ``direction`` (libm's error), as a Fraction unless infinite."""
    if not math.isfinite(x):
        return x
    return Fraction(x) + direction * 8 * Fraction(math.ulp(x))


def _extremum(lo: Any, hi: Any, at: float) -> bool:
    """Whether at + 2πk lies in [lo, hi] for some integer k."""
    k = math.ceil((float(lo) - at) / (2 * math.pi))
    return at + 2 * math.pi * k <= float(hi)


class Bounds:
    """Interval arithmetic; ``constant(node)`` tells a number that is exact (a constant of
    the formula) from one that stands for a quantity rounded at ``digits``."""

    def __init__(self, digits: int, constant: Callable[[Node], bool] = lambda node: False):
        self.digits, self.constant = digits, constant

    def seen(self, v: Interval) -> Interval:
        return v

    def literal(self, node: Node) -> Interval:
        if node.op != "num":
            raise EvalError(f"no value for the symbol {node.text!r}")
        v = number_value(node.text)
        if node.text == "½" or self.constant(node):
            return Interval(v, v)
        h = unit(node.text, self.digits) / 2
        return Interval(v - h, v + h)

    def add(self, a: Interval, b: Interval) -> Interval:
        return Interval(a.lo + b.lo, a.hi + b.hi)

    def neg(self, a: Interval) -> Interval:
        return Interval(-a.hi, -a.lo)

    def sub(self, a: Interval, b: Interval) -> Interval:
        return self.add(a, self.neg(b))

    def mul(self, a: Interval, b: Interval) -> Interval:
        ends = [_times(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
        return Interval(min(ends), max(ends))

    def div(self, a: Interval, b: Interval) -> Interval:
        if b.lo <= 0 <= b.hi:
            return Interval(-INF, INF)
        inverse = [0 if math.isinf(x) else 1 / x for x in (b.hi, b.lo)]
        return self.mul(a, Interval(*inverse))

    def square(self, a: Interval) -> Interval:
        ends = sorted([_times(a.lo, a.lo), _times(a.hi, a.hi)])
        return Interval(0 if a.lo <= 0 <= a.hi else ends[0], ends[1])

    def iverson(self, a: Interval, b: Interval) -> Interval:
        return self.choose(Interval(Fraction(1), Fraction(1)), a, b,
                           Interval(Fraction(0), Fraction(0)))

    def choose(self, then: Interval, a: Interval, b: Interval, other: Interval) -> Interval:
        d = self.sub(a, b)
        if d.lo > 0:
            return then
        if d.hi <= 0:
            return other
        return Interval(min(then.lo, other.lo), max(then.hi, other.hi))

    def func(self, name: str, prime: bool, x: Interval) -> Interval:
        if prime:
            raise EvalError("derivatives are not bounded (they only appear in symbols lines)")
        if name in _LINEAR:
            f = _LINEAR[name]
            return Interval(f(x.lo), f(x.hi))
        if name in ("sin", "cos"):
            return self._periodic(name, x)
        if name == "ln" and x.hi <= 0:
            raise EvalError(f"ln of an interval ≤ 0 ({float(x.hi)!r})")
        if name == "√":
            if x.hi < 0:
                raise EvalError(f"√ of an interval < 0 ({float(x.hi)!r})")
            x = Interval(max(x.lo, Fraction(0)), x.hi)
        f = _FLOAT[name]
        lo = -INF if name == "ln" and x.lo <= 0 else _frac(f(_down(x.lo)), -1)
        return Interval(lo, _frac(f(_up(x.hi)), 1))

    def extreme(self, name: str, xs: list[Interval]) -> Interval:
        return Interval(*((max if name == "max" else min)(getattr(x, e) for x in xs)
                          for e in ("lo", "hi")))

    def power(self, a: Interval, p: Interval) -> Interval:
        """a^p, p constant: monotone on each side of 0, so extreme at the ends or at 0."""
        if p.lo != p.hi:
            raise EvalError("an exponent is a constant")
        q, lo, hi = p.lo, a.lo, a.hi
        if q.denominator != 1:
            if hi < 0:
                raise EvalError("a fractional power of a negative interval")
            lo = max(lo, Fraction(0))
        if q < 0 and lo <= 0 <= hi:
            return Interval(-INF, INF)
        points = [lo, hi] + ([Fraction(0)] if lo < 0 < hi else [])
        if q.denominator == 1:                 # exact, ±inf ends as floats
            values = [x ** int(q) for x in points]
            return Interval(min(values), max(values))
        values = [float(x) ** float(q) for x in points]
        return Interval(_frac(min(values), -1), _frac(max(values), 1))

    def _periodic(self, name: str, x: Interval) -> Interval:
        if not (math.isfinite(x.lo) and math.isfinite(x.hi)) or x.hi - x.lo >= 7:
            return Interval(Fraction(-1), Fraction(1))
        f = _FLOAT[name]
        top, bottom = (math.pi / 2, -math.pi / 2) if name == "sin" else (0.0, math.pi)
        ends = [f(float(x.lo)), f(float(x.hi))]
        hi = 1.0 if _extremum(x.lo, x.hi, top) else max(ends)
        lo = -1.0 if _extremum(x.lo, x.hi, bottom) else min(ends)
        slack = 1e-15 * (1 + max(abs(float(x.lo)), abs(float(x.hi))))   # ends as doubles
        return Interval(Fraction(max(lo - slack, -1.0)), Fraction(min(hi + slack, 1.0)))

    def softmax(self, xs: list[Interval]) -> list[Interval]:
        if not all(math.isfinite(v) for x in xs for v in (x.lo, x.hi)):
            return [Interval(Fraction(0), Fraction(1))] * len(xs)
        top = max(float(x.hi) for x in xs)
        out = []
        for i, xi in enumerate(xs):      # increasing in its own entry, decreasing in others
            bounds = []
            for own, other in ((xi.lo, "hi"), (xi.hi, "lo")):
                e_own = math.exp(float(own) - top)
                rest = sum(math.exp(float(getattr(x, other)) - top)
                           for j, x in enumerate(xs) if j != i)
                bounds.append(e_own / (e_own + rest))
            out.append(Interval(_frac(bounds[0], -1) * (1 - Fraction(1, 10**14)),
                                _frac(bounds[1], 1) * (1 + Fraction(1, 10**14))))
        return out
