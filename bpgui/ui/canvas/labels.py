"""Where weight labels sit, so that every one can be read and none covers another.

Greedy and deterministic: edges in turn each take the first place whose label box
touches no label placed before and nothing a neuron draws (circle, δ badge, value
lines). The places tried, in order:

1. a few fractions along the edge, with a small gap around the box (the places
   labels always had, so a label that fitted there stays where it was);
2. finer fractions along the edge, first with that gap and then without it;
3. beside the edge, off either side, with a *leader line* from the box to its spot
   on the edge (only where nothing on the edge is free, e.g. where edges cross).

A network too dense for every label to be readable at once (more than
:data:`FULL_SEARCH_EDGES` edges: a 4-32-32-31-1 layer has two thousand, whose boxes
would cover the screen several times over) gets step 1 alone, and a label with no free
place there stays hidden until hovered, selected or computed by a step: a wall of
numbers would teach nothing, and searching further cost a stall per edit.

A step shows the labels it computes regardless; those are then placed where they crowd
the others least. Boxes are kept in a grid of buckets, so a check looks only at its
neighbourhood, and stops at the first box it touches.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from PySide6.QtCore import QRectF

from bpgui.ui.canvas.edge_item import EdgeItem, LabelPlace
from bpgui.ui.canvas.neuron_item import NeuronItem

CANDIDATES = (0.32, 0.22, 0.45, 0.58, 0.7, 0.15, 0.8)
FINER = tuple(sorted({round(0.1 + 0.04 * i, 2) for i in range(21)} - set(CANDIDATES),
                     key=lambda t: (abs(t - 0.4), t)))
LEADER_AT = (0.32, 0.45, 0.22, 0.58, 0.7, 0.15, 0.8)
GAP = 3.0
FULL_SEARCH_EDGES = 400
CELL = 96.0


Box = tuple[float, float, float, float]          # left, top, right, bottom


class Grid:
    """Rectangles bucketed by the grid cells they touch.

    Kept as plain tuples of floats: placing the labels of a dense network makes
    tens of thousands of overlap tests, and QRectF calls cost several times more.
    """

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[Box]] = {}

    @staticmethod
    def _keys(box: Box) -> Iterator[tuple[int, int]]:
        for i in range(int(box[0] // CELL), int(box[2] // CELL) + 1):
            for j in range(int(box[1] // CELL), int(box[3] // CELL) + 1):
                yield i, j

    def add(self, rect: QRectF) -> None:
        self.add_box(_box(rect))

    def add_box(self, box: Box) -> None:
        cells = self.cells
        for key in self._keys(box):
            if key in cells:
                cells[key].append(box)
            else:
                cells[key] = [box]

    def hits(self, box: Box) -> bool:
        """Whether ``box`` overlaps any stored rectangle (a hot path: stops at the first)."""
        left, top, right, bottom = box
        cells = self.cells
        for i in range(int(left // CELL), int(right // CELL) + 1):
            for j in range(int(top // CELL), int(bottom // CELL) + 1):
                for o_left, o_top, o_right, o_bottom in cells.get((i, j), ()):
                    if left < o_right and o_left < right and top < o_bottom and \
                            o_top < bottom:
                        return True
        return False

    def overlap(self, rect: QRectF) -> float:
        """Total area ``rect`` shares with the stored rectangles (each counted once)."""
        left, top, right, bottom = box = _box(rect)
        seen: set[int] = set()
        area = 0.0
        for key in self._keys(box):
            for other in self.cells.get(key, ()):
                if id(other) in seen:
                    continue
                seen.add(id(other))
                o_left, o_top, o_right, o_bottom = other
                width = min(right, o_right) - max(left, o_left)
                if width > 0:
                    height = min(bottom, o_bottom) - max(top, o_top)
                    if height > 0:
                        area += width * height
        return area


def _box(rect: QRectF) -> Box:
    return rect.left(), rect.top(), rect.right(), rect.bottom()


def place_labels(edges: Iterable[EdgeItem], neurons: Iterable[NeuronItem],
                 room: bool) -> dict[EdgeItem, LabelPlace | None]:
    """Where each edge's label goes (None: nowhere free, so it hides). With ``room`` (a
    pass is shown) each box and neuron takes the space its pass values will need."""
    edges = list(edges)
    full = len(edges) <= FULL_SEARCH_EDGES
    grid = obstacle_grid(neurons, room)
    places: dict[EdgeItem, LabelPlace | None] = {}
    for edge in edges:
        found = _free_place(edge, grid, room, full)
        places[edge] = found[0] if found else None
        if found:
            grid.add_box(found[1])
    return places


def _free_place(edge: EdgeItem, grid: Grid, room: bool, full: bool
                ) -> tuple[LabelPlace, Box] | None:
    """The first free place for the label (and its box), in the order the module says."""
    line = edge.line()
    x1, y1, dx, dy = line.x1(), line.y1(), line.dx(), line.dy()
    width, height = edge.label_size(room)
    hits = grid.hits

    def free(cx: float, cy: float, gap: float) -> Box | None:
        """The box centred on the line at (cx, cy), if it and ``gap`` around it are free."""
        left, top = cx - width / 2, cy - 14
        box = left, top, left + width, top + height
        return None if hits((left - gap, top - gap, box[2] + gap, box[3] + gap)) else box

    for t in CANDIDATES:
        if box := free(x1 + t * dx, y1 + t * dy, GAP):
            return (t, 0.0, 0.0), box
    if not full:
        return None
    for gap in (GAP, 0.0):
        for t in FINER if gap else CANDIDATES + FINER:
            if box := free(x1 + t * dx, y1 + t * dy, gap):
                return (t, 0.0, 0.0), box
    length = math.hypot(dx, dy)
    if length == 0:
        return None
    nx, ny = -dy / length, dx / length                 # across the edge
    reach = abs(nx) * width / 2 + abs(ny) * height / 2  # the box's half-extent across it
    for distance in (reach + 12, 2 * reach + 24, 3 * reach + 36):
        for t in LEADER_AT:
            for side in (1.0, -1.0):
                ox, oy = round(side * distance * nx, 1), round(side * distance * ny, 1)
                if box := free(x1 + t * dx + ox, y1 + t * dy + oy, GAP):
                    return (t, ox, oy), box
    return None


def place_step_labels(edges: Iterable[EdgeItem], obstacles: Grid) -> None:
    """Place the labels a step shows although they do not fit (it computes them) where
    they cover no neuron or badge (``obstacles``, from :func:`obstacle_grid`) and no
    other such label. They are drawn above the faded labels of the edges the step
    does not touch, so those may lie beneath."""
    placed = Grid()
    for edge in edges:
        if edge.label_fits:
            continue
        best_t, _ = _best_place(edge, obstacles, room=True, also=placed)
        edge.set_label_place((best_t, 0.0, 0.0), fits=False)
        placed.add(edge.label_rect_at(best_t, room=True))


def obstacle_grid(neurons: Iterable[NeuronItem], room: bool = True) -> Grid:
    """Where the neurons draw (with ``room``: and will during a pass)."""
    grid = Grid()
    for n in neurons:
        for rect in n.obstacles(room):
            grid.add(rect)
    return grid


def _best_place(edge: EdgeItem, grid: Grid, room: bool,
                also: Grid | None = None) -> tuple[float, float]:
    """(fraction along the edge, overlap there) of the first free place, or the least bad;
    the overlap counts ``grid`` and ``also``."""
    best_t, best_cost = CANDIDATES[0], float("inf")
    for t in CANDIDATES:
        rect = edge.label_rect_at(t, room=room).adjusted(-GAP, -GAP, GAP, GAP)
        cost = grid.overlap(rect) + (also.overlap(rect) if also is not None else 0.0)
        if cost < best_cost:
            best_t, best_cost = t, cost
        if cost == 0:
            break
    return best_t, best_cost
