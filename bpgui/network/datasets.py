"""Toy 2-D training sets for the sample editor: logic gates, moons, circles, spiral, blobs.

This module owns generating ``(inputs, targets)`` arrays (float64, shapes ``(n, 2)`` and
``(n, k)``) and turning them into model samples. It is pure NumPy, with no Qt, and every
random generator is deterministic given its ``seed``. Two classes give one 0/1 target
column; more classes give one-hot columns. ``noise`` is the standard deviation of the
Gaussian noise added to each coordinate. Rows are shuffled so classes are interleaved.
:func:`hold_out` marks a share of the samples as test samples, again from the seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from bpgui.network.errors import BpguiError
from bpgui.network.model import Sample

Dataset = tuple[np.ndarray, np.ndarray]

_GATES = {"and": (0, 0, 0, 1), "or": (0, 1, 1, 1), "xor": (0, 1, 1, 0)}
_CORNERS = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))


def _check(count: int, noise: float, seed: int, classes: int = 2) -> None:
    if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 1:
        raise BpguiError(f"the sample count must be an integer >= 1, not {count!r}")
    if isinstance(noise, bool) or not isinstance(noise, int | float | np.floating) \
            or not math.isfinite(noise) or noise < 0:
        raise BpguiError(f"the noise must be a finite number >= 0, not {noise!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise BpguiError(f"the seed must be an integer >= 0, not {seed!r}")
    if isinstance(classes, bool) or not isinstance(classes, int | np.integer) or classes < 2:
        raise BpguiError(f"the number of classes must be an integer >= 2, not {classes!r}")


def _sizes(count: int, classes: int) -> list[int]:
    """Split ``count`` into ``classes`` sizes that differ by at most one."""
    return [count // classes + (k < count % classes) for k in range(classes)]


def _finish(points: np.ndarray, labels: np.ndarray, classes: int, noise: float,
            rng: np.random.Generator) -> Dataset:
    """Add noise, shuffle, and encode labels (one 0/1 column, or one-hot)."""
    points = points + rng.normal(0.0, noise, size=points.shape) if noise else points
    order = rng.permutation(len(labels))
    labels = labels[order]
    targets = labels[:, None].astype(np.float64) if classes == 2 \
        else np.eye(classes)[labels]
    return np.ascontiguousarray(points[order], dtype=np.float64), targets


def logic_gate(name: str) -> Dataset:
    """The four corners of {0,1}² with the truth table of ``"and"``, ``"or"`` or ``"xor"``."""
    key = name.lower() if isinstance(name, str) else name
    if key not in _GATES:
        raise BpguiError(f"unknown logic gate {name!r} (known: {', '.join(_GATES)})")
    return np.array(_CORNERS, dtype=np.float64), np.array(_GATES[key], np.float64)[:, None]


def moons(count: int, noise: float, seed: int) -> Dataset:
    """Two interleaving half circles: class 0 on top, class 1 below and shifted right."""
    _check(count, noise, seed)
    rng = np.random.default_rng(seed)
    n0, n1 = _sizes(count, 2)
    t0, t1 = np.linspace(0.0, math.pi, n0), np.linspace(0.0, math.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    labels = np.repeat([0, 1], [n0, n1])
    return _finish(np.vstack([upper, lower]), labels, 2, noise, rng)


def circles(count: int, noise: float, seed: int, factor: float = 0.5) -> Dataset:
    """Class 0 on the unit circle, class 1 on a concentric circle of radius ``factor``."""
    _check(count, noise, seed)
    if not (isinstance(factor, int | float) and 0 < factor < 1):
        raise BpguiError(f"the circles' factor must be a number in (0, 1), not {factor!r}")
    rng = np.random.default_rng(seed)
    parts = []
    for radius, n in zip((1.0, float(factor)), _sizes(count, 2), strict=True):
        t = np.linspace(0.0, 2.0 * math.pi, n, endpoint=False)
        parts.append(radius * np.column_stack([np.cos(t), np.sin(t)]))
    labels = np.repeat([0, 1], _sizes(count, 2))
    return _finish(np.vstack(parts), labels, 2, noise, rng)


def spiral(count: int, noise: float, seed: int, classes: int = 2) -> Dataset:
    """``classes`` arms winding out from the origin to radius 1, one per class."""
    _check(count, noise, seed, classes)
    rng = np.random.default_rng(seed)
    parts = []
    for k, n in enumerate(_sizes(count, classes)):
        r = np.linspace(0.05, 1.0, n)
        theta = 2.0 * math.pi * k / classes + 1.75 * math.pi * r
        parts.append(r[:, None] * np.column_stack([np.cos(theta), np.sin(theta)]))
    labels = np.repeat(np.arange(classes), _sizes(count, classes))
    return _finish(np.vstack(parts), labels, classes, noise, rng)


def blobs(count: int, noise: float, seed: int, classes: int = 3) -> Dataset:
    """Gaussian blobs of standard deviation ``noise`` around centres on the unit circle."""
    _check(count, noise, seed, classes)
    rng = np.random.default_rng(seed)
    angles = math.pi / 2 + 2.0 * math.pi * np.arange(classes) / classes
    centres = np.column_stack([np.cos(angles), np.sin(angles)])
    labels = np.repeat(np.arange(classes), _sizes(count, classes))
    return _finish(centres[labels], labels, classes, noise, rng)


def _gate(name: str) -> Callable[[int, float, int], Dataset]:
    def generate(count: int, noise: float, seed: int) -> Dataset:
        return logic_gate(name)  # always the 4 corners; count, noise and seed are unused

    generate.__doc__ = f"The {name.upper()} truth table (ignores count, noise and seed)."
    return generate


GENERATORS: dict[str, Callable[[int, float, int], Dataset]] = {
    "AND": _gate("and"),
    "OR": _gate("or"),
    "XOR": _gate("xor"),
    "moons": moons,
    "circles": circles,
    "spiral": spiral,
    "Gaussian blobs": blobs,
}


def to_samples(inputs: np.ndarray, targets: np.ndarray) -> list[Sample]:
    """One :class:`Sample` per row, with plain Python floats."""
    inputs, targets = np.asarray(inputs, np.float64), np.asarray(targets, np.float64)
    if inputs.ndim != 2 or targets.ndim != 2 or len(inputs) != len(targets):
        raise BpguiError(f"inputs {inputs.shape} and targets {targets.shape} must be 2-D "
                         "arrays with the same number of rows")
    return [Sample(row.tolist(), target.tolist()) for row, target in zip(inputs, targets,
                                                                          strict=True)]


MAX_HOLD_OUT = 90           # percent: at least a tenth of the samples stays to train on
_HOLD_OUT_STREAM = 0x7E57   # a stream of its own: holding out does not move the points


def held_out_count(count: int, percent: int) -> int:
    """How many of ``count`` samples ``percent`` % holds out: round(count·percent/100),
    but never all of them (at least one sample stays a training sample)."""
    if isinstance(percent, bool) or not isinstance(percent, int | np.integer) \
            or not 0 <= percent <= MAX_HOLD_OUT:
        raise BpguiError(f"the held-out share must be a whole percentage from 0 to "
                         f"{MAX_HOLD_OUT}, not {percent!r}")
    return min(round(count * percent / 100), max(count - 1, 0))


def hold_out(samples: list[Sample], percent: int, seed: int) -> list[Sample]:
    """Copies of ``samples`` with :func:`held_out_count` of them, chosen at random from
    ``seed``, marked as test samples; the same seed always holds out the same ones."""
    k = held_out_count(len(samples), percent)
    rng = np.random.default_rng([seed, _HOLD_OUT_STREAM])
    test = set(rng.choice(len(samples), size=k, replace=False).tolist()) if k else set()
    return [Sample(list(s.inputs), list(s.targets), "test" if i in test else "train")
            for i, s in enumerate(samples)]
