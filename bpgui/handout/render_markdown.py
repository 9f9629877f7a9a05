"""The worksheet as Markdown: the same blocks as the HTML page, for notes and wikis.

Formulas go in code spans (so ``*``, ``_`` and ``|`` in them are never read as
markup) and steps in numbered lists with the GUI's numbers. The picture is
not embedded: GitHub and GitLab strip inline ``<svg>`` (and a sanitiser that
drops the tags leaves the labels as stray words), and a plain-text viewer would
show raw XML; a note points to the HTML version, and the neurons and weights
tables carry the same facts in every viewer. Hard line breaks are two trailing
spaces, which every Markdown dialect reads.
"""

from __future__ import annotations

import re

from bpgui.handout.blocks import (
    Block,
    Document,
    Entries,
    Entry,
    Facts,
    Formula,
    Paragraph,
    Picture,
    Rich,
    Section,
    Table,
)

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
BREAK = "  \n"


def escape_md(text: str, line_start: bool = False) -> str:
    """Plain text that Markdown shows as it is (no emphasis, links, HTML or tables);
    with ``line_start`` (the text begins a line) a leading ``#``, ``-`` or ``1.`` too,
    which would start a heading or a list."""
    text = _SPECIAL.sub(r"\\\1", re.sub(r"[&<>]", lambda m: _ENTITIES[m.group()], text))
    if line_start:
        text = re.sub(r"^(\s*)([#+=-])", r"\1\\\2", text)
        text = re.sub(r"^(\s*\d+)([.)])", r"\1\\\2", text)
    return text


def code(text: str) -> str:
    """A code span, fenced with more backticks than ``text`` holds in a row."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_markdown(doc: Document) -> str:
    out = [f"# {escape_md(doc.title)}"]
    out.extend(_block(b) for b in doc.intro)
    out.extend(_section(s) for s in doc.sections)
    out.append("---")
    out.extend(_block(p) for p in doc.footer)
    return "\n\n".join(part for part in out if part) + "\n"


def _section(section: Section) -> str:
    parts = [f"{'#' * section.level} {escape_md(section.title)}"]
    parts.extend(_block(b) for b in section.blocks)
    return "\n\n".join(part for part in parts if part)


def _block(block: Block) -> str:
    if isinstance(block, Section):
        return _section(block)
    if isinstance(block, Paragraph):
        text = _rich(block.text, line_start=block.style == "text")
        return {"note": f"*{text}*", "result": f"**{text}**"}.get(block.style, text)
    if isinstance(block, Facts):
        return "\n".join(f"- **{escape_md(term)}:** {_rich(text)}" for term, text in block.rows)
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Picture):
        return f"> {_rich(block.fallback)}"
    if isinstance(block, Entries):
        return "\n\n".join(_entry(e, block.numbered) for e in block.items)
    raise TypeError(f"unknown block {block!r}")


def _rich(text: Rich, line_start: bool = False) -> str:
    """Inline text; ``line_start`` when it begins a line (a paragraph of its own)."""
    out = []
    for k, span in enumerate(text):
        if span.style == "formula":
            out.append(code(span.text))
        else:
            out.append(escape_md(span.text, line_start and k == 0))
    return "".join(out)


def _cell(text: str) -> str:
    return escape_md(text) or " "


def _table(table: Table) -> str:
    align = ["---:" if k in table.numeric else "---" for k in range(len(table.header))]
    lines = [f"**{escape_md(table.caption)}**", "",
             "| " + " | ".join(_cell(h) for h in table.header) + " |",
             "| " + " | ".join(align) + " |"]
    lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows)
    return "\n".join(lines)


def _entry(entry: Entry, numbered: bool) -> str:
    """A list item: the title, each formula as its own paragraph, then the notes, all
    indented to the item's content column so they stay inside it."""
    marker = f"{entry.number}." if numbered else "-"
    # At least four spaces: Python-Markdown (MkDocs) needs them, CommonMark takes them.
    indent = " " * max(4, len(marker) + 1)
    paragraphs = [_formula(f, indent) for f in entry.formulas]
    if all(len(f.lines) == 1 for f in entry.formulas):     # "x1 = 0" and the like
        paragraphs = [BREAK.join(paragraphs)] if paragraphs else []
    paragraphs.extend(f"{indent}*{escape_md(note)}*" for note in entry.notes)
    return "\n\n".join([f"{marker} **{escape_md(entry.title)}**", *paragraphs])


def _formula(f: Formula, indent: str) -> str:
    lines = [indent + code(line) for line in f.lines[:-1]]
    lines.append(f"{indent}**{code(f.lines[-1])}**")
    return BREAK.join(lines)
