"""The scene's weight-label places: made once per network, applied as a pass comes and goes.

Both placements (:class:`~bpgui.ui.canvas.labels.Placement`) are made whenever items
come, go or move: idle, and with room for a pass's values. Starting or ending a pass
then only moves labels to where they were worked out; placing two thousand labels at
the first step of a pass was a stall a class saw. A step's labels are looked at alone:
one whose value outgrew the room kept for it is placed again, and those the step shows
although they do not fit are put where they crowd the others least.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from PySide6.QtCore import QRectF

from bpgui.ui.canvas.edge_item import EdgeItem
from bpgui.ui.canvas.labels import (
    FULL_SEARCH_EDGES,
    Grid,
    Placement,
    obstacle_grid,
    place_step_labels,
)
from bpgui.ui.canvas.neuron_item import NeuronItem


class LabelKeeper:
    """Where the weight labels go, idle and during a pass."""

    def __init__(self) -> None:
        self._placements: dict[bool, Placement] = {}
        self._obstacles: Grid | None = None
        # Once every label shows one placement, showing the other moves only the labels
        # whose places differ, or that a step moved (a pass starting on 24,000 edges
        # visited them all); an ordered set.
        self._all_shown = False
        self._differ: dict[EdgeItem, None] = {}

    def arrange(self, edges: list[EdgeItem], neurons: Iterable[NeuronItem],
                pass_shown: bool, fit: Callable[[], QRectF]) -> None:
        """Place every label (in file order), and show the placement for ``pass_shown``.
        ``fit`` gives the rectangle a view fitted to the items shows: labels a pass sets
        beside their edges stay inside the one of the idle places."""
        for _ in self.arranging(edges, neurons, pass_shown, fit):
            pass

    def arranging(self, edges: list[EdgeItem], neurons: Iterable[NeuronItem],
                  pass_shown: bool, fit: Callable[[], QRectF]) -> Iterator[None]:
        """:meth:`arrange`, yielding after each label placed or moved (a large network's
        build runs it across turns of the event loop). A dense network's labels never
        go beside their edges, so it needs no frame (``fit`` walks every item)."""
        neurons = list(neurons)
        idle = Placement(edges, neurons, room=False, now=False)
        yield from idle.placing()
        self._placements, self._all_shown = {False: idle}, False
        yield from self._applying(False)
        frame = fit() if len(edges) <= FULL_SEARCH_EDGES else None
        with_room = Placement(edges, neurons, room=True, frame=frame, now=False)
        yield from with_room.placing()
        self._differ = {e: None for e in edges if idle.places[e] != with_room.places[e]}
        self._placements[True] = with_room
        if pass_shown:
            yield from self._applying(True)
        self._obstacles = None                   # made again when a step needs them

    def apply(self, pass_shown: bool) -> None:
        for _ in self._applying(pass_shown):
            pass

    def _applying(self, pass_shown: bool) -> Iterator[None]:
        placement = self._placements.get(pass_shown)
        if placement is None:                    # a pass shown while a build places
            return
        places = placement.places
        edges = list(self._differ) if self._all_shown and len(self._placements) == 2 \
            else list(places)
        for edge in edges:
            if edge in places:                   # (not an edge a step saw since it went)
                place = places[edge]
                edge.set_label_place(place, fits=place is not None)
                yield
        self._all_shown = True

    def step(self, edges: list[EdgeItem], neurons: Iterable[NeuronItem],
             pass_shown: bool) -> None:
        """The labels of the current step: move those whose values outgrew their room,
        and put those it shows regardless where they crowd the others least."""
        self._differ.update(dict.fromkeys(edges))     # either placement puts them back
        placement = self._placements.get(True)
        for edge in edges:
            if pass_shown and placement is not None and edge.label_fits and \
                    not placement.holds(edge):
                edge.set_label_place(placement.place_again(edge))
        if any(not edge.label_fits for edge in edges):
            if self._obstacles is None:
                self._obstacles = obstacle_grid(neurons)
            place_step_labels(edges, self._obstacles)
