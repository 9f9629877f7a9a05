"""How large the gradients are at each depth of the network: the vanishing-gradient view.

A *level* is a topological level of the DAG (the inputs are level 0; the plan's
blocks already carry theirs). For one update, :class:`LevelGradients` gives each
level k = 1 … N two numbers:

* the mean |δ| over the level's neurons and the update's samples, δ being the
  per-sample ∂ℓ/∂z the Step panel shows (an operation node's: its ∂ℓ/∂v);
* ‖∂L/∂W‖ of the edges *into* the level (trainable ones; L the update's mean loss,
  so these are the gradients the update uses).

It reads what :func:`~bpgui.engine.fastpath.backward` already computed (each block's
δ, ∂L/∂a of every column and the blocks' weight gradients), so recording costs a few
array operations per block, and only when asked for (``Trainer(record_levels=True)``).
"""

from __future__ import annotations

import numpy as np

from bpgui.engine.fastpath import Backward, Forward, Rows
from bpgui.engine.plan import Plan
from bpgui.network.functions import Array


def level_count(plan: Plan) -> int:
    """N: the deepest level (the output's, in a layered network)."""
    return max((blk.level for blk in plan.blocks), default=0)


class LevelGradients:
    """Per-level mean |δ| and weight-gradient norm of one update, for one plan's shape.

    Made once per trainer: the neuron counts per level and the masks are fixed by
    the plan's structure, which training never changes.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.levels = level_count(plan)
        self._slot = [blk.level - 1 for blk in plan.blocks]
        counts = np.zeros(self.levels)
        for blk in plan.blocks:
            counts[blk.level - 1] += blk.stop - blk.start
        self._counts = counts
        # None where every edge into a block trains: its norm then needs no masking.
        self._masks = [None if blk.weight_mask.all() else blk.weight_mask
                       for blk in plan.blocks]

    def __call__(self, fw: Forward, bw: Backward, rows: Rows | None = None
                 ) -> tuple[Array, Array]:
        """(mean |δ|, ‖∂L/∂W‖) per level 1 … N for the update ``backward`` computed from
        ``fw`` over ``rows``.

        ``bw.da`` is ∂L/∂a of the mean loss, so ∂ℓₛ/∂a = m·da over m samples, and the
        mean of |δ| over the samples and a level's n neurons is Σ|da·f′(z)| / n.
        """
        abs_sum = np.zeros(self.levels)
        squares = np.zeros(self.levels)
        da = bw.da
        for k, blk in enumerate(self.plan.blocks):
            slot, mask = self._slot[k], self._masks[k]
            delta = bw.deltas[k]
            if delta is None:                       # an operation node: ∂L/∂v is its δ
                delta = da[:, blk.start:blk.stop]
            abs_sum[slot] += np.add.reduce(np.abs(delta), axis=None)
            g = bw.weights[k]
            squares[slot] += np.vdot(g if mask is None else g * mask, g)
        return abs_sum / self._counts, np.sqrt(squares)
