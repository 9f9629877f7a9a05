"""The operation nodes of the independent reference (``tests/reference.py``), for tests only.

This module owns the math of every operation a node can be (issue 14), written from the
shared plan's semantics and from calculus, not from ``bpgui.network.operations``: each
operation is one function from the operand values (and the node's constant ``p``) to its
value and its local derivatives ∂v/∂operandₖ (:func:`evaluate`), which
``tests/reference.py`` makes a node of its scalar autograd, so the fork rule (a value used
twice gets the sum of its gradients) is the autograd's accumulation. Plain ``math``: no
NumPy, nothing of ``bpgui``. Where an operation has no value (log or √ of a
value ≤ 0, a division by 0, a power that is not real or is infinite at 0) it raises
:class:`Undefined` with the node, the sample and the value, as the engine must.

The conventions calculus leaves open are the plan's: ``max``/``min`` send the whole
gradient to the first extreme operand in edge order; ``relu`` has derivative 1 for an
operand > 0, else 0 (at 0 too, as the ReLU activation); ``xᵖ`` at 0 with p ≥ 1 is 0 with
derivative p·0^(p−1) (1 for p = 1, else 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

Local = tuple[float, list[float]]
"""An operation's value and its local derivatives, one per operand."""


class Undefined(ValueError):
    """An operation node has no value for this sample."""

    def __init__(self, node: str, sample: int, value: float, why: str) -> None:
        self.node, self.sample, self.value, self.why = node, sample, value, why
        super().__init__(f"node {node!r}: {why} ({value!r}) in sample {sample}")


# ------------------------------------------------------------------------ operations
def _add(x: Sequence[float], p: float | None) -> Local:
    total = 0.0
    for v in x:
        total += v
    return total, [1.0] * len(x)


def _sub(x: Sequence[float], p: float | None) -> Local:
    return x[0] - x[1], [1.0, -1.0]


def _mul(x: Sequence[float], p: float | None) -> Local:
    """∂(x₀x₁…)/∂xₖ is the product of the others (not v/xₖ, which fails at xₖ = 0)."""
    def product(values: Sequence[float]) -> float:
        out = 1.0
        for v in values:
            out *= v
        return out

    return product(x), [product([*x[:k], *x[k + 1:]]) for k in range(len(x))]


def _div(x: Sequence[float], p: float | None) -> Local:
    """d(u/d)/du = 1/d, d(u/d)/dd = −u/d², computed as −(u/d)/d so that d² cannot
    underflow to 0 for a tiny d."""
    u, d = x
    return u / d, [1.0 / d, -(u / d) / d]


def _first_extreme(better: Callable[[float, float], bool]) -> Callable[..., Local]:
    """max or min: the value of the first extreme operand, which alone gets derivative 1."""
    def operation(x: Sequence[float], p: float | None) -> Local:
        best = 0
        for k in range(1, len(x)):
            if better(x[k], x[best]):
                best = k
        return x[best], [1.0 if k == best else 0.0 for k in range(len(x))]

    return operation


def _neg(x: Sequence[float], p: float | None) -> Local:
    return -x[0], [-1.0]


def _square(x: Sequence[float], p: float | None) -> Local:
    return x[0] * x[0], [2.0 * x[0]]


def _pow(x: Sequence[float], p: float | None) -> Local:
    """xᵖ and p·x^(p−1); at x = 0 (p ≥ 1 there) the derivative is 1 for p = 1, else 0."""
    assert p is not None
    v = x[0]
    if v == 0.0:
        return 0.0, [1.0 if p == 1.0 else 0.0]
    return v ** p, [p * v ** (p - 1.0)]


def _sqrt(x: Sequence[float], p: float | None) -> Local:
    r = math.sqrt(x[0])
    return r, [0.5 / r]


def _exp(x: Sequence[float], p: float | None) -> Local:
    e = math.exp(x[0])
    return e, [e]


def _log(x: Sequence[float], p: float | None) -> Local:
    return math.log(x[0]), [1.0 / x[0]]


def _sin(x: Sequence[float], p: float | None) -> Local:
    return math.sin(x[0]), [math.cos(x[0])]


def _cos(x: Sequence[float], p: float | None) -> Local:
    return math.cos(x[0]), [-math.sin(x[0])]


def _tanh(x: Sequence[float], p: float | None) -> Local:
    t = math.tanh(x[0])
    return t, [1.0 - t * t]


def _sigmoid(x: Sequence[float], p: float | None) -> Local:
    """σ = 1/(1 + e^−x), written so that neither branch overflows; σ′ = σ(1 − σ)."""
    if x[0] >= 0:
        s = 1.0 / (1.0 + math.exp(-x[0]))
    else:
        e = math.exp(x[0])
        s = e / (1.0 + e)
    return s, [s * (1.0 - s)]


def _relu(x: Sequence[float], p: float | None) -> Local:
    return (x[0], [1.0]) if x[0] > 0 else (0.0, [0.0])


def _leaky_relu(x: Sequence[float], p: float | None) -> Local:
    """x for x > 0, else 0.01·x: a line of slope 1, or of slope 0.01 (at 0 too)."""
    return (x[0], [1.0]) if x[0] > 0 else (0.01 * x[0], [0.01])


def _softplus(x: Sequence[float], p: float | None) -> Local:
    """ln(1 + eˣ); d/dx = eˣ/(1 + eˣ) = 1/(1 + e^−x). For x > 0 written as
    x + ln(1 + e^−x) so that eˣ never overflows."""
    if x[0] > 0:
        e = math.exp(-x[0])
        return x[0] + math.log1p(e), [1.0 / (1.0 + e)]
    e = math.exp(x[0])
    return math.log1p(e), [e / (1.0 + e)]


def _const(x: Sequence[float], p: float | None) -> Local:
    assert p is not None
    return p, []


OPERATIONS: dict[str, Callable[[Sequence[float], float | None], Local]] = {
    "add": _add, "sub": _sub, "mul": _mul, "div": _div,
    "max": _first_extreme(lambda a, b: a > b), "min": _first_extreme(lambda a, b: a < b),
    "neg": _neg, "square": _square, "pow": _pow, "sqrt": _sqrt, "exp": _exp, "log": _log,
    "sin": _sin, "cos": _cos, "tanh": _tanh, "sigmoid": _sigmoid, "relu": _relu,
    "leaky_relu": _leaky_relu, "softplus": _softplus, "const": _const,
}

ARITY: dict[str, tuple[int, int | None]] = {
    "add": (1, None), "mul": (1, None), "max": (1, None), "min": (1, None),
    "sub": (2, 2), "div": (2, 2), "const": (0, 0),
    **dict.fromkeys(("neg", "square", "pow", "sqrt", "exp", "log", "sin", "cos", "tanh",
                     "sigmoid", "relu", "leaky_relu", "softplus"), (1, 1)),
}
"""How many operands each operation takes (min, max; None: no upper bound)."""


# ------------------------------------------------------------------------- domains
def undefined_reason(name: str, x: Sequence[float], p: float | None) -> tuple[float, str] | None:
    """(the offending value, why) where operation ``name`` has no value here, else None."""
    if name in ("log", "sqrt") and not x[0] > 0:
        what = "logarithm" if name == "log" else "square root"
        return x[0], f"the {what} of a value that is not positive"
    if name == "div" and x[1] == 0.0:
        return x[1], "division by zero"
    if name == "pow":
        assert p is not None
        if x[0] < 0 and not float(p).is_integer():
            return x[0], "a power that is not a real number"
        if x[0] == 0 and p < 1:
            return x[0], "0 to a power below 1"
    return None


def evaluate(name: str, x: Sequence[float], p: float | None, node: str = "?",
             sample: int = 0) -> Local:
    """Operation ``name``'s value and local derivatives at operands ``x``, or
    :class:`Undefined` where it has none (and ValueError for a wrong operand count)."""
    low, high = ARITY[name]
    if len(x) < low or (high is not None and len(x) > high):
        raise ValueError(f"node {node!r}: {name} takes {low}..{high} operands, not {len(x)}")
    problem = undefined_reason(name, x, p)
    if problem is not None:
        raise Undefined(node, sample, *problem)
    return OPERATIONS[name](x, p)
