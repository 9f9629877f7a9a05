"""The Training dock's update rule (issue 16): the optimizer and the numbers it uses,
L2, the learning-rate schedule; one undo entry per edit, refusals that keep the typed
text and the model, changes only while paused, and η after the schedule shown."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit

from bpgui.network import fileformat
from bpgui.network.model import OPTIMIZER_NAMES, SCHEDULE_NAMES
from bpgui.ui.document.document import Document
from bpgui.ui.training.dock import TrainingDock
from bpgui.ui.training.optimizer_form import FIELDS, OPTIMIZER_LABELS, SCHEDULE_LABELS
from bpgui.ui.training.session import TrainingSession
from tests.cli_helpers import SAMPLES

XOR = SAMPLES / "xor_2-2-1.bpnet.json"

# Which numbers each rule uses, from its formula (docs: torch.optim's parameters).
RULE_FIELDS = {"sgd": {"l2"}, "momentum": {"momentum", "l2"}, "nesterov": {"momentum", "l2"},
               "rmsprop": {"alpha", "eps", "l2"}, "adam": {"beta1", "beta2", "eps", "l2"}}
SCHEDULE_FIELDS = {"constant": set(), "step": {"step_size", "gamma"},
                   "exponential": {"gamma"}}


@pytest.fixture
def dock(qtbot) -> Iterator[TrainingDock]:
    document = Document(fileformat.load(XOR), XOR)
    session = TrainingSession(document)
    widget = TrainingDock(session)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    session.pause()
    document.undo_stack.clear()


def choose(combo: QComboBox, name: str) -> None:
    """Pick the item whose data is ``name``, as a click on it does."""
    index = combo.findData(name)
    assert index >= 0
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def type_into(qtbot, box: QLineEdit, text: str) -> None:
    box.selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def shown_fields(dock: TrainingDock) -> set[str]:
    return {key for key, box in dock.optimizer.fields.items() if not box.isHidden()}


def test_the_combos_list_the_files_names_with_friendly_labels(dock) -> None:
    combo = dock.optimizer.optimizer
    assert [combo.itemData(i) for i in range(combo.count())] == list(OPTIMIZER_NAMES)
    assert [combo.itemText(i) for i in range(combo.count())] == \
        ["SGD", "Momentum", "Nesterov", "RMSprop", "Adam"]
    schedule = dock.optimizer.schedule
    assert [schedule.itemData(i) for i in range(schedule.count())] == list(SCHEDULE_NAMES)
    assert set(OPTIMIZER_LABELS) == set(OPTIMIZER_NAMES)
    assert set(SCHEDULE_LABELS) == set(SCHEDULE_NAMES)
    assert {f.key for f in FIELDS} == set().union(*RULE_FIELDS.values(),
                                                  *SCHEDULE_FIELDS.values())


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_each_optimizer_shows_the_numbers_its_rule_uses(dock, name) -> None:
    choose(dock.optimizer.optimizer, name)
    assert dock.document.network.training.optimizer == name
    assert shown_fields(dock) == RULE_FIELDS[name]
    for key in RULE_FIELDS[name]:
        assert not dock.optimizer.labels[key].isHidden()


def test_the_tooltips_say_each_rule_and_its_torch_call(dock) -> None:
    combo = dock.optimizer.optimizer
    tip = combo.itemData(combo.findData("momentum"), Qt.ItemDataRole.ToolTipRole)
    assert tip == "v ← β·v + g, θ ← θ − η·v (torch.optim.SGD, momentum=β)"
    adam = combo.itemData(combo.findData("adam"), Qt.ItemDataRole.ToolTipRole)
    assert adam.startswith("m ← β₁·m + (1 − β₁)·g, v ← β₂·v + (1 − β₂)·g²")
    assert adam.endswith("(torch.optim.Adam)")
    choose(combo, "rmsprop")
    assert combo.toolTip() == ("v ← α·v + (1 − α)·g², θ ← θ − η·g/(√v + ε) "
                               "(torch.optim.RMSprop)")
    type_into_l2 = dock.optimizer.fields["l2"]
    type_into_l2.setText("0.01")
    type_into_l2.editingFinished.emit()
    assert "g + λ·θ" in combo.toolTip()            # weight decay is in the rule now


@pytest.mark.parametrize("name", SCHEDULE_NAMES)
def test_each_schedule_shows_its_numbers(dock, name) -> None:
    choose(dock.optimizer.schedule, name)
    assert dock.document.network.training.schedule == name
    assert shown_fields(dock) == RULE_FIELDS["sgd"] | SCHEDULE_FIELDS[name]


def test_an_edit_is_one_undo_entry_and_undo_restores_it(qtbot, dock) -> None:
    document = dock.document
    choose(dock.optimizer.optimizer, "adam")
    stack = document.undo_stack
    count = stack.count()
    box = dock.optimizer.fields["beta1"]
    type_into(qtbot, box, "0.8")
    assert document.network.training.beta1 == 0.8
    assert stack.count() == count + 1 and stack.undoText() == "Set β₁ to 0.8"
    type_into(qtbot, dock.optimizer.fields["eps"], "1e-6")
    assert document.network.training.eps == 1e-6 and stack.count() == count + 2
    document.undo()
    assert document.network.training.eps == 1e-8
    assert dock.optimizer.fields["eps"].text() == "1e-8"
    document.undo()
    assert document.network.training.beta1 == 0.9 and box.text() == "0.9"
    document.undo()                                     # the choice of Adam
    assert document.network.training.optimizer == "sgd"
    assert shown_fields(dock) == {"l2"}
    document.redo()
    assert dock.optimizer.optimizer.currentData() == "adam"


def test_the_same_value_again_makes_no_undo_entry(qtbot, dock) -> None:
    count = dock.document.undo_stack.count()
    type_into(qtbot, dock.optimizer.fields["l2"], "0")
    assert dock.document.undo_stack.count() == count


@pytest.mark.parametrize(("optimizer", "schedule", "key", "text", "path"), [
    ("momentum", "constant", "momentum", "1", "training.momentum"),
    ("adam", "constant", "beta1", "-0.1", "training.beta1"),
    ("adam", "constant", "beta2", "1.5", "training.beta2"),
    ("adam", "constant", "eps", "0", "training.eps"),
    ("rmsprop", "constant", "eps", "-1e-8", "training.eps"),
    ("rmsprop", "constant", "alpha", "1", "training.alpha"),
    ("sgd", "constant", "l2", "-0.01", "training.l2"),
    ("sgd", "step", "gamma", "0", "training.gamma"),
    ("sgd", "exponential", "gamma", "1.5", "training.gamma"),
    ("sgd", "step", "step_size", "0", "training.step_size"),
    ("sgd", "step", "step_size", "2.5", "training.step_size"),
    ("adam", "constant", "beta1", "abc", "training.beta1"),
    ("sgd", "constant", "l2", "nan", "training.l2"),
])
def test_a_bad_value_is_refused_inline_keeping_the_text(qtbot, dock, optimizer, schedule,
                                                       key, text, path) -> None:
    choose(dock.optimizer.optimizer, optimizer)
    choose(dock.optimizer.schedule, schedule)
    document = dock.document
    before = replace(document.network.training)
    count = document.undo_stack.count()
    statuses: list[str] = []
    dock.status.connect(statuses.append)
    box = dock.optimizer.fields[key]
    type_into(qtbot, box, text)
    assert document.network.training == before and document.undo_stack.count() == count
    assert box.text() == text                           # the typed text stays
    error = dock.optimizer.error
    assert not error.isHidden() and path in error.text()
    label = next(f.label for f in FIELDS if f.key == key)
    assert error.text().startswith(f"{label} refused")
    assert statuses and path in statuses[-1]
    # another field's edit leaves the refused text where it is; correcting it clears it
    type_into(qtbot, dock.optimizer.fields["l2"], "0.001")
    assert document.network.training.l2 == 0.001
    if key != "l2":
        assert box.text() == text and not error.isHidden()
    else:
        assert error.isHidden()


def test_a_corrected_value_clears_the_message(qtbot, dock) -> None:
    choose(dock.optimizer.optimizer, "adam")
    box = dock.optimizer.fields["beta2"]
    type_into(qtbot, box, "1")
    assert not dock.optimizer.error.isHidden()
    type_into(qtbot, box, "0.99")
    assert dock.optimizer.error.isHidden()
    assert dock.document.network.training.beta2 == 0.99


def test_nesterov_without_momentum_is_refused_and_the_combo_keeps_the_rule(dock) -> None:
    choose(dock.optimizer.optimizer, "momentum")
    dock.optimizer.fields["momentum"].setText("0")
    dock.optimizer.fields["momentum"].editingFinished.emit()
    assert dock.document.network.training.momentum == 0
    choose(dock.optimizer.optimizer, "nesterov")
    assert dock.document.network.training.optimizer == "momentum"
    assert dock.optimizer.optimizer.currentData() == "momentum"
    assert "training.momentum" in dock.optimizer.error.text()


def test_the_rule_changes_only_while_paused(qtbot, dock) -> None:
    form = dock.optimizer
    widgets = [form.optimizer, form.schedule, *form.fields.values()]
    assert all(w.isEnabled() for w in widgets)
    assert dock.session.play()
    qtbot.waitUntil(lambda: dock.session.iteration > 0, timeout=30_000)
    assert dock.session.running
    assert not any(w.isEnabled() for w in widgets)
    assert "Pause training" in form.optimizer.statusTip()
    dock.session.pause()
    assert all(w.isEnabled() for w in widgets)
    choose(form.optimizer, "adam")
    assert dock.document.network.training.optimizer == "adam"


def test_eta_now_follows_the_schedule(qtbot, dock) -> None:
    """η = 0.4 halved after every update: after 3 updates η now is 0.4·0.5³ = 0.05."""
    dock.rate.setValue(0.4)
    choose(dock.optimizer.schedule, "exponential")
    type_into(qtbot, dock.optimizer.fields["gamma"], "0.5")
    assert dock.session.train(3)
    qtbot.waitUntil(lambda: not dock.session.running, timeout=30_000)
    assert dock.outcome.text().endswith("η now 0.05")
    assert dock.document.network.training.learning_rate == 0.4     # the file's stays
    choose(dock.optimizer.schedule, "constant")
    assert "η now" not in dock.outcome.text()


def test_a_new_document_forgets_refused_text(qtbot, dock) -> None:
    box = dock.optimizer.fields["l2"]
    type_into(qtbot, box, "-1")
    assert box.text() == "-1"
    dock.document.replace(fileformat.load(XOR), XOR)
    assert box.text() == "0" and dock.optimizer.error.isHidden()
