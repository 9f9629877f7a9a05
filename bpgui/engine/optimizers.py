"""The update rule θ ← θ − η·g, in one place: on arrays for training, as a formula for the steps.

Training (:class:`~bpgui.engine.training.Trainer`) moves every parameter array
with :meth:`Optimizer.step`. The step text of a pass (:mod:`~bpgui.engine.stepper`,
:mod:`~bpgui.engine.layer_steps`) and the Single update record
(:mod:`~bpgui.engine.update_step`) compute each new value with
:meth:`Optimizer.updated` and write it with :meth:`Optimizer.formula`. Both sides
ask the same object, so the numbers a step shows are the numbers training makes,
to the last bit, and a new rule changes both at once.

A rule may keep state from one update to the next (momentum's velocities, Adam's
moments): :meth:`Optimizer.start` tells it the parameters' shapes and which of
their entries train, and it allocates its state there, in plain attributes, so a
trainer pickles to the training process and back with it (:mod:`~bpgui.engine.worker`).
Plain gradient descent (:class:`SGD`) keeps no state; :class:`Momentum` (and
Nesterov's), :class:`RMSprop` and :class:`Adam` do, with PyTorch's meanings
(``torch.optim.SGD(momentum=β, nesterov=…)`` with dampening 0, ``RMSprop(alpha, eps)``,
``Adam(betas, eps)`` with bias correction). Each adds L2 weight decay λ·θ to the gradient
of the arrays :meth:`Optimizer.start` marks as weights (not the biases), as torch's
``weight_decay`` of a parameter group of the weights does. :data:`OPTIMIZERS` names the
rules :func:`optimizer_for` builds (the same names as the file's
:data:`~bpgui.network.items.OPTIMIZER_NAMES`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol

import numpy as np

from bpgui.engine.expression import Call, Diff, Expr, Group, Prod, Quot, Sum, Var
from bpgui.network.functions import Array
from bpgui.network.model import TrainingSettings

_subtract = np.subtract      # the hot loop's ufunc, looked up once (a few % of an update)


class Optimizer(Protocol):
    """An update rule: the parameters' new values from their gradients (and the rule's state).

    The array side (:meth:`start`, :meth:`step`, :meth:`state`) is what training
    runs; the one-parameter side (:meth:`updated`, :meth:`formula`) is what the step
    text shows, the update made from the rule's initial state (a single pass's update
    is the first one). Entries whose mask is 0 (a frozen weight, a missing edge) never
    move, whatever the rule.
    """

    name: ClassVar[str]

    @property
    def learning_rate(self) -> float:
        """η; setting it applies from the next :meth:`step` on, and keeps the state."""

    @learning_rate.setter
    def learning_rate(self, value: float) -> None: ...

    def start(self, masks: Sequence[Array], weights: Sequence[bool] | None = None) -> None:
        """Get ready for parameter arrays shaped like ``masks`` (1.0 where an entry
        trains, 0.0 where it is frozen), in the order :meth:`step` will get them, with
        the rule's state at its initial value. ``weights[i]`` says whether array ``i``
        holds weights, which L2 decay applies to (every array when not given)."""

    def step(self, params: Sequence[Array], grads: Sequence[Array],
             out: Sequence[Array]) -> None:
        """One update: write each ``params[i]``'s new value into ``out[i]`` from its
        gradient ``grads[i]``. ``grads`` are the caller's scratch, which the rule may
        overwrite; ``params`` are left as they were (the caller keeps them to undo a
        diverging update)."""

    def state(self) -> dict[str, list[Array]]:
        """The rule's state by name (``{"velocity": [...]}``), one array per parameter
        array; empty for a rule without state."""

    @property
    def updates(self) -> int:
        """How many updates the state has seen (t of Adam's bias correction)."""

    def restore(self, state: dict[str, list[Array]], updates: int) -> None:
        """Go on from a state :meth:`state` gave after ``updates`` updates (copied in;
        after :meth:`start`, for arrays of the same shapes)."""

    def updated(self, old: Any, gradient: Any, weight: bool = True) -> Any:
        """One trainable parameter's value after one update: a float, or an array of
        trainable entries, computed as :meth:`step` computes it (``weight``: L2 decay
        applies, as to a weight, not a bias)."""

    def formula(self, name: str, old: Any, gradient: Expr, weight: bool = True) -> Expr:
        """The update of parameter ``name`` (value ``old``) as the step text writes it,
        ``gradient`` being the gradient's expression: ``w1 − η·∂L/∂w1``."""

    def rule(self, gradient: str = "g") -> str:
        """The rule in words a handout prints, the gradient written ``gradient``:
        ``θ ← θ − η·g``."""


class SGD:
    """Plain gradient descent, θ ← θ − η·g: no state, each step proportional to g
    (with L2 decay λ, g + λ·θ for a weight)."""

    name: ClassVar[str] = "sgd"

    def __init__(self, learning_rate: float, l2: float = 0.0) -> None:
        self._learning_rate = learning_rate
        self.l2 = l2
        self._decays: list[bool] = []
        self._masks: list[Array] = []
        self._scales: list[Array] = []       # η·mask of each array: one multiply per step

    def __repr__(self) -> str:
        return f"SGD(learning_rate={self._learning_rate!r})"

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = value
        self._scales = [value * mask for mask in self._masks]

    def start(self, masks: Sequence[Array], weights: Sequence[bool] | None = None) -> None:
        self._masks = list(masks)
        self._decays = [True] * len(self._masks) if weights is None else list(weights)
        self.learning_rate = self._learning_rate

    def step(self, params: Sequence[Array], grads: Sequence[Array],
             out: Sequence[Array]) -> None:
        # θ − (η·mask)·g, in place: η·1 is η exactly, so a trainable entry gets θ − η·g,
        # the number updated() gives, and a frozen one θ − 0. (zip's strict check costs
        # as much as a tenth of a small network's update; the lists come from start().)
        if self.l2:
            for theta, g, decay in zip(params, grads, self._decays):  # noqa: B905
                if decay:
                    g += self.l2 * theta
        for theta, g, scale, new in zip(params, grads, self._scales, out):  # noqa: B905
            g *= scale
            _subtract(theta, g, out=new)

    def state(self) -> dict[str, list[Array]]:
        return {}

    @property
    def updates(self) -> int:
        return 0

    def restore(self, state: dict[str, list[Array]], updates: int) -> None:
        pass                            # nothing to go on from: each step stands alone

    def updated(self, old: Any, gradient: Any, weight: bool = True) -> Any:
        if self.l2 and weight:
            gradient = gradient + self.l2 * old
        return old - self._learning_rate * gradient

    def formula(self, name: str, old: Any, gradient: Expr, weight: bool = True) -> Expr:
        if self.l2 and weight:
            gradient = Group(Sum([gradient, Prod([Var("λ", self.l2), Var(name, old)])]))
        return Diff(Var(name, old), Prod([Var("η", self._learning_rate), gradient]))

    def rule(self, gradient: str = "g") -> str:
        if self.l2:
            return f"θ ← θ − η·({gradient} + λ·θ)"
        return f"θ ← θ − η·{gradient}"


def _sqrt(x: Any) -> Any:
    return np.sqrt(x)


class _Stateful:
    """A rule with state and L2 decay: the array update and the one-parameter update run
    the same arithmetic (:meth:`_direction`), the latter from the initial state."""

    name: ClassVar[str]
    _slots: ClassVar[tuple[str, ...]] = ()     # the state's names, one array each

    def __init__(self, learning_rate: float, settings: TrainingSettings | None = None) -> None:
        settings = settings or TrainingSettings()
        self._learning_rate = learning_rate
        self.l2 = settings.l2
        self.momentum, self.nesterov = settings.momentum, self.name == "nesterov"
        self.alpha, self.beta1, self.beta2, self.eps = (
            settings.alpha, settings.beta1, settings.beta2, settings.eps)
        self.t = 0                                  # updates made (Adam's bias correction)
        self._masks: list[Array] = []
        self._decays: list[bool] = []
        self._state: dict[str, list[Array]] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self._learning_rate!r}, l2={self.l2!r})"

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = value                 # the state stays

    def start(self, masks: Sequence[Array], weights: Sequence[bool] | None = None) -> None:
        self._masks = list(masks)
        self._decays = [True] * len(self._masks) if weights is None else list(weights)
        self._state = {s: [np.zeros_like(m, dtype=np.float64) for m in self._masks]
                       for s in self._slots}
        self.t = 0

    def step(self, params: Sequence[Array], grads: Sequence[Array],
             out: Sequence[Array]) -> None:
        self.t += 1
        eta = self._learning_rate
        for i, (theta, g, mask, new) in enumerate(zip(params, grads, self._masks, out)):  # noqa: B905
            if self.l2 and self._decays[i]:
                g += self.l2 * theta
            g *= mask                               # a frozen entry's state stays 0
            state = [self._state[s][i] for s in self._slots]
            d = self._direction(g, state, self.t)
            _subtract(theta, eta * d * mask, out=new)

    def state(self) -> dict[str, list[Array]]:
        return dict(self._state)

    @property
    def updates(self) -> int:
        return self.t

    def restore(self, state: dict[str, list[Array]], updates: int) -> None:
        for slot in self._slots:
            for mine, theirs in zip(self._state[slot], state[slot], strict=True):
                mine[...] = theirs
        self.t = updates

    def _direction(self, g: Any, state: list[Any], t: int) -> Any:
        """The step's direction d (θ ← θ − η·d) from gradient g, updating ``state`` in place."""
        raise NotImplementedError

    def _first(self, old: Any, gradient: Any, weight: bool) -> tuple[Any, Any, list[Any]]:
        """From the initial state: the gradient with decay, the direction, the state after."""
        g = np.array(gradient, dtype=np.float64)
        if self.l2 and weight:
            g = g + self.l2 * np.asarray(old, dtype=np.float64)
        state = [np.zeros_like(g) for _ in self._slots]
        d = self._direction(g.copy(), state, 1)
        return g, d, state

    def updated(self, old: Any, gradient: Any, weight: bool = True) -> Any:
        _, d, _ = self._first(old, gradient, weight)
        new = np.asarray(old, dtype=np.float64) - self._learning_rate * d
        return float(new) if np.ndim(new) == 0 else new

    def _gradient(self, name: str, old: Any, gradient: Expr, weight: bool) -> Expr:
        """g, or (g + λ·θ) where decay applies."""
        if self.l2 and weight:
            return Group(Sum([gradient, Prod([Var("λ", self.l2), Var(name, old)])]))
        return gradient

    def _value(self, x: Any) -> Any:
        if np.ndim(x) == 0:
            return float(x)
        if np.ndim(x) == 1:
            return tuple(float(v) for v in x)
        return tuple(tuple(float(v) for v in row) for row in x)

    def _decay_rule(self, gradient: str) -> str:
        return f"{gradient} + λ·θ" if self.l2 else gradient


class Momentum(_Stateful):
    """Heavy-ball momentum, torch's SGD(momentum=β, dampening=0): v ← β·v + g (v = g at
    the first update), θ ← θ − η·v."""

    name: ClassVar[str] = "momentum"
    _slots = ("velocity",)

    def _direction(self, g: Any, state: list[Any], t: int) -> Any:
        (v,) = state
        if t == 1:
            v[...] = g
        else:
            v *= self.momentum
            v += g
        return g + self.momentum * v if self.nesterov else v

    def formula(self, name: str, old: Any, gradient: Expr, weight: bool = True) -> Expr:
        g = self._gradient(name, old, gradient, weight)
        if self.nesterov:      # first update: v = g, θ − η·(g + β·v)
            d: Expr = Group(Sum([g, Prod([Var("β", self.momentum), g])]))
        else:                  # first update: v = g, θ − η·v
            d = g
        return Diff(Var(name, old), Prod([Var("η", self._learning_rate), d]))

    def rule(self, gradient: str = "g") -> str:
        g = self._decay_rule(gradient)
        if self.nesterov:
            return f"v ← β·v + {g}, θ ← θ − η·({g} + β·v)"
        return f"v ← β·v + {g}, θ ← θ − η·v"


class Nesterov(Momentum):
    """Nesterov momentum, torch's SGD(momentum=β, nesterov=True): v ← β·v + g,
    θ ← θ − η·(g + β·v)."""

    name: ClassVar[str] = "nesterov"


class RMSprop(_Stateful):
    """torch's RMSprop(alpha=α, eps=ε): v ← α·v + (1 − α)·g², θ ← θ − η·g/(√v + ε)."""

    name: ClassVar[str] = "rmsprop"
    _slots = ("square_avg",)

    def _direction(self, g: Any, state: list[Any], t: int) -> Any:
        (v,) = state
        v *= self.alpha
        v += (1 - self.alpha) * (g * g)
        return g / (np.sqrt(v) + self.eps)

    def formula(self, name: str, old: Any, gradient: Expr, weight: bool = True) -> Expr:
        _, _, (v,) = self._first(old, _leaf_value(gradient), weight)
        shown = self._gradient(name, old, gradient, weight)
        denominator = Group(Sum([Call("√", Var("v", self._value(v)), _sqrt),
                                 Var("ε", self.eps)]))
        return Diff(Var(name, old), Prod([Var("η", self._learning_rate),
                                          Quot(shown, denominator)]))

    def rule(self, gradient: str = "g") -> str:
        g = self._decay_rule(gradient)
        return f"v ← α·v + (1 − α)·({g})², θ ← θ − η·({g})/(√v + ε)"


class Adam(_Stateful):
    """torch's Adam(betas=(β₁, β₂), eps=ε): m ← β₁·m + (1 − β₁)·g, v ← β₂·v + (1 − β₂)·g²,
    m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), θ ← θ − η·m̂/(√v̂ + ε)."""

    name: ClassVar[str] = "adam"
    _slots = ("exp_avg", "exp_avg_sq")

    def _direction(self, g: Any, state: list[Any], t: int) -> Any:
        m, v = state
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * (g * g)
        m_hat = m / (1 - self.beta1 ** t)
        v_hat = v / (1 - self.beta2 ** t)
        return m_hat / (np.sqrt(v_hat) + self.eps)

    def formula(self, name: str, old: Any, gradient: Expr, weight: bool = True) -> Expr:
        # first update: m̂ = g, v̂ = g² (to rounding), θ − η·m̂/(√v̂ + ε)
        _, _, (m, v) = self._first(old, _leaf_value(gradient), weight)
        m_hat, v_hat = m / (1 - self.beta1), v / (1 - self.beta2)
        denominator = Group(Sum([Call("√", Var("v̂", self._value(v_hat)), _sqrt),
                                 Var("ε", self.eps)]))
        return Diff(Var(name, old), Prod([Var("η", self._learning_rate),
                                          Quot(Var("m̂", self._value(m_hat)), denominator)]))

    def rule(self, gradient: str = "g") -> str:
        g = self._decay_rule(gradient)
        return (f"m ← β₁·m + (1 − β₁)·({g}), v ← β₂·v + (1 − β₂)·({g})², "
                f"θ ← θ − η·m̂/(√v̂ + ε), m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)")


def _leaf_value(gradient: Expr) -> Any:
    """The gradient's value, from the expression the step text passes (a quantity)."""
    return gradient.evaluate(lambda var: np.asarray(var.value, dtype=np.float64))


OPTIMIZERS: dict[str, Callable[[float, TrainingSettings], Optimizer]] = {
    SGD.name: lambda rate, settings: SGD(rate, settings.l2),
    Momentum.name: Momentum,
    Nesterov.name: Nesterov,
    RMSprop.name: RMSprop,
    Adam.name: Adam,
}


def optimizer_for(settings: TrainingSettings) -> Optimizer:
    """The rule a network's training settings ask for, at their learning rate, not started."""
    return OPTIMIZERS[settings.optimizer](settings.learning_rate, settings)


def update_formula(optimizer: Optimizer, name: str, old: Any, gradient_symbol: str,
                   gradient: Any, weight: bool = True) -> Expr:
    """:meth:`Optimizer.formula` with the gradient a quantity: a builder for a deferred
    equation, ``(update_formula, optimizer, name, old, "∂L/∂w1", g)``, built when shown."""
    return optimizer.formula(name, old, Var(gradient_symbol, gradient), weight)
