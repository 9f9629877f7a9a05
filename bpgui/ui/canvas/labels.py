"""Where weight labels sit along their edges, so that no two of them overlap.

Greedy and deterministic: edges in file order each take the first position
along the line (from a short list of fractions) whose label box touches no
label placed before and no neuron. An edge with no free place keeps its label
hidden (hovering or selecting the edge shows it): in a dense layer a wall of
overlapping numbers would teach nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPointF, QRectF

from bpgui.ui.canvas.items import EdgeItem, NeuronItem
from bpgui.ui.theme import NEURON_RADIUS

CANDIDATES = (0.32, 0.22, 0.45, 0.58, 0.7, 0.15, 0.8)


def _overlap(a: QRectF, b: QRectF) -> float:
    inter = a.intersected(b)
    return 0.0 if inter.isEmpty() else inter.width() * inter.height()


def place_labels(edges: Iterable[EdgeItem], neurons: Iterable[NeuronItem]) -> None:
    discs = [QRectF(n.pos() - QPointF(NEURON_RADIUS, NEURON_RADIUS),
                    n.pos() + QPointF(NEURON_RADIUS, NEURON_RADIUS)) for n in neurons]
    placed: list[QRectF] = []
    for edge in edges:
        best_t, best_cost = CANDIDATES[0], float("inf")
        for t in CANDIDATES:
            rect = edge.label_rect_at(t).adjusted(-3, -3, 3, 3)
            cost = sum(_overlap(rect, other) for other in placed) \
                + sum(_overlap(rect, disc) for disc in discs)
            if cost < best_cost:
                best_t, best_cost = t, cost
            if cost == 0:
                break
        edge.set_label_at(best_t)
        edge.set_label_fits(best_cost == 0)
        if best_cost == 0:
            placed.append(edge.label_rect())
