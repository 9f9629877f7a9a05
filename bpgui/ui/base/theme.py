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
    dim_alpha: float = 0.22       # how much of an untouched edge shows during a pass
    dim_opacity: float = 0.28     # and of an untouched neuron
    outline_width: float = 2.2    # a neuron's ring


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

# For projectors: pure background, black or white text, thicker rings, and what a step
# does not touch faded less, so the back row still sees the whole network. Sign stays
# blue against orange, never red against green.
CONTRAST_LIGHT = Theme(
    name="contrast-light",
    background=QColor("#ffffff"), grid=QColor("#d0d0d0"), text=QColor("#000000"),
    muted=QColor("#1a1a1a"), neuron_fill=QColor("#ffffff"), input_fill=QColor("#d4e8f7"),
    output_fill=QColor("#fde0c5"), outline=QColor("#000000"), positive=QColor("#0072B2"),
    negative=QColor("#D55E00"), zero=QColor("#555555"), selection=QColor("#CC79A7"),
    label_fill=QColor(255, 255, 255, 245), highlight=QColor("#F0E442"),
    read=QColor("#009E73"), cache=QColor("#56B4E9"), dim_alpha=0.38, dim_opacity=0.45,
    outline_width=3.5,
)

CONTRAST_DARK = Theme(
    name="contrast-dark",
    background=QColor("#000000"), grid=QColor("#333333"), text=QColor("#ffffff"),
    muted=QColor("#e6e6e6"), neuron_fill=QColor("#111111"), input_fill=QColor("#0d2c44"),
    output_fill=QColor("#44280f"), outline=QColor("#ffffff"), positive=QColor("#56B4E9"),
    negative=QColor("#E69F00"), zero=QColor("#aaaaaa"), selection=QColor("#CC79A7"),
    label_fill=QColor(0, 0, 0, 245), highlight=QColor("#F0E442"),
    read=QColor("#009E73"), cache=QColor("#56B4E9"), dim_alpha=0.42, dim_opacity=0.5,
    outline_width=3.5,
)

THEMES = {"light": LIGHT, "dark": DARK}


def presentation_theme(theme: Theme) -> Theme:
    """The high-contrast twin of a theme, for presentation mode."""
    return CONTRAST_DARK if theme.name in ("dark", "contrast-dark") else CONTRAST_LIGHT

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
