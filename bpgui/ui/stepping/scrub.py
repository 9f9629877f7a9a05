"""A weight being scrubbed (Ctrl+wheel, a notch at a time) and the moment it pauses.

A notch must be shown within a frame for the values and gradients to follow the hand.
The views that cost more than that to follow every notch (the paths, the step list's
one-line rows) stay as they were while a scrub runs and catch up once it pauses; the
canvas and the current step follow every notch.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

SCRUB_PAUSE_MS = 150    # a scrub has paused when no notch came for this long


class ScrubPause(QObject):
    """Told of each notch (:meth:`notch`); :attr:`active` until the scrub pauses, when
    :attr:`paused` is emitted once."""

    paused = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.paused)

    def notch(self) -> None:
        """A notch is about to be applied: the scrub runs (again) until it pauses."""
        self._timer.start(SCRUB_PAUSE_MS)

    @property
    def active(self) -> bool:
        return self._timer.isActive()
