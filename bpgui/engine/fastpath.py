"""Batched forward and backward passes over all samples at once.

A few dense operations per block, never a Python loop over neurons: this is
what the training loop and the dataset numbers use. The stepper computes the
same quantities one neuron at a time for display; tests hold the two equal.

A network with operation nodes (``plan.has_operations``) is computed node by node
by :mod:`bpgui.engine.opgraph`; the one test of that flag is all the ordinary
path pays for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bpgui.engine.opgraph import forward_ops, operation_backward
from bpgui.engine.plan import Plan
from bpgui.network.functions import Array

Rows = NDArray[np.integer[Any]]
"""Indices of the samples an update uses (a minibatch, or one sample in sgd mode)."""


@dataclass
class Forward:
    """Activations ``a`` (samples × columns) and each block's pre-activations ``z``
    (an operation node's block: its operands, samples × operands)."""

    a: Array
    z: list[Array]


@dataclass
class Backward:
    """Mean gradients over the rows used, per block, and ∂L/∂a for every column."""

    weights: list[Array]
    biases: list[Array]
    da: Array             # ∂L/∂a per sample (already divided by the row count)
    # δ = ∂L/∂z of each block per sample (÷ the row count too); None for an operation
    # node's block. Kept because it is made anyway: the level plot reads it for free.
    deltas: list[Array | None] = field(default_factory=list)


def forward(plan: Plan, x: Array) -> Forward:
    """Every column's value over the samples ``x``. With operation nodes, a value that
    is undefined (log of a value ≤ 0, …) raises :class:`~bpgui.engine.opgraph.
    OperationUndefined` naming the node and the sample."""
    if plan.has_operations:
        return Forward(*forward_ops(plan, x))
    a = np.empty((x.shape[0], plan.width))
    a[:, :plan.n_inputs] = x
    zs = []
    for blk in plan.blocks:
        z = a[:, blk.lo:blk.end] @ blk.weights
        z += blk.bias
        zs.append(z)
        blk.activation.into(z, a[:, blk.start:blk.stop])
    return Forward(a, zs)


def outputs(plan: Plan, fw: Forward) -> Array:
    return fw.a[:, plan.output_columns]


def sample_losses(plan: Plan, fw: Forward, y: Array) -> Array:
    return plan.loss.value(outputs(plan, fw), y)


def dataset_loss(plan: Plan, fw: Forward, y: Array) -> float:
    """Mean of the per-sample losses (the spec's dataset loss)."""
    losses = sample_losses(plan, fw, y)
    count: int = losses.shape[0]
    return float(np.add.reduce(losses)) / count   # the same bits as np.mean


def backward(plan: Plan, fw: Forward, y: Array, rows: Rows | None = None, *,
             input_grads: bool = True, da: Array | None = None) -> Backward:
    """Gradients of the mean loss over ``rows`` (all samples when ``None``).

    Training passes ``input_grads=False`` (∂L/∂x is never needed to update
    parameters) and a reusable ``da`` buffer of the right shape.
    """
    a, zs = fw.a, fw.z
    if rows is not None:
        a, zs, y = a[rows], [z[rows] for z in zs], y[rows]
    if da is None or da.shape != a.shape:
        da = np.zeros_like(a)
    else:
        da.fill(0.0)
    cols = plan.output_columns
    da[:, cols] = plan.loss.grad(a[:, cols], y) / a.shape[0]
    first_needed = 0 if input_grads else plan.n_inputs
    g_weights: list[Array] = []          # last block first; reversed at the end
    g_biases: list[Array] = []
    g_deltas: list[Array | None] = []
    for k in range(len(plan.blocks) - 1, -1, -1):
        blk = plan.blocks[k]
        if blk.op is not None:      # an operation node: its own local derivatives (opgraph)
            g_weights.append(operation_backward(blk, a, zs[k], da, first_needed))
            g_biases.append(np.zeros_like(blk.bias))
            g_deltas.append(None)
            continue
        delta = blk.activation.derivative_from(zs[k], a[:, blk.start:blk.stop])
        delta *= da[:, blk.start:blk.stop]
        g_weights.append(a[:, blk.lo:blk.end].T @ delta)
        g_biases.append(np.add.reduce(delta, axis=0))
        g_deltas.append(delta)
        lo = max(blk.lo, first_needed)
        if lo < blk.end:
            da[:, lo:blk.end] += delta @ blk.weights[lo - blk.lo:].T
    g_weights.reverse()
    g_biases.reverse()
    g_deltas.reverse()
    return Backward(g_weights, g_biases, da, g_deltas)


def deltas(plan: Plan, fw: Forward, bw: Backward) -> Array:
    """δ = ∂L/∂z for every non-input column (input columns hold ∂L/∂a, an operation
    node's its cached gradient ∂L/∂v), per sample."""
    out = bw.da.copy()
    for k, blk in enumerate(plan.blocks):
        if blk.op is not None:
            continue
        out[:, blk.start:blk.stop] *= blk.activation.derivative_from(
            fw.z[k], fw.a[:, blk.start:blk.stop])
    return out
