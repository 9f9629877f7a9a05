"""Immutable step records: what one step of a pass reads, writes, and how it computes.

A :class:`StepRecord` is the single source of each step's text: the canvas
highlights its ``reads`` and ``writes``, the step panel and ``bpgui trace``
print its :meth:`~StepRecord.text`, and the handout lists the same records.
Numbers live apart from the formula so the text can be re-rendered at any
number of significant digits.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any, NamedTuple

from bpgui.numbers import DEFAULT_DIGITS, fmt_value

PHASES = ("forward", "loss", "backward", "gradient", "update")
GRANULARITIES = ("edge", "node", "layer")
LOSS_ID = ":loss"  # not a valid neuron id, so it never collides with one


class Quantity(NamedTuple):
    """A value a step writes: ``kind`` is one of :data:`KINDS`, ``id`` a neuron or edge id."""

    kind: str
    id: str


KINDS = (
    "a", "z",            # neuron activation and pre-activation
    "loss",              # the sample's loss (id LOSS_ID)
    "dl_dyhat",          # ∂ℓ/∂ŷ for an output neuron
    "term",              # a product term w·a (forward) of an edge, edge granularity only
    "back_term",         # a product term w·δ (backward) of an edge, edge granularity only
    "grad_a",            # ∂L/∂a of a neuron
    "delta",             # δ = ∂L/∂z of a non-input neuron (the cache)
    "grad_w", "grad_b",  # parameter gradients (edge id, neuron id)
    "weight", "bias",    # parameter values after the update
)


class _NumberFormatter(string.Formatter):
    """``{0}`` is a bare number; ``{0:p}`` wraps it in parentheses when negative."""

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def format_field(self, value: Any, format_spec: str) -> str:
        text = fmt_value(value, self.digits)
        if format_spec == "p" and text.startswith("−"):
            return f"({text})"
        return text


class Equation(NamedTuple):
    """``lhs = symbols = numbers = result`` (or ``lhs ← …`` for an update).

    A named tuple rather than a frozen dataclass: a pass makes thousands of them,
    and a tuple is several times cheaper to build.
    """

    lhs: str
    symbols: str                  # the formula in symbols; may be empty
    template: str                 # the formula with {0}, {1:p}… where numbers go
    operands: tuple[Any, ...]
    result: Any                   # a float, or a tuple for a vector or matrix
    relation: str = "="

    def numbers(self, digits: int = DEFAULT_DIGITS) -> str:
        return _NumberFormatter(digits).format(self.template, *self.operands)

    def lines(self, digits: int = DEFAULT_DIGITS, result: str | None = None) -> tuple[str, ...]:
        """``lhs = symbols`` / ``= numbers`` / ``= result``, dropping a line that repeats:
        how the step panel, the projector's caption and the handout lay a step out.
        ``result`` replaces the result's text (a question sheet's blank)."""
        first = f"{self.lhs} {self.relation} {self.symbols}" if self.symbols else ""
        numbers, shown = self.numbers(digits), fmt_value(self.result, digits)
        lines = [first] if first else []
        prefix = "= " if first else f"{self.lhs} {self.relation} "
        if numbers not in (self.symbols, shown):
            lines.append(prefix + numbers)
            prefix = "= "
        lines.append(prefix + (shown if result is None else result))
        return tuple(lines)

    def text(self, digits: int = DEFAULT_DIGITS) -> str:
        result = fmt_value(self.result, digits)
        parts = [self.lhs]
        for part in (self.symbols, self.numbers(digits), result):
            if part and part != parts[-1]:
                parts.append(part)
        return f"{parts[0]} {self.relation} " + " = ".join(parts[1:])


@dataclass(frozen=True)
class StepRecord:
    """One step of a pass. ``values`` holds every quantity the step writes."""

    index: int
    phase: str
    granularity: str
    target: str                          # the neuron, edge, level ("level 2") or LOSS_ID
    reads: tuple[str, ...]               # ids whose values it uses (highlighted)
    writes: tuple[str, ...]              # ids whose values it sets (highlighted)
    reuses: tuple[str, ...]              # neurons whose cached δ it reuses
    equations: tuple[Equation, ...]
    values: tuple[tuple[Quantity, float], ...]

    @property
    def formula(self) -> str:
        """The step in symbols only."""
        return ";  ".join(f"{e.lhs} {e.relation} {e.symbols}" if e.symbols else e.lhs
                          for e in self.equations)

    def numbers(self, digits: int = DEFAULT_DIGITS) -> str:
        """The step with the numbers put in."""
        return ";  ".join(f"{e.lhs} {e.relation} {e.numbers(digits)}" for e in self.equations)

    @property
    def result(self) -> Any:
        """The result of the step's last equation (the value it exists to compute)."""
        return self.equations[-1].result

    def text(self, digits: int = DEFAULT_DIGITS) -> str:
        """Symbols, then numbers, then result, for every equation of the step."""
        return ";  ".join(e.text(digits) for e in self.equations)

    @property
    def reuse_note(self) -> str:
        """What the step panel, the projector's caption and the handout say under a step
        that reuses cached δ values ("" when it reuses none)."""
        if not self.reuses:
            return ""
        return f"Reuses the cached δ of {', '.join(self.reuses)}: computed once, never again."

    @property
    def written(self) -> dict[Quantity, float]:
        return dict(self.values)
