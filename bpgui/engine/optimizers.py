"""The update rule θ ← θ − η·g, in one place: on arrays for training, as a formula for the steps.

Training (:class:`~bpgui.engine.training.Trainer`) moves every parameter array
with :meth:`Optimizer.step`. The step text of a pass (:mod:`~bpgui.engine.stepper`,
:mod:`~bpgui.engine.layer_steps`) and the Single update record
(:mod:`~bpgui.engine.update_step`) compute each new value with
:meth:`Optimizer.updated` (:meth:`Optimizer.trace` for every intermediate, from one
parameter's :class:`ParamState`) and write it with :mod:`~bpgui.engine.update_text`.
Both sides ask the same object, so the numbers a step shows are the numbers training
makes, to the last bit, and a new rule changes both at once.

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

from bpgui.engine.expression import Diff, Expr, Group, Prod, Sum, Var
from bpgui.engine.rule_state import ParamState, Trace
from bpgui.network.functions import Array
from bpgui.network.model import TrainingSettings

_subtract = np.subtract      # the hot loop's ufunc, looked up once (a few % of an update)


class Optimizer(Protocol):
    """An update rule: the parameters' new values from their gradients (and the rule's state).

    The array side (:meth:`start`, :meth:`step`, :meth:`state`) is what training
    runs; the one-parameter side (:meth:`param_state`, :meth:`updated`, :meth:`trace`) is
    what the step text shows, the update made from one parameter's state (by default the
    initial one: a single pass's update is the first). Entries whose mask is 0 (a frozen
    weight, a missing edge) never move, whatever the rule.
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

    def param_state(self, index: int, entry: tuple[int, ...]) -> ParamState:
        """The state of one parameter, entry ``entry`` of array ``index`` (the order of
        :meth:`start`), as the next :meth:`step` will find it; the initial state when
        the rule has not started."""

    def updated(self, old: Any, gradient: Any, weight: bool = True,
                state: ParamState | None = None) -> Any:
        """One trainable parameter's value after one update from ``state`` (the initial
        one when None): a float, or an array of trainable entries, computed as
        :meth:`step` computes it (``weight``: L2 decay applies, as to a weight, not a bias)."""

    def trace(self, old: Any, gradient: Any, weight: bool = True,
              state: ParamState | None = None) -> Trace:
        """:meth:`updated` with every intermediate value, the numbers the step text writes."""

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

    def param_state(self, index: int, entry: tuple[int, ...]) -> ParamState:
        return ParamState()

    def updated(self, old: Any, gradient: Any, weight: bool = True,
                state: ParamState | None = None) -> Any:
        if self.l2 and weight:
            gradient = gradient + self.l2 * old
        return old - self._learning_rate * gradient

    def trace(self, old: Any, gradient: Any, weight: bool = True,
              state: ParamState | None = None) -> Trace:
        g = gradient + self.l2 * old if self.l2 and weight else gradient
        return Trace(g, (), (), 1, self.updated(old, gradient, weight))

    def formula(self, name: str, old: Any, gradient: Expr, weight: bool = True) -> Expr:
        if self.l2 and weight:
            gradient = Group(Sum([gradient, Prod([Var("λ", self.l2), Var(name, old)])]))
        return Diff(Var(name, old), Prod([Var("η", self._learning_rate), gradient]))

    def rule(self, gradient: str = "g") -> str:
        if self.l2:
            return f"θ ← θ − η·({gradient} + λ·θ)"
        return f"θ ← θ − η·{gradient}"


class _Stateful:
    """A rule with state and L2 decay: the array update and the one-parameter update run
    the same arithmetic (:meth:`_direction`), the latter from one parameter's state."""

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

    def param_state(self, index: int, entry: tuple[int, ...]) -> ParamState:
        if not self._state:
            return ParamState(self.t, tuple(0.0 for _ in self._slots))
        return ParamState(self.t, tuple(float(self._state[s][index][entry])
                                        for s in self._slots))

    def _after(self, old: Any, gradient: Any, weight: bool,
               state: ParamState | None) -> tuple[Any, Any, list[Any], int]:
        """From ``state``: the gradient with decay, the direction, the state after, and
        the update's t, by :meth:`step`'s arithmetic (:meth:`_direction`) on one entry."""
        state = state or ParamState()
        g = np.array(gradient, dtype=np.float64)
        if self.l2 and weight:
            g = g + self.l2 * np.asarray(old, dtype=np.float64)
        slots = [np.array(np.broadcast_to(np.asarray(v, dtype=np.float64), g.shape))
                 for v in state.slots] if state.slots else [np.zeros_like(g) for _ in self._slots]
        t = state.t + 1
        d = self._direction(g.copy(), slots, t)
        return g, d, slots, t

    def updated(self, old: Any, gradient: Any, weight: bool = True,
                state: ParamState | None = None) -> Any:
        return self.trace(old, gradient, weight, state).new

    def trace(self, old: Any, gradient: Any, weight: bool = True,
              state: ParamState | None = None) -> Trace:
        g, d, slots, t = self._after(old, gradient, weight, state)
        new = self._plain(np.asarray(old, dtype=np.float64) - self._learning_rate * d)
        return Trace(self._plain(g), tuple(self._plain(v) for v in slots),
                     tuple(self._plain(h) for h in self._hats(slots, t)), t, new)

    def _hats(self, slots: list[Any], t: int) -> list[Any]:
        """The bias-corrected slots (Adam's m̂, v̂), as :meth:`_direction` computes them."""
        return []

    @staticmethod
    def _plain(x: Any) -> Any:
        return float(x) if np.ndim(x) == 0 else x

    def _decay_rule(self, gradient: str, alone: bool = False) -> str:
        """g, (g + λ·θ) with decay, or (∂L/∂θ) where ``alone`` (squared or divided)."""
        if self.l2:
            return f"({gradient} + λ·θ)"
        return f"({gradient})" if alone and "/" in gradient else gradient


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

    def rule(self, gradient: str = "g") -> str:
        g = self._decay_rule(gradient, alone=True)
        return f"v ← α·v + (1 − α)·{g}², θ ← θ − η·{g}/(√v + ε)"


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
        m_hat, v_hat = self._hats(state, t)
        return m_hat / (np.sqrt(v_hat) + self.eps)

    def _hats(self, slots: list[Any], t: int) -> list[Any]:
        m, v = slots
        return [m / (1 - self.beta1 ** t), v / (1 - self.beta2 ** t)]

    def rule(self, gradient: str = "g") -> str:
        g, alone = self._decay_rule(gradient), self._decay_rule(gradient, alone=True)
        return (f"m ← β₁·m + (1 − β₁)·{g}, v ← β₂·v + (1 − β₂)·{alone}², "
                f"m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), θ ← θ − η·m̂/(√v̂ + ε)")


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
