"""The worksheet as one self-contained, printable HTML page.

Inline CSS, an inline SVG picture and no external resource, so the file can be
mailed, opened offline and printed as it is. Print rules: A4 margins, black on
white, and no step broken across pages. The markup is also well-formed XML
(self-closed voids, only XML's entities), so any parser can check it.
"""

from __future__ import annotations

from html import escape

from bpgui.handout.blocks import (
    BLANK,
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

CSS = """
:root { color-scheme: light; }
html { background: #ffffff; color: #000000; }
body { font-family: "DejaVu Sans", "Segoe UI", "Helvetica Neue", Arial, sans-serif;
       font-size: 17px; line-height: 1.45; max-width: 54rem; margin: 2rem auto;
       padding: 0 1.25rem; }
h1 { font-size: 1.9rem; margin: 0 0 0.6rem; }
h2 { font-size: 1.45rem; margin: 2rem 0 0.6rem; padding-bottom: 0.15rem;
     border-bottom: 2px solid #000000; }
h3 { font-size: 1.15rem; margin: 1.2rem 0 0.3rem; }
h4 { font-size: 1.05rem; margin: 0 0 0.2rem; }
h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem;
         margin: 1rem 0; }
.facts dt { font-weight: bold; }
.facts dd { margin: 0; }
.f { font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { display: block; width: 100%; height: auto; max-height: 150mm; }
figcaption, .note { font-size: 0.92rem; color: #333333; }
table { border-collapse: collapse; margin: 0.8rem 0 1.2rem; font-size: 0.95rem; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.2rem; }
th, td { border: 1px solid #8a8a8a; padding: 0.15rem 0.6rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr { break-inside: avoid; page-break-inside: avoid; }
ol.steps, ul.entries { padding-left: 2.6rem; }
ol.steps > li, ul.entries > li { margin: 0 0 1rem; break-inside: avoid;
                                 page-break-inside: avoid; }
ul.entries { list-style: none; }
.eq { margin: 0.1rem 0 0.5rem; }
.line { overflow-wrap: anywhere; }
.result { font-weight: bold; }
.blank { font-weight: normal; letter-spacing: 0.5em; }
.reuse { color: #1f6f9f; font-size: 0.95rem; margin: 0.2rem 0 0; }
p.sum { font-weight: bold; }
footer { margin-top: 2.5rem; padding-top: 0.4rem; border-top: 1px solid #8a8a8a; }
@page { size: A4; margin: 18mm 16mm; }
@media print {
  body { font-size: 12pt; max-width: none; margin: 0; padding: 0; }
  figcaption, .note, .reuse { color: #000000; }
  .reuse { font-style: italic; }
  h2 { margin-top: 1.2rem; }
}
"""


NUMERIC = ' class="num"'


def render_html(doc: Document) -> str:
    body = [f"<header><h1>{escape(doc.title)}</h1>"]
    body.extend(_block(b, 1) for b in doc.intro)
    body.append("</header><main>")
    body.extend(_section(s) for s in doc.sections)
    body.append("</main><footer>")
    body.extend(_block(p, 1) for p in doc.footer)
    body.append("</footer>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\" />"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />"
            f"<title>{escape(doc.title)}</title><style>{CSS}</style></head>\n<body>"
            + "\n".join(body) + "\n</body></html>\n")


def _section(section: Section) -> str:
    level = section.level
    anchor = f' id="{escape(section.anchor)}"' if section.anchor else ""
    inner = "".join(_block(b, level) for b in section.blocks)
    return f"<section{anchor}><h{level}>{escape(section.title)}</h{level}>{inner}</section>\n"


def _block(block: Block, level: int) -> str:
    if isinstance(block, Section):
        return _section(block)
    if isinstance(block, Paragraph):
        css = {"note": ' class="note"', "result": ' class="sum"'}.get(block.style, "")
        return f"<p{css}>{_rich(block.text)}</p>"
    if isinstance(block, Facts):
        rows = "".join(f"<dt>{escape(term)}</dt><dd>{_rich(text)}</dd>"
                       for term, text in block.rows)
        return f'<dl class="facts">{rows}</dl>'
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Picture):
        return f'<figure class="picture">{block.svg}<figcaption>{_rich(block.caption)}' \
               f"</figcaption></figure>"
    if isinstance(block, Entries):
        return _entries(block, level + 1)
    raise TypeError(f"unknown block {block!r}")


def _rich(text: Rich) -> str:
    out = []
    for span in text:
        body = _blanked(span.text)
        if span.style == "formula":
            out.append(f'<span class="f">{body}</span>')
        else:
            out.append(body)
    return "".join(out)


def _blanked(text: str) -> str:
    """Escaped text, with a blank to fill in marked (printed lighter, spaced out)."""
    return escape(text).replace(BLANK, f'<span class="blank">{BLANK}</span>')


def _table(table: Table) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in table.header)
    rows = []
    for row in table.rows:
        cells = "".join(f"<td{NUMERIC if k in table.numeric else ''}>{escape(c)}</td>"
                        for k, c in enumerate(row))
        rows.append(f"<tr>{cells}</tr>")
    return (f"<table><caption>{escape(table.caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _entries(entries: Entries, level: int) -> str:
    level = min(level, 6)
    items = "".join(_entry(e, level) for e in entries.items)
    if entries.numbered and entries.items:
        start = entries.items[0].number
        return f'<ol class="{entries.kind}" start="{start}">{items}</ol>'
    return f'<ul class="entries {entries.kind}">{items}</ul>'


def _entry(entry: Entry, level: int) -> str:
    anchor = f' id="{escape(entry.anchor)}"' if entry.anchor else ""
    out = [f'<li{anchor} class="entry"><h{level}>{escape(entry.title)}</h{level}>']
    out.extend(_formula(f) for f in entry.formulas)
    out.extend(f'<p class="reuse">{escape(note)}</p>' for note in entry.notes)
    out.append("</li>")
    return "".join(out)


def _formula(f: Formula) -> str:
    lines = [f'<div class="line">{escape(line)}</div>' for line in f.lines[:-1]]
    lines.append(f'<div class="line result">{_blanked(f.lines[-1])}</div>')
    return f'<div class="eq">{"".join(lines)}</div>'
