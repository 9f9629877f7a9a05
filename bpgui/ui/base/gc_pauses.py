"""Keep the garbage collector's full passes out of edits and scrubs.

A window on a large network holds hundreds of thousands of long-lived Python
objects (canvas items, their pens and paths, step records). Every full pass of the
cyclic collector walks all of them: about 35 ms on the 2,175-edge network, landing
in the middle of a weight edit now and then (measured: it set the scrub's maximum).
Once a network is drawn, :func:`settle_long_lived` collects what is garbage and moves
the rest out of the collector's view (``gc.freeze``). Frozen objects are still freed
by reference counting; a dropped network's cycles are collected by the full pass
that runs before the next freeze.

A large network drawn in slices (:mod:`~bpgui.ui.canvas.scene_build`) makes its
half-million objects across many turns of the event loop; the collector's automatic
full passes walked the growing heap mid-build (up to 300 ms each), and the full pass
of :func:`settle_long_lived` at the end took 300 ms more. Such a build calls
:func:`freeze_made` after each slice: what it made is out of the full passes as
soon as it is made, and none is needed at the end. Nor at its start: the scene lets
go of the items it drops (:func:`~bpgui.ui.canvas.scene._let_go`), so they hold no
cycles and reference counting frees them. A full pass there found nothing to collect
(measured: 0 objects, opening the 1,000-neuron network over itself) and held the
window 90–110 ms walking the network just read. Cyclic garbage among frozen objects
made elsewhere waits for the next :func:`settle_long_lived` (after a network drawn
at once).

Reading a large file makes that many objects again in a worker thread before the
build starts: the automatic full passes it set off there held the GIL, so the GUI
thread too, 7–27 ms each (four in one read), and made the read 150 ms longer. The
read runs inside :func:`collector_paused`, and what it made is frozen at its end (or
the first young pass after it would walk all of it: 40 ms).
"""

from __future__ import annotations

import gc
from contextlib import AbstractContextManager

from bpgui.ui.base.while_any import WhileAny


def settle_long_lived() -> None:
    """Collect now, then exempt every surviving object from later full passes."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def freeze_made() -> None:
    """Exempt every object made since the last freeze from later full passes (cheap: a
    list splice). Garbage among them is freed by reference counting, or at the full
    pass of the next :func:`settle_long_lived` if it is in a cycle."""
    gc.freeze()


class _Pauses(WhileAny):
    """While works run, no automatic collection; the last to end freezes what they made
    (else the next young pass would walk all of it) and turns back on what the first
    found."""

    def __init__(self) -> None:
        super().__init__()
        self._was_enabled = True

    def first(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()

    def last(self) -> None:
        gc.freeze()
        if self._was_enabled:
            gc.enable()


_PAUSES = _Pauses()


def collector_paused() -> AbstractContextManager[None]:
    """No automatic collection (in any thread) while the work inside runs, and what it
    made frozen at its end (as by :func:`freeze_made`): for work that makes many
    long-lived objects and little cyclic garbage. Reference counting still frees the
    rest. Safe to nest and to run in several threads at once."""
    return _PAUSES.held()
