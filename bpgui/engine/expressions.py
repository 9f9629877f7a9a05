"""An expression's graph, built and checked before anyone gets it.

``bpgui expr`` and File ▸ New from expression both build the graph with
:func:`bpgui.network.expression_graph.network_from_expression` and then run its pass at
the given values once, so a graph that cannot be computed there (log of −0.5, a division
by zero) is refused with the node's name before a file is written or a document
replaced, rather than opened to fail at its first step.
"""

from __future__ import annotations

from collections.abc import Mapping

from bpgui.engine.fastpath import forward
from bpgui.engine.plan import compile_plan, sample_arrays
from bpgui.network.expression_graph import network_from_expression
from bpgui.network.model import Network


def computable_expression(text: str, at: Mapping[str, float]) -> Network:
    """The graph of ``text`` at the values ``at``; BpguiError (one line, naming the
    node and sample) if the text is refused or its pass is undefined there."""
    network = network_from_expression(text, at)
    x, _ = sample_arrays(network)
    forward(compile_plan(network), x)
    return network
