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
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer

from bpgui.engine.records import LOSS_ID, Quantity
from bpgui.network.changes import Change, ChangeKind
from bpgui.network.numbers import fmt
from bpgui.ui.canvas.look import DIM, FLASH_SECONDS, NORMAL, READ, TARGET
from bpgui.ui.canvas.scene import NetworkScene
from bpgui.ui.stepping.session import StepSession
from bpgui.ui.stepping.shown_state import ShownState

EDGE_KINDS = ("grad_w", "term", "back_term", "local", "weight")
BACKWARD = ("backward", "gradient", "update")   # phases in which a fork's sum shows
MAX_FORCED_LABELS = 40


class StepPresenter(QObject):
    def __init__(self, session: StepSession, scene: NetworkScene) -> None:
        super().__init__(scene)
        self.session = session
        self.scene = scene
        # What the items show now, so a refresh visits only what changed.
        self._shown = ShownState()
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
        everything = key != self._key or self._stale
        shown = self._shown
        dirty: set[str] | None
        if not everything and shown.can_follow(records, position):
            dirty = shown.follow(records, position)
        else:
            dirty = shown.replace(records, position, session.state(), compare=not everything)
        if dirty is not None:
            dirty |= touched | self._touched
        by_id = shown.values(dirty)
        self._touched, self._key, self._stale = touched, key, False
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
        loss = shown.state.get(Quantity("loss", LOSS_ID))
        scene.loss_item.set_step(loss, emphasis(LOSS_ID), digits)
        scene.set_pass_shown(current is not None)
        scene.place_step_labels(forced)

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
