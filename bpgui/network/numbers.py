"""How numbers are written for people: significant digits and a real minus sign.

The step text, the canvas labels and the handouts all call :func:`fmt`, so a
value reads the same everywhere. Full precision stays available through
``repr`` (the GUI shows it on hover; the JSON output never rounds).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any, Protocol, TypeGuard

MINUS = "−"
DEFAULT_DIGITS = 4
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def fmt(value: float, digits: int = DEFAULT_DIGITS) -> str:
    """``value`` to ``digits`` significant digits: ``−0.025``, ``0.9993``, ``1.2×10⁻⁵``."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else f"{MINUS}∞"
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}×10{str(int(exponent)).translate(_SUPERSCRIPT)}"
    return text.replace("-", MINUS)


def fmt_value(value: Any, digits: Any = DEFAULT_DIGITS) -> str:
    """A number, a vector ``[a, b]`` or a matrix ``[[a, b], [c, d]]``; ``digits`` is one
    number for all, or one per element in the value's shape (guard digits)."""
    if _is_vector(value):
        per = digits if _is_vector(digits) else [digits] * len(value)
        return "[" + ", ".join(fmt_value(v, d) for v, d in zip(value, per, strict=True)) + "]"
    return fmt(value, int(digits))


class _Vector(Protocol):
    """What :func:`fmt_value` needs of a vector or matrix: a length and its rows."""

    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Any]: ...


def _is_vector(value: object) -> TypeGuard[_Vector]:
    """A sequence or a NumPy array (not a NumPy scalar)."""
    if isinstance(value, float | int):     # most calls: a layer's matrix has a thousand
        return False
    return isinstance(value, list | tuple | _ndarray() | Sequence)


@cache
def _ndarray() -> type:
    import numpy as np  # local: numbers.py is imported by modules that avoid NumPy

    return np.ndarray


SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def subscript(n: int) -> str:
    """``12`` → ``₁₂``, for level and output indices in formulas."""
    return str(n).translate(SUBSCRIPT)
