"""Formula text as rich text a Qt text view draws right.

Adam's m̂ and v̂ are a letter and a combining circumflex (U+0302): no precomposed
character exists, and Qt's default sans-serif (DejaVu Sans) draws the mark detached,
somewhere along the line. A serif face positions it over its letter, so each
letter-with-mark is set in one (the list falls back to what the system has).

A narrow panel wraps a long line at its spaces; a short bracket such as ``(1 − β₁)``
keeps together (its spaces do not break), so a wrapped line never reads ``(1 −`` / ``0.9)``.
"""

from __future__ import annotations

import html
import re

HAT_FONTS = "'DejaVu Serif', 'Cambria Math', 'STIX Two Math', 'Times New Roman', serif"
_MARKED = re.compile("[A-Za-zα-ω]\u0302")
SHORT = 24          # characters: a bracket this short never wraps inside
_SHORT_GROUP = re.compile(rf"\([^()\[\]]{{1,{SHORT}}}\)")


def formula_html(text: str) -> str:
    """``text`` escaped for rich text, each letter with a combining mark in a serif face
    and each short bracket kept on one line."""
    text = _SHORT_GROUP.sub(lambda m: m[0].replace(" ", "\u00a0"), text)
    return _MARKED.sub(lambda m: f"<span style=\"font-family: {HAT_FONTS}\">{m[0]}</span>",
                       html.escape(text))
