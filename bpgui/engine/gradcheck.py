"""Central finite differences against backpropagation, for every parameter.

relative error = |backprop − numeric| / max(|backprop|, |numeric|, FLOOR·max(1, |L|)):
a true relative error for ordinary gradients, and an absolute one below the
floor, where the finite difference itself is only that accurate. Its rounding
error grows like ε_machine·|L|/ε, so the floor grows with the dataset loss L.
"""

from __future__ import annotations

from dataclasses import dataclass

from bpgui.engine.fastpath import backward, dataset_loss, forward
from bpgui.engine.plan import Plan, compile_plan, sample_arrays
from bpgui.network.errors import BpguiError
from bpgui.network.functions import Array
from bpgui.network.model import Network

FLOOR = 1e-4


@dataclass(frozen=True)
class GradientCheck:
    """One parameter: ``name`` is ``w5`` or ``b_h1``."""

    name: str
    backprop: float
    numeric: float
    loss: float = 0.0            # the dataset loss, which scales the floor

    @property
    def difference(self) -> float:
        return abs(self.backprop - self.numeric)

    @property
    def floor(self) -> float:
        return FLOOR * max(1.0, abs(self.loss))

    @property
    def relative_error(self) -> float:
        return self.difference / max(abs(self.backprop), abs(self.numeric), self.floor)


def check_gradients(network: Network, eps: float = 1e-6) -> list[GradientCheck]:
    """Compare the dataset gradient of every weight and bias with (L(θ+ε) − L(θ−ε)) / 2ε."""
    if not eps > 0:
        raise BpguiError(f"--eps must be a positive number, not {eps!r}")
    if not network.samples:
        raise BpguiError("the network has no samples, so the dataset loss is undefined")
    plan = compile_plan(network)
    x, y = sample_arrays(network)
    fw = forward(plan, x)
    grads = backward(plan, fw, y)
    loss = dataset_loss(plan, fw, y)

    def loss_with(array: Array, index: tuple[int, ...], value: float) -> float:
        """The dataset loss with one entry of a block's weights or bias set to ``value``."""
        old = array[index]
        array[index] = value
        try:
            return dataset_loss(plan, forward(plan, x), y)
        finally:
            array[index] = old

    results = []
    for edge in network.edges:
        b, r, c = plan.edge_slot[edge.id]
        blk = plan.blocks[b]
        w = blk.weights[r, c]
        numeric = (loss_with(blk.weights, (r, c), w + eps)
                   - loss_with(blk.weights, (r, c), w - eps)) / (2 * eps)
        results.append(GradientCheck(edge.id, float(grads.weights[b][r, c]), numeric, loss))
    for neuron in network.neurons:
        if not neuron.has_bias:              # inputs and operation nodes have no bias
            continue
        b, c = plan.bias_slot[neuron.id]
        blk = plan.blocks[b]
        v = blk.bias[c]
        numeric = (loss_with(blk.bias, (c,), v + eps) - loss_with(blk.bias, (c,), v - eps)) \
            / (2 * eps)
        results.append(GradientCheck(f"b_{neuron.id}", float(grads.biases[b][c]), numeric,
                                     loss))
    return results


def dataset_gradients(plan: Plan, network: Network) -> tuple[float, dict[str, float],
                                                             dict[str, float]]:
    """Dataset loss and mean gradients by id, from the fast path."""
    x, y = sample_arrays(network)
    fw = forward(plan, x)
    grads = backward(plan, fw, y)
    weights = {e: float(grads.weights[b][r, c]) for e, (b, r, c) in plan.edge_slot.items()}
    biases = {n: float(grads.biases[b][c]) for n, (b, c) in plan.bias_slot.items()}
    return dataset_loss(plan, fw, y), weights, biases
