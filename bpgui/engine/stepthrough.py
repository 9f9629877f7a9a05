"""A cursor over one pass's records: step, step back, jump, and re-run after an edit.

The visible state after k steps is exactly what records[:k] wrote, so
stepping back restores the earlier state by construction. After the network
changes (a weight, bias, input or target), :meth:`StepThrough.rebuild`
regenerates the records from the new values and reports which visible
quantities changed, old → new, so a view can flash them.

The records are generated as they are read (:class:`~bpgui.engine.lazy_records.LazyRecords`):
an edit mid-pass computes the pass up to the cursor, not the hundreds of steps after it
that nobody looks at. The pass's shape (how many records, and each one's phase) is
known from the previous pass while the graph, the granularity and the kind of update
rule stay the same, and the forward phase and the loss are always generated at once,
so that an error of the values is raised by the rebuild that met it.
"""

from __future__ import annotations

from typing import Any

from bpgui.engine.lazy_records import LazyRecords
from bpgui.engine.records import PHASES, Quantity, StepRecord
from bpgui.engine.stepper import check_granularity, iter_steps
from bpgui.engine.walk import WalkGraph, graph_key
from bpgui.network.model import Network


class StepThrough:
    """Position ``k`` means ``k`` steps have been taken (0 = nothing computed yet).

    The records up to the cursor are always generated: a rebuild compares them with the
    new ones, and they must hold the values from before the edit, not be made after it.
    """

    def __init__(self, network: Network, sample: int = 0, granularity: str = "node") -> None:
        self.network = network
        self.sample = sample
        self.granularity = granularity
        self._graph: WalkGraph | None = None
        self._shape: tuple[Any, ...] | None = None     # what records.phases depend on
        self.records = self._generate(None)
        self.position = 0

    def _generate(self, previous: LazyRecords | None) -> LazyRecords:
        """The pass of the network as it is now: its records up to the loss at once, the
        rest when read if ``previous`` has the same shape, else all of them.

        The shape is what the number and phases of the steps depend on: the graph
        (:func:`~bpgui.engine.walk.graph_key`), the granularity, and the update rule's
        name (a rule with state writes a level's update node by node). Not the sample:
        every sample's pass has the same steps."""
        check_granularity(self.granularity)
        key = graph_key(self.network)
        if self._graph is None or not self._graph.fits(self.network, key):
            self._graph = WalkGraph(self.network, key)
        shape = (key, self.granularity, self.network.training.optimizer)
        steps = iter_steps(self.network, self.sample, self.granularity, graph=self._graph)
        if previous is None or shape != self._shape:
            records = LazyRecords(steps)
        else:
            phases = previous.phases
            records = LazyRecords(steps, phases, eager=phases.index("loss") + 1)
        self._shape = shape                 # only now: the records have this shape
        return records

    def __len__(self) -> int:
        return len(self.records)

    @property
    def current(self) -> StepRecord | None:
        """The step taken last (the one to highlight), or None before the first."""
        return self.records[self.position - 1] if self.position else None

    @property
    def at_end(self) -> bool:
        return self.position == len(self.records)

    def state(self, position: int | None = None) -> dict[Quantity, float]:
        """Every value visible after ``position`` steps (the cursor by default)."""
        k = self.position if position is None else position
        values: dict[Quantity, float] = {}
        for record in self.records[:k]:
            values.update(record.values)
        return values

    def step(self) -> StepRecord | None:
        if self.at_end:
            return None
        self.position += 1
        return self.current

    def back(self) -> StepRecord | None:
        if self.position:
            self.position -= 1
        return self.current

    def jump(self, position: int) -> None:
        self.position = max(0, min(position, len(self.records)))
        if self.position:
            self.records[self.position - 1]          # generated, from today's values

    def reset(self) -> None:
        self.position = 0

    def phase_end(self) -> int:
        """Position after the last step of the phase that the next step belongs to."""
        if self.at_end:
            return self.position
        phases = self.records.phases
        phase = phases[self.position]
        k = self.position
        while k < len(phases) and phases[k] == phase:
            k += 1
        return k

    def progress(self) -> tuple[str, int, int]:
        """(phase, index within phase, steps in phase) of the current step, e.g. backward 3/8."""
        if not self.position:
            return ("ready", 0, 0)
        phases = self.records.phases
        phase = phases[self.position - 1]
        return phase, phases[:self.position].count(phase), phases.count(phase)

    def rebuild(self, network: Network | None = None, *, sample: int | None = None,
                granularity: str | None = None) -> dict[Quantity, tuple[Any, Any]]:
        """Regenerate the records; keep the cursor's place; return changed visible values.

        After a granularity change the cursor moves to the first position that
        has computed at least what was visible before, by phase.
        """
        before = self.state()
        old_phase = self.current.phase if self.current else None
        old_fraction = self.position / max(len(self.records), 1)
        granularity_changed = granularity is not None and granularity != self.granularity
        self.network = network or self.network
        self.sample = self.sample if sample is None else sample
        self.granularity = granularity or self.granularity
        previous = self.records
        try:
            self.records = self._generate(previous)
        finally:
            previous.close()
        if granularity_changed and old_phase is not None:
            self.position = self._position_covering(before, old_phase, old_fraction)
        self.position = min(self.position, len(self.records))
        after = self.state()
        if before.keys() == after.keys():       # an edit of a value: the same quantities
            return {q: (old, after[q]) for q, old in before.items() if old != after[q]}
        return {q: (before.get(q), after.get(q)) for q in before.keys() | after.keys()
                if before.get(q) != after.get(q)}

    def _position_covering(self, before: dict[Quantity, float], phase: str,
                           fraction: float) -> int:
        """The first position whose state holds every neuron-level value of ``before``."""
        wanted = {q for q in before if q.kind not in ("term", "back_term")}
        seen: set[Quantity] = set()
        for k, record in enumerate(self.records, start=1):
            seen.update(q for q, _ in record.values)
            if wanted <= seen:
                return k
        return round(fraction * len(self.records)) if phase in PHASES else 0
