"""A rebuild after an edit gives exactly the records a fresh pass gives, and says exactly
which visible values changed.

:meth:`StepThrough.rebuild` is what every weight edit and every notch of scrubbing runs;
it takes shortcuts (the per-edge gradients read their δ once, a layer's matrices place
their entries by a table made once, the change report compares like with like). Here
random weight and bias edits on the sample networks are followed by a rebuild, and
every field of every record is compared with a pass built from nothing, and the report
with the two states compared key by key.
"""

from __future__ import annotations

import random
from dataclasses import fields
from typing import Any

import pytest

from bpgui.engine.records import Quantity, StepRecord
from bpgui.engine.stepthrough import StepThrough
from bpgui.network.model import Network
from tests.conftest import load_sample

NETWORKS = ("seed000_worked_example", "xor_2-2-1", "skip_connections", "seed003_layered",
            "moons_2-8-8-1", "blobs_3class_softmax", "cs231n_add_mul", "seed000_sin_graph")


def _same(a: StepRecord, b: StepRecord) -> None:
    """Every field equal (an equation compares its lhs, formula, result and before), and
    the text the step panel and ``bpgui trace`` print, at two numbers of digits."""
    for name in [f.name for f in fields(StepRecord) if f.name != "given_equations"] + [
            "equations"]:
        assert getattr(a, name) == getattr(b, name), (a.index, name)
    assert a == b and hash(a) == hash(b)
    for digits in (3, 6):
        assert a.text(digits) == b.text(digits)
        assert a.digit_notes(digits) == b.digit_notes(digits)


def _edit(network: Network, rng: random.Random) -> None:
    """Change a random weight, or a random bias, to a random value (sometimes 1 or 0)."""
    value = rng.choice([1.0, 0.0, round(rng.uniform(-2, 2), 3), rng.uniform(-2, 2)])
    with_bias = [n for n in network.neurons if n.has_bias]
    if with_bias and rng.random() < 0.3:
        rng.choice(with_bias).bias = value
    else:
        rng.choice(network.edges).weight = value


def _diff(before: dict[Quantity, Any], after: dict[Quantity, Any]) -> dict[Quantity, Any]:
    return {q: (before.get(q), after.get(q)) for q in set(before) | set(after)
            if before.get(q) != after.get(q)}


@pytest.mark.parametrize("granularity", ["node", "layer", "edge"])
@pytest.mark.parametrize("stem", NETWORKS)
def test_rebuild_after_random_edits_equals_a_fresh_pass(stem: str, granularity: str) -> None:
    network = load_sample(stem)
    rng = random.Random(f"{stem} {granularity}")
    walk = StepThrough(network, 0, granularity)
    for _ in range(6):
        walk.jump(rng.randrange(len(walk) + 1))
        before = walk.state()
        _edit(network, rng)
        changed = walk.rebuild(network)
        fresh = StepThrough(network, 0, granularity)
        assert len(walk.records) == len(fresh.records)
        for mine, theirs in zip(walk.records, fresh.records, strict=True):
            _same(mine, theirs)
        assert changed == _diff(before, fresh.state(walk.position))


def test_the_report_names_only_what_changed_on_a_dense_network() -> None:
    """An edit of a weight into the output changes the output's a and z, the loss and
    every gradient after it; the inputs' values stay as they were."""
    network = load_sample("moons_2-8-8-1")
    walk = StepThrough(network)
    walk.jump(len(walk))
    edge = next(e for e in network.edges if e.target == network.outputs[0].id)
    edge.weight += 0.5
    changed = walk.rebuild(network)
    kinds = {q.kind for q in changed}
    assert {"a", "z", "loss", "delta", "grad_w", "weight"} <= kinds
    assert not any(q.kind == "a" and q.id in {n.id for n in network.inputs} for q in changed)
    assert all(old != new for old, new in changed.values())
    edge.weight -= 0.5
    assert walk.rebuild(network).keys() == changed.keys()     # and back
