"""The pass's step records as worksheet entries, laid out as the GUI's step panel does.

:func:`equation_lines` is the step panel's three-line layout (``lhs = symbols``,
``= numbers``, ``= result``): :meth:`Equation.lines`, which the step panel and
the projector's caption use too, so the handout and the projector never
disagree. A question sheet keeps the symbols and the numbers that go in and
leaves only the result blank.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bpgui.engine.records import LOSS_ID, Equation, StepRecord
from bpgui.handout.blocks import BLANK, Entry, Formula
from bpgui.network.model import Network, Neuron

PHASE_TITLES = {"forward": "Forward pass", "loss": "The loss", "backward": "Backward pass",
                "gradient": "Gradients", "update": "Update"}
INPUTS_TARGET = "inputs"      # the target of the first forward step (the sample's inputs)


def equation_lines(eq: Equation, digits: int, blank: bool = False) -> tuple[str, ...]:
    """The step panel's layout (:meth:`Equation.lines`); with ``blank`` the result is
    :data:`BLANK`."""
    return eq.lines(digits, BLANK if blank else None)


def neuron_name(neuron: Neuron) -> str:
    """``h₁ (h1)``: the label the picture shows and the id the formulas use."""
    label = neuron.display_label
    return label if label == neuron.id else f"{label} ({neuron.id})"


def step_title(record: StepRecord, network: Network) -> str:
    if record.target == INPUTS_TARGET:
        return "The inputs"
    if record.target == LOSS_ID:
        return "The loss L"
    if network.has_neuron(record.target):
        return neuron_name(network.neuron(record.target))
    return record.target          # an edge or a level: never at node granularity


@dataclass(frozen=True)
class Blanks:
    """Which results a question sheet leaves blank.

    With ``ids`` only the steps whose target or writes include one of them; without,
    every step. The input step is never blanked: its values are the given sample.
    """

    questions: bool
    ids: frozenset[str] = frozenset()

    def step(self, record: StepRecord) -> bool:
        if not self.questions or record.target == INPUTS_TARGET:
            return False
        if not self.ids:
            return True
        return record.target in self.ids or not self.ids.isdisjoint(record.writes)

    def path(self, target: str) -> bool:
        return self.questions and (not self.ids or target in self.ids)


def step_entry(record: StepRecord, number: int, title: str, digits: int,
               blank: bool) -> Entry:
    """One record as a numbered entry: every equation's lines, then the reuse note."""
    formulas = tuple(Formula(equation_lines(eq, digits, blank)) for eq in record.equations)
    return Entry(number, title, formulas, record.notes, f"step-{number}")


def phase_groups(records: Iterable[StepRecord]) -> list[tuple[str, list[tuple[int, StepRecord]]]]:
    """Records by phase, in pass order, each with its step number (1-based, as the GUI)."""
    groups: list[tuple[str, list[tuple[int, StepRecord]]]] = []
    for number, record in enumerate(records, start=1):
        if not groups or groups[-1][0] != record.phase:
            groups.append((record.phase, []))
        groups[-1][1].append((number, record))
    return groups
