"""Activations and losses with their derivatives, exactly as the v1 spec defines them.

Each works elementwise on NumPy arrays and on plain floats. ``symbol`` is how
the step text writes f; how it writes f′ is in :mod:`bpgui.engine.formulas`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bpgui.network.model import ACTIVATIONS, LOSSES

Array = NDArray[np.float64]
BCE_CLAMP = 1e-12
LEAKY_SLOPE = 0.01


def sigmoid(z: Array) -> Array:
    """1 / (1 + e^-z) as exp(-ln(1 + e^-z)): no overflow for any z."""
    return np.exp(-np.logaddexp(0.0, -z))


@dataclass(frozen=True)
class Activation:
    """f and f'. ``derivative_from(z, a)`` may use the cached output ``a`` (σ, tanh)."""

    name: str
    symbol: str          # how f is written in a formula: "σ", "tanh", ...
    f: Callable[[Array], Array]
    derivative_from: Callable[[Array, Array], Array]
    ufunc: np.ufunc | None = None   # when f is one ufunc, the fast path writes in place

    def __reduce__(self) -> tuple[Callable[[str], Activation], tuple[str]]:
        """Pickled by name (its functions are lambdas): the training process gets the
        very same function back."""
        return activation_named, (self.name,)

    def into(self, z: Array, out: Array) -> None:
        """out[...] = f(z), without a temporary when f is a single ufunc."""
        if self.ufunc is not None:
            self.ufunc(z, out=out)
        else:
            out[...] = self.f(z)


def _relu_prime(z: Array, a: Array) -> Array:
    return (np.asarray(z) > 0).astype(np.float64)


def _leaky(z: Array) -> Array:
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def _leaky_prime(z: Array, a: Array) -> Array:
    return np.where(np.asarray(z) > 0, 1.0, LEAKY_SLOPE)


ACTIVATION_TABLE: dict[str, Activation] = {
    a.name: a for a in (
        Activation("identity", "id", lambda z: np.asarray(z, dtype=np.float64) * 1.0,
                   lambda z, a: np.ones_like(np.asarray(z, dtype=np.float64))),
        Activation("sigmoid", "σ", sigmoid, lambda z, a: a * (1.0 - a)),
        Activation("tanh", "tanh", np.tanh, lambda z, a: 1.0 - a * a, np.tanh),
        Activation("relu", "ReLU", lambda z: np.maximum(z, 0.0), _relu_prime),
        Activation("leaky_relu", "LReLU", _leaky, _leaky_prime),
        Activation("softplus", "softplus", lambda z: np.logaddexp(0.0, z),
                   lambda z, a: sigmoid(z)),
        Activation("sin", "sin", np.sin, lambda z, a: np.cos(z), np.sin),
    )
}
assert tuple(ACTIVATION_TABLE) == ACTIVATIONS


def activation_named(name: str) -> Activation:
    return ACTIVATION_TABLE[name]


@dataclass(frozen=True)
class Loss:
    """Per-sample loss over the outputs (last axis) and its gradient ∂ℓ/∂ŷ."""

    name: str
    formula: str         # ℓ in symbols, over outputs k
    gradient: str        # ∂ℓ/∂ŷ_k in symbols
    value: Callable[[Array, Array], Array]
    grad: Callable[[Array, Array], Array]

    def __reduce__(self) -> tuple[Callable[[str], Loss], tuple[str]]:
        return loss_named, (self.name,)


def _bce_clamp(yhat: Array) -> Array:
    return np.clip(yhat, BCE_CLAMP, 1.0 - BCE_CLAMP)


def _bce(yhat: Array, y: Array) -> Array:
    p = _bce_clamp(yhat)
    return -np.sum(y * np.log(p) + (1.0 - y) * np.log1p(-p), axis=-1)


def _bce_grad(yhat: Array, y: Array) -> Array:
    p = _bce_clamp(yhat)
    return (p - y) / (p * (1.0 - p))


def log_softmax(yhat: Array) -> Array:
    shifted = yhat - np.max(yhat, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softmax(yhat: Array) -> Array:
    return np.exp(log_softmax(yhat))


def _softmax_ce_grad(yhat: Array, y: Array) -> Array:
    return softmax(yhat) * np.sum(y, axis=-1, keepdims=True) - y


LOSS_TABLE: dict[str, Loss] = {
    loss.name: loss for loss in (
        Loss("half_sse", "½ Σ_k (y_k − ŷ_k)²", "ŷ_k − y_k",
             lambda yhat, y: 0.5 * np.add.reduce((y - yhat) ** 2, axis=-1),
             lambda yhat, y: yhat - y),
        Loss("sse", "Σ_k (ŷ_k − y_k)²", "2(ŷ_k − y_k)",
             lambda yhat, y: np.add.reduce((yhat - y) ** 2, axis=-1),
             lambda yhat, y: 2.0 * (yhat - y)),
        Loss("mse", "(1/K) Σ_k (ŷ_k − y_k)²", "2(ŷ_k − y_k)/K",
             lambda yhat, y: np.mean((yhat - y) ** 2, axis=-1),
             lambda yhat, y: 2.0 * (yhat - y) / np.shape(yhat)[-1]),
        Loss("bce", "−Σ_k [y_k ln p_k + (1 − y_k) ln(1 − p_k)]", "(p_k − y_k) / (p_k(1 − p_k))",
             _bce, _bce_grad),
        Loss("softmax_ce", "−Σ_k y_k ln s_k, s = softmax(ŷ)", "s_k Σ_j y_j − y_k",
             lambda yhat, y: -np.sum(y * log_softmax(yhat), axis=-1), _softmax_ce_grad),
    )
}
assert tuple(LOSS_TABLE) == LOSSES


def loss_named(name: str) -> Loss:
    return LOSS_TABLE[name]
