"""The printed-notation reader of tests/printed_math.py, on hand-written strings.

Every expected value is worked out by hand in the test (exact decimals), or, for a
transcendental function, is the double the spec says to use (math's value at that point).
"""

from __future__ import annotations

import math
from fractions import Fraction as F

import pytest

from tests import printed_math as pm
from tests import printed_notation as pn
from tests.printed_math import Interval
from tests.printed_notation import parse


def exact(text: str, symbols: dict[str, object] | None = None) -> pm.Value:
    """The exact value of a numbers line, or of a symbols line with the given values."""
    def leaf(node: pn.Node) -> object:
        return pn.number_value(node.text) if node.op == "num" else (symbols or {})[node.text]
    return pm.evaluate(parse(text, numbers=symbols is None), pm.Exact(), leaf)


def bounds(text: str, digits: int = 4, constants: tuple[str, ...] = ()) -> pm.Value:
    return pm.evaluate(parse(text, numbers=True),
                       pm.Bounds(digits, lambda node: node.text in constants))


def col(*xs: str) -> tuple[tuple[F, ...], ...]:
    return tuple((F(x),) for x in xs)


# ------------------------------------------------------------------------------ numbers
@pytest.mark.parametrize(("text", "value"), [
    ("0.118", F("0.118")), ("3", F(3)), ("0", F(0)), ("½", F(1, 2)),
    ("1.2×10⁻⁵", F(12, 10**6)), ("7.909×10⁻⁵", F(7909, 10**8)), ("1×10⁻¹²", F(1, 10**12)),
    ("1.235×10⁶", F(1235000)), ("1.2×10²", F(120)),
])
def test_a_number_is_the_exact_decimal_value_of_its_text(text: str, value: F) -> None:
    assert pn.number_value(text) == value
    assert exact(text) == value


@pytest.mark.parametrize(("text", "digits", "unit"), [
    ("0.118", 4, F(1, 10**4)),          # 0.1180 with its zero stripped: unit at 4 digits
    ("0.9993", 4, F(1, 10**4)),
    ("3", 4, F(1, 1000)),               # 3.000
    ("2.0000791", 4, F(1, 10**7)),      # guard digits: the last printed digit is finer
    ("7.909×10⁻⁵", 4, F(1, 10**8)),
    ("1.2×10⁻⁵", 4, F(1, 10**8)),       # 1.200×10⁻⁵
    ("1.2×10⁻⁵", 2, F(1, 10**6)),
    ("0", 4, F(0)),                     # exactly 0 has unit 0
    ("½", 4, F(0)),                     # a constant
])
def test_the_unit_of_a_printed_number(text: str, digits: int, unit: F) -> None:
    assert pn.unit(text, digits) == unit


def test_the_unit_of_a_true_value_uses_its_own_decade() -> None:
    # 0.99996 prints "1" at 4 digits; its rounding unit is 10^(−1−4+1), not 10^(0−4+1)
    assert pn.unit("1", 4, value=F("0.99996")) == F(1, 10**4)
    assert pn.decade(F("0.099999")) == -2
    assert pn.decade(F(10)) == 1
    assert pn.decade(F(1, 10**400)) == -400     # far below what a double holds


# ----------------------------------------------------------------------------- exact
def test_the_worked_cancellation_example() -> None:
    # (1 − 0.9993²)·(1·(−0.118)) = (1 − 0.99860049)·(−0.118) = 0.00139951·(−0.118)
    evaluator = pm.Exact()
    value = pm.evaluate(parse("(1 − 0.9993²)·(1·(−0.118))", numbers=True), evaluator)
    assert value == F("-0.00016514218")
    assert evaluator.peak == 1                  # the largest magnitude met is the 1


@pytest.mark.parametrize(("text", "value"), [
    ("0.5·(6.4×10⁻⁷)", F(32, 10**8)),
    ("(2×10⁻⁵)²", F(4, 10**10)),
    ("(1.2×10²)²", F(14400)),
    ("½(1 − 0.5)²", F(1, 8)),                   # ½·(0.5²), ² binds tighter
    ("0.5268(1 − 0.5268)", F("0.24928176")),    # juxtaposition
    ("2(0.5 − 1)/3", F(-1, 3)),                 # (2·(−0.5))/3, left to right
    ("(0.5 − 1)/(0.5(1 − 0.5))", F(-2)),
    ("0.5 − (−0.2)", F("0.7")),
    ("−0.5·2 + 1", F(0)),                       # (−(0.5·2)) + 1
    ("(−0.964)²", F("0.929296")),
    ("1 − 0.5 − 0.25", F("0.25")),              # left-associative
    ("[0.3 > 0]", F(1)), ("[−0.2 > 0]", F(0)), ("[0 > 0]", F(0)),
    ("(1 if 0.3 > 0 else 0.01)", F(1)), ("(1 if −0.5 > 0 else 0.01)", F(1, 100)),
    ("ReLU(−2) + LReLU(−2) + id(3)", F(3) - F(2, 100)),
    ("clamp(−0.3)", F(1, 10**12)), ("clamp(1.5)", 1 - F(1, 10**12)), ("clamp(0.25)", F(1, 4)),
    ("1·ln 1", F(0)),
    ("−[1·ln 1 + (1 − 1)·ln(1 − 0.5)]", F(0)),
])
def test_exact_values_worked_out_by_hand(text: str, value: F) -> None:
    assert exact(text) == value


@pytest.mark.parametrize(("text", "double"), [
    ("σ(0)", 0.5), ("σ(−0.03)", 1 / (1 + math.exp(0.03))), ("tanh(−2)", math.tanh(-2.0)),
    ("ln 0.5", math.log(0.5)), ("softplus(0)", math.log(2.0)), ("sin(1.3)", math.sin(1.3)),
    ("cos(0)", 1.0),
])
def test_transcendental_functions_are_doubles(text: str, double: float) -> None:
    assert abs(exact(text) - F(double)) <= F(2, 10**16)        # the double, within an ulp


def test_vectors_and_matrices() -> None:
    # A·x + b with A 3×2: [0.5 − 0.2 + 0.1, 0.3 + 0.4 − 0.1, −0.6 + 0.1 + 0.2]
    assert exact("[[0.5, −0.4], [0.3, 0.8], [−0.6, 0.2]]·[1, 0.5] + [0.1, −0.1, 0.2]") == \
        col("0.4", "0.6", "-0.3")
    # δ·xᵀ is an outer product: 2×1 times 1×2
    assert exact("[−0.1, 0.2]·[1, 0.5]ᵀ") == ((F("-0.1"), F("-0.05")), (F("0.2"), F("0.1")))
    # Aᵀ·δ: [0.7·(−0.1) − 0.3·0.2, −0.5·(−0.1) + 0.6·0.2, 0.4·(−0.1) + 0.9·0.2]
    assert exact("[[0.7, −0.5, 0.4], [−0.3, 0.6, 0.9]]ᵀ·[−0.1, 0.2]") == \
        col("-0.13", "0.17", "0.14")
    assert exact("[0.25, 0.5] ⊙ [−0.4, 2]") == col("-0.1", "1")
    assert exact("[1, 0.5] − 0.5·[0.2, −1]") == col("0.9", "1")          # scalars broadcast
    assert exact("[[0.6, −0.4]]") == ((F("0.6"), F("-0.4")),)             # a 1-row matrix
    assert exact("[[1.3]]ᵀ·[0.1]") == F("0.13")                          # 1 × 1 is a scalar
    assert exact("[0.5]") == F("0.5")                                     # a group
    assert exact("[[0.5], [0.3]]") == col("0.5", "0.3")


def test_functions_act_entry_by_entry_and_tuples_one_per_entry() -> None:
    assert exact("tanh([0, 0])") == col("0", "0")
    assert exact("(σ, tanh)([0, 0])") == col("0.5", "0")
    assert exact("(id, ReLU)([−1, −2])") == col("-1", "0")
    assert exact("softmax([0, 0])") == col("0.5", "0.5")
    assert exact("[[0, 0.3]] ⊙ [[1, 0]]") == ((F(0), F(0)),)


def test_symbols_lines_evaluate_with_given_values() -> None:
    half = F(1, 2)
    # 1·ln ½ + 0·ln ½
    assert exact("y ln ŷ + (1 − y) ln(1 − ŷ)", {"y": F(1), "ŷ": half}) == F(math.log(0.5))
    assert exact("a_y(1 − a_y)·∂L/∂ŷ", {"a_y": half, "∂L/∂ŷ": F(-2)}) == -half
    assert exact("A₂ᵀδ₂", {"A₂": ((F(1), F(2)),), "δ₂": F(3)}) == col("3", "6")
    zeros = ((F(0),), (F(0),))
    assert exact("(σ, tanh)′(z₁)", {"z₁": zeros}) == col("0.25", "1")    # σ′(0), tanh′(0)
    # [−1 > 0] + 0.01 + ReLU′(−1) + LReLU′(−1) = 0 + 0.01 + 0 + 0.01
    assert exact("[z > 0] + (1 if z > 0 else 0.01) + ReLU′(z) + LReLU′(z)",
                 {"z": F(-1)}) == F(2, 100)
    # cos 0 + 1 + σ(0)
    assert exact("sin′(z) + id′(z) + softplus′(z)", {"z": F(0)}) == F(5, 2)


def test_shapes_that_do_not_agree_have_no_value() -> None:
    with pytest.raises(pm.EvalError):
        exact("[1, 2] + [1, 2, 3]")
    with pytest.raises(pm.EvalError):
        exact("[[1, 2]]·[[1, 2]]")
    with pytest.raises(pm.EvalError):
        exact("1/(0.5 − 0.5)")
    with pytest.raises(pm.EvalError):
        exact("ln(1 − 1)")
    with pytest.raises(pm.EvalError):
        exact("(σ, tanh)([1, 2, 3])")


# ---------------------------------------------------------------------------- parser
def test_symbols_are_single_tokens() -> None:
    for text in ("∂L/∂a_h1", "∂L₁₂/∂w3", "∂L/∂ŷ₂", "∂L/∂b_h1", "∂L/∂f₂", "Σ_rest", "Σy",
                 "y*", "g_b_h1", "δ_h1", "η", "A₃[:, f₁]", "ŷ"):
        node = parse(text)
        assert (node.op, node.text) == ("sym", text)
    assert parse("y\u0302₁").text == "y\u0302₁"                    # a combining hat too


def test_the_shape_of_some_trees() -> None:
    tree = parse("A₃[:, f₁]ᵀδ₃ + Σ_rest")
    assert pn.show(tree) == "((A₃[:, f₁]ᵀ)·δ₃) + Σ_rest"
    assert pn.show(parse("−η·g_w3")) == "−(η·g_w3)"            # unary − is looser than ·
    assert pn.show(parse("y ln ŷ")) == "y·ln(ŷ)"
    assert pn.show(parse("(1 − y) ln(1 − ŷ)")) == "(1 − y)·ln(1 − ŷ)"
    assert pn.show(parse("[z_h1 > 0]")) == "[z_h1 > 0]"
    assert pn.show(parse("(1 if z > 0 else 0.01)")) == "(1 if z > 0 else 0.01)"
    assert pn.show(parse("(σ, tanh)′(z₁) ⊙ ∂L/∂f₁")) == "(σ, tanh)′(z₁) ⊙ ∂L/∂f₁"
    assert pn.show(parse("0.5·(6.4×10⁻⁷)", numbers=True)) == "0.5·6.4×10⁻⁷"


@pytest.mark.parametrize("text", [
    "σ((−0.03))",           # a function's argument is never doubly parenthesised
    "tanh(([0.5]))",
    "1 −0.5",               # binary − has a space on each side
    "1− 0.5",
    "− 0.5",                # unary − has none after it
    "3·−0.964",             # a negative number in a product is parenthesised
    "[0.5] ⊙[0.2]",
    "x1 + 1",               # no symbols in a numbers line
    "σ′(0.3)",              # no derivatives either
    "0.5 ln 0.2",           # nor a product without ·
    "[]",                   # no empty vectors in the notation
    "(1 + 2",
    "1 + 2)",
    "0.5 …",
    "ln",
])
def test_text_outside_the_notation_is_refused(text: str) -> None:
    with pytest.raises(pn.ParseError):
        parse(text, numbers=True)


def test_pairs_match_each_number_with_what_it_stands_for() -> None:
    found = [(pn.show(s), pn.literal_texts(n)) for s, n in pn.pairs(
        parse("a_y(1 − a_y)·∂L/∂ŷ"), parse("0.5268(1 − 0.5268)·(−0.4732)", numbers=True))]
    assert found == [("a_y", ["0.5268"]), ("1", ["1"]), ("a_y", ["0.5268"]),
                     ("∂L/∂ŷ", ["−0.4732"])]
    found = [(pn.show(s), pn.literal_texts(n)) for s, n in pn.pairs(
        parse("σ′(z₂) ⊙ ∂L/∂f₂"), parse("[0.25, 0.2] ⊙ [−0.5, 0.5]", numbers=True))]
    assert found == [("σ′(z₂)", ["0.25", "0.2"]), ("∂L/∂f₂", ["−0.5", "0.5"])]
    with pytest.raises(pn.Mismatch):
        list(pn.pairs(parse("w1·x1 + b_h1"), parse("0.5 + 0.1·0.2", numbers=True)))
    with pytest.raises(pn.Mismatch):
        list(pn.pairs(parse("σ(z)"), parse("tanh(0.2)", numbers=True)))


# ------------------------------------------------------------------------- intervals
def test_intervals_of_rounded_numbers_and_exact_constants() -> None:
    # 0.9993 at 4 digits is [0.99925, 0.99935]; 1 is the formula's constant
    assert bounds("1 − 0.9993²", constants=("1",)) == \
        Interval(F("0.0012995775"), F("0.0014994375"))      # 1 − 0.99935², 1 − 0.99925²
    assert bounds("3", 4) == Interval(F("2.9995"), F("3.0005"))
    assert bounds("0") == Interval(F(0), F(0))
    assert bounds("½") == Interval(F(1, 2), F(1, 2))
    assert bounds("−0.118·2", constants=("2",)) == Interval(F("-0.23610"), F("-0.23590"))


def test_interval_functions() -> None:
    # an Iverson bracket over an interval holding 0 is [0, 1]
    assert bounds("[0.001 − 0.001 > 0]") == Interval(F(0), F(1))
    assert bounds("[0.3 > 0]") == Interval(F(1), F(1))
    assert bounds("(1 if 0.001 − 0.001 > 0 else 0.01)", constants=("1", "0.01", "0")) == \
        Interval(F(1, 100), F(1))
    # a square over an interval holding 0 starts at 0: (±10⁻⁶)²
    assert bounds("(0.001 − 0.001)²") == Interval(F(0), F(1, 10**12))
    assert bounds("1/(0.5 − 0.5)") == Interval(-math.inf, math.inf)
    box = bounds("sin(1.571)")           # [1.57095, 1.57105] holds π/2: the maximum 1
    assert box.hi == 1 and box.lo < 1 and F(math.sin(1.57105)) in box
    box = bounds("cos(0)")
    assert 1 in box and box.hi == 1
    box = bounds("σ(0)")
    assert F(1, 2) in box and box.hi - box.lo < F(1, 10**14)
    box = bounds("tanh(−2)")             # 2 is 2.000: [−2.0005, −1.9995], by its ends
    assert F(math.tanh(-2.0005)) in box and F(math.tanh(-1.9995)) in box
    assert box.hi - box.lo < F(1, 10**4)                 # tanh′(2) ≈ 0.0707 times 0.001
    box = bounds("ln 0.5")
    assert F(math.log(0.49995)) in box and F(math.log(0.50005)) in box
    assert bounds("clamp(−0.3)") == Interval(F(1, 10**12), F(1, 10**12))


def test_softmax_bounds_each_entry_by_monotonicity() -> None:
    # [1, 1] at 2 digits: each entry in [0.95, 1.05], so s₁ ∈ [1/(1 + e^0.1), 1/(1 + e^−0.1)]
    box = bounds("softmax([1, 1])", 2)
    low, high = 1 / (1 + math.exp(0.1)), 1 / (1 + math.exp(-0.1))
    for entry in pm.entries(box):
        assert abs(float(entry.lo) - low) < 1e-12 and abs(float(entry.hi) - high) < 1e-12


def test_interval_vectors_and_matrices() -> None:
    box = bounds("[[0.5, −0.4]]·[1, 0.5]", 4)
    # 0.5·1 − 0.4·0.5 = 0.3; 1 is 1.000 ± 0.0005, the others ± 0.00005
    assert box.lo < F("0.3") < box.hi and box.hi - box.lo < F(1, 10**3)
    assert pm.shape(bounds("[0.1, 0.2]·[1, 2]ᵀ")) == (2, 2)
