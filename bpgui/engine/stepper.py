"""The step generator: one pass for one sample as a deterministic list of records.

``iter_steps`` is the single source of the steps that the canvas walks, that
``bpgui trace`` prints and that the handout lists. The order is:

1. forward: the sample's inputs, then each neuron in topological order;
2. the loss (and ∂ℓ/∂ŷ for each output);
3. backward: each neuron in reverse order; every δ is computed once, cached,
   and reused by the steps that follow (each record lists what it reuses);
4. the gradient of each weight and bias;
5. the update of every parameter for this sample by the file's rule (θ ← θ − η·g, or
   a rule's state lines and then θ's, from the rule's initial state:
   :mod:`bpgui.engine.update_text`).

Granularity ``node`` makes one step per neuron, ``edge`` one per product
term, ``layer`` one per topological level in seed 003's matrix form.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from bpgui.engine.layer_steps import layer_steps
from bpgui.engine.loss_steps import loss_step
from bpgui.engine.node_steps import (
    Emit,
    backward_steps,
    forward_steps,
    gradient_steps,
    input_step,
    update_steps,
)
from bpgui.engine.optimizers import optimizer_for
from bpgui.engine.records import (
    GRANULARITIES,
    LOSS_ID,
    Equation,
    EquationsBuilder,
    Quantity,
    StepRecord,
)
from bpgui.engine.walk import Walk, WalkGraph
from bpgui.network.errors import BpguiError
from bpgui.network.model import Network

__all__ = ["Emit", "all_steps", "check_granularity", "final_values", "iter_steps"]


def check_granularity(granularity: str) -> None:
    if granularity not in GRANULARITIES:
        raise BpguiError(f"unknown granularity {granularity!r} "
                         f"(choose {', '.join(GRANULARITIES)})")


def iter_steps(network: Network, sample: int = 0, granularity: str = "node", *,
               graph: WalkGraph | None = None) -> Iterator[StepRecord]:
    """Yield the pass's records one at a time; each computes only what it shows.

    ``graph`` is the network's :class:`~bpgui.engine.walk.WalkGraph` when the caller kept
    it from a pass before an edit of a value (:class:`~bpgui.engine.stepthrough.StepThrough`)."""
    check_granularity(granularity)
    walk = Walk(network, sample, graph)
    operations = walk.operations
    counter = iter(range(1 << 62))

    def emit(phase: str, target: str, reads: tuple[str, ...], writes: tuple[str, ...],
             equations: tuple[Equation, ...] | list[Equation] | EquationsBuilder,
             values: list[tuple[Quantity, float]], reuses: tuple[str, ...] = (),
             notes: tuple[str, ...] = ()) -> StepRecord:
        reused = tuple(dict.fromkeys(reuses))
        return StepRecord(next(counter), phase, granularity, target, tuple(dict.fromkeys(reads)),
                          tuple(dict.fromkeys(writes)), reused,
                          equations if callable(equations) else tuple(equations),
                          tuple(values), tuple(dict.fromkeys(notes)),
                          tuple(r for r in reused if r in operations) if operations else ())

    if granularity == "layer":
        yield from layer_steps(walk, emit)
        return
    fine = granularity == "edge"
    yield input_step(walk, emit)
    for nid in walk.non_inputs():
        yield from forward_steps(walk, emit, nid, fine)
    equations, values = loss_step(walk)
    yield emit("loss", LOSS_ID, tuple(walk.outputs), (LOSS_ID,), equations, values)
    for nid in reversed(walk.order):
        yield from backward_steps(walk, emit, nid, fine)
    for nid in walk.non_inputs():
        yield from gradient_steps(walk, emit, nid, fine)
    optimizer = optimizer_for(network.training)
    for nid in walk.non_inputs():
        yield from update_steps(walk, emit, nid, fine, optimizer)


def all_steps(network: Network, sample: int = 0, granularity: str = "node") -> list[StepRecord]:
    """The whole pass as a list (what the step panel shows)."""
    return list(iter_steps(network, sample, granularity))


def final_values(records: Iterable[StepRecord]) -> dict[Quantity, Any]:
    """Every quantity the pass computed, the last write winning."""
    state: dict[Quantity, Any] = {}
    for r in records:
        state.update(r.values)
    return state
