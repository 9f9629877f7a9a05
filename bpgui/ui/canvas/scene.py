"""The scene: one item per neuron and edge, kept in step with the document.

It keeps an id → item map (as orange-canvas-core's scene does) in step with
the model one :class:`~bpgui.network.changes.Change` at a time: each change adds,
removes or updates single items, so it listens to the per-change
:attr:`Document.changed`. Re-placing every weight label is a whole-scene job,
done once per command on :attr:`Document.edited`. Mouse gestures become
undoable commands: a drag is one Move, a drag from a neuron with Shift (or with the
Connect tool) is a new edge, a double-click on empty space adds a neuron."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from enum import Enum

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsLineItem, QGraphicsScene, QGraphicsSceneMouseEvent

from bpgui.network.changes import Change, ChangeKind
from bpgui.network.model import Edge, Neuron
from bpgui.network.operations import OPERATION_TABLE
from bpgui.ui.base.theme import LIGHT, NEURON_RADIUS, Theme
from bpgui.ui.canvas.delta_colours import apply_delta_fills
from bpgui.ui.canvas.edge_item import EdgeItem
from bpgui.ui.canvas.edge_strokes import EdgeStrokes
from bpgui.ui.canvas.label_keeper import LabelKeeper
from bpgui.ui.canvas.label_sketches import LabelSketches
from bpgui.ui.canvas.look import DIM, legible
from bpgui.ui.canvas.loss_item import LossItem
from bpgui.ui.canvas.neuron_item import NeuronItem, count_fanout
from bpgui.ui.canvas.scene_build import Finishing, SlicedBuild, build_items
from bpgui.ui.document.commands import DEFAULT_PARAMS, AddEdge, AddNeuron, MoveNeurons, next_id
from bpgui.ui.document.document import Document, Edit, ModelCommand

DEFAULT_WEIGHT = 0.5


class Tool(Enum):
    SELECT = "select"
    ADD_NEURON = "add"
    CONNECT = "connect"


def _let_go(items: Iterable[object]) -> None:
    """Drop what the items of a cleared scene hold (their C++ side is gone), so that
    reference counting frees them now. Items and their labels, tooltips, ends and
    strokes refer to each other: left as cycles, the 1,000-neuron network's 290,000
    objects waited for a full collection, 300–800 ms, at the next open."""
    for item in items:
        if isinstance(item, EdgeItem) and item.has_label:
            vars(item.label_item).clear()
        vars(item).clear()


class NetworkScene(QGraphicsScene):
    """Draws the document's network and turns gestures into commands."""

    status = Signal(str)          # what happened, or why something was refused
    rebuilt = Signal()            # every item was made afresh
    hovered = Signal(object)      # (kind, id) of the item under the pointer, or None
    moved = Signal()              # a neuron is being dragged (items that follow it listen)

    def __init__(self, document: Document, theme: Theme = LIGHT) -> None:
        super().__init__()
        self.document = document
        self.theme = theme
        self.tool = Tool.SELECT
        self.new_role = "hidden"
        self.snap = False
        self.show_weight_labels = True
        self.labels_legible = True      # the labels can be read at the canvas's zoom
        self.colour_by_delta = False  # View ▸ Colour neurons by |δ|
        # The pass's δ and those computed so far: the stepping room's (set_colour_by_delta)
        self.delta_source: Callable[[], tuple[dict[str, float], frozenset[str]]] = \
            lambda: ({}, frozenset())
        self.pass_shown = False       # a pass is on the canvas (set by the presenter)
        self.labels = LabelKeeper()
        self.neuron_items: dict[str, NeuronItem] = {}
        self.edge_items: dict[str, EdgeItem] = {}
        self._rubber: QGraphicsLineItem | None = None
        self._rubber_source: NeuronItem | None = None
        self._press_positions: dict[str, QPointF] = {}
        self.setBackgroundBrush(theme.background)
        document.changed.connect(self._on_change)
        document.edited.connect(self._on_edited)
        document.replaced.connect(self.rebuild)
        document.about_to_edit.connect(self.finish_building)
        self._selected_edges: set[EdgeItem] = set()
        self.selectionChanged.connect(self._on_selection)
        self._build: SlicedBuild | None = None
        self._draw()

    # ----------------------------------------------------------- model → items
    def rebuild(self) -> None:
        """Drop every item and draw the document's network afresh (a large one on a
        shown canvas a slice per event-loop turn: :mod:`~bpgui.ui.canvas.scene_build`)."""
        if self._build is not None:
            self._build.stop()
            self._build = None
        dropped = [*self.neuron_items.values(), *self.edge_items.values(), self.strokes,
                   self.strokes.overlay, self.sketches]
        self.clear()
        self._rubber = None
        self.neuron_items.clear()
        self.edge_items.clear()
        self.labels = LabelKeeper()
        _let_go(dropped)
        self._draw()

    def _draw(self) -> None:
        self.strokes = EdgeStrokes(self.theme)
        self.addItem(self.strokes)
        self.sketches = LabelSketches(self)
        self.pass_shown = False
        net = self.document.network
        self._build = build_items(self, list(net.neurons), list(net.edges),
                                  self._add_neuron_item, self._add_edge_item,
                                  self._placing_labels, self._finish_rebuild)
        if self._build is not None:
            self._build.shown.connect(self._built)
            self.rebuilt.emit()             # the old items are gone: let go of them now

    @property
    def building(self) -> bool:     # a large network is being drawn, not yet shown
        return self._build is not None

    def _built(self) -> None:
        self._build = None

    def finish_building(self, *_: object) -> None:
        """Make every item still to come now (before an edit, or a change, needs them)."""
        if self._build is not None:
            self._build.finish()

    def _placing_labels(self) -> Iterator[None]:
        """The build's last steps: the loss node, then every weight label placed."""
        self.loss_item = LossItem(self.document.network.loss, self.theme)
        self.addItem(self.loss_item)
        self._attach_loss()
        count_fanout(self.document.network, self.neuron_items)
        self.set_labels_legible(self._legible_once_fitted())
        yield from self.labels.arranging(*self._label_parts())

    def _legible_once_fitted(self) -> bool:
        """Whether the labels can be read once the build fits the views to the network
        (as far as its neurons tell): they are made as they will look, not made legible
        and sketched at the fit, a stall of 100 ms for the 5,600 labels of 1,000 neurons."""
        scales = [fit_scale(self._neurons_rect()) for view in self.views()
                  if view.isVisible()
                  and callable(fit_scale := getattr(view, "fit_scale", None))]
        return legible(min(scales)) if scales else self.labels_legible

    def _neurons_rect(self) -> QRectF:
        xs = [item.x() for item in self.neuron_items.values()]
        ys = [item.y() for item in self.neuron_items.values()]
        if not xs:
            return QRectF()
        return QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)).adjusted(
            -NEURON_RADIUS, -NEURON_RADIUS, NEURON_RADIUS, NEURON_RADIUS)

    def _finish_rebuild(self) -> Finishing:
        """Complete the drawing; the rectangle the items cover (views fit themselves to
        it). Each part walks every item: a sliced build runs them in turns of their own."""
        self._fill_by_delta()
        self.rebuilt.emit()
        yield
        rect = self.itemsBoundingRect()
        self.setSceneRect(rect.adjusted(-400, -300, 400, 300))
        return rect

    def hidden_looks(self) -> list[AbstractContextManager[None]]:
        """What is kept drawn but hidden (a build paints each once, shown): the faded
        strokes a pass shows."""
        return [self.strokes.showing_faded()]

    def arrange_labels(self) -> None:
        """Re-place every weight label so none overlaps another (see :mod:`label_keeper`)."""
        self.labels.arrange(*self._label_parts())

    def _label_parts(self) -> tuple[list[EdgeItem], list[NeuronItem], bool,
                                    Callable[[], QRectF]]:
        net = self.document.network
        items = [self.edge_items[e.id] for e in net.edges if e.id in self.edge_items]
        return items, list(self.neuron_items.values()), self.pass_shown, self.itemsBoundingRect

    def set_pass_shown(self, shown: bool) -> None:
        """A pass starts or ends: fade the strokes, and place the labels with room for
        the values a pass adds (or without, so more of them fit while drawing)."""
        if shown != self.pass_shown:
            self.pass_shown = shown
            self.strokes.set_dimmed(shown)
            self.sketches.set_faded(shown)
            self.labels.apply(shown)

    def place_step_labels(self, edge_ids: Iterable[str]) -> None:
        """The labels the current step computes: move those that outgrew their room, and
        put those it shows regardless where they crowd the others least."""
        edges = [self.edge_items[e] for e in edge_ids if e in self.edge_items]
        self.labels.step(edges, self.neuron_items.values(), self.pass_shown)

    def _add_neuron_item(self, neuron: Neuron) -> None:
        item = NeuronItem(neuron, self.theme)
        item.snap = self.snap
        self.neuron_items[neuron.id] = item
        self.addItem(item)

    def _add_edge_item(self, edge: Edge) -> None:
        item = EdgeItem(edge, self.neuron_items[edge.source], self.neuron_items[edge.target],
                        self.theme, self.strokes, self.sketches)
        item.set_show_label(self.show_weight_labels)
        self.edge_items[edge.id] = item
        self.addItem(item)
        # (cached now, not by the spatial index's one-go update)
        self.sketches.frame(item.boundingRect())

    def _attach_loss(self) -> None:
        outputs = [self.neuron_items[n.id] for n in self.document.network.outputs]
        self.loss_item.setVisible(bool(outputs))
        self.loss_item.loss_name = self.document.network.loss
        self.loss_item.attach(outputs)

    def _on_selection(self) -> None:
        """Redraw the edges selected or unselected (a ring in the selection colour)."""
        try:
            selected = {item for item in self.selectedItems() if isinstance(item, EdgeItem)}
        except RuntimeError:          # the scene is being destroyed
            return
        for edge in selected ^ self._selected_edges:
            try:
                if edge.scene() is self:
                    edge.refresh_look()
            except RuntimeError:      # a removed edge whose C++ item is gone
                pass
        self._selected_edges = selected

    def hover(self, kind: str | None, ident: str | None) -> None:
        """Called by items as the pointer enters (kind, id) or leaves (None)."""
        self.hovered.emit((kind, ident) if ident is not None else None)

    def neuron_moved(self, item: NeuronItem) -> None:
        """Called by a neuron item while it moves: the loss node follows the outputs."""
        if item in self.loss_item.outputs:
            self.loss_item.follow()
        self.moved.emit()

    def _on_change(self, change: Change) -> None:
        """One item follows one change (the loss node follows the outputs)."""
        self.finish_building()
        self._apply_change(change)
        if change.kind in (ChangeKind.NEURON_ADDED, ChangeKind.NEURON_REMOVED,
                           ChangeKind.LOSS_CHANGED) or (
                change.kind is ChangeKind.NEURON_CHANGED and change.field in ("role", "id")):
            self._attach_loss()

    def _on_edited(self, edit: Edit) -> None:
        """After a whole command: re-place the labels if items came, went or moved."""
        if edit.has(ChangeKind.NEURON_ADDED, ChangeKind.NEURON_REMOVED, ChangeKind.EDGE_ADDED,
                    ChangeKind.EDGE_REMOVED) or any(c.field == "op" for c in edit.changes):
            count_fanout(self.document.network, self.neuron_items)
        if edit.has(ChangeKind.NEURON_ADDED, ChangeKind.NEURON_REMOVED, ChangeKind.EDGE_ADDED,
                    ChangeKind.EDGE_REMOVED) or any(
                c.kind is ChangeKind.NEURON_CHANGED and c.field in ("x", "y", "op")
                for c in edit.changes):
            self.arrange_labels()

    def _apply_change(self, change: Change) -> None:
        net = self.document.network
        kind = change.kind
        if kind is ChangeKind.PARAMETERS_CHANGED:
            weights, biases = change.new
            for eid in weights:
                self.edge_items[eid].sync(net.edge(eid))
            for nid in biases:
                self.neuron_items[nid].sync(net.neuron(nid))
            return
        ident = change.id
        if ident is None:      # samples, loss, training, text: no item follows them
            return
        new_id: str = change.new if change.field == "id" else ident
        if kind is ChangeKind.NEURON_ADDED:
            self._add_neuron_item(net.neuron(ident))
        elif kind is ChangeKind.NEURON_REMOVED:
            self.removeItem(self.neuron_items.pop(ident))
        elif kind is ChangeKind.NEURON_CHANGED:
            neuron_item = self.neuron_items.pop(ident)
            self.neuron_items[new_id] = neuron_item
            neuron_item.sync(net.neuron(new_id))
        elif kind is ChangeKind.EDGE_ADDED:
            self._add_edge_item(net.edge(ident))
        elif kind is ChangeKind.EDGE_REMOVED:
            edge_item = self.edge_items.pop(ident)
            edge_item.detach()
            self.removeItem(edge_item)
        elif kind is ChangeKind.EDGE_CHANGED:
            edge_item = self.edge_items.pop(ident)
            self.edge_items[new_id] = edge_item
            edge_item.sync(net.edge(new_id))

    # ------------------------------------------------------------- options
    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setBackgroundBrush(theme.background)
        self.strokes.set_theme(theme)
        items: list[NeuronItem | LossItem] = [*self.neuron_items.values(), self.loss_item]
        for item in items:
            item.theme = theme
            item.update()
        for neuron in self.neuron_items.values():
            neuron.fade()                        # themes fade untouched items differently
        self._fill_by_delta()
        self.loss_item.setOpacity(theme.dim_opacity if self.loss_item.emphasis == DIM
                                  else 1.0)
        for edge in self.edge_items.values():
            edge.theme = theme
            edge.refresh_look()

    def set_colour_by_delta(self, on: bool) -> None:
        """Asks :attr:`delta_source` only while on: the canvas knows no pass of its own."""
        self.colour_by_delta = on
        self._fill_by_delta()

    def deltas_changed(self) -> None:
        """The pass or its cursor moved: fill again, if the option is on."""
        if self.colour_by_delta:
            self._fill_by_delta()

    def _fill_by_delta(self) -> None:
        deltas, known = self.delta_source() if self.colour_by_delta else (None, frozenset())
        apply_delta_fills(self.neuron_items, deltas, self.theme, known)

    def set_snap(self, on: bool) -> None:
        self.snap = on
        for item in self.neuron_items.values():
            item.snap = on

    def set_zoom(self, scale: float) -> None:
        """The canvas shows the scene at ``scale`` now: where the labels are too small
        to read they are sketched (see :class:`EdgeLabel`)."""
        self.set_labels_legible(legible(scale))

    def set_labels_legible(self, readable: bool) -> None:
        """Draw every label's text, or sketch every label (see :class:`EdgeLabel`)."""
        if readable != self.labels_legible:
            self.labels_legible = readable
            for edge in self.edge_items.values():
                edge.set_label_legible(readable)

    @contextmanager
    def drawn_at(self, scale: float) -> Iterator[None]:
        """Draw the labels as they look at ``scale`` while the block runs (an export),
        then as at the canvas's zoom again."""
        shown = self.labels_legible
        self.set_labels_legible(legible(scale))
        try:
            yield
        finally:
            self.set_labels_legible(shown)

    def set_weight_labels(self, on: bool) -> None:
        self.show_weight_labels = on
        for item in self.edge_items.values():
            item.set_show_label(on)

    def set_training(self, running: bool) -> None:
        """A training run starts or ends: weight labels rest meanwhile (see
        :meth:`EdgeItem.set_quiet`)."""
        for item in self.edge_items.values():
            item.set_quiet(running)

    def preview_parameters(self, weights: dict[str, float], biases: dict[str, float]) -> None:
        """Draw these weights and biases before the model has them (during a training
        run the model takes them only when the run ends)."""
        for eid, weight in weights.items():
            if eid in self.edge_items:
                self.edge_items[eid].preview(weight)
        for nid, bias in biases.items():
            if nid in self.neuron_items:
                self.neuron_items[nid].preview(bias)

    def selected_ids(self) -> tuple[list[str], list[str]]:
        """(neuron ids, edge ids) currently selected, in file order."""
        selected = set(self.selectedItems())
        net = self.document.network
        neurons = [n.id for n in net.neurons if self.neuron_items.get(n.id) in selected]
        edges = [e.id for e in net.edges if self.edge_items.get(e.id) in selected]
        return neurons, edges

    def select_id(self, ident: str) -> bool:
        """Select the neuron or edge with this id alone; False if there is none."""
        item = self.neuron_items.get(ident) or self.edge_items.get(ident)
        if item is None:
            return False
        self.clearSelection()
        item.setSelected(True)
        return True

    # -------------------------------------------------------------- gestures
    def add_neuron_at(self, pos: QPointF, role: str | None = None) -> None:
        """Add a neuron of ``role`` (the toolbar's choice by default) at ``pos``; a role
        that names an operation ("add", "sin"…) adds a hidden operation node instead."""
        net = self.document.network
        role = role or self.new_role
        op = OPERATION_TABLE.get(role)
        taken = {n.id for n in net.neurons}
        x, y = round(pos.x(), 1), round(pos.y(), 1)
        if op is not None:
            nid = next_id(op.name, taken)
            neuron = Neuron(nid, "hidden", x=x, y=y, op=op.name,
                            param=DEFAULT_PARAMS[op.param] if op.param else None)
            self._execute(AddNeuron(self.document, neuron),
                          f"Added {op.name} node {nid}; connect its operands in order.")
            return
        prefix = {"input": "x", "hidden": "h", "output": "y"}[role]
        nid = next_id(prefix, taken)
        neuron = Neuron(nid, role, "sigmoid", x=x, y=y)
        self._execute(AddNeuron(self.document, neuron), f"Added {role} neuron {nid}.")

    def connect_neurons(self, source: str, target: str) -> None:
        net = self.document.network
        eid = next_id("w", {e.id for e in net.edges})
        edge = Edge(eid, source, target, DEFAULT_WEIGHT)
        self._execute(AddEdge(self.document, edge),
                      f"Connected {source} → {target} as {eid} (weight {DEFAULT_WEIGHT}).",
                      refused="Cannot connect: ")

    def _execute(self, command: ModelCommand, done: str, refused: str = "Refused: ") -> None:
        error = self.document.execute(command)
        self.status.emit(done if error is None else refused + error)

    def _neuron_at(self, pos: QPointF) -> NeuronItem | None:
        for item in self.items(pos):
            if isinstance(item, NeuronItem) and item.shape().contains(item.mapFromScene(pos)):
                return item
        return None

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        pos = event.scenePos()
        if event.button() == Qt.MouseButton.LeftButton:
            neuron = self._neuron_at(pos)
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            if neuron is not None and (self.tool == Tool.CONNECT or shift):
                self._start_rubber(neuron)
                event.accept()
                return
            if neuron is None and self.tool == Tool.ADD_NEURON:
                self.add_neuron_at(pos)
                event.accept()
                return
        super().mousePressEvent(event)
        self._press_positions = {nid: QPointF(item.pos())
                                 for nid, item in self.neuron_items.items()}

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._rubber is not None and self._rubber_source is not None:
            self._rubber.setLine(QLineF(self._rubber_source.pos(), event.scenePos()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._rubber is not None and self._rubber_source is not None:
            source = self._rubber_source.neuron_id
            self.removeItem(self._rubber)
            self._rubber, self._rubber_source = None, None
            target = self._neuron_at(event.scenePos())
            if target is None:
                self.status.emit("No connection: release the drag over another neuron.")
            else:
                self.connect_neurons(source, target.neuron_id)
            event.accept()
            return
        super().mouseReleaseEvent(event)
        self._commit_moves()

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self.items(event.scenePos()):
            self.add_neuron_at(event.scenePos())
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def _start_rubber(self, neuron: NeuronItem) -> None:
        self._rubber_source = neuron
        self._rubber = QGraphicsLineItem(QLineF(neuron.pos(), neuron.pos()))
        pen = QPen(self.theme.selection, 3, Qt.PenStyle.DashLine)
        self._rubber.setPen(pen)
        self._rubber.setZValue(5)
        self.addItem(self._rubber)
        self.status.emit(f"Connecting from {neuron.neuron_id}: release over the target neuron.")

    def _commit_moves(self) -> None:
        """Turn whatever the drag moved into one undoable Move."""
        moves: dict[str, tuple[float | None, float | None]] = {}
        for nid, before in self._press_positions.items():
            item = self.neuron_items.get(nid)
            if item is not None and item.pos() != before:
                moves[nid] = (round(item.pos().x(), 1), round(item.pos().y(), 1))
        self._press_positions = {}
        if moves:
            self._execute(MoveNeurons(self.document, moves),
                          f"Moved {len(moves)} neuron{'s' * (len(moves) != 1)}.")
