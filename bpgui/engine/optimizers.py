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
Plain gradient descent (:class:`SGD`) is the one rule today and keeps no state;
:data:`OPTIMIZERS` names the rules :func:`optimizer_for` builds, so another rule is
one class and one entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol

import numpy as np

from bpgui.engine.expression import Diff, Expr, Prod, Var
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

    def start(self, masks: Sequence[Array]) -> None:
        """Get ready for parameter arrays shaped like ``masks`` (1.0 where an entry
        trains, 0.0 where it is frozen), in the order :meth:`step` will get them, with
        the rule's state at its initial value."""

    def step(self, params: Sequence[Array], grads: Sequence[Array],
             out: Sequence[Array]) -> None:
        """One update: write each ``params[i]``'s new value into ``out[i]`` from its
        gradient ``grads[i]``. ``grads`` are the caller's scratch, which the rule may
        overwrite; ``params`` are left as they were (the caller keeps them to undo a
        diverging update)."""

    def state(self) -> dict[str, list[Array]]:
        """The rule's state by name (``{"velocity": [...]}``), one array per parameter
        array; empty for a rule without state."""

    def updated(self, old: Any, gradient: Any) -> Any:
        """One trainable parameter's value after one update: a float, or an array of
        trainable entries, computed as :meth:`step` computes it."""

    def formula(self, name: str, old: Any, gradient: Expr) -> Expr:
        """The update of parameter ``name`` (value ``old``) as the step text writes it,
        ``gradient`` being the gradient's expression: ``w1 − η·∂L/∂w1``."""

    def rule(self, gradient: str = "g") -> str:
        """The rule in words a handout prints, the gradient written ``gradient``:
        ``θ ← θ − η·g``."""


class SGD:
    """Plain gradient descent, θ ← θ − η·g: no state, each step proportional to g."""

    name: ClassVar[str] = "sgd"

    def __init__(self, learning_rate: float) -> None:
        self._learning_rate = learning_rate
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

    def start(self, masks: Sequence[Array]) -> None:
        self._masks = list(masks)
        self.learning_rate = self._learning_rate

    def step(self, params: Sequence[Array], grads: Sequence[Array],
             out: Sequence[Array]) -> None:
        # θ − (η·mask)·g, in place: η·1 is η exactly, so a trainable entry gets θ − η·g,
        # the number updated() gives, and a frozen one θ − 0. (zip's strict check costs
        # as much as a tenth of a small network's update; the lists come from start().)
        for theta, g, scale, new in zip(params, grads, self._scales, out):  # noqa: B905
            g *= scale
            _subtract(theta, g, out=new)

    def state(self) -> dict[str, list[Array]]:
        return {}

    def updated(self, old: Any, gradient: Any) -> Any:
        return old - self._learning_rate * gradient

    def formula(self, name: str, old: Any, gradient: Expr) -> Expr:
        return Diff(Var(name, old), Prod([Var("η", self._learning_rate), gradient]))

    def rule(self, gradient: str = "g") -> str:
        return f"θ ← θ − η·{gradient}"


OPTIMIZERS: dict[str, Callable[[float], Optimizer]] = {SGD.name: SGD}


def optimizer_for(settings: TrainingSettings) -> Optimizer:
    """The rule a network's training settings ask for, at their learning rate, not started."""
    return OPTIMIZERS[SGD.name](settings.learning_rate)


def update_formula(optimizer: Optimizer, name: str, old: Any, gradient_symbol: str,
                   gradient: Any) -> Expr:
    """:meth:`Optimizer.formula` with the gradient a quantity: a builder for a deferred
    equation, ``(update_formula, optimizer, name, old, "∂L/∂w1", g)``, built when shown."""
    return optimizer.formula(name, old, Var(gradient_symbol, gradient))
