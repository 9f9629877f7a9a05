"""Document.edited: one Edit per undoable command executed, undone or redone, holding
every model Change the command made; and a training run writes the model only through
commands."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bpgui.network.changes import Change, ChangeKind
from bpgui.network.model import Neuron
from bpgui.ui.document.commands import (
    AddNeuron,
    MoveNeurons,
    SetEdge,
    SetParameters,
    SetTraining,
)
from bpgui.ui.document.document import Compound, Document, Edit
from tests.ui.test_training_session import XOR, finish, open_session


@pytest.fixture
def edits(document: Document) -> list[Edit]:
    seen: list[Edit] = []
    document.edited.connect(seen.append)
    return seen


def test_one_edit_per_execute_undo_and_redo(document: Document, edits: list[Edit]) -> None:
    assert document.execute(SetEdge(document, "w1", weight=0.25)) is None
    old = edits[0].changes[0].old
    change = Change(ChangeKind.EDGE_CHANGED, "w1", "weight", old, 0.25)
    assert edits == [Edit("edit", "Set weight of w1", (change,))]
    document.undo()
    document.redo()
    assert [e.action for e in edits] == ["edit", "undo", "redo"]
    assert edits[1].changes == (Change(ChangeKind.EDGE_CHANGED, "w1", "weight", 0.25, old),)
    assert edits[2].changes == (change,)
    document.undo_stack.undo()                     # the stack itself, not Document.undo
    assert len(edits) == 4 and edits[3].action == "undo"


def test_a_command_of_many_changes_is_one_edit(document: Document, edits: list[Edit],
                                               changes: list[Change]) -> None:
    document.execute(MoveNeurons(document, {"h1": (1.0, 2.0), "h2": (3.0, 4.0)}))
    assert len(edits) == 1 and edits[0].changes == tuple(changes) and len(changes) == 4
    assert edits[0].looks_only
    document.execute(AddNeuron(document, Neuron("x4", "input")))  # the neuron, its column
    assert len(edits) == 2
    assert [c.kind for c in edits[1].changes] == [ChangeKind.NEURON_ADDED,
                                                  ChangeKind.SAMPLES_CHANGED]
    assert edits[1].has(ChangeKind.SAMPLES_CHANGED) and not edits[1].looks_only


def test_merged_commands_are_one_edit_each_and_one_undo(document: Document,
                                                        edits: list[Edit]) -> None:
    before = document.network.edge("w2").weight
    for weight in (1.0, 2.0, 3.0):
        document.execute(SetEdge(document, "w2", merge_key=42, weight=weight))
    assert len(edits) == 3 and document.undo_stack.count() == 1
    document.undo()
    assert len(edits) == 4
    assert edits[3].changes == (Change(ChangeKind.EDGE_CHANGED, "w2", "weight", 3.0, before),)


def test_a_compound_is_one_edit_per_part_applied_then_one_per_undo_and_redo(
        document: Document, edits: list[Edit]) -> None:
    net = document.network
    rate, weights = net.training.learning_rate, net.parameters()
    whole = Compound(document, "Train")
    faster = SetTraining(document, replace(net.training, learning_rate=rate * 2))
    assert document.apply_part(whole, faster) is None
    assert len(edits) == 1 and document.undo_stack.count() == 0     # not on the stack yet
    whole.add(SetParameters(document, ({"w1": 9.0}, {}), "Train"))
    assert document.execute(whole) is None
    assert len(edits) == 2 and document.undo_stack.count() == 1
    assert net.edge("w1").weight == 9.0 and net.training.learning_rate == rate * 2
    document.undo()
    assert len(edits) == 3 and [c.kind for c in edits[2].changes] == [
        ChangeKind.PARAMETERS_CHANGED, ChangeKind.TRAINING_CHANGED]
    assert net.parameters() == weights and net.training.learning_rate == rate
    document.redo()
    assert len(edits) == 4 and net.edge("w1").weight == 9.0
    assert net.training.learning_rate == rate * 2


def test_a_refused_command_says_nothing(document: Document, edits: list[Edit]) -> None:
    assert document.execute(SetEdge(document, "w1", weight=float("nan"))) is not None
    assert edits == []


def test_a_training_run_writes_the_model_only_through_commands(qtbot) -> None:
    document, session = open_session(XOR)
    changes: list[Change] = []
    edits: list[Edit] = []
    document.changed.connect(changes.append)
    document.edited.connect(edits.append)
    try:
        session.play()
        qtbot.waitUntil(lambda: session.iteration >= 40, timeout=30_000)
        assert session.set_learning_rate(0.25) is None          # mid-run: a part of the run
        qtbot.waitUntil(lambda: session.iteration >= 80, timeout=30_000)
        session.pause()
        session.step()
        finish(qtbot, session)
        # every change the model made came inside a command's edit, none outside one
        assert [c for e in edits for c in e.changes] == changes
        assert [c.kind for c in changes] == [ChangeKind.TRAINING_CHANGED,
                                             ChangeKind.PARAMETERS_CHANGED,
                                             ChangeKind.PARAMETERS_CHANGED]
        stack = document.undo_stack
        assert stack.count() == 2                                # the run, the update
        run = stack.command(0)
        assert isinstance(run, Compound) and stack.text(0).startswith("Train")
        assert [type(p) for p in run.parts] == [SetTraining, SetParameters]
        assert stack.text(1) == "Single gradient-descent update"
    finally:
        session.pause()
        document.undo_stack.clear()
