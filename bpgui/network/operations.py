"""Operation nodes (a v1 addition): every operation a node of a computational graph can be,
one record each, the one place to add one.

An operation node computes its value from its operands, and its operands are its incoming
edges in file order, each the source's value times the edge's weight: ``a = 2x + y`` is an
``add`` node whose edges carry 2 and 1 (seed 000's picture). The weights stay parameters
with gradients. A record holds the operation's name (the file's word), how many operands
it takes, its symbol on the canvas's gate, its value and its local derivatives
∂value/∂operandₖ on NumPy arrays (one entry per sample), the values where it is undefined,
and its torch expression.

The rules a student can rely on: ``max``/``min`` route the gradient to the first extreme
operand; ``sub`` and ``div`` take exactly two operands, in edge order; a value used twice
receives the sum of its gradients (the fork rule, the engine's job).

Why in ``bpgui.network``: like the activations (:mod:`bpgui.network.functions`), the
operations are the file's vocabulary, which the model checks names and operand counts
against. No Qt, no formula trees: the engine writes the step text from these records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bpgui.network.errors import NetworkError
from bpgui.network.functions import LEAKY_SLOPE, Array, sigmoid
from bpgui.network.items import Edge, Neuron
from bpgui.network.validation import check_finite

Operands = Sequence[Array]
"""One array per operand (incoming edge, in file order), each holding one value per sample."""


@dataclass(frozen=True)
class Operation:
    """One operation: its arity, gate symbol, value, local derivatives and torch code.

    ``value(ops, p)`` and ``partials(ops, out, p)`` take the operands, the node's value
    ``out`` (for derivatives written from it, as σ′ = σ(1 − σ)) and the node's constant
    ``p`` (``const``'s value, ``pow``'s exponent; None for the others). ``undefined(ops,
    p)`` says, per sample, where the operation or its derivative has no value (log of a
    non-positive number), and ``why`` says it in words for the error message.
    """

    name: str
    symbol: str                       # on the gate: "+", "×", "max", "sin", …
    min_operands: int
    max_operands: int | None          # None: any number from min_operands up
    value: Callable[[Operands, float | None], Array]
    partials: Callable[[Operands, Array, float | None], list[Array]]
    torch: str                        # with {0}, {1}, … for operands, {all} for a list, {p}
    undefined: Callable[[Operands, float | None], Array] | None = None
    why: str = ""
    param: str = ""                   # the file key of the node's constant, if it has one

    def arity_text(self) -> str:
        """"exactly 2 operands", "at least 1 operand", "no operands"."""
        low, high = self.min_operands, self.max_operands

        def n(k: int) -> str:
            return f"{k} operand{'' if k == 1 else 's'}"
        if high == 0:
            return "no operands"
        if high == low:
            return f"exactly {n(low)}"
        if high is None:
            return f"at least {n(low)}"
        return f"{low} to {n(high)}"

    def takes(self, count: int) -> bool:
        return count >= self.min_operands and (self.max_operands is None
                                               or count <= self.max_operands)


def _ones(ops: Operands) -> list[Array]:
    return [np.ones_like(o) for o in ops]


def _product(ops: Operands) -> Array:
    out = np.ones_like(ops[0])
    for o in ops:
        out = out * o
    return out


def _product_partials(ops: Operands, out: Array, p: float | None) -> list[Array]:
    """∂(Π oⱼ)/∂oₖ = Π over j ≠ k, multiplied out (no division, so a zero operand is fine)."""
    partials = []
    for k in range(len(ops)):
        rest = np.ones_like(ops[0])
        for j, o in enumerate(ops):
            if j != k:
                rest = rest * o
        partials.append(rest)
    return partials


def _first_extreme(pick: Callable[..., Array]) -> Callable[[Operands, Array, float | None],
                                                           list[Array]]:
    """max/min: 1 for the first operand that attains the extreme, 0 for every other."""
    def partials(ops: Operands, out: Array, p: float | None) -> list[Array]:
        index = pick(np.stack(ops), axis=0)        # argmax/argmin: the first extreme
        return [(index == k).astype(np.float64) for k in range(len(ops))]
    return partials


def _pow_partials(ops: Operands, out: Array, p: float | None) -> list[Array]:
    exponent = float(p if p is not None else 1.0)
    if exponent == 0.0:
        return [np.zeros_like(ops[0])]
    return [exponent * np.power(ops[0], exponent - 1.0)]


def _not_positive(ops: Operands, p: float | None) -> Array:
    return np.asarray(ops[0] <= 0)


def _pow_undefined(ops: Operands, p: float | None) -> Array:
    """A negative base with a fractional exponent, or 0 with an exponent below 1 (whose
    derivative p·0^(p−1) is infinite)."""
    exponent = float(p if p is not None else 1.0)
    base = ops[0]
    fractional = not float(exponent).is_integer()
    return np.asarray(((base < 0) & fractional) | ((base == 0) & (exponent < 1)
                                                   & (exponent != 0)))


OPERATION_TABLE: dict[str, Operation] = {
    op.name: op for op in (
        Operation("add", "+", 1, None, lambda ops, p: np.add.reduce(np.stack(ops), axis=0),
                  lambda ops, out, p: _ones(ops), "{sum}"),
        Operation("sub", "−", 2, 2, lambda ops, p: ops[0] - ops[1],
                  lambda ops, out, p: [np.ones_like(ops[0]), -np.ones_like(ops[1])],
                  "{0} - {1}"),
        Operation("mul", "×", 1, None, lambda ops, p: _product(ops), _product_partials,
                  "{prod}"),
        Operation("div", "÷", 2, 2, lambda ops, p: ops[0] / ops[1],
                  lambda ops, out, p: [1.0 / ops[1], -ops[0] / (ops[1] * ops[1])],
                  "{0} / {1}", lambda ops, p: np.asarray(ops[1] == 0), "division by zero"),
        Operation("max", "max", 1, None, lambda ops, p: np.max(np.stack(ops), axis=0),
                  _first_extreme(np.argmax), "first_max({all})"),
        Operation("min", "min", 1, None, lambda ops, p: np.min(np.stack(ops), axis=0),
                  _first_extreme(np.argmin), "first_min({all})"),
        Operation("neg", "−", 1, 1, lambda ops, p: -ops[0],
                  lambda ops, out, p: [-np.ones_like(ops[0])], "-{0}"),
        Operation("square", "x²", 1, 1, lambda ops, p: ops[0] * ops[0],
                  lambda ops, out, p: [2.0 * ops[0]], "{0} ** 2"),
        Operation("pow", "xᵖ", 1, 1,
                  lambda ops, p: np.power(ops[0], float(p if p is not None else 1.0)),
                  _pow_partials, "{0} ** {p}",
                  _pow_undefined, "a power that is not a real number, or 0 to a power "
                  "below 1", param="exponent"),
        Operation("sqrt", "√", 1, 1, lambda ops, p: np.sqrt(np.maximum(ops[0], 0.0)),
                  lambda ops, out, p: [0.5 / out], "torch.sqrt({0})", _not_positive,
                  "the square root of a value that is not positive"),
        Operation("exp", "exp", 1, 1, lambda ops, p: np.exp(ops[0]),
                  lambda ops, out, p: [out], "torch.exp({0})"),
        Operation("log", "ln", 1, 1, lambda ops, p: np.log(np.maximum(ops[0], 1e-300)),
                  lambda ops, out, p: [1.0 / ops[0]], "torch.log({0})", _not_positive,
                  "the logarithm of a value that is not positive"),
        Operation("sin", "sin", 1, 1, lambda ops, p: np.sin(ops[0]),
                  lambda ops, out, p: [np.cos(ops[0])], "torch.sin({0})"),
        Operation("cos", "cos", 1, 1, lambda ops, p: np.cos(ops[0]),
                  lambda ops, out, p: [-np.sin(ops[0])], "torch.cos({0})"),
        Operation("tanh", "tanh", 1, 1, lambda ops, p: np.tanh(ops[0]),
                  lambda ops, out, p: [1.0 - out * out], "torch.tanh({0})"),
        Operation("sigmoid", "σ", 1, 1, lambda ops, p: sigmoid(ops[0]),
                  lambda ops, out, p: [out * (1.0 - out)], "torch.sigmoid({0})"),
        Operation("relu", "ReLU", 1, 1, lambda ops, p: np.maximum(ops[0], 0.0),
                  lambda ops, out, p: [(ops[0] > 0).astype(np.float64)],
                  "torch.relu({0})"),
        Operation("leaky_relu", "LReLU", 1, 1,
                  lambda ops, p: np.where(ops[0] > 0, ops[0], LEAKY_SLOPE * ops[0]),
                  lambda ops, out, p: [np.where(ops[0] > 0, 1.0, LEAKY_SLOPE)],
                  f"torch.nn.functional.leaky_relu({{0}}, {LEAKY_SLOPE!r})"),
        Operation("softplus", "softplus", 1, 1, lambda ops, p: np.logaddexp(0.0, ops[0]),
                  lambda ops, out, p: [sigmoid(ops[0])],
                  "torch.logaddexp(torch.zeros_like({0}), {0})"),
        Operation("const", "c", 0, 0, lambda ops, p: np.asarray(float(p or 0.0)),
                  lambda ops, out, p: [], "{p}", param="value"),
    )
}
OPERATIONS = tuple(OPERATION_TABLE)


def operation_named(name: str) -> Operation:
    return OPERATION_TABLE[name]


# ------------------------------------------------------------------------ the rules
def check_operation(node: Neuron, path: str) -> None:
    """Rules about one operation node on its own: a known operation, not an input, and
    its constant (``const``'s value, ``pow``'s exponent) given exactly when it has one."""
    if node.op not in OPERATION_TABLE:
        raise NetworkError(f"unknown operation {node.op!r} (known: {', '.join(OPERATIONS)})",
                           f"{path}.op")
    if node.role == "input":
        raise NetworkError("an input has no operation; make it hidden or output", f"{path}.op")
    op = OPERATION_TABLE[node.op]
    if op.param and node.param is None:
        raise NetworkError(f"{op.name} needs its {op.param}", f"{path}.{op.param}")
    if not op.param and node.param is not None:
        raise NetworkError(f"{op.name} takes no constant", f"{path}.op")
    if node.param is not None:
        check_finite(node.param, f"{path}.{op.param}")


def operand_count_problem(node: Neuron, count: int) -> str | None:
    """Why ``count`` incoming edges are wrong for operation node ``node``, or None."""
    op = OPERATION_TABLE[node.op or ""]
    if op.takes(count):
        return None
    return f"{node.id!r} is {op.name}, which takes {op.arity_text()}, not {count}"


def check_room_for_operand(node: Neuron, count: int) -> None:
    """Refuse a new edge into ``node`` that would give it ``count`` operands, more than its
    operation takes. Too few is allowed: a graph is drawn one edge at a time."""
    if node.op is not None:
        most = OPERATION_TABLE[node.op].max_operands
        if most is not None and count > most:
            raise NetworkError(str(operand_count_problem(node, count)), "edge")


def check_operands(neurons: Sequence[Neuron], edges: Sequence[Edge]) -> None:
    """Every operation node has as many operands (incoming edges) as its operation takes:
    raise :class:`NetworkError` naming the first that does not. A network is saved and
    edited with a node still short of operands; it is computed only when this holds."""
    counts = {n.id: 0 for n in neurons}
    for e in edges:
        counts[e.target] = counts.get(e.target, 0) + 1
    for i, n in enumerate(neurons):
        if n.op is not None and n.op in OPERATION_TABLE:
            problem = operand_count_problem(n, counts[n.id])
            if problem is not None:
                raise NetworkError(problem, f"neurons[{i}]")
