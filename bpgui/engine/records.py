"""Immutable step records: what one step of a pass reads, writes, and how it computes.

A :class:`StepRecord` is the single source of each step's text: the canvas
highlights its ``reads`` and ``writes``, the step panel and ``bpgui trace``
print its :meth:`~StepRecord.text`, and the handout lists the same records.
Each :class:`Equation` keeps its formula as a tree of symbols and values, so the
text can be rendered at any number of significant digits, with the digits its
arithmetic needs to come out true from the numbers as printed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from bpgui.engine.expression import Diff, Expr, Sum, Var, Writer
from bpgui.engine.guard_digits import MAX_DIGITS, Digits, operand_digits
from bpgui.network.lesson import GRANULARITIES as GRANULARITIES  # re-exported
from bpgui.network.numbers import DEFAULT_DIGITS, fmt, fmt_value

PHASES = ("forward", "loss", "backward", "gradient", "update")
GUARD_NOTE = ("A number with more digits than the rest carries guard digits: without them "
              "the numbers as printed would not give the printed result.")
NOISE_NOTE = ("A result far smaller than the terms it comes from is double-precision "
              "rounding: 0.1 and 0.3 are not exact in binary, so 0.1·3 − 0.3 is 5.551×10⁻¹⁷, "
              "and the printed numbers, taken exactly, give a slightly different value.")
LOSS_ID = ":loss"  # not a valid neuron id, so it never collides with one
SETTINGS = frozenset({"β", "α", "β₁", "β₂", "ε", "λ"})
"""An update rule's settings: printed in full wherever they appear (a student copies them
from the training settings, and 1 − β₂ with β₂ = 0.999 at two digits would be 0)."""


class Quantity(NamedTuple):
    """A value a step writes: ``kind`` is one of :data:`KINDS`, ``id`` a neuron or edge id."""

    kind: str
    id: str


KINDS = (
    "a", "z",            # neuron activation and pre-activation
    "loss",              # the sample's loss (id LOSS_ID)
    "dl_dyhat",          # ∂ℓ/∂ŷ for an output neuron
    "term",              # a product term w·a (forward) of an edge, edge granularity only
    "back_term",         # a product term w·δ (backward) of an edge, edge granularity only
    "grad_a",            # ∂L/∂a of a neuron
    "delta",             # δ = ∂L/∂z of a non-input neuron (the cache)
    "grad_w", "grad_b",  # parameter gradients (edge id, neuron id)
    "weight", "bias",    # parameter values after the update
)


class EquationParts(NamedTuple):
    """What an equation prints, part by part: ``lhs relation symbols = numbers… = result``.

    ``symbols`` is empty when the equation has no symbolic form beyond its lhs
    (``x1 = 0``); ``numbers`` holds each line with numbers put in: usually one, two
    for an update too small to show at the chosen digits (``= 2 + 7.909×10⁻⁵``)."""

    lhs: str
    relation: str
    symbols: str
    numbers: tuple[str, ...]
    result: str


Deferred = tuple[Any, ...]     # (builder, *plain values): the formula, built when first shown


class _Marks(NamedTuple):
    guarded: bool                 # some number carries guard digits
    noise: bool                   # the result is rounding noise no digits make come out


class Equation:
    """``lhs = formula = result``, or ``lhs ← formula = result`` for an update.

    The formula is an expression tree (:mod:`bpgui.engine.expression`), so one object
    writes the symbols line, writes the numbers line with as many digits as its
    arithmetic needs (:mod:`bpgui.engine.guard_digits`), and is rendered once per
    number of digits. It may be given as ``(builder, *values)``: a dense pass has
    thousands of equations and shows few, and plain values cost the garbage collector
    nothing while trees of thousands of nodes cost it a full pass every other edit.
    ``before`` is an update's old value: where the change is too small to show at the
    chosen digits, the result gets the digits that show it and a scalar's change is
    written out (``= 2 + 7.909×10⁻⁵ = 2.000079``).
    """

    __slots__ = ("_formula", "_parts", "before", "lhs", "relation", "result")

    def __init__(self, lhs: str, formula: Expr | Deferred | None, result: Any,
                 relation: str = "=", before: Any = None) -> None:
        self.lhs = lhs
        self._formula = formula
        self.result = result            # a float, or a tuple for a vector or matrix
        self.relation = relation
        self.before = before
        self._parts: dict[int, tuple[EquationParts, _Marks]] | None = None

    @property
    def formula(self) -> Expr | None:
        if isinstance(self._formula, tuple):
            builder, *values = self._formula
            self._formula = builder(*values)
        assert self._formula is None or isinstance(self._formula, Expr)
        return self._formula

    def __repr__(self) -> str:
        return f"Equation({self.text()!r})"

    def _key(self) -> tuple[Any, ...]:
        return self.lhs, self.formula, self.result, self.relation, self.before

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Equation) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    @property
    def symbols(self) -> str:
        """The formula in symbols ("" when it is only the lhs again)."""
        if self.formula is None:
            return ""
        symbols = self.formula.symbols()
        return "" if symbols == self.lhs else symbols

    @property
    def operands(self) -> tuple[Any, ...]:
        """The values of the formula's quantities, in the order it writes them."""
        return () if self.formula is None else tuple(v.value for v in self.formula.leaves())

    def numbers(self, digits: int = DEFAULT_DIGITS) -> str:
        """The (first) line with numbers put in."""
        numbers = self.parts(digits).numbers
        return numbers[0] if numbers else ""

    def parts(self, digits: int = DEFAULT_DIGITS) -> EquationParts:
        return self._rendered(digits)[0]

    def guarded(self, digits: int = DEFAULT_DIGITS) -> bool:
        """Whether some number carries more than ``digits`` digits for the arithmetic."""
        return self._rendered(digits)[1].guarded

    def noisy(self, digits: int = DEFAULT_DIGITS) -> bool:
        """Whether the result is double-precision rounding noise of cancelling terms."""
        return self._rendered(digits)[1].noise

    def _rendered(self, digits: int) -> tuple[EquationParts, _Marks]:
        if self._parts is None:
            self._parts = {}
        if digits not in self._parts:
            self._parts[digits] = self._render(digits)
        return self._parts[digits]

    def _render(self, digits: int) -> tuple[EquationParts, _Marks]:
        shown = change_digits(self.before, self.result, digits)
        forms = [] if self.formula is None else [self.formula]
        if self.before is not None and not isinstance(self.result, tuple) and shown > digits:
            forms.append(_change(self.before, self.result))
        guards = [operand_digits(form, self.result, digits, shown,
                                 self._old_value(form, digits, shown)) for form in forms]
        numbers = tuple(form.write(Writer(_speller(guard.digits, digits)))[0]
                        for form, guard in zip(forms, guards, strict=True))
        parts = EquationParts(self.lhs, self.relation, self.symbols, numbers,
                              fmt_value(self.result, shown))
        settings = {id(v) for form in forms for v in form.leaves() if v.symbol in SETTINGS}
        guarded = any(key not in settings for g in guards for key in g.digits)
        return parts, _Marks(guarded, any(g.noise for g in guards))

    def _old_value(self, form: Expr, digits: int, shown: Any) -> Digits:
        """An update's old value, where its new one needs extra digits to differ from it,
        is printed with as many: ``1.9999999999999998 − 0.05·(−5×10⁻¹⁵) = 2``; a rule's
        setting (:data:`SETTINGS`) is printed in full."""
        full = {id(v): _shortest(v.value) for v in form.leaves()
                if v.symbol in SETTINGS and not isinstance(v.value, tuple)
                and _shortest(v.value) > digits}
        extra = int(np.max(shown))
        if self.before is None or extra <= digits:
            return full
        return full | {id(v): extra for v in form.leaves()
                       if v.symbol in (self.lhs, "") and v.value == self.before}

    def lines(self, digits: int = DEFAULT_DIGITS, result: str | None = None) -> tuple[str, ...]:
        """``lhs = symbols`` / ``= numbers`` / ``= result``, dropping a line that repeats
        the one before: how the step panel, the projector's caption and the handout lay
        a step out. ``result`` replaces the result's text (a question sheet's blank)."""
        p = self.parts(digits)
        shown = p.result if result is None else result
        pieces = [piece for piece in (p.symbols, *p.numbers) if piece]
        pieces = [piece for k, piece in enumerate(pieces) if k == 0 or piece != pieces[k - 1]]
        if pieces and pieces[-1] == p.result:
            pieces.pop()
        head = f"{p.lhs} {p.relation} " if p.lhs else ""
        lines = [head + piece if k == 0 else "= " + piece for k, piece in enumerate(pieces)]
        lines.append(("= " if lines else head) + shown)
        return tuple(lines)

    def text(self, digits: int = DEFAULT_DIGITS) -> str:
        """The equation on one line: ``lhs = symbols = numbers = result``."""
        lines = self.lines(digits)
        return " ".join([lines[0], *lines[1:]])


def change_digits(before: Any, after: Any, digits: int) -> Any:
    """The digits an update's new value needs so that a change shows (per element)."""
    if before is None:
        return digits
    if isinstance(after, tuple):
        flat_before = np.asarray(before, dtype=np.float64).ravel()
        flat_after = np.asarray(after, dtype=np.float64).ravel()
        per = [change_digits(float(b), float(a), digits)
               for b, a in zip(flat_before, flat_after, strict=True)]
        return np.array(per).reshape(np.shape(np.asarray(after, dtype=float)))
    if after == before or fmt(after, digits) != fmt(before, digits):
        return digits
    # Enough digits to show the change itself to two significant digits.
    shown = _exponent(after) - _exponent(after - before) + 2
    while shown < MAX_DIGITS and fmt(after, shown) == fmt(before, shown):
        shown += 1
    return max(digits, min(shown, MAX_DIGITS))


def _shortest(value: float) -> int:
    """The fewest significant digits that write ``value`` exactly (0.999 → 3)."""
    return next((k for k in range(1, 18) if float(f"{value:.{k}g}") == value), 17)


def _exponent(value: float) -> int:
    return int(f"{value:.0e}".split("e")[1]) if value else 0


def _change(before: float, after: float) -> Expr:
    """``old + Δ`` (or ``old − |Δ|``): the change an update makes, written out."""
    delta = after - before
    old = Var("", before)
    return Sum([old, Var("", delta)]) if delta >= 0 else Diff(old, Var("", -delta))


def _speller(digits: Digits, base: int) -> Callable[[Var], str]:
    return lambda var: fmt_value(var.value, digits.get(id(var), base))


EquationsBuilder = Callable[[], tuple[Equation, ...]]


@dataclass(frozen=True)
class StepRecord:
    """One step of a pass. ``values`` holds every quantity the step writes.

    The equations may be given as a builder, called when they are first read: a
    neuron's gradient and update steps in a dense network have one equation per
    incoming edge, an edit rebuilds every step, and the panel shows a dozen of them.
    The values are always computed at once (the canvas shows them all).
    """

    index: int
    phase: str
    granularity: str
    target: str                          # the neuron, edge, level ("level 2") or LOSS_ID
    reads: tuple[str, ...]               # ids whose values it uses (highlighted)
    writes: tuple[str, ...]              # ids whose values it sets (highlighted)
    reuses: tuple[str, ...]              # nodes whose cached δ (or ∂L/∂v) it reuses
    given_equations: tuple[Equation, ...] | EquationsBuilder = field(compare=False,
                                                                     repr=False)
    values: tuple[tuple[Quantity, float], ...]
    explanations: tuple[str, ...] = ()   # what a symbol of the step stands for (a mask)
    operation_reuses: tuple[str, ...] = ()   # the reused ids that are operation nodes

    @property
    def equations(self) -> tuple[Equation, ...]:
        if callable(self.given_equations):
            object.__setattr__(self, "given_equations", self.given_equations())
        assert isinstance(self.given_equations, tuple)
        return self.given_equations

    def _key(self) -> tuple[Any, ...]:
        return (self.index, self.phase, self.granularity, self.target, self.reads,
                self.writes, self.reuses, self.equations, self.values, self.explanations,
                self.operation_reuses)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StepRecord) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"StepRecord({self.index}, {self.phase!r}, {self.target!r}, "
                f"equations={self.equations!r}, values={self.values!r})")

    @property
    def formula(self) -> str:
        """The step in symbols only."""
        return ";  ".join(f"{e.lhs} {e.relation} {e.symbols}" if e.symbols else e.lhs
                          for e in self.equations)

    @property
    def result(self) -> Any:
        """The result of the step's last equation (the value it exists to compute)."""
        return self.equations[-1].result

    def text(self, digits: int = DEFAULT_DIGITS) -> str:
        """Symbols, then numbers, then result, for every equation of the step."""
        return ";  ".join(e.text(digits) for e in self.equations)

    @property
    def reuse_note(self) -> str:
        """What the step panel, the projector's caption and the handout say under a step
        that reuses cached δ values ("" when it reuses none)."""
        if not self.reuses:
            return ""
        neurons = [r for r in self.reuses if r not in self.operation_reuses]
        cached = ([f"δ of {', '.join(neurons)}"] if neurons else []) + \
            [f"∂L/∂{r}" for r in self.reuses if r in self.operation_reuses]
        return f"Reuses the cached {' and '.join(cached)}: computed once, never again."

    def guarded(self, digits: int = DEFAULT_DIGITS) -> bool:
        """Whether a number of the step carries guard digits at ``digits``."""
        return any(e.guarded(digits) for e in self.equations)

    def digit_notes(self, digits: int = DEFAULT_DIGITS) -> tuple[str, ...]:
        """What the step panel and the handout say about the step's numbers at ``digits``:
        guard digits, and a result that is rounding noise."""
        return ((GUARD_NOTE,) if self.guarded(digits) else ()) + (
            (NOISE_NOTE,) if any(e.noisy(digits) for e in self.equations) else ())

    @property
    def notes(self) -> tuple[str, ...]:
        """The sentences shown under the step: what it reuses, what its masks and blocks
        are. The step panel, the projector's caption and the handout show the same."""
        return ((self.reuse_note,) if self.reuses else ()) + self.explanations

    @property
    def written(self) -> dict[Quantity, float]:
        return dict(self.values)
