"""LazyRecords: a pass's records as a sequence that generates each record when first read.

Every read (an index, a negative index, a slice, iteration, in any order) gives the
record a list of the whole pass gives; ``len`` and the phases are exact before any
record is generated; a generator that does not fit the shape it was promised is refused.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bpgui.engine.lazy_records import LazyRecords, StaleRecords
from bpgui.engine.records import StepRecord
from bpgui.engine.stepper import all_steps, iter_steps
from tests.conftest import load_sample


class Counted:
    """``iter_steps`` that counts the records it has yielded."""

    def __init__(self, steps: Iterator[StepRecord]) -> None:
        self.steps, self.count = steps, 0

    def __iter__(self) -> Iterator[StepRecord]:
        return self

    def __next__(self) -> StepRecord:
        record = next(self.steps)
        self.count += 1
        return record


@pytest.fixture
def xor() -> tuple[list[StepRecord], tuple[str, ...]]:
    records = all_steps(load_sample("xor_2-2-1"))
    return records, tuple(r.phase for r in records)


def test_len_and_phases_before_anything_is_generated(xor) -> None:
    whole, phases = xor
    steps = Counted(iter_steps(load_sample("xor_2-2-1")))
    lazy = LazyRecords(steps, phases, eager=3)
    # xor 2-2-1 at node granularity: inputs, h1, h2, y, loss, 5 backward (y, h2, h1, x2,
    # x1 in reverse order), 3 gradient and 3 update steps: 16.
    assert len(lazy) == len(whole) == 16
    assert lazy.phases == phases
    assert steps.count == lazy.generated == 3


def test_reads_in_any_order_give_the_whole_pass_and_generate_only_up_to_them(xor) -> None:
    whole, phases = xor
    steps = Counted(iter_steps(load_sample("xor_2-2-1")))
    lazy = LazyRecords(steps, phases)             # eager 0 still generates one (the errors)
    assert steps.count == 1
    assert lazy[6] == whole[6] and steps.count == 7
    assert lazy[2] == whole[2] and steps.count == 7
    assert lazy[-16] == whole[0] and steps.count == 7
    assert lazy[4:9] == whole[4:9] and steps.count == 9
    assert lazy[:0] == [] and lazy[20:] == [] and steps.count == 9
    assert lazy[-3:] == whole[-3:] and steps.count == 16
    assert list(lazy) == whole and lazy[::-2] == whole[::-2]
    assert lazy.index(whole[11]) == 11
    with pytest.raises(IndexError):
        lazy[16]
    with pytest.raises(IndexError):
        lazy[-17]


def test_without_phases_every_record_is_generated_at_once(xor) -> None:
    whole, phases = xor
    steps = Counted(iter_steps(load_sample("xor_2-2-1")))
    lazy = LazyRecords(steps)
    assert steps.count == lazy.generated == 16
    assert lazy.phases == phases and list(lazy) == whole


def test_a_pass_of_another_shape_than_promised_is_refused(xor) -> None:
    _, phases = xor
    network = load_sample("xor_2-2-1")
    with pytest.raises(RuntimeError, match="does not fit"):
        LazyRecords(iter_steps(network), ("forward", "loss", *phases[2:]), eager=2)
    shorter = LazyRecords(iter_steps(network), phases[:-1])
    with pytest.raises(RuntimeError, match="more than the 15 records"):
        shorter[14]
    longer = LazyRecords(iter_steps(network), (*phases, "update"))
    with pytest.raises(RuntimeError, match="ended after 16 records"):
        longer[16]


def test_after_close_only_the_records_already_generated_can_be_read(xor) -> None:
    whole, phases = xor
    lazy = LazyRecords(iter_steps(load_sample("xor_2-2-1")), phases, eager=5)
    lazy.close()
    assert lazy[4] == whole[4] and len(lazy) == 16
    with pytest.raises(StaleRecords):
        lazy[5]
    done = LazyRecords(iter_steps(load_sample("xor_2-2-1")))
    done.close()
    assert list(done) == whole                  # all generated before: all still there
