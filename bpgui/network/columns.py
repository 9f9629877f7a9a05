"""Samples follow the graph: an input or output neuron's column in every sample.

When an input or output neuron comes, goes or changes role, its column of
sample values comes, goes or moves with it. These helpers change the samples
in place and return the :class:`~bpgui.network.changes.Change` to emit;
:class:`~bpgui.network.model.Network` emits it once the whole edit is done.
"""

from __future__ import annotations

import copy

from bpgui.network.changes import Change, ChangeKind
from bpgui.network.items import Neuron, Sample


def column_of(neurons: list[Neuron], neuron: Neuron) -> int | None:
    """The neuron's column in samples' inputs or targets (None for hidden ones)."""
    if neuron.role not in ("input", "output"):
        return None
    return [n.id for n in neurons if n.role == neuron.role].index(neuron.id)


def insert_column(samples: list[Sample], neurons: list[Neuron], neuron: Neuron,
                  values: list[float] | None) -> list[Change]:
    """Give ``neuron`` (already among ``neurons``) its column: ``values`` or zeros."""
    column = column_of(neurons, neuron)
    if column is None or not samples:
        return []
    old = copy.deepcopy(samples)
    values = values or [0.0] * len(samples)
    for s, v in zip(samples, values, strict=True):
        (s.inputs if neuron.role == "input" else s.targets).insert(column, v)
    return [Change(ChangeKind.SAMPLES_CHANGED, old=old, new=copy.deepcopy(samples))]


def remove_column(samples: list[Sample], role: str, column: int | None
                  ) -> tuple[list[float], list[Change]]:
    """Take column ``column`` of a neuron of ``role`` out; return its values."""
    if column is None or role == "hidden" or not samples:
        return [], []
    old = copy.deepcopy(samples)
    removed = [(s.inputs if role == "input" else s.targets).pop(column) for s in samples]
    return removed, [Change(ChangeKind.SAMPLES_CHANGED, old=old, new=copy.deepcopy(samples))]


def move_column(samples: list[Sample], neurons: list[Neuron], neuron: Neuron, old_role: str,
                column: int | None) -> list[Change]:
    """A role change: the neuron's old column goes, a zero column comes."""
    _, changes = remove_column(samples, old_role, column)
    return changes + insert_column(samples, neurons, neuron, None)
