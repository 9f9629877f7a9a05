"""Guard digits: as many digits for each printed number as the printed arithmetic needs.

A student redoes every printed equation from the numbers as printed. Rounding each
operand to the shown digits is usually enough, but not where the formula cancels
(1 − a² with a = 0.9993, a(1 − a) near saturation, a small difference of large
terms) or where several operands each lose up to half a unit. There the operands
that matter get more digits, one digit at a time, to the one whose rounding moves
the result most, until the numbers as printed give the printed result within
:data:`TOLERANCE` of a unit of its last digit. (The alternative, printing a
cancelling factor's value as an intermediate, needs the same guard digits inside
the intermediate, so it would only add a line.)

Results keep their digits: z₁ = −2 and a₁ = −0.964 read as the seed prints them,
and an operand shows more digits only where it is reused and must.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bpgui.engine.expression import Expr, Var, as_array

MAX_DIGITS = 17        # a double's value is fixed by 17 significant digits
TOLERANCE = 0.9        # of a unit of the result's last digit; the promise is one unit
NOISE = 1e-14          # double-precision noise, relative to the largest magnitude involved
MAX_ROUNDS = 64        # then every operand gets all its digits

Digits = dict[Var, Any]        # a Var's significant digits: an int, or an array of them


def rounded(value: float, digits: int) -> float:
    """``value`` rounded to ``digits`` significant digits, as :func:`bpgui.numbers.fmt`
    prints it."""
    return float(f"{value:.{digits}g}")


def per_element(digits: Any, value: Any) -> np.ndarray:
    """``digits`` (an int, or an array of the value's shape) for each element, flattened."""
    return np.broadcast_to(np.asarray(digits), np.shape(np.asarray(value, dtype=float))).ravel()


def shown_value(value: Any, digits: np.ndarray) -> np.ndarray:
    """The printed result, flattened (``digits`` per element)."""
    flat = np.asarray(value, dtype=np.float64).ravel()
    return np.array([rounded(float(v), int(g)) for v, g in zip(flat, digits, strict=True)])


def last_digit_units(shown: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """Per element, the unit of the printed result's last significant digit (0 for 0)."""
    units = np.zeros_like(shown)
    for k, (v, g) in enumerate(zip(shown, digits, strict=True)):
        if v != 0 and np.isfinite(v):
            exponent = int(f"{v:.{int(g) - 1}e}".split("e")[1])
            units[k] = 10.0 ** (exponent - int(g) + 1)
    return units


def magnitude(expr: Expr, leaf: Any) -> float:
    """The largest magnitude of any value met in evaluating ``expr``: the scale of its
    double-precision rounding noise."""
    here = float(np.max(np.abs(np.asarray(expr.evaluate(leaf), dtype=np.float64)), initial=0.0))
    return max([here, *(magnitude(c, leaf) for c in expr.children())])


class _Search:
    """One equation's search: its leaves, their rounded values, the printed result."""

    def __init__(self, expr: Expr, result: Any, result_digits: Any, digits: int) -> None:
        self.expr = expr
        self.leaves = list(dict.fromkeys(expr.leaves()))
        self.shapes = {v: np.shape(np.asarray(v.value, dtype=float)) for v in self.leaves}
        self.exact_values = {v: np.asarray(v.value, dtype=np.float64).ravel()
                             for v in self.leaves}
        result_digits = per_element(result_digits, result)
        self.shown = shown_value(result, result_digits)
        self.units = last_digit_units(self.shown, result_digits)
        self.digits = digits
        self._noise: float | None = None
        self._rounded: dict[tuple[float, int], float] = {}

    # -------------------------------------------------------------- evaluation
    def _round(self, value: float, digits: int) -> float:
        key = (value, digits)
        if key not in self._rounded:
            self._rounded[key] = rounded(value, digits)
        return self._rounded[key]

    def leaf_value(self, var: Var, digits: Any) -> Any:
        if not isinstance(var.value, tuple):
            return np.float64(self._round(float(var.value), int(digits)))
        flat = self.exact_values[var]
        per = per_element(digits, var.value)
        values = np.array([self._round(float(v), int(g)) for v, g in zip(flat, per, strict=True)])
        return as_array(_nested(values.reshape(self.shapes[var])))

    def face(self, digits: Digits) -> np.ndarray:
        """The formula evaluated from its numbers as printed with ``digits`` (a rounded
        operand may leave a function's domain, ln(1 − 1): that is an infinite miss)."""
        value = self.expr.evaluate(lambda v: self.leaf_value(v, digits[v]))
        return np.asarray(value, dtype=np.float64).ravel()

    def noise(self) -> float:
        if self._noise is None:
            self._noise = NOISE * magnitude(self.expr, lambda v: as_array(v.value))
        return self._noise

    def excess(self, face: np.ndarray) -> float:
        """How far the worst element misses, in its allowance (≤ 1 is true enough)."""
        miss = np.abs(face - self.shown)
        if not np.all(np.isfinite(miss)):
            return float("inf")
        if np.all(miss <= TOLERANCE * self.units):
            return 0.0
        allowance = TOLERANCE * self.units + self.noise()
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(miss > 0, miss / np.where(allowance > 0, allowance, 1e-300), 0.0)
        return float(np.max(ratio))

    # ------------------------------------------------------------------ search
    def run(self) -> Digits:
        digits: Digits = {v: self.digits if not self.shapes[v] else
                          np.full(self.shapes[v], self.digits) for v in self.leaves}
        if self.excess(self.face(digits)) <= 1:
            return digits
        inexact = [(v, k) for v in self.leaves
                   for k, value in enumerate(self.exact_values[v])
                   if self._round(float(value), self.digits) != value]
        for _ in range(MAX_ROUNDS):
            candidates = [(v, k) for v, k in inexact if _get(digits, v, k) < MAX_DIGITS]
            if not candidates:
                break
            base = self.face(digits)
            scale = np.where(self.units > 0, self.units, max(self.noise(), 1e-300))
            best, best_effect = candidates[0], -1.0
            for v, k in candidates:
                trial = _with(digits, v, k, MAX_DIGITS)
                effect = float(np.max(np.abs(self.face(trial) - base) / scale))
                if effect > best_effect:
                    best, best_effect = (v, k), effect
            digits = _with(digits, *best, _get(digits, *best) + 1)
            if self.excess(self.face(digits)) <= 1:
                return digits
        for v, k in inexact:
            digits = _with(digits, v, k, MAX_DIGITS)
        return digits


def _nested(values: np.ndarray) -> Any:
    return tuple(_nested(v) for v in values) if values.ndim else float(values)


def _get(digits: Digits, var: Var, k: int) -> int:
    d = digits[var]
    return int(d) if np.ndim(d) == 0 else int(np.ravel(d)[k])


def _with(digits: Digits, var: Var, k: int, value: int) -> Digits:
    """A copy of ``digits`` with element ``k`` of ``var`` set to ``value``."""
    changed = dict(digits)
    if np.ndim(digits[var]) == 0:
        changed[var] = value
    else:
        array = np.array(digits[var])
        array.ravel()[k] = value
        changed[var] = array
    return changed


def operand_digits(expr: Expr, result: Any, digits: int, result_digits: Any = None) -> Digits:
    """Significant digits for each Var of ``expr`` (at least ``digits``) such that ``expr``
    evaluated from its printed numbers gives ``result`` as printed with ``result_digits``
    (``digits`` by default) within :data:`TOLERANCE` of a unit of its last digit, or within
    double-precision noise where the result is far below its terms."""
    with np.errstate(all="ignore"):          # a rounded operand may leave ln's domain
        return _Search(expr, result, digits if result_digits is None else result_digits,
                       digits).run()
