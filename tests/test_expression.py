"""Formula trees and guard digits: how a formula is written, and when a number needs more.

Every expected text is the notation of docs/notation.md written out by hand, and every
expected value is worked out here with plain floats.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bpgui.engine.expression import (
    HALF,
    ONE,
    Diff,
    Expr,
    Group,
    Hadamard,
    Indicator,
    Neg,
    Prod,
    Quot,
    Square,
    Sum,
    Transpose,
    Var,
    Writer,
)
from bpgui.engine.formulas import activation, ln
from bpgui.engine.guard_digits import operand_digits
from bpgui.engine.records import Equation
from bpgui.network.numbers import fmt_value


def numbers(expr: Expr, digits: int = 4) -> str:
    """The numbers line with every number at ``digits``."""
    return expr.write(Writer(lambda v: fmt_value(v.value, digits)))[0]


def numbers_with(expr: Expr, digits: dict[int, int], base: int = 4) -> str:
    """The numbers line with guard digits (by the Var's id), ``base`` for the rest."""
    return expr.write(Writer(lambda v: fmt_value(v.value, digits.get(id(v), base))))[0]


# ------------------------------------------------------------------------ writing
def test_negative_and_scientific_numbers_are_bracketed_in_products_and_powers() -> None:
    a = Var("a_h1", -0.964)
    assert numbers(Diff(ONE, Square(a))) == "1 − (−0.964)²"
    assert numbers(Square(Var("a", 2e-5))) == "(2×10⁻⁵)²"            # not 2×10⁻⁵², issue 12
    assert numbers(Prod([Var("η", 0.5), Var("g", 6.4e-7)])) == "0.5·(6.4×10⁻⁷)"
    assert numbers(Sum([Var("p", 1.0), Var("q", -2.0)])) == "1 + (−2)"
    assert numbers(Sum([Var("p", -1.0), Var("q", 7.9e-5)])) == "−1 + 7.9×10⁻⁵"
    assert numbers(Diff(Var("p", 1.0), Var("q", -0.5))) == "1 − (−0.5)"


def test_a_function_argument_is_never_doubly_bracketed() -> None:
    z = Var("z_h1", -0.03)
    assert activation("sigmoid", z).symbols() == "σ(z_h1)"
    assert numbers(activation("sigmoid", z)) == "σ(−0.03)"           # not σ((−0.03))
    assert numbers(ln(Var("p", 0.5))) == "ln 0.5"
    assert numbers(ln(Diff(ONE, Var("p", 0.5)))) == "ln(1 − 0.5)"
    assert numbers(ln(Var("p", 1e-12))) == "ln(1×10⁻¹²)"


def test_implicit_products_read_as_the_seeds_write_them() -> None:
    a = Var("a_y", 0.5268)
    sigma_prime = Prod([a, Diff(ONE, a)], implicit=True)
    assert sigma_prime.symbols() == "a_y(1 − a_y)"
    assert numbers(sigma_prime) == "0.5268(1 − 0.5268)"
    loss = Prod([HALF, Square(Diff(Var("y", 1.0), Var("ŷ", 0.5268)))], implicit=True)
    assert (loss.symbols(), numbers(loss)) == ("½(y − ŷ)²", "½(1 − 0.5268)²")
    term = Prod([Var("y", 1.0), ln(Var("ŷ", 0.5))], implicit=True)
    assert (term.symbols(), numbers(term)) == ("y ln ŷ", "1·ln 0.5")
    back = Prod([Transpose(Var("A₂", ((1.0, 2.0),))), Var("δ₂", 0.5)], implicit=True)
    assert (back.symbols(), numbers(back)) == ("A₂ᵀδ₂", "[[1, 2]]ᵀ·0.5")


def test_a_grouped_product_and_a_negated_bracket() -> None:
    delta = Prod([Diff(ONE, Square(Var("a_h1", -0.964))),
                  Group(Prod([Var("w7", 3.0), Var("δ_y", -0.118)]))])
    assert delta.symbols() == "(1 − a_h1²)·(w7·δ_y)"
    assert numbers(delta) == "(1 − (−0.964)²)·(3·(−0.118))"
    assert numbers(Neg(Group(Sum([Var("p", 1.0), Var("q", 2.0)]), "[]"))) == "−[1 + 2]"
    assert numbers(Quot(Diff(Var("p", 0.4), Var("y", 0.0)),
                        Prod([Var("p", 0.4), Diff(ONE, Var("p", 0.4))], implicit=True))) == \
        "(0.4 − 0)/(0.4(1 − 0.4))"


def test_indicators_of_relu_and_leaky_relu() -> None:
    assert numbers(Indicator(Var("z", -0.5))) == "[−0.5 > 0]"
    assert numbers(Indicator(Var("z", 0.5), 0.01)) == "(1 if 0.5 > 0 else 0.01)"
    assert Indicator(Var("z", -0.5)).evaluate(lambda v: v.value) == 0.0
    assert Indicator(Var("z", -0.5), 0.01).evaluate(lambda v: v.value) == 0.01


def test_matrices_multiply_as_columns_and_masks_elementwise() -> None:
    a = Var("A₁", ((1.0, 2.0), (3.0, 4.0)))
    x = Var("x", (0.5, -1.0))
    z = Sum([Prod([a, x]), Var("b₁", (0.0, 1.0))])
    assert z.symbols() == "A₁·x + b₁"
    value = z.evaluate(lambda v: np.asarray(v.value).reshape(-1, 1) if np.ndim(v.value) == 1
                       else np.asarray(v.value))
    assert value.ravel().tolist() == [1 * 0.5 + 2 * -1.0, 3 * 0.5 + 4 * -1.0 + 1.0]
    outer = Hadamard(Prod([x, Transpose(x)]), Var("M₁", ((1.0, 0.0), (0.0, 1.0))))
    assert outer.symbols() == "(x·xᵀ) ⊙ M₁"


def test_equal_trees_are_equal() -> None:
    assert Square(Var("a", 1.0)) == Square(Var("a", 1.0))
    assert Square(Var("a", 1.0)) != Square(Var("b", 1.0))
    assert Indicator(Var("z", 1.0)) != Indicator(Var("z", 1.0), 0.01)


# --------------------------------------------------------------------- guard digits
def test_shown_digits_suffice_when_the_arithmetic_comes_out() -> None:
    # 0.5268 − 1 = −0.4732 exactly: no operand needs more
    expr = Diff(Var("ŷ", 0.5268108990212006), ONE)
    assert operand_digits(expr, 0.5268108990212006 - 1, 4).digits == {}


def test_a_cancelling_factor_gets_guard_digits() -> None:
    """Issue 12's example: (1 − 0.9993²)·(1·(−0.118)) = −0.0001651, not −0.0001582."""
    a, d = math.tanh(4.0), -0.11795713541742821
    assert pytest.approx(-0.0001651, abs=1e-7) == (1 - 0.9993**2) * (1 * -0.118)
    a_var = Var("a_h2", a)
    expr = Prod([Diff(ONE, Square(a_var)), Group(Prod([Var("w8", 1.0), Var("δ_y", d)]))])
    guard = operand_digits(expr, (1 - a * a) * d, 4)
    assert guard.digits == {id(a_var): 7} and not guard.noise
    assert numbers_with(expr, guard.digits) == "(1 − 0.9993293²)·(1·(−0.118))"
    assert abs((1 - 0.9993293**2) * -0.118 - -0.0001582) <= 1e-7


def test_a_difference_of_nearly_equal_terms_shows_why_it_is_not_zero() -> None:
    a = 1.0000001
    expr = Diff(Var("a", a), ONE)
    guard = operand_digits(expr, a - 1, 4)
    assert numbers_with(expr, guard.digits) == "1.0000001 − 1"
    assert not guard.noise


def test_rounding_noise_is_marked_not_hidden() -> None:
    """0.1·3 − 0.3 is 5.55×10⁻¹⁷ in doubles, and no printed digits make that come out."""
    result = 0.1 * 3 - 0.3
    assert result == pytest.approx(5.551e-17, rel=1e-3)
    expr = Sum([Prod([Var("w", 0.1), Var("x", 3.0)]), Var("b", -0.3)])
    guard = operand_digits(expr, result, 4)
    assert guard.noise


def test_an_update_too_small_to_show_writes_its_change() -> None:
    """w4 of seed 000: 2 − 0.5·(−0.0001582) is 2.0000791, "2" at four digits."""
    g = -0.00015817470130577487
    eq = Equation("w4", Diff(Var("w4", 2.0), Prod([Var("η", 0.5), Var("∂L/∂w4", g)])),
                  2.0 - 0.5 * g, "←", before=2.0)
    assert eq.text(4) == ("w4 ← w4 − η·∂L/∂w4 = 2 − 0.5·(−0.0001582) = 2 + 7.909×10⁻⁵ = "
                          "2.000079")
    assert abs(2 + 7.909e-5 - 2.000079) <= 1e-6
    assert abs(2 - 0.5 * -0.0001582 - 2.000079) <= 1e-6

