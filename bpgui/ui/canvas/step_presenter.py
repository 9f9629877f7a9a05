"""Shows the session's pass on the canvas: values, emphasis, the δ cache, and flashes.

After every step it gives each item the values visible at the cursor, marks
what the current step computes (highlight) and reads (green), dims the rest,
and lights the δ badges the step reuses from the cache. After an edit it
flashes every item whose visible value changed, with old → new in its tooltip.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer

from bpgui.engine.records import LOSS_ID, Quantity
from bpgui.numbers import fmt
from bpgui.ui.canvas.look import DIM, FLASH_SECONDS, NORMAL, READ, TARGET
from bpgui.ui.canvas.scene import NetworkScene
from bpgui.ui.session import StepSession

EDGE_KINDS = ("grad_w", "term", "back_term", "weight")


class StepPresenter(QObject):
    def __init__(self, session: StepSession, scene: NetworkScene) -> None:
        super().__init__(scene)
        self.session = session
        self.scene = scene
        self._reserved = False
        self._unflash = QTimer(self)
        self._unflash.setSingleShot(True)
        self._unflash.timeout.connect(self._end_flash)
        session.changed.connect(self.refresh)
        session.edited.connect(self.flash)
        scene.rebuilt.connect(self._on_rebuilt)
        self.refresh()

    def refresh(self) -> None:
        session, scene = self.session, self.scene
        by_id: dict[str, dict[str, float]] = {}
        for q, value in session.state().items():
            by_id.setdefault(q.id, {})[q.kind] = value
        current = session.current
        touched = set(current.reads) | set(current.writes) if current else set()
        digits = session.digits

        def emphasis(ident: str) -> str:
            if current is None:
                return NORMAL
            if ident in current.writes:
                return TARGET
            return READ if ident in touched else DIM

        reused = set(current.reuses) if current else set()
        for nid, item in scene.neuron_items.items():
            item.set_step(by_id.get(nid, {}), emphasis(nid), nid in reused, digits)
        for eid, item in scene.edge_items.items():
            values = {k: v for k, v in by_id.get(eid, {}).items() if k in EDGE_KINDS}
            item.set_step(values, emphasis(eid), digits)
        loss = by_id.get(LOSS_ID, {}).get("loss")
        scene.loss_item.set_step(loss, emphasis(LOSS_ID), digits)
        # During a pass labels get a second line (∂L/∂w, w·a) and neurons a badge and
        # value lines. Room for all of them is reserved when the pass starts, so the
        # labels are placed once per pass, not on every step (the step's own labels show
        # regardless, see EdgeItem.label_visible).
        reserve = current is not None
        if reserve != self._reserved:
            self._reserved = reserve
            for item in [*scene.edge_items.values(), *scene.neuron_items.values()]:
                item.prepareGeometryChange()
                item.reserve = reserve
            scene.arrange_labels()

    def _on_rebuilt(self) -> None:
        self._reserved = False           # fresh items: reserve (and place) again
        self.refresh()

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
        self._unflash.start(round(FLASH_SECONDS * 1000) + 50)

    def _end_flash(self) -> None:
        for item in [*self.scene.neuron_items.values(), *self.scene.edge_items.values()]:
            item.update()
