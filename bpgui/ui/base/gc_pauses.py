"""Keep the garbage collector's full passes out of edits and scrubs.

A window on a large network holds hundreds of thousands of long-lived Python
objects (canvas items, their pens and paths, step records). Every full pass of the
cyclic collector walks all of them: about 35 ms on the 2,175-edge network, landing
in the middle of a weight edit now and then (measured: it set the scrub's maximum).
Once a network is drawn, :func:`settle_long_lived` collects what is garbage and moves
the rest out of the collector's view (``gc.freeze``). Frozen objects are still freed
by reference counting; a dropped network's cycles are collected by the full pass
that runs before the next freeze.
"""

from __future__ import annotations

import gc


def settle_long_lived() -> None:
    """Collect now, then exempt every surviving object from later full passes."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
