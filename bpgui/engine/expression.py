"""Formulas as small trees that write themselves in symbols or with numbers, and evaluate.

A step's formula is built once from the values the walk computed. The same tree
writes the symbols line (``(1 − a_h1²)·(w7·δ_y)``), the numbers line
(``(1 − (−0.96403)²)·(3·(−0.11796))``) and evaluates itself from the numbers as
printed, so :mod:`bpgui.engine.guard_digits` can check that a student redoing the
arithmetic gets the printed result. Every rule of the notation lives here: which
operand is parenthesised, how a product is written, how a function is applied.

Values are NumPy float64 scalars (so a division by zero is ∞, not an exception)
and arrays: a vector is a column (n × 1), a matrix is n × m, ``·`` between two
arrays is the matrix product.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from bpgui.network.numbers import fmt

# Precedence of a written piece, loosest first. A scientific number (2×10⁻⁵) is a
# product in disguise, so products and powers bracket it.
SUM, NEG, SCI, PROD, POW, ATOM = range(1, 7)

Leaf = Callable[["Var"], Any]          # a Var's value for an evaluation
Spell = Callable[["Var"], str]         # a Var's text in the numbers line


def _number_precedence(text: str) -> int:
    if text.startswith("−"):
        return NEG
    return SCI if "×" in text else ATOM


def as_array(value: Any) -> Any:
    """A stored value for evaluation: a float64, or a column vector / matrix array."""
    if not isinstance(value, tuple):
        return np.float64(value)
    array = np.asarray(value, dtype=np.float64)
    return array.reshape(-1, 1) if array.ndim == 1 else array


class Writer:
    """How to write the leaves: their symbols, or their numbers as ``spell`` gives them."""

    __slots__ = ("numbers", "spell")

    def __init__(self, spell: Spell | None = None) -> None:
        self.spell = spell
        self.numbers = spell is not None


class Expr:
    """A formula node. ``write`` returns the text and its precedence.

    Nodes are values: equal when their kind and parts are equal (so equal reports
    compare equal, and a quantity written twice is one leaf with one rounding).
    """

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def __init_subclass__(cls) -> None:
        cls._fields = tuple(name for klass in reversed(cls.__mro__)
                            for name in klass.__dict__.get("__slots__", ()))

    def _key(self) -> tuple[Any, ...]:
        return (type(self), *(getattr(self, name) for name in self._fields))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expr) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def write(self, w: Writer) -> tuple[str, int]:
        raise NotImplementedError

    def evaluate(self, leaf: Leaf) -> Any:
        raise NotImplementedError

    def children(self) -> Sequence[Expr]:
        return ()

    def leaves(self) -> Iterator[Var]:
        """Every Var, in writing order (a Var used twice appears twice)."""
        for child in self.children():
            yield from child.leaves()

    def symbols(self) -> str:
        return self.write(Writer())[0]


class Var(Expr):
    """A quantity: written as its symbol, or as its value rounded (``w7`` / ``3``)."""

    __slots__ = ("precedence", "symbol", "value")

    def __init__(self, symbol: str, value: Any) -> None:
        self.symbol = symbol
        self.value = value               # float, tuple (vector) or tuple of tuples (matrix)
        # a symbol such as ``w1·x1`` (an edge's term) is a product
        self.precedence = PROD if "·" in symbol else ATOM

    def write(self, w: Writer) -> tuple[str, int]:
        if w.spell is None:
            return self.symbol, self.precedence
        text = w.spell(self)
        return text, ATOM if isinstance(self.value, tuple) else _number_precedence(text)

    def evaluate(self, leaf: Leaf) -> Any:
        return leaf(self)

    def leaves(self) -> Iterator[Var]:
        yield self


class Const(Expr):
    """A number that reads the same in both lines (the 1 in 1 − a², the ½ of ½(y − ŷ)²)."""

    __slots__ = ("text", "value")

    def __init__(self, value: float, text: str | None = None) -> None:
        self.value = float(value)
        self.text = fmt(value, 17) if text is None else text

    def write(self, w: Writer) -> tuple[str, int]:
        return self.text, _number_precedence(self.text)

    def evaluate(self, leaf: Leaf) -> Any:
        return np.float64(self.value)


ZERO, ONE, TWO, HALF = Const(0), Const(1), Const(2), Const(0.5, "½")


def _wrap(piece: tuple[str, int], below: int) -> str:
    """The piece's text, parenthesised when its precedence is below ``below``."""
    text, precedence = piece
    return f"({text})" if precedence < below else text


class _Unary(Expr):
    __slots__ = ("operand",)

    def __init__(self, operand: Expr) -> None:
        self.operand = operand

    def children(self) -> Sequence[Expr]:
        return (self.operand,)


class _Binary(Expr):
    __slots__ = ("left", "right")

    def __init__(self, left: Expr, right: Expr) -> None:
        self.left, self.right = left, right

    def children(self) -> Sequence[Expr]:
        return self.left, self.right


class Sum(Expr):
    """``a + b + c``; a negative term after the first is parenthesised: ``1 + (−2)``."""

    __slots__ = ("terms",)

    def __init__(self, terms: Sequence[Expr]) -> None:
        self.terms = tuple(terms)

    def children(self) -> Sequence[Expr]:
        return self.terms

    def write(self, w: Writer) -> tuple[str, int]:
        pieces = [t.write(w) for t in self.terms]
        return " + ".join([pieces[0][0]] + [_wrap(p, SCI) for p in pieces[1:]]), SUM

    def evaluate(self, leaf: Leaf) -> Any:
        total = self.terms[0].evaluate(leaf)
        for term in self.terms[1:]:
            total = total + term.evaluate(leaf)
        return total


class Diff(_Binary):
    """``a − b``."""

    __slots__ = ()

    def write(self, w: Writer) -> tuple[str, int]:
        return f"{self.left.write(w)[0]} − {_wrap(self.right.write(w), SCI)}", SUM

    def evaluate(self, leaf: Leaf) -> Any:
        return self.left.evaluate(leaf) - self.right.evaluate(leaf)


class Neg(_Unary):
    """``−a``."""

    __slots__ = ()

    def write(self, w: Writer) -> tuple[str, int]:
        return "−" + _wrap(self.operand.write(w), SCI), NEG

    def evaluate(self, leaf: Leaf) -> Any:
        return -self.operand.evaluate(leaf)


def _multiply(x: Any, y: Any) -> Any:
    if isinstance(x, np.ndarray) and isinstance(y, np.ndarray):
        return x @ y
    return x * y


class Prod(Expr):
    """``a·b``, or written side by side (``implicit``) where that reads as the seeds do:
    ``a_y(1 − a_y)``, ``½(y − ŷ)²``, ``y ln ŷ``, ``A₂ᵀδ₂``. Sums, negative numbers and
    scientific numbers are parenthesised; a product inside a product is not (wrap it in a
    :class:`Group` to show it as one term, as in ``(w7·δ_y)``)."""

    __slots__ = ("factors", "implicit")

    def __init__(self, factors: Sequence[Expr], implicit: bool = False) -> None:
        self.factors = tuple(factors)
        self.implicit = implicit

    def children(self) -> Sequence[Expr]:
        return self.factors

    def write(self, w: Writer) -> tuple[str, int]:
        text = ""
        for k, factor in enumerate(self.factors):
            piece = _wrap(factor.write(w), PROD)
            if k:
                text += self._joint(text, factor, piece, w)
            text += piece
        return text, PROD

    def _joint(self, before: str, factor: Expr, piece: str, w: Writer) -> str:
        if not self.implicit:
            return "·"
        if piece.startswith("(") or isinstance(factor, Group):
            return ""
        if not w.numbers and isinstance(factor, Call):
            return " "
        if not w.numbers and before.endswith("ᵀ"):
            return ""
        return "·"

    def evaluate(self, leaf: Leaf) -> Any:
        value = self.factors[0].evaluate(leaf)
        for factor in self.factors[1:]:
            value = _multiply(value, factor.evaluate(leaf))
        return value


class Quot(_Binary):
    """``a/b``: ``2(ŷ − y)/3``, ``(p − y)/(p(1 − p))``."""

    __slots__ = ()

    def write(self, w: Writer) -> tuple[str, int]:
        return f"{_wrap(self.left.write(w), PROD)}/{_wrap(self.right.write(w), POW)}", PROD

    def evaluate(self, leaf: Leaf) -> Any:
        return self.left.evaluate(leaf) / self.right.evaluate(leaf)


class Hadamard(_Binary):
    """``a ⊙ b``, elementwise; a product on either side is parenthesised."""

    __slots__ = ()

    def write(self, w: Writer) -> tuple[str, int]:
        return f"{_wrap(self.left.write(w), POW)} ⊙ {_wrap(self.right.write(w), POW)}", PROD

    def evaluate(self, leaf: Leaf) -> Any:
        return self.left.evaluate(leaf) * self.right.evaluate(leaf)


class Square(_Unary):
    """``a²``; a negative or scientific base is parenthesised: ``(−0.964)²``, ``(2×10⁻⁵)²``."""

    __slots__ = ()

    def write(self, w: Writer) -> tuple[str, int]:
        return _wrap(self.operand.write(w), ATOM) + "²", POW

    def evaluate(self, leaf: Leaf) -> Any:
        value = self.operand.evaluate(leaf)
        return value * value


class Transpose(_Unary):
    """``aᵀ``."""

    __slots__ = ()

    def write(self, w: Writer) -> tuple[str, int]:
        return _wrap(self.operand.write(w), ATOM) + "ᵀ", POW

    def evaluate(self, leaf: Leaf) -> Any:
        value = self.operand.evaluate(leaf)
        return value.T if isinstance(value, np.ndarray) else value


class Group(Expr):
    """Brackets the formula shows on purpose: ``(w7·δ_y)``, ``−[y ln ŷ + …]``."""

    __slots__ = ("brackets", "inner")

    def __init__(self, inner: Expr, brackets: str = "()") -> None:
        self.inner, self.brackets = inner, brackets

    def children(self) -> Sequence[Expr]:
        return (self.inner,)

    def write(self, w: Writer) -> tuple[str, int]:
        return f"{self.brackets[0]}{self.inner.write(w)[0]}{self.brackets[1]}", ATOM

    def evaluate(self, leaf: Leaf) -> Any:
        return self.inner.evaluate(leaf)


class Call(Expr):
    """``σ(z)``, ``softmax([…])``; ``ln ŷ`` without parentheses (``bare``) when its argument
    is a plain symbol or positive number. ``function`` maps a value to a value."""

    __slots__ = ("argument", "bare", "function", "name")

    def __init__(self, name: str, argument: Expr, function: Callable[[Any], Any],
                 bare: bool = False) -> None:
        self.name, self.argument, self.function, self.bare = name, argument, function, bare

    def _key(self) -> tuple[Any, ...]:
        return Call, self.name, self.argument, self.bare      # the name fixes the function

    def children(self) -> Sequence[Expr]:
        return (self.argument,)

    def write(self, w: Writer) -> tuple[str, int]:
        text, precedence = self.argument.write(w)
        if self.bare and precedence == ATOM and not text.startswith(("(", "[")):
            return f"{self.name} {text}", ATOM
        return f"{self.name}({text})", ATOM

    def evaluate(self, leaf: Leaf) -> Any:
        value = self.function(self.argument.evaluate(leaf))
        return value if isinstance(value, np.ndarray) and value.ndim else np.float64(value)


class Indicator(_Unary):
    """The step of ReLU and leaky ReLU: ``[z > 0]``, ``(1 if z > 0 else 0.01)``."""

    __slots__ = ("low",)

    def __init__(self, operand: Expr, low: float = 0.0) -> None:
        super().__init__(operand)
        self.low = low

    def write(self, w: Writer) -> tuple[str, int]:
        text = self.operand.write(w)[0]
        if self.low == 0:
            return f"[{text} > 0]", ATOM
        return f"(1 if {text} > 0 else {fmt(self.low, 17)})", ATOM

    def evaluate(self, leaf: Leaf) -> Any:
        value = np.where(np.asarray(self.operand.evaluate(leaf)) > 0, 1.0, self.low)
        return value if value.ndim else np.float64(value)
