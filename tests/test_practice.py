"""Practice mode's rules: the tolerance at its boundaries, what is asked, hints, tally."""

from __future__ import annotations

import pytest

from bpgui.engine.practice import (
    Choices,
    Tally,
    asked_equation,
    asked_positions,
    copy_text,
    hint_ids,
    hint_texts,
    is_asked,
    is_right,
    parse_answer,
    question_lines,
    rule_text,
    unit,
)
from bpgui.engine.stepper import all_steps

# (exact, digits, unit by hand)
CASES = [
    (0.5268, 4, 1e-4), (-0.5268, 4, 1e-4), (3.7e-5, 4, 1e-8), (-3.7e-5, 2, 1e-6),
    (0.0, 2, 0.1), (0.0, 4, 1e-3), (0.0, 6, 1e-5), (123.456, 2, 10.0), (123.456, 6, 1e-3),
    (-0.025, 6, 1e-7), (1.5e-12, 6, 1e-17), (9.9996, 4, 1e-2), (-2.0, 2, 0.1),
]


@pytest.mark.parametrize(("exact", "digits", "expected"), CASES)
def test_unit_is_the_last_written_digit(exact: float, digits: int, expected: float) -> None:
    assert unit(exact, digits) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("exact", "digits", "expected"), CASES)
def test_one_unit_off_is_right_and_a_little_more_is_wrong(exact: float, digits: int,
                                                          expected: float) -> None:
    for sign in (1, -1):
        assert is_right(exact + sign * expected, exact, digits)
        assert not is_right(exact + sign * expected * 1.01, exact, digits)
    assert is_right(exact, exact, digits)


def test_typed_answers_at_the_boundary() -> None:
    # δ_y of seed 000 is −0.11796…: −0.1180 and −0.1179 both within 0.0001 at 4 digits
    exact = -0.117964
    assert is_right(parse_answer("−0.1180"), exact, 4)
    assert is_right(parse_answer("-0.11796"), exact, 4)
    assert not is_right(parse_answer("-0.1182"), exact, 4)
    with pytest.raises(ValueError):
        parse_answer("abc")
    with pytest.raises(ValueError):
        parse_answer("inf")
    assert parse_answer("0,5") == 0.5


def test_rule_text_names_the_digit() -> None:
    assert rule_text(4) == "Right within one unit of the 4th significant digit."
    assert rule_text(2) == "Right within one unit of the 2nd significant digit."


def test_what_is_asked(seed000) -> None:
    records = all_steps(seed000, 0, "node")
    every = asked_positions(records, Choices())
    assert 0 not in every                          # the inputs step has no formula
    assert every == list(range(1, len(records)))
    backward = Choices(phases=frozenset({"backward"}))
    assert [records[k].target for k in asked_positions(records, backward)] == \
        ["y", "h2", "h1", "x3", "x2", "x1"]
    only_h1 = backward.toggled("h1")
    assert [records[k].target for k in asked_positions(records, only_h1)] == ["h1"]
    assert only_h1.toggled("h1") == backward
    assert not backward.with_phase("backward", False).phases
    layer = all_steps(seed000, 0, "layer")
    assert not any(is_asked(r, Choices()) and isinstance(r.result, tuple) for r in layer)


def test_the_equation_asked_and_the_question(seed000) -> None:
    records = all_steps(seed000, 0, "node")
    forward, loss, backward = records[1], records[4], records[5]
    assert asked_equation(forward).lhs == "a_h1"
    assert asked_equation(loss).lhs == "L"
    assert asked_equation(backward).lhs == "δ_y"
    lines = question_lines(forward, 4)
    assert lines[:3] == forward.equations[0].lines(4)          # z in full
    assert lines[3:] == ("a_h1 = tanh(z_h1)", "= tanh(−2)", "= ?")


def test_hints(seed000) -> None:
    records = all_steps(seed000, 0, "node")
    h2 = records[6]                                 # δ_h2 reuses δ_y
    assert hint_ids(h2) == ("y",)
    first, symbols, numbers = hint_texts(h2, 4)
    assert first == "Reuse the cached δ of y: computed once, never again."
    assert symbols == "The formula: δ_h2 = (1 − a_h2²)·(w8·δ_y)"
    assert numbers == "With the numbers: δ_h2 = (1 − 0.9993293²)·(1·(−0.118))"
    forward = records[1]
    assert hint_ids(forward) == forward.reads
    assert hint_texts(forward, 4)[0].startswith("Use the values of x1, w1")


def test_tally(seed000) -> None:
    records = all_steps(seed000, 0, "node")
    tally = Tally()
    tally.record(1, "first")
    tally.record(2, "hinted")
    tally.record(3, "revealed")
    assert tally.counts() == (1, 1, 1)
    tally.forget_from(3)
    assert tally.counts() == (1, 1, 0)
    text = copy_text(tally, records, 4)
    assert text.splitlines() == [
        "bpgui practice tally: Right first time: 1 · after hints: 1 · revealed: 0",
        "step 2: a_h1 = −0.964  (first)", "step 3: a_h2 = 0.9993  (hinted)"]
    tally.clear()
    assert tally.counts() == (0, 0, 0)
