"""View ▸ Colour neurons by |δ|: each neuron's fill says how large its δ is in this pass.

The scale is logarithmic over the pass's own |δ| values (at least one decade wide):
a vanishing gradient spans many decades, which a linear scale would draw as one
colour. The palest fill is the smallest |δ|, the strongest the largest, so the
levels that hardly learn look washed out. The canvas only draws what it is given:
the stepping room hands the scene the pass's δ values (the canvas knows no pass).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtGui import QColor

from bpgui.network.numbers import fmt
from bpgui.ui.base.theme import Theme

STRONG = QColor("#E69F00")    # Okabe–Ito orange: dark text stays readable on it
LIGHT_STRONG = 0.95           # how far towards STRONG the largest |δ| goes
DARK_STRONG = 0.8             # on a dark theme (white text on it)


@dataclass(frozen=True)
class DeltaScale:
    """log10 |δ| from ``low`` (palest) to ``high`` (strongest)."""

    low: float
    high: float

    def position(self, delta: float) -> float:
        """0 (palest) … 1 (strongest) for ``delta``; 0 for δ = 0."""
        size = abs(delta)
        if not size > 0 or not math.isfinite(size):
            return 0.0
        return min(max((math.log10(size) - self.low) / (self.high - self.low), 0.0), 1.0)

    def text(self) -> str:
        return (f"fill: |δ| on a log scale, palest {fmt(10.0 ** self.low, 1)} or less, "
                f"strongest {fmt(10.0 ** self.high, 1)}")


def delta_scale(deltas: Mapping[str, float]) -> DeltaScale | None:
    """The scale spanning the pass's nonzero |δ| (whole decades, at least one); None
    when every δ is 0 or there is none."""
    sizes = [math.log10(abs(v)) for v in deltas.values() if math.isfinite(v) and v != 0]
    if not sizes:
        return None
    high = math.ceil(max(sizes))
    low = min(math.floor(min(sizes)), high - 1)
    return DeltaScale(low, high)


def delta_fill(position: float, theme: Theme) -> QColor:
    """The theme's neuron fill blended towards orange by ``position`` (0 … 1)."""
    base = QColor(theme.neuron_fill)
    t = position * (LIGHT_STRONG if theme.name.endswith("light") else DARK_STRONG)
    return QColor(round(base.red() + t * (STRONG.red() - base.red())),
                  round(base.green() + t * (STRONG.green() - base.green())),
                  round(base.blue() + t * (STRONG.blue() - base.blue())))


def delta_note(delta: float, scale: DeltaScale) -> str:
    """The tooltip line of a coloured neuron."""
    return f"|δ| = {fmt(abs(delta), 3)} in this pass ({scale.text()})"


class Fillable(Protocol):
    """What :func:`apply_delta_fills` needs of a neuron item."""

    def set_delta_fill(self, fill: QColor | None, note: str = "") -> None: ...


def apply_delta_fills(items: Mapping[str, Fillable], deltas: Mapping[str, float] | None,
                      theme: Theme, known: Collection[str] = ()) -> None:
    """Fill each item whose neuron is ``known`` (its δ computed by the steps taken) by its
    δ in ``deltas``, on the scale of the whole pass, so a colour does not change as
    later steps come; ``None`` (the view option off) gives every item its usual fill."""
    scale = None if deltas is None else delta_scale(deltas)
    for ident, item in items.items():
        delta = None if deltas is None or ident not in known else deltas.get(ident)
        if scale is None or delta is None:
            item.set_delta_fill(None)
        else:
            item.set_delta_fill(delta_fill(scale.position(delta), theme),
                                delta_note(delta, scale))
