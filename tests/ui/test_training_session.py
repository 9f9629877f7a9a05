"""Training in the window's session: exactly `bpgui train`'s numbers, one undo per run,
pause and resume, the learning rate changed mid-run, divergence, single updates (issue 5).

Every expected number comes from the command line (`bpgui train` in a subprocess) or
from the engine's Trainer run directly, never from the session itself.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bpgui.engine.plan import compile_plan, sample_arrays
from bpgui.engine.training import Trainer
from bpgui.network import fileformat
from bpgui.network.model import Edge, Network, Neuron, Sample, TrainingSettings
from bpgui.ui.document.commands import SetEdge
from bpgui.ui.document.document import Document
from bpgui.ui.training.session import TrainingSession
from tests.cli_helpers import SAMPLES, run_cli

MOONS = SAMPLES / "moons_2-8-8-1.bpnet.json"
XOR = SAMPLES / "xor_2-2-1.bpnet.json"


def open_session(path: Path, **training: object) -> tuple[Document, TrainingSession]:
    network = fileformat.load(path)
    if training:
        network.training = replace(network.training, **training)  # type: ignore[arg-type]
    document = Document(network, path)
    return document, TrainingSession(document)


@pytest.fixture
def xor() -> Iterator[tuple[Document, TrainingSession]]:
    document, session = open_session(XOR)
    yield document, session
    session.pause()
    document.undo_stack.clear()


def cli_train(path: Path, iterations: int, *options: str) -> dict:  # type: ignore[type-arg]
    result = run_cli("train", path, "--iterations", str(iterations), *options)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def finish(qtbot, session: TrainingSession) -> None:
    qtbot.waitUntil(lambda: not session.running, timeout=30_000)


def test_train_n_is_exactly_bpgui_train(qtbot, xor) -> None:
    document, session = xor
    expected = cli_train(XOR, 700)
    assert session.train(700)
    finish(qtbot, session)
    weights, biases = document.network.parameters()
    assert weights == expected["weights"] and biases == expected["biases"]
    assert session.history.losses.tolist() == expected["loss_history"]
    assert session.iteration == 700 and len(session.history.gradient_norms) == 700


def test_a_run_is_one_undo_entry(qtbot, xor) -> None:
    document, session = xor
    before = document.network.parameters()
    count = document.undo_stack.count()
    session.train(300)
    finish(qtbot, session)
    assert document.undo_stack.count() == count + 1
    assert "300" in document.undo_stack.undoText()
    after = document.network.parameters()
    document.undo()
    assert document.network.parameters() == before
    document.redo()
    assert document.network.parameters() == after


def test_pause_and_resume_continue_the_same_run_of_updates(qtbot) -> None:
    """Minibatches drawn with a shuffle: resuming continues the same schedule, so any
    split into runs gives the numbers of one uninterrupted Trainer run."""
    document, session = open_session(MOONS, mode="minibatch", batch_size=16, shuffle=True,
                                     seed=7)
    try:
        session.play()
        qtbot.waitUntil(lambda: session.iteration >= 50, timeout=30_000)
        session.pause()
        first = session.iteration
        assert not session.running and session.iteration == first
        session.play()
        qtbot.waitUntil(lambda: session.iteration >= first + 50, timeout=30_000)
        session.pause()
        total = session.iteration
        network = fileformat.load(MOONS)
        network.training = replace(network.training, mode="minibatch", batch_size=16,
                                   shuffle=True, seed=7)
        trainer = direct_trainer(network)
        trainer.run(total)
        weights, _ = document.network.parameters()
        assert weights == trainer.plan.weights()
        assert session.history.losses.tolist() == trainer.history
        assert document.undo_stack.count() == 2                 # two runs, two entries
    finally:
        session.pause()
        document.undo_stack.clear()


def direct_trainer(network: Network, **kwargs: object) -> Trainer:
    x, y = sample_arrays(network)
    return Trainer(compile_plan(network), x, y, replace(network.training), **kwargs)  # type: ignore[arg-type]


def test_the_learning_rate_changes_mid_run(qtbot, xor) -> None:
    document, session = xor
    settings_before = replace(document.network.training)
    before = document.network.parameters()
    session.play()
    qtbot.waitUntil(lambda: session.iteration >= 40, timeout=30_000)
    assert session.set_learning_rate(0.25) is None
    switched = session.iteration                  # chunks are whole: nothing ran between
    qtbot.waitUntil(lambda: session.iteration >= switched + 40, timeout=30_000)
    session.pause()
    total = session.iteration
    assert session.running is False and document.network.training.learning_rate == 0.25
    trainer = direct_trainer(fileformat.load(XOR))
    trainer.run(switched)
    trainer.learning_rate = 0.25
    trainer.run(total - switched)
    assert document.network.parameters()[0] == trainer.plan.weights()
    assert session.history.losses.tolist() == trainer.history
    assert document.undo_stack.count() == 1                 # the change is part of the run
    document.undo()
    assert document.network.parameters() == before
    assert document.network.training == settings_before


def test_an_edit_ends_the_run_first_and_training_goes_on(qtbot, xor) -> None:
    document, session = xor
    session.play()
    qtbot.waitUntil(lambda: session.iteration >= 20, timeout=30_000)
    assert document.execute(SetEdge(document, document.network.edges[0].id, weight=0.3)) is None
    texts = [document.undo_stack.text(k) for k in range(document.undo_stack.count())]
    assert texts[0].startswith("Train") and texts[1].startswith("Set weight")
    qtbot.waitUntil(lambda: session.running, timeout=5_000)
    session.pause()
    assert document.undo_stack.count() == 3                 # run, edit, run


def test_undo_while_running_stops_and_undoes_the_run(qtbot, xor) -> None:
    document, session = xor
    before = document.network.parameters()
    session.play()
    qtbot.waitUntil(lambda: session.iteration >= 20, timeout=30_000)
    document.undo()
    assert not session.running and document.network.parameters() == before
    qtbot.wait(20)                                          # a few turns of the event loop
    assert not session.running


def exploding() -> Document:
    """ŷ = w·x, half_sse, an absurd η = 10³⁰⁰ on x = 3: the first update sends w to about
    −10³⁰⁰, so the loss after it is infinite."""
    network = Network([Neuron("x", "input"), Neuron("y", "output", "identity", 0.0)],
                      [Edge("w", "x", "y", 0.5)], samples=[Sample([3.0], [1.0])],
                      training=TrainingSettings(learning_rate=1e300))
    return Document(network)


def test_divergence_stops_with_the_last_finite_weights(qtbot) -> None:
    document = exploding()
    session = TrainingSession(document)
    with qtbot.waitSignal(session.diverged, timeout=30_000) as blocker:
        session.train(10_000)
    iteration, rate, kind = blocker.args
    assert kind == "nan"
    document.undo()                                    # back to the start, to compare
    trainer = direct_trainer(document.network)
    trainer.run(10_000)
    assert trainer.diverged_at is not None and iteration == trainer.diverged_at
    assert iteration == 1 and rate == 1e300 and not session.running
    document.redo()
    assert document.network.parameters()[0] == trainer.plan.weights()
    assert all(math.isfinite(w) for w in document.network.parameters()[0].values())
    assert not math.isfinite(session.history.losses[-1])
    assert math.isfinite(session.history.losses[-2])
    document.undo_stack.clear()


def test_a_single_update_shows_every_parameter_with_its_numbers(qtbot, two_in_one_out) -> None:
    document = two_in_one_out
    session = TrainingSession(document)
    old = document.network.parameters()
    with qtbot.waitSignal(session.single_update) as blocker:
        record = session.step(focus="w2")
    assert blocker.args[0] is record and record.phase == "update"
    weights, biases = document.network.parameters()
    shown = {q.id: v for q, v in record.values}
    assert {**weights, **biases} == shown                  # the record's new values landed
    trainer = direct_trainer(_fresh(old, document))
    trainer.run(1)
    assert trainer.plan.weights() == weights
    text = record.text(4)
    assert "w1 ← w1 − η·g_w1" in text and "b_out ← b_out − η·g_b_out" in text
    # batch mode, 4 samples: g_w2 is the mean of the four per-sample gradients, listed
    (mean,) = [eq for eq in record.equations if eq.lhs == "g_w2"]
    assert mean.symbols == "(∂L₀/∂w2 + ∂L₁/∂w2 + ∂L₂/∂w2 + ∂L₃/∂w2)/4"
    assert len(mean.operands) == 4
    assert np.mean(mean.operands) == pytest.approx(mean.result, rel=1e-12)
    assert document.undo_stack.count() == 1


def _fresh(parameters: tuple[dict[str, float], dict[str, float]], document: Document) -> Network:
    network = document.network.copy()
    network.set_parameters(*parameters)
    return network


def test_reset_weights_to_the_file_and_randomise(qtbot, xor) -> None:
    document, session = xor
    loaded = document.network.parameters()
    session.train(50)
    finish(qtbot, session)
    assert document.network.parameters() != loaded
    assert session.reset_weights() is None
    assert document.network.parameters() == loaded and len(session.history) == 0
    assert session.reset_weights(seed=3) is None
    first = document.network.parameters()
    session.reset_weights()
    session.reset_weights(seed=3)
    assert document.network.parameters() == first != loaded    # the seed decides


def test_a_runaway_loss_stops_too_though_it_stays_finite(qtbot) -> None:
    """Moons with η = 100: the sigmoid saturates and the clamped cross-entropy stays
    finite (about 8), far above the run's start (0.54) and its lowest."""
    document, session = open_session(MOONS, learning_rate=100.0)
    try:
        with qtbot.waitSignal(session.diverged, timeout=30_000) as blocker:
            session.train(5000)
        iteration, rate, kind = blocker.args
        assert kind == "runaway" and rate == 100.0 and not session.running
        losses = session.history.losses
        _, loss, lowest = session.divergence
        # the first iteration where both thresholds are crossed, found here independently
        first = next(t for t in range(1, len(losses))
                     if losses[t] > 2 * losses[0] and losses[t] > 10 * min(losses[:t]))
        assert iteration == first and loss == losses[first] and lowest == min(losses[:first])
        assert all(math.isfinite(v) for v in losses)
        assert document.undo_stack.count() == 1
    finally:
        session.pause()
        document.undo_stack.clear()


def test_normal_training_never_runs_away(qtbot, xor) -> None:
    _, session = xor
    session.train(3000)
    finish(qtbot, session)
    assert session.diverged_at is None and session.iteration == 3000


def test_a_loss_already_infinite_is_refused_at_once(qtbot) -> None:
    network = Network([Neuron("x", "input"), Neuron("y", "output", "identity", 0.0)],
                      [Edge("w", "x", "y", 1e200)], samples=[Sample([1e200], [1.0])])
    document = Document(network)
    session = TrainingSession(document)
    with qtbot.waitSignal(session.diverged, timeout=10_000) as blocker:
        session.train(100)
    assert blocker.args[0] == 0 and blocker.args[2] == "nan"
    assert session.iteration == 0 and document.network.edge("w").weight == 1e200
    assert document.undo_stack.count() == 0                 # nothing happened to undo


def test_a_second_window_s_run_ends_the_first_cleanly(qtbot, xor) -> None:
    """One training process serves the app: a second session's run ends the first one's,
    which keeps what it had trained (its own undo entry) and says why it stopped."""
    document, session = xor
    other_document, other = open_session(MOONS)
    try:
        session.play()
        qtbot.waitUntil(lambda: session.iteration >= 20, timeout=30_000)
        with qtbot.waitSignal(session.message, timeout=10_000) as blocker:
            assert other.train(50)
        assert "another window" in blocker.args[0] and not session.running
        assert document.undo_stack.count() == 1
        trainer = direct_trainer(fileformat.load(XOR))
        trainer.run(session.iteration)
        assert document.network.parameters()[0] == trainer.plan.weights()
        assert session.history.losses.tolist() == trainer.history
        finish(qtbot, other)
        assert other.iteration == 50
    finally:
        other.pause()
        other_document.undo_stack.clear()
