"""The decision boundary: a network's output (or one neuron) over the plane of its 2 inputs.

The grid of input points is pushed through the plan's blocks in one batched
forward pass, as the fast path does, but in single precision: NumPy's float64
``tanh`` is scalar code while its float32 one is vectorised, which makes a
96×96 map of a 2-8-8-1 network about four times cheaper (≈1.2 ms instead of
≈5 ms), cheap enough to redraw ten times a second while training. A colour
needs nowhere near the seven digits float32 keeps; the maps are returned as
float64. A training session passes its own :class:`Plan`, whose parameters
move while the network's do not yet; the map always reads the plan's.

Arrays are laid out the way an image is: row ``i`` is the ``i``-th y value
(from ``y_min`` up), column ``j`` the ``j``-th x value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bpgui.engine.opgraph import forward_ops
from bpgui.engine.plan import Plan, compile_plan
from bpgui.network.errors import BpguiError
from bpgui.network.functions import Array
from bpgui.network.model import Network, Neuron

Extent = tuple[float, float, float, float]          # (x_min, x_max, y_min, y_max)

# Activations whose output is bounded: their maps use the whole natural range,
# so the colour of a value means the same thing at every iteration of training.
NATURAL_RANGES: dict[str, tuple[float, float]] = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


@dataclass(frozen=True, eq=False)   # eq=False: arrays have no single truth value
class BoundaryMap:
    """One map over the input plane, ready to be coloured.

    ``kind`` is ``"value"`` (one output, or one neuron: ``values`` is its
    activation) or ``"classes"`` (several outputs: ``classes`` is the argmax,
    ``values`` the winner's softmax probability, or its activation when the
    loss is not softmax cross-entropy). ``value_range`` is what the colour map
    spans. The arrays are read-only.
    """

    kind: str
    values: Array
    classes: NDArray[np.intp] | None
    extent: Extent
    neuron: str | None
    value_range: tuple[float, float]


def value_range(values: Array, activation: str | None = None) -> tuple[float, float]:
    """The colour map's span: an activation's natural range, else the finite data's min/max.

    A span of zero (a constant map) is widened by ½ either side so that a colour
    map never divides by zero; with no finite value at all it is (−1, 1).
    """
    if activation in NATURAL_RANGES:
        return NATURAL_RANGES[activation]
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return (-1.0, 1.0)
    lo, hi = float(finite.min()), float(finite.max())
    if not hi - lo > 1e-12 * max(1.0, abs(lo), abs(hi)):
        return (lo - 0.5, hi + 0.5)
    return (lo, hi)


def require_two_inputs(network: Network) -> None:
    """The map is over a plane, so exactly two input neurons; and it needs an output."""
    n = len(network.inputs)
    if n != 2:
        raise BpguiError(f"the decision boundary needs exactly 2 inputs; this network has {n}")
    if not network.outputs:
        raise BpguiError("the decision boundary needs an output neuron; this network has none")


def _axis_range(column: Array, margin: float) -> tuple[float, float]:
    finite = column[np.isfinite(column)]
    if finite.size == 0:
        return (-1.0, 1.0)
    lo, hi = float(finite.min()), float(finite.max())
    span = hi - lo
    if span <= 0.0:
        return (lo - 1.0, lo + 1.0)   # no spread: a unit either side of the one value
    return (lo - margin * span, hi + margin * span)


def input_extent(network: Network, margin: float = 0.15) -> Extent:
    """The samples' range on each input axis, widened by ``margin`` × its span each side.

    An axis without spread gets ±1 around its one value, and with no samples
    (−1, 1), so the plane is never empty.
    """
    points = np.array([s.inputs[:2] for s in network.samples if len(s.inputs) >= 2],
                      dtype=np.float64).reshape(-1, 2)
    return (*_axis_range(points[:, 0], margin), *_axis_range(points[:, 1], margin))


@lru_cache(maxsize=8)
def grid(extent: Extent, resolution: int) -> tuple[Array, Array, Array]:
    """(xs, ys, points): the axes and every grid point, row by row from y_min up.

    Cached because during training the extent and resolution do not change
    while the map is recomputed ten times a second. The arrays are read-only.
    """
    x_min, x_max, y_min, y_max = extent
    xs = np.linspace(x_min, x_max, resolution)
    ys = np.linspace(y_min, y_max, resolution)
    points = np.empty((resolution * resolution, 2))
    points[:, 0] = np.tile(xs, resolution)
    points[:, 1] = np.repeat(ys, resolution)
    for array in (xs, ys, points):
        array.setflags(write=False)
    return xs, ys, points


def _frozen(array: NDArray[Any], shape: tuple[int, int],
            dtype: type = np.float64) -> NDArray[Any]:
    """A read-only copy of its own: a column view would keep the whole pass alive."""
    out: NDArray[Any] = np.array(array, dtype=dtype).reshape(shape)
    out.setflags(write=False)
    return out


def forward32(plan: Plan, x: Array, until: int | None = None) -> NDArray[np.float32]:
    """``fastpath.forward``'s activations, in float32 and without keeping ``z``.

    Same blocks, same activation functions and the plan's current parameters,
    so it moves with a training session's plan. With ``until`` (a column) it
    stops once that column is known: blocks come in column order, and no block
    reads a column written after its own. With operation nodes, a point where a value
    is undefined (the log of a value ≤ 0) maps to NaN: a map has no sample to name.
    """
    if plan.has_operations:
        a32: NDArray[np.float32] = forward_ops(plan, x, strict=False, dtype=np.float32,
                                               until=until)[0]
        return a32
    a = np.empty((x.shape[0], plan.width), dtype=np.float32)
    a[:, :plan.n_inputs] = x
    for blk in plan.blocks:
        if until is not None and blk.start > until:
            break
        z = a[:, blk.lo:blk.end] @ blk.weights.astype(np.float32)
        z += blk.bias.astype(np.float32)
        blk.activation.into(z, a[:, blk.start:blk.stop])
    return a


def _shape_of(node: Neuron) -> str:
    """What bounds a node's values: its activation, or an operation node's operation
    (its ``sigmoid`` and ``tanh`` have the activations' ranges; its activation field
    is unused)."""
    return node.op if node.op is not None else node.activation


def _as_extent(extent: tuple[float, float, float, float]) -> Extent:
    x_min, x_max, y_min, y_max = (float(v) for v in extent)
    if not (x_min < x_max and y_min < y_max):
        raise BpguiError(f"the extent {extent} is empty: it needs x_min < x_max and y_min < y_max")
    return (x_min, x_max, y_min, y_max)


def plan_matches(network: Network, plan: Plan) -> bool:
    """Whether ``plan`` has a column for exactly this network's neurons and a slot for
    exactly its edges.

    A training session's plan goes stale when the network is edited; its
    parameters would then land on the wrong neurons, or nowhere.
    """
    return plan.n_inputs == len(network.inputs) \
        and set(plan.column) == {n.id for n in network.neurons} \
        and set(plan.edge_slot) == {e.id for e in network.edges}


def boundary_map(network: Network, plan: Plan | None = None, neuron: str | None = None,
                 resolution: int = 96, extent: Extent | None = None) -> BoundaryMap:
    """The outputs (``neuron=None``) or one neuron's activation over the input plane.

    ``plan`` defaults to ``compile_plan(network)``; when given, its parameters
    are used, not the network's. ``extent`` defaults to :func:`input_extent`.
    """
    require_two_inputs(network)
    if resolution < 2:
        raise BpguiError(f"the map needs a resolution of at least 2, not {resolution}")
    if neuron is not None and not network.has_neuron(neuron):
        raise BpguiError(f"there is no neuron {neuron!r} to map")
    if plan is None:
        plan = compile_plan(network)
    elif not plan_matches(network, plan):
        raise BpguiError("the plan was compiled for another network; compile it again")
    box = input_extent(network) if extent is None else _as_extent(extent)
    xs, ys, points = grid(box, resolution)
    shape = (resolution, resolution)

    if neuron is not None and network.neuron(neuron).is_input:
        axis = plan.column[neuron]           # inputs hold columns 0 and 1, in file order
        coordinate = np.broadcast_to(xs[None, :] if axis == 0 else ys[:, None], shape)
        values = _frozen(coordinate, shape)
        return BoundaryMap("value", values, None, box, neuron, value_range(values))

    with np.errstate(over="ignore", invalid="ignore"):   # huge weights: inf, not an error
        column = None if neuron is None else plan.column[neuron]
        a = forward32(plan, points, column)
        if neuron is not None:
            values = _frozen(a[:, plan.column[neuron]], shape)
            activation = _shape_of(network.neuron(neuron))
            return BoundaryMap("value", values, None, box, neuron,
                               value_range(values, activation))
        outputs = a[:, plan.output_columns]
        activations = {_shape_of(n) for n in network.outputs}
        shared = activations.pop() if len(activations) == 1 else None
        if outputs.shape[1] == 1:
            values = _frozen(outputs[:, 0], shape)
            return BoundaryMap("value", values, None, box, None, value_range(values, shared))
        winner = np.argmax(outputs, axis=1)
        best = outputs[np.arange(outputs.shape[0]), winner]
        if plan.loss.name == "softmax_ce":
            # the largest softmax probability is 1 / Σ_k e^(ŷ_k − max ŷ)
            best = 1.0 / np.add.reduce(np.exp(outputs - best[:, None]), axis=1)
            span = (1.0 / outputs.shape[1], 1.0)   # the winner has at least 1/K
        else:
            span = value_range(best, shared)
    values = _frozen(best, shape)
    return BoundaryMap("classes", values, _frozen(winner, shape, np.intp), box, None, span)
