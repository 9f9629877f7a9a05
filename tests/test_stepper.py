"""The step generator and the step-through cursor: order, caching, granularity, edits."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from bpgui.engine.records import LOSS_ID, PHASES, Quantity
from bpgui.engine.stepper import all_steps, final_values, iter_steps
from bpgui.engine.stepthrough import StepThrough
from bpgui.network.errors import BpguiError
from bpgui.network.model import Edge, Network, Neuron, Sample
from tests.conftest import load_sample


def test_iter_steps_is_a_lazy_generator(seed000: Network) -> None:
    steps = iter_steps(seed000)
    first = next(steps)
    assert inspect.isgenerator(steps)
    assert first.phase == "forward" and first.writes == ("x1", "x2", "x3")


def test_records_are_immutable(seed000: Network) -> None:
    record = all_steps(seed000)[1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.phase = "backward"  # type: ignore[misc]


def test_phases_come_in_the_documented_order(seed000: Network) -> None:
    for granularity in ("edge", "node", "layer"):
        phases = [r.phase for r in all_steps(seed000, 0, granularity)]
        seen = list(dict.fromkeys(phases))
        assert seen == list(PHASES)
        assert phases == sorted(phases, key=PHASES.index), granularity


def test_node_steps_on_seed000(seed000: Network) -> None:
    records = all_steps(seed000)
    assert [(r.phase, r.target) for r in records] == [
        ("forward", "inputs"), ("forward", "h1"), ("forward", "h2"), ("forward", "y"),
        ("loss", LOSS_ID),
        ("backward", "y"), ("backward", "h2"), ("backward", "h1"),
        ("backward", "x3"), ("backward", "x2"), ("backward", "x1"),
        ("gradient", "h1"), ("gradient", "h2"), ("gradient", "y"),
        ("update", "h1"), ("update", "h2"), ("update", "y"),
    ]
    h1 = records[1]
    assert set(h1.reads) == {"x1", "x2", "x3", "w1", "w3", "w5"}
    assert h1.writes == ("h1",)
    assert records[7].reuses == ("y",) and records[8].reuses == ("h1", "h2")


def test_ties_in_topological_order_follow_file_order() -> None:
    """Two independent neurons at the same level are stepped in file order."""
    net = Network(
        [Neuron("x", "input"), Neuron("late", "hidden"), Neuron("o", "output"),
         Neuron("early", "hidden")],
        [Edge("w1", "x", "early", 1.0), Edge("w2", "x", "late", 1.0),
         Edge("w3", "late", "o", 1.0), Edge("w4", "early", "o", 1.0)],
        samples=[Sample([1.0], [0.0])])
    forward = [r.target for r in all_steps(net) if r.phase == "forward"]
    assert forward == ["inputs", "late", "early", "o"]
    backward = [r.target for r in all_steps(net) if r.phase == "backward"]
    assert backward == ["o", "early", "late", "x"]


def test_each_delta_is_written_once_and_reused_from_the_cache(seed000: Network) -> None:
    for granularity in ("edge", "node"):
        written: set[str] = set()
        for record in all_steps(seed000, 0, granularity):
            assert set(record.reuses) <= written, (granularity, record.text())
            for q, _ in record.values:
                if q.kind == "delta":
                    assert q.id not in written
                    written.add(q.id)
        assert written == {"h1", "h2", "y"}


def test_edge_granularity_has_one_step_per_product_term(seed000: Network) -> None:
    records = all_steps(seed000, 0, "edge")
    forward_terms = [r for r in records if r.phase == "forward" and r.target.startswith("w")]
    assert [r.target for r in forward_terms] == ["w1", "w3", "w5", "w2", "w4", "w6", "w7", "w8"]
    assert forward_terms[2].text() == "w5·x3 = (−1)·1 = −1"
    grads = [r for r in records if r.phase == "gradient"]
    assert len(grads) == len(seed000.edges) + 3       # one per weight and per bias


def test_every_granularity_computes_the_same_values(seed000: Network) -> None:
    node = final_values(all_steps(seed000, 0, "node"))
    for granularity in ("edge", "layer"):
        other = final_values(all_steps(seed000, 0, granularity))
        for q, value in node.items():
            assert other[q] == value, (granularity, q)


def test_update_uses_the_files_learning_rate_and_skips_frozen_parameters() -> None:
    net = load_sample("skip_connections")
    frozen_edges = {e.id for e in net.edges if not e.trainable}
    frozen_biases = {n.id for n in net.neurons if not n.is_input and not n.train_bias}
    assert frozen_edges and frozen_biases
    v = final_values(all_steps(net))
    eta = net.training.learning_rate
    for e in net.edges:
        if e.id in frozen_edges:
            assert Quantity("weight", e.id) not in v
        else:
            assert v[Quantity("weight", e.id)] == e.weight - eta * v[Quantity("grad_w", e.id)]
    for b in frozen_biases:
        assert Quantity("bias", b) not in v


def test_step_back_restores_exactly(seed000: Network) -> None:
    walk = StepThrough(seed000)
    states = [walk.state()]
    while walk.step() is not None:
        states.append(walk.state())
    assert walk.at_end and len(states) == len(walk) + 1
    for k in range(len(walk), 0, -1):
        walk.back()
        assert walk.state() == states[k - 1]
    assert walk.position == 0 and walk.current is None


def test_edit_mid_pass_recomputes_what_depends_on_it(seed000: Network) -> None:
    walk = StepThrough(seed000)
    walk.jump(8)                                   # through backward of h1
    before = walk.state()
    seed000.update_edge("w8", weight=0.5)
    changed = walk.rebuild(seed000)
    fresh = StepThrough(seed000)
    fresh.jump(8)
    assert walk.state() == fresh.state()
    assert Quantity("z", "y") in changed and Quantity("delta", "h1") in changed
    assert Quantity("z", "h1") not in changed      # upstream of w8: untouched
    assert changed[Quantity("z", "y")] == (before[Quantity("z", "y")],
                                           walk.state()[Quantity("z", "y")])


def test_changing_a_target_or_input_mid_pass(seed000: Network) -> None:
    walk = StepThrough(seed000)
    walk.jump(6)                                   # the loss and δ_y are visible
    seed000.set_samples([Sample([0.0, 1.0, 1.0], [0.0])])
    changed = walk.rebuild(seed000)
    assert {q.kind for q in changed} == {"loss", "dl_dyhat", "grad_a", "delta"}
    seed000.set_samples([Sample([1.0, 1.0, 1.0], [0.0])])
    changed = walk.rebuild(seed000)
    assert Quantity("a", "x1") in changed and Quantity("z", "h1") in changed


def test_granularity_change_keeps_what_was_visible(seed000: Network) -> None:
    walk = StepThrough(seed000)
    walk.jump(4)                                   # forward done, before the loss
    visible = set(walk.state())
    walk.rebuild(granularity="edge")
    assert visible <= set(walk.state())
    assert walk.current is not None and walk.current.phase == "forward"


def test_progress_and_phase_end(seed000: Network) -> None:
    walk = StepThrough(seed000)
    assert walk.progress() == ("ready", 0, 0)
    walk.jump(walk.phase_end())
    assert walk.progress() == ("forward", 4, 4)
    walk.step()
    walk.step()
    walk.step()
    assert walk.progress() == ("backward", 2, 6)


def test_bad_sample_and_granularity_are_refused(seed000: Network) -> None:
    with pytest.raises(BpguiError, match="sample 5 does not exist"):
        all_steps(seed000, 5)
    with pytest.raises(BpguiError, match="unknown granularity"):
        all_steps(seed000, 0, "neuron")
    seed000.set_samples([])
    with pytest.raises(BpguiError, match="no samples"):
        all_steps(seed000)
