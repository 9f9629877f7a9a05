"""A pass's records as a read-only sequence that generates each record when first read.

An edit of a weight re-runs the pass, but the views look only at the records up to the
cursor and a screenful around it; a dense pass has hundreds more. The number of records
and the phase of each depend only on the graph, the granularity and the kind of update
rule (:meth:`bpgui.engine.stepthrough.StepThrough.rebuild` keys them), so when they are
known ``len`` and the phases are exact before anything is generated. Records come from
one :func:`~bpgui.engine.stepper.iter_steps` generator, in order, each exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

from bpgui.engine.records import StepRecord


class StaleRecords(RuntimeError):
    """A record was asked of a pass that has been rebuilt since: generating it now would
    read the network as it is after the edit, mixed with what was read before."""


class LazyRecords(Sequence[StepRecord]):
    """``records[k]`` generates records up to k; ``phases`` and ``len`` need none.

    ``phases`` is the phase of every record when known (the previous pass of the same
    shape); without it every record is generated now, which finds them. Otherwise the
    first ``eager`` are generated now, so that an error of the pass's values (an
    operation's logarithm of a negative number, in the forward phase) is raised here,
    where it was asked for, not by a view that reads a later record.
    """

    def __init__(self, steps: Iterator[StepRecord], phases: Sequence[str] | None = None,
                 eager: int = 0) -> None:
        self._steps: Iterator[StepRecord] | None = steps
        self._done: list[StepRecord] = []
        self._stale = False
        if phases is None:
            self._done.extend(steps)
            self._steps = None
            self.phases: tuple[str, ...] = tuple(r.phase for r in self._done)
        else:
            self.phases = tuple(phases)
            self._fill(min(max(eager, 1), len(self.phases)))

    @property
    def generated(self) -> int:
        """How many records have been generated so far."""
        return len(self._done)

    def close(self) -> None:
        """The pass was rebuilt: the records not generated yet can no longer be."""
        self._stale = self._steps is not None

    def __len__(self) -> int:
        return len(self.phases)

    @overload
    def __getitem__(self, index: int) -> StepRecord: ...

    @overload
    def __getitem__(self, index: slice) -> list[StepRecord]: ...

    def __getitem__(self, index: int | slice) -> StepRecord | list[StepRecord]:
        if isinstance(index, slice):
            wanted = range(len(self.phases))[index]
            if wanted:
                self._fill(max(wanted[0], wanted[-1]) + 1)
            return self._done[index]
        k = index + len(self.phases) if index < 0 else index
        if not 0 <= k < len(self.phases):
            raise IndexError(f"record {index} of a pass of {len(self.phases)}")
        self._fill(k + 1)
        return self._done[k]

    def __iter__(self) -> Iterator[StepRecord]:
        for k in range(len(self.phases)):
            yield self[k]

    def _fill(self, count: int) -> None:
        """Generate records until ``count`` exist, checking each against its known phase
        (a pass of another shape than its key promised is a bug, and is said at once)."""
        done, phases = self._done, self.phases
        if len(done) >= count:
            return
        if self._stale:
            raise StaleRecords("the pass was rebuilt after an edit; read the new records")
        assert self._steps is not None
        for record in self._steps:
            if len(done) == len(phases) or record.phase != phases[len(done)]:
                raise RuntimeError(f"record {len(done)} ({record.phase}) does not fit the "
                                   f"pass's known shape of {len(phases)} records")
            done.append(record)
            if len(done) == count:
                break
        if len(done) < count:
            raise RuntimeError(f"the pass ended after {len(done)} records; its known shape "
                               f"has {len(phases)}")
        if len(done) == len(phases):
            if next(self._steps, None) is not None:
                raise RuntimeError(f"the pass has more than the {len(phases)} records of its "
                                   "known shape")
            self._steps = None
