"""The batched fast path for networks with operation nodes (issue 14): one node at a time,
all samples at once.

A network without operation nodes never comes here: :mod:`bpgui.engine.fastpath` runs
its blocks exactly as before. With operation nodes, :func:`~bpgui.engine.plan.compile_plan`
gives every operation node a block of its own (one column, its incoming weights as a
one-column ``weights`` and the rows of its operands in file order), while neurons keep
their grouped blocks. The passes below walk the blocks in column order (topological), so
a neuron may feed an operation node and an operation node a neuron.

The semantics are the shared plan's: operand k of an operation node is wₖ·(value of its
source), in the order of ``network.edges``; the node's value is ``op(operands)``; its
cached gradient is ∂L/∂v (a neuron's is δ = f′(z)·∂L/∂a), every source gets wₖ·partialₖ·∂L/∂v
added to its ∂L/∂a (the fork rule falls out of the sum), and ∂L/∂wₖ = (source's value)·
partialₖ·∂L/∂v. An operation node has no bias, so its block's bias stays 0 with mask 0.

Why a module of its own: the operation graph's loop is per node and branches on the
node's kind; keeping it out of ``fastpath`` keeps the ordinary path's code (and its
speed, and its bits) exactly what it was.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from bpgui.engine.plan import Block, Plan
from bpgui.network.errors import BpguiError
from bpgui.network.functions import Array
from bpgui.network.numbers import fmt
from bpgui.network.operations import OPERATION_TABLE, Operands, Operation


class OperationUndefined(BpguiError):
    """An operation node has no value for a sample (the log of a value ≤ 0, a division
    by zero, …): one line naming the node and the sample."""


def undefined_error(node: str, op: Operation, ops: Operands, bad: Array) -> OperationUndefined:
    """``node 'l': the logarithm of a value that is not positive (−0.5) in sample 0``.

    The number is the operand that makes it undefined (the divisor of a ``div``, else
    the only operand), in the first sample where it is."""
    sample = int(np.argmax(bad))
    culprit = ops[1] if op.name == "div" else ops[0]
    return OperationUndefined(f"node {node!r}: {op.why} ({fmt(float(culprit[sample]))}) "
                              f"in sample {sample}")


def operands(block: Block, a: NDArray[Any]) -> NDArray[Any]:
    """The operation node's operands, samples × operands: w·(source's value), file order."""
    rows = block.operands
    assert rows is not None
    weights = block.weights[rows, 0]
    if weights.dtype != a.dtype:
        weights = weights.astype(a.dtype)
    result: NDArray[Any] = a[:, block.lo + rows] * weights
    return result


def operate(plan: Plan, block: Block, ops_matrix: NDArray[Any], strict: bool) -> NDArray[Any]:
    """The node's value per sample (a 0-d array for ``const``, to broadcast).

    ``strict``: raise :class:`OperationUndefined` where it has no value (the numbers the
    user reads, and training); otherwise NaN there (the decision boundary map, whose grid
    may well reach where a log has no value).
    """
    op = OPERATION_TABLE[block.op or ""]
    ops = list(ops_matrix.T)
    if op.undefined is not None:
        bad = op.undefined(ops, block.param)
        if bad.any():
            if strict:
                raise undefined_error(plan.ids[block.start], op, ops, bad)
            with np.errstate(all="ignore"):
                return np.where(bad, np.nan, op.value(ops, block.param))
    if strict:
        return op.value(ops, block.param)
    with np.errstate(all="ignore"):
        return op.value(ops, block.param)


def forward_ops(plan: Plan, x: Array, *, strict: bool = True, dtype: Any = np.float64,
                until: int | None = None) -> tuple[NDArray[Any], list[NDArray[Any]]]:
    """Values of every column over all samples, and each block's ``z``: a neuron block's
    pre-activations, an operation block's operands (samples × operands).

    ``dtype`` and ``until`` are for the boundary map (float32; stop once column ``until``
    is known)."""
    a = np.empty((x.shape[0], plan.width), dtype=dtype)
    a[:, :plan.n_inputs] = x
    zs: list[NDArray[Any]] = []
    for blk in plan.blocks:
        if until is not None and blk.start > until:
            break
        if blk.op is None:
            weights, bias = blk.weights, blk.bias
            if dtype is not np.float64:
                weights, bias = weights.astype(dtype), bias.astype(dtype)
            z = a[:, blk.lo:blk.end] @ weights
            z += bias
            blk.activation.into(z, a[:, blk.start:blk.stop])
        else:
            z = operands(blk, a)
            a[:, blk.start] = operate(plan, blk, z, strict)
        zs.append(z)
    return a, zs


def operation_backward(blk: Block, a: Array, ops_matrix: Array, da: Array,
                        first_needed: int) -> Array:
    """One operation node: its weights' gradients, and each operand's share of ∂L/∂v
    added to its source's ∂L/∂a (wₖ·partialₖ·∂L/∂v)."""
    op = OPERATION_TABLE[blk.op or ""]
    upstream = da[:, blk.start]                      # ∂L/∂v, the node's cached gradient
    partials = op.partials(list(ops_matrix.T), a[:, blk.start], blk.param)
    grads = np.zeros_like(blk.weights)
    assert blk.operands is not None
    for k, row in enumerate(blk.operands):
        local = np.broadcast_to(partials[k] * upstream, upstream.shape)   # ∂L/∂operandₖ
        column = blk.lo + int(row)
        grads[row, 0] = np.add.reduce(a[:, column] * local)
        if column >= first_needed:
            da[:, column] += blk.weights[row, 0] * local
    return grads
