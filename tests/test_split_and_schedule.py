"""A test split and a learning-rate schedule (v1 additions), against the independent
reference of tests/reference.py: training never sees a test sample, the test loss is
the reference's loss of the test samples at the trained weights, η follows the
schedule's closed form, the L2 penalty is (λ/2)·Σw² by hand, and two runs that go on
from each other are one run."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bpgui.engine.plan import compile_plan, split_arrays
from bpgui.engine.schedules import learning_rate_after
from bpgui.engine.training import Trainer
from bpgui.network import fileformat
from bpgui.network.errors import NetworkError
from bpgui.network.model import Network, Sample, TrainingSettings
from tests.cli_helpers import error_line, ok_json, run_cli
from tests.conftest import load_sample
from tests.reference import apply_update, reference_dataset, reference_loss

RELATIVE = 1e-9


def xor_with_test(*tests: int) -> Network:
    network = load_sample("xor_2-2-1")
    for k in tests:
        network.samples[k].split = "test"
    return network


def only(network: Network, test: bool) -> Network:
    """A copy of ``network`` keeping only its test samples, or only its training ones."""
    copy = network.copy()
    copy.samples = [s.copy() for s in network.samples if s.is_test == test]
    for s in copy.samples:
        s.split = "train"
    return copy


def trainer_for(network: Network, settings: TrainingSettings | None = None) -> Trainer:
    (x, y), test = split_arrays(network)
    return Trainer(compile_plan(network), x, y, settings or replace(network.training),
                   test=test)


def reference_run(network: Network, rates: list[float]) -> tuple[list[float], list[float]]:
    """Batch gradient descent on the training samples with η = rates[t] at update t + 1:
    the training and the test loss after each update (and before the first)."""
    train, test = only(network, test=False), only(network, test=True)
    losses, tests = [reference_loss(train)], [reference_loss(test)]
    for rate in rates:
        apply_update(train, reference_dataset(train), rate)
        for e, f in zip(test.edges, train.edges, strict=True):
            e.weight = f.weight
        for n, m in zip(test.neurons, train.neurons, strict=True):
            n.bias = m.bias
        losses.append(reference_loss(train))
        tests.append(reference_loss(test))
    return losses, tests


def test_training_never_uses_a_test_sample_and_measures_it() -> None:
    network = xor_with_test(3)
    trainer = trainer_for(network)
    trainer.run(30)
    losses, tests = reference_run(network, [network.training.learning_rate] * 30)
    assert trainer.history == pytest.approx(losses, rel=RELATIVE)
    assert trainer.test_history == pytest.approx(tests, rel=RELATIVE)
    # the trained weights are those of a network that never had the test sample
    alone = trainer_for(only(network, test=False))
    alone.run(30)
    assert trainer.plan.weights() == alone.plan.weights()
    assert alone.test_history is None


@pytest.mark.parametrize(("schedule", "step_size", "gamma", "rates"), [
    ("constant", 100, 0.1, [0.5] * 7),
    ("step", 3, 0.5, [0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]),
    ("exponential", 100, 0.9, [0.5 * 0.9 ** t for t in range(7)]),
])
def test_the_schedule_sets_eta_of_every_update(schedule: str, step_size: int, gamma: float,
                                               rates: list[float]) -> None:
    network = xor_with_test(0)
    settings = replace(network.training, learning_rate=0.5, schedule=schedule,
                       step_size=step_size, gamma=gamma)
    trainer = trainer_for(network, settings)
    seen = []
    for _ in rates:
        seen.append(trainer.learning_rate)
        trainer.run(1)
    assert seen == pytest.approx(rates, rel=1e-15)
    assert [learning_rate_after(settings, t) for t in range(len(rates))] == \
        pytest.approx(rates, rel=1e-15)
    losses, tests = reference_run(network, rates)
    assert trainer.history == pytest.approx(losses, rel=RELATIVE)
    assert trainer.test_history == pytest.approx(tests, rel=RELATIVE)


def test_the_l2_penalty_is_half_lambda_times_the_squared_trainable_weights() -> None:
    network = load_sample("xor_2-2-1")
    network.edges[0].trainable = False
    settings = replace(network.training, l2=0.01)
    trainer = trainer_for(network, settings)
    by_hand = 0.5 * 0.01 * sum(e.weight ** 2 for e in network.edges if e.trainable)
    assert trainer.penalty_history is not None and len(trainer.penalty_history) == 1
    assert trainer.penalty_history[0] == pytest.approx(by_hand, rel=1e-14)
    trainer.run(5)
    weights = trainer.plan.weights()
    after = 0.5 * 0.01 * sum(weights[e.id] ** 2 for e in network.edges if e.trainable)
    assert trainer.penalty_history is not None and len(trainer.penalty_history) == 6
    assert trainer.penalty_history[-1] == pytest.approx(after, rel=1e-14)
    assert trainer_for(network).penalty_history is None        # λ = 0: nothing to report


@pytest.mark.parametrize("mode", ["batch", "sgd", "minibatch"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "rmsprop"])
def test_two_runs_that_go_on_from_each_other_are_one_run(optimizer: str, mode: str) -> None:
    """The second run goes on with the rule's state, η and the shuffled sample order (15
    updates of 1 or 3 of 4 samples stop mid-epoch)."""
    network = load_sample("xor_2-2-1")
    settings = replace(network.training, optimizer=optimizer, learning_rate=0.05,
                       schedule="exponential", gamma=0.99, mode=mode, batch_size=3,
                       shuffle=True, seed=5)
    whole = trainer_for(network, replace(settings))
    whole.run(40)
    first = trainer_for(network, replace(settings))
    first.run(15)
    trained = first.plan.apply_to(network)
    (x, y), _ = split_arrays(trained)
    second = Trainer(compile_plan(trained), x, y, replace(settings), resume=first.run_state())
    assert second.resumed
    second.run(25)
    assert first.history + second.history[1:] == whole.history
    assert second.plan.weights() == whole.plan.weights()
    assert second.learning_rate == whole.learning_rate


def test_a_state_for_another_rule_or_shape_is_not_gone_on_from() -> None:
    network = load_sample("xor_2-2-1")
    adam = trainer_for(network, replace(network.training, optimizer="adam"))
    adam.run(3)
    (x, y), _ = split_arrays(network)
    momentum = Trainer(compile_plan(network), x, y,
                       replace(network.training, optimizer="momentum"),
                       resume=adam.run_state())
    assert not momentum.resumed
    other = load_sample("seed003_layered")
    (x, y), _ = split_arrays(other)
    wider = Trainer(compile_plan(other), x, y, replace(other.training, optimizer="adam"),
                    resume=adam.run_state())
    assert not wider.resumed and wider.optimizer.updates == 0


def test_every_sample_a_test_sample_is_refused_where_it_is_made() -> None:
    network = load_sample("xor_2-2-1")
    with pytest.raises(NetworkError, match="at least one must stay a training sample"):
        network.set_samples([replace(s, split="test") for s in network.samples])
    assert not any(s.is_test for s in network.samples)         # nothing changed
    with pytest.raises(NetworkError) as err:
        network.set_samples([Sample([0, 0], [0], split="holdout")])
    assert err.value.path == "samples[0].split"


@pytest.mark.parametrize(("options", "message"), [
    (["--schedule", "cosine"], "argument --schedule: invalid choice: 'cosine'"),
    (["--step-size", "0"], "argument --step-size: must be a whole number >= 1, not '0'"),
    (["--gamma", "0"], "argument --gamma: must be a number in (0, 1], not '0'"),
    (["--gamma", "nan"], "argument --gamma: must be a number in (0, 1], not 'nan'"),
])
def test_bad_schedule_options_are_one_line_and_exit_2(options: list[str], message: str
                                                      ) -> None:
    result = run_cli("train", "sample_networks/xor_2-2-1.bpnet.json", *options)
    assert message in error_line(result)


def test_bpgui_train_reports_the_test_loss_and_the_penalty(tmp_path: Path) -> None:
    folder = tmp_path
    network = xor_with_test(1)
    source = folder / "split.bpnet.json"
    fileformat.save(network, source)
    csv = folder / "history.csv"
    report = ok_json(run_cli("train", source, "--iterations", "4", "--l2", "0.01",
                             "--schedule", "step", "--step-size", "2", "--gamma", "0.5",
                             "--history", csv))
    settings = replace(network.training, l2=0.01, schedule="step", step_size=2, gamma=0.5)
    trainer = trainer_for(network, settings)
    trainer.run(4)
    assert report["loss_history"] == trainer.history
    assert report["test_loss_history"] == trainer.test_history
    assert trainer.test_history is not None
    assert report["final_test_loss"] == trainer.test_history[-1]
    assert report["l2_penalty_history"] == trainer.penalty_history
    rows = csv.read_text().splitlines()
    assert rows[0] == "iteration,loss,test_loss,l2_penalty"
    last = rows[-1].split(",")
    assert int(last[0]) == 4 and float(last[2]) == report["final_test_loss"]
    assert float(last[3]) == report["final_l2_penalty"]
    plain = ok_json(run_cli("train", "sample_networks/xor_2-2-1.bpnet.json",
                            "--iterations", "2"))
    assert set(plain) == {"iterations", "loss_history", "final_loss", "weights", "biases"}
    assert all(math.isfinite(v) for v in report["test_loss_history"])
    assert np.all(np.diff(report["l2_penalty_history"]) != 0)
