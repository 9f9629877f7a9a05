"""Every equation bpgui prints is true from its printed numbers (docs/notation.md).

Students copy each printed equation and redo the arithmetic, so this test does the same,
independently of ``bpgui.engine``'s code: :mod:`tests.printed_math` reads the printed
text, :mod:`tests.printed_values` knows the true value of every symbol (from
``tests/reference.py``). For each equation at d digits:

- A (face value): each numbers line, evaluated exactly, is within one unit of the printed
  result's last digit, plus 1e-13 × the largest magnitude met (double-precision noise);
- B (intervals): each numbers line evaluated over the intervals its rounded numbers stand
  for, widened by half a unit of the result (and the same noise allowance), holds it;
- C (substitution): where a printed number stands opposite a symbol or a symbolic
  subtree, it is that subtree's true value rounded to at least d digits (within the
  engine's agreement with the reference: 1e-9 relative, 1e-14 absolute, plus ℓ's and
  ∂ℓ/∂ŷ's rounding spreads); opposite a constant it is the constant;
  the printed result is the lhs's true value rounded likewise;
- D (an update shows): a parameter whose value changes is printed unlike its old value in
  the same equation, and one whose change is too small to show at d digits gets a second
  numbers line old + Δ;
- E (layout): ``lines(d)`` and ``text(d)`` are the parts, in order, repeats dropped.
"""

from __future__ import annotations

import contextlib
import math
from fractions import Fraction
from functools import cache
from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from bpgui.engine.paths import path_report
from bpgui.engine.stepper import all_steps
from bpgui.engine.update_step import update_record
from bpgui.model import Edge, Network, Neuron, Sample
from tests import printed_math as pm
from tests import printed_notation as pn
from tests.conftest import SAMPLES, load_sample
from tests.printed_notation import Node
from tests.printed_values import TrueValues
from tests.reference import reference_pass
from tests.strategies import networks, training_settings

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


def _report(failures: list[str], limit: int = 6) -> str:
    more = f"\n… and {len(failures) - limit} more" if len(failures) > limit else ""
    return f"{len(failures)} printed equations are not true:\n" + "\n".join(
        failures[:limit]) + more


def pass_failures(network: Network, sample: int, granularity: str, d: int,
                  values: TrueValues | None = None) -> list[str]:
    values = values or TrueValues(network, sample)
    return [f for record in all_steps(network, sample, granularity)
            for eq in record.equations for f in check(eq, d, values)]


def path_failures(network: Network, target: str, kind: str | None, sample: int, d: int,
                  values: TrueValues | None = None) -> list[str]:
    values = values or TrueValues(network, sample)
    report = path_report(network, target, kind=kind, sample=sample)
    failures: list[str] = []
    products: list[Any] = []
    for path in report.paths:
        failures += check(path.equation, d, values)
        # the sum's terms are the path products (a chain that cannot be read is reported
        # by the path's own check)
        with contextlib.suppress(pn.ParseError, pm.EvalError, KeyError):
            products.append(values.true_value(pn.parse(path.equation.parts(d).symbols))[0])
    if report.sum_equation is not None:
        terms = products if len(products) == len(report.paths) else None
        values.paths = products                  # ``path k`` in the sum's symbols line
        try:
            failures += check(report.sum_equation, d, values, terms=terms)
        finally:
            values.paths = []
    return failures


def update_failures(network: Network, d: int, rows: list[int] | None = None,
                    focus: str | None = None, values: TrueValues | None = None) -> list[str]:
    every = list(range(len(network.samples)))
    values = values or TrueValues(network, (rows or every)[0], rows=rows or every)
    record = update_record(network, rows=rows, focus=focus)
    return [f for eq in record.equations for f in check(eq, d, values)]


def _parameters(network: Network) -> list[str]:
    return [e.id for e in network.edges if e.trainable] + [
        n.id for n in network.neurons if not n.is_input and n.train_bias]


# ------------------------------------------------------------------------ properties
def _property(examples: int) -> Any:
    """A pass takes milliseconds, a failing one is shrunk (but not explained: too slow)."""
    return settings(max_examples=examples, deadline=None,
                    phases=[p for p in Phase if p is not Phase.explain],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.slow
@_property(60)
@given(network=networks(settings=training_settings()), data=st.data())
def test_every_equation_of_a_pass_is_true(network: Network, data: st.DataObject) -> None:
    sample = data.draw(st.integers(0, len(network.samples) - 1), label="sample")
    granularity = data.draw(st.sampled_from(GRANULARITIES), label="granularity")
    d = data.draw(st.sampled_from(DIGITS), label="digits")
    failures = pass_failures(network, sample, granularity, d)
    assert not failures, _report(failures)


@pytest.mark.slow
@_property(40)
@given(network=networks(), data=st.data())
def test_every_path_equation_is_true(network: Network, data: st.DataObject) -> None:
    targets = [(e.id, None) for e in network.edges] + [(n.id, None) for n in network.neurons]
    targets += [(n.id, "bias") for n in network.neurons if not n.is_input]
    target, kind = data.draw(st.sampled_from(targets), label="target")
    sample = data.draw(st.integers(0, len(network.samples) - 1), label="sample")
    d = data.draw(st.sampled_from(DIGITS), label="digits")
    failures = path_failures(network, target, kind, sample, d)
    assert not failures, _report(failures)


@_property(30)
@given(network=networks(settings=training_settings()), data=st.data())
def test_every_equation_of_an_update_is_true(network: Network, data: st.DataObject) -> None:
    params = _parameters(network)
    assume(params)
    focus = data.draw(st.sampled_from(params), label="focus")
    n = len(network.samples)
    rows = data.draw(st.none() | st.lists(st.integers(0, n - 1), min_size=1, max_size=n,
                                          unique=True), label="rows")
    d = data.draw(st.sampled_from(DIGITS), label="digits")
    failures = update_failures(network, d, rows=rows, focus=focus)
    assert not failures, _report(failures)


# -------------------------------------------------------------------- sample networks
@cache
def _sample(stem: str) -> tuple[Network, TrueValues]:
    network = load_sample(stem)
    return network, TrueValues(network, 0)


@cache
def _sample_update(stem: str) -> tuple[Network, TrueValues]:
    network = load_sample(stem)
    return network, TrueValues(network, 0, rows=range(len(network.samples)))


@pytest.mark.parametrize("d", DIGITS)
@pytest.mark.parametrize("granularity", GRANULARITIES)
@pytest.mark.parametrize("stem", STEMS)
def test_sample_network_equations_are_true(stem: str, granularity: str, d: int) -> None:
    network, values = _sample(stem)
    failures = pass_failures(network, 0, granularity, d, values)
    assert not failures, _report(failures)


@pytest.mark.parametrize("d", DIGITS)
@pytest.mark.parametrize("stem", STEMS)
def test_sample_network_paths_and_update_are_true(stem: str, d: int) -> None:
    network, values = _sample(stem)
    failures = []
    for target in [n.id for n in network.neurons][:6] + [e.id for e in network.edges][:6]:
        failures += path_failures(network, target, None, 0, d, values)
    update_network, update_values = _sample_update(stem)
    params = _parameters(update_network)
    for focus in (params[0], params[-1]):
        failures += update_failures(update_network, d, focus=focus, values=update_values)
    assert not failures, _report(failures)


# ---------------------------------------------------------- the oracle's own checks
class Printed:
    """An equation given as its printed parts, laid out as the spec says: what the
    oracle's self-tests feed it instead of an engine equation."""

    def __init__(self, lhs: str, symbols: str, numbers: tuple[str, ...], result: str,
                 relation: str = "=") -> None:
        self.p = Parts(lhs, relation, symbols, numbers, result)

    def parts(self, d: int) -> Parts:
        return self.p

    def _kept(self) -> tuple[str, list[str]]:
        seq = ([self.p.symbols] if self.p.symbols else []) + [*self.p.numbers, self.p.result]
        return f"{self.p.lhs} {self.p.relation} ", [
            s for i, s in enumerate(seq) if i == 0 or s != seq[i - 1]]

    def lines(self, d: int) -> tuple[str, ...]:
        head, kept = self._kept()
        return (head + kept[0], *("= " + s for s in kept[1:]))

    def text(self, d: int) -> str:
        head, kept = self._kept()
        return head + " = ".join(kept)


class Parts(NamedTuple):
    lhs: str
    relation: str
    symbols: str
    numbers: tuple[str, ...]
    result: str


def _two_by_two() -> Network:
    """x = (1, 2) → h1 = 0.5·x1, h2 = −0.5·x2 (identity, no cross edges) → y = h1 + h2.
    Target 0, ½ SSE: ŷ = −0.5, so every δ is −0.5 and ∂L/∂A₁ = [[−0.5, 0], [0, −1]]."""
    neurons = [Neuron("x1", "input"), Neuron("x2", "input"),
               Neuron("h1", "hidden", "identity"), Neuron("h2", "hidden", "identity"),
               Neuron("y", "output", "identity")]
    edges = [Edge("u", "x1", "h1", 0.5), Edge("v", "x2", "h2", -0.5),
             Edge("p1", "h1", "y", 1.0), Edge("p2", "h2", "y", 1.0)]
    return Network(neurons, edges, samples=[Sample([1.0, 2.0], [0.0])])


def _saturated_bce() -> Network:
    """ŷ = σ(−30) ≈ 9.358×10⁻¹⁴, below the clamp: p = 10⁻¹², ∂ℓ/∂ŷ = 1/(1 − 10⁻¹²)."""
    return Network([Neuron("x1", "input"), Neuron("y", "output", "sigmoid")],
                   [Edge("w", "x1", "y", -30.0)], loss="bce",
                   samples=[Sample([1.0], [0.0])])


SEED000, SKIP = "seed000_worked_example", "skip_connections"
TRUE = [       # (network, sample, rows, equation): each true at 4 digits
    (SEED000, 0, None, Printed("δ_h2", "(1 − a_h2²)·(w8·δ_y)",
                               ("(1 − 0.9993293²)·(1·(−0.1179571))",), "−0.0001582")),
    (SEED000, 0, None, Printed("w4", "w4 − η·∂L/∂w4",
                               ("2 − 0.5·(−0.0001582)", "2 + 7.909×10⁻⁵"), "2.000079", "←")),
    (SEED000, 0, None, Printed("z_h1", "w1·x1 + w3·x2 + w5·x3 + b_h1",
                               ("1·0 + (−1)·1 + (−1)·1 + 0",), "−2")),
    (SEED000, 0, None, Printed("L", "½(y − ŷ)²", ("½(1 − 0.5268109)²",), "0.112")),
    (SEED000, 0, None, Printed("w1·x1", "", ("1·0",), "0")),
    (SEED000, 0, None, Printed("a_h1", "tanh(z_h1)", ("tanh(−2)",), "−0.964")),
    (SKIP, 1, None, Printed("A₂", "A₂ − η·(∂L/∂A₂ ⊙ T₂)",
                            ("[[0.7, 1.1]] − 1·([[−0.01766, 0.005143]] ⊙ [[0, 1]])",),
                            "[[0.7, 1.095]]", "←")),
    (SKIP, 0, None, Printed("∂L/∂f₁", "A₂[:, f₁]ᵀδ₂ + A₃[:, f₁]ᵀδ₃",
                            ("[[1.1]]ᵀ·[0.04762] + [[−0.9]]ᵀ·[0.14683]",), "[−0.07976]")),
    ("sin_2x_plus_y", 0, None, Printed("∂L/∂ŷ", "ŷ − y*", ("0.96356 − 1",), "−0.03644")),
    ("seed002_chain", 0, [0, 1], Printed("g_w1", "(∂L₀/∂w1 + ∂L₁/∂w1)/2",
                                         ("((−0.021014) + (−0.0064868))/2",), "−0.01375")),
    ("seed002_chain", 0, [0, 1], Printed("w1", "w1 − η·g_w1", ("0.8 − 2·(−0.01375)",),
                                         "0.8275", "←")),
    (_two_by_two, 0, None, Printed("∂L/∂A₁", "(δ₁·f₀ᵀ) ⊙ M₁",
                                   ("([−0.5, −0.5]·[1, 2]ᵀ) ⊙ [[1, 0], [0, 1]]",),
                                   "[[−0.5, 0], [0, −1]]")),
    (_saturated_bce, 0, None, Printed("p", "clamp(ŷ)", ("clamp(9.358×10⁻¹⁴)",), "1×10⁻¹²")),
    (_saturated_bce, 0, None, Printed("∂L/∂ŷ", "(p − y)/(p(1 − p))",
                                      ("(1×10⁻¹² − 0)/(1×10⁻¹²(1 − 1×10⁻¹²))",), "1")),
]
BROKEN = [     # (network, sample, equation, the check that must catch it): the known breaks
    (SEED000, 0, Printed("δ_h2", "(1 − a_h2²)·(w8·δ_y)", ("(1 − 0.9993²)·(1·(−0.118))",),
                         "−0.0001582"), "A (face value)"),           # cancellation
    (SEED000, 0, Printed("a_h1", "tanh(z_h1)", ("tanh((−2))",), "−0.964"), "notation"),
    (SEED000, 0, Printed("w4", "w4 − η·∂L/∂w4", ("2 − 0.5·(−0.0001582)",), "2", "←"),
     "D (update shows)"),
    (SEED000, 0, Printed("z_h1", "w1·x1 + w3·x2 + w5·x3 + b_h1",
                         ("1·0 + (−1)·1 + (−1)·1",), "−2"), "C (substitution)"),
    (SEED000, 0, Printed("L", "½(y − ŷ)²", ("½(1 − 0.5268)²",), "0.1121"), "C (substitution)"),
    (SKIP, 1, Printed("A₂", "A₂ − η·∂L/∂A₂", ("[[0.7, 1.1]] − 1·[[−0.01766, 0.005143]]",),
                      "[[0.7, 1.095]]", "←"), "A (face value)"),      # a frozen weight
    (SKIP, 0, Printed("∂L/∂f₁", "A₂ᵀδ₂ + A₃ᵀδ₃", ("[[1.1]]ᵀ·[0.04762] + [[−0.9]]ᵀ·[0.14683]",),
                      "[−0.07976]"), "C (substitution)"),             # Aₘ for Aₘ[:, fₗ]
    ("sin_2x_plus_y", 0, Printed("∂L/∂ŷ", "ŷ − y", ("0.96356 − 1",), "−0.03644"),
     "C (substitution)"),                                              # y is an input's id
    (_two_by_two, 0, Printed("∂L/∂A₁", "δ₁·f₀ᵀ", ("[−0.5, −0.5]·[1, 2]ᵀ",),
                             "[[−0.5, 0], [0, −1]]"), "A (face value)"),  # no mask
    (_saturated_bce, 0, Printed("∂L/∂ŷ", "(ŷ − y)/(ŷ(1 − ŷ))",
                                ("(1×10⁻¹² − 0)/(1×10⁻¹²(1 − 1×10⁻¹²))",), "1"),
     "C (substitution)"),                                              # the clamp written ŷ
    ("seed002_chain", 0, Printed("g_w1", "(1/2)·Σₖ ∂Lₖ/∂w1  (samples 0, 1)",
                                 ("((−0.021014) + (−0.0064868))/2",), "−0.01375"), "notation"),
]


def _network(source: Any) -> Network:
    return load_sample(source) if isinstance(source, str) else source()


@pytest.mark.parametrize(("source", "sample", "rows", "equation"), TRUE)
def test_a_true_equation_passes_every_check(source: Any, sample: int, rows: list[int] | None,
                                            equation: Printed) -> None:
    values = TrueValues(_network(source), sample, rows=rows)
    assert check(equation, 4, values) == []


@pytest.mark.parametrize(("source", "sample", "equation", "caught_by"), BROKEN)
def test_each_known_break_is_caught(source: Any, sample: int, equation: Printed,
                                    caught_by: str) -> None:
    network = _network(source)
    failures = check(equation, 4, TrueValues(network, sample, rows=[0, 1] if len(
        network.samples) == 2 else None))
    assert any(f.startswith(caught_by) for f in failures), failures
    assert all(equation.text(4) in f and "d=4" in f for f in failures)


# ------------------------------------------------------------------------ the resolver
def test_the_true_value_of_node_symbols() -> None:
    v = TrueValues(load_sample(SEED000), 0)
    # z_h1 = 1·0 + (−1)·1 + (−1)·1 + 0; z_y = 3 tanh(−2) + tanh(4) + 2.0001
    z_y = 3 * math.tanh(-2.0) + math.tanh(4.0) + 2.0001
    yhat = 1 / (1 + math.exp(-z_y))
    delta_y = yhat * (1 - yhat) * (yhat - 1)
    delta_h2 = (1 - math.tanh(4.0) ** 2) * 1.0 * delta_y
    expected = {"z_h1": -2, "z_h2": 4, "a_h1": math.tanh(-2.0), "x3": 1, "w7": 3,
                "b_y": 2.0001, "y": 1, "η": 0.5, "ŷ": yhat, "L": (1 - yhat) ** 2 / 2,
                "∂L/∂ŷ": yhat - 1, "δ_y": delta_y, "δ_h2": delta_h2, "∂L/∂w4": delta_h2,
                "∂L/∂x1": 1 * (-0.0250013) + 1 * delta_h2, "∂L/∂b_y": delta_y}
    for name, value in expected.items():
        got, spread = v.symbol(name)
        assert math.isclose(float(got), value, rel_tol=1e-6, abs_tol=1e-12), name
        assert spread >= 0
    assert v.symbol("w4", new=True)[0] == Fraction(2) - Fraction(1, 2) * v.symbol("∂L/∂w4")[0]
    assert v.true_value(pn.parse("w1·x1"))[0] == 0
    with pytest.raises(KeyError):
        v.symbol("a_nobody")


def test_the_true_value_of_layer_symbols() -> None:
    v = TrueValues(load_sample("seed003_layered"), 0)
    assert v.symbol("f₀")[0] == v.symbol("x")[0] == ((Fraction(1),), (Fraction(1, 2),))
    assert v.symbol("A₁")[0] == tuple(tuple(Fraction(x) for x in row) for row in
                                      [[0.5, -0.4], [0.3, 0.8], [-0.6, 0.2]])
    assert v.symbol("b₁")[0] == tuple((Fraction(x),) for x in (0.1, -0.1, 0.2))
    assert v.symbol("M₁")[0] == ((1, 1), (1, 1), (1, 1))
    skip = TrueValues(load_sample(SKIP), 0)
    # levels: {x1, x2}, {h1}, {h2: reads x2, a_h1}, {y: reads x1, a_h1, a_h2}
    assert skip.symbol("A₂")[0] == ((Fraction(0.7), Fraction(1.1)),)
    assert skip.symbol("T₂")[0] == ((0, 1),)              # w_x2_h2 is frozen
    assert skip.symbol("t₂")[0] == 0 and skip.symbol("t₁")[0] == 1
    assert skip.symbol("A₃")[0] == ((Fraction(0.5), Fraction(-0.9), Fraction(1.3)),)
    assert skip.symbol("A₃[:, f₁]")[0] == Fraction(-0.9)
    assert skip.symbol("A₃[:, f₀]")[0] == ((Fraction(0.5), Fraction(0)),)
    assert skip.symbol("A₂[:, f₀]")[0] == ((Fraction(0), Fraction(0.7)),)
    sine = TrueValues(load_sample("sin_2x_plus_y"), 0)    # inputs x, y; output z
    assert (sine.symbol("x")[0], sine.symbol("y")[0], sine.symbol("y*")[0]) == \
        (Fraction(0.5), Fraction(0.3), Fraction(1))


def test_the_true_value_of_update_symbols() -> None:
    blobs = load_sample("blobs_3class_softmax")
    v = TrueValues(blobs, 0, rows=range(60))
    grads = [Fraction(reference_pass(blobs, k)["grad_w"]["w_x1_h1"]) for k in range(60)]
    assert v.symbol("g_w_x1_h1")[0] == sum(grads) / 60
    assert v.symbol("∂L₁₂/∂w_x1_h1")[0] == grads[12]
    assert v.symbol("Σ_rest", focus="w_x1_h1")[0] == sum(grads[10:])
    eta = Fraction(blobs.training.learning_rate)
    assert v.symbol("w_x1_h1", new=True)[0] == Fraction(blobs.edge("w_x1_h1").weight) - \
        eta * sum(grads) / 60


# ---------------------------------------------------- fixed networks that once failed
def _one_ulp_below_two() -> Network:
    """w = 1.9999999999999998 (one ulp below 2) moves by one ulp: its old value must be
    printed with the 17 digits its new one needs to differ from it."""
    network = Network([Neuron("x", "input"), Neuron("y", "output", "identity")],
                      [Edge("w", "x", "y", 1.9999999999999998)],
                      samples=[Sample([1e-13], [0.2])])
    network.training.learning_rate = 0.05
    return network


def _a_level_no_edge_reaches() -> Network:
    """h has no incoming edge, so level 1 has no A₁: its steps read z₁ = b₁."""
    return Network([Neuron("x", "input"), Neuron("h", "hidden", "tanh", bias=0.3),
                    Neuron("y", "output", "sigmoid")],
                   [Edge("u", "h", "y", 0.7), Edge("v", "x", "y", -1.2)],
                   samples=[Sample([0.5], [1.0])])


@pytest.mark.parametrize("d", DIGITS)
@pytest.mark.parametrize("granularity", GRANULARITIES)
@pytest.mark.parametrize("make", [_one_ulp_below_two, _a_level_no_edge_reaches])
def test_fixed_networks_that_once_failed(make: Any, granularity: str, d: int) -> None:
    failures = pass_failures(make(), 0, granularity, d)
    assert not failures, _report(failures)


def test_a_one_ulp_update_prints_its_old_value_in_full() -> None:
    (update,) = [r for r in all_steps(_one_ulp_below_two(), 0, "edge") if r.target == "w"
                 and r.phase == "update"]
    # 1.9999999999999998 + 0.05·2×10⁻¹⁴ rounds to the double 2.0000000000000009
    assert update.text(4) == ("w ← w − η·∂L/∂w = 1.9999999999999998 − 0.05·(−2×10⁻¹⁴) = "
                              "1.9999999999999998 + 1.11×10⁻¹⁵ = 2.0000000000000009")


def test_a_level_no_edge_reaches_is_its_biases() -> None:
    texts = [r.text(4) for r in all_steps(_a_level_no_edge_reaches(), 0, "layer")]
    assert "z₁ = b₁ = [0.3]" in texts[1]
    assert not any("A₁" in t for t in texts)
