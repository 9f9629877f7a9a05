"""The main window: canvas in the centre, inspector and dataset docks, menus, status bar.

It wires views to the :class:`~bpgui.ui.document.document.Document`; every edit goes
through the document's undo stack. The title shows the network's name with
``*`` while there are unsaved changes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QImage, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QLineEdit, QMainWindow, QMessageBox

from bpgui import __version__
from bpgui.network.changes import ChangeKind
from bpgui.network.layout import level_positions
from bpgui.network.parsing import parse_finite
from bpgui.ui.base.actions import build_actions
from bpgui.ui.base.dock_layout import hide_stray_tab_bars
from bpgui.ui.base.gc_pauses import settle_long_lived
from bpgui.ui.base.theme import THEMES, Theme, presentation_theme
from bpgui.ui.canvas.export import canvas_image
from bpgui.ui.canvas.scene import NetworkScene, Tool
from bpgui.ui.canvas.view import CanvasView
from bpgui.ui.classroom.lesson_ui import LessonUi
from bpgui.ui.classroom.presentation import Presentation
from bpgui.ui.document.commands import DeleteItems, MoveNeurons, SetEdge
from bpgui.ui.document.document import Document
from bpgui.ui.editing.dataset_table import DatasetDock
from bpgui.ui.editing.expression_dialog import ExpressionDialog
from bpgui.ui.editing.inspector import InspectorDock
from bpgui.ui.editing.layered_dialog import LayeredNetworkDialog
from bpgui.ui.shell import exports
from bpgui.ui.shell.actions import (
    GESTURES,
    HELP_ROWS,
    SHELL_ROWS,
    UNDO_ROWS,
    action_table,
    undo_actions,
)
from bpgui.ui.shell.expanding import Expander
from bpgui.ui.shell.files import FileController
from bpgui.ui.shell.menus import RecentMenu, ToolsToolbar, build_menu_bar, samples_menu
from bpgui.ui.shell.shortcuts_dialog import ShortcutsDialog
from bpgui.ui.stepping.stepping_ui import SteppingUi
from bpgui.ui.training.training_ui import TrainingUi

NUDGE_MERGE_KEY = 7001   # consecutive Ctrl+wheel nudges of one edge merge into one undo entry


class MainWindow(QMainWindow):
    def __init__(self, document: Document, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.document = document
        self.settings = settings or QSettings("bpgui", "bpgui")
        self.files = FileController(document, self, self.settings)
        self.scene = NetworkScene(document)
        self.view = CanvasView(self.scene, self)
        self.setCentralWidget(self.view)
        self.inspector = InspectorDock(document, self.scene, self)
        self.dataset = DatasetDock(document, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inspector)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dataset)
        self.stepping = SteppingUi(self, document, self.scene, self.view, self.show_status)
        self.files.prepare = self.stepping.session.prepare    # a large file's first pass
        self.training = TrainingUi(self, document, self.scene, self.show_status,
                                   clear_pass=self.stepping.session.reset,
                                   show_update=self.stepping.step_panel.show_record)
        self._arrange_docks()
        self._docks_sized = False
        self.presentation = Presentation(self, self.view, self.stepping.session)
        self.lesson = LessonUi(self, document, self.stepping.session, self.scene, self.view,
                               self.presentation, self.show_status)
        self.tabifyDockWidget(self.dataset, self.lesson.dock)
        self.dataset.raise_()
        # Parented last, so Qt deletes it after the docks that watch its selection.
        self.scene.setParent(self)
        # a network fully drawn: its objects leave the collector's full passes
        self.scene.rebuilt.connect(self._settle_after_drawing)
        QTimer.singleShot(0, settle_long_lived)
        self.expander = Expander(self.scene, self.view, self.stepping.session,
                                 lambda: self.scene.theme, self.show_status)
        self.expander.practice = self.stepping.practice
        self.action_table = action_table(self.stepping.rows, self.training.rows,
                                         self.lesson.rows)
        self.actions_by_name: dict[str, QAction] = {}
        self._build_actions()
        self.presentation.changed.connect(self._on_presentation)
        self._build_menus()
        tools = ToolsToolbar(self, self.actions_by_name, self.scene, self.settings)
        self.role_combo, self.nudge_step = tools.role_combo, tools.nudge_step
        # Editing tools on the first row; stepping and training on the second.
        self.addToolBarBreak()
        self.addToolBar(self.stepping.toolbar)
        self.addToolBar(self.training.toolbar)
        for source in (self.scene.status, self.files.status, self.inspector.status,
                       self.dataset.status):
            source.connect(self.show_status)
        self.view.nudge.connect(self.nudge_weight)
        self.view.edit_label.connect(self.edit_weight_inline)
        document.dirty_changed.connect(self._update_title)
        document.path_changed.connect(self._update_title)
        document.replaced.connect(self._on_replaced)
        document.edited.connect(lambda edit: self._update_title()
                                if edit.has(ChangeKind.TEXT_CHANGED) else None)
        self._apply_theme(str(self.settings.value("theme", "light")))
        self._update_title()
        self.resize(1440, 900)
        self.statusBar().showMessage("Ready. Double-click empty space to add a neuron; "
                                     "Shift+drag from a neuron to connect.")

    def _arrange_docks(self) -> None:
        """Step panel left; inspector and training, then dataset and boundary, right;
        paths and the loss plot below (each pair tabbed)."""
        t = self.training
        # tabifyDockWidget adds the second dock itself (adding it first leaves a stray
        # empty tab bar in the layout).
        self.tabifyDockWidget(self.inspector, t.dock)
        self.tabifyDockWidget(self.dataset, t.boundary)
        self.tabifyDockWidget(self.stepping.path_panel, t.plot)
        for first in (self.inspector, self.dataset, self.stepping.path_panel):
            first.raise_()
        self.resizeDocks([self.stepping.step_panel, self.inspector], [460, 360],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.stepping.path_panel], [260], Qt.Orientation.Vertical)

    # ----------------------------------------------------------- building
    def _build_actions(self) -> None:
        """Every action of the table: the shell's connected here, the rooms' their own."""
        themes = {"ThemeLight": "light", "ThemeDark": "dark"}
        tools = {"ToolSelect": Tool.SELECT, "ToolAddNeuron": Tool.ADD_NEURON,
                 "ToolConnect": Tool.CONNECT}
        slots: dict[str, Callable[..., object]] = {
            "New": lambda: self.files.new(), "NewLayered": self.new_layered,
            "NewExpression": self.new_from_expression,
            "Open": lambda: self.files.open(), "Save": self.files.save,
            "SaveAs": self.files.save_as, "ExportImage": lambda: self.export_image(),
            "ExportWorksheet": lambda: self.export_worksheet(),
            "ExportQuestions": lambda: self.export_worksheet(questions=True),
            "Quit": self.close, "Delete": self.delete_selection,
            "SelectAll": self._select_all, "AutoLayout": self.auto_layout,
            "ZoomIn": lambda: self._zoom(True), "ZoomOut": lambda: self._zoom(False),
            "Presentation": lambda: self.presentation.toggle(),
            "LeavePresentation": lambda: self.presentation.leave(),
            "BlankScreen": lambda: self.presentation.blank(), "Fit": self.view.fit,
            "ExpandNeuron": lambda: self.expander.open_selected(),
            "WeightLabels": self.scene.set_weight_labels, "SnapToGrid": self._set_snap,
            "ColourByDelta": self.scene.set_colour_by_delta,
            "Shortcuts": self.show_shortcuts, "About": self.show_about,
            **{name: lambda _=False, t=theme: self._apply_theme(t)
               for name, theme in themes.items()},
            **{name: lambda _=False, t=tool: self._set_tool(t) for name, tool in tools.items()},
        }
        undo, redo = undo_actions(self, self.document)
        act = self.actions_by_name
        own = [r for r in SHELL_ROWS + HELP_ROWS if r.name not in UNDO_ROWS]
        act.update(build_actions(self, own, slots), Undo=undo, Redo=redo)
        for room in (self.stepping, self.training, self.lesson):
            act.update(zip([r.name for r in room.rows], room.actions, strict=True))
        act["LeavePresentation"].setEnabled(False)
        act["BlankScreen"].setEnabled(False)
        act["WeightLabels"].setChecked(True)
        for group in (themes, tools):
            exclusive = QActionGroup(self)
            for name in group:
                exclusive.addAction(act[name])
        act["ToolSelect"].setChecked(True)
        self.expander.attach(act["ExpandNeuron"])

    def _build_menus(self) -> None:
        self.samples_menu = samples_menu(self, self.files)
        self.recent_menu = RecentMenu(self, self.files)
        build_menu_bar(self.menuBar(), self.action_table, self.actions_by_name, {
            ("&File", 0): [self.samples_menu, self.recent_menu],
            ("&View", 3): [self.inspector.toggleViewAction(), self.dataset.toggleViewAction()],
            ("&Run", 1): self.stepping.menu_extras(),
            ("&Train", 2): self.training.menu_extras(),
            ("&Lesson", 1): self.lesson.menu_extras()})

    # ------------------------------------------------------------- status
    def show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)

    def _update_title(self, *_: object) -> None:
        self.setWindowTitle(f"{self.document.display_name}[*] — bpgui")
        self.setWindowModified(self.document.dirty)

    def _on_replaced(self) -> None:
        self._update_title()
        self.view.fit()

    # ------------------------------------------------------------ editing
    def _set_tool(self, tool: Tool) -> None:
        self.scene.tool = tool
        self.show_status({Tool.SELECT: "Select: drag to move, Shift+drag to connect.",
                          Tool.ADD_NEURON: "Add neuron: click empty space.",
                          Tool.CONNECT: "Connect: drag from one neuron to another."}[tool])

    def _set_snap(self, on: bool) -> None:
        self.scene.set_snap(on)
        self.view.show_grid = on
        self.view.viewport().update()

    def _select_all(self) -> None:
        for item in self.scene.items():
            item.setSelected(True)

    def delete_selection(self) -> None:
        neurons, edges = self.scene.selected_ids()
        if not neurons and not edges:
            self.show_status("Nothing selected to delete.")
            return
        error = self.document.execute(DeleteItems(self.document, neurons, edges))
        self.show_status(error or f"Deleted {len(neurons)} neurons and {len(edges)} edges.")

    def auto_layout(self) -> None:
        positions = level_positions(self.document.network)
        net = self.document.network
        moves = {nid: xy for nid, xy in positions.items()
                 if (net.neuron(nid).x, net.neuron(nid).y) != xy}
        if not moves:
            self.show_status("Already laid out by level.")
            return
        self.document.execute(MoveNeurons(self.document, moves, "Auto layout"))
        self.view.fit()
        self.show_status("Laid out by topological level.")

    def _settle_after_drawing(self) -> None:
        if not self.scene.building:    # a sliced build collects and freezes by itself
            QTimer.singleShot(0, settle_long_lived)

    def nudge_weight(self, edge_id: str, notches: int) -> None:
        """Ctrl+wheel over an edge: its weight up or down by the nudge step per notch, the
        notches of one scrub merged into one undo entry."""
        weight = self.document.network.edge(edge_id).weight
        new = round(weight + notches * self.nudge_step.value(), 10)
        self.stepping.scrub.notch()
        error = self.document.execute(SetEdge(self.document, edge_id, NUDGE_MERGE_KEY,
                                              weight=new))
        self.show_status(error or f"{edge_id} = {new:g}")

    def edit_weight_inline(self, edge_id: str) -> None:
        """Type a new weight over the edge's label; Enter applies, Escape cancels."""
        item = self.scene.edge_items[edge_id]
        rect = self.view.mapFromScene(item.label_rect()).boundingRect()
        editor = QLineEdit(repr(self.document.network.edge(edge_id).weight), self.view.viewport())
        editor.setObjectName("inlineWeightEditor")
        editor.setGeometry(rect.adjusted(-20, -4, 20, 4))
        editor.selectAll()
        editor.show()
        editor.setFocus()

        def commit() -> None:
            text = editor.text().strip()
            editor.deleteLater()
            try:
                value = parse_finite(text)
            except ValueError as why:     # "'big' is not a number", "… not a finite number"
                self.show_status(f"Refused: {why}; {edge_id} is unchanged.")
                return
            error = self.document.execute(SetEdge(self.document, edge_id, weight=value))
            self.show_status(f"Refused: {error}" if error else f"{edge_id} = {value:g}")

        editor.returnPressed.connect(commit)
        def finish() -> None:
            if editor.isVisible():
                editor.deleteLater()

        editor.editingFinished.connect(finish)
        self.inline_editor = editor

    # ---------------------------------------------------------- files etc.
    def new_layered(self) -> None:
        network = LayeredNetworkDialog.ask(self)
        if network is not None and self.files.new(network):
            self.show_status(f"New layered network {network.name}.")

    def new_from_expression(self) -> None:
        """File ▸ New from expression: the graph replaces the document, as New does."""
        network = ExpressionDialog.ask(self)
        if network is not None and self.files.new(network):
            self.show_status(f"New graph of {network.name or 'the expression'}.")

    def render_canvas(self, scale: float = 2.0) -> QImage:
        """The whole network as an image, ``scale`` pixels per scene unit."""
        return canvas_image(self.scene, scale)

    def export_image(self, path: str | None = None, scale: float | None = None) -> bool:
        """File ▸ Export image: the canvas as PNG, or as SVG for print."""
        return exports.export_image(self, self.scene, self.document, self.show_status,
                                    path, scale)

    def export_worksheet(self, path: str | None = None, questions: bool = False) -> bool:
        """File ▸ Export worked solution: the pass shown, as a handout."""
        return exports.export_worksheet(self, self.scene, self.document,
                                        self.stepping.session, self.show_status,
                                        path, questions)

    def _apply_theme(self, name: str) -> None:
        """View ▸ Theme: light or dark (in presentation mode, its high-contrast twin)."""
        theme = THEMES.get(name, THEMES["light"])
        self.settings.setValue("theme", theme.name)
        presenting = self.presentation.active
        if presenting:
            self.presentation.adopt_theme(theme)
        self.set_theme(theme, presentation=presenting)
        key = "ThemeDark" if theme.name == "dark" else "ThemeLight"
        if key in self.actions_by_name:
            self.actions_by_name[key].setChecked(True)

    def set_theme(self, theme: Theme, presentation: bool = False) -> None:
        """Colour every view with ``theme`` (or its high-contrast twin)."""
        shown = presentation_theme(theme) if presentation else theme
        self.scene.set_theme(shown)
        self.view.viewport().update()
        self.training.plot.set_theme(shown)
        self.training.boundary.set_theme(shown)
        if presentation:
            self.presentation.restyle()

    # ------------------------------------------------------ presentation
    def _zoom(self, inward: bool) -> None:
        """Ctrl+= / Ctrl+−: the canvas, or in presentation mode the presentation scale."""
        if self.presentation.active:
            self.presentation.grow() if inward else self.presentation.shrink()
        else:
            self.view.zoom_in() if inward else self.view.zoom_out()

    def _on_presentation(self, active: bool) -> None:
        act = self.actions_by_name
        act["Presentation"].setChecked(active)
        for name in ("LeavePresentation", "BlankScreen"):
            act[name].setEnabled(active)

    def show_shortcuts(self) -> ShortcutsDialog:
        """Help ▸ Keyboard shortcuts: every key of the action table, in menu order."""
        dialog = ShortcutsDialog(self, self.action_table, GESTURES)
        dialog.open()
        return dialog

    def show_about(self) -> None:
        QMessageBox.about(self, "About bpgui", f"<h3>bpgui {__version__}</h3><p>Makes "
                          "backpropagation visible: every value, every cached δ, every path.</p>")

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._tidy_docks)      # once the layout has settled

    def _tidy_docks(self) -> None:
        hide_stray_tab_bars(self)
        if not self._docks_sized:              # the window has its size now
            self._docks_sized = True
            self.resizeDocks([self.stepping.path_panel], [max(260, self.height() // 4)],
                             Qt.Orientation.Vertical)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.presentation.active:        # full screen arrives after enter(): fit again
            QTimer.singleShot(0, self.presentation.enter_view)
        if self.presentation.blanked:
            self.presentation.curtain.setGeometry(self.rect())

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.files.maybe_save():
            event.accept()
        else:
            event.ignore()

