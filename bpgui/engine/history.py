"""The loss history of a training session, in growing NumPy buffers.

A run of 10⁶ iterations must plot smoothly, so the history is kept as arrays
that plots take views of (no Python float per point to convert at every
frame). Entry t of :attr:`History.losses` is the dataset loss after t updates
(entry 0 before any), as in the spec; entry t of :attr:`History.gradient_norms`
is ‖g‖ of update t + 1, the gradient the update used, and so is row t of
:attr:`History.level_deltas` and :attr:`History.level_weight_norms` (that update's
mean |δ| and ‖∂L/∂W‖ per level, :mod:`bpgui.engine.gradient_levels`). Entry t of
:attr:`History.test_losses` is the test samples' loss after t updates (NaN where
the network had no test samples), so the two loss curves share their iteration axis.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np

from bpgui.network.functions import Array

CSV_PIECE_ROWS = 5_000   # rows per piece of csv_pieces(): a few milliseconds' work


class _Buffer:
    """An array that grows by doubling; :attr:`view` is what has been written."""

    def __init__(self, width: int | None = None) -> None:
        self._shape_tail = () if width is None else (width,)
        self._data = np.empty((1024, *self._shape_tail))
        self.size = 0

    def extend(self, rows: Sequence[float] | Sequence[Array] | Array) -> None:
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, *self._shape_tail)
        need = self.size + rows.shape[0]
        if need > self._data.shape[0]:
            grown = np.empty((max(need, 2 * self._data.shape[0]), *self._shape_tail))
            grown[:self.size] = self._data[:self.size]
            self._data = grown
        self._data[self.size:need] = rows
        self.size = need

    @property
    def view(self) -> Array:
        return self._data[:self.size]


class History:
    """Losses, gradient norms and (optionally) every sample's loss, per iteration."""

    def __init__(self, samples: int | None = None, levels: int | None = None) -> None:
        self._losses = _Buffer()
        self._norms = _Buffer()
        self._tests = _Buffer()
        self.has_tests = False      # some iteration has a test loss: a test curve to draw
        self._samples = None if samples is None else _Buffer(samples)
        self._levels = None if levels is None else (_Buffer(levels), _Buffer(levels))

    def extend(self, losses: Sequence[float] | Array, norms: Sequence[float] | Array = (),
               sample_losses: Sequence[Array] | Array = (),
               *, levels: tuple[Array, Array] | None = None,
               test_losses: Sequence[float] | Array | None = None) -> None:
        """Append iterations; ``test_losses`` (None: no test samples, NaN) is one per loss,
        ``levels`` (mean |δ|, ‖∂L/∂W‖ per level) one row per norm."""
        tests = np.full(len(losses), np.nan) if test_losses is None else test_losses
        if len(tests) != len(losses):           # checked first: nothing half written
            raise ValueError(f"{len(tests)} test losses for {len(losses)} losses")
        self._losses.extend(losses)
        self._norms.extend(norms)
        self._tests.extend(tests)
        self.has_tests = self.has_tests or test_losses is not None
        if self._samples is not None and len(sample_losses):
            self._samples.extend(sample_losses)
        if self._levels is not None and levels is not None:
            for buffer, rows in zip(self._levels, levels, strict=True):
                buffer.extend(rows)

    def truncate(self, iterations: int) -> None:
        """Forget everything after iteration ``iterations`` (an undone run)."""
        self._losses.size = min(self._losses.size, iterations + 1)
        self._norms.size = min(self._norms.size, iterations)
        self._tests.size = min(self._tests.size, iterations + 1)
        if self._samples is not None:
            self._samples.size = min(self._samples.size, iterations + 1)
        for buffer in self._levels or ():
            buffer.size = min(buffer.size, iterations)

    def stop_samples(self) -> None:
        """Stop keeping per-sample losses (the dataset changed under them)."""
        self._samples = None

    def stop_levels(self) -> None:
        """Stop keeping per-level gradients (the network's depth changed under them)."""
        self._levels = None

    @property
    def losses(self) -> Array:
        return self._losses.view

    def set_last(self, loss: float, test_loss: float | None) -> None:
        """The current iteration's losses, moved by an edit between runs (no update)."""
        self._losses.view[-1] = loss
        self._tests.view[-1] = np.nan if test_loss is None else test_loss
        self.has_tests = self.has_tests or test_loss is not None

    @property
    def test_losses(self) -> Array:
        """The test samples' loss per iteration, as long as :attr:`losses` (NaN where
        there were none)."""
        return self._tests.view

    @property
    def gradient_norms(self) -> Array:
        return self._norms.view

    @property
    def sample_losses(self) -> Array | None:
        """(iterations + 1) × samples, or None when they are not recorded."""
        return None if self._samples is None else self._samples.view

    @property
    def level_deltas(self) -> Array | None:
        """updates × levels: mean |δ| of each level in each update, or None."""
        return None if self._levels is None else self._levels[0].view

    @property
    def level_weight_norms(self) -> Array | None:
        """updates × levels: ‖∂L/∂W‖ into each level in each update, or None."""
        return None if self._levels is None else self._levels[1].view

    @property
    def iterations(self) -> int:
        """Updates so far (the losses have one more entry: the loss before training)."""
        return max(self._losses.size - 1, 0)

    def __len__(self) -> int:
        return self._losses.size

    def csv(self) -> str:
        """``iteration,loss,gradient_norm`` rows; the norm is that of the update that led
        to the row's loss (empty for iteration 0), and a ``test_loss`` column follows when
        there are test samples (empty where there were none)."""
        return "".join(text for _, text in self.csv_pieces())

    def csv_pieces(self, rows: int = CSV_PIECE_ROWS) -> Iterator[tuple[int, str]]:
        """:meth:`csv`'s text in pieces of ``rows`` rows (the header first), each with the
        count of rows written so far. Each piece is built with maps rather than a loop
        over rows (10⁶ rows take about a second), and a piece at a time lets a worker
        thread that exports a long history give up the GIL every few milliseconds."""
        tests = self.test_losses if self.has_tests else None
        yield 0, "iteration,loss,gradient_norm" + (",test_loss" if tests is not None else "") \
            + "\n"
        losses, norms = self.losses, self.gradient_norms
        for start in range(0, len(losses), rows):
            end = min(start + rows, len(losses))
            # the norm of row t is that of update t (norms[t - 1]); none for row 0
            gs = [*([""] if start == 0 else []),
                  *map(repr, norms[max(start - 1, 0):end - 1].tolist())]
            gs += [""] * (end - start - len(gs))
            columns = [map(str, range(start, end)), map(repr, losses[start:end].tolist()), gs]
            if tests is not None:
                columns.append(["" if math.isnan(t) else repr(t)
                                for t in tests[start:end].tolist()])
            yield end, "".join(f"{r}\n" for r in map(",".join, zip(*columns, strict=False)))
