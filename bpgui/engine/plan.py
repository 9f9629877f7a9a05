"""Compile a :class:`Network` into dense NumPy blocks for the batched fast path.

Neurons get one column each in an activation matrix ``A`` (samples × neurons),
ordered by topological level and, inside a level, grouped by activation. A
:class:`Block` is one such group: it reads the contiguous columns of every
earlier level it needs and computes ``z = A[:, lo:end] @ W + b`` in one
matrix product. A layered network therefore costs one product per layer, and
skip connections cost nothing extra: they are just more rows of ``W``.

An operation node (issue 14) gets a block of its own, one column wide: its
``weights`` hold its incoming edges' weights as one column, ``operands`` the rows of
those edges in file order (its operands' order), and it has no bias (0, mask 0).
Only networks with operation nodes have such blocks; :mod:`bpgui.engine.opgraph`
computes them, and ``has_operations`` tells the fast path to go there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bpgui.network.errors import BpguiError
from bpgui.network.functions import ACTIVATION_TABLE, LOSS_TABLE, Activation, Array, Loss
from bpgui.network.graph import topological_levels
from bpgui.network.model import Network
from bpgui.network.operations import check_operands


@dataclass
class Block:
    """Neurons of one level sharing an activation; they write columns [start, stop).

    A level with several activations has several blocks; all of them read up
    to the level's first column, so ``end`` may lie before ``start``.
    """

    level: int
    activation: Activation
    start: int
    stop: int
    lo: int               # first column read
    end: int              # reads columns [lo, end): every earlier level, never its own
    weights: Array        # (start - lo, stop - start); zero where there is no edge
    bias: Array           # (stop - start,)
    weight_mask: Array    # 1.0 where a trainable edge exists
    bias_mask: Array      # 1.0 where the bias is trainable
    op: str | None = None                 # an operation node's block: its operation
    param: float | None = None            # its constant (const's value, pow's exponent)
    operands: NDArray[np.intp] | None = None   # rows of its operands, in file order


@dataclass
class Plan:
    """Everything the fast path needs, plus the maps back to ids."""

    ids: list[str]                         # neuron id of each column
    column: dict[str, int]
    n_inputs: int
    output_columns: NDArray[np.intp] | slice  # outputs in file order; a slice when contiguous
    blocks: list[Block]
    loss: Loss
    edge_slot: dict[str, tuple[int, int, int]]   # edge id -> (block, row, col)
    bias_slot: dict[str, tuple[int, int]]        # neuron id -> (block, col); has_bias only
    has_operations: bool = False                 # some block is an operation node's

    @property
    def width(self) -> int:
        return len(self.ids)

    def weights(self) -> dict[str, float]:
        """Current weight of every edge, by id."""
        return {e: float(self.blocks[b].weights[r, c]) for e, (b, r, c) in self.edge_slot.items()}

    def biases(self) -> dict[str, float]:
        """Current bias of every neuron that has one (not inputs, not operations), by id."""
        return {n: float(self.blocks[b].bias[c]) for n, (b, c) in self.bias_slot.items()}

    def apply_to(self, network: Network) -> Network:
        """A copy of ``network`` carrying this plan's current parameters."""
        out = network.copy()
        weights, biases = self.weights(), self.biases()
        for edge in out.edges:
            edge.weight = weights[edge.id]
        for neuron in out.neurons:
            if neuron.has_bias:
                neuron.bias = biases[neuron.id]
        return out


def sample_arrays(network: Network) -> tuple[Array, Array]:
    """The samples as arrays: inputs (n, inputs) and targets (n, outputs)."""
    n, n_in, n_out = len(network.samples), len(network.inputs), len(network.outputs)
    # reshape(n, …), not (-1, …): a graph of constants has no inputs, shape (n, 0)
    x = np.array([s.inputs for s in network.samples], dtype=np.float64).reshape(n, n_in)
    y = np.array([s.targets for s in network.samples], dtype=np.float64).reshape(n, n_out)
    return x, y


def split_arrays(network: Network) -> tuple[tuple[Array, Array], tuple[Array, Array] | None]:
    """The training samples' arrays, and the test samples' (None when there are none):
    what a :class:`~bpgui.engine.training.Trainer` trains on and what it only measures."""
    x, y = sample_arrays(network)
    test = np.array([s.is_test for s in network.samples], dtype=bool)
    if not test.any():
        return (x, y), None
    return (x[~test], y[~test]), (x[test], y[test])


def require_outputs(network: Network) -> None:
    if not network.outputs:
        raise BpguiError("the network has no output neuron, so there is no loss to compute")


def compile_plan(network: Network) -> Plan:
    """Lay out columns and blocks for a validated network."""
    require_outputs(network)
    neurons = network.neurons
    has_operations = any(n.is_operation for n in neurons)
    if has_operations:
        check_operands(neurons, network.edges)
    pairs = network.index_pairs()
    levels = topological_levels(len(neurons), [n.is_input for n in neurons], pairs)
    groups: dict[tuple[int, str], list[int]] = {}
    for i in sorted(range(len(neurons)), key=lambda i: (levels[i], i)):
        act = "" if neurons[i].is_input else neurons[i].activation
        if neurons[i].is_operation:          # a block of its own; no activation is named so
            act = f"op {neurons[i].id}"
        groups.setdefault((levels[i], act), []).append(i)
    order = [i for members in groups.values() for i in members]
    column = {neurons[i].id: c for c, i in enumerate(order)}
    level_start: dict[int, int] = {}
    for c, i in enumerate(order):
        level_start.setdefault(levels[i], c)

    incoming: dict[int, list[int]] = {}
    for e_index, (_, t) in enumerate(pairs):
        incoming.setdefault(t, []).append(e_index)

    blocks: list[Block] = []
    edge_slot: dict[str, tuple[int, int, int]] = {}
    bias_slot: dict[str, tuple[int, int]] = {}
    for (level, act), members in groups.items():
        if level == 0:
            continue
        start = column[neurons[members[0]].id]
        stop = start + len(members)
        sources = [column[neurons[pairs[e][0]].id] for m in members for e in incoming.get(m, [])]
        lo = min(sources, default=level_start[level])
        read_end = level_start[level]
        weights = np.zeros((read_end - lo, stop - start))
        weight_mask = np.zeros_like(weights)
        bias = np.array([neurons[m].bias for m in members], dtype=np.float64)
        bias_mask = np.array([float(neurons[m].train_bias) for m in members])
        b = len(blocks)
        for col, m in enumerate(members):
            if neurons[m].has_bias:
                bias_slot[neurons[m].id] = (b, col)
            for e in incoming.get(m, []):
                edge = network.edges[e]
                row = column[edge.source] - lo
                weights[row, col] = edge.weight
                weight_mask[row, col] = float(edge.trainable)
                edge_slot[edge.id] = (b, row, col)
        node = neurons[members[0]]
        if node.is_operation:
            rows = [column[network.edges[e].source] - lo for e in incoming.get(members[0], [])]
            blocks.append(Block(level, ACTIVATION_TABLE["identity"], start, stop, lo, read_end,
                                weights, bias * 0.0, weight_mask, bias_mask * 0.0, node.op,
                                node.param, np.array(rows, dtype=np.intp)))
            continue
        blocks.append(Block(level, ACTIVATION_TABLE[act], start, stop, lo, read_end, weights,
                            bias, weight_mask, bias_mask))
    columns = np.array([column[n.id] for n in network.outputs], dtype=np.intp)
    outputs: NDArray[np.intp] | slice = columns
    if np.array_equal(columns, np.arange(columns[0], columns[0] + len(columns))):
        outputs = slice(int(columns[0]), int(columns[0]) + len(columns))  # a view, not a copy
    return Plan([neurons[i].id for i in order], column, len(network.inputs), outputs, blocks,
                LOSS_TABLE[network.loss], edge_slot, bias_slot, has_operations)
