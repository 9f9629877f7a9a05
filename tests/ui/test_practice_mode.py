"""Practice mode with real key events: seed 000's worked example, expected values from
the engine's records (or by hand), never from the UI under test."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel, QLineEdit, QPushButton

from bpgui.engine.practice import unit
from bpgui.engine.stepper import all_steps
from bpgui.ui.canvas.look import READ
from bpgui.ui.document.commands import SetEdge

# Node steps of seed 000, sample 0: 0 inputs, 1 h1, 2 h2, 3 y, 4 loss, 5 δ_y, 6 δ_h2, …


@pytest.fixture
def practising(window, qtbot):
    window.findChild(QAction, "actionPractice").trigger()
    assert window.stepping.practice.on
    return window


def field(window) -> QLineEdit:
    found = window.findChild(QLineEdit, "practiceAnswer")
    assert found is not None
    return found


def text(window, name: str) -> str:
    label = window.findChild(QLabel, name)
    assert label is not None
    return label.text()


def step_key(qtbot, window) -> None:
    qtbot.keyClick(window.view, Qt.Key.Key_Space)


def type_answer(qtbot, window, answer: str) -> None:
    f = field(window)
    assert f.hasFocus()
    qtbot.keyClicks(f, answer)
    qtbot.keyClick(f, Qt.Key.Key_Return)


def records(window):
    return all_steps(window.document.network, 0, "node")


def test_right_first_time(practising, qtbot) -> None:
    window, session = practising, practising.stepping.session
    window.view.setFocus()
    step_key(qtbot, window)                  # the inputs step is not asked
    assert session.position == 1
    step_key(qtbot, window)                  # a_h1 is asked: the pass holds
    assert session.position == 1
    assert "a_h1 = tanh(z_h1)" in text(window, "practiceQuestion")
    assert "= ?" in text(window, "practiceQuestion")
    assert text(window, "practiceRule") == \
        "Right within one unit of the 4th significant digit."
    qtbot.keyClick(field(window), Qt.Key.Key_Space)       # typing: no step
    assert session.position == 1
    field(window).clear()
    # tanh(−2) = −0.96403 by hand; at 4 digits −0.9640 is right
    type_answer(qtbot, window, "-0.9640")
    assert session.position == 2
    assert window.stepping.practice.tally.counts() == (1, 0, 0)
    assert "Right first time: 1" in text(window, "practiceTally")


def test_wrong_then_each_hint(practising, qtbot) -> None:
    window, session = practising, practising.stepping.session
    session.jump(5)                          # a jump forward holds at the first question
    assert session.position == 1
    session.reset()
    for phase in ("forward", "loss"):        # ask only δs (backward)
        qtbot.mouseClick(window.findChild(QCheckBox, f"practice_{phase}"),
                         Qt.MouseButton.LeftButton)
    assert window.stepping.practice.choices.phases == {"backward", "gradient", "update"}
    window.view.setFocus()
    for _ in range(6):
        step_key(qtbot, window)              # the forward pass and the loss are not asked
    assert session.position == 5
    type_answer(qtbot, window, "-0.118")     # δ_y = 0.5268·(1 − 0.5268)·(−0.4732) ≈ −0.118
    assert session.position == 6
    h2 = records(window)[6]
    window.view.setFocus()
    step_key(qtbot, window)
    assert window.stepping.practice.question is not None
    assert window.stepping.practice.question.index == 6
    presenter = window.stepping.presenter
    type_answer(qtbot, window, "1")
    feedback = text(window, "practiceFeedback")
    assert "too high" in feedback and "Hint 1: Reuse the cached δ of y" in feedback
    assert presenter.hinted == frozenset(h2.reuses) == {"y"}
    assert window.scene.neuron_items["y"].step.emphasis == READ
    type_answer(qtbot, window, "1")
    assert "Hint 2: The formula: δ_h2 = (1 − a_h2²)·(w8·δ_y)" in text(window, "practiceFeedback")
    type_answer(qtbot, window, "1")
    assert "Hint 3: With the numbers: δ_h2 = (1 − 0.9993293²)·(1·(−0.118))" in \
        text(window, "practiceFeedback")
    assert session.position == 6
    type_answer(qtbot, window, str(h2.result))
    assert session.position == 7
    assert presenter.hinted == frozenset()
    assert window.stepping.practice.tally.counts() == (1, 1, 0)      # δ_y, δ_h2


def test_show_me_reveals_and_counts(practising, qtbot) -> None:
    window, session = practising, practising.stepping.session
    window.view.setFocus()
    step_key(qtbot, window)
    step_key(qtbot, window)
    qtbot.keyClick(field(window), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert session.position == 2
    assert window.stepping.practice.tally.counts() == (0, 0, 1)
    window.view.setFocus()
    step_key(qtbot, window)                  # a_h2 asked; the button reveals it too
    qtbot.mouseClick(window.findChild(QPushButton, "practiceShowMe"), Qt.MouseButton.LeftButton)
    assert session.position == 3
    assert window.stepping.practice.tally.counts() == (0, 0, 2)


def test_stepping_back_undoes_the_answer(practising, qtbot) -> None:
    window, session, practice = practising, practising.stepping.session, \
        practising.stepping.practice
    window.view.setFocus()
    step_key(qtbot, window)
    step_key(qtbot, window)
    type_answer(qtbot, window, "-0.964")
    step_key(qtbot, window)                  # a_h2 asked, field focused
    assert practice.question is not None and practice.question.index == 2
    qtbot.keyClick(field(window), Qt.Key.Key_Escape)     # back over a_h1's step
    assert session.position == 1
    assert practice.question is None
    assert practice.tally.counts() == (0, 0, 0)
    window.view.setFocus()
    step_key(qtbot, window)                  # asked again
    assert practice.question is not None and practice.question.index == 1
    qtbot.keyClick(field(window), Qt.Key.Key_Left)       # empty field: ← steps back
    assert session.position == 0


def test_an_edit_changes_what_is_asked(practising, qtbot) -> None:
    window, session, practice = practising, practising.stepping.session, \
        practising.stepping.practice
    window.view.setFocus()
    step_key(qtbot, window)
    step_key(qtbot, window)
    old = practice.exact
    assert old == pytest.approx(-0.9640275800758169)     # tanh(−2)
    # w1 reads x1 = 0, so change w3: z_h1 = 1·0 + 0·1 + (−1)·1 + 0 = −1
    assert window.document.execute(SetEdge(window.document, "w3", weight=0.0)) is None
    expected = records(window)[1].equations[-1].result
    assert expected == pytest.approx(-0.7615941559557649)  # tanh(−1)
    assert practice.exact == expected
    assert "tanh(−1)" in text(window, "practiceQuestion")
    type_answer(qtbot, window, "-0.9640")    # the old answer is now wrong
    assert session.position == 1
    type_answer(qtbot, window, "-0.7616")
    assert session.position == 2
    assert abs(-0.7616 - expected) <= unit(expected, 4)


def test_tally_copy_and_reset(practising, qtbot) -> None:
    window, session, practice = practising, practising.stepping.session, \
        practising.stepping.practice
    window.view.setFocus()
    step_key(qtbot, window)
    step_key(qtbot, window)
    type_answer(qtbot, window, "-0.964")
    step_key(qtbot, window)
    type_answer(qtbot, window, "0")          # a_h2 = tanh(4) = 0.99933: wrong
    type_answer(qtbot, window, "0.9993")
    qtbot.mouseClick(window.findChild(QPushButton, "practiceCopy"), Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text().splitlines() == [
        "bpgui practice tally: Right first time: 1 · after hints: 1 · revealed: 0",
        "step 2: a_h1 = −0.964  (first)", "step 3: a_h2 = 0.9993  (hinted)"]
    session.reset()
    assert practice.tally.counts() == (0, 0, 0)


def test_ask_about_this_chooses_targets(practising, qtbot) -> None:
    window, practice, session = practising, practising.stepping.practice, \
        practising.stepping.session
    practice.toggle_target("y")
    window.view.setFocus()
    for _ in range(3):
        step_key(qtbot, window)              # inputs, h1, h2 not asked
    assert session.position == 3
    step_key(qtbot, window)
    assert practice.question is not None and practice.question.index == 3
    assert "Asking about: y" in text(window, "practiceTargets")


def test_right_click_ask_about_this(practising, qtbot) -> None:
    window, practice = practising, practising.stepping.practice
    edge = window.scene.edge_items["w7"]
    at = window.view.mapFromScene(edge.mapToScene(edge.label_rect().center()))
    for ident, item_at in (("h1", window.view.mapFromScene(
            window.scene.neuron_items["h1"].sceneBoundingRect().center())), ("w7", at)):
        menu = window.expander.context_menu(item_at)
        assert menu is not None
        ask = next(a for a in menu.actions() if a.objectName() == "actionAskAboutThis")
        assert not ask.isChecked()
        ask.trigger()
        menu.close()
        assert ident in practice.choices.targets
    menu = window.expander.context_menu(window.view.mapFromScene(
        window.scene.neuron_items["h1"].sceneBoundingRect().center()))
    assert menu is not None
    ask = next(a for a in menu.actions() if a.objectName() == "actionAskAboutThis")
    assert ask.isChecked()
    ask.trigger()                            # toggles it off again
    menu.close()
    assert practice.choices.targets == {"w7"}


def test_a_new_sample_starts_a_new_tally(two_in_one_out, qtbot, settings) -> None:
    from bpgui.ui.shell.main_window import MainWindow

    win = MainWindow(two_in_one_out, settings)
    qtbot.addWidget(win)
    session, practice = win.stepping.session, win.stepping.practice
    practice.set_on(True)
    session.step()                           # inputs: not asked
    session.step()                           # h held
    assert practice.question is not None
    practice.show_me()
    assert practice.tally.counts() == (0, 0, 1)
    session.next_sample()
    assert practice.tally.counts() == (0, 0, 0)
    two_in_one_out.undo_stack.setClean()
