"""The learning rate after each update: the file's ``training.schedule`` (a v1 addition).

PyTorch's meanings, with the scheduler stepped once after every update (not every
epoch): ``step`` is ``StepLR(step_size, gamma)``, η ← γ·η after every ``step_size``
updates; ``exponential`` is ``ExponentialLR(gamma)``, η ← γ·η after every update;
``constant`` never changes η. Like torch's, the new rate is the old one times γ, one
multiplication per change, so the rates agree with torch's to the last bit.
"""

from __future__ import annotations

from bpgui.network.items import TrainingSettings


def next_learning_rate(settings: TrainingSettings, updates: int, rate: float) -> float:
    """η for the next update, ``rate`` having been used by update number ``updates``
    (counted from 1 over the whole training, across runs)."""
    if settings.schedule == "exponential":
        return rate * settings.gamma
    if settings.schedule == "step" and updates % settings.step_size == 0:
        return rate * settings.gamma
    return rate


def learning_rate_after(settings: TrainingSettings, updates: int) -> float:
    """η for update ``updates + 1`` of a training that started at the file's rate."""
    rate = settings.learning_rate
    if settings.schedule != "constant":
        for t in range(1, updates + 1):
            rate = next_learning_rate(settings, t, rate)
    return rate


def schedule_rule(settings: TrainingSettings) -> str:
    """The schedule in words, for the Training dock's tooltip and the handout."""
    if settings.schedule == "step":
        return f"η ← γ·η every {settings.step_size} updates (γ = {settings.gamma:g})"
    if settings.schedule == "exponential":
        return f"η ← γ·η after every update (γ = {settings.gamma:g})"
    return "η stays constant"
