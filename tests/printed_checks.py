"""The checks of bpgui's printed equations, one equation at a time, for tests only.

Students copy each printed equation and redo the arithmetic, so :class:`Checker` does
the same, independently of ``bpgui.engine``'s code: :mod:`tests.printed_notation` reads
the printed text, :mod:`tests.printed_math` evaluates it, :mod:`tests.printed_values`
knows the true value of every symbol (from ``tests/reference.py``). For each equation at
d digits:

- A (face value): each numbers line, evaluated exactly, is within one unit of the printed
  result's last digit, plus 1e-13 × the largest magnitude met (double-precision noise);
- B (intervals): each numbers line evaluated over the intervals its rounded numbers stand
  for, widened by half a unit of the result (and the same noise allowance), holds it;
- C (substitution): where a printed number stands opposite a symbol or a symbolic
  subtree, it is that subtree's true value rounded to at least d digits (within the
  engine's agreement with the reference: 1e-9 relative, 1e-14 absolute, plus ℓ's and
  ∂ℓ/∂ŷ's rounding spreads); opposite a constant it is the constant;
  the printed result is the lhs's true value rounded likewise;
- D (an update shows): a parameter whose value changes, where its printed numbers say
  so, is printed unlike its old value in the same equation, and one whose change is too
  small to show at d digits gets a second numbers line old + Δ;
- E (layout): ``lines(d)`` and ``text(d)`` are the parts, in order, repeats dropped.

:func:`pass_failures`, :func:`path_failures` and :func:`update_failures` run them over a
whole pass, a path report and the single update.
"""

from __future__ import annotations

import contextlib
from fractions import Fraction
from typing import Any

from bpgui.engine.paths import path_report
from bpgui.engine.stepper import all_steps
from bpgui.engine.update_step import update_record
from bpgui.network.model import Network
from tests import printed_math as pm
from tests import printed_notation as pn
from tests.conftest import SAMPLES
from tests.printed_notation import Node
from tests.printed_values import TrueValues

GRANULARITIES = ("edge", "node", "layer")
DIGITS = (2, 3, 4, 5, 6)
NOISE = Fraction(1, 10**13)
RELATIVE = Fraction(1, 10**9)
# The engine and the reference are both correct to rounding, but where a formula cancels
# (1 − tanh² or a(1 − a) near saturation, ŷ − y near the target) one ulp of a value near 1
# becomes a difference of ~1e-16 in a tiny result, beyond any relative bound; a
# hundredfold of that is allowed absolutely. (bce's clamp at 1e-12 is far above it.)
AGREE = Fraction(1, 10**14)
TINY = Fraction(2.2250738585072014e-308)   # below the smallest normal double: underflow
STEMS = sorted(p.name.removesuffix(".bpnet.json") for p in SAMPLES.glob("*.bpnet.json"))


def _fmt(v: Any, d: int) -> str:
    return f"{float(v):.{d}g}"


def _unsigned(text: str) -> str:
    return text.removeprefix("−")


def _signed_terms(node: Node, sign: int = 1) -> list[tuple[int, Node]]:
    if node.op in ("+", "−"):
        return _signed_terms(node.args[0], sign) + _signed_terms(
            node.args[1], sign if node.op == "+" else -sign)
    return [(sign, node)]


class Checker:
    """Checks one equation at ``d`` digits; ``failures`` collects what is wrong."""

    def __init__(self, equation: Any, d: int, values: TrueValues) -> None:
        self.eq, self.d, self.values = equation, d, values
        self.parts = equation.parts(d)
        self.failures: list[str] = []

    def fail(self, check: str, why: str) -> None:
        self.failures.append(f"{check} at d={self.d}: {self.eq.text(self.d)!r}\n    {why}")

    def run(self, terms: list[Any] | None = None) -> list[str]:
        p = self.parts
        lhs = self.read(p.lhs) if p.lhs else None
        symbols = self.read(p.symbols) if p.symbols else None
        read = [self.read(t, numbers=True) for t in p.numbers]
        result = self.read(p.result, numbers=True)
        if result is None or not pn.is_literal(result):
            if result is not None:
                self.fail("notation", f"the result {p.result!r} is not a number, vector or "
                          "matrix")
            return self.failures
        self.result, self.texts = pm.evaluate(result, pm.Exact()), pn.literal_texts(result)
        self.focus = p.lhs[2:] if p.lhs.startswith("g_") else None
        counterpart, first = symbols, read[0] if read else None
        if not p.symbols and lhs is not None and p.relation == "=" and first is not None \
                and (lhs.op != "sym" or pn.is_literal(first)):
            counterpart = lhs               # `w1·x1 = 1·0`, `x1 = 0`: the lhs is the formula
        paired = self.pair(counterpart, first) if counterpart and first else []
        constants = {id(n) for s, num in paired if pn.is_literal(s)
                     for n in pn.walk(num) if n.op == "num"}
        for i, line in enumerate(read):
            if line is not None:
                self.face_value(p.numbers[i], line, constants if i == 0 else set())
        self.substitution(paired, lhs if p.lhs else symbols)   # a path's value: its chain
        if terms is not None and first is not None:
            self.path_terms(first, terms)
        if p.relation == "←" and lhs is not None:
            self.update_shows(lhs, paired, first)
        if p.lhs:
            self.layout()
        return self.failures

    def layout(self) -> None:
        """``text(d)`` is ``lhs = symbols = numbers… = result``, a part equal to the one
        before it dropped; ``lines(d)`` show the same parts, one a line."""
        p = self.parts
        seq = ([p.symbols] if p.symbols else []) + [*p.numbers, p.result]
        kept = [s for i, s in enumerate(seq) if i == 0 or s != seq[i - 1]]
        head = f"{p.lhs} {p.relation} "
        text, lines = self.eq.text(self.d), list(self.eq.lines(self.d))
        shown = [line.removeprefix(head if i == 0 else "= ") for i, line in enumerate(lines)]
        shown = [s for i, s in enumerate(shown) if i == 0 or s != shown[i - 1]]
        if text != head + " = ".join(kept) or not lines[0].startswith(head) or shown != kept:
            self.fail("E (layout)", f"text {text!r} and lines {lines!r} are not the parts "
                      f"{p!r}")

    def read(self, text: str, numbers: bool = False) -> Node | None:
        try:
            return pn.parse(text, numbers=numbers)
        except pn.ParseError as e:
            self.fail("notation", f"cannot be read: {e}")
            return None

    def pair(self, symbols: Node, numbers: Node) -> list[tuple[Node, Node]]:
        try:
            return list(pn.pairs(symbols, numbers))
        except pn.Mismatch as e:
            self.fail("C (substitution)", f"the numbers {self.parts.numbers[0]!r} do not "
                      f"follow the formula {self.parts.symbols or self.parts.lhs!r}: {e}")
            return []

    # ------------------------------------------------------------------- A and B
    def face_value(self, text: str, line: Node, constants: set[int]) -> None:
        # an exponent is exact: a constant, or the update's number t (β₁ᵗ printed 0.9²)
        constants = constants | {id(n.args[1]) for n in pn.walk(line)
                                 if n.op == "^" and n.args[1].op == "num"}
        exact = pm.Exact()
        try:
            value = pm.evaluate(line, exact)
            box = pm.evaluate(line, pm.Bounds(self.d, lambda n: id(n) in constants))
        except pm.EvalError as e:
            self.fail("A (face value)", f"{text!r} has no value: {e}")
            return
        if pm.is_matrix(value) and pm.shape(value) != pm.shape(self.result):
            self.fail("A (face value)", f"{text!r} is {pm.shape(value)}, the result "
                      f"{pm.shape(self.result)}")
            return
        slack = NOISE * exact.peak
        count = len(self.texts)                    # a scalar line broadcasts (`0 = [0, 0]`)
        values, boxes = pm.entries(value), pm.entries(box)
        if len(values) < count:
            values, boxes = values * count, boxes * count
        for got, bounds, want, shown in zip(values, boxes, pm.entries(self.result), self.texts,
                                            strict=True):
            u = pn.unit(_unsigned(shown), self.d)
            if abs(got - want) > u + slack:
                self.fail("A (face value)", f"{text!r} is {float(got)!r} exactly, so it "
                          f"cannot print {shown} (allowed ±{float(u + slack):.3g})")
            widened = pm.Interval(bounds.lo - u / 2 - slack, bounds.hi + u / 2 + slack)
            if want not in widened:
                self.fail("B (intervals)", f"from its rounded numbers {text!r} lies in "
                          f"[{float(bounds.lo)!r}, {float(bounds.hi)!r}], which cannot "
                          f"round to {shown}")

    # --------------------------------------------------------------------------- C
    def close(self, shown: str, true: Fraction, spread: Fraction, sign: int = 1) -> bool:
        """Whether ``sign``·``shown`` is ``true`` rounded to at least d digits."""
        printed = sign * pn.number_value(_unsigned(shown)) * (-1 if shown.startswith("−") else 1)
        allowed = pn.unit(_unsigned(shown), self.d, value=true) / 2 + RELATIVE * abs(true)
        return abs(printed - true) <= allowed + AGREE + spread + TINY

    def literal(self, num: Node, what: str, true: Any, spread: Any) -> None:
        texts = pn.literal_texts(num)
        if pm.shape(pm.evaluate(num, pm.Exact())) != pm.shape(true):
            self.fail("C (substitution)", f"{' '.join(texts)} stands for {what}, whose value "
                      f"has shape {pm.shape(true)}")
            return
        spreads = pm.entries(spread) * (len(texts) if not isinstance(spread, tuple) else 1)
        for shown, v, s in zip(texts, pm.entries(true), spreads, strict=True):
            if not self.close(shown, v, s):
                self.fail("C (substitution)", f"{shown} stands for {what} = {float(v)!r}, "
                          f"which is {_fmt(v, self.d)} at d={self.d}")

    def substitution(self, paired: list[tuple[Node, Node]], lhs: Node | None) -> None:
        for sym, num in paired:
            if pn.is_literal(sym):
                if pm.evaluate(sym, pm.Exact()) != pm.evaluate(num, pm.Exact()):
                    self.fail("C (substitution)", f"the constant {pn.literal_texts(sym)} is "
                              f"printed {pn.literal_texts(num)}")
                continue
            try:
                true, spread = self.values.true_value(sym, focus=self.focus)
            except (KeyError, pm.EvalError) as e:
                self.fail("C (substitution)", f"a symbol has no true value: {e}")
                continue
            self.literal(num, pn.show(sym), true, spread)
        if lhs is None:
            return
        new = self.parts.relation == "←"
        try:
            true, spread = self.values.true_value(lhs, new=new, focus=self.focus)
        except (KeyError, pm.EvalError) as e:
            self.fail("C (substitution)", f"the lhs has no true value: {e}")
            return
        what = f"{'the new ' if new else ''}{self.parts.lhs or 'the product'}"
        self.literal(pn.parse(self.parts.result, numbers=True), what, true, spread)

    def path_terms(self, line: Node, terms: list[Any]) -> None:
        """A path sum's numbers are the path products, in order."""
        found = _signed_terms(line)
        if len(found) != len(terms) or not all(pn.is_literal(n) for _, n in found):
            self.fail("C (substitution)", f"{self.parts.numbers[0]!r} is not the sum of the "
                      f"{len(terms)} path products")
            return
        for k, ((sign, node), true) in enumerate(zip(found, terms, strict=True), 1):
            (shown,) = pn.literal_texts(node)
            if not self.close(shown, true, Fraction(0), sign):
                self.fail("C (substitution)", f"term {k} ({shown}) stands for path {k}'s "
                          f"product {float(true)!r} = {_fmt(true, self.d)} at d={self.d}")

    # --------------------------------------------------------------------------- D
    def update_shows(self, lhs: Node, paired: list[tuple[Node, Node]],
                     first: Node | None) -> None:
        """An entry whose double changes, and whose printed numbers say it changes, is
        printed unlike its old value in the same equation (or at d digits when none is
        printed), and a single parameter whose change does not show at d digits gets a
        second line old + Δ."""
        try:
            old, _ = self.values.true_value(lhs)
            new, _ = self.values.true_value(lhs, new=True)
            claimed = pm.entries(pm.evaluate(first, pm.Exact())) if first is not None else []
        except (KeyError, pm.EvalError):
            return                                   # already reported by C or A
        if pm.shape(new) != pm.shape(self.result):
            return                                   # already reported by C
        shown_old = next((pn.literal_texts(num) for sym, num in paired
                          if sym.op == "sym" and sym.text == self.parts.lhs), None)
        if shown_old is None or len(shown_old) != len(self.texts):
            shown_old = [_fmt(o, self.d).replace("-", "−") for o in pm.entries(old)]
        if len(claimed) != len(self.texts):
            claimed = [None] * len(self.texts)
        for o, n, was, shown, printed, says in zip(pm.entries(old), pm.entries(new), shown_old,
                                                   self.texts, pm.entries(self.result),
                                                   claimed, strict=True):
            was_value = pn.number_value(_unsigned(was)) * (-1 if was.startswith("−") else 1)
            if float(o) == float(n) or says == was_value:
                continue       # as doubles nothing changes, or the numbers say it does not
            if printed == was_value:
                self.fail("D (update shows)", f"the new value prints {shown}, as the old one "
                          f"does ({was}), though it changes {float(o)!r} → {float(n)!r}")
            if _fmt(o, self.d) == _fmt(n, self.d) and len(self.parts.numbers) < 2 \
                    and not self.parts.result.startswith("["):   # one parameter's update
                self.fail("D (update shows)", f"{float(o)!r} → {float(n)!r} rounds to "
                          f"{_fmt(o, self.d)} both ways at d={self.d}, so it needs a second "
                          "line old + Δ")


def check(equation: Any, d: int, values: TrueValues, terms: list[Any] | None = None
          ) -> list[str]:
    return Checker(equation, d, values).run(terms)


def report(failures: list[str], limit: int = 6) -> str:
    """The first ``limit`` failures, for an assertion message."""
    more = f"\n… and {len(failures) - limit} more" if len(failures) > limit else ""
    return f"{len(failures)} printed equations are not true:\n" + "\n".join(
        failures[:limit]) + more


def in_order(equations: Any, d: int, values: TrueValues) -> list[str]:
    """Check equations in the order printed: after a rule's state line ``v_w1 ← …`` a
    later ``v_w1`` is the new value (the lines are assignments, read in order)."""
    values.assigned = set()
    failures: list[str] = []
    for eq in equations:
        failures += check(eq, d, values)
        if eq.relation == "←":
            values.assigned.add(eq.lhs)
    values.assigned = set()
    return failures


def pass_failures(network: Network, sample: int, granularity: str, d: int,
                  values: TrueValues | None = None) -> list[str]:
    values = values or TrueValues(network, sample)
    return [f for record in all_steps(network, sample, granularity)
            for f in in_order(record.equations, d, values)]


def path_failures(network: Network, target: str, kind: str | None, sample: int, d: int,
                  values: TrueValues | None = None) -> list[str]:
    values = values or TrueValues(network, sample)
    paths = path_report(network, target, kind=kind, sample=sample)
    failures: list[str] = []
    products: list[Any] = []
    for path in paths.paths:
        failures += check(path.equation, d, values)
        # the sum's terms are the path products (a chain that cannot be read is reported
        # by the path's own check)
        with contextlib.suppress(pn.ParseError, pm.EvalError, KeyError):
            products.append(values.true_value(pn.parse(path.equation.parts(d).symbols))[0])
    if paths.sum_equation is not None:
        terms = products if len(products) == len(paths.paths) else None
        values.paths = products                  # ``path k`` in the sum's symbols line
        try:
            failures += check(paths.sum_equation, d, values, terms=terms)
        finally:
            values.paths = []
    return failures


def training_rows(network: Network) -> list[int]:
    """The file indices of the samples an update trains on (test samples never are)."""
    return [k for k, s in enumerate(network.samples) if s.split != "test"]


def update_failures(network: Network, d: int, rows: list[int] | None = None,
                    focus: str | None = None, values: TrueValues | None = None) -> list[str]:
    # ``rows`` count the training samples, as update_record's do; the oracle takes file indices
    training = training_rows(network)
    chosen = [training[r] for r in rows] if rows else training
    values = values or TrueValues(network, chosen[0], rows=chosen)
    record = update_record(network, rows=rows, focus=focus)
    return in_order(record.equations, d, values)


def parameters(network: Network) -> list[str]:
    return [e.id for e in network.edges if e.trainable] + [
        n.id for n in network.neurons if not n.is_input and n.train_bias]
