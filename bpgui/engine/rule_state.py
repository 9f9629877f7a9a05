"""One parameter's state under an update rule, and one update of it written out in full:
the records :mod:`bpgui.engine.optimizers` hands the step text
(:mod:`bpgui.engine.update_text`), in a module of their own so both can import them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ParamState", "Trace"]


@dataclass(frozen=True)
class ParamState:
    """One parameter's rule state before an update: ``t`` updates made so far (this one is
    update t + 1) and the value of each of the rule's state slots (a velocity; Adam's m and
    v), a float or an array shaped like the parameter. ``ParamState()`` is the initial
    state, zeros at t = 0, what a rule has before any training."""

    t: int = 0
    slots: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Trace:
    """One parameter's update, every intermediate the step text writes: the gradient
    with decay ``g``, each state slot after the update (``slots``), the bias-corrected
    ``hats`` (Adam's m̂, v̂), the update's number ``t`` and the new value."""

    g: Any
    slots: tuple[Any, ...]
    hats: tuple[Any, ...]
    t: int
    new: Any
