"""Practice mode's rules, without Qt: which steps are asked, when an answer is right,
the hints a wrong answer earns, and the tally.

A step is asked when its phase is one the student chose, its target is one they chose
(or they chose none), and the equation asked about has a formula and a scalar result
(a layer step's matrices are shown as usual, never asked). The equation asked about is
the step's main one: the loss itself in the loss step, the first gradient or update of
a neuron's gradient or update step, the activation or δ of a forward or backward step.

An answer is right when it is within one unit in the last significant digit of the
exact value as the panel writes it at its Digits: for 0.5268 at 4 digits, ±0.0001; an
exact 0 is taken as 0.000… (±0.001 at 4 digits).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bpgui.engine.records import PHASES, Equation, StepRecord
from bpgui.network.numbers import fmt

PHASE_NAMES = {"forward": "forward values", "loss": "the loss", "backward": "δs (backward)",
               "gradient": "weight gradients", "update": "updates"}
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}
HINTS = 3                       # hints a question has, one per further wrong answer
SLACK = 1e-9                    # relative: an answer exactly one unit off stays right


@dataclass(frozen=True)
class Choices:
    """What the student asked to be asked: phases, and the targets (none = all)."""

    phases: frozenset[str] = frozenset(PHASES)
    targets: frozenset[str] = frozenset()

    def toggled(self, target: str) -> Choices:
        return Choices(self.phases, self.targets ^ {target})

    def with_phase(self, phase: str, on: bool) -> Choices:
        phases = self.phases | {phase} if on else self.phases - {phase}
        return Choices(frozenset(phases), self.targets)


def asked_equation(record: StepRecord) -> Equation:
    """The equation of ``record`` a question asks about."""
    first = record.phase in ("loss", "gradient", "update")
    return record.equations[0] if first else record.equations[-1]


def is_asked(record: StepRecord, choices: Choices) -> bool:
    """Whether practice mode stops before ``record`` to ask for its result."""
    if record.phase not in choices.phases:
        return False
    if choices.targets and record.target not in choices.targets:
        return False
    equation = asked_equation(record)
    return bool(equation.symbols) and isinstance(equation.result, int | float)


def asked_positions(records: Iterable[StepRecord], choices: Choices) -> list[int]:
    return [k for k, record in enumerate(records) if is_asked(record, choices)]


def unit(exact: float, digits: int) -> float:
    """One unit in the last significant digit of ``exact`` written to ``digits`` digits
    (after rounding: 9.9996 at 4 digits is 10.00, so the unit is 0.01)."""
    if exact == 0:
        return 10.0 ** (1 - digits)
    exponent = int(f"{abs(exact):.{digits - 1}e}".split("e")[1])
    return 10.0 ** (exponent - digits + 1)


def is_right(answer: float, exact: float, digits: int) -> bool:
    return abs(answer - exact) <= unit(exact, digits) * (1 + SLACK)


def rule_text(digits: int) -> str:
    """The rule, as the panel states it."""
    return f"Right within one unit of the {ORDINALS.get(digits, f'{digits}th')} " \
        "significant digit."


def off_text(answer: float, exact: float, digits: int) -> str:
    """How far off a wrong answer is, without giving the answer away."""
    direction = "too high" if answer > exact else "too low"
    units = abs(answer - exact) / unit(exact, digits)
    size = f"{units:.0f} units" if units < 1000 else "more than 1000 units"
    return f"{fmt(answer, digits)} is {direction}, by {size} of the last digit."


def hint_ids(record: StepRecord) -> tuple[str, ...]:
    """What hint 1 highlights: the cached δs the step reuses, or else what it reads."""
    return record.reuses or record.reads


def hint_texts(record: StepRecord, digits: int) -> tuple[str, ...]:
    """The hints, in the order they are given: what to reuse, the formula in symbols,
    the numbers filled in."""
    equation = asked_equation(record)
    if record.reuses:
        first = record.reuse_note.replace("Reuses", "Reuse", 1)
    else:
        first = f"Use the values of {', '.join(record.reads) or 'the inputs'} (highlighted)."
    lines = equation.lines(digits)
    symbols = f"{equation.lhs} {equation.relation} {equation.symbols}" if equation.symbols \
        else lines[0]
    numbers = f"{equation.lhs} {equation.relation} {equation.numbers(digits)}" \
        if equation.numbers(digits) else symbols
    return first, f"The formula: {symbols}", f"With the numbers: {numbers}"


def question_lines(record: StepRecord, digits: int) -> tuple[str, ...]:
    """The step without the asked result: equations before it in full, then its own
    lines up to ``= ?``."""
    equation = asked_equation(record)
    position = record.equations.index(equation)
    lines: list[str] = []
    for earlier in record.equations[:position]:
        lines.extend(earlier.lines(digits))
    lines.extend(equation.lines(digits, result="?"))
    return tuple(lines)


OUTCOMES = ("first", "hinted", "revealed")


@dataclass
class Tally:
    """Outcomes by step index: right first time, right after hints, revealed."""

    outcomes: dict[int, str] = field(default_factory=dict)

    def record(self, index: int, outcome: str) -> None:
        assert outcome in OUTCOMES
        self.outcomes[index] = outcome

    def forget_from(self, index: int) -> None:
        """Stepping back to ``index`` undoes the answers of steps ``index`` and after."""
        for k in [k for k in self.outcomes if k >= index]:
            del self.outcomes[k]

    def clear(self) -> None:
        self.outcomes.clear()

    def counts(self) -> tuple[int, int, int]:
        values = list(self.outcomes.values())
        first, hinted, revealed = (values.count(o) for o in OUTCOMES)
        return first, hinted, revealed

    def text(self) -> str:
        first, hinted, revealed = self.counts()
        return f"Right first time: {first} · after hints: {hinted} · revealed: {revealed}"


def copy_text(tally: Tally, records: Sequence[StepRecord], digits: int) -> str:
    """The tally as plain text for the clipboard: the counts, then one line per step."""
    listed = records
    lines = [f"bpgui practice tally: {tally.text()}"]
    for k in sorted(tally.outcomes):
        if k < len(listed):
            equation = asked_equation(listed[k])
            lines.append(f"step {k + 1}: {equation.lhs} = {fmt(equation.result, digits)}"
                         f"  ({tally.outcomes[k]})")
    return "\n".join(lines)


def parse_answer(text: str) -> float:
    """An answer as typed (``−0.025``, ``-2.5e-2``, ``0,5``); ValueError if it is not a
    finite number."""
    cleaned = text.strip().replace("−", "-").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{text.strip()!r} is not a finite number")
    return value
