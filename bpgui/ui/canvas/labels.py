"""Where weight labels sit along their edges, so that no two of them overlap.

Greedy and deterministic: edges in turn each take the first position
along the line (from a short list of fractions) whose label box touches no
label placed before and nothing a neuron draws (circle, δ badge, value
lines). An edge with no free place keeps its label hidden (hovering or
selecting the edge shows it): in a dense layer a wall of overlapping numbers
would teach nothing. A step shows the labels it computes regardless; those
are then placed where they crowd the others least. Boxes are kept in a grid
of buckets, so a check only looks at its neighbourhood (thousands of edges
stay fast).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from PySide6.QtCore import QRectF

from bpgui.ui.canvas.edge_item import EdgeItem
from bpgui.ui.canvas.neuron_item import NeuronItem

CANDIDATES = (0.32, 0.22, 0.45, 0.58, 0.7, 0.15, 0.8)
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
        box = _box(rect)
        for key in self._keys(box):
            self.cells.setdefault(key, []).append(box)

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
                width = (right if right < o_right else o_right) - \
                    (left if left > o_left else o_left)
                if width > 0:
                    height = (bottom if bottom < o_bottom else o_bottom) - \
                        (top if top > o_top else o_top)
                    if height > 0:
                        area += width * height
        return area


def _box(rect: QRectF) -> Box:
    return rect.left(), rect.top(), rect.right(), rect.bottom()


def place_labels(edges: Iterable[EdgeItem], neurons: Iterable[NeuronItem],
                 room: bool) -> None:
    """Place every label. With ``room`` (a pass is shown) each box and neuron takes
    the space its pass values will need, so labels are placed once per pass."""
    grid = obstacle_grid(neurons, room)
    for edge in edges:
        best_t, best_cost = _best_place(edge, grid, room)
        edge.set_label_at(best_t)
        edge.set_label_fits(best_cost == 0)
        if best_cost == 0:
            grid.add(edge.label_rect_at(best_t, room=room))


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
        edge.set_label_at(best_t)
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
        rect = edge.label_rect_at(t, room=room).adjusted(-3, -3, 3, 3)
        cost = grid.overlap(rect) + (also.overlap(rect) if also is not None else 0.0)
        if cost < best_cost:
            best_t, best_cost = t, cost
        if cost == 0:
            break
    return best_t, best_cost
