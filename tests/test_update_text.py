"""The update written out (issue 16): a rule's state lines and the parameter's line, from
the state a training run has reached, evaluated by hand from the printed numbers.

The network is ŷ = w·x + b with x = 2, y = 0, half_sse (L = ½(2w + b)²), w = 1, b = 0:
∂L/∂w = 2·(2w + b) and ∂L/∂b = 2w + b. Each printed line's numbers are read back from
the text and the line's arithmetic is redone here, by hand, with the rule's formulas
written out in this file (torch's meanings); the result must come out within one unit
of its printed last digit. The printed new values are the training run's, to the bit.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from fractions import Fraction
from typing import Any

import pytest

from bpgui.engine.plan import compile_plan, sample_arrays
from bpgui.engine.records import StepRecord
from bpgui.engine.stepper import all_steps
from bpgui.engine.training import Trainer
from bpgui.engine.update_step import update_record
from bpgui.engine.update_text import RULE_TITLES
from bpgui.handout import worksheet
from bpgui.network.errors import BpguiError
from bpgui.network.fileformat import load
from bpgui.network.model import Edge, Network, Neuron, Sample, TrainingSettings
from tests.test_worksheet import ROOT, joined, md_steps, plain, read_html

SUPER = "⁰¹²³⁴⁵⁶⁷⁸⁹"
NUMBER = re.compile(rf"(−?)([0-9]+(?:\.[0-9]+)?)(?:×10(⁻?)([{SUPER}]+))?([{SUPER}]*)")
DIGITS = 6


def line(optimizer: str, **settings: Any) -> Network:
    training = replace(TrainingSettings(learning_rate=0.1, optimizer=optimizer), **settings)
    return Network([Neuron("x", "input"),
                    Neuron("y", "output", activation="identity", train_bias=False)],
                   [Edge("w", "x", "y", 1.0)], loss="half_sse",
                   samples=[Sample([2.0], [0.0])],
                   training=training)


def _super(text: str) -> int:
    return int("".join(str(SUPER.index(c)) for c in text))


def numbers(text: str) -> list[tuple[Fraction, int]]:
    """Every printed number of a numbers line, exactly, with the power printed after it
    (1 when none): ``0.9²`` is (0.9, 2), ``1×10⁻⁸`` is (10⁻⁸, 1)."""
    found = []
    for m in NUMBER.finditer(text):
        sign, mantissa, minus, exponent, power = m.groups()
        value = Fraction(mantissa) * (-1 if sign else 1)
        if exponent:
            value *= Fraction(10) ** (_super(exponent) * (-1 if minus else 1))
        found.append((value, _super(power) if power else 1))
    return found


def unit(result: str) -> float:
    """One unit of the printed result's last digit."""
    m = NUMBER.fullmatch(result)
    assert m is not None, result
    _, mantissa, minus, exponent, _ = m.groups()
    decimals = len(mantissa.partition(".")[2])
    power = _super(exponent) * (-1 if minus else 1) if exponent else 0
    return 10.0 ** (power - decimals)


def by_hand(lhs: str, values: list[float], powers: list[int]) -> float:
    """The line's arithmetic redone from its printed numbers, in the order printed."""
    if lhs.startswith("m̂_") or lhs.startswith("v̂_"):        # m/(1 − β₁ᵗ)
        moment, one, beta = values
        return moment / (one - beta ** powers[2])
    if lhs.startswith("m_"):                                  # β₁·m + (1 − β₁)·g
        beta, m, one, beta_again, g = values
        assert beta == beta_again
        return beta * m + (one - beta) * g
    if lhs.startswith("v_") and len(values) == 5:             # β₂·v + (1 − β₂)·g²
        beta, v, one, beta_again, g = values
        assert beta == beta_again and powers[4] == 2
        return beta * v + (one - beta) * g * g
    if lhs.startswith("v_"):                                  # momentum: β·v + g
        beta, v, g = values
        return beta * v + g
    if len(values) == 5:                                      # Adam: θ − η·m̂/(√v̂ + ε)
        theta, eta, m_hat, v_hat, eps = values
        return theta - eta * m_hat / (math.sqrt(v_hat) + eps)
    theta, eta, v = values                                    # momentum: θ − η·v
    return theta - eta * v


def check_by_hand(record: StepRecord) -> dict[str, tuple[float, float]]:
    """Each line of ``record`` redone by hand; returns lhs → (the line's first printed
    number, its printed result), for the tests to follow the state from line to line."""
    seen = {}
    for eq in record.equations:
        parts = eq.parts(DIGITS)
        assert len(parts.numbers) == 1, eq.text(DIGITS)
        found = numbers(parts.numbers[0])
        values = [float(v) for v, _ in found]
        result = float(numbers(parts.result)[0][0])
        got = by_hand(eq.lhs, values, [p for _, p in found])
        assert abs(got - result) <= unit(parts.result.lstrip("−")), eq.text(DIGITS)
        seen[eq.lhs] = (values[1] if eq.lhs != "w" else values[0], result)
    return seen


def test_adams_first_two_updates_evaluate_by_hand() -> None:
    net = line("adam")
    plan = compile_plan(net)
    x, y = sample_arrays(net)
    trainer = Trainer(plan, x, y, net.training)
    first = update_record(net, optimizer=trainer.optimizer)      # not started: zeros, t = 1
    assert first == update_record(net)                           # a fresh rule from the file
    assert [eq.lhs for eq in first.equations] == ["m_w", "v_w", "m̂_w", "v̂_w", "w"]
    text = first.text(DIGITS)
    # t = 1: β₁¹ and β₂¹; the state starts at 0; g = 2·(2·1 + 0) = 4
    assert "m_w ← β₁·m_w + (1 − β₁)·g_w = 0.9·0 + (1 − 0.9)·4 = 0.4" in text
    assert "v_w ← β₂·v_w + (1 − β₂)·g_w² = 0.999·0 + (1 − 0.999)·4² = 0.016" in text
    assert "(1 − 0.9¹)" in text and "(1 − 0.999¹)" in text
    one = check_by_hand(first)
    trainer.run(1)
    assert plan.weights()["w"] == first.values[0][1]                 # the run's number, to the bit
    # w ≈ 1 − 0.1·4/(4 + ε) ≈ 0.9: g = 2·(2·0.9) ≈ 3.6 at the second update
    after = plan.apply_to(net)
    second = update_record(after, rows=trainer.next_rows, optimizer=trainer.optimizer)
    assert "(1 − 0.9²)" in second.text(DIGITS) and "(1 − 0.999²)" in second.text(DIGITS)
    two = check_by_hand(second)
    # the second update starts from the state the first one printed
    assert two["m_w"][0] == one["m_w"][1] and two["v_w"][0] == one["v_w"][1]
    g = float(numbers(second.equations[0].parts(DIGITS).numbers[0])[-1][0])
    assert g == pytest.approx(2 * 2 * 0.9, rel=1e-6)
    trainer.run(1)
    assert plan.weights()["w"] == second.values[0][1]


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov"])
def test_momentums_second_update_evaluates_by_hand(optimizer: str) -> None:
    net = line(optimizer, momentum=0.5)
    plan = compile_plan(net)
    x, y = sample_arrays(net)
    trainer = Trainer(plan, x, y, net.training)
    trainer.run(1)
    after = plan.apply_to(net)
    record = update_record(after, rows=trainer.next_rows, optimizer=trainer.optimizer)
    # Step 1: v = 4, w = 1 − 0.1·4 = 0.6 (Nesterov: 1 − 0.1·(4 + 0.5·4) = 0.4).
    # Step 2: g = 4w; v = 0.5·4 + 4w; w − 0.1·v (Nesterov: w − 0.1·(g + 0.5·v)).
    w = 0.6 if optimizer == "momentum" else 0.4
    g, v = 4 * w, 0.5 * 4 + 4 * w
    assert [eq.lhs for eq in record.equations] == ["v_w", "w"]
    assert record.equations[0].text(DIGITS) == (
        f"v_w ← β·v_w + g_w = 0.5·4 + {g:.6g} = {v:.6g}")
    if optimizer == "momentum":
        check_by_hand(record)
        assert record.equations[1].text(DIGITS) == (
            f"w ← w − η·v_w = 0.6 − 0.1·{v:.6g} = {w - 0.1 * v:.6g}")
    else:
        assert record.equations[1].text(DIGITS) == (
            f"w ← w − η·(g_w + β·v_w) = 0.4 − 0.1·({g:.6g} + 0.5·{v:.6g}) = "
            f"{w - 0.1 * (g + 0.5 * v):.6g}")
    trainer.run(1)
    assert plan.weights()["w"] == record.values[0][1]


def test_rmsprop_writes_its_average_then_the_step() -> None:
    # α = 0.75, g = 4: v = 0.75·0 + 0.25·16 = 4, w = 1 − 0.1·4/(√4 + ε) = 0.8 (to ε)
    record = update_record(line("rmsprop", alpha=0.75))
    assert record.equations[0].text(DIGITS) == "v_w ← α·v_w + (1 − α)·g_w² = " \
        "0.75·0 + (1 − 0.75)·4² = 4"
    assert record.equations[1].text(DIGITS) == "w ← w − η·g_w/(√(v_w) + ε) = " \
        "1 − 0.1·4/(√(4) + 1×10⁻⁸) = 0.8"


def test_l2_writes_the_decayed_gradient() -> None:
    # λ = 0.5: g + λ·w = 4 + 0.5·1 = 4.5 → v = 4.5, w = 1 − 0.1·4.5 = 0.55
    record = update_record(line("momentum", l2=0.5))
    assert record.equations[0].text(DIGITS) == \
        "v_w ← β·v_w + (g_w + λ·w) = 0.9·0 + (4 + 0.5·1) = 4.5"
    assert record.equations[1].text(DIGITS) == "w ← w − η·v_w = 1 − 0.1·4.5 = 0.55"


def test_a_pass_writes_the_same_lines_at_every_granularity() -> None:
    """The pass's update is the first from zeros, at node, edge and layer granularity
    alike (layer falls back to a step per node, saying why)."""
    texts = {}
    for granularity in ("node", "edge", "layer"):
        steps = [s for s in all_steps(line("adam"), 0, granularity) if s.phase == "update"]
        texts[granularity] = [eq.text() for s in steps for eq in s.equations]
        if granularity == "layer":
            assert any("keeps a state for each parameter" in n for s in steps for n in s.notes)
    assert texts["node"] == texts["edge"] == texts["layer"]
    assert texts["node"][0] == "m_w ← β₁·m_w + (1 − β₁)·∂L/∂w = 0.9·0 + (1 − 0.9)·4 = 0.4"


def test_the_single_update_says_which_update_it_is() -> None:
    net = line("adam")
    assert "this is update t = 1, starting from zeros" in update_record(net).notes[0]
    plan = compile_plan(net)
    x, y = sample_arrays(net)
    trainer = Trainer(plan, x, y, net.training)
    trainer.run(2)
    record = update_record(plan.apply_to(net), trainer.next_rows, optimizer=trainer.optimizer)
    assert "this is update t = 3, starting from what the 2 updates of training so far left" \
        in record.notes[0]
    assert "(1 − 0.9³)" in record.text(DIGITS)
    assert update_record(line("sgd")).notes == ()


def test_a_rule_started_on_another_network_is_refused() -> None:
    net = line("momentum")
    plan = compile_plan(net)
    x, y = sample_arrays(net)
    trainer = Trainer(plan, x, y, net.training)
    trainer.run(1)
    wider = line("momentum")
    wider.neurons.append(Neuron("x2", "input"))
    wider.edges.append(Edge("w2", "x2", "y", 0.5))
    wider.samples = [Sample([2.0, 1.0], [0.0])]
    with pytest.raises(BpguiError, match="reset the run"):
        update_record(wider, optimizer=trainer.optimizer)


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov", "rmsprop", "adam"])
def test_the_handout_prints_the_step_panels_lines(optimizer: str) -> None:
    """Every step of the handout, HTML and Markdown, is the record's own text (the same
    lines the step panel and bpgui trace show), and the single update's lines are there."""
    network = load(ROOT / "sample_networks" / "xor_2-2-1.bpnet.json")
    network.training = replace(network.training, optimizer=optimizer, l2=0.01)
    records = all_steps(network, 0, "node")
    page = worksheet(network)
    steps = read_html(page).steps
    assert [joined(steps[k]) for k in sorted(steps)] == [r.text(4) for r in records]
    md = md_steps(worksheet(network, fmt="md"))
    assert [joined(md[k]) for k in sorted(md)] == [r.text(4) for r in records]
    text = plain(page)
    assert f"{RULE_TITLES[optimizer]} update from the rule's initial state" in text
    for eq in update_record(network).equations:
        assert all(line in text for line in eq.lines(4))
