"""The ``bpgui train`` options that choose the update rule and the learning-rate schedule
(v1 additions): the ``training`` block's ``optimizer``, ``momentum``, ``beta1``, ``beta2``,
``eps``, ``alpha``, ``l2``, ``schedule``, ``step_size`` and ``gamma``, each checked as
argparse reads it so a bad value is one line and exit 2."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

from bpgui.network.items import OPTIMIZER_NAMES, SCHEDULE_NAMES

# option, settings key, metavar, (low, high): low included, high excluded (None: no bound)
_NUMBERS: tuple[tuple[str, str, str, float, float | None], ...] = (
    ("--momentum", "momentum", "B", 0.0, 1.0),
    ("--beta1", "beta1", "B1", 0.0, 1.0),
    ("--beta2", "beta2", "B2", 0.0, 1.0),
    ("--eps", "eps", "E", 0.0, None),
    ("--alpha", "alpha", "A", 0.0, 1.0),
    ("--l2", "l2", "L", 0.0, None),
)


def _bounded(key: str, low: float, high: float | None) -> Callable[[str], float]:
    """An argparse type: a finite number in [low, high), or > 0 for ε, >= 0 for λ."""
    wanted = ("a finite number > 0" if key == "eps" else
              "a finite number >= 0" if high is None else f"a number in [{low:g}, {high:g})")

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
        bad = not math.isfinite(value) or (value <= low if key == "eps" else value < low) \
            or (high is not None and value >= high)
        if bad:
            raise argparse.ArgumentTypeError(f"must be {wanted}, not {text!r}")
        return value

    return parse


def _gamma(text: str) -> float:
    """An argparse type: γ of a schedule, in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
    if not (math.isfinite(value) and 0 < value <= 1):
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1], not {text!r}")
    return value


def _positive(text: str) -> int:
    """An argparse type: a whole number >= 1 (a step size)."""
    value = integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, not {text!r}")
    return value


def integer(text: str) -> int:
    """An argparse type: any whole number (a seed)."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None


def add_optimizer_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--optimizer", choices=OPTIMIZER_NAMES)
    for option, key, metavar, low, high in _NUMBERS:
        parser.add_argument(option, dest=f"opt_{key}", type=_bounded(key, low, high),
                            metavar=metavar)
    parser.add_argument("--schedule", choices=SCHEDULE_NAMES)
    parser.add_argument("--step-size", dest="opt_step_size", type=_positive, metavar="N")
    parser.add_argument("--gamma", dest="opt_gamma", type=_gamma, metavar="G")


def optimizer_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The training settings the options given replace."""
    overrides: dict[str, Any] = {}
    for key in ("optimizer", "schedule"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    for key in [k for _, k, _, _, _ in _NUMBERS] + ["step_size", "gamma"]:
        value = getattr(args, f"opt_{key}")
        if value is not None:
            overrides[key] = value
    return overrides
