"""Graph facts shared by the model, the engine and the GUI: levels, order, cycles.

One source of truth for the step order: neurons sorted by topological level
(inputs at level 0, every other neuron one past its deepest source), ties
broken by file order. Unlike micrograd's ``set``-based walk this order never
changes between runs.
"""

from __future__ import annotations

from collections.abc import Sequence


def topological_levels(
    count: int, is_input: Sequence[bool], edges: Sequence[tuple[int, int]]
) -> list[int]:
    """Level of each neuron (by file index); the graph must be acyclic.

    Inputs sit at level 0. A non-input neuron sits at 1 + the highest level of
    its sources, so a hidden neuron with no incoming edge is at level 1.
    """
    sources: list[list[int]] = [[] for _ in range(count)]
    for s, t in edges:
        sources[t].append(s)
    levels: list[int | None] = [None] * count
    for start in range(count):
        stack = [start]
        while stack:
            node = stack[-1]
            if levels[node] is not None:
                stack.pop()
                continue
            pending = [s for s in sources[node] if levels[s] is None]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            # Every source has its level now (none is pending).
            deepest = max((lvl for s in sources[node] if (lvl := levels[s]) is not None),
                          default=0)
            levels[node] = 0 if is_input[node] else deepest + 1
    return [lvl for lvl in levels if lvl is not None]


def topological_order(levels: Sequence[int]) -> list[int]:
    """File indices sorted by (level, file index): the forward step order."""
    return sorted(range(len(levels)), key=lambda i: (levels[i], i))


def find_cycle(count: int, edges: Sequence[tuple[int, int]]) -> list[int] | None:
    """Indices of the neurons on one directed cycle, in edge order, or None."""
    targets: list[list[int]] = [[] for _ in range(count)]
    for s, t in edges:
        targets[s].append(t)
    white, grey, black = 0, 1, 2
    colour = [white] * count
    parent = [-1] * count
    for root in range(count):
        if colour[root] != white:
            continue
        stack: list[tuple[int, int]] = [(root, 0)]
        colour[root] = grey
        while stack:
            node, next_child = stack[-1]
            if next_child < len(targets[node]):
                stack[-1] = (node, next_child + 1)
                child = targets[node][next_child]
                if colour[child] == white:
                    colour[child] = grey
                    parent[child] = node
                    stack.append((child, 0))
                elif colour[child] == grey:
                    cycle = [node]
                    while cycle[-1] != child:
                        cycle.append(parent[cycle[-1]])
                    return cycle[::-1]
            else:
                colour[node] = black
                stack.pop()
    return None


def reaches(start: int, goal: int, count: int, edges: Sequence[tuple[int, int]]) -> bool:
    """Whether a directed path leads from ``start`` to ``goal``."""
    targets: list[list[int]] = [[] for _ in range(count)]
    for s, t in edges:
        targets[s].append(t)
    seen = {start}
    stack = [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for t in targets[node]:
            if t not in seen:
                seen.add(t)
                stack.append(t)
    return False
