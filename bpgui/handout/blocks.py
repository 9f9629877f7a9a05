"""The worksheet as neutral blocks, so HTML and Markdown show the very same content.

The builder (:mod:`bpgui.handout.content`) decides *what* the page says once;
each renderer only decides how a heading, a formula or a table looks in its
format. A formula is a tuple of lines whose last line is the result, as the
GUI's step panel lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

BLANK = "______"      # what a student fills in, in place of a result


class Span(NamedTuple):
    """A run of inline text: plain (``""``) or a ``"formula"``."""

    text: str
    style: str = ""


Rich = tuple[Span, ...]


def rich(*parts: str | Span) -> Rich:
    """Inline text from plain strings and :func:`formula` spans."""
    return tuple(p if isinstance(p, Span) else Span(p) for p in parts if p)


def formula(text: str) -> Span:
    return Span(text, "formula")


@dataclass(frozen=True)
class Formula:
    """One equation's lines (``lhs = symbols`` / ``= numbers`` / ``= result``).

    The last line is the result, shown in bold; it ends with :data:`BLANK` in a
    question sheet.
    """

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    """A numbered step of the pass, or one path from the loss."""

    number: int
    title: str
    formulas: tuple[Formula, ...]
    notes: tuple[str, ...] = ()       # e.g. the cached δ a step reuses
    anchor: str = ""


@dataclass(frozen=True)
class Entries:
    """A list of entries; ``numbered`` lists continue the pass's step numbers."""

    items: tuple[Entry, ...]
    numbered: bool = True
    kind: str = "steps"               # "steps" or "paths" (the HTML class)


@dataclass(frozen=True)
class Paragraph:
    """``style``: ``"text"``, ``"note"`` (small, secondary) or ``"result"`` (bold)."""

    text: Rich
    style: str = "text"


@dataclass(frozen=True)
class Facts:
    """Term and description pairs (the sample, the loss, the learning rate)."""

    rows: tuple[tuple[str, Rich], ...]


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...] = ()     # columns aligned right


@dataclass(frozen=True)
class Picture:
    """The network as an SVG string; the Markdown renderer shows ``fallback`` instead."""

    svg: str
    caption: Rich
    fallback: Rich


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]
    anchor: str = ""
    level: int = 2


@dataclass(frozen=True)
class Document:
    title: str
    intro: tuple[Block, ...]          # blocks before the first section
    sections: tuple[Section, ...]
    footer: tuple[Paragraph, ...]


Block = Paragraph | Facts | Table | Picture | Entries | Section
