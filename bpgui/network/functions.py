"""Every activation and loss of the v1 spec, one record each: the one place to add one.

An activation's record holds all its facets: its name (the file format's word), f and
f′ on NumPy arrays (one value is a 0-d array), how the step text writes f and f′, the canvas's
glyph as points in a unit box, and how the PyTorch export computes it. A loss's record
holds its name, value and gradient, their formulas in symbols, and its torch code.
Everything else (the model's name lists, the engine's passes and formula trees, the
canvas, the handout, the torch script) reads these tables, so adding an activation is
one entry in ``ACTIVATION_TABLE`` and nothing more.

Why in ``bpgui.network``: the spec defines each activation and loss by its formula, so
the table is the network's vocabulary, and the model must know the names to validate a
file while the network imports nothing of the engine. Every facet is plain data or a
NumPy function (no Qt, no torch, no formula trees): the engine turns a derivative's
written form into its formula tree, the canvas turns glyph points into a path, the
export pastes the torch code into the script it writes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
# An activation computes in its argument's precision: the engine's float64 arrays, the
# boundary map's float32 ones (engine/boundary.py's forward32).
Floats = TypeVar("Floats", NDArray[np.float64], NDArray[np.float32])
BCE_CLAMP = 1e-12
LEAKY_SLOPE = 0.01
GLYPH_POINTS = 24        # a glyph is this many straight pieces


class Elementwise(Protocol):
    """An activation's f: elementwise, the result in the argument's precision."""

    def __call__(self, z: Floats, /) -> Floats: ...


def sigmoid(z: Floats) -> Floats:
    """1 / (1 + e^-z) as exp(-ln(1 + e^-z)): no overflow for any z."""
    return np.exp(-np.logaddexp(0.0, -z))


# How the step text writes f′ (the engine builds the formula tree from the form).
ONE = "1"                        # the identity: f′ = 1
A_ONE_MINUS_A = "a(1 − a)"       # from the cached output, as σ's seed does
ONE_MINUS_A_SQUARED = "1 − a²"   # from the cached output, as tanh's seed does
STEP = "[z > 0]"                 # 1 for z > 0, else ``low`` (relu 0, leaky_relu its slope)
CALL = "g(z)"                    # a named function of z: softplus′ = σ(z), sin′ = cos(z)


@dataclass(frozen=True)
class Prime:
    """How the step text writes f′: one of the forms above. A ``CALL`` names its
    function (``symbol``) and computes it (``of``); a bare ``Prime(CALL)`` is f′ itself,
    written ``f′(z)`` with f's symbol."""

    form: str
    symbol: str = ""
    of: Callable[[Array], Array] | None = None
    low: float = 0.0


Glyph = tuple[tuple[float, float], ...]


def glyph(curve: Callable[[float], float]) -> Glyph:
    """A small plot for a neuron's face: ``curve`` at GLYPH_POINTS + 1 points t from −1
    to 1, each as (t, y) with y clipped to [−1, 1] (y up)."""
    points = []
    for i in range(GLYPH_POINTS + 1):
        t = -1 + 2 * i / GLYPH_POINTS
        points.append((t, max(-1.0, min(1.0, curve(t)))))
    return tuple(points)


@dataclass(frozen=True)
class Activation:
    """f and f' and how each is written, drawn and exported. ``derivative_from(z, a)``
    may use the cached output ``a`` (σ, tanh)."""

    name: str                # the file format's word
    symbol: str              # how f is written in a formula: "σ", "tanh", ...
    f: Elementwise
    derivative_from: Callable[[Array, Array], Array]
    prime: Prime             # how f′ is written in a formula
    glyph: Glyph             # the canvas's and the handout's little plot, in a unit box
    torch: str               # the script's a = f(z), with ``{z}`` for z's name
    torch_note: str          # the script's comment: a = f(z) and its derivative
    torch_helper: str = ""   # a definition ``torch`` calls, written once if used
    torch_constant: str = ""  # a constant line ``torch`` uses, written once if used
    ufunc: np.ufunc | None = None   # when f is one ufunc, the fast path writes in place

    def __reduce__(self) -> tuple[Callable[[str], Activation], tuple[str]]:
        """Pickled by name (its functions are lambdas): the training process gets the
        very same function back."""
        return activation_named, (self.name,)

    def into(self, z: Floats, out: Floats) -> None:
        """out[...] = f(z), without a temporary when f is a single ufunc."""
        if self.ufunc is not None:
            self.ufunc(z, out=out)
        else:
            out[...] = self.f(z)


def _relu_prime(z: Array, a: Array) -> Array:
    return (np.asarray(z) > 0).astype(np.float64)


def _leaky(z: Floats) -> Floats:
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def _leaky_prime(z: Array, a: Array) -> Array:
    return np.where(np.asarray(z) > 0, 1.0, LEAKY_SLOPE)


SOFTPLUS_TORCH = '''\
def softplus(z: torch.Tensor) -> torch.Tensor:
    """ln(1 + e^z) = ln(e^0 + e^z), which logaddexp computes without overflow.

    Its derivative is sigmoid(z). (torch.nn.functional.softplus returns z itself above
    z = 20, off by about e^-z, with a derivative of exactly 1 there.)
    """
    return torch.logaddexp(torch.zeros_like(z), z)
'''

ACTIVATION_TABLE: dict[str, Activation] = {
    a.name: a for a in (
        Activation("identity", "id", lambda z: z * 1.0,
                   lambda z, a: np.ones_like(np.asarray(z, dtype=np.float64)),
                   Prime(ONE), glyph(lambda t: t),
                   "{z}", "a = z; derivative 1"),
        Activation("sigmoid", "σ", sigmoid, lambda z, a: a * (1.0 - a),
                   Prime(A_ONE_MINUS_A), glyph(lambda t: 2 / (1 + math.exp(-4 * t)) - 1),
                   "torch.sigmoid({z})",
                   "a = 1 / (1 + e^-z), torch.sigmoid; derivative a(1 − a)"),
        Activation("tanh", "tanh", np.tanh, lambda z, a: 1.0 - a * a,
                   Prime(ONE_MINUS_A_SQUARED), glyph(lambda t: math.tanh(2.5 * t)),
                   "torch.tanh({z})", "a = tanh z, torch.tanh; derivative 1 − a²",
                   ufunc=np.tanh),
        Activation("relu", "ReLU", lambda z: np.maximum(z, 0.0), _relu_prime,
                   Prime(STEP), glyph(lambda t: max(0.0, t)),
                   "torch.relu({z})",
                   "a = max(0, z), torch.relu; derivative 1 if z > 0 else 0 (0 at z = 0)"),
        Activation("leaky_relu", "LReLU", _leaky, _leaky_prime,
                   Prime(STEP, low=LEAKY_SLOPE), glyph(lambda t: t if t > 0 else 0.1 * t),
                   "torch.nn.functional.leaky_relu({z}, LEAKY_SLOPE)",
                   "a = z if z > 0 else 0.01 z; derivative 1 if z > 0 else 0.01 (at 0 too)",
                   torch_constant=f"LEAKY_SLOPE = {LEAKY_SLOPE!r}  # leaky_relu's slope "
                                  "for z ≤ 0"),
        Activation("softplus", "softplus", lambda z: np.logaddexp(0.0, z),
                   lambda z, a: sigmoid(z), Prime(CALL, "σ", sigmoid),
                   glyph(lambda t: math.log1p(math.exp(3 * t)) / 3),
                   "softplus({z})",
                   "a = ln(1 + e^z), without overflow (softplus, above); derivative "
                   "sigmoid(z)", torch_helper=SOFTPLUS_TORCH),
        Activation("sin", "sin", np.sin, lambda z, a: np.cos(z), Prime(CALL, "cos", np.cos),
                   glyph(lambda t: math.sin(math.pi * t)),
                   "torch.sin({z})", "a = sin z, torch.sin; derivative cos z", ufunc=np.sin),
    )
}
ACTIVATIONS = tuple(ACTIVATION_TABLE)


def activation_named(name: str) -> Activation:
    return ACTIVATION_TABLE[name]


@dataclass(frozen=True)
class Loss:
    """Per-sample loss over the outputs (last axis), its gradient ∂ℓ/∂ŷ, and its torch code."""

    name: str
    title: str           # in words, as a handout names it
    formula: str         # ℓ in symbols, over outputs k
    gradient: str        # ∂ℓ/∂ŷ_k in symbols
    value: Callable[[Array, Array], Array]
    grad: Callable[[Array, Array], Array]
    torch: tuple[str, ...]   # the script's lines from yhat and y to loss
    torch_helper: str = ""   # a definition ``torch`` calls, written if used
    torch_constant: str = ""  # a constant line ``torch`` uses, written if used

    def __reduce__(self) -> tuple[Callable[[str], Loss], tuple[str]]:
        return loss_named, (self.name,)


def _bce_clamp(yhat: Array) -> Array:
    return np.clip(yhat, BCE_CLAMP, 1.0 - BCE_CLAMP)


def _bce(yhat: Array, y: Array) -> Array:
    p = _bce_clamp(yhat)
    total: Array = np.sum(y * np.log(p) + (1.0 - y) * np.log1p(-p), axis=-1)
    return -total


def _bce_grad(yhat: Array, y: Array) -> Array:
    p = _bce_clamp(yhat)
    return (p - y) / (p * (1.0 - p))


def log_softmax(yhat: Array) -> Array:
    shifted: Array = yhat - np.max(yhat, axis=-1, keepdims=True)
    total: Array = np.sum(np.exp(shifted), axis=-1, keepdims=True)
    return shifted - np.log(total)


def softmax(yhat: Array) -> Array:
    return np.exp(log_softmax(yhat))


def _softmax_ce_grad(yhat: Array, y: Array) -> Array:
    total: Array = np.sum(y, axis=-1, keepdims=True)
    return softmax(yhat) * total - y


CLAMPED_BCE_TORCH = '''\
class ClampedBCE(torch.autograd.Function):
    """bce over the outputs, with bpgui's gradient (p_k − y_k) / (p_k (1 − p_k)).

    p_k is ŷ_k clamped to [BCE_CLAMP, 1 − BCE_CLAMP], so both logarithms stay finite.
    bpgui's gradient uses the clamped p even where the clamp is active; autograd through
    torch.clamp would give 0 there instead, so this loss spells out its own backward.
    """

    @staticmethod
    def forward(ctx, yhat, y):
        p = torch.clamp(yhat, BCE_CLAMP, 1.0 - BCE_CLAMP)
        ctx.save_for_backward(p, y)
        return -torch.sum(y * torch.log(p) + (1.0 - y) * torch.log1p(-p))

    @staticmethod
    def backward(ctx, grad):
        p, y = ctx.saved_tensors
        return grad * (p - y) / (p * (1.0 - p)), None
'''

LOSS_TABLE: dict[str, Loss] = {
    loss.name: loss for loss in (
        Loss("half_sse", "half the sum of squared errors", "½ Σ_k (y_k − ŷ_k)²", "ŷ_k − y_k",
             lambda yhat, y: 0.5 * np.add.reduce((y - yhat) ** 2, axis=-1),
             lambda yhat, y: yhat - y,
             ("loss = 0.5 * torch.sum((y - yhat) ** 2)",)),
        Loss("sse", "sum of squared errors", "Σ_k (ŷ_k − y_k)²", "2(ŷ_k − y_k)",
             lambda yhat, y: np.add.reduce((yhat - y) ** 2, axis=-1),
             lambda yhat, y: 2.0 * (yhat - y),
             ("loss = torch.sum((yhat - y) ** 2)",)),
        Loss("mse", "mean squared error", "(1/K) Σ_k (ŷ_k − y_k)²", "2(ŷ_k − y_k)/K",
             lambda yhat, y: np.mean((yhat - y) ** 2, axis=-1),
             lambda yhat, y: 2.0 * (yhat - y) / np.shape(yhat)[-1],
             ("loss = torch.mean((yhat - y) ** 2)",)),
        Loss("bce", "binary cross-entropy", "−Σ_k [y_k ln p_k + (1 − y_k) ln(1 − p_k)]",
             "(p_k − y_k) / (p_k(1 − p_k))",
             _bce, _bce_grad, ("loss = ClampedBCE.apply(yhat, y)",),
             torch_helper=CLAMPED_BCE_TORCH,
             torch_constant=f"BCE_CLAMP = {BCE_CLAMP!r}  # bce clamps each ŷ_k to "
                            "[BCE_CLAMP, 1 − BCE_CLAMP]"),
        Loss("softmax_ce", "softmax cross-entropy", "−Σ_k y_k ln s_k, s = softmax(ŷ)",
             "s_k Σ_j y_j − y_k",
             lambda yhat, y: -np.sum(y * log_softmax(yhat), axis=-1), _softmax_ce_grad, (
                 "# A stable softmax: shifting ŷ by its max changes no s_k and keeps every "
                 "e^… ≤ 1;",
                 "# the shift is a constant (detached), so no gradient flows through it.",
                 "shifted = yhat - yhat.max().detach()",
                 "log_s = shifted - torch.log(torch.sum(torch.exp(shifted)))  # ln s_k",
                 "loss = -torch.sum(y * log_s)")),
        # An expression's own value as the loss: for one output L = ŷ and ∂L/∂ŷ = 1, so
        # ∂L/∂x is ∂ŷ/∂x as the chain rule writes it (seed 000). The targets are not used.
        Loss("output", "the output itself", "Σ_k ŷ_k", "1",
             lambda yhat, y: np.add.reduce(yhat, axis=-1),
             lambda yhat, y: np.ones_like(yhat),
             ("loss = torch.sum(yhat)",)),
    )
}
LOSSES = tuple(LOSS_TABLE)


def loss_named(name: str) -> Loss:
    return LOSS_TABLE[name]
