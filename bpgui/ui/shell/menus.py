"""The menu bar and the Tools toolbar, made from the action table.

Each row's ``menu`` and ``section`` place its action; what is not a row (the
Open sample and Open recent submenus, the docks' show/hide toggles) comes as
extras placed at the end of a (menu, section).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QMainWindow,
    QMenu,
    QMenuBar,
    QToolBar,
    QWidget,
)

from bpgui.network.model import ROLES
from bpgui.network.operations import OPERATION_TABLE
from bpgui.network.samples import sample_files
from bpgui.ui.base.actions import ActionSpec
from bpgui.ui.canvas.scene import NetworkScene
from bpgui.ui.shell.files import FileController

Entry = QAction | QMenu
Extras = Mapping[tuple[str, int], Sequence[Entry]]


def build_menu_bar(bar: QMenuBar, table: Sequence[ActionSpec], actions: Mapping[str, QAction],
                   extras: Extras) -> dict[str, QMenu]:
    """Fill ``bar``: one menu per ``menu`` title in table order, a separator between
    sections, ``extras[(menu, section)]`` after that section's rows. Returns the menus
    by title (``"&View/&Theme"`` for a submenu)."""
    layout: dict[str, dict[int, list[tuple[str, Entry]]]] = {}
    for spec in table:
        if spec.menu is not None:
            top, _, sub = spec.menu.partition("/")
            layout.setdefault(top, {}).setdefault(spec.section, []).append(
                (sub, actions[spec.name]))
    for (top, section), entries in extras.items():
        layout.setdefault(top, {}).setdefault(section, []).extend(("", e) for e in entries)
    menus: dict[str, QMenu] = {}
    for top, sections in layout.items():
        menu = menus[top] = bar.addMenu(top)
        for index, section in enumerate(sorted(sections)):
            if index:
                menu.addSeparator()
            for sub, entry in sections[section]:
                target = menu
                if sub:
                    if f"{top}/{sub}" not in menus:
                        menus[f"{top}/{sub}"] = menu.addMenu(sub)
                    target = menus[f"{top}/{sub}"]
                if isinstance(entry, QMenu):
                    target.addMenu(entry)
                else:
                    target.addAction(entry)
    return menus


def samples_menu(parent: QWidget, files: FileController) -> QMenu:
    """File ▸ Open sample: one entry per bundled network."""
    menu = QMenu("Open &sample", parent)
    menu.setObjectName("menuSamples")
    for path in sample_files():
        sample = menu.addAction(path.name.removesuffix(".bpnet.json"))
        sample.setToolTip(f"Open {path.name}")
        sample.triggered.connect(lambda _=False, p=path: files.open(p))
    return menu


class RecentMenu(QMenu):
    """File ▸ Open recent: filled from the recent files each time it opens."""

    def __init__(self, parent: QWidget, files: FileController) -> None:
        super().__init__("Open &recent", parent)
        self.setObjectName("menuRecent")
        self.files = files
        self.aboutToShow.connect(self.fill)

    def fill(self) -> None:
        self.clear()
        recent = self.files.recent_files()
        if not recent:
            self.addAction("(no recent files)").setEnabled(False)
        for f in recent:
            self.addAction(f).triggered.connect(lambda _=False, p=f: self.files.open(p))


class ToolsToolbar(QToolBar):
    """The editing tools, the role of new neurons, undo/redo and the nudge step."""

    def __init__(self, window: QMainWindow, actions: Mapping[str, QAction],
                 scene: NetworkScene, settings: QSettings) -> None:
        super().__init__("Tools", window)
        self.setObjectName("toolsToolbar")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        window.addToolBar(self)
        self.addActions([actions["ToolSelect"], actions["ToolAddNeuron"]])
        self.role_combo = QComboBox(window)
        self.role_combo.setObjectName("newRoleCombo")
        self.role_combo.addItems(list(ROLES))
        self.role_combo.insertSeparator(len(ROLES))
        for op in OPERATION_TABLE.values():      # then the operation nodes: "add  (+)"…
            self.role_combo.addItem(f"{op.name}  ({op.symbol})", op.name)
            self.role_combo.setItemData(self.role_combo.count() - 1,
                                        f"An operation node: {op.name}, "
                                        f"{op.arity_text()}", Qt.ItemDataRole.ToolTipRole)
        self.role_combo.setCurrentText("hidden")
        self.role_combo.setToolTip("What Add neuron and double-click create: a neuron of "
                                   "this role, or an operation node (+, ×, sin…)")
        self.role_combo.currentIndexChanged.connect(
            lambda _: setattr(scene, "new_role", self.role_combo.currentData()
                              or self.role_combo.currentText()))
        self.addWidget(self.role_combo)
        self.addAction(actions["ToolConnect"])
        self.addSeparator()
        self.addActions([actions[name] for name in ("Undo", "Redo", "Delete", "AutoLayout",
                                                    "Fit")])
        self.addSeparator()
        self.addWidget(QLabel(" Nudge step ", window))
        self.nudge_step = QDoubleSpinBox(window)
        self.nudge_step.setObjectName("nudgeStepSpin")
        self.nudge_step.setRange(0.001, 10.0)
        self.nudge_step.setDecimals(3)
        self.nudge_step.setSingleStep(0.05)
        stored = settings.value("nudgeStep", 0.1)    # a str when read back from the file
        self.nudge_step.setValue(float(stored) if isinstance(stored, (int, float, str)) else 0.1)
        self.nudge_step.setToolTip("How much one Ctrl+wheel notch over an edge changes its "
                                   "weight")
        self.nudge_step.valueChanged.connect(lambda v: settings.setValue("nudgeStep", v))
        self.addWidget(self.nudge_step)
