"""Every edit of a lesson is one undo entry, and undo puts the lesson back exactly."""

from __future__ import annotations

from bpgui.network.lesson import Scene
from bpgui.ui.document.commands import AddScene, DeleteScene, MoveScene, SetScene

A, B, C = Scene("A", 1), Scene("B", 5, caption="b"), Scene("C", 9, question=True)


def _lesson(document) -> list[Scene]:
    return list(document.network.lesson)


def test_add_move_edit_delete_each_undo_and_redo(two_in_one_out) -> None:
    doc = two_in_one_out
    history = [_lesson(doc)]
    for command in (lambda: AddScene(doc, A), lambda: AddScene(doc, B),
                    lambda: AddScene(doc, C, 0), lambda: MoveScene(doc, 0, 2),
                    lambda: SetScene(doc, 1, title="B renamed"),
                    lambda: SetScene(doc, 1, caption="a caption"),
                    lambda: SetScene(doc, 1, notes="private"),
                    lambda: SetScene(doc, 0, question=True),
                    lambda: DeleteScene(doc, 1)):
        assert doc.execute(command()) is None
        history.append(_lesson(doc))
    assert [s.title for s in doc.network.lesson] == ["A", "C"]
    assert doc.network.lesson[0].question
    for expected in reversed(history[:-1]):
        doc.undo()
        assert _lesson(doc) == expected
    for expected in history[1:]:
        doc.redo()
        assert _lesson(doc) == expected


def test_typing_a_caption_is_one_undo_entry_and_a_refusal_none(two_in_one_out) -> None:
    doc = two_in_one_out
    doc.execute(AddScene(doc, A))
    count = doc.undo_stack.count()
    for text in ("W", "Wh", "Why?"):
        doc.execute(SetScene(doc, 0, 9100, caption=text))
    assert doc.undo_stack.count() == count + 1
    assert doc.network.lesson[0].caption == "Why?"
    doc.undo()
    assert doc.network.lesson[0].caption == ""
    assert doc.execute(SetScene(doc, 0, step=-2)) is not None
    assert doc.undo_stack.count() == count + 1


def test_a_lesson_edit_does_not_rebuild_the_pass(document, session) -> None:
    session.jump(4)
    walk = session.walk
    document.execute(AddScene(document, A))
    document.execute(SetScene(document, 0, caption="x"))
    assert session.walk is walk and session.position == 4
