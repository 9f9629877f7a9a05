"""The action table: every menu's actions come from it, and so does Help ▸ Keyboard
shortcuts, which lists the Run and Train keys and every key any menu shows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QTableWidget

from bpgui.ui.base.actions import key_text
from bpgui.ui.stepping.step_controls import BACK_KEYS, FORWARD_KEYS
from bpgui.ui.training.dock import LearningRateSpin


def shown_rows(qtbot, window) -> dict[str, str]:
    """Open Help ▸ Keyboard shortcuts with F1 and read its table: {what: keys}."""
    window.actions_by_name["Shortcuts"].trigger()
    table = window.findChild(QTableWidget, "shortcutsTable")
    assert table is not None and table.window().isVisible()
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    table.window().close()
    return rows


def menu_actions(menu: QMenu) -> list[QAction]:
    found = []
    for action in menu.actions():
        submenu = action.menu()
        found.extend(menu_actions(submenu) if isinstance(submenu, QMenu) else [action])
    return found


def test_the_dialog_lists_the_run_and_train_keys(qtbot, window) -> None:
    rows = shown_rows(qtbot, window)
    assert rows["Run ▸ Step forward"] == "Space, →, PageDown, N"
    assert rows["Run ▸ Step back"] == "←, PageUp, Backspace"
    assert rows["Run ▸ Play / pause"] == "P"
    assert rows["Train ▸ Play / pause training"] == "Ctrl+T"
    assert rows["Train ▸ Train N iterations"] == "Ctrl+Shift+T"
    assert rows["Train ▸ Single update"] == "Ctrl+U"
    assert rows["Edit ▸ Redo"] == "Ctrl+Shift+Z, Ctrl+Y"
    assert rows["Help ▸ Keyboard shortcuts"] == "F1"
    assert rows["Leave presentation mode"] == "Esc"
    assert rows["Pan"] == "Middle-drag or Space+drag"


def test_every_key_of_every_menu_is_listed_once(qtbot, window) -> None:
    listed = [key for keys in shown_rows(qtbot, window).values() for key in keys.split(", ")]
    in_menus = [action for menu in window.menuBar().actions()
                for action in menu_actions(menu.menu())]
    assert {a.objectName() for a in in_menus} >= {"actionStepForward", "actionTrainPlay"}
    for action in in_menus + list(window.actions_by_name.values()):
        for sequence in action.shortcuts():
            assert not sequence.isEmpty(), action.objectName()
            assert key_text(sequence) in listed, (action.objectName(), sequence.toString())
    keys = [k for k in listed if "drag" not in k and "wheel" not in k]
    assert len(keys) == len(set(keys)), "a key is listed twice"


def test_the_run_actions_show_exactly_the_keys_stepkeys_answers(window) -> None:
    def codes(name: str) -> list[Qt.Key]:
        action = window.findChild(QAction, name)
        assert action.shortcutContext() == Qt.ShortcutContext.WidgetShortcut  # shown only
        return [s[0].key() for s in action.shortcuts()]

    assert codes("actionStepForward") == [Qt.Key.Key_Space, *FORWARD_KEYS]
    assert codes("actionStepBack") == list(BACK_KEYS)


def test_every_table_row_is_an_action_of_the_window(window) -> None:
    for spec in window.action_table:
        action = window.actions_by_name[spec.name]
        assert action.objectName() == spec.object_name
        assert action.shortcuts() == [QKeySequence(k) for k in spec.keys]


def test_inline_edit_refuses_a_number_that_is_not_finite(qtbot, window) -> None:
    window.edit_weight_inline("w5")
    editor = window.inline_editor
    editor.selectAll()
    qtbot.keyClicks(editor, "inf")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert window.document.network.edge("w5").weight == -1.0
    assert window.statusBar().currentMessage() == \
        "Refused: 'inf' is not a finite number; w5 is unchanged."


def test_the_rate_box_reads_a_real_minus_and_keeps_its_value_for_nonsense(qtbot) -> None:
    spin = LearningRateSpin()
    qtbot.addWidget(spin)
    spin.setValue(0.1)
    assert spin.valueFromText(" 0.25 ") == 0.25
    for text in ("big", "nan", "inf"):
        assert spin.valueFromText(text) == 0.1, text
