"""Everything the window needs to train, wired together in one place.

The session (what runs), the Training dock, the loss plot, the decision
boundary, the Train menu's rows of the action table and the Train toolbar.
While a run goes on the plot and the boundary follow the session's 10 Hz
progress in turns (the boundary from the parameters being trained); otherwise
they follow the model, a moment after it changes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow, QToolBar

from bpgui.engine.records import StepRecord
from bpgui.network.changes import LOOK_FIELDS
from bpgui.ui.base.actions import ActionSpec, build_actions, without_checked
from bpgui.ui.canvas.scene import NetworkScene
from bpgui.ui.document.document import Document, Edit
from bpgui.ui.training.boundary_view import BoundaryDock
from bpgui.ui.training.dock import LearningRateSpin, TrainingDock
from bpgui.ui.training.loss_plot import LossPlotDock
from bpgui.ui.training.session import TrainingSession

FOLLOW_MS = 60       # how soon after an edit the plot and the boundary catch up

TR = "&Train"

# The Train menu's rows of the window's action table.
TRAIN_ROWS: tuple[ActionSpec, ...] = (
    ActionSpec("TrainPlay", "&Play / pause training", "Train until paused; the loss plot "
               "and the canvas follow", ("Ctrl+T",), TR),
    ActionSpec("TrainN", "&Train N iterations", "Make 'iterations per run' updates",
               ("Ctrl+Shift+T",), TR),
    ActionSpec("TrainStep", "&Single update", "One update θ ← θ − η·g, written out in the "
               "Step panel", ("Ctrl+U",), TR),
    ActionSpec("ResetWeights", "&Reset weights to the file's", "Back to the weights the file "
               "had when opened; the history starts again", (), TR, 1),
    ActionSpec("RandomiseWeights", "R&andomise weights", "Fresh random weights from the "
               "Training dock's seed; the history starts again", (), TR, 1),
)


class TrainingUi:
    """The Train actions, toolbar and docks around one `TrainingSession`.

    It knows nothing of the pass being stepped through; the shell hands it two callbacks:
    ``clear_pass`` when a run starts (the pass on the canvas would show the values of
    weights that are moving) and ``show_update`` for a single update's record and title."""

    rows: tuple[ActionSpec, ...] = TRAIN_ROWS   # the Train menu's rows of the action table

    def __init__(self, window: QMainWindow, document: Document, scene: NetworkScene,
                 status: Callable[[str], None], clear_pass: Callable[[], None],
                 show_update: Callable[[StepRecord, str], None]) -> None:
        self.window, self.scene = window, scene
        self._clear_pass, self._show_update_in = clear_pass, show_update
        self.session = TrainingSession(document, window)
        self.dock = TrainingDock(self.session, window)
        self.plot = LossPlotDock(window)
        self.boundary = BoundaryDock(window)
        self.actions = self._build_actions()
        self.toolbar = self._build_toolbar()
        self._follow = QTimer(window)
        self._follow.setSingleShot(True)
        self._follow.setInterval(FOLLOW_MS)
        self._follow.timeout.connect(self.refresh)
        self._publishes = 0
        s = self.session
        s.progress.connect(self.refresh)
        s.running_changed.connect(self._on_running)
        s.single_update.connect(self._show_update)
        s.message.connect(status)
        self.dock.status.connect(status)
        self.plot.status.connect(status)
        document.edited.connect(self._on_edited)
        document.replaced.connect(self.refresh)
        scene.hovered.connect(self._on_hover)
        scene.selectionChanged.connect(self._on_selection)
        self.refresh()

    # ------------------------------------------------------------ building
    def _build_actions(self) -> list[QAction]:
        s = self.session
        return list(build_actions(self.window, TRAIN_ROWS, {
            "TrainPlay": without_checked(s.toggle),
            "TrainN": without_checked(lambda: s.train(s.iterations_per_run)),
            "TrainStep": without_checked(lambda: s.step()),
            "ResetWeights": without_checked(lambda: self.dock.reset_weights(None)),
            "RandomiseWeights": without_checked(
                lambda: self.dock.reset_weights(self.dock.seed.value())),
        }).values())

    def _build_toolbar(self) -> QToolBar:
        bar = QToolBar("Train", self.window)
        bar.setObjectName("trainToolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.addActions(self.actions[:3])
        bar.addWidget(QLabel(" η ", self.window))
        self.rate = LearningRateSpin(self.window)
        self.rate.setObjectName("toolbarRateSpin")
        self.rate.follow(self.session)
        bar.addWidget(self.rate)
        return bar

    def menu_extras(self) -> list[QAction]:
        """What the Train menu lists after its actions: the docks' show/hide toggles."""
        return [self.dock.toggleViewAction(), self.plot.toggleViewAction(),
                self.boundary.toggleViewAction()]

    # ------------------------------------------------------------ following
    def refresh(self) -> None:
        """During a run, draw the weights being trained on the canvas at every publish
        (10 Hz) while the plot and the boundary take turns (5 Hz each): no turn of the
        event loop draws all three, so none keeps the window from answering for long.
        Between runs, draw everything."""
        s = self.session
        live = s.live_plan
        self._publishes += 1
        turn = self._publishes % 2
        if live is not None:
            self.scene.preview_parameters(*s.parameters())
        if live is None or turn == 0:
            self.plot.show_history(s.history, s.diverged_at)
        if live is None or turn == 1:
            self.boundary.show_network(s.document.network, live)
        self.dock.show_outcome()

    def _on_edited(self, edit: Edit) -> None:
        """Between runs, the plot and the boundary catch up FOLLOW_MS after an edit that
        can change them (a burst of edits, such as wheel nudges, costs one redraw)."""
        if not self.session.running and any(c.field not in LOOK_FIELDS for c in edit.changes):
            self._follow.start()

    def _on_running(self, running: bool) -> None:
        if running:
            self.plot.raise_()
            if self.boundary.map is not None:       # a network with 2 inputs
                self.boundary.raise_()
            self._clear_pass()
        self.scene.set_training(running)
        self.refresh()

    def _show_update(self, record: StepRecord) -> None:
        self._show_update_in(record, f"update: iteration {self.session.iteration:,}")

    def _on_hover(self, hovered: tuple[str, str] | None) -> None:
        """Hovering a neuron shows that neuron's own map, as TensorFlow Playground does."""
        if hovered is None:
            self.boundary.show_neuron(None)
        elif hovered[0] == "neuron":
            self.boundary.show_neuron(hovered[1])

    def _on_selection(self) -> None:
        """A selected weight or bias is the one a single update writes out in full."""
        try:
            neurons, edges = self.scene.selected_ids()
        except RuntimeError:          # the scene is being destroyed
            return
        self.session.focus = next(iter(edges or neurons), None)
