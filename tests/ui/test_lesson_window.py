"""The lesson in the window: Lesson ▸ Add scene, the Lesson dock, and playing seed 000's
lesson in presentation mode with PageDown alone (real key events), the speaker notes
following."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QTextCursor

from bpgui.network import fileformat
from bpgui.network.lesson import Scene
from bpgui.ui.document.commands import DeleteScene


def press(qtbot, window, key: Qt.Key, times: int = 1) -> None:
    for _ in range(times):
        qtbot.keyClick(window.focusWidget() or window, key)


def test_add_scene_captures_the_window_and_undo_removes_it(qtbot, window) -> None:
    doc, session, dock = window.document, window.stepping.session, window.lesson.dock
    before = list(doc.network.lesson)
    session.set_granularity("edge")
    session.jump(7)
    window.scene.select_id("w5")
    window.view.zoom(1.5)
    dock.select(len(before) - 1)
    window.actions_by_name["AddScene"].trigger()
    scene = doc.network.lesson[-1]
    assert (scene.step, scene.sample, scene.granularity, scene.selection) == (7, 0, "edge",
                                                                              ("w5",))
    assert scene.zoom == round(window.view.transform().m11(), 4)
    centre = window.view.mapToScene(window.view.viewport().rect().center())
    assert scene.centre == (round(centre.x(), 1), round(centre.y(), 1))
    assert dock.list.count() == len(before) + 1 and dock.row == len(before)
    doc.undo()
    assert doc.network.lesson == before and dock.list.count() == len(before)


def test_the_dock_renames_reorders_edits_and_deletes_all_undoable(qtbot, window) -> None:
    doc, dock = window.document, window.lesson.dock
    original = list(doc.network.lesson)
    titles = [s.title for s in original]
    assert [dock.list.item(k).text() for k in range(dock.list.count())] == titles
    history = [list(doc.network.lesson)]

    def done() -> None:
        history.append(list(doc.network.lesson))

    dock.select(1)
    dock.list.item(1).setText("h₁ first")           # what double-click and typing end in
    assert doc.network.lesson[1].title == "h₁ first"
    done()
    dock.move_current(1)                             # Move down
    assert doc.network.lesson[2].title == "h₁ first" and dock.row == 2
    done()
    dock.list.model().moveRow(QModelIndex(), 0, QModelIndex(), 3)   # a drag: 0 to after 2
    assert [s.title for s in doc.network.lesson[:3]] == [titles[2], "h₁ first", titles[0]]
    done()
    dock.select(0)
    dock.caption.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(dock.caption, "Why?")
    assert doc.network.lesson[0].caption.endswith("Why?")
    done()
    dock.notes.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(dock.notes, "say it slowly")
    dock.question.setChecked(True)
    assert doc.network.lesson[0].question and doc.network.lesson[0].notes.endswith("slowly")
    done()
    dock.delete_current()
    assert len(doc.network.lesson) == len(original) - 1
    done()
    # Typing a caption is one undo entry; the notes and the question one each.
    steps = [1, 1, 1, 1, 2, 1]
    for count, expected in zip(reversed(steps), reversed(history[:-1]), strict=True):
        for _ in range(count):
            doc.undo()
        assert doc.network.lesson == expected
        assert [dock.list.item(k).text() for k in range(dock.list.count())] == \
            [s.title for s in expected]
    assert doc.network.lesson == original


def test_the_lesson_is_saved_with_the_file(window, tmp_path) -> None:
    target = tmp_path / "lesson.bpnet.json"
    window.lesson.dock.select(0)
    window.lesson.dock.caption.setPlainText("A new caption")
    fileformat.save(window.document.network, target)
    assert fileformat.load(target).lesson == window.document.network.lesson
    assert fileformat.load(target).lesson[0].caption == "A new caption"


def caption(window) -> str:
    return window.presentation.text.toPlainText()


def test_seed000s_lesson_plays_from_start_to_end_with_pagedown(qtbot, window) -> None:
    lesson = window.document.network.lesson
    session, player = window.stepping.session, window.lesson.player
    assert len(lesson) == 8 and [s.question for s in lesson].count(True) == 1
    window.presentation.enter(full_screen=False)
    assert player.playing and player.notes.isVisible()
    seen = []
    for k, scene in enumerate(lesson):
        if k:
            press(qtbot, window, Qt.Key.Key_PageDown)
        if scene.asks:               # first the step with its result blank
            assert session.position == scene.step - 1
            assert "______" in caption(window) and "−0.025" not in caption(window)
            assert scene.caption in caption(window)
            press(qtbot, window, Qt.Key.Key_PageDown)
        assert session.position == scene.step, scene.title
        assert f"Scene {k + 1} of 8: {scene.title}" in caption(window)
        assert scene.caption in caption(window)
        assert scene.title in player.notes.text.toPlainText()
        assert scene.notes.splitlines()[0] in player.notes.text.toPlainText()
        selected = window.scene.selected_ids()
        assert tuple(selected[0] + selected[1]) == scene.selection
        seen.append(scene.title)
    assert seen == [s.title for s in lesson]
    assert "∂L/∂w5 = x3·δ_h1" in caption(window) and "= −0.025" in caption(window)
    assert "______" not in caption(window)
    press(qtbot, window, Qt.Key.Key_PageDown)       # past the end: stays
    assert session.position == lesson[-1].step
    press(qtbot, window, Qt.Key.Key_PageUp, times=2)  # back: the question, revealed, then not
    question = lesson[-2]
    assert question.asks and session.position == question.step - 1
    assert "______" in caption(window)
    press(qtbot, window, Qt.Key.Key_Right)           # the other step keys still step
    assert session.position == question.step
    window.presentation.leave()
    assert not player.playing and not player.notes.isVisible()
    press(qtbot, window, Qt.Key.Key_PageDown)        # out of the lesson: PageDown steps
    assert session.position == question.step + 1


def test_a_question_scene_before_and_after_its_reveal(qtbot, window) -> None:
    doc = window.document
    while doc.network.lesson:
        doc.execute(DeleteScene(doc, 0))
    window.lesson.dock.add(lambda title: Scene("Ask", 8, question=True,
                                               caption="What is δ_h1?", notes="−0.025"))
    window.presentation.enter(full_screen=False)
    session = window.stepping.session
    assert session.position == 7
    text = caption(window)
    assert "What is δ_h1?" in text and "δ_h1 = (1 − a_h1²)·(w7·δ_y)" in text
    assert "= ______" in text and "−0.025" not in text
    assert "−0.025" in window.lesson.player.notes.text.toPlainText()   # the teacher's
    press(qtbot, window, Qt.Key.Key_PageDown)
    assert session.position == 8
    assert "= −0.025" in caption(window) and "______" not in caption(window)


def test_the_teacher_types_the_answer_on_a_question_scene(qtbot, window) -> None:
    """Typed on the projector: a wrong answer says how far off and keeps the result
    blank; one within a unit of the last digit (δ_h1 = −0.025 at 4 digits, the seed's)
    reveals it. The exact value comes from the engine's record, not from the window."""
    doc = window.document
    while doc.network.lesson:
        doc.execute(DeleteScene(doc, 0))
    window.lesson.dock.add(lambda title: Scene("Ask", 8, question=True, caption="δ_h1?"))
    window.presentation.enter(full_screen=False)
    session, player = window.stepping.session, window.lesson.player
    exact = session.records[7].equations[-1].result
    assert abs(exact - -0.025) < 1e-5       # −0.02500 to 4 digits: a unit is 10⁻⁵
    qtbot.keyClicks(window.focusWidget() or window, "-0.03")
    assert "Answer: -0.03" in caption(window)
    press(qtbot, window, Qt.Key.Key_Return)
    assert session.position == 7 and "______" in caption(window)
    assert "too low" in caption(window)
    press(qtbot, window, Qt.Key.Key_Backspace, times=5)
    qtbot.keyClicks(window.focusWidget() or window, "-0.02502")     # 1.9 units off
    press(qtbot, window, Qt.Key.Key_Return)
    assert session.position == 7 and "too low" in caption(window)
    press(qtbot, window, Qt.Key.Key_Backspace, times=8)
    qtbot.keyClicks(window.focusWidget() or window, "-0.025")
    press(qtbot, window, Qt.Key.Key_Return)
    assert session.position == 8 and player.revealed
    assert "= −0.025" in caption(window) and "Right." in caption(window)


def test_the_lesson_screenshot_flags(tmp_path) -> None:
    import os
    import subprocess
    import sys

    from PySide6.QtGui import QImage

    from tests.cli_helpers import SEED000

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    png = tmp_path / "notes.png"
    result = subprocess.run([sys.executable, "-m", "bpgui", str(SEED000), "--screenshot",
                             str(png), "--size", "1280x720", "--presentation",
                             "--lesson-scene", "7", "--speaker-notes"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert (QImage(str(png)).width(), QImage(str(png)).height()) == (1280, 720)
    refused = subprocess.run([sys.executable, "-m", "bpgui", str(SEED000), "--screenshot",
                              str(png), "--lesson-scene", "9", "--presentation"],
                             capture_output=True, text=True, timeout=120, env=env)
    assert refused.returncode != 0 and "the lesson has 8 scenes" in refused.stderr
