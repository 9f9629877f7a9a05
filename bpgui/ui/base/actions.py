"""One row of the action table, and the one function that turns a row into a QAction.

Every command the window offers (File, Edit, View, Run, Train, Help, the canvas
tools) is an :class:`ActionSpec`: objectName, text, tooltip, keys and menu. The
shell owns its own rows and collects the rows each room declares; the menus and
Help ▸ Keyboard shortcuts are both generated from that one table, so a key the
window answers is listed once, where its menu says it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

Key = QKeySequence.StandardKey
KeySpec = str | Key

# How the shortcuts dialog and the tooltips write a few keys (as the README does).
_SHOWN = {"Right": "→", "Left": "←", "PgDown": "PageDown", "PgUp": "PageUp"}


@dataclass(frozen=True)
class ActionSpec:
    """One command: its QAction is named ``"action" + name``.

    ``menu`` is the menu bar title (``"&View/&Theme"`` for a submenu) or None for an
    action with no menu (a toolbar tool, a key); within a menu a new ``section``
    number starts after a separator. ``shown_only`` keys are shown in the menu but
    never fire through the window's shortcut map (a widget-only shortcut context): the
    Run keys, whose step keys an application-wide event filter delivers instead.
    """

    name: str
    text: str
    tip: str
    keys: tuple[KeySpec, ...] = ()
    menu: str | None = None
    section: int = 0
    checkable: bool = False
    shown_only: bool = False

    @property
    def object_name(self) -> str:
        return f"action{self.name}"

    def sequences(self) -> list[QKeySequence]:
        """Every key sequence this action answers (a standard key: the platform's first)."""
        return [QKeySequence(key) for key in self.keys]


def key_text(sequence: QKeySequence) -> str:
    """A key as the window writes it: the platform's name, arrows as → and ←."""
    text = sequence.toString(QKeySequence.SequenceFormat.NativeText)
    return _SHOWN.get(text, text)


def setup_action(action: QAction, spec: ActionSpec) -> QAction:
    """Give ``action`` the name, keys, check state and tooltip of ``spec``.

    The tooltip names the first key, or every key of a ``shown_only`` action (the
    several step keys, so a presenter sees which clicker keys work)."""
    action.setObjectName(spec.object_name)
    action.setCheckable(spec.checkable)
    sequences = spec.sequences()
    if sequences:
        action.setShortcuts(sequences)
    if spec.shown_only:
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    named = sequences if spec.shown_only else sequences[:1]
    keys = ", ".join(key_text(s) for s in named)
    action.setToolTip(f"{spec.tip} ({keys})" if keys else spec.tip)
    action.setStatusTip(spec.tip)
    return action


def build_actions(parent: QWidget, specs: Iterable[ActionSpec],
                  slots: Mapping[str, Callable[..., object]]) -> dict[str, QAction]:
    """A QAction for each row of ``specs``, added to ``parent`` and connected to
    ``slots[name]`` (``triggered(bool)`` as Qt sends it), keyed by name."""
    made: dict[str, QAction] = {}
    for spec in specs:
        action = setup_action(QAction(spec.text, parent), spec)
        slot = slots.get(spec.name)
        if slot is not None:
            action.triggered.connect(slot)
        parent.addAction(action)
        made[spec.name] = action
    return made


def without_checked(slot: Callable[[], object]) -> Callable[[bool], None]:
    """``slot`` for ``triggered(bool)``, called with no arguments."""
    def run(_: bool = False) -> None:
        slot()
    return run


def shortcut_rows(specs: Sequence[ActionSpec]) -> list[tuple[str, str]]:
    """(what, keys) for every row with keys, in table order, each key once.

    ``what`` carries the menu, e.g. ``"Run ▸ Step forward"``."""
    rows = []
    for spec in specs:
        keys = ", ".join(key_text(s) for s in spec.sequences())
        if keys:
            what = spec.text.replace("&", "").rstrip("…")
            if spec.menu:
                where = " ▸ ".join(part.replace("&", "") for part in spec.menu.split("/"))
                what = f"{where} ▸ {what}"
            rows.append((what, keys))
    return rows
