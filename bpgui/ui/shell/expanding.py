"""View ▸ Expand neuron and the canvas's right-click menu: wires the selection to
:class:`~bpgui.ui.classroom.expand_view.ExpandedNeuron` windows.

The action is enabled exactly when one neuron that has gates is selected (hidden or
output, not an operation node); a right-click on such a neuron selects it and offers the
same action, so the menu and the mouse never disagree about what can be expanded.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from bpgui.network.errors import BpguiError
from bpgui.network.expand import expandable
from bpgui.ui.base.theme import Theme
from bpgui.ui.canvas.edge_item import EdgeItem
from bpgui.ui.canvas.neuron_item import NeuronItem
from bpgui.ui.canvas.scene import NetworkScene
from bpgui.ui.canvas.view import CanvasView
from bpgui.ui.classroom.expand_view import ExpandedNeuron
from bpgui.ui.stepping.practice import PracticeController
from bpgui.ui.stepping.session import StepSession


class Expander(QObject):
    def __init__(self, scene: NetworkScene, view: CanvasView, session: StepSession,
                 theme: Callable[[], Theme], status: Callable[[str], None]) -> None:
        super().__init__(view)
        self.scene, self.view, self.session = scene, view, session
        self.theme, self.status = theme, status
        self.action: QAction | None = None
        self.windows: list[ExpandedNeuron] = []
        self.practice: PracticeController | None = None    # adds "Ask about this"
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self.context_menu)
        scene.selectionChanged.connect(self.update_enabled)
        scene.rebuilt.connect(self.update_enabled)

    def attach(self, action: QAction) -> None:
        self.action = action
        self.update_enabled()

    def selected_neuron(self) -> str | None:
        """The one selected neuron with gates, or None."""
        try:
            neurons, edges = self.scene.selected_ids()
        except RuntimeError:              # the scene is being destroyed
            return None
        if len(neurons) == 1 and not edges and \
                expandable(self.scene.document.network, neurons[0]):
            return neurons[0]
        return None

    def update_enabled(self) -> None:
        if self.action is not None:
            self.action.setEnabled(self.selected_neuron() is not None)

    def open_selected(self) -> ExpandedNeuron | None:
        neuron_id = self.selected_neuron()
        if neuron_id is None:
            self.status("Select one hidden or output neuron to expand.")
            return None
        return self.open(neuron_id)

    def open(self, neuron_id: str) -> ExpandedNeuron | None:
        """Open (or raise) the side window of ``neuron_id``."""
        self.windows = [w for w in self.windows if _alive(w)]
        for window in self.windows:
            if window.neuron_id == neuron_id:
                window.raise_()
                window.activateWindow()
                return window
        try:
            window = ExpandedNeuron(self.session, neuron_id, self.theme(), self.view.window())
        except BpguiError as exc:
            self.status(f"Cannot expand {neuron_id}: {exc}")
            return None
        self.windows.append(window)
        window.show()
        self.status(f"{window.neuron_label} as gates: step with → and ← in its window.")
        return window

    def context_menu(self, at: QPoint) -> QMenu | None:
        """Right-click on a neuron: select it and offer View ▸ Expand neuron; on a neuron
        or an edge, practice mode's Ask about this."""
        item = next((i for i in self.view.items(at) if isinstance(i, NeuronItem | EdgeItem)),
                    None)
        if item is None or (self.action is None and self.practice is None):
            return None
        if not item.isSelected():
            self.scene.clearSelection()
            item.setSelected(True)
        menu = QMenu(self.view)
        menu.setObjectName("canvasContextMenu")
        if isinstance(item, NeuronItem) and self.action is not None:
            menu.addAction(self.action)
        if self.practice is not None:
            practice = self.practice
            ident = item.neuron_id if isinstance(item, NeuronItem) else item.edge_id
            ask = menu.addAction("Ask about this")
            ask.setObjectName("actionAskAboutThis")
            ask.setCheckable(True)
            ask.setChecked(ident in practice.choices.targets)
            ask.setToolTip("Practice mode asks only about the chosen neurons and edges "
                           "(none chosen: all)")
            ask.triggered.connect(lambda _=False: practice.toggle_target(ident))
        menu.popup(self.view.viewport().mapToGlobal(at))
        self.menu = menu
        return menu


def _alive(window: ExpandedNeuron) -> bool:
    try:
        return window.isVisible()
    except RuntimeError:                  # deleted on close
        return False
