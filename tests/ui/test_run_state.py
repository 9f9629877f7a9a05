"""The optimizer's state across the window's runs and its undo (issue 16).

Two runs of 100 updates are one of 200; undoing a run puts the state from before it
back, redoing it the state after it; an edit of a weight's value keeps the state, a
change of the structure, of the optimizer or a reset starts afresh. Every expected
number comes from the engine's Trainer run directly (never from the session), with
its own state carried by hand where the window's rule says the state goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest

from bpgui.engine.plan import compile_plan, split_arrays
from bpgui.engine.records import Quantity
from bpgui.engine.training import RunState, Trainer
from bpgui.network import fileformat
from bpgui.network.model import Edge, Network, Neuron, Sample, TrainingSettings
from bpgui.ui.document.commands import DeleteItems, SetEdge, SetTraining
from bpgui.ui.document.document import Document
from bpgui.ui.training.session import TrainingSession
from tests.cli_helpers import SAMPLES

XOR = SAMPLES / "xor_2-2-1.bpnet.json"
# A schedule that moves η inside and across runs of 100 (η halves every 30 updates).
ADAM = {"optimizer": "adam", "learning_rate": 0.05, "schedule": "step", "step_size": 30,
        "gamma": 0.5}


def xor_network(**training: object) -> Network:
    network = fileformat.load(XOR)
    network.training = replace(network.training, **training)  # type: ignore[arg-type]
    return network


@pytest.fixture
def adam() -> Iterator[tuple[Document, TrainingSession]]:
    document = Document(xor_network(**ADAM), XOR)
    session = TrainingSession(document)
    yield document, session
    session.pause()
    document.undo_stack.clear()


def train(qtbot, session: TrainingSession, iterations: int) -> None:
    assert session.train(iterations)
    qtbot.waitUntil(lambda: not session.running, timeout=30_000)


def reference(network: Network, resume: RunState | None = None) -> Trainer:
    """A plain engine Trainer on ``network`` as it is now."""
    (x, y), test = split_arrays(network)
    return Trainer(compile_plan(network), x, y, replace(network.training), test=test,
                   resume=resume)


def same(document: Document, trainer: Trainer) -> None:
    """The document holds exactly the trainer's parameters."""
    weights, biases = document.network.parameters()
    assert weights == trainer.plan.weights()
    assert biases == trainer.plan.biases()


def test_two_runs_of_100_are_one_run_of_200(qtbot, adam) -> None:
    document, session = adam
    expected = reference(xor_network(**ADAM))
    expected.run(200)
    train(qtbot, session, 100)
    train(qtbot, session, 100)
    same(document, expected)
    assert session.history.losses.tolist() == expected.history
    assert session.learning_rate_now == expected.learning_rate == 0.05 * 0.5 ** 6


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov", "rmsprop", "adam"])
def test_undo_then_redo_between_runs_goes_on_from_the_state(qtbot, optimizer) -> None:
    """Undo, redo and train: the trainer is made again, from the state the redo put
    back, so the numbers are those of one run of 200 (with a scheduled η)."""
    settings = {**ADAM, "optimizer": optimizer, "learning_rate": 0.05}
    document = Document(xor_network(**settings), XOR)
    session = TrainingSession(document)
    try:
        expected = reference(xor_network(**settings))
        expected.run(200)
        train(qtbot, session, 100)
        document.undo()
        document.redo()
        assert session.trainer is None          # the next run makes it again
        train(qtbot, session, 100)
        same(document, expected)
        assert session.history.losses[-100:].tolist() == expected.history[-100:]
    finally:
        session.pause()
        document.undo_stack.clear()


def test_train_undo_train_trains_the_same_numbers_twice(qtbot, adam) -> None:
    document, session = adam
    expected = reference(xor_network(**ADAM))
    expected.run(100)
    train(qtbot, session, 100)
    same(document, expected)
    document.undo()                     # Ctrl+Z: the weights and the state from before
    train(qtbot, session, 100)
    same(document, expected)
    assert session.history.losses[-101:].tolist() == expected.history


def test_undo_run_then_train_trains_the_same_numbers_twice(qtbot, adam) -> None:
    """The banner's Undo the run also takes the run out of the history."""
    document, session = adam
    expected = reference(xor_network(**ADAM))
    expected.run(100)
    train(qtbot, session, 100)
    session.undo_run()
    assert session.memory.kept is None
    train(qtbot, session, 100)
    same(document, expected)
    assert session.history.losses.tolist() == expected.history


def test_redo_restores_the_state_after_the_run(qtbot, adam) -> None:
    document, session = adam
    expected = reference(xor_network(**ADAM))
    expected.run(300)
    train(qtbot, session, 100)
    train(qtbot, session, 100)
    document.undo()
    assert session.memory.kept is not None and session.memory.kept.state.updates == 100
    document.redo()
    assert session.memory.kept is not None and session.memory.kept.state.updates == 200
    train(qtbot, session, 100)
    same(document, expected)


def test_an_edited_weight_keeps_the_state(qtbot, adam) -> None:
    """As torch's optimizer keeps its moments when a parameter's value is changed."""
    document, session = adam
    first = reference(xor_network(**ADAM))
    first.run(100)
    train(qtbot, session, 100)
    assert document.execute(SetEdge(document, "w_h1_y", weight=0.5)) is None
    edited = xor_network(**ADAM)
    weights, biases = first.plan.weights(), first.plan.biases()
    weights["w_h1_y"] = 0.5
    edited.set_parameters(weights, biases)
    expected = reference(edited, resume=first.run_state())
    assert expected.resumed
    expected.run(100)
    train(qtbot, session, 100)
    same(document, expected)
    fresh = reference(edited)
    fresh.run(100)
    assert fresh.plan.weights() != expected.plan.weights()      # the state mattered


def test_a_structure_edit_starts_afresh(qtbot, adam) -> None:
    document, session = adam
    first = reference(xor_network(**ADAM))
    first.run(100)
    train(qtbot, session, 100)
    assert document.execute(DeleteItems(document, [], ["w_x1_h1"])) is None
    edited = xor_network(**ADAM)
    edited.set_parameters(first.plan.weights(), first.plan.biases())
    edited.remove_edge("w_x1_h1")
    expected = reference(edited)
    expected.run(100)
    train(qtbot, session, 100)
    same(document, expected)


def test_another_optimizer_starts_afresh_and_its_undo_goes_on(qtbot, adam) -> None:
    document, session = adam
    train(qtbot, session, 100)
    trained = document.network.parameters()
    momentum = replace(document.network.training, optimizer="momentum")
    assert document.execute(SetTraining(document, momentum)) is None
    on_trained = xor_network(**{**ADAM, "optimizer": "momentum"})
    on_trained.set_parameters(*trained)
    expected = reference(on_trained)
    expected.run(100)
    train(qtbot, session, 100)
    same(document, expected)
    document.undo()                             # the momentum run
    document.undo()                             # back to Adam: its state fits again
    straight = reference(xor_network(**ADAM))
    straight.run(200)
    train(qtbot, session, 100)
    same(document, straight)


def test_a_learning_rate_set_between_runs_is_used_and_the_schedule_goes_on(
        qtbot, adam) -> None:
    document, session = adam
    expected = reference(xor_network(**ADAM))
    expected.run(100)
    expected.learning_rate = 0.02
    expected.run(100)
    train(qtbot, session, 100)
    assert session.set_learning_rate(0.02) is None
    train(qtbot, session, 100)
    same(document, expected)
    # η was set at update 100, then halved at 120, 150 and 180
    assert session.learning_rate_now == expected.learning_rate == 0.02 * 0.5 ** 3


def test_a_reset_drops_the_state_and_its_undo_puts_it_back(qtbot, adam) -> None:
    document, session = adam
    fresh = reference(xor_network(**ADAM))
    fresh.run(100)
    train(qtbot, session, 100)
    kept = session.memory.kept
    assert session.reset_weights() is None
    assert session.memory.kept is None
    train(qtbot, session, 100)
    same(document, fresh)
    assert session.history.losses.tolist() == fresh.history
    document.undo()
    document.undo()
    assert session.memory.kept is kept


def test_the_state_kept_is_the_trainers_own(qtbot, adam) -> None:
    """What the memory keeps after a run is the run's RunState: updates, η, moments."""
    _, session = adam
    expected = reference(xor_network(**ADAM))
    expected.run(100)
    train(qtbot, session, 100)
    kept = session.memory.kept
    assert kept is not None
    state = expected.run_state()
    assert kept.state.optimizer == "adam" and kept.state.updates == 100
    assert kept.state.learning_rate == state.learning_rate == 0.05 * 0.5 ** 3
    for key, arrays in state.state.items():
        for mine, theirs in zip(kept.state.state[key], arrays, strict=True):
            np.testing.assert_array_equal(mine, theirs)


def test_single_updates_go_on_from_the_state_and_undo_one_by_one(qtbot, adam) -> None:
    document, session = adam
    expected = reference(xor_network(**ADAM))
    expected.run(3)
    two = reference(xor_network(**ADAM))
    two.run(2)
    for _ in range(3):
        assert session.step() is not None
    same(document, expected)
    document.undo()                     # the third update, and its state
    assert session.memory.kept is not None and session.memory.kept.state.updates == 2
    same(document, two)
    assert session.step() is not None
    same(document, expected)


def test_a_schedule_set_between_runs_goes_on_from_the_files_rate(qtbot, adam) -> None:
    """Adam's moments go on; η starts again at the file's 0.05, now constant."""
    document, session = adam
    first = reference(xor_network(**ADAM))
    first.run(100)
    train(qtbot, session, 100)
    constant = replace(document.network.training, schedule="constant")
    assert document.execute(SetTraining(document, constant)) is None
    on_trained = xor_network(**{**ADAM, "schedule": "constant"})
    on_trained.set_parameters(first.plan.weights(), first.plan.biases())
    state = first.run_state()
    assert state.learning_rate == 0.05 * 0.5 ** 3
    expected = reference(on_trained, resume=replace(state, learning_rate=0.05))
    expected.run(100)
    train(qtbot, session, 100)
    same(document, expected)
    assert session.learning_rate_now == 0.05


def test_a_run_whose_loss_became_nan_leaves_no_state(qtbot) -> None:
    """ŷ = w·x + b on x = 3 with momentum and η = 1e160: the first update sends w to
    about −1.5e160, so the loss ½(ŷ − 1)² overflows to ∞. The weights stay the last
    finite ones (w = 0.5, b = 0); the velocity of that update would poison the next
    run, so it starts afresh from them."""
    network = Network([Neuron("x", "input"), Neuron("y", "output", "identity", 0.0)],
                      [Edge("w", "x", "y", 0.5)], samples=[Sample([3.0], [1.0])],
                      training=TrainingSettings(learning_rate=1e160, optimizer="momentum"))
    document = Document(network)
    session = TrainingSession(document)
    try:
        train(qtbot, session, 10)
        assert session.diverged_at == 1 and session.divergence[0] == "nan"
        assert session.memory.kept is None
        assert session.set_learning_rate(0.01) is None
        train(qtbot, session, 10)
        # afresh from w = 0.5, b = 0: e = ŷ − y, g_w = 3e, g_b = e, v ← 0.9·v + g
        w, b, v_w, v_b = 0.5, 0.0, 0.0, 0.0
        for t in range(10):
            e = w * 3.0 + b - 1.0
            v_w = 3.0 * e if t == 0 else 0.9 * v_w + 3.0 * e
            v_b = e if t == 0 else 0.9 * v_b + e
            w, b = w - 0.01 * v_w, b - 0.01 * v_b
        assert document.network.edge("w").weight == pytest.approx(w, rel=1e-12)
        assert document.network.neuron("y").bias == pytest.approx(b, rel=1e-12)
    finally:
        session.pause()
        document.undo_stack.clear()


def test_a_single_update_after_a_run_writes_the_runs_state(qtbot, adam) -> None:
    """Ctrl+U after 7 updates of Adam is update t = 8: its m and v lines start from the
    run's moments (not zeros), and its result is the weight the update makes."""
    document, session = adam
    train(qtbot, session, 7)
    state = session.trainer.run_state() if session.trainer else None
    record = session.step()
    assert record is not None and state is not None
    assert "update t = 8" in " ".join(record.notes)
    first = document.network.edges[0].id
    b, r, c = compile_plan(document.network).edge_slot[first]
    line = {e.lhs: e.result for e in record.equations}
    m_before = float(state.state["exp_avg"][b][r, c])
    beta1 = document.network.training.beta1
    assert m_before != 0.0                  # the run's moment, not Adam's initial zero
    assert line[f"m_{first}"] == pytest.approx(
        beta1 * m_before + (1 - beta1) * line[f"g_{first}"], rel=1e-12)
    new = dict(record.values)
    assert document.network.edge(first).weight == new[Quantity("weight", first)]


def test_the_single_update_never_uses_a_test_sample(qtbot) -> None:
    network = xor_network(mode="sgd")
    network.samples[0].split = "test"
    (x, y), _ = split_arrays(network)
    expected = Trainer(compile_plan(network), x, y, replace(network.training))
    expected.run(1)
    before = network.edges[1].weight
    network = network.copy()
    document = Document(network, XOR)
    session = TrainingSession(document)
    record = session.step()
    assert record is not None
    w = network.edges[1].id                 # from x2, which is 0 in sample 0, 1 in sample 1
    assert document.network.edge(w).weight == expected.plan.weights()[w] != before
    # what the Step panel shows is that update: sample 1 (the first training sample)
    assert dict(record.values)[Quantity("weight", w)] == expected.plan.weights()[w]
    session.pause()
    document.undo_stack.clear()
