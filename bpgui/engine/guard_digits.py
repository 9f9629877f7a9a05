"""Guard digits: as many digits for each printed number as the printed arithmetic needs.

A student redoes every printed equation from the numbers as printed. Rounding each
operand to the shown digits is usually enough, but not where the formula cancels
(1 − a² with a = 0.9993, a(1 − a) near saturation, a small difference of large
terms) or where several operands each lose up to half a unit. There the operands
that matter get more digits, one digit at a time, to the one whose rounding moves
the result most, until the numbers as printed give the printed result within
:data:`TOLERANCE` of a unit of its last digit; if even 17 digits (a double's own
value) cannot, the result is rounding noise and the text shows the doubles that make
it. (The alternative, printing a
cancelling factor's value as an intermediate, needs the same guard digits inside
the intermediate, so it would only add a line.) A vector or matrix gains its digit
as a whole, so a layer's matrices stay evenly written.

Results keep their digits: z₁ = −2 and a₁ = −0.964 read as the seed prints them,
and an operand shows more digits only where it is reused and must.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from bpgui.engine.expression import Expr, Var, as_array

MAX_DIGITS = 17        # a double's value is fixed by 17 significant digits
TOLERANCE = 0.9        # of a unit of the result's last digit; the promise is one unit
NOISE = 1e-14          # double-precision noise, relative to the largest magnitude involved

Digits = dict[int, Any]   # id(Var) → its significant digits (int or array); absent: the base


def rounded(value: float, digits: int) -> float:
    """``value`` rounded to ``digits`` significant digits, as :func:`bpgui.network.numbers.fmt`
    prints it."""
    return float(f"{value:.{digits}g}")


def _rounded_value(value: Any, digits: int) -> Any:
    """A stored value (float or nested tuple) rounded elementwise, ready to evaluate."""
    if not isinstance(value, tuple):
        return np.float64(rounded(value, digits))
    return as_array(_map(value, lambda v: rounded(v, digits)))


def _map(value: Any, function: Any) -> Any:
    return tuple(_map(v, function) for v in value) if isinstance(value, tuple) else \
        function(value)


def per_element(digits: Any, value: Any) -> np.ndarray:
    """``digits`` (an int, or an array of the value's shape) for each element, flattened."""
    return np.broadcast_to(np.asarray(digits), np.shape(np.asarray(value, dtype=float))).ravel()


class Shown:
    """A result as printed, flattened, with the unit of each element's last digit."""

    __slots__ = ("units", "values")

    def __init__(self, result: Any, digits: Any) -> None:
        flat = np.asarray(result, dtype=np.float64).ravel()
        per = per_element(digits, result)
        self.values: NDArray[np.float64] = np.array(
            [rounded(float(v), int(g)) for v, g in zip(flat, per, strict=True)])
        self.units: NDArray[np.float64] = np.array(
            [_unit(float(v), int(g)) for v, g in zip(self.values, per, strict=True)])

    def misses(self, face: Any) -> np.ndarray:
        return np.abs(np.asarray(face, dtype=np.float64).ravel() - self.values)

    def close(self, face: Any) -> bool:
        """Within :data:`TOLERANCE` of a unit everywhere (noise not counted)."""
        miss = self.misses(face)
        return bool(np.all(miss <= TOLERANCE * self.units))


def magnitude(expr: Expr, leaf: Any) -> float:
    """The largest magnitude of any value met in evaluating ``expr``: the scale of its
    double-precision rounding noise."""
    here = float(np.max(np.abs(np.asarray(expr.evaluate(leaf), dtype=np.float64)), initial=0.0))
    return max([here, *(magnitude(c, leaf) for c in expr.children())])


class _Leaf:
    """One quantity of the formula: its exact values, and its values rounded to each
    number of digits tried (computed once per number of digits)."""

    __slots__ = ("digits", "exact", "inexact", "scalar", "shape", "tables", "var")

    def __init__(self, var: Var, digits: int) -> None:
        self.var = var
        self.scalar = not isinstance(var.value, tuple)
        self.shape = np.shape(np.asarray(var.value, dtype=np.float64))
        self.exact = np.asarray(var.value, dtype=np.float64).ravel()
        self.tables: dict[int, np.ndarray] = {}
        self.inexact = self.rounded(digits) != self.exact    # elements rounding changes
        self.digits = digits                                  # of its inexact elements

    def rounded(self, digits: int) -> np.ndarray:
        if digits not in self.tables:
            self.tables[digits] = np.array([rounded(float(v), digits) for v in self.exact])
        return self.tables[digits]

    def value(self) -> Any:
        """Its value for an evaluation, every inexact element rounded to its digits."""
        flat = self.rounded(self.digits)
        if self.scalar:
            return np.float64(flat[0])
        return flat.reshape(-1, 1) if len(self.shape) == 1 else flat.reshape(self.shape)

    def shown_digits(self, base: int) -> Any:
        """What to print with: its digits where rounding matters, ``base`` elsewhere (an
        exact 0.1 stays 0.1; it would read 0.10000000000000001 at 17 digits)."""
        if self.scalar:
            return self.digits if self.inexact[0] else base
        return np.where(self.inexact, self.digits, base).reshape(self.shape)


class _Search:
    """One equation's search over its inexact leaves."""

    def __init__(self, expr: Expr, shown: Shown, digits: int, minimum: Digits) -> None:
        self.expr = expr
        self.shown = shown
        self.base = digits
        self.by_id: dict[int, _Leaf] = {}     # a quantity written twice is one object
        for var in expr.leaves():
            if id(var) not in self.by_id:
                self.by_id[id(var)] = leaf = _Leaf(var, digits)
                leaf.digits = max(digits, minimum.get(id(var), digits))
        self.leaves = [leaf for leaf in self.by_id.values() if leaf.inexact.any()]
        self._noise: float | None = None

    @property
    def noise(self) -> float:
        """Double-precision noise of the evaluation (needed only for a result of 0)."""
        if self._noise is None:
            self._noise = NOISE * magnitude(self.expr, lambda v: as_array(v.value))
        return self._noise

    def face(self, exact: _Leaf | None = None) -> np.ndarray:
        """The formula evaluated from its numbers as printed (``exact`` unrounded)."""
        def leaf(var: Var) -> Any:
            found = self.by_id[id(var)]
            return as_array(var.value) if found is exact else found.value()

        return np.asarray(self.expr.evaluate(leaf), dtype=np.float64).ravel()

    def excess(self, face: np.ndarray) -> float:
        """How far the worst element misses, in its allowance (≤ 1 is true enough).

        The allowance is :data:`TOLERANCE` of a unit of the last digit; double-precision
        noise counts only for a result that is exactly 0 (which no number of digits can
        hit exactly), so a tiny result of cancelling terms gets the digits that show
        why it is not 0, even all 17 of them."""
        miss = self.shown.misses(face)
        if not np.all(np.isfinite(miss)):
            return float("inf")
        units = self.shown.units
        allowance = TOLERANCE * units
        if not np.all(units > 0):
            allowance = allowance + np.where(units > 0, 0.0, self.noise)
        return float(np.max(np.where(miss > 0, miss / np.where(allowance > 0, allowance,
                                                                 1e-300), 0.0)))

    def effect(self, leaf: _Leaf, base: np.ndarray) -> float:
        """How much the leaf's rounding moves the result, in units of its last digit."""
        units = self.shown.units
        scale = units if np.all(units > 0) else np.where(units > 0, units,
                                                          max(self.noise, 1e-300))
        moved = np.abs(self.face(exact=leaf) - base) / scale
        return float(np.max(np.where(np.isfinite(moved), moved, np.inf)))

    def run(self) -> Guard:
        face = self.face()
        if self.excess(face) > 1 and self.leaves:
            # Each leaf's effect is measured once and then re-measured only for the leaf
            # that gained a digit: rounding effects add up nearly independently.
            effects = {id(leaf): self.effect(leaf, face) for leaf in self.leaves}
            while True:
                open_leaves = [leaf for leaf in self.leaves if leaf.digits < MAX_DIGITS]
                if not open_leaves:
                    break
                best = max(open_leaves, key=lambda leaf: effects[id(leaf)])
                best.digits += 1
                face = self.face()
                if self.excess(face) <= 1:
                    break
                effects[id(best)] = self.effect(best, face)
        digits = {key: leaf.shown_digits(self.base) for key, leaf in self.by_id.items()
                  if leaf.digits != self.base}
        return Guard(digits, self.excess(face) > 1)


class Guard(NamedTuple):
    """The digits an equation's numbers need, and whether its result is rounding noise
    that no number of digits makes come out (0.1·3 + (−0.3) = 5.551×10⁻¹⁷)."""

    digits: Digits
    noise: bool = False


def operand_digits(expr: Expr, result: Any, digits: int, result_digits: Any = None,
                   minimum: Digits | None = None) -> Guard:
    """Significant digits for the Vars of ``expr`` that need more than ``digits``, such that
    ``expr`` evaluated from its printed numbers gives ``result`` as printed with
    ``result_digits`` (``digits`` by default) within :data:`TOLERANCE` of a unit of its
    last digit (or a result of 0 within double-precision noise; where no digits can do
    it, every inexact operand gets all 17 and the result is noise). ``minimum`` holds Vars
    (by id) that need at least so many digits anyway (an update's old value, printed as
    precisely as its new one).
    """
    result_digits = digits if result_digits is None else result_digits
    minimum = minimum or {}
    with np.errstate(all="ignore"):          # a rounded operand may leave ln's domain
        guard = _guard(expr, result, digits, result_digits, minimum)
        if not guard.noise and _below_rounding(expr, result, result_digits):
            return Guard(guard.digits, True)
        return guard


def _guard(expr: Expr, result: Any, digits: int, result_digits: Any,
           minimum: Digits) -> Guard:
    if not minimum:
        face = expr.evaluate(lambda v: _rounded_value(v.value, digits))
        if not isinstance(result, tuple):    # the usual case, without arrays
            g = int(result_digits)
            shown, unit = rounded(result, g), _unit(rounded(result, g), g)
            if abs(float(face) - shown) <= TOLERANCE * unit:
                return Guard({})
        if Shown(result, result_digits).close(face):
            return Guard({})                 # the shown digits suffice
    return _Search(expr, Shown(result, result_digits), digits, minimum).run()


def _largest_operand(expr: Expr) -> float:
    largest = 0.0
    for v in expr.leaves():
        value = v.value
        size = abs(value) if not isinstance(value, tuple) else \
            float(np.max(np.abs(np.asarray(value, dtype=np.float64)), initial=0.0))
        largest = max(largest, size)
    return largest


def _below_rounding(expr: Expr, result: Any, result_digits: Any) -> bool:
    """Whether a unit of the result's last digit is below the doubles' own rounding of
    the terms it comes from (0.1·3 − 0.3 = 5.551×10⁻¹⁷): arithmetic in doubles, the
    search's included, cannot tell such a result from noise."""
    if not isinstance(result, tuple):
        smallest = abs(result)
    else:
        flat = np.abs(np.asarray(result, dtype=np.float64).ravel())
        smallest = float(np.min(flat[flat > 0], initial=np.inf))
    if smallest == 0 or smallest >= 1e-10 * _largest_operand(expr):
        return False                           # the usual case: no cancellation to speak of
    units = Shown(result, result_digits).units
    scale = magnitude(expr, lambda v: as_array(v.value))
    return bool(np.any((units > 0) & (units < 10 * NOISE * scale)))


def _unit(shown: float, digits: int) -> float:
    """The unit of the last of ``digits`` significant digits of ``shown`` (0 for 0)."""
    if shown == 0 or not np.isfinite(shown):
        return 0.0
    return 10.0 ** (int(f"{shown:.{digits - 1}e}".split("e")[1]) - digits + 1)
