"""Numbers for people: significant digits, a real minus sign, vectors."""

from __future__ import annotations

import math

import pytest

from bpgui.network.numbers import fmt, fmt_value


@pytest.mark.parametrize(("value", "digits", "text"), [
    (-0.02500130674367316, 4, "−0.025"),
    (-0.9640275800758169, 4, "−0.964"),
    (0.999329299739067, 4, "0.9993"),
    (0.5268108990212006, 4, "0.5268"),
    (3.0, 4, "3"),
    (0.0, 4, "0"),
    (-0.0, 4, "0"),
    (7.909e-05, 4, "7.909×10⁻⁵"),
    (123456.0, 3, "1.23×10⁵"),
    (math.pi, 6, "3.14159"),
    (math.nan, 4, "NaN"),
    (-math.inf, 4, "−∞"),
])
def test_fmt(value: float, digits: int, text: str) -> None:
    assert fmt(value, digits) == text


def test_vectors_and_matrices() -> None:
    assert fmt_value((1.0, -2.5)) == "[1, −2.5]"
    assert fmt_value(((1.0, 2.0), (-3.0, 4.0))) == "[[1, 2], [−3, 4]]"


def test_fmt_value_with_digits_per_element() -> None:
    """Guard digits: one entry of a vector or matrix may carry more digits than the rest."""
    assert fmt_value((0.123456, -2.5), (3, 5)) == "[0.123, −2.5]"
    assert fmt_value(((0.123456, 2.0), (-3.0, 0.987654)), ((2, 2), (2, 6))) == \
        "[[0.12, 2], [−3, 0.987654]]"
