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
from collections.abc import Iterator
from dataclasses import fields, replace
from typing import Any

import pytest

from bpgui.engine import stepthrough
from bpgui.engine.lazy_records import StaleRecords
from bpgui.engine.records import Quantity, StepRecord
from bpgui.engine.stepper import all_steps, iter_steps
from bpgui.engine.stepthrough import StepThrough
from bpgui.network.builders import LayeredSpec, layered_network
from bpgui.network.errors import BpguiError
from bpgui.network.model import Edge, Network, Neuron, Sample
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


# ------------------------------------------------------------------- lazy records
def _same_as_fresh(walk: StepThrough, before: dict[Quantity, Any],
                   changed: dict[Quantity, Any]) -> None:
    """The rebuilt pass is a fresh one record for record, and its report the diff."""
    fresh = StepThrough(walk.network, walk.sample, walk.granularity)
    assert len(walk.records) == len(fresh.records)
    assert walk.records.phases == tuple(r.phase for r in fresh.records)
    for mine, theirs in zip(walk.records, fresh.records, strict=True):
        _same(mine, theirs)
    assert changed == _diff(before, fresh.state(walk.position))


def _structural_edits(network: Network) -> list[tuple[str, Any]]:
    """Edits of xor 2-2-1 (x1 x2 → h1 h2 → y) that change the pass's steps, or the objects
    a kept graph holds, each as (what it does, how)."""
    def replace_edge() -> None:        # an equal edge object with another weight
        k = next(i for i, e in enumerate(network.edges) if e.id == "w_h1_y")
        network.edges[k] = replace(network.edges[k], weight=-1.25)

    def replace_neuron() -> None:      # an equal neuron object with another bias
        k = next(i for i, n in enumerate(network.neurons) if n.id == "h2")
        network.neurons[k] = replace(network.neurons[k], bias=0.75)

    def freeze_y() -> None:            # y's weights and bias: it has no update step left
        network.update_edge("w_h2_y", trainable=False)
        network.update_edge("w_x1_y", trainable=False)
        network.update_neuron("y", train_bias=False)

    def connect_h3() -> None:
        network.add_edge(Edge("w_x2_h3", "x2", "h3", -0.3))
        network.add_edge(Edge("w_h3_y", "h3", "y", 0.6))

    return [
        ("add an edge", lambda: network.add_edge(Edge("w_x1_y", "x1", "y", 0.4))),
        ("remove an edge", lambda: network.remove_edge("w_x2_h2")),
        ("change an activation", lambda: network.update_neuron("h1", activation="tanh")),
        ("change the loss", lambda: network.set_loss("bce")),
        ("freeze a weight", lambda: network.update_edge("w_h1_y", trainable=False)),
        ("freeze a bias", lambda: network.update_neuron("h2", train_bias=False)),
        ("freeze every parameter of y", freeze_y),
        ("add a neuron", lambda: network.add_neuron(Neuron("h3", "hidden", "relu", 0.1))),
        ("connect it", connect_h3),
        ("replace an edge object", replace_edge),
        ("replace a neuron object", replace_neuron),
        ("rename a neuron", lambda: network.update_neuron("h1", id="g1")),
        ("use adam", lambda: network.set_training(replace(network.training, optimizer="adam"))),
        ("change a rule's setting", lambda: network.set_training(
            replace(network.training, beta1=0.8, learning_rate=0.1))),
        ("use momentum", lambda: network.set_training(
            replace(network.training, optimizer="momentum"))),
        ("remove a neuron", lambda: network.remove_neuron("h3")),
        ("change a sample", lambda: network.set_samples(
            [replace(s, inputs=[0.25, -0.5]) for s in network.samples])),
    ]


@pytest.mark.parametrize("granularity", ["node", "layer", "edge"])
def test_edits_that_change_the_steps_give_a_fresh_pass(granularity: str) -> None:
    network = load_sample("xor_2-2-1")
    walk = StepThrough(network, 0, granularity)
    for k, (what, edit) in enumerate(_structural_edits(network)):
        walk.jump(len(walk) * (k % 4) // 3)
        before = walk.state()
        edit()
        _same_as_fresh(walk, before, walk.rebuild(network))
        before = walk.state()                    # and a value edit after it: lazy again
        network.edges[0].weight += 0.125
        changed = walk.rebuild(network)
        assert walk.records.generated < len(walk.records) or walk.position >= len(walk) - 1, what
        _same_as_fresh(walk, before, changed)


def test_granularity_and_sample_changes_give_a_fresh_pass() -> None:
    network = load_sample("moons_2-8-8-1")
    walk = StepThrough(network, 0, "node")
    for kwargs in ({"granularity": "layer"}, {"sample": 3}, {"granularity": "edge"},
                   {"sample": 1, "granularity": "node"}, {"sample": 0}):
        walk.jump(len(walk) // 2)
        before = walk.state()
        network.edges[5].weight -= 0.25
        _same_as_fresh(walk, before, walk.rebuild(network, **kwargs))
        assert walk.sample == kwargs.get("sample", walk.sample)


def test_a_lone_operand_set_to_weight_one_loses_its_step_at_edge_granularity() -> None:
    """z = sin(1·a) is written sin(a): no step of its own for 1·a. The weight is a value,
    but whether it is 1 decides that step, so the pass has one step more or fewer."""
    network = load_sample("seed000_sin_graph")
    walk = StepThrough(network, 0, "edge")
    count = len(walk)
    network.edge("z_a").weight = 2.0
    walk.rebuild(network)
    assert len(walk) == count + 1 == len(all_steps(network, 0, "edge"))
    assert [r.target for r in walk.records if r.phase == "forward"].count("z_a") == 1
    network.edge("z_a").weight = 1.0
    walk.rebuild(network)
    assert len(walk) == count


def _dense() -> Network:
    return layered_network(LayeredSpec([3, 6, 6, 1], ["tanh", "tanh", "sigmoid"],
                                       samples=[Sample([0.1, -0.4, 0.7], [0.3])], seed=2))


def test_an_edit_mid_pass_generates_the_pass_up_to_the_cursor_only(monkeypatch) -> None:
    """3-6-6-1 at node granularity: 1 + 13 forward steps, the loss, 16 backward, 13
    gradient and 13 update steps, 57 in all. Counted where iter_steps yields them."""
    yielded: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Iterator[StepRecord]:
        yielded.append(0)
        for record in iter_steps(*args, **kwargs):
            yielded[-1] += 1
            yield record

    monkeypatch.setattr(stepthrough, "iter_steps", counted)
    network = _dense()
    walk = StepThrough(network)
    assert len(walk) == 57 and yielded == [57]            # a new shape: all of it
    walk.jump(30)                                         # mid-backward
    for k, position in enumerate([30, 0, 3, 15, 40, 57]):
        walk.jump(position)
        network.edges[k].weight += 0.5
        walk.rebuild(network)
        assert len(walk) == 57
        assert yielded[-1] == walk.records.generated == max(position, 15)  # forward + loss
        assert walk.progress() == progress_of(all_steps(network), position)
    walk.jump(10)
    network.edges[0].weight = 0.0
    walk.rebuild(network)
    assert yielded[-1] == 15
    assert walk.phase_end() == 14 and yielded[-1] == 15   # the rest of the forward phase
    walk.jump(20)
    assert walk.phase_end() == 31 and yielded[-1] == 20   # the backward phase, from its phases
    assert walk.records[56] == all_steps(network)[56] and yielded[-1] == 57


def progress_of(records: list[StepRecord], position: int) -> tuple[str, int, int]:
    """(phase, index in phase, steps in phase), counted from the whole list."""
    if not position:
        return ("ready", 0, 0)
    phase = records[position - 1].phase
    return phase, [r.phase for r in records[:position]].count(phase), \
        [r.phase for r in records].count(phase)


def _log_network(weight: float) -> Network:
    """x → lg = log(w·x) → y = sigmoid(1·lg): the log has no value once w·x ≤ 0."""
    return Network([Neuron("x", "input"), Neuron("lg", "hidden", op="log"),
                    Neuron("y", "output", "sigmoid", 0.2)],
                   [Edge("w", "x", "lg", weight), Edge("v", "lg", "y", 1.0)],
                   samples=[Sample([0.5], [1.0])])


@pytest.mark.parametrize("granularity", ["node", "layer", "edge"])
def test_an_error_of_the_values_is_raised_by_the_rebuild_that_meets_it(granularity) -> None:
    """w = −2 makes the log's operand −2·0.5 = −1. From w = 2 the pass keeps its shape
    (its forward and loss are generated at once, the rest when read); from w = 1 it
    does not (a lone operand of weight 1 is written without it)."""
    network = _log_network(2.0)
    walk = StepThrough(network, 0, granularity)
    for start in (2.0, 1.0):
        network.edge("w").weight = start
        walk.rebuild(network)
        walk.rebuild(network)
        assert walk.records.generated < len(walk.records)
        network.edge("w").weight = -2.0
        with pytest.raises(BpguiError, match=r"^node 'lg': .* \(−1\) in sample 0$"):
            walk.rebuild(network)
        network.edge("w").weight = start
        walk.rebuild(network)
        assert list(walk.records) == all_steps(network, 0, granularity)


def test_the_records_of_a_pass_rebuilt_since_are_not_generated_from_the_new_values() -> None:
    network = load_sample("moons_2-8-8-1")
    walk = StepThrough(network)
    walk.rebuild(network)                                 # the same shape: lazy
    old = walk.records
    generated = old.generated
    assert generated < len(old)
    network.edges[0].weight += 1.0
    walk.rebuild(network)
    assert old[generated - 1] is not None
    with pytest.raises(StaleRecords):
        old[generated]
