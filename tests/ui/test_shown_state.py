"""The canvas's state follows the cursor one step's values at a time (no Qt needed).

Every expected state is worked out from the engine's records alone: what the first
k records wrote, the last write winning (``final_values``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bpgui.engine.records import LOSS_ID, StepRecord
from bpgui.engine.stepper import all_steps, final_values
from bpgui.ui.stepping.shown_state import ShownState, values_by_id
from tests.conftest import load_sample


def records_of(stem: str, granularity: str) -> list[StepRecord]:
    return all_steps(load_sample(stem), granularity=granularity)


def assert_shows(shown: ShownState, records: list[StepRecord], position: int) -> None:
    expected = final_values(records[:position])
    assert shown.state == expected, position
    assert shown.values(None) == values_by_id(expected), position


@pytest.mark.parametrize("granularity", ["edge", "node", "layer"])
def test_forward_and_back_through_a_whole_pass(granularity) -> None:
    records = records_of("seed000_worked_example", granularity)
    shown = ShownState()
    shown.replace(records, 0, {})
    for k in [*range(1, len(records) + 1), *range(len(records) - 1, -1, -1)]:
        assert shown.can_follow(records, k)
        shown.follow(records, k)
        assert_shows(shown, records, k)


def test_back_past_the_last_replace_needs_a_new_one() -> None:
    """Going back puts back what the steps moved over overwrote: before the state was
    handed over whole, nothing was recorded, so only a replace gets there."""
    records = records_of("seed000_worked_example", "node")
    shown = ShownState()
    shown.replace(records, 5, final_values(records[:5]))
    shown.follow(records, 9)
    assert shown.can_follow(records, 5) and not shown.can_follow(records, 4)
    assert not shown.can_follow(list(records), 9)          # other records: read again


def test_follow_says_which_items_the_steps_wrote() -> None:
    records = records_of("seed000_worked_example", "node")
    shown = ShownState()
    shown.replace(records, 0, {})
    assert shown.follow(records, 3) == {q.id for r in records[:3] for q, _ in r.values}
    assert shown.follow(records, 1) == {q.id for r in records[1:3] for q, _ in r.values}


def test_replace_reports_what_an_edit_changed() -> None:
    """w5 runs x3 → h1. Eight node steps in (the forward pass, the loss, and the δ of
    y, h2 and h1), a new w5 changes h1's values, y's, the loss, and h2's δ (which y's δ
    feeds), and no input's."""
    records = records_of("seed000_worked_example", "node")
    network = load_sample("seed000_worked_example")
    network.update_edge("w5", weight=-1.5)
    edited = all_steps(network)
    shown = ShownState()
    shown.replace(records, 8, final_values(records[:8]))
    after = final_values(edited[:8])
    assert shown.replace(edited, 8, after) == {"h1", "y", LOSS_ID, "h2"}
    assert shown.replace(edited, 8, dict(after), compare=False) is None


def test_a_given_dict_never_changes() -> None:
    """An item keeps the dict it is given and compares the next one with it."""
    records = records_of("seed000_worked_example", "node")
    shown = ShownState()
    shown.replace(records, 0, {})
    handed: list[tuple[dict[str, float], dict[str, float]]] = []
    for k in [*range(1, len(records) + 1), 3, 0]:
        shown.follow(records, k)
        handed.extend((values, dict(values)) for values in shown.values(None).values())
        assert all(values == copy for values, copy in handed)


@given(st.lists(st.integers(min_value=0, max_value=11), min_size=1, max_size=30))
def test_any_walk_of_the_cursor(positions) -> None:
    records = records_of("seed000_worked_example", "layer")
    shown = ShownState()
    shown.replace(records, 0, {})
    for k in positions:
        if shown.can_follow(records, k):
            shown.follow(records, k)
        else:
            shown.replace(records, k, final_values(records[:k]))
        assert_shows(shown, records, k)
