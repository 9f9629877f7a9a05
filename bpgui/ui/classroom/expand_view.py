"""View ▸ Expand neuron: one neuron as its gates, in a window of its own.

The window shows :func:`bpgui.network.expand.neuron_as_graph` of the selected neuron on a
canvas of its own, with its own step session, step panel and step keys (the same keys as
the main window: → / PageDown steps, ← / PageUp goes back), so the pass through the gates
is stepped exactly as the network's is, values and local derivatives on the wires.

Its numbers come from the main window's pass: each source's value and the neuron's ∂L/∂a
in the sample the main window shows, read from the main session's records (the engine's
step path; the window computes nothing itself). It follows the main network: after every
edit, sample change or file replaced, it rebuilds the gate graph from the new pass and
keeps its place; if the neuron is gone, or is no longer a neuron, it says so and keeps the
last picture. It is read-only: the canvas does not take edits (edit the network instead).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QVBoxLayout, QWidget

from bpgui.engine.records import Quantity
from bpgui.network.errors import BpguiError
from bpgui.network.expand import expandable, gradient_node, neuron_as_graph
from bpgui.network.model import Network
from bpgui.network.numbers import fmt
from bpgui.ui.base.theme import Theme
from bpgui.ui.canvas.scene import NetworkScene
from bpgui.ui.canvas.view import CanvasView
from bpgui.ui.document.document import Document
from bpgui.ui.stepping.session import StepSession
from bpgui.ui.stepping.step_controls import StepKeys
from bpgui.ui.stepping.step_panel import StepPanelDock
from bpgui.ui.stepping.step_presenter import StepPresenter

Key = tuple[object, ...]


def _inputs_of(session: StepSession, neuron_id: str) -> tuple[dict[str, float], float]:
    """The sources' values and the neuron's ∂L/∂a in the main session's whole pass."""
    walk = session.walk
    if walk is None:
        raise BpguiError(session.reason or "the network has no pass to show")
    state = walk.state(len(walk))
    values = {q.id: v for q, v in state.items() if q.kind == "a"}
    grad = state.get(Quantity("grad_a", neuron_id))
    if grad is None:
        raise BpguiError(f"the pass has no ∂L/∂a for {neuron_id!r}")
    return values, grad


class ExpandedNeuron(QMainWindow):
    """The side window for one neuron; non-modal, closed and deleted on close."""

    def __init__(self, session: StepSession, neuron_id: str, theme: Theme | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("expandedNeuron")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.main_session = session
        self.neuron_id = neuron_id
        graph, self._key = self._graph()
        self.document = Document(graph, None, self)
        self.scene = NetworkScene(self.document)
        self.scene.setParent(self)
        if theme is not None:
            self.scene.set_theme(theme)
        self.view = CanvasView(self.scene, self)
        self.view.setInteractive(False)           # read-only: zoom and pan only
        self.session = StepSession(self.document, self)
        self.presenter = StepPresenter(self.session, self.scene)
        self.step_panel = StepPanelDock(self.session, self)
        self.step_panel.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.step_panel)
        self.resizeDocks([self.step_panel], [380], Qt.Orientation.Horizontal)
        self.keys = StepKeys(self, self.session, self.view)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 0)
        self.caption = QLabel(body)
        self.caption.setObjectName("expandCaption")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("font-size: 18px;")
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)
        self.setCentralWidget(body)
        self._write_caption()
        self.resize(1280, 760)
        session.changed.connect(self.follow)
        self.session.changed.connect(self._write_caption)

    # ----------------------------------------------------------- the graph
    def _graph(self) -> tuple[Network, Key]:
        network = self.main_session.document.network
        if not expandable(network, self.neuron_id):
            raise BpguiError(f"{self.neuron_id!r} is no longer a hidden or output neuron")
        values, grad = _inputs_of(self.main_session, self.neuron_id)
        graph = neuron_as_graph(network, self.neuron_id, values, grad)
        neuron = network.neuron(self.neuron_id)
        key: Key = (self.main_session.sample, neuron.activation, neuron.bias, neuron.label,
                    tuple((n.id, n.x, n.y, n.label, n.op, n.param) for n in graph.neurons),
                    tuple(graph.samples[0].inputs))
        return graph, key

    @property
    def neuron_label(self) -> str:
        network = self.main_session.document.network
        if network.has_neuron(self.neuron_id):
            return network.neuron(self.neuron_id).display_label
        return self.neuron_id

    def follow(self) -> None:
        """The main pass changed (a step, an edit, another sample, another file): rebuild
        when the gate graph's numbers or shape changed, keeping the place in the pass."""
        try:
            graph, key = self._graph()
        except BpguiError as exc:
            self.stale = str(exc)
            self._write_caption()
            return
        self.stale = ""
        if key == self._key:
            self._write_caption()
            return
        self._key = key
        position = self.session.position
        self.document.replace(graph, None)
        self.session.jump(min(position, len(self.session.records)))
        self.view.fit()
        self._write_caption()

    stale = ""

    def _write_caption(self) -> None:
        network = self.document.network
        g = gradient_node(network).param
        digits = self.session.digits
        text = (f"<b>{self.neuron_label} as gates</b> — sample {self.main_session.sample}: "
                f"one × per weight, Σ, + b, the activation; the last × multiplies by g = "
                f"{fmt(g or 0.0, digits)}, ∂L/∂a from the network, so every gradient here is "
                "the network's own (∂L/∂z = δ, ∂L/∂w on each weight's node); L′ = g·a is a "
                "stand-in loss, not the network's. "
                f"<span style='color:gray'>{self.session.progress_text()}</span>")
        if self.stale:
            text = f"<b>Snapshot:</b> {self.stale}. " + text
        self.caption.setText(text)
        self.setWindowTitle(f"{self.neuron_label} as gates — bpgui")

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.view.fit()
