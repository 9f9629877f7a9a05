"""The worked-solution handout: one pass of one sample, every step in symbols and numbers.

``File ▸ Export worked solution…`` and ``bpgui worksheet`` both call
:func:`worksheet` (or :func:`write_worksheet`). The page lists the very step
records the GUI steps through, so the handout and the projector never
disagree.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from bpgui.engine.records import LOSS_ID
from bpgui.handout.content import build_document
from bpgui.handout.lesson_sheet import lesson_sheet
from bpgui.handout.render_html import render_html
from bpgui.handout.render_markdown import render_markdown
from bpgui.handout.steps import Blanks
from bpgui.network.errors import BpguiError
from bpgui.network.fileformat import atomic_write_text
from bpgui.network.model import Network
from bpgui.network.numbers import DEFAULT_DIGITS

FORMATS = ("html", "md")
SUFFIXES = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md"}
MAX_DIGITS = 17


def worksheet(network: Network, sample: int = 0, select: Sequence[str] = (),
              questions: bool = False, blank: Sequence[str] = (), digits: int = DEFAULT_DIGITS,
              fmt: str = "html", source_name: str | None = None) -> str:
    """The handout for ``sample`` of ``network`` as an HTML page or Markdown text.

    ``select``: edge ids (their weight) and neuron ids (their δ, or ∂L/∂x for an
    input) whose path sums are written out. ``questions``: leave every result
    blank (``= ______``) but keep the symbols and the numbers that go in;
    ``blank`` narrows that to the steps whose target or writes include one of
    these ids (neurons, edges, or ``":loss"``) and the paths of those ids, and
    implies ``questions``. ``source_name`` (the file's name) goes in the footer.
    Raises :class:`BpguiError` for an unknown id, format, sample or precision.
    """
    kind = _format(fmt)
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= MAX_DIGITS:
        raise BpguiError(f"digits must be a whole number from 1 to {MAX_DIGITS}, not {digits!r}")
    chosen = _checked_ids(network, select, "select", "a weight (edge) or a neuron")
    blanked = _checked_ids(network, blank, "blank", "an edge, a neuron or ':loss'",
                           extra=(LOSS_ID,))
    blanks = Blanks(questions or bool(blanked), frozenset(blanked))
    doc = build_document(network, sample, chosen, blanks, digits, source_name)
    return render_html(doc) if kind == "html" else render_markdown(doc)


def format_for_path(path: str | os.PathLike[str]) -> str:
    """``"html"`` for ``.html``/``.htm``, ``"md"`` for ``.md``/``.markdown``."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise BpguiError(f"{os.fspath(path)}: a worksheet is written as .html or .md, "
                         f"not {suffix or 'a file without a suffix'}")
    return SUFFIXES[suffix]


def write_worksheet(network: Network, path: str | os.PathLike[str], sample: int = 0,
                    select: Sequence[str] = (), questions: bool = False,
                    blank: Sequence[str] = (), digits: int = DEFAULT_DIGITS,
                    source_name: str | None = None) -> None:
    """Write the handout to ``path`` in the format its suffix names.

    Everything is computed before the file is touched, and the write is atomic, so
    an error never leaves a truncated or half-written file behind.
    """
    text = worksheet(network, sample, select, questions, blank, digits,
                     format_for_path(path), source_name)
    atomic_write_text(path, text)


def write_lesson_sheet(network: Network, path: str | os.PathLike[str],
                       digits: int = DEFAULT_DIGITS, source_name: str | None = None) -> None:
    """``bpgui worksheet FILE --lesson``: the lesson scene by scene, to ``path``."""
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= MAX_DIGITS:
        raise BpguiError(f"digits must be a whole number from 1 to {MAX_DIGITS}, not {digits!r}")
    atomic_write_text(path, lesson_sheet(network, digits, format_for_path(path), source_name))


def _format(fmt: str) -> str:
    kind = {"markdown": "md"}.get(str(fmt).lower(), str(fmt).lower())
    if kind not in FORMATS:
        raise BpguiError(f"unknown worksheet format {fmt!r} (choose html or md)")
    return kind


def _checked_ids(network: Network, ids: Sequence[str], option: str, what: str,
                 extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """``ids`` without repeats, in order; an id the network does not have is an error."""
    if isinstance(ids, str):        # a lone id, not its characters
        ids = (ids,)
    known = {n.id for n in network.neurons} | {e.id for e in network.edges} | set(extra)
    for ident in ids:
        if ident not in known:
            raise BpguiError(f"{option}: {ident!r} is not {what} of this network")
    return tuple(dict.fromkeys(ids))
