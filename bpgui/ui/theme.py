"""Colours, sizes and fonts for the canvas, in one place, for the light and dark themes.

Sign is shown by the Okabe–Ito blue (positive) and vermillion (negative), a
pair that stays distinct under every common colour-vision deficiency; it is
never told apart by red against green.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont


@dataclass(frozen=True)
class Theme:
    name: str
    background: QColor
    grid: QColor
    text: QColor
    muted: QColor
    neuron_fill: QColor
    input_fill: QColor
    output_fill: QColor
    outline: QColor
    positive: QColor
    negative: QColor
    zero: QColor
    selection: QColor
    label_fill: QColor
    highlight: QColor
    read: QColor
    cache: QColor


LIGHT = Theme(
    name="light",
    background=QColor("#fbfbf8"), grid=QColor("#e6e6e0"), text=QColor("#1a1a1a"),
    muted=QColor("#555555"), neuron_fill=QColor("#ffffff"), input_fill=QColor("#e8f1f8"),
    output_fill=QColor("#fdf1e6"), outline=QColor("#2b2b2b"), positive=QColor("#0072B2"),
    negative=QColor("#D55E00"), zero=QColor("#8a8a8a"), selection=QColor("#CC79A7"),
    label_fill=QColor(255, 255, 255, 235), highlight=QColor("#F0E442"),
    read=QColor("#009E73"), cache=QColor("#56B4E9"),
)

DARK = Theme(
    name="dark",
    background=QColor("#1e1f22"), grid=QColor("#2c2d31"), text=QColor("#f2f2f2"),
    muted=QColor("#b8b8b8"), neuron_fill=QColor("#2b2d31"), input_fill=QColor("#23384a"),
    output_fill=QColor("#4a3523"), outline=QColor("#e6e6e6"), positive=QColor("#56B4E9"),
    negative=QColor("#E69F00"), zero=QColor("#9a9a9a"), selection=QColor("#CC79A7"),
    label_fill=QColor(30, 31, 34, 235), highlight=QColor("#F0E442"),
    read=QColor("#009E73"), cache=QColor("#56B4E9"),
)

THEMES = {"light": LIGHT, "dark": DARK}

NEURON_RADIUS = 34.0
GRID_SIZE = 20.0


def font(pixel_size: float, bold: bool = False) -> QFont:
    """A scene font sized in scene units, so it scales with zoom and stays crisp."""
    f = QFont("DejaVu Sans")
    f.setPixelSize(max(1, round(pixel_size)))
    f.setBold(bold)
    return f


def weight_colour(theme: Theme, weight: float) -> QColor:
    if weight > 0:
        return theme.positive
    if weight < 0:
        return theme.negative
    return theme.zero


def weight_width(weight: float) -> float:
    """Stroke width by magnitude: 1.5 at 0, 7 at |w| ≥ 3."""
    return 1.5 + 5.5 * min(abs(weight), 3.0) / 3.0
