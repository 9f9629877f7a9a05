"""Shows the session's pass on the canvas: values, emphasis, the δ cache, and flashes.

After every step it gives each item the values visible at the cursor, marks
what the current step computes (highlight) and reads (green), dims the rest,
and lights the δ badges the step reuses from the cache. In an operation graph, from the
backward pass on, a node whose value feeds several nodes is marked, so the sum of its
gradients shows (the fork rule). After an edit it
flashes every item whose visible value changed, with old → new in its tooltip.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer

from bpgui.engine.records import LOSS_ID, Quantity, StepRecord
from bpgui.network.changes import Change, ChangeKind
from bpgui.network.numbers import fmt
from bpgui.ui.canvas.look import DIM, FLASH_SECONDS, NORMAL, READ, TARGET
from bpgui.ui.canvas.scene import NetworkScene
from bpgui.ui.stepping.session import StepSession

EDGE_KINDS = ("grad_w", "term", "back_term", "local", "weight")
BACKWARD = ("backward", "gradient", "update")   # phases in which a fork's sum shows
MAX_FORCED_LABELS = 40


def _by_id(state: dict[Quantity, float], ids: set[str] | None
           ) -> dict[str, dict[str, float]]:
    """The values in ``state`` of each of ``ids`` (None: of every id), by kind."""
    by_id: dict[str, dict[str, float]] = {}
    for q, value in state.items():
        if ids is None or q.id in ids:
            by_id.setdefault(q.id, {})[q.kind] = value
    return by_id


class StepPresenter(QObject):
    def __init__(self, session: StepSession, scene: NetworkScene) -> None:
        super().__init__(scene)
        self.session = session
        self.scene = scene
        # What the items show now, so a refresh visits only what changed.
        self._state: dict[Quantity, float] = {}
        # The same values by id, made when a step forward needs them (None: not yet).
        self._values: dict[str, dict[str, float]] | None = {}
        self._seen: tuple[object, int] = (None, 0)        # (records, position) refreshed
        self._touched: frozenset[str] = frozenset()
        self._key: tuple[bool, int] | None = None
        self._stale = True
        self._forks: dict[str, int] = {}       # the nodes marked as forks, and how many
        self.hinted: frozenset[str] = frozenset()   # a practice hint's ids, shown as read
        self._hint_lit: frozenset[str] = frozenset()  # ... and its cached δ badges lit
        self._unflash = QTimer(self)
        self._unflash.setSingleShot(True)
        # A coarse timer may fire 5 % early, while the items still say they flash.
        self._unflash.setTimerType(Qt.TimerType.PreciseTimer)
        self._unflash.timeout.connect(self._end_flash)
        self._flashed: set[str] = set()         # ids flashed since the flash last ended
        self._flash_ends = 0.0                  # time.monotonic() when the last flash ends
        session.changed.connect(self.refresh)
        session.edited.connect(self.flash)
        scene.rebuilt.connect(self._on_rebuilt)
        session.document.changed.connect(self._on_model_change)
        self.refresh()

    def refresh(self) -> None:
        """Give every item whose values or emphasis changed its new look.

        Only those items are visited: on a dense network a step changes a few dozen
        of thousands, and visiting them all cost more than drawing them.
        """
        session, scene = self.session, self.scene
        current = session.current
        touched = frozenset(current.reads) | frozenset(current.writes) if current else frozenset()
        key = (current is None, session.digits)
        records, position = session.records, session.position
        also = None if key != self._key or self._stale else touched | self._touched
        dirty: set[str] | None
        if also is not None and self._seen[0] is records and self._seen[1] <= position:
            dirty, by_id = self._advance(records[self._seen[1]:position], also)
        else:
            dirty, by_id = self._read_all(session.state(), also)
        self._touched, self._key, self._stale = touched, key, False
        self._seen = (records, position)
        digits = session.digits

        hinted = self.hinted
        writes = frozenset(current.writes) if current else frozenset()   # a layer's: 1,000

        def emphasis(ident: str) -> str:
            if ident in hinted:
                return READ
            if current is None:
                return NORMAL
            if ident in writes:
                return TARGET
            return READ if ident in touched else DIM

        reused = (set(current.reuses) if current else set()) | self._hint_lit
        for nid in scene.neuron_items if dirty is None else dirty & scene.neuron_items.keys():
            scene.neuron_items[nid].set_step(by_id.get(nid, {}), emphasis(nid), nid in reused,
                                             digits)
        # The labels of the edges a step computes show even where they do not fit, unless
        # the step computes so many (a layer's matrix) that they would bury each other.
        forced = set(current.writes) if current and len(current.writes) <= MAX_FORCED_LABELS \
            else set()
        with scene.strokes.batch():
            for eid in scene.edge_items if dirty is None else dirty & scene.edge_items.keys():
                got = by_id.get(eid)
                values = {k: v for k, v in got.items() if k in EDGE_KINDS} if got else {}
                scene.edge_items[eid].set_step(values, emphasis(eid), digits, eid in forced)
        self._mark_forks()
        loss = self._state.get(Quantity("loss", LOSS_ID))
        scene.loss_item.set_step(loss, emphasis(LOSS_ID), digits)
        scene.set_pass_shown(current is not None)
        scene.place_step_labels(forced)

    def _advance(self, records: Sequence[StepRecord], also: frozenset[str]
                 ) -> tuple[set[str], dict[str, dict[str, float]]]:
        """Add what ``records`` (the steps since the last refresh) wrote to the state
        shown. Return the ids to visit: those the records wrote to, and ``also``; and
        their values, by id.

        The state after a step is the state before it plus what the step wrote
        (:meth:`StepThrough.state <bpgui.engine.stepthrough.StepThrough.state>`), so a step
        forward reads only its own values: reading the whole state again grew with the
        pass, to about 30 ms of a late 80 ms step on a 1,000-neuron network.
        """
        state = self._state
        values = self._values if self._values is not None else _by_id(state, None)
        self._values = values
        dirty = set(also)
        for record in records:
            state.update(record.values)
            written: dict[str, dict[str, float]] = {}
            for q, value in record.values:
                written.setdefault(q.id, {})[q.kind] = value
            for ident, kinds in written.items():
                # A new dict, never changed in place: an item keeps the one it was given.
                values[ident] = {**values.get(ident, {}), **kinds}
            dirty.update(written)
        return dirty, {i: values[i] for i in dirty if i in values}

    def _read_all(self, state: dict[Quantity, float], also: frozenset[str] | None
                  ) -> tuple[set[str] | None, dict[str, dict[str, float]]]:
        """Take ``state`` as the state shown. Return the ids to visit: those whose values
        differ from the ones shown before, and ``also`` (None: every item); and their
        values, by id.

        The values of the other ids are left to be found when a step forward needs
        them: an edit, which comes here, must not pay for them.
        """
        dirty: set[str] | None = None
        if also is not None:
            dirty = {q.id for q in state.keys() ^ self._state.keys()}
            dirty.update(q.id for q, v in state.items() if self._state.get(q, v) != v)
            dirty |= also
        by_id = _by_id(state, dirty)
        self._state, self._values = state, by_id if dirty is None else None
        return dirty, by_id

    def set_hint(self, ids: tuple[str, ...], lit: tuple[str, ...] = ()) -> None:
        """Highlight ``ids`` (what a practice hint points at) and light the δ badges of
        ``lit``; ``()`` takes the highlight away."""
        if (frozenset(ids), frozenset(lit)) != (self.hinted, self._hint_lit):
            self.hinted, self._hint_lit = frozenset(ids), frozenset(lit)
            self._stale = True
            self.refresh()

    def _mark_forks(self) -> None:
        """From the backward pass on, mark each node of an operation graph whose value
        feeds more than one node: its gradient is the sum of one term per node it feeds.
        (In a layered network of neurons every hidden neuron forks, and its δ formula
        already prints the sum, so only operation graphs are marked.)"""
        current = self.session.current
        marked: dict[str, int] = {}
        if current is not None and current.phase in BACKWARD:
            marked = {nid: item.fanout for nid, item in self.scene.neuron_items.items()
                      if item.fanout > 1}
        if marked == self._forks:
            return
        for nid in marked.keys() | self._forks.keys():
            if nid in self.scene.neuron_items:
                self.scene.neuron_items[nid].set_forks(marked.get(nid, 0))
        self._forks = marked

    def _on_rebuilt(self) -> None:
        self._stale = True
        self._forks = {}                          # the new items carry no marks
        self.refresh()

    def _on_model_change(self, change: Change) -> None:
        """Per change, not per command: a new or renamed item must be known before the
        session's rebuild (on :attr:`Document.edited`) asks for a refresh."""
        if change.kind in (ChangeKind.NEURON_ADDED, ChangeKind.EDGE_ADDED) \
                or change.field == "id":
            self._stale = True           # a new or renamed item: visit everything once

    def flash(self, changed: dict[Quantity, tuple[Any, Any]]) -> None:
        """Mark every item whose visible value an edit changed."""
        digits = self.session.digits
        notes: dict[str, list[str]] = {}
        for q, (old, new) in changed.items():
            if q.kind in ("term", "back_term"):
                continue
            before = "—" if old is None else fmt(old, digits)
            after = "—" if new is None else fmt(new, digits)
            notes.setdefault(q.id, []).append(f"{q.kind} {before} → {after}")
        for ident, lines in notes.items():
            item = self.scene.neuron_items.get(ident) or self.scene.edge_items.get(ident)
            if item is not None:
                item.flash("; ".join(lines))
        self._flashed.update(notes)
        self._flash_ends = time.monotonic() + FLASH_SECONDS
        self._unflash.start(round(FLASH_SECONDS * 1000) + 50)

    def _end_flash(self) -> None:
        """Take the flash off the items an edit marked (only those: on a large network
        redrawing every item stalled the window a second after each edit).

        A timer that fires before the flash is over waits out the rest: the items
        would otherwise repaint still flashing and keep their ring.
        """
        left = self._flash_ends - time.monotonic()
        if left > 0:
            self._unflash.start(math.ceil(left * 1000) + 20)
            return
        for ident in self._flashed:
            if ident in self.scene.neuron_items:
                self.scene.neuron_items[ident].update()
            elif ident in self.scene.edge_items:
                self.scene.edge_items[ident].refresh_look()
        self._flashed.clear()
