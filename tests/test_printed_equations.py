"""Every equation bpgui prints is true from its printed numbers (docs/notation.md).

The checks (face value, intervals, substitution, updates, layout) are
:mod:`tests.printed_checks`; here they run over random DAGs in every granularity at 2–6
digits, over every sample network, over hand-worked true and broken equations (so the
checker itself is checked), and over networks that once failed.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import cache
from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from bpgui.engine.stepper import all_steps
from bpgui.network.model import Edge, Network, Neuron, Sample
from tests import printed_notation as pn
from tests.conftest import load_sample
from tests.printed_checks import (
    DIGITS,
    GRANULARITIES,
    STEMS,
    check,
    parameters,
    pass_failures,
    path_failures,
    report,
    training_rows,
    update_failures,
)
from tests.printed_values import TrueValues
from tests.reference import reference_pass
from tests.sin_neuron import sin_neuron
from tests.strategies import RULES, networks, training_settings


# ------------------------------------------------------------------------ properties
def _property(examples: int) -> Any:
    """A pass takes milliseconds, a failing one is shrunk (but not explained: too slow)."""
    return settings(max_examples=examples, deadline=None,
                    phases=[p for p in Phase if p is not Phase.explain],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.slow
@_property(60)
@given(network=networks(settings=training_settings(rules=RULES)), data=st.data())
def test_every_equation_of_a_pass_is_true(network: Network, data: st.DataObject) -> None:
    sample = data.draw(st.integers(0, len(network.samples) - 1), label="sample")
    granularity = data.draw(st.sampled_from(GRANULARITIES), label="granularity")
    d = data.draw(st.sampled_from(DIGITS), label="digits")
    failures = pass_failures(network, sample, granularity, d)
    assert not failures, report(failures)


@pytest.mark.slow
@_property(40)
@given(network=networks(), data=st.data())
def test_every_path_equation_is_true(network: Network, data: st.DataObject) -> None:
    targets: list[tuple[str, str | None]] = [(e.id, None) for e in network.edges]
    targets += [(n.id, None) for n in network.neurons]
    targets += [(n.id, "bias") for n in network.neurons if not n.is_input]
    target, kind = data.draw(st.sampled_from(targets), label="target")
    sample = data.draw(st.integers(0, len(network.samples) - 1), label="sample")
    d = data.draw(st.sampled_from(DIGITS), label="digits")
    failures = path_failures(network, target, kind, sample, d)
    assert not failures, report(failures)


@_property(30)
@given(network=networks(settings=training_settings(rules=RULES)), data=st.data())
def test_every_equation_of_an_update_is_true(network: Network, data: st.DataObject) -> None:
    params = parameters(network)
    assume(params)
    focus = data.draw(st.sampled_from(params), label="focus")
    n = len(network.samples)
    rows = data.draw(st.none() | st.lists(st.integers(0, n - 1), min_size=1, max_size=n,
                                          unique=True), label="rows")
    d = data.draw(st.sampled_from(DIGITS), label="digits")
    failures = update_failures(network, d, rows=rows, focus=focus)
    assert not failures, report(failures)


# -------------------------------------------------------------------- sample networks
@cache
def _sample(stem: str) -> tuple[Network, TrueValues]:
    network = load_sample(stem)
    return network, TrueValues(network, 0)


@cache
def _sample_update(stem: str) -> tuple[Network, TrueValues]:
    network = load_sample(stem)
    rows = training_rows(network)
    return network, TrueValues(network, rows[0], rows=rows)


@pytest.mark.parametrize("d", DIGITS)
@pytest.mark.parametrize("granularity", GRANULARITIES)
@pytest.mark.parametrize("stem", STEMS)
def test_sample_network_equations_are_true(stem: str, granularity: str, d: int) -> None:
    network, values = _sample(stem)
    failures = pass_failures(network, 0, granularity, d, values)
    assert not failures, report(failures)


@pytest.mark.parametrize("d", DIGITS)
@pytest.mark.parametrize("stem", STEMS)
def test_sample_network_paths_and_update_are_true(stem: str, d: int) -> None:
    network, values = _sample(stem)
    failures = []
    for target in [n.id for n in network.neurons][:6] + [e.id for e in network.edges][:6]:
        failures += path_failures(network, target, None, 0, d, values)
    update_network, update_values = _sample_update(stem)
    params = parameters(update_network)
    for focus in (params[0], params[-1]):
        failures += update_failures(update_network, d, focus=focus, values=update_values)
    assert not failures, report(failures)


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
    (sin_neuron, 0, None, Printed("∂L/∂ŷ", "ŷ − y*", ("0.96356 − 1",), "−0.03644")),
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
    (sin_neuron, 0, Printed("∂L/∂ŷ", "ŷ − y", ("0.96356 − 1",), "−0.03644"),
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
    sine = TrueValues(sin_neuron(), 0)    # inputs x, y; output z
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
    assert not failures, report(failures)


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


def _output_loss_of_two() -> Network:
    """The output loss (L = Σ ŷ_k, each ∂L/∂ŷ_k = 1) over two outputs."""
    return Network([Neuron("x", "input"), Neuron("p", "output", "identity", 1.0),
                    Neuron("q", "output", "tanh")],
                   [Edge("u", "x", "p", 3.0), Edge("v", "x", "q", -0.5)],
                   loss="output", samples=[Sample([0.4], [0.0, 0.0])])


@pytest.mark.parametrize("d", DIGITS)
@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_the_output_loss_prints_true_equations(granularity: str, d: int) -> None:
    failures = pass_failures(_output_loss_of_two(), 0, granularity, d)
    assert not failures, report(failures)

