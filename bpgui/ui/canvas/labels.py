"""Where weight labels sit, so that every one can be read and none covers another.

Greedy and deterministic. A place is free if the label box touches no label placed
before and nothing a neuron draws (circle, δ badge, value lines). Labels are placed in
stages, each for the labels the stages before left without a place:

1. a few fractions along the edge, with a small gap around the box (the places
   labels always had, so a label that fitted there stays where it was);
2. finer fractions along the edge, first with that gap and then without it;
3. beside the edge, off either side, joined to its spot on the edge by a *leader
   line* (where nothing on the edge is free, e.g. where edges cross): first only where
   the box crosses no other edge (it would read as that edge's label) and its leader
   line no label or neuron, then anywhere.

During a pass (labels placed with room for its values, or one placed again because a
value outgrew that room) a label set beside its edge stays inside the *frame*, what the
window shows when fitted to the network idle, and in a small network (up to
:data:`NEAREST_EDGES` edges) it may, as a last resort, take the free place in the frame
nearest its edge.

A network too dense for every label to be readable at once (more than
:data:`FULL_SEARCH_EDGES` edges: a 4-32-32-31-1 layer has two thousand, whose boxes
would cover the screen several times over) gets stage 1 alone, and a label with no
free place there stays hidden until hovered, selected or computed by a step: a wall of
numbers would teach nothing, and searching further cost a stall per edit.

A step shows the labels it computes regardless; those are then placed where they crowd
the others least. Boxes are kept in a grid of buckets, so a check looks only at its
neighbourhood, and stops at the first box it touches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from PySide6.QtCore import QRectF

from bpgui.ui.canvas.edge_item import LABEL_RISE, EdgeItem, LabelPlace
from bpgui.ui.canvas.neuron_item import NeuronItem

CANDIDATES = (0.32, 0.22, 0.45, 0.58, 0.7, 0.15, 0.8)
FINER = tuple(sorted({round(0.1 + 0.04 * i, 2) for i in range(21)} - set(CANDIDATES),
                     key=lambda t: (abs(t - 0.4), t)))
LEADER_AT = (0.32, 0.45, 0.22, 0.58, 0.7, 0.15, 0.8)
GAP = 3.0
NEAREST_EDGES = 60        # up to this many edges, a label may go anywhere in the frame
LATTICE = 12.0
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

    def remove_box(self, box: Box) -> None:
        for key in self._keys(box):
            self.cells[key].remove(box)

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

    def meets(self, segment: Box) -> bool:
        """Whether the segment (x1, y1, x2, y2) meets any stored rectangle."""
        for key in self._keys(_bounds(segment)):
            if any(_segment_meets(segment, box) for box in self.cells.get(key, ())):
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


def _bounds(segment: Box) -> Box:
    """The box around the segment (x1, y1, x2, y2)."""
    x1, y1, x2, y2 = segment
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


class Placement:
    """Where each edge's label goes (None: nowhere free, so it hides), and the boxes and
    neurons they were placed among, so that one label can be placed again alone."""

    def __init__(self, edges: Iterable[EdgeItem], neurons: Iterable[NeuronItem],
                 room: bool, frame: QRectF | None = None, *, now: bool = True) -> None:
        """Place every label now, or (not ``now``) as :meth:`placing` is consumed."""
        self.edges = list(edges)
        self.room = room
        self.grid = Grid()              # the neurons first (see placing), then each label
        self._neurons: list[NeuronItem] | None = list(neurons)
        # Labels set beside their edges stay inside the frame (if any): what the window
        # shows of the network when it is fitted to it.
        self.frame: Box | None = None if frame is None else _box(frame)
        self.places: dict[EdgeItem, LabelPlace | None] = dict.fromkeys(self.edges)
        self.boxes: dict[EdgeItem, Box] = {}
        self._lines: _Lines | None = None
        if now:
            for _ in self.placing():
                pass

    def placing(self) -> Iterator[None]:
        """Place the labels, yielding after each edge looked at: a sliced build
        (:mod:`~bpgui.ui.canvas.scene_build`) places 24,000 labels across turns of
        the event loop. The order, and so every place, is that of placing at once.
        The neurons go in the grid first, a yield each: 1,000 of them took 30 ms."""
        neurons, self._neurons = self._neurons or [], None
        for neuron in neurons:
            add_obstacles(self.grid, neuron, self.room)
            yield
        for stage in self._stages():
            for edge in [e for e, place in self.places.items() if place is None]:
                self._take(edge, stage(edge, self.grid, self.room))
                yield

    def _stages(self) -> list[Callable[[EdgeItem, Grid, bool], Found]]:
        """Stage 1 alone for a dense network; all three otherwise (see the module)."""
        if len(self.edges) > FULL_SEARCH_EDGES:
            return [_usual_place]
        if self._lines is None:
            self._lines = _Lines(self.edges)
        lines, frame = self._lines, self.frame
        stages = [_usual_place, _finer_place, lambda e, g, r: _beside(e, g, r, frame, lines),
                  lambda e, g, r: _beside(e, g, r, frame, None)]
        if frame is not None and len(self.edges) <= NEAREST_EDGES:
            stages += [lambda e, g, r: _nearest(e, g, r, frame, lines),
                       lambda e, g, r: _nearest(e, g, r, frame, None)]
        return stages

    def _take(self, edge: EdgeItem, found: Found) -> bool:
        if found is None:
            return False
        self.places[edge], self.boxes[edge] = found
        self.grid.add_box(found[1])
        return True

    def holds(self, edge: EdgeItem) -> bool:
        """Whether the label, as large as it is now, is inside the box it was placed in."""
        box = self.boxes.get(edge)
        rect = edge.label_rect()
        return box is not None and box[0] <= rect.left() + 0.01 and \
            rect.right() <= box[2] + 0.01 and box[1] <= rect.top() + 0.01 and \
            rect.bottom() <= box[3] + 0.01

    def place_again(self, edge: EdgeItem) -> LabelPlace | None:
        """Find the label, as large as it is now (a step's value outgrew the room kept
        for it), a free place among the others; where it was if there is none."""
        old = self.boxes.pop(edge, None)
        if old is not None:
            self.grid.remove_box(old)
        for stage in self._stages():
            if self._take(edge, stage(edge, self.grid, False)):
                return self.places[edge]
        if old is not None:
            self.boxes[edge] = old
            self.grid.add_box(old)
        return self.places[edge]


Found = tuple[LabelPlace, Box] | None


def _free(grid: Grid, box: Box, gap: float) -> bool:
    return not grid.hits((box[0] - gap, box[1] - gap, box[2] + gap, box[3] + gap))


def _usual_place(edge: EdgeItem, grid: Grid, room: bool) -> Found:
    for t, box in zip(CANDIDATES, edge.label_boxes(CANDIDATES, room), strict=True):
        if _free(grid, box, GAP):
            return (t, 0.0, 0.0), box
    return None


def _finer_place(edge: EdgeItem, grid: Grid, room: bool) -> Found:
    for gap in (GAP, 0.0):
        fractions = FINER if gap else CANDIDATES + FINER
        for t, box in zip(fractions, edge.label_boxes(fractions, room), strict=True):
            if _free(grid, box, gap):
                return (t, 0.0, 0.0), box
    return None


def _inside(box: Box, frame: Box | None) -> bool:
    if frame is None:
        return True
    return frame[0] <= box[0] and box[2] <= frame[2] and frame[1] <= box[1] and \
        box[3] <= frame[3]


def _beside(edge: EdgeItem, grid: Grid, room: bool, frame: Box | None,
            lines: _Lines | None) -> Found:
    """A place off either side of the edge (a leader line will join it), inside the
    ``frame`` if any; with ``lines``, only where the box crosses no other edge, so it cannot be
    read as that edge's."""
    line = edge.line()
    length = line.length()
    if length == 0:
        return None
    width, height = edge.label_size(room)
    nx, ny = -line.dy() / length, line.dx() / length      # across the edge
    reach = abs(nx) * width / 2 + abs(ny) * height / 2     # the box's half-extent across
    for distance in (reach + 12, 2 * reach + 24, 3 * reach + 36):
        for t in LEADER_AT:
            for side in (1.0, -1.0):
                ox, oy = round(side * distance * nx, 1), round(side * distance * ny, 1)
                box = edge.label_box(t, room, ox, oy)
                if _inside(box, frame) and _free(grid, box, GAP) and (
                        lines is None or _clear(edge, t, box, grid, lines)):
                    return (t, ox, oy), box
    return None


def _nearest(edge: EdgeItem, grid: Grid, room: bool, frame: Box,
             lines: _Lines | None) -> Found:
    """The free place in the ``frame`` nearest the middle of the edge, on a lattice (a
    last resort, for small networks: it tries thousands of places)."""
    line = edge.line()
    mid_x, mid_y = line.x1() + line.dx() / 2, line.y1() + line.dy() / 2
    width, height = edge.label_size(room)
    spots = [(frame[0] + width / 2 + i * LATTICE, frame[1] + LABEL_RISE + j * LATTICE)
             for i in range(int((frame[2] - frame[0] - width) // LATTICE) + 1)
             for j in range(int((frame[3] - frame[1] - height) // LATTICE) + 1)]
    spots.sort(key=lambda p: (p[0] - mid_x) ** 2 + (p[1] - mid_y) ** 2)
    for x, y in spots:
        # the spot on the edge nearest the box, where its leader line ends
        t = round(min(max(((x - line.x1()) * line.dx() + (y - line.y1()) * line.dy()) /
                          max(line.dx() ** 2 + line.dy() ** 2, 1e-9), 0.1), 0.9), 3)
        ox, oy = x - (line.x1() + t * line.dx()), y - (line.y1() + t * line.dy())
        box = edge.label_box(t, room, ox, oy)
        if _free(grid, box, GAP) and (lines is None or _clear(edge, t, box, grid, lines)):
            return (t, ox, oy), box
    return None


def _clear(edge: EdgeItem, t: float, box: Box, grid: Grid, lines: _Lines) -> bool:
    """Whether the box crosses no other edge and its leader line (from the box to the
    spot at ``t`` on the edge) crosses no label and nothing a neuron draws."""
    if lines.cross(box, edge):
        return False
    anchor = edge.line().pointAt(t)
    x, y = anchor.x(), anchor.y()
    near = min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3])
    return not grid.meets((x, y, *near))


class _Lines:
    """The edges' lines, bucketed by grid cell, to ask which cross a box."""

    def __init__(self, edges: Iterable[EdgeItem]) -> None:
        self.cells: dict[tuple[int, int], list[tuple[EdgeItem, Box]]] = {}
        for edge in edges:
            line = edge.line()
            segment = line.x1(), line.y1(), line.x2(), line.y2()
            for key in Grid._keys(_bounds(segment)):
                self.cells.setdefault(key, []).append((edge, segment))

    def cross(self, box: Box, own: EdgeItem) -> bool:
        """Whether any edge but ``own`` crosses ``box``."""
        for key in Grid._keys(box):
            for edge, segment in self.cells.get(key, ()):
                if edge is not own and _segment_meets(segment, box):
                    return True
        return False


def _segment_meets(segment: Box, box: Box) -> bool:
    """Whether the segment (x1, y1, x2, y2) meets the box (Liang–Barsky clipping)."""
    x1, y1, x2, y2 = segment
    dx, dy = x2 - x1, y2 - y1
    low, high = 0.0, 1.0
    for p, q in ((-dx, x1 - box[0]), (dx, box[2] - x1), (-dy, y1 - box[1]),
                 (dy, box[3] - y1)):
        if p == 0:
            if q < 0:
                return False
        else:
            r = q / p
            if p < 0:
                low = max(low, r)
            else:
                high = min(high, r)
            if low > high:
                return False
    return True


def place_step_labels(edges: Iterable[EdgeItem], obstacles: Grid) -> None:
    """Place the labels a step shows although they do not fit (it computes them) where
    they cover no neuron or badge (``obstacles``, from :func:`obstacle_grid`) and no
    other such label. They are drawn above the faded labels of the edges the step
    does not touch, so those may lie beneath."""
    placed = Grid()
    for edge in edges:
        if edge.label_fits:
            continue
        best_t = _least_crowded(edge, obstacles, placed)
        edge.set_label_place((best_t, 0.0, 0.0), fits=False)
        placed.add(edge.label_rect_at(best_t, room=True))


def obstacle_grid(neurons: Iterable[NeuronItem], room: bool = True) -> Grid:
    """Where the neurons draw (with ``room``: and will during a pass)."""
    grid = Grid()
    for n in neurons:
        add_obstacles(grid, n, room)
    return grid


def add_obstacles(grid: Grid, neuron: NeuronItem, room: bool) -> None:
    for rect in neuron.obstacles(room):
        grid.add(rect)


def _least_crowded(edge: EdgeItem, grid: Grid, also: Grid) -> float:
    """The fraction along the edge of the first free place (with room for a pass's
    values), or the one least covered by ``grid`` and ``also``."""
    best_t, best_cost = CANDIDATES[0], float("inf")
    for t in CANDIDATES:
        rect = edge.label_rect_at(t, room=True).adjusted(-GAP, -GAP, GAP, GAP)
        cost = grid.overlap(rect) + also.overlap(rect)
        if cost < best_cost:
            best_t, best_cost = t, cost
        if cost == 0:
            break
    return best_t
