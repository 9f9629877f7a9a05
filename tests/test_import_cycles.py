"""No import circles between bpgui's modules.

The layers themselves are import-linter contracts in pyproject.toml, checked by
`make lint`; layers say nothing of two modules of one folder importing each other, so
this test finds every strongly connected component of the module graph that grimp
builds (imports inside functions and under TYPE_CHECKING included) and expects none
with more than one module.
"""

from __future__ import annotations

from collections.abc import Iterator

import grimp


def strongly_connected(graph: grimp.ImportGraph) -> list[set[str]]:
    """Tarjan's algorithm, iterative, over ``graph``'s modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[set[str]] = []
    counter = 0

    def imported_by(module: str) -> Iterator[str]:
        return iter(sorted(graph.find_modules_directly_imported_by(module)))

    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, imported_by(root))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in graph.modules:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, imported_by(child)))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    found.append(component)
    return found


def test_the_finder_finds_a_circle() -> None:
    graph = grimp.ImportGraph()
    for name in ("p.a", "p.b", "p.c", "p.d"):
        graph.add_module(name)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.c")
    graph.add_import(importer="p.c", imported="p.a")
    graph.add_import(importer="p.c", imported="p.d")
    circles = [c for c in strongly_connected(graph) if len(c) > 1]
    assert circles == [{"p.a", "p.b", "p.c"}]


def test_no_module_imports_itself_back() -> None:
    graph = grimp.build_graph("bpgui")
    circles = [sorted(c) for c in strongly_connected(graph) if len(c) > 1]
    assert circles == []
