"""An expression such as ``sin(2*x + y)`` as a graph of operation nodes (``bpgui expr``).

A teacher writes the function a lecture draws (CS231n's ``(x + y)*z``, seed 000's
``sin(2x + y)``) and gets the same picture as a network file. The text is parsed with
:func:`ast.parse` and only an allowed set of syntax nodes is walked; nothing is ever
evaluated, so no expression can run code.

The rules, chosen to be few and predictable:

- a variable is an input node (in order of first appearance), a number is a ``const``
  node, every operator or function call is one operation node, grouped as Python groups
  it (``a + b + c`` is ``add(add(a, b), c)``), with its operands in the written order;
- a product of a number and something that is not a number, used as an operand, is that
  operand's edge weight (``2*x + y`` is ``add`` with edges 2·x and 1·y, seed 000's
  picture; ``2*(3*x)`` gives the weight 6); every other edge has weight 1. The whole
  expression is always a node, so ``2*sin(x)`` alone is ``mul(2, sin(x))``;
- ``-`` before a number is part of the number; before anything else it is ``neg``;
- ``**`` needs a number as exponent: ``**2`` is ``square``, any other is ``pow``;
- the output is called ``f`` (CS231n's name; the next free letter if a variable is called
  f), the other operation nodes ``a``, ``b``, ``c``, … in forward order, skipping the
  variables' names; an edge is called ``target_source`` (``f_a``).

A variable used twice by one operation (``x*x``) is refused: two nodes are joined by at
most one edge in the format. Use ``x**2`` or ``2*x``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import count
from string import ascii_lowercase

from bpgui.network.errors import BpguiError
from bpgui.network.graph import topological_levels
from bpgui.network.items import Edge, Neuron, Sample
from bpgui.network.layout import LAYER_GAP, ROW_GAP
from bpgui.network.model import ID_PATTERN, Network

UNARY_FUNCTIONS = ("sqrt", "exp", "log", "sin", "cos", "tanh", "sigmoid", "relu")
EXTREME_FUNCTIONS = ("max", "min")                   # two or more arguments
FUNCTIONS = UNARY_FUNCTIONS + EXTREME_FUNCTIONS
ALLOWED = ("numbers, variables, + - * / **, unary -, and the functions "
           + ", ".join(FUNCTIONS))
_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div"}
_WORDS: dict[type[ast.AST], str] = {
    ast.Attribute: "an attribute", ast.Subscript: "a subscript", ast.Lambda: "a lambda",
    ast.Compare: "a comparison", ast.BoolOp: "'and'/'or'", ast.IfExp: "a conditional",
    ast.Tuple: "a tuple", ast.List: "a list", ast.Set: "a set", ast.Dict: "a dictionary",
    ast.Starred: "unpacking (*)", ast.NamedExpr: "an assignment (:=)",
    ast.JoinedStr: "a string", ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
}
_OPERATORS: dict[type[ast.AST], str] = {
    ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.Not: "not", ast.Invert: "~"}


@dataclass
class _Op:
    """One operation node of the parsed tree: its operands are (weight, operand) pairs,
    an operand being another :class:`_Op` or a variable's name."""

    op: str
    at: ast.AST
    operands: list[tuple[float, _Op | str]] = field(default_factory=list)
    param: float | None = None


class _Parser:
    """Walks the syntax tree; knows the text, to say where a problem is."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.variables: dict[str, ast.Name] = {}   # first appearance, in order

    # ------------------------------------------------------------------ errors
    def where(self, node: ast.AST) -> str:
        line, offset = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
        source = self.text.splitlines()[line - 1] if self.text else ""
        column = len(source.encode("utf-8")[:offset].decode("utf-8", "replace")) + 1
        return _position(self.text, line, column)

    def refuse(self, node: ast.AST, message: str) -> BpguiError:
        return BpguiError(f"expression, {self.where(node)}: {message}")

    def segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or ast.unparse(node)

    # ----------------------------------------------------------------- the walk
    def node(self, expr: ast.expr) -> _Op | str | float:
        """A subexpression as an operation, a variable's name, or a number."""
        number = self.number(expr)
        if number is not None:
            return number
        if isinstance(expr, ast.Name):
            return self.variable(expr)
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.UAdd):
            return self.node(expr.operand)
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
            return _Op("neg", expr, [self.operand(expr.operand)])
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Pow):
            return self.power(expr)
        if isinstance(expr, ast.BinOp) and type(expr.op) in _BINARY:
            return _Op(_BINARY[type(expr.op)], expr,
                       [self.operand(expr.left), self.operand(expr.right)])
        if isinstance(expr, ast.Call):
            return self.call(expr)
        raise self.refuse(expr, f"{self.what(expr)} ({self.segment(expr)}) is not "
                                f"supported; an expression has {ALLOWED}")

    def what(self, expr: ast.expr) -> str:
        if isinstance(expr, ast.Constant):
            kind = "True/False" if isinstance(expr.value, bool) else \
                f"a {type(expr.value).__name__} constant"
            return {"str": "a string", "complex": "a complex number"}.get(
                type(expr.value).__name__, kind)
        operator: ast.AST | None = getattr(expr, "op", None)
        if operator is not None and type(operator) in _OPERATORS:
            return f"the operator {_OPERATORS[type(operator)]}"
        return _WORDS.get(type(expr), type(expr).__name__)

    def number(self, expr: ast.expr) -> float | None:
        """A number literal, with any signs before it, or None."""
        sign = 1.0
        while isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub | ast.UAdd):
            sign = -sign if isinstance(expr.op, ast.USub) else sign
            expr = expr.operand
        if not isinstance(expr, ast.Constant) or isinstance(expr.value, bool) \
                or not isinstance(expr.value, int | float):
            return None
        try:
            value = sign * float(expr.value)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise self.refuse(expr, f"the number {self.segment(expr)} is too large")
        return value

    def variable(self, expr: ast.Name) -> str:
        name = expr.id
        if name in FUNCTIONS:
            raise self.refuse(expr, f"{name} is a function; call it as {name}(…)")
        if not ID_PATTERN.fullmatch(name):
            raise self.refuse(expr, f"{name!r} cannot be a variable's name (a letter or _, "
                                    "then up to 63 letters, digits or _)")
        self.variables.setdefault(name, expr)
        return name

    def operand(self, expr: ast.expr) -> tuple[float, _Op | str]:
        """An operand and its edge weight: a number times something else is weighted."""
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult):
            left, right = self.number(expr.left), self.number(expr.right)
            if (left is None) != (right is None):
                factor, other = (left, expr.right) if left is not None else (right, expr.left)
                weight, weighted = self.operand(other)
                return float(factor or 0.0) * weight, weighted
        inner = self.node(expr)
        if isinstance(inner, float):
            return 1.0, _Op("const", expr, param=inner)
        return 1.0, inner

    def power(self, expr: ast.BinOp) -> _Op:
        exponent = self.number(expr.right)
        if exponent is None:
            raise self.refuse(expr.right, f"the exponent {self.segment(expr.right)} must be "
                                          "a number (x**2, x**0.5)")
        base = self.operand(expr.left)
        if exponent == 2.0:
            return _Op("square", expr, [base])
        return _Op("pow", expr, [base], param=exponent)

    def call(self, expr: ast.Call) -> _Op:
        if not isinstance(expr.func, ast.Name):
            raise self.refuse(expr, f"only a function's name can be called, not "
                                    f"{self.segment(expr.func)}")
        name, args = expr.func.id, expr.args
        if name not in FUNCTIONS:
            raise self.refuse(expr, f"unknown function {name!r} (known: {', '.join(FUNCTIONS)})")
        if expr.keywords:
            raise self.refuse(expr.keywords[0], f"{name} takes no keyword arguments")
        for arg in args:
            if isinstance(arg, ast.Starred):
                raise self.refuse(arg, f"{name} takes its arguments one by one, not unpacked")
        if name in UNARY_FUNCTIONS and len(args) != 1:
            raise self.refuse(expr, f"{name} takes exactly 1 argument, not {len(args)}")
        if name in EXTREME_FUNCTIONS and len(args) < 2:
            raise self.refuse(expr, f"{name} takes 2 or more arguments, not {len(args)}")
        return _Op(name, expr, [self.operand(a) for a in args])


def _position(text: str, line: int, column: int) -> str:
    return f"column {column}" if "\n" not in text.strip() else f"line {line}, column {column}"


def _parse(text: str) -> ast.expr:
    if not text.strip():
        raise BpguiError("expression: it is empty; write one such as sin(2*x + y)")
    if "\x00" in text:
        raise BpguiError(f"expression, column {text.index(chr(0)) + 1}: a NUL character")
    body = text.lstrip()       # an indent would be a syntax error in Python, not here
    lead = text[:len(text) - len(body)]
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError as exc:
        line, column = exc.lineno or 1, exc.offset or 0
        source = body.splitlines()[line - 1] if body.splitlines() else ""
        column = column if 1 <= column <= len(source) + 1 else len(source) + 1
        if line == 1:
            column += len(lead) - lead.rfind("\n") - 1
        where = _position(text, line + lead.count("\n"), column)
        raise BpguiError(f"expression, {where}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise BpguiError("expression: it is nested too deeply") from None
    if lead:                   # say columns in the text as given
        lines, shift = lead.count("\n"), len(lead[lead.rfind("\n") + 1:].encode("utf-8"))
        for node in ast.walk(tree):
            for line_key, column_key in (("lineno", "col_offset"),
                                         ("end_lineno", "end_col_offset")):
                if getattr(node, line_key, None) is not None:
                    if getattr(node, line_key) == 1:
                        setattr(node, column_key, getattr(node, column_key) + shift)
                    setattr(node, line_key, getattr(node, line_key) + lines)
    return tree.body


def _subscripted(name: str) -> str | None:
    """x0 → x₀, w12 → w₁₂: a label for a variable with a number; None for the others."""
    stem = name.rstrip("0123456789")
    if not stem or stem == name or "_" in stem:
        return None
    return stem + name[len(stem):].translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _names(taken: set[str]) -> Iterator[str]:
    """a, b, c, … then n27, n28, …, skipping the variables' names and f (the output's)."""
    for letter in ascii_lowercase:
        if letter not in taken and letter != "f":
            yield letter
    for k in count(27):
        if f"n{k}" not in taken:
            yield f"n{k}"


def network_from_expression(text: str, at: Mapping[str, float]) -> Network:
    """The graph of ``text`` at the point ``at`` (a value for every variable): laid out by
    level, loss ``output`` (so every gradient is ∂f/∂θ), one sample with target 0.

    Raises :class:`BpguiError` with one line saying what is wrong and at which column.
    """
    parser = _Parser(text)
    try:
        root = parser.node(_parse(text))
    except RecursionError:
        raise BpguiError("expression: it is nested too deeply") from None
    if isinstance(root, str):
        raise parser.refuse(parser.variables[root], f"the expression is only the variable "
                            f"{root}: there is nothing to compute (try 1*{root} + 0)")
    if isinstance(root, float):
        root = _Op("const", ast.Constant(root), param=root)
    variables = list(parser.variables)
    unknown = [name for name in at if name not in parser.variables]
    if unknown:
        known = ", ".join(variables) or "none"
        raise BpguiError(f"--at {unknown[0]}: the expression has no variable {unknown[0]!r} "
                         f"(its variables: {known})")
    for name, expr in parser.variables.items():
        if name not in at:
            raise parser.refuse(expr, f"the variable {name} has no value (give --at {name}=…)")
        value = at[name]
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            raise BpguiError(f"--at {name}: must be a finite number, not {value!r}")
    try:
        return _build(parser, root, variables, at, text.strip())
    except RecursionError:
        raise BpguiError("expression: it is nested too deeply") from None


def _build(parser: _Parser, root: _Op, variables: list[str], at: Mapping[str, float],
           text: str) -> Network:
    neurons = [Neuron(v, "input", label=_subscripted(v)) for v in variables]
    edges: list[Edge] = []
    root_id = "f" if "f" not in variables else ""
    fresh = _names(set(variables))
    if not root_id:
        root_id = next(fresh)

    def emit(node: _Op) -> str:
        sources = [source if isinstance(source, str) else emit(source)
                   for _, source in node.operands]
        ident = root_id if node is root else next(fresh)
        seen: set[str] = set()
        for source in sources:
            if source in seen:
                raise parser.refuse(node.at, f"{parser.segment(node.at)} uses {source} twice "
                                    "in one operation, and two nodes are joined by one edge "
                                    f"at most; write it another way ({source}**2, 2*{source})")
            seen.add(source)
        role = "output" if node is root else "hidden"
        neurons.append(Neuron(ident, role, op=node.op, param=node.param))
        for k, ((weight, _), source) in enumerate(zip(node.operands, sources, strict=True)):
            edge_id = f"{ident}_{source}"          # f_a; an id has at most 64 characters
            edge_id = edge_id if ID_PATTERN.fullmatch(edge_id) else f"{ident}_{k + 1}"
            edges.append(Edge(edge_id, source, ident, weight))
        return ident

    emit(root)
    network = Network(
        neurons, edges, loss="output",
        samples=[Sample([float(at[v]) for v in variables], [0.0])],
        name=f"f = {text}",
        description=(
            f"The computational graph of f = {text}"
            + (f" at {', '.join(f'{v} = {at[v]:g}' for v in variables)}" if variables else "")
            + ", built by bpgui expr: every operation is a node, its operands are its "
            "incoming edges in order, and a number times a subexpression is that edge's "
            "weight. The loss is the output itself, so every gradient shown is ∂f/∂θ."),
    )
    network.validate()
    _lay_out(network)
    return network


def _lay_out(network: Network) -> None:
    """By level (:mod:`bpgui.network.layout`'s gaps), with a number's node one column
    before the node that uses it rather than far left in column 1."""
    neurons = network.neurons
    levels = topological_levels(len(neurons), [n.is_input for n in neurons],
                                network.index_pairs())
    column = {n.id: level for n, level in zip(neurons, levels, strict=True)}
    for e in network.edges:
        if network.neuron(e.source).op == "const":
            column[e.source] = column[e.target] - 1
    members: dict[int, list[Neuron]] = {}
    for n in neurons:
        members.setdefault(column[n.id], []).append(n)
    for level, ids in members.items():
        for row, n in enumerate(ids):
            n.x, n.y = level * LAYER_GAP, (row - (len(ids) - 1) / 2) * ROW_GAP
