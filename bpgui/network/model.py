"""The network as plain data: :class:`Network`, its tables of names, and its mutators.

The model owns every rule of the v1 format that is not about JSON syntax, so
the file reader, the command line and the GUI's undo commands all refuse the
same things with the same words (the rules between parts are in
:mod:`bpgui.network.validation`, the parts themselves in :mod:`bpgui.network.items`;
both are importable from here too). It has no Qt and no NumPy. Observers
subscribe to :class:`~bpgui.network.changes.Change` events; a mutator emits one
only when a value really changes.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from dataclasses import fields, replace
from typing import Any

from bpgui.network.changes import Change, ChangeKind
from bpgui.network.columns import column_of, insert_column, move_column, remove_column
from bpgui.network.errors import NetworkError
from bpgui.network.functions import ACTIVATIONS, LOSSES
from bpgui.network.graph import find_cycle, reaches
from bpgui.network.items import (
    OPTIMIZER_NAMES,
    SCHEDULE_NAMES,
    SPLIT_NAMES,
    Edge,
    Neuron,
    Sample,
    TrainingSettings,
)
from bpgui.network.lesson import Scene, check_scene
from bpgui.network.lesson_edits import LessonEdits
from bpgui.network.operations import check_operation, check_room_for_operand
from bpgui.network.validation import (
    ID_PATTERN,
    check_edge,
    check_endpoints,
    check_finite,
    check_id,
    check_optimizer,
    check_sample,
    check_schedule,
    check_split,
)

# The network's public face: its own names, and the parts, name tables and checks it
# is made of, which stay importable from here though defined in their own modules.
__all__ = [
    "ACTIVATIONS", "ID_PATTERN", "LOSSES", "MODES", "OPTIMIZER_NAMES", "ROLES",
    "SCHEDULE_NAMES", "SPLIT_NAMES",
    "Edge", "Network", "Neuron", "Sample", "TrainingSettings",
    "check_edge", "check_endpoints", "check_finite", "check_id", "check_neuron",
    "check_sample", "check_training",
]

ROLES = ("input", "hidden", "output")
MODES = ("batch", "sgd", "minibatch")


def check_neuron(neuron: Neuron, path: str) -> None:
    """Rules about one neuron on its own (uniqueness is the network's job)."""
    check_id(neuron.id, f"{path}.id")
    if neuron.role not in ROLES:
        raise NetworkError(f"role must be one of {', '.join(ROLES)}, not {neuron.role!r}",
                           f"{path}.role")
    if neuron.op is not None:
        check_operation(neuron, path)
    if neuron.activation not in ACTIVATIONS:
        raise NetworkError(
            f"unknown activation {neuron.activation!r} (known: {', '.join(ACTIVATIONS)})",
            f"{path}.activation")
    check_finite(neuron.bias, f"{path}.bias")
    if not isinstance(neuron.train_bias, bool):
        raise NetworkError("must be true or false", f"{path}.train_bias")
    if neuron.label is not None and not isinstance(neuron.label, str):
        raise NetworkError("must be a string", f"{path}.label")
    for axis in ("x", "y"):
        if getattr(neuron, axis) is not None:
            check_finite(getattr(neuron, axis), f"{path}.{axis}")


def check_training(settings: TrainingSettings, path: str = "training") -> None:
    lr = settings.learning_rate
    check_finite(lr, f"{path}.learning_rate", "a finite number > 0")
    if lr <= 0:
        raise NetworkError(f"must be a finite number > 0, not {lr!r}", f"{path}.learning_rate")
    if settings.mode not in MODES:
        raise NetworkError(f"mode must be one of {', '.join(MODES)}, not {settings.mode!r}",
                           f"{path}.mode")
    if isinstance(settings.batch_size, bool) or not isinstance(settings.batch_size, int) \
            or settings.batch_size < 1:
        raise NetworkError(f"must be an integer >= 1, not {settings.batch_size!r}",
                           f"{path}.batch_size")
    if not isinstance(settings.shuffle, bool):
        raise NetworkError("must be true or false", f"{path}.shuffle")
    if isinstance(settings.seed, bool) or not isinstance(settings.seed, int):
        raise NetworkError(f"must be an integer, not {settings.seed!r}", f"{path}.seed")
    check_optimizer(settings, path)
    check_schedule(settings, path)


# Each optimizer setting: (lowest, highest, highest included?, what the message calls it).
class Network(LessonEdits):
    """A feed-forward graph of neurons and weighted edges, plus its data."""

    def __init__(
        self,
        neurons: Iterable[Neuron] = (),
        edges: Iterable[Edge] = (),
        *,
        loss: str = "half_sse",
        samples: Iterable[Sample] = (),
        training: TrainingSettings | None = None,
        name: str | None = None,
        description: str | None = None,
        view: dict[str, Any] | None = None,
        lesson: Iterable[Scene] = (),
    ) -> None:
        self.neurons: list[Neuron] = list(neurons)
        self.edges: list[Edge] = list(edges)
        self.loss = loss
        self.samples: list[Sample] = list(samples)
        self.training = training if training is not None else TrainingSettings()
        self.name = name
        self.description = description
        self.view: dict[str, Any] = view if view is not None else {}
        self.lesson: list[Scene] = list(lesson)
        self._observers: list[Callable[[Change], None]] = []

    # ----------------------------------------------------------------- queries
    def neuron(self, neuron_id: str) -> Neuron:
        for n in self.neurons:
            if n.id == neuron_id:
                return n
        raise KeyError(neuron_id)

    def edge(self, edge_id: str) -> Edge:
        for e in self.edges:
            if e.id == edge_id:
                return e
        raise KeyError(edge_id)

    def has_neuron(self, neuron_id: str) -> bool:
        return any(n.id == neuron_id for n in self.neurons)

    def has_edge(self, edge_id: str) -> bool:
        return any(e.id == edge_id for e in self.edges)

    @property
    def inputs(self) -> list[Neuron]:
        return [n for n in self.neurons if n.role == "input"]

    @property
    def outputs(self) -> list[Neuron]:
        return [n for n in self.neurons if n.role == "output"]

    def index_pairs(self) -> list[tuple[int, int]]:
        """Edges as (source index, target index) into ``neurons``."""
        index = {n.id: i for i, n in enumerate(self.neurons)}
        return [(index[e.source], index[e.target]) for e in self.edges]

    def copy(self) -> Network:
        """A deep copy without observers (for workers and snapshots)."""
        clone = copy.copy(self)
        clone.neurons = copy.deepcopy(self.neurons)
        clone.edges = copy.deepcopy(self.edges)
        clone.samples = copy.deepcopy(self.samples)
        clone.training = replace(self.training)
        clone.view = json.loads(json.dumps(self.view))   # any depth json itself accepted
        clone.lesson = list(self.lesson)                  # scenes are frozen
        clone._observers = []
        return clone

    # -------------------------------------------------------------- validation
    def validate(self) -> None:
        """Raise :class:`NetworkError` naming the JSON path of the first problem."""
        seen: dict[str, int] = {}
        for i, n in enumerate(self.neurons):
            check_neuron(n, f"neurons[{i}]")
            if n.id in seen:
                raise NetworkError(f"duplicate neuron id {n.id!r} (also neurons[{seen[n.id]}])",
                                   f"neurons[{i}].id")
            seen[n.id] = i
        seen_edges: dict[str, int] = {}
        pairs: dict[tuple[str, str], int] = {}
        roles = {n.id: n.role for n in self.neurons}
        for i, e in enumerate(self.edges):
            path = f"edges[{i}]"
            check_edge(e, path)
            if e.id in seen_edges:
                raise NetworkError(f"duplicate edge id {e.id!r} (also edges[{seen_edges[e.id]}])",
                                   f"{path}.id")
            seen_edges[e.id] = i
            check_endpoints(e, path, pairs, roles)
            pairs[(e.source, e.target)] = i
        cycle = find_cycle(len(self.neurons), self.index_pairs())
        if cycle is not None:
            names = " -> ".join(self.neurons[i].id for i in [*cycle, cycle[0]])
            raise NetworkError(f"the edges form a cycle: {names}", "edges")
        for key in ("name", "description"):
            if getattr(self, key) is not None and not isinstance(getattr(self, key), str):
                raise NetworkError("must be a string", key)
        if not isinstance(self.view, dict):
            raise NetworkError("must be an object", "view")
        if self.loss not in LOSSES:
            raise NetworkError(f"unknown loss {self.loss!r} (known: {', '.join(LOSSES)})", "loss")
        n_in, n_out = len(self.inputs), len(self.outputs)
        for i, s in enumerate(self.samples):
            check_sample(s, f"samples[{i}]", n_in, n_out)
        check_split(self.samples)
        check_training(self.training)
        for i, scene in enumerate(self.lesson):
            check_scene(scene, f"lesson[{i}]")

    # ----------------------------------------------------------- observation
    def subscribe(self, observer: Callable[[Change], None]) -> None:
        self._observers.append(observer)

    def unsubscribe(self, observer: Callable[[Change], None]) -> None:
        self._observers.remove(observer)

    def _emit(self, change: Change) -> None:
        for observer in list(self._observers):
            observer(change)

    # -------------------------------------------------------------- mutators
    def add_neuron(self, neuron: Neuron, index: int | None = None,
                   column: list[float] | None = None) -> None:
        """Insert a neuron. An input or output also gets a column in every sample:
        ``column`` (one value per sample, as :meth:`remove_neuron` returned it) or zeros."""
        check_neuron(neuron, "neuron")
        if self.has_neuron(neuron.id):
            raise NetworkError(f"a neuron with id {neuron.id!r} already exists", "neuron.id")
        if column is not None and len(column) != len(self.samples):
            raise NetworkError(f"{len(column)} sample values for {len(self.samples)} samples",
                               "neuron")
        self.neurons.insert(len(self.neurons) if index is None else index, neuron)
        changes = insert_column(self.samples, self.neurons, neuron, column)
        self._emit(Change(ChangeKind.NEURON_ADDED, neuron.id, new=neuron))
        for change in changes:
            self._emit(change)

    def remove_neuron(self, neuron_id: str
                      ) -> tuple[int, Neuron, list[tuple[int, Edge]], list[float]]:
        """Remove a neuron, its edges and its sample column; return what undo needs."""
        neuron = self.neuron(neuron_id)
        index = self.neurons.index(neuron)
        attached = [(i, e) for i, e in enumerate(self.edges) if neuron_id in (e.source, e.target)]
        for _, e in reversed(attached):
            self.remove_edge(e.id)
        column, changes = remove_column(self.samples, neuron.role,
                                        column_of(self.neurons, neuron))
        self.neurons.pop(index)
        self._emit(Change(ChangeKind.NEURON_REMOVED, neuron_id, old=neuron))
        for change in changes:
            self._emit(change)
        return index, neuron, attached, column

    def update_neuron(self, neuron_id: str, **changes: Any) -> None:
        """Change fields of a neuron; refuse anything that breaks a rule."""
        current = self.neuron(neuron_id)
        current_role = current.role
        candidate = replace(current, **changes)
        check_neuron(candidate, f"neuron {neuron_id!r}")
        if candidate.id != neuron_id and self.has_neuron(candidate.id):
            raise NetworkError(f"a neuron with id {candidate.id!r} already exists", "neuron.id")
        if candidate.role == "input" and current.role != "input" and any(
                e.target == neuron_id for e in self.edges):
            raise NetworkError(f"{neuron_id!r} has incoming edges, so it cannot be an input",
                               "neuron.role")
        column = column_of(self.neurons, current)
        emitted = self._assign(current, candidate, ChangeKind.NEURON_CHANGED, neuron_id)
        if candidate.id != neuron_id:
            for e in self.edges:
                renamed = replace(e, source=candidate.id if e.source == neuron_id else e.source,
                                  target=candidate.id if e.target == neuron_id else e.target)
                emitted += self._assign(e, renamed, ChangeKind.EDGE_CHANGED, e.id)
        if candidate.role != current_role:
            emitted += move_column(self.samples, self.neurons, current, current_role, column)
        for change in emitted:       # only now, when every edge agrees with the new id
            self._emit(change)

    def add_edge(self, edge: Edge, index: int | None = None) -> None:
        """Connect two neurons; refuse cycles, self-loops, duplicates, edges into inputs."""
        check_edge(edge, "edge")
        if self.has_edge(edge.id):
            raise NetworkError(f"an edge with id {edge.id!r} already exists", "edge.id")
        pairs = {(e.source, e.target): i for i, e in enumerate(self.edges)}
        check_endpoints(edge, "edge", pairs, {n.id: n.role for n in self.neurons})
        ids = {n.id: i for i, n in enumerate(self.neurons)}
        if reaches(ids[edge.target], ids[edge.source], len(self.neurons), self.index_pairs()):
            raise NetworkError(
                f"{edge.source!r} -> {edge.target!r} would close a cycle, because "
                f"{edge.target!r} already feeds {edge.source!r}", "edge")
        check_room_for_operand(self.neuron(edge.target),
                               1 + sum(e.target == edge.target for e in self.edges))
        self.edges.insert(len(self.edges) if index is None else index, edge)
        self._emit(Change(ChangeKind.EDGE_ADDED, edge.id, new=edge))

    def remove_edge(self, edge_id: str) -> tuple[int, Edge]:
        index = self.edges.index(self.edge(edge_id))
        edge = self.edges.pop(index)
        self._emit(Change(ChangeKind.EDGE_REMOVED, edge_id, old=edge))
        return index, edge

    def update_edge(self, edge_id: str, **changes: Any) -> None:
        """Change an edge's weight, label, trainable flag or id (not its endpoints)."""
        if {"source", "target"} & changes.keys():
            raise NetworkError("an edge's endpoints cannot change; delete it and reconnect",
                               "edge")
        current = self.edge(edge_id)
        candidate = replace(current, **changes)
        check_edge(candidate, f"edge {edge_id!r}")
        if candidate.id != edge_id and self.has_edge(candidate.id):
            raise NetworkError(f"an edge with id {candidate.id!r} already exists", "edge.id")
        for change in self._assign(current, candidate, ChangeKind.EDGE_CHANGED, edge_id):
            self._emit(change)

    def set_parameters(self, weights: dict[str, float], biases: dict[str, float]) -> None:
        """Set many weights and biases at once (a training update, an undo of one).

        Every value is checked before any changes, so a refused call changes nothing;
        then one :attr:`~ChangeKind.PARAMETERS_CHANGED` event holds the values that
        really changed (none if nothing did).
        """
        edges = {e.id: e for e in self.edges}
        neurons = {n.id: n for n in self.neurons}
        for ident, value in weights.items():
            if ident not in edges:
                raise NetworkError(f"no edge with id {ident!r}", "edges")
            check_finite(value, f"edge {ident!r}.weight")
        for ident, value in biases.items():
            if ident not in neurons or not neurons[ident].has_bias:
                raise NetworkError(f"no neuron with a bias has id {ident!r}", "neurons")
            check_finite(value, f"neuron {ident!r}.bias")
        old: tuple[dict[str, float], dict[str, float]] = ({}, {})
        new: tuple[dict[str, float], dict[str, float]] = ({}, {})
        for ident, value in weights.items():
            edge = edges[ident]
            if edge.weight != value:
                old[0][ident], edge.weight = edge.weight, float(value)
                new[0][ident] = edge.weight
        for ident, value in biases.items():
            neuron = neurons[ident]
            if neuron.bias != value:
                old[1][ident], neuron.bias = neuron.bias, float(value)
                new[1][ident] = neuron.bias
        if new != ({}, {}):
            self._emit(Change(ChangeKind.PARAMETERS_CHANGED, old=old, new=new))

    def parameters(self) -> tuple[dict[str, float], dict[str, float]]:
        """(weights by edge id, biases by non-input neuron id), as :meth:`set_parameters`
        takes them."""
        return ({e.id: e.weight for e in self.edges},
                {n.id: n.bias for n in self.neurons if n.has_bias})

    def set_samples(self, samples: Iterable[Sample]) -> None:
        new = [s.copy() for s in samples]
        for i, s in enumerate(new):
            check_sample(s, f"samples[{i}]", len(self.inputs), len(self.outputs))
        check_split(new)
        if new != self.samples:
            old, self.samples = self.samples, new
            self._emit(Change(ChangeKind.SAMPLES_CHANGED, old=old, new=new))

    def set_loss(self, loss: str) -> None:
        if loss not in LOSSES:
            raise NetworkError(f"unknown loss {loss!r} (known: {', '.join(LOSSES)})", "loss")
        if loss != self.loss:
            old, self.loss = self.loss, loss
            self._emit(Change(ChangeKind.LOSS_CHANGED, old=old, new=loss))

    def set_training(self, settings: TrainingSettings) -> None:
        check_training(settings)
        if settings != self.training:
            old, self.training = self.training, replace(settings)
            self._emit(Change(ChangeKind.TRAINING_CHANGED, old=replace(old), new=replace(settings)))

    def set_text(self, **texts: str | None) -> None:
        """Set ``name`` and/or ``description`` (``None`` removes one); others stay."""
        for key, value in texts.items():
            if key not in ("name", "description"):
                raise NetworkError(f"unknown text field {key!r}", key)
            if value is not None and not isinstance(value, str):
                raise NetworkError(f"must be a string, not {value!r}", key)
        for key, value in texts.items():
            if getattr(self, key) != value:
                old = getattr(self, key)
                setattr(self, key, value)
                self._emit(Change(ChangeKind.TEXT_CHANGED, field=key, old=old, new=value))

    @staticmethod
    def _assign(target: Neuron | Edge, candidate: Neuron | Edge, kind: ChangeKind,
                ident: str) -> list[Change]:
        """Copy ``candidate``'s fields onto ``target``; return one event per real change."""
        changes = []
        for f in fields(target):
            old, new = getattr(target, f.name), getattr(candidate, f.name)
            if old != new:
                setattr(target, f.name, new)
                changes.append(Change(kind, ident, f.name, old, new))
        return changes
