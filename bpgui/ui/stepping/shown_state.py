"""The values the canvas shows, following the cursor one step's values at a time.

The state after ``k`` steps is what the first ``k`` records wrote
(:meth:`StepThrough.state <bpgui.engine.stepthrough.StepThrough.state>`), so moving the
cursor through the same records only needs the values of the steps it moves over:
forward it writes them, back it puts back what they overwrote. Reading the whole state
at every step grew with the pass (about 30 ms of a late 80 ms layer step on a
1,000-neuron network). After anything else (an edit, a new setting, a new pass) the
presenter hands over the whole state again with :meth:`ShownState.replace`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bpgui.engine.records import Quantity, StepRecord

Values = dict[str, dict[str, float]]          # an item id's values, by kind


def values_by_id(state: dict[Quantity, float], ids: set[str] | None = None) -> Values:
    """The values in ``state`` of each of ``ids`` (None: of every id), by kind."""
    by_id: Values = {}
    for q, value in state.items():
        if ids is None or q.id in ids:
            by_id.setdefault(q.id, {})[q.kind] = value
    return by_id


class ShownState:
    """The state at the cursor, by quantity (:attr:`state`) and by item id.

    The dicts :meth:`values` returns are never changed afterwards: an item keeps the one
    it is given and compares the next with it to skip a repaint.
    """

    def __init__(self) -> None:
        self.state: dict[Quantity, float] = {}
        self._by_id: Values | None = {}     # made when first needed after a replace
        self._records: object = None
        self._position = 0
        # What each step moved forward over since the last replace overwrote (None:
        # nothing yet), so that moving back puts it back.
        self._undo: list[tuple[tuple[Quantity, float | None], ...]] = []

    def can_follow(self, records: Sequence[StepRecord], position: int) -> bool:
        """Whether :meth:`follow` can get to ``position``: the same records, and not
        further back than the last :meth:`replace`."""
        return records is self._records and self._position - position <= len(self._undo)

    def follow(self, records: Sequence[StepRecord], position: int) -> set[str]:
        """Move to ``position`` of the same records; return the ids whose values the
        steps moved over wrote."""
        ids: set[str] = set()
        state = self.state
        while self._position < position:
            written = records[self._position].values
            self._undo.append(tuple((q, state.get(q)) for q, _ in written))
            ids |= self._write(written)
            self._position += 1
        while self._position > position:
            ids |= self._write(reversed(self._undo.pop()))
            self._position -= 1
        return ids

    def replace(self, records: Sequence[StepRecord], position: int,
                state: dict[Quantity, float], compare: bool = True) -> set[str] | None:
        """Take ``state``, the whole state at ``position`` of ``records``, as shown; return
        the ids whose values differ from before (None without ``compare``)."""
        changed: set[str] | None = None
        if compare:
            old = self.state
            changed = {q.id for q in state.keys() ^ old.keys()}
            changed.update(q.id for q, v in state.items() if old.get(q, v) != v)
        self.state, self._by_id = state, None
        self._records, self._position, self._undo = records, position, []
        return changed

    def values(self, ids: set[str] | None) -> Values:
        """The values of each of ``ids`` (None: of every id), by kind. Without the index
        (just after a replace) a few ids are looked up in the state, not indexed: an
        edit visits only what it changed and must not pay for the rest."""
        if self._by_id is None:
            if ids is not None:
                return values_by_id(self.state, ids)
            self._by_id = values_by_id(self.state)
        by_id = self._by_id
        return by_id if ids is None else {i: by_id[i] for i in ids if i in by_id}

    def _write(self, changes: Iterable[tuple[Quantity, float | None]]) -> set[str]:
        """Set each quantity to its value (None: not written yet) in the state and the
        index; return the ids written to."""
        state = self.state
        if self._by_id is None:
            self._by_id = values_by_id(state)
        by_id = self._by_id
        kinds_of: dict[str, dict[str, float | None]] = {}
        for q, value in changes:
            if value is None:
                state.pop(q, None)
            else:
                state[q] = value
            kinds_of.setdefault(q.id, {})[q.kind] = value
        for ident, kinds in kinds_of.items():
            # A new dict, never changed in place: an item keeps the one it was given.
            merged = dict(by_id.get(ident, {}))
            for kind, value in kinds.items():
                if value is None:
                    merged.pop(kind, None)
                else:
                    merged[kind] = value
            if merged:
                by_id[ident] = merged
            else:
                by_id.pop(ident, None)          # back before its first value
        return set(kinds_of)
