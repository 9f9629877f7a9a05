"""Positions for neurons: auto layout by topological level, left to right.

Qt-free so the command line, the sample generator and the GUI's Auto layout
command place neurons identically.
"""

from __future__ import annotations

from bpgui.network.graph import topological_levels
from bpgui.network.model import Network

LAYER_GAP = 280.0
ROW_GAP = 150.0   # room for z under a neuron and the δ badge above the next


def level_positions(network: Network) -> dict[str, tuple[float, float]]:
    """Each neuron's (x, y): one column per level, rows centred on y = 0, file order."""
    neurons = network.neurons
    levels = topological_levels(len(neurons), [n.is_input for n in neurons],
                                network.index_pairs())
    # Outputs go to the last column so the loss node always sits at the right edge.
    last = max(levels, default=0)
    columns: dict[int, list[str]] = {}
    for n, level in zip(neurons, levels, strict=True):
        column = last if n.role == "output" and last > 0 else level
        columns.setdefault(column, []).append(n.id)
    positions: dict[str, tuple[float, float]] = {}
    for column, ids in columns.items():
        top = -(len(ids) - 1) * ROW_GAP / 2
        for row, nid in enumerate(ids):
            positions[nid] = (column * LAYER_GAP, top + row * ROW_GAP)
    return positions


def fill_missing_positions(network: Network) -> None:
    """Give neurons without x/y a place by level (the spec: missing means automatic)."""
    if all(n.x is not None and n.y is not None for n in network.neurons):
        return
    positions = level_positions(network)
    for n in network.neurons:
        if n.x is None or n.y is None:
            n.x, n.y = positions[n.id]
