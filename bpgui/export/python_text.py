"""How the torch script's lines are written: Python literals, wrapped lists and sums,
comments, and docstring text.

Plain text rules, apart from any network, so that :mod:`bpgui.export.torch_script`
only decides what the script says and these decide how it is laid out.
"""

from __future__ import annotations

import itertools
import json
import re
import textwrap

LINE = 100           # generated lines are wrapped to this many characters where they can be
DOC_WIDTH = 88       # the docstring's paragraphs
INDENT = "    "


def joined(sections: list[list[str]]) -> str:
    """The sections one blank line apart, two around function and class definitions."""
    text = "\n".join(sections[0])
    for before, lines in itertools.pairwise(sections):
        around_definition = any(line.startswith(("def ", "class ")) for line in before) \
            or lines[0].startswith(("def ", "class "))
        text += ("\n\n\n" if around_definition else "\n\n") + "\n".join(lines)
    return text + "\n"


def number(value: float) -> str:
    """A Python literal that reads back as exactly ``value`` (repr of a float round-trips)."""
    return repr(float(value))


def string(text: str) -> str:
    """A Python string literal (a JSON string literal is one)."""
    return json.dumps(text)


def mapping(name: str, symbols: dict[str, str]) -> list[str]:
    """``name = {"id": tensor, ...}``: bpgui's id to the script's tensor, in file order."""
    return wrap(f"{name} = {{", [f"{string(k)}: {v}" for k, v in symbols.items()], "}")


def wrap(head: str, items: list[str], tail: str) -> list[str]:
    """``head items, ... tail`` on one line, or the items in indented runs between them."""
    one = head + ", ".join(items) + tail
    if len(one) <= LINE:
        return [one]
    lines, current = [head], ""
    for item in items:
        if current and len(INDENT) + len(current) + len(item) + 2 > LINE:
            lines.append(INDENT + current.rstrip())
            current = ""
        current += f"{item}, "
    if current:
        lines.append(INDENT + current.rstrip().rstrip(",") + ",")
    return [*lines, tail]


def sum_of(target: str, terms: list[str], width: int = LINE) -> list[str]:
    """``target = t0 + t1 + ...``, continued in parentheses when it is longer than
    ``width`` (less than LINE where the caller indents the lines afterwards).

    Python adds left to right, line breaks or not, so the order is still the engine's.
    """
    one = f"{target} = {' + '.join(terms)}"
    if len(one) <= width:
        return [one]
    lead = f"{target} = ("
    pad = " " * len(lead) if len(lead) <= 40 else INDENT * 2
    lines, current = [], lead + terms[0]
    for term in terms[1:]:
        if len(current) + len(term) + 3 > width:
            lines.append(current)
            current = f"{pad}+ {term}"
        else:
            current += f" + {term}"
    return [*lines, current + ")"]


def with_comment(code: str, comment: str) -> str:
    """``code  # comment``, or the comment on a line of its own above a long line."""
    line = f"{code}  # {comment}"
    return line if len(line) <= LINE else f"# {comment}\n{code}"


def paragraph(text: str) -> list[str]:
    """``text`` wrapped to DOC_WIDTH, never inside a `code span` (a command, say)."""
    keep = re.sub(r"`[^`]*`", lambda m: m.group().replace(" ", "\0"), text)
    return [line.replace("\0", " ") for line in textwrap.wrap(
        keep, DOC_WIDTH, break_long_words=False, break_on_hyphens=False)]


def docstring_text(text: str) -> str:
    """``text`` safe inside a triple-quoted docstring: backslashes, quotes and control
    characters (a newline in a file name, say) escaped."""
    out = []
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif not ch.isprintable() and ch != " ":
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return "".join(out)
