"""The teaching session: which sample, which granularity, how far through the pass.

It wraps the engine's :class:`~bpgui.engine.stepthrough.StepThrough` (the same
records ``bpgui trace`` prints) for the views. Every model edit that can change
a value regenerates the records once it is done (on :attr:`Document.edited`, so
once per command however many model changes it made) and keeps the cursor where
it was; :attr:`StepSession.edited` then says which visible values changed,
old → new, so the canvas can flash them. Views only read the session and call its
methods; none of them computes a value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from bpgui.engine.records import GRANULARITIES, Quantity, StepRecord
from bpgui.engine.stepthrough import StepThrough
from bpgui.network.errors import BpguiError
from bpgui.network.model import Network
from bpgui.network.numbers import DEFAULT_DIGITS
from bpgui.ui.document.document import Document, Edit


class StepSession(QObject):
    changed = Signal()                 # cursor, records or settings changed: redraw
    edited = Signal(object)            # dict[Quantity, (old, new)] after a model edit
    playing_changed = Signal(bool)

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.sample = 0
        self.granularity = "node"
        self.digits = DEFAULT_DIGITS
        self.walk: StepThrough | None = None
        self.reason = ""                # why stepping is unavailable, when walk is None
        self._ready: StepThrough | None = None     # a first pass built ahead: prepare()
        # Practice mode: whether the pass must stop before record k (to ask for its result).
        self.hold: Callable[[int], bool] | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self.set_speed(2.0)
        document.edited.connect(self._on_edited)
        document.replaced.connect(self._on_replaced)
        self._build()

    # ------------------------------------------------------------- queries
    @property
    def available(self) -> bool:
        return self.walk is not None

    @property
    def position(self) -> int:
        return self.walk.position if self.walk else 0

    @property
    def records(self) -> Sequence[StepRecord]:
        """The pass's records, generated as they are read (a new object after every
        rebuild, so ``is`` tells a view whether to read them again)."""
        return self.walk.records if self.walk else []

    @property
    def current(self) -> StepRecord | None:
        return self.walk.current if self.walk else None

    def state(self) -> dict[Quantity, float]:
        return self.walk.state() if self.walk else {}

    def progress_text(self) -> str:
        """``backward 3 / 8`` and the overall position, for the panel and the status bar."""
        if self.walk is None:
            return self.reason
        phase, index, total = self.walk.progress()
        overall = f"step {self.position} of {len(self.walk)}"
        return overall if phase == "ready" else f"{phase} {index} / {total}  ·  {overall}"

    @property
    def sample_count(self) -> int:
        return len(self.document.network.samples)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    # ------------------------------------------------------------ stepping
    def step(self) -> bool:
        if self.walk is not None and not self.walk.at_end and self.hold is not None \
                and self.hold(self.walk.position):
            self.pause()
            return False
        return self.take_step()

    def take_step(self) -> bool:
        """The next step, asked or not (practice mode, once the question is answered)."""
        if self.walk is None or self.walk.step() is None:
            self.pause()
            return False
        self.changed.emit()
        return True

    def back(self) -> None:
        if self.walk and self.walk.position:
            self.walk.back()
            self.changed.emit()

    def jump(self, position: int) -> None:
        if self.walk and self.hold is not None:     # forward, stop at the first question
            position = next((k for k in range(self.walk.position, position)
                             if self.hold(k)), position)
        if self.walk and position != self.walk.position:
            self.walk.jump(position)
            self.changed.emit()

    def run_to_phase_end(self) -> None:
        if self.walk:
            self.jump(self.walk.phase_end())

    def reset(self) -> None:
        self.pause()
        self.jump(0)

    # ----------------------------------------------------- play and pause
    def set_speed(self, steps_per_second: float) -> None:
        self.speed = max(0.2, min(20.0, steps_per_second))
        self._timer.setInterval(round(1000 / self.speed))

    def play(self) -> None:
        if self.walk and not self.walk.at_end and not self.playing:
            self._timer.start()
            self.playing_changed.emit(True)

    def pause(self) -> None:
        if self.playing:
            self._timer.stop()
            self.playing_changed.emit(False)

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def _tick(self) -> None:
        if not self.step() or (self.walk and self.walk.at_end):
            self.pause()

    # ----------------------------------------------------------- settings
    def set_sample(self, sample: int) -> None:
        if sample == self.sample or not 0 <= sample < max(self.sample_count, 1):
            return
        self.sample = sample
        self._rebuild(sample=sample)

    def next_sample(self) -> None:
        if self.sample_count:
            self.set_sample((self.sample + 1) % self.sample_count)

    def set_granularity(self, granularity: str) -> None:
        if granularity not in GRANULARITIES:
            raise BpguiError(f"unknown granularity {granularity!r}")
        if granularity != self.granularity:
            self.granularity = granularity
            self._rebuild(granularity=granularity)

    def set_digits(self, digits: int) -> None:
        if digits != self.digits:
            self.digits = max(1, min(12, digits))
            self.changed.emit()

    # ------------------------------------------------------- model changes
    def prepare(self, network: Network) -> Callable[[], None]:
        """Build the first pass of ``network``, which is about to replace the document's,
        here: in the worker thread that read it (Qt-free work; a 1,000-neuron network's
        pass held the GUI thread 300 ms). What it returns, called on the GUI thread
        before the replacement, hands the pass over; :meth:`_build` takes it if it is
        still the pass wanted (same network, sample 0, same granularity)."""
        granularity = self.granularity
        try:
            walk: StepThrough | None = StepThrough(network, 0, granularity)
        except BpguiError:
            walk = None                 # built again on the GUI thread, which says why

        def hand_over() -> None:
            self._ready = walk
        return hand_over

    def _build(self) -> None:
        ready, self._ready = self._ready, None
        if ready is not None and ready.network is self.document.network \
                and (ready.sample, ready.granularity) == (self.sample, self.granularity):
            self.walk, self.reason = ready, ""
            return
        try:
            self.walk = StepThrough(self.document.network, self.sample, self.granularity)
            self.reason = ""
        except BpguiError as exc:
            self.walk = None
            self.reason = f"Cannot step through a pass: {exc}"

    def _rebuild(self, **kwargs: Any) -> dict[Quantity, tuple[Any, Any]]:
        if self.walk is None:
            self._build()
            self.changed.emit()
            return {}
        try:
            changed = self.walk.rebuild(self.document.network, **kwargs)
        except BpguiError as exc:
            self.walk = None
            self.reason = f"Cannot step through a pass: {exc}"
            self.pause()
            changed = {}
        self.changed.emit()
        return changed

    def _on_edited(self, edit: Edit) -> None:
        """A command is done: regenerate the records (unless it only moved or relabelled
        items, or changed the network's name or description) and say which visible
        values it changed."""
        if edit.looks_only:
            return
        if self.sample >= self.sample_count:
            self.sample = max(0, self.sample_count - 1)
            kwargs: dict[str, Any] = {"sample": self.sample}
        else:
            kwargs = {}
        changed = self._rebuild(**kwargs)
        if changed:
            self.edited.emit(changed)

    def flush(self) -> None:
        """Nothing to do: the records follow each command as soon as it is done. (Edits
        used to be folded in on the next turn of the event loop, and callers asked for
        them here first.)"""

    def _on_replaced(self) -> None:
        self.pause()
        self.sample = 0
        self._build()
        self.changed.emit()
