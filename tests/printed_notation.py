"""Reading bpgui's printed equations back as trees, for tests only.

This module owns the printed notation (the contract in docs/notation.md): a tokenizer
and a recursive-descent parser that turn one printed line (an lhs, a symbols line, a
numbers line or a result) into a small tree of :class:`Node`, what a printed number's
text is worth (:func:`number_value`, :func:`unit`), and :func:`pairs`, which walks a
symbols tree and a numbers tree side by side: how a test learns what each printed number
stands for. :mod:`tests.printed_math` evaluates the trees.

It shares no code with ``bpgui.engine`` on purpose: the tests that use it check that
what the engine prints is true, so it must read the text as a student does, from the
documented notation, not from how the engine happens to build it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import NoReturn

SUPER, SUB = "⁰¹²³⁴⁵⁶⁷⁸⁹", "₀₁₂₃₄₅₆₇₈₉"
FUNCTIONS = frozenset({"σ", "tanh", "ReLU", "LReLU", "softplus", "sin", "cos", "id",
                       "softmax", "ln", "clamp", "exp", "max", "min"})
_TOKEN = re.compile(
    rf"(?P<space>\s+)"
    rf"|(?P<num>[0-9]+(?:\.[0-9]+)?(?:×10⁻?[{SUPER}]+)?|½)"
    rf"|(?P<word>path [0-9]+|(?:∂L[{SUB}]*/∂)?[A-Za-z_δηΣσŷαβελ]\u0302?[A-Za-z0-9_\u0302]*"
    rf"[{SUB}]*\*?)"
    rf"|(?P<power>[{SUPER}]+|ᵗ)"
    r"|(?P<op>[+−·/⊙ᵀ()\[\],>:′√^])")


class ParseError(ValueError):
    """The text is not in the printed notation."""


@dataclass(frozen=True, eq=False)       # identity, not value: two `1`s are two leaves
class Node:
    """``op`` is num, sym, neg, + − · / ⊙ ² ᵀ ^, vec, iverson, ifelse, call or call′ (√ is
    a call of the function √; max and min are calls of several arguments).
    ``text`` holds a number's or symbol's text, or the function names of a call."""

    op: str
    args: tuple[Node, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class Token:
    kind: str        # num, sym, fn, kw, op, end
    text: str
    space: bool      # preceded by white space


def tokenize(text: str) -> list[Token]:
    tokens, pos, space = [], 0, False
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ParseError(f"unexpected {text[pos]!r} at {pos} in {text!r}")
        pos, kind, word = m.end(), m.lastgroup or "", m.group()
        if kind == "space":
            space = True
            continue
        if kind == "word":
            kind = "fn" if word in FUNCTIONS else "kw" if word in ("if", "else") else "sym"
        if kind == "power":                     # a² is an op; 0.9¹⁰ and β₁ᵗ are powers
            kind = "op" if word == "²" else "power"
        tokens.append(Token(kind, word, space))
        space = False
    return [*tokens, Token("end", "", space)]


def parse(text: str, *, numbers: bool = False) -> Node:
    """One printed line as a tree; ``numbers`` refuses what only a symbols line may hold
    (symbols, primes, products without ·)."""
    return _Parser(text, numbers).parse()


class _Parser:
    def __init__(self, text: str, numbers: bool) -> None:
        self.text, self.numbers, self.tokens, self.i = text, numbers, tokenize(text), 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def is_op(self, text: str, ahead: int = 0) -> bool:
        t = self.peek(ahead)
        return t.kind in ("op", "kw") and t.text == text

    def take(self, text: str | None = None) -> Token:
        t = self.peek()
        if text is not None and t.text != text:
            self.fail(f"expected {text!r}, found {t.text or 'the end'!r}")
        self.i += 1
        return t

    def fail(self, why: str) -> NoReturn:
        raise ParseError(f"{why} (token {self.i}) in {self.text!r}")

    def parse(self) -> Node:
        node = self.expr()
        if self.peek().kind != "end":
            self.fail(f"unexpected {self.peek().text!r}")
        return node

    def expr(self) -> Node:
        node = self.unary()
        while self.is_op("+") or self.is_op("−"):
            if not (self.peek().space and self.peek(1).space):
                self.fail("a binary + or − needs a space on each side")
            op = self.take().text
            node = Node(op, (node, self.unary()))
        return node

    def unary(self) -> Node:
        if self.is_op("−"):
            self.take()
            if self.peek().space:
                self.fail("a unary − takes no space after it")
            return Node("neg", (self.unary(),))
        return self.term()

    def juxtaposed(self) -> bool:
        """Multiplication without a sign: before a parenthesis or a bracket anywhere, and
        in symbols lines also before a symbol (``A₂ᵀδ₂``) or a spaced function (``y ln ŷ``)."""
        t = self.peek()
        if t.kind == "op" and t.text in "([" and not t.space:
            return True
        return not self.numbers and ((t.kind == "sym" and not t.space)
                                     or (t.kind == "fn" and t.space))

    def term(self) -> Node:
        node = self.postfix()
        while True:
            if self.is_op("·") or self.is_op("/") or self.is_op("⊙"):
                op = self.take().text
                if op == "⊙" and not (self.tokens[self.i - 1].space and self.peek().space):
                    self.fail("⊙ needs a space on each side")
                node = Node(op, (node, self.postfix()))
            elif self.juxtaposed():
                node = Node("·", (node, self.postfix()))
            else:
                return node

    def postfix(self) -> Node:
        node = self.atom()
        while not self.peek().space:
            if self.is_op("²") or self.is_op("ᵀ"):
                node = Node(self.take().text, (node,))
            elif self.peek().kind == "power":                          # β₁ᵗ, 0.9³
                power = self.take().text
                exponent = Node("sym", (), "t") if power == "ᵗ" else \
                    Node("num", (), str(int("".join(str(SUPER.index(c)) for c in power))))
                node = Node("^", (node, exponent))
            elif self.is_op("^"):                                    # u^3, u^(−0.5)
                self.take("^")
                node = Node("^", (node, self.atom()))
            elif self.is_op("[") and self.is_op(":", 1) and node.op == "sym":
                self.take("[")
                self.take(":")
                self.take(",")
                index = self.take()
                if index.kind != "sym":
                    self.fail("a block index names a level")
                self.take("]")
                node = Node("sym", (), f"{node.text}[:, {index.text}]")
            else:
                break
        return node

    def atom(self) -> Node:
        t = self.take()
        if t.kind == "num":
            return Node("num", (), t.text)
        if t.kind == "sym":
            if self.numbers:
                self.fail(f"symbol {t.text!r} in a numbers line")
            return Node("sym", (), t.text)
        if t.kind == "fn":
            return self.call(t.text)
        if t.text == "√":                                            # √x, √(2·x)
            if self.peek().space:
                self.fail("√ takes no space after it")
            return Node("call", (self.atom(),), "√")
        if t.text == "(":
            if self.peek().kind == "fn" and self.is_op(",", 1):        # (σ, tanh)(z₁)
                names = [self.take().text]
                while self.is_op(","):
                    self.take(",")
                    names.append(self.take().text)
                self.take(")")
                return self.call(",".join(names))
            inner = self.expr()
            if self.is_op("if"):                                     # (1 if z > 0 else 0.01)
                self.take("if")
                left = self.expr()
                self.take(">")
                right = self.expr()
                self.take("else")
                inner = Node("ifelse", (inner, left, right, self.expr()))
            self.take(")")
            return inner
        if t.text == "[":
            items = [self.expr()]
            if self.is_op(">"):                                      # Iverson [e > 0]
                self.take(">")
                items.append(self.expr())
                self.take("]")
                return Node("iverson", tuple(items))
            while self.is_op(","):
                self.take(",")
                items.append(self.expr())
            self.take("]")
            if len(items) == 1 and items[0].op != "vec":
                return items[0]                                      # a group
            return Node("vec", tuple(items))                          # [[a, b]] is a 1-row matrix
        self.fail(f"unexpected {t.text or 'end'!r}")

    def call(self, names: str) -> Node:
        op = "call"
        if self.is_op("′") and not self.peek().space:
            if self.numbers:
                self.fail("a derivative in a numbers line")
            self.take()
            op = "call′"
        if self.is_op("(") and not self.peek().space:
            self.take("(")
            start = self.i
            arg = self.expr()
            if self.tokens[start].text == "(" and self.tokens[self.i - 1].text == ")" \
                    and _closes(self.tokens, start) == self.i - 1:
                self.fail(f"doubly parenthesised argument of {names}")
            if names in ("max", "min"):                              # max(u, v, w)
                args = [arg]
                while self.is_op(","):
                    self.take(",")
                    args.append(self.expr())
                self.take(")")
                return Node(op, tuple(args), names)
            self.take(")")
        elif names == "ln" and self.peek().space and self.peek().kind in ("num", "sym"):
            arg = self.atom()                                        # ln x
        else:
            self.fail(f"{names} without an argument")
        return Node(op, (arg,), names)


def _closes(tokens: list[Token], start: int) -> int:
    """Index of the token that closes the parenthesis at ``start``."""
    depth = 0
    for j in range(start, len(tokens)):
        depth += {"(": 1, ")": -1}.get(tokens[j].text, 0) if tokens[j].kind == "op" else 0
        if depth == 0:
            return j
    return -1


# ----------------------------------------------------------------------------- numbers
def number_value(text: str) -> Fraction:
    """The exact value of an unsigned printed number: ``0.118``, ``1.2×10⁻⁵``, ``½``."""
    if text == "½":
        return Fraction(1, 2)
    mantissa, _, exponent = text.partition("×10")
    return Fraction(mantissa) * Fraction(10) ** _exponent(exponent)


def _exponent(text: str) -> int:
    digits = "".join(str(SUPER.index(c)) for c in text if c in SUPER)
    return (-1 if text.startswith("⁻") else 1) * int(digits or 0)


def decade(v: Fraction) -> int:
    """The decimal exponent e of v ≠ 0: 10^e ≤ |v| < 10^(e+1)."""
    v = abs(v)
    e = len(str(v.numerator)) - len(str(v.denominator))
    while Fraction(10) ** e > v:
        e -= 1
    while Fraction(10) ** (e + 1) <= v:
        e += 1
    return e


def last_unit(text: str) -> Fraction:
    """The unit of the last printed digit (0 for ``½``, a constant)."""
    if text == "½":
        return Fraction(0)
    mantissa, _, exponent = text.partition("×10")
    decimals = len(mantissa.partition(".")[2])
    return Fraction(10) ** (_exponent(exponent) - decimals)


def unit(text: str, digits: int, value: Fraction | None = None) -> Fraction:
    """min(unit at ``digits`` significant digits, unit of the last printed digit); 0 for 0.
    The decade is the printed number's, or ``value``'s when given (a true value)."""
    v = number_value(text) if value is None else value
    if v == 0:
        return Fraction(0)
    return min(Fraction(10) ** (decade(v) - digits + 1), last_unit(text))


# --------------------------------------------------------------------- tree utilities
def is_literal(node: Node) -> bool:
    """A number, a negated literal, or a vector or matrix of literals."""
    if node.op in ("num", "neg", "vec"):
        return node.op == "num" or all(is_literal(a) for a in node.args)
    return False


def literal_texts(node: Node) -> list[str]:
    """The signed texts of a literal's entries, row by row: ``['−0.1', '0.2']``."""
    if node.op == "num":
        return [node.text]
    if node.op == "neg":
        return ["−" + t if not t.startswith("−") else t[1:] for t in literal_texts(node.args[0])]
    return [t for a in node.args for t in literal_texts(a)]


def walk(node: Node) -> Iterator[Node]:
    yield node
    for a in node.args:
        yield from walk(a)


def show(node: Node) -> str:
    """A tree as text again (for messages), every compound operand bracketed."""
    a = [show(x) if x.op in ("num", "sym", "call", "call′", "vec", "iverson") else
         f"({show(x)})" for x in node.args]
    if node.op in ("num", "sym"):
        return node.text
    if node.op == "^":
        return f"{a[0]}^{a[1]}"
    if node.op in ("call", "call′") and len(node.args) > 1:
        return f"{node.text}({', '.join(show(x) for x in node.args)})"
    if node.op in ("neg", "²", "ᵀ"):
        return f"−{a[0]}" if node.op == "neg" else a[0] + node.op
    if node.op in ("call", "call′"):
        names = node.text if "," not in node.text else f"({node.text.replace(',', ', ')})"
        return f"{names}{'′' * (node.op == 'call′')}({show(node.args[0])})"
    if node.op == "vec":
        return "[" + ", ".join(a) + "]"
    if node.op == "iverson":
        return f"[{a[0]} > {a[1]}]"
    if node.op == "ifelse":
        return f"({a[0]} if {a[1]} > {a[2]} else {a[3]})"
    return f" {node.op} ".join(a) if node.op in "+−⊙" else node.op.join(a)


class Mismatch(ValueError):
    """The symbols and the numbers do not have the same shape of formula."""


def pairs(symbols: Node, numbers: Node) -> Iterator[tuple[Node, Node]]:
    """Each numeric literal of ``numbers`` with the subtree of ``symbols`` it stands for.
    Grouping is already transparent (the parser keeps no group nodes)."""
    if is_literal(numbers):
        yield symbols, numbers
        return
    if symbols.op == "^" and numbers.op == "²":                    # β₁ᵗ printed 0.9² at t = 2
        numbers = Node("^", (numbers.args[0], Node("num", (), "2")))
    if (symbols.op, symbols.text, len(symbols.args)) != \
            (numbers.op, numbers.text, len(numbers.args)):
        raise Mismatch(f"{show(symbols)!r} stands opposite {show(numbers)!r}")
    for s, n in zip(symbols.args, numbers.args, strict=True):
        yield from pairs(s, n)
