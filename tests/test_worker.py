"""The training process (issue 5): a run handed to it gives exactly the numbers of the
same Trainer run here; a learning-rate change and a stop land between two chunks, where
the caller's history says; a runaway loss and a dead process are reported, not hidden.

Every expected number comes from a Trainer run directly in this process, or from the
spec's description of the batch schedule written out below, never from the worker.
"""

from __future__ import annotations

import math
import pickle
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bpgui.engine.plan import compile_plan, sample_arrays
from bpgui.engine.training import BatchSchedule, Trainer
from bpgui.engine.worker import (
    RUNAWAY_FROM_LOWEST,
    RUNAWAY_FROM_START,
    Finished,
    Progress,
    RunawayWatch,
    TrainingWorker,
)
from bpgui.network import fileformat
from bpgui.network.errors import BpguiError
from bpgui.network.model import TrainingSettings

SAMPLES = Path(__file__).resolve().parents[1] / "sample_networks"
XOR = SAMPLES / "xor_2-2-1.bpnet.json"
MOONS = SAMPLES / "moons_2-8-8-1.bpnet.json"


def spec_schedule(mode: str, n: int, size: int, shuffle: bool, seed: int) -> Iterator[object]:
    """network-format.md, Gradient descent: all samples (batch); else file order or, with
    shuffle, a permutation drawn anew each epoch from a generator seeded with seed, cut
    into consecutive runs of one (sgd) or batch_size samples, the last one shorter."""
    if mode == "batch":
        while True:
            yield None
    step = 1 if mode == "sgd" else size
    rng = np.random.default_rng(seed % (1 << 64))
    while True:
        order = rng.permutation(n) if shuffle else np.arange(n)
        for start in range(0, n, step):
            yield order[start:start + step].tolist()


@pytest.mark.parametrize(("mode", "size", "shuffle", "seed"), [
    ("batch", 4, False, 0), ("sgd", 1, False, 0), ("sgd", 1, True, 3),
    ("minibatch", 3, False, 0), ("minibatch", 3, True, -5), ("minibatch", 7, True, 11),
])
def test_the_schedule_is_the_spec_s_and_survives_pickling(mode, size, shuffle, seed) -> None:
    n = 7
    settings = TrainingSettings(mode=mode, batch_size=size, shuffle=shuffle, seed=seed)
    schedule, expected = BatchSchedule(settings, n), spec_schedule(mode, n, size, shuffle, seed)
    drawn = []
    for k in range(40):                     # several epochs, and a pickle mid-epoch
        if k == 17:
            schedule = pickle.loads(pickle.dumps(schedule))
        rows = next(schedule)
        drawn.append(None if rows is None else rows.tolist())
    assert drawn == [next(expected) for _ in range(40)]


def trainer_for(path: Path, **training: object) -> Trainer:
    network = fileformat.load(path)
    network.training = replace(network.training, **training)  # type: ignore[arg-type]
    x, y = sample_arrays(network)
    return Trainer(compile_plan(network), x, y, replace(network.training), record_norms=True)


def test_a_pickled_trainer_goes_on_exactly_as_the_original() -> None:
    original = trainer_for(MOONS, mode="minibatch", batch_size=16, shuffle=True, seed=2)
    original.run(13)                                   # mid-epoch
    copy = pickle.loads(pickle.dumps(original))
    assert original.run(40) == copy.run(40)
    assert original.plan.weights() == copy.plan.weights()


@pytest.fixture(scope="module")
def worker() -> Iterator[TrainingWorker]:
    worker = TrainingWorker()
    yield worker
    if worker.busy:
        worker.stop()


def collect(worker: TrainingWorker, messages: list[Progress | Finished]) -> Finished | None:
    """Wait for the run's end; ``messages`` gets everything that came."""
    while worker.busy:
        messages.extend(worker.poll(timeout=0.05))
    return next((m for m in messages if isinstance(m, Finished)), None)


def losses_of(messages: list[Progress | Finished]) -> list[float]:
    return [v for m in messages if isinstance(m, Progress) for v in m.losses.tolist()]


def test_a_run_in_the_process_is_exactly_the_run_here(worker) -> None:
    expected = trainer_for(MOONS, mode="sgd", shuffle=True, seed=4)
    expected.run(2500)
    worker.start("test", trainer_for(MOONS, mode="sgd", shuffle=True, seed=4), 2500,
                 RunawayWatch(math.inf, math.inf))
    messages: list[Progress | Finished] = []
    finished = collect(worker, messages)
    assert finished is not None and finished.divergence is None and messages[-1] is finished
    assert losses_of(messages) == expected.history[1:]
    norms = [v for m in messages if isinstance(m, Progress) and m.norms is not None
             for v in m.norms.tolist()]    # a chunk without norms would come up short
    assert norms == expected.gradient_norms
    assert finished.trainer is not None
    assert finished.trainer.plan.weights() == expected.plan.weights()
    assert finished.trainer.iteration == 2500
    last = [m for m in messages if isinstance(m, Progress)][-1]
    assert [w.tolist() for w, _ in last.parameters] == \
        [b.weights.tolist() for b in expected.plan.blocks]


def test_the_rate_changes_exactly_where_the_answer_says(worker) -> None:
    worker.start("test", trainer_for(XOR), None, RunawayWatch(math.inf, math.inf))
    messages: list[Progress | Finished] = []
    while len(losses_of(messages)) < 200:
        messages.extend(worker.poll(timeout=0.05))
    messages.extend(worker.set_rate(0.25))
    switched = len(losses_of(messages))
    while len(losses_of(messages)) < switched + 200:
        messages.extend(worker.poll(timeout=0.05))
    messages.extend(worker.stop())
    assert not worker.busy and isinstance(messages[-1], Finished)
    total = len(losses_of(messages))
    expected = trainer_for(XOR)
    expected.run(switched)
    expected.learning_rate = 0.25
    expected.run(total - switched)
    assert losses_of(messages) == expected.history[1:]
    returned = messages[-1].trainer
    assert returned is not None
    assert returned.plan.weights() == expected.plan.weights()
    assert returned.learning_rate == 0.25
    # the returned trainer goes on where it stopped
    assert returned.run(5) == expected.run(5)


def test_a_late_stop_or_rate_is_harmless(worker) -> None:
    worker.start("test", trainer_for(XOR), 3, RunawayWatch(math.inf, math.inf))
    finished = collect(worker, [])
    assert finished is not None and finished.trainer is not None
    assert finished.trainer.iteration == 3
    assert worker.stop() == [] and worker.set_rate(0.5) == []   # nothing is running
    worker.start("test", trainer_for(XOR), 4, RunawayWatch(math.inf, math.inf))
    again = collect(worker, [])
    assert again is not None and again.trainer is not None
    assert again.trainer.iteration == 4


def test_a_runaway_is_caught_at_its_first_update(worker) -> None:
    """Moons with η = 100: the loss climbs to about 8 and stays finite."""
    trainer = trainer_for(MOONS, learning_rate=100.0)
    start = trainer.history[0]
    worker.start("test", trainer, 5000, RunawayWatch(start, start))
    messages: list[Progress | Finished] = []
    finished = collect(worker, messages)
    assert finished is not None and finished.divergence is not None
    losses = [start, *losses_of(messages)]
    first = next(t for t in range(1, len(losses))
                 if losses[t] > 2 * losses[0] and losses[t] > 10 * min(losses[:t]))
    divergence = finished.divergence
    assert divergence.kind == "runaway" and divergence.update == first
    assert divergence.loss == losses[first] and divergence.lowest == min(losses[:first])


def test_the_watch_needs_both_thresholds() -> None:
    watch = RunawayWatch(start=1.0, lowest=1.0)
    # above 2× the start but not 10× the lowest (0.5): no runaway; then 5.5 > 10 × 0.5
    assert watch.check(np.array([0.5, 2.5, 4.9]), done=0) is None
    found = watch.check(np.array([3.0, 5.5, 9.0]), done=3)
    assert found is not None and (found.update, found.loss, found.lowest) == (5, 5.5, 0.5)
    assert RUNAWAY_FROM_START == 2.0 and RUNAWAY_FROM_LOWEST == 10.0


def test_a_dead_process_is_said_and_the_next_run_starts_a_new_one() -> None:
    worker = TrainingWorker()
    worker.start("test", trainer_for(XOR), None, RunawayWatch(math.inf, math.inf))
    worker._process.kill()              # as the out-of-memory killer would
    worker._process.join()
    deadline = time.monotonic() + 30
    with pytest.raises(BpguiError, match="training process ended unexpectedly"):
        while time.monotonic() < deadline:      # what it sent before it died comes first
            worker.poll(timeout=0.05)
    assert not worker.busy
    worker.start("test", trainer_for(XOR), 10, RunawayWatch(math.inf, math.inf))
    finished = collect(worker, [])
    assert finished is not None and finished.trainer is not None
    assert finished.trainer.iteration == 10
