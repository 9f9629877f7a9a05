"""Undoable edits. Each calls only model mutators, so the model's rules hold for all of them."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from bpgui.engine.training import RunState
from bpgui.network.errors import NetworkError
from bpgui.network.lesson import Scene
from bpgui.network.model import Edge, Neuron, Sample, TrainingSettings
from bpgui.network.operations import OPERATION_TABLE
from bpgui.ui.document.document import Document, ModelCommand

DEFAULT_PARAMS = {"value": 1.0, "exponent": 2.0}   # a new const's value, a new pow's exponent


def next_id(prefix: str, taken: set[str]) -> str:
    """The first ``prefix<n>`` (n = 1, 2, …) not in ``taken``: a new item's id."""
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


class AddNeuron(ModelCommand):
    def __init__(self, document: Document, neuron: Neuron) -> None:
        super().__init__(document, f"Add neuron {neuron.id}")
        self.neuron = neuron

    def apply(self) -> None:
        self.network.add_neuron(replace(self.neuron))

    def revert(self) -> None:
        self.network.remove_neuron(self.neuron.id)


class AddEdge(ModelCommand):
    def __init__(self, document: Document, edge: Edge) -> None:
        super().__init__(document, f"Connect {edge.source} → {edge.target}")
        self.edge = edge

    def apply(self) -> None:
        self.network.add_edge(replace(self.edge))

    def revert(self) -> None:
        self.network.remove_edge(self.edge.id)


class DeleteItems(ModelCommand):
    """Delete neurons (with their edges) and edges; undo puts each back at its index."""

    def __init__(self, document: Document, neuron_ids: list[str], edge_ids: list[str]) -> None:
        count = len(neuron_ids) + len(edge_ids)
        super().__init__(document, f"Delete {count} item{'s' * (count != 1)}")
        self.neuron_ids, self.edge_ids = neuron_ids, edge_ids
        self._removed_edges: list[tuple[int, Edge]] = []
        self._removed_neurons: list[tuple[int, Neuron, list[float]]] = []

    def apply(self) -> None:
        net = self.network
        doomed = set(self.edge_ids) | {e.id for e in net.edges
                                       if {e.source, e.target} & set(self.neuron_ids)}
        self._removed_edges = [(i, e) for i, e in enumerate(net.edges) if e.id in doomed]
        for _, e in reversed(self._removed_edges):
            net.remove_edge(e.id)
        removed = []
        for n in reversed([n for n in net.neurons if n.id in set(self.neuron_ids)]):
            index, neuron, _, column = net.remove_neuron(n.id)
            removed.append((index, neuron, column))
        self._removed_neurons = removed[::-1]       # ascending index: re-insert in order

    def revert(self) -> None:
        for i, n, column in self._removed_neurons:
            self.network.add_neuron(n, i, column or None)
        for i, e in self._removed_edges:
            self.network.add_edge(e, i)


class _SetFields(ModelCommand):
    """Change fields of one neuron or edge. Consecutive changes of the same fields merge
    (a Ctrl+wheel nudge, a drag of a slider) when ``merge_key`` is given."""

    kind = ""

    def __init__(self, document: Document, ident: str, text: str, merge_key: int = -1,
                 **changes: Any) -> None:
        super().__init__(document, text)
        self.ident = ident
        self.changes = changes
        self.merge_key = merge_key
        current = self._get(ident)
        self.old = {k: getattr(current, k) for k in changes}
        self.new_ident = changes.get("id", ident)

    def _get(self, ident: str) -> Neuron | Edge:
        raise NotImplementedError

    def _update(self, ident: str, **changes: Any) -> None:
        raise NotImplementedError

    def apply(self) -> None:
        self._update(self.ident, **self.changes)

    def revert(self) -> None:
        self._update(self.new_ident, **self.old)

    def id(self) -> int:
        return self.merge_key

    def mergeWith(self, other: Any) -> bool:
        if not isinstance(other, type(self)) or other.ident != self.ident \
                or other.changes.keys() != self.changes.keys() or "id" in self.changes:
            return False
        self.changes = other.changes
        self.setText(other.text())
        return True


class SetNeuron(_SetFields):
    def __init__(self, document: Document, neuron_id: str, merge_key: int = -1,
                 **changes: Any) -> None:
        fields = ", ".join(changes)
        super().__init__(document, neuron_id, f"Set {fields} of {neuron_id}", merge_key,
                         **changes)

    def _get(self, ident: str) -> Neuron:
        return self.network.neuron(ident)

    def _update(self, ident: str, **changes: Any) -> None:
        self.network.update_neuron(ident, **changes)

    def apply(self) -> None:
        # A role change moves the neuron's sample column; undo must give the values back.
        self._samples_before = [s.copy()
                                for s in self.network.samples]
        super().apply()

    def revert(self) -> None:
        super().revert()
        if "role" in self.changes:
            self.network.set_samples(self._samples_before)


class SetOperation(SetNeuron):
    """Make a neuron an operation node, an operation node another operation, or back a
    neuron (``op`` None), as one undoable step. Its constant follows: kept when the new
    operation has the same kind of constant (value, exponent), else the default or none;
    a neuron's bias becomes 0 (an operation node has none, and keeps the field at 0)."""

    def __init__(self, document: Document, neuron_id: str, op: str | None) -> None:
        current = document.network.neuron(neuron_id)
        kind = OPERATION_TABLE[op].param if op in OPERATION_TABLE else ""
        old_kind = OPERATION_TABLE[current.op].param if current.op in OPERATION_TABLE else ""
        param = None if not kind else current.param if kind == old_kind \
            and current.param is not None else DEFAULT_PARAMS[kind]
        changes: dict[str, Any] = {"op": op, "param": param}
        if op is not None and current.bias != 0.0:
            changes["bias"] = 0.0
        super().__init__(document, neuron_id, **changes)
        self.setText(f"Make {neuron_id} " + (f"an operation node ({op})" if op else
                                              "a neuron"))

    def apply(self) -> None:
        """Refuse an operation that takes fewer operands than the node has incoming edges
        (fewer edges than it needs is allowed while a graph is drawn, as the model allows)."""
        op = self.changes["op"]
        if op is not None:
            count = sum(e.target == self.ident for e in self.network.edges)
            most = OPERATION_TABLE[op].max_operands if op in OPERATION_TABLE else None
            if most is not None and count > most:
                raise NetworkError(f"{self.ident!r} has {count} incoming edges, and {op} "
                                   f"takes {OPERATION_TABLE[op].arity_text()}", "neuron.op")
        super().apply()


class SetEdge(_SetFields):
    def __init__(self, document: Document, edge_id: str, merge_key: int = -1,
                 **changes: Any) -> None:
        fields = ", ".join(changes)
        super().__init__(document, edge_id, f"Set {fields} of {edge_id}", merge_key, **changes)

    def _get(self, ident: str) -> Edge:
        return self.network.edge(ident)

    def _update(self, ident: str, **changes: Any) -> None:
        self.network.update_edge(ident, **changes)


class MoveNeurons(ModelCommand):
    """One drag, or one auto layout: many neurons move as one undo entry."""

    def __init__(self, document: Document, moves: Mapping[str, tuple[float | None, float | None]],
                 text: str = "") -> None:
        count = len(moves)
        super().__init__(document, text or f"Move {count} neuron{'s' * (count != 1)}")
        self.new = moves
        self.old = {nid: (document.network.neuron(nid).x, document.network.neuron(nid).y)
                    for nid in moves}

    def apply(self) -> None:
        for nid, (x, y) in self.new.items():
            self.network.update_neuron(nid, x=x, y=y)

    def revert(self) -> None:
        for nid, (x, y) in self.old.items():
            self.network.update_neuron(nid, x=x, y=y)


class SetSamples(ModelCommand):
    def __init__(self, document: Document, samples: list[Sample], text: str = "Edit samples"):
        super().__init__(document, text)
        self.new = [s.copy() for s in samples]
        self.old = [s.copy() for s in document.network.samples]

    def apply(self) -> None:
        self.network.set_samples(self.new)

    def revert(self) -> None:
        self.network.set_samples(self.old)


class SetLoss(ModelCommand):
    def __init__(self, document: Document, loss: str) -> None:
        super().__init__(document, f"Set loss to {loss}")
        self.new, self.old = loss, document.network.loss

    def apply(self) -> None:
        self.network.set_loss(self.new)

    def revert(self) -> None:
        self.network.set_loss(self.old)


class SetTraining(ModelCommand):
    def __init__(self, document: Document, settings: TrainingSettings,
                 text: str = "Change training settings") -> None:
        super().__init__(document, text)
        self.new, self.old = replace(settings), replace(document.network.training)

    def apply(self) -> None:
        self.network.set_training(self.new)

    def revert(self) -> None:
        self.network.set_training(self.old)


class SetText(ModelCommand):
    """The network's name or description."""

    def __init__(self, document: Document, name: str | None, description: str | None) -> None:
        super().__init__(document, "Edit name and description")
        self.new = (name, description)
        self.old = (document.network.name, document.network.description)

    def apply(self) -> None:
        self.network.set_text(name=self.new[0], description=self.new[1])

    def revert(self) -> None:
        self.network.set_text(name=self.old[0], description=self.old[1])


Parameters = tuple[dict[str, float], dict[str, float]]     # (weights, biases) by id


@dataclass(frozen=True, eq=False)
class KeptRun:
    """What a run leaves the next one: the optimizer's state (velocities, moments, the
    updates made, η now), the parameter layout its arrays fit, and the file's training
    settings when it was kept (a learning rate or schedule set since is the user's)."""

    state: RunState
    layout: Hashable
    settings: TrainingSettings


class RunMemory:
    """The window's one optimizer state between runs. It belongs to the undo history:
    the command of each run (and of a reset) puts the state from before it back on undo
    and the one after it on redo, so Train, Undo, Train trains the same numbers twice."""

    def __init__(self) -> None:
        self.kept: KeptRun | None = None


class SetParameters(ModelCommand):
    """Many weights and biases at once: a training run, a single update, a reset.

    ``before`` defaults to the network's parameters now; a training run passes the
    ones from before it started (the model already holds the trained ones), and the
    training settings from before it, since the learning rate may change mid-run.
    ``run`` is the optimizer state's (memory, before, after): what undo and redo put
    into the memory.
    """

    def __init__(self, document: Document, after: Parameters, text: str,
                 before: Parameters | None = None,
                 settings_before: TrainingSettings | None = None,
                 run: tuple[RunMemory, KeptRun | None, KeptRun | None] | None = None) -> None:
        super().__init__(document, text)
        self.after = after
        self.before = before if before is not None else document.network.parameters()
        self.settings_after = replace(document.network.training)
        self.settings_before = replace(settings_before or document.network.training)
        self.run = run

    def apply(self) -> None:
        self.network.set_parameters(*self.after)
        self.network.set_training(self.settings_after)
        if self.run is not None:
            self.run[0].kept = self.run[2]

    def revert(self) -> None:
        self.network.set_parameters(*self.before)
        self.network.set_training(self.settings_before)
        if self.run is not None:
            self.run[0].kept = self.run[1]


# ------------------------------------------------------------------ the lesson
class AddScene(ModelCommand):
    def __init__(self, document: Document, scene: Scene, index: int | None = None) -> None:
        super().__init__(document, f"Add scene {scene.title}")
        self.scene = scene
        self.index = len(document.network.lesson) if index is None else index

    def apply(self) -> None:
        self.network.add_scene(self.scene, self.index)

    def revert(self) -> None:
        self.network.remove_scene(self.index)


class DeleteScene(ModelCommand):
    def __init__(self, document: Document, index: int) -> None:
        super().__init__(document, f"Delete scene {document.network.lesson[index].title}")
        self.index = index
        self.scene = document.network.lesson[index]

    def apply(self) -> None:
        self.scene = self.network.remove_scene(self.index)

    def revert(self) -> None:
        self.network.add_scene(self.scene, self.index)


class MoveScene(ModelCommand):
    def __init__(self, document: Document, index: int, to: int) -> None:
        super().__init__(document, f"Move scene {document.network.lesson[index].title}")
        self.index, self.to = index, to

    def apply(self) -> None:
        self.network.move_scene(self.index, self.to)

    def revert(self) -> None:
        self.network.move_scene(self.to, self.index)


SCENE_EDITS = {"title": "Rename scene", "caption": "Edit caption of scene",
               "notes": "Edit notes of scene", "question": "Set question of scene"}


class SetScene(ModelCommand):
    """Change fields of one scene. With a ``merge_key``, consecutive edits of the same
    fields of the same scene (typing a caption) make one undo entry."""

    def __init__(self, document: Document, index: int, merge_key: int = -1,
                 **changes: Any) -> None:
        scene = document.network.lesson[index]
        what = SCENE_EDITS.get(next(iter(changes)), "Edit scene") if len(changes) == 1 \
            else "Edit scene"
        super().__init__(document, f"{what} {scene.title}")
        self.index, self.changes, self.merge_key = index, changes, merge_key
        self.old = {k: getattr(scene, k) for k in changes}

    def apply(self) -> None:
        self.network.update_scene(self.index, **self.changes)

    def revert(self) -> None:
        self.network.update_scene(self.index, **self.old)

    def id(self) -> int:
        return self.merge_key

    def mergeWith(self, other: Any) -> bool:
        if not isinstance(other, SetScene) or other.index != self.index \
                or other.changes.keys() != self.changes.keys():
            return False
        self.changes = other.changes
        return True
