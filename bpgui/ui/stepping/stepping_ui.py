"""Everything the window needs to step through a pass, wired together in one place.

The session (what is computed), the canvas presenter (what it looks like),
the step and path panels, the path overlay, the Run menu and toolbar and the
step keys. The main window creates one :class:`SteppingUi` and puts its action rows
and panel toggles in the Run menu.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow

from bpgui.engine.records import StepRecord
from bpgui.engine.stepper import final_values
from bpgui.network.errors import BpguiError
from bpgui.ui.base.actions import ActionSpec
from bpgui.ui.canvas.edge_item import EdgeItem
from bpgui.ui.canvas.neuron_item import NeuronItem
from bpgui.ui.canvas.path_overlay import PathOverlay
from bpgui.ui.canvas.scene import NetworkScene
from bpgui.ui.canvas.view import CanvasView
from bpgui.ui.document.document import Document
from bpgui.ui.stepping.path_panel import PathPanelDock
from bpgui.ui.stepping.practice import PracticeController
from bpgui.ui.stepping.practice_panel import PracticeArea
from bpgui.ui.stepping.scrub import ScrubPause
from bpgui.ui.stepping.session import StepSession
from bpgui.ui.stepping.step_controls import RUN_ROWS, StepKeys, build_run_controls
from bpgui.ui.stepping.step_panel import StepPanelDock
from bpgui.ui.stepping.step_presenter import StepPresenter


class SteppingUi:
    rows: tuple[ActionSpec, ...] = RUN_ROWS     # the Run menu's rows of the action table

    def __init__(self, window: QMainWindow, document: Document, scene: NetworkScene,
                 view: CanvasView, status: Callable[[str], None]) -> None:
        self.window = window
        self.scene = scene
        self.session = StepSession(document, window)
        self.presenter = StepPresenter(self.session, scene)
        self.scrub = ScrubPause(window)
        self.step_panel = StepPanelDock(self.session, window, self.scrub)
        self.path_panel = PathPanelDock(self.session, window, self.scrub)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.step_panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.path_panel)
        self.overlay = PathOverlay(scene)
        self.path_panel.paths_changed.connect(self._show_paths)
        scene.selectionChanged.connect(self._on_selection)
        scene.hovered.connect(self._on_hover)
        self.practice = PracticeController(self.session, self.presenter)
        self.practice_area = PracticeArea(self.practice, self.step_panel)
        self.step_panel.insert_area(self.practice_area)
        self.keys = StepKeys(window, self.session, view)
        self.actions, self.toolbar = build_run_controls(window, self.session, self.practice)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.session.changed.connect(lambda: status(self.session.progress_text()))
        self._fed: tuple[Sequence[StepRecord] | None, dict[str, float]] = (None, {})
        scene.delta_source = self._pass_deltas
        self.session.changed.connect(scene.deltas_changed)
        self.practice.changed.connect(scene.deltas_changed)

    def _pass_deltas(self) -> tuple[dict[str, float], frozenset[str]]:
        """The pass's δ and the neurons to colour by it (View ▸ Colour neurons by |δ|):
        every one, so the vanishing gradient shows at a glance; in practice mode only
        those whose δ the steps taken have computed, so the colours never give away
        a question to come."""
        records = self.session.records
        if records is not self._fed[0]:
            self._fed = (records, {q.id: float(v) for q, v in final_values(records).items()
                                   if q.kind == "delta" and isinstance(v, int | float)})
        if not self.practice.on:
            return self._fed[1], frozenset(self._fed[1])
        walk = self.session.walk
        taken = records[:walk.position] if walk else []
        known = frozenset(q.id for r in taken for q, _ in r.values if q.kind == "delta")
        return self._fed[1], known

    def menu_extras(self) -> list[QAction]:
        """What the Run menu lists after its actions: the panels' show/hide toggles."""
        return [self.step_panel.toggleViewAction(), self.path_panel.toggleViewAction()]

    # ------------------------------------------------------------ selection
    def _on_selection(self) -> None:
        try:
            selected = self.scene.selectedItems()
        except RuntimeError:          # the scene is being destroyed
            return
        if len(selected) == 1 and isinstance(selected[0], EdgeItem):
            self.path_panel.set_target(selected[0].edge_id, "weight")
        elif len(selected) == 1 and isinstance(selected[0], NeuronItem):
            self.path_panel.set_target(selected[0].neuron_id, "neuron")
        else:
            self.path_panel.set_target(None)

    def _on_hover(self, hovered: tuple[str, str] | None) -> None:
        """With nothing selected, the item under the pointer shows its paths."""
        try:
            if self.scene.selectedItems():
                return
        except RuntimeError:          # the scene is being destroyed
            return
        if hovered is None:
            self.path_panel.set_target(None)
        else:
            kind, ident = hovered
            self.path_panel.set_target(ident, kind)

    def _show_paths(self, paths: object) -> None:
        self.overlay.show(list(paths))  # type: ignore[call-overload]

    # ---------------------------------------------------------- screenshots
    def take_steps(self, count: int) -> None:
        """``--steps N``: take N steps from the start, or say why not."""
        if not self.session.available:
            raise BpguiError(f"--steps {count}: {self.session.reason}")
        total = len(self.session.records)
        if count > total:
            raise BpguiError(f"--steps {count}: this pass has only {total} steps")
        self.session.jump(count)
