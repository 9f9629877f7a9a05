"""Parsing what people type or paste: one number in a field, or CSV rows of samples.

Pure Python with no Qt, so the inspector and the dataset table refuse the same
things with the same words and the rules can be tested without a display.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence

from bpgui.network.errors import BpguiError
from bpgui.network.model import Sample


def plural(count: int, word: str) -> str:
    """``plural(1, "row")`` → ``"1 row"``, ``plural(3, "row")`` → ``"3 rows"``."""
    return f"{count} {word}{'s' * (count != 1)}"


def parse_finite(text: str) -> float:
    """``text`` as a finite float (a real minus sign ``−`` is accepted); ValueError if not."""
    try:
        value = float(text.strip().replace("−", "-"))
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{text.strip()!r} is not a finite number")
    return value


def _csv_number(cell: str, delimiter: str) -> float | None:
    """A CSV cell as a finite number, or None. With ; or tab, ``0,5`` means 0.5."""
    if delimiter != "," and "," in cell and "." not in cell:
        cell = cell.replace(",", ".")
    try:
        return parse_finite(cell)
    except ValueError:
        return None


def parse_csv(text: str, names: Sequence[str], n_inputs: int) -> list[Sample]:
    """Samples from CSV ``text``: one column per name, the ``n_inputs`` inputs first.

    Cells are separated by tabs, semicolons or commas (the first of these found in
    the text). Blank lines are skipped, and so is a first row with no number in it
    (a header). Raises :class:`BpguiError` naming the first bad line and what was
    expected, e.g. ``line 3 has 2 values; expected 3 (x1, x2, y)``.
    """
    delimiter = "\t" if "\t" in text else ";" if ";" in text else ","
    expected = f"expected {len(names)} ({', '.join(names)})"
    samples: list[Sample] = []
    first = True
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter))]
        while cells and not cells[-1]:
            cells.pop()  # a trailing separator, as spreadsheets sometimes copy
        values = [_csv_number(cell, delimiter) for cell in cells]
        if first and all(value is None for value in values):
            first = False
            continue  # a header row
        first = False
        if len(cells) != len(names):
            raise BpguiError(f"line {number} has {plural(len(cells), 'value')}; {expected}")
        numbers = []
        for column, (cell, value) in enumerate(zip(cells, values, strict=True)):
            if value is None:
                raise BpguiError(f"line {number}, column {column + 1} ({names[column]}): "
                                 f"{cell!r} is not a finite number")
            numbers.append(value)
        samples.append(Sample(numbers[:n_inputs], numbers[n_inputs:]))
    if not samples:
        raise BpguiError(f"no rows of numbers found; {expected} per row")
    return samples
