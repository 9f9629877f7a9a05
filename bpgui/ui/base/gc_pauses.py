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
of :func:`settle_long_lived` at the end took 300 ms more. Such a build collects once
at its start, while the dropped network's items are garbage and the new ones do not
exist yet, then calls :func:`freeze_made` after each slice: what it made is out of the
full passes as soon as it is made, and none is needed at the end.
"""

from __future__ import annotations

import gc


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
