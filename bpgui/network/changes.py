"""What a model mutator changed: :class:`Change` events and their :class:`ChangeKind`.

A :class:`~bpgui.network.model.Network` emits one :class:`Change` for every
value that really changes; observers (the GUI's document, tests) read them to
follow the model. Plain data: no Qt, no NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

# Fields of a neuron or an edge that change how it is drawn, never a value computed
# from the network.
LOOK_FIELDS = frozenset({"x", "y", "label"})


class ChangeKind(Enum):
    """Which part of the network a :class:`Change` is about."""

    NEURON_ADDED = "neuron_added"
    NEURON_REMOVED = "neuron_removed"
    NEURON_CHANGED = "neuron_changed"          # one field of one neuron
    EDGE_ADDED = "edge_added"
    EDGE_REMOVED = "edge_removed"
    EDGE_CHANGED = "edge_changed"              # one field of one edge
    PARAMETERS_CHANGED = "parameters_changed"  # many weights and biases at once
    SAMPLES_CHANGED = "samples_changed"
    LOSS_CHANGED = "loss_changed"
    TRAINING_CHANGED = "training_changed"
    TEXT_CHANGED = "text_changed"              # the network's name or description
    SCENE_ADDED = "scene_added"                # a lesson's scene (a v1 addition)
    SCENE_REMOVED = "scene_removed"
    SCENE_CHANGED = "scene_changed"            # one field of one scene
    SCENE_MOVED = "scene_moved"                # a scene to another place in the lesson


# A lesson's changes say how the network is taught, never what it computes.
LESSON_KINDS = frozenset({ChangeKind.SCENE_ADDED, ChangeKind.SCENE_REMOVED,
                          ChangeKind.SCENE_CHANGED, ChangeKind.SCENE_MOVED})


@dataclass(frozen=True)
class Change:
    """What a mutator changed.

    ``id`` names the neuron or edge and ``field`` the field of a ``*_CHANGED`` kind;
    ``old`` and ``new`` are the values before and after (the item itself for an
    added or removed one). A :attr:`ChangeKind.PARAMETERS_CHANGED` change has no id
    or field; its ``old`` and ``new`` are ``(weights, biases)`` dicts by id, holding
    only the values that really changed. A scene's change has no id: ``SCENE_ADDED`` and
    ``SCENE_REMOVED`` carry ``(index, scene)`` as ``new`` or ``old``, ``SCENE_CHANGED``
    its ``field`` and ``(index, value)`` before and after, ``SCENE_MOVED`` the index
    before and after.
    """

    kind: ChangeKind
    id: str | None = None
    field: str | None = None
    old: Any = None
    new: Any = None

    @property
    def looks_only(self) -> bool:
        """True if the change cannot change any value computed from the network: a
        position, a label, the name or the description, the lesson."""
        return self.kind is ChangeKind.TEXT_CHANGED or self.kind in LESSON_KINDS or (
            self.kind in (ChangeKind.NEURON_CHANGED, ChangeKind.EDGE_CHANGED)
            and self.field in LOOK_FIELDS)
