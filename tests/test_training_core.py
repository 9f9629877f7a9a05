"""The Qt-free parts of training in the window: the history buffer, recorded gradient
norms, the single-update record (seed 001's update, seed 002's mean), bulk parameter
edits and random re-initialisation (issue 5).

Expected numbers come from other computations: the per-sample gradients of the
step-by-step walk (`trace_document`, one sample at a time), the fast path's dataset
gradient, and hand arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from bpgui.engine.gradcheck import dataset_gradients
from bpgui.engine.history import History
from bpgui.engine.plan import compile_plan, sample_arrays
from bpgui.engine.trace import trace_document
from bpgui.engine.training import Trainer
from bpgui.engine.update_step import update_record
from bpgui.network import fileformat
from bpgui.network.builders import random_parameters
from bpgui.network.changes import Change, ChangeKind
from bpgui.network.errors import BpguiError
from bpgui.network.model import Edge, Network, Neuron, Sample
from tests.cli_helpers import SAMPLES

CHAIN = SAMPLES / "seed002_chain.bpnet.json"
SKIP = SAMPLES / "skip_connections.bpnet.json"


def test_history_grows_and_exports_every_row() -> None:
    h = History(samples=2)
    h.extend([0.5], (), [np.array([0.4, 0.6])])
    h.extend([0.25, 0.125], [1.5, 0.75], [np.array([0.2, 0.3]), np.array([0.1, 0.15])])
    assert h.losses.tolist() == [0.5, 0.25, 0.125] and h.iterations == 2
    assert h.gradient_norms.tolist() == [1.5, 0.75]
    assert h.sample_losses is not None
    assert h.sample_losses.tolist() == [[0.4, 0.6], [0.2, 0.3], [0.1, 0.15]]
    assert h.csv() == ("iteration,loss,gradient_norm\n0,0.5,\n1,0.25,1.5\n"
                       "2,0.125,0.75\n")
    big = History()
    big.extend(np.arange(5000.0))                # past the first buffer's 1024
    assert big.losses.tolist() == list(range(5000))
    h.truncate(1)                                # an undone run leaves the history
    assert h.losses.tolist() == [0.5, 0.25] and h.gradient_norms.tolist() == [1.5]
    assert h.sample_losses is not None
    assert h.sample_losses.tolist() == [[0.4, 0.6], [0.2, 0.3]] and h.iterations == 1
    h.extend([0.2], [1.0], [np.array([0.1, 0.3])])
    assert h.losses.tolist() == [0.5, 0.25, 0.2] and h.gradient_norms.tolist() == [1.5, 1.0]


def test_recorded_norm_is_that_of_the_dataset_gradient() -> None:
    network = fileformat.load(SKIP)              # it has frozen parameters
    plan = compile_plan(network)
    _, weights, biases = dataset_gradients(plan, network)
    trainable = [g for e in network.edges if e.trainable for g in [weights[e.id]]]
    trainable += [biases[n.id] for n in network.neurons if not n.is_input and n.train_bias]
    x, y = sample_arrays(network)
    trainer = Trainer(compile_plan(network), x, y, replace(network.training),
                      record_norms=True, record_samples=True)
    trainer.run(1)
    assert trainer.gradient_norms is not None and trainer.sample_history is not None
    assert trainer.gradient_norms[0] == pytest.approx(math.sqrt(sum(g * g for g in trainable)),
                                                      rel=1e-12)
    assert len(trainer.sample_history) == 2          # before, and after the update
    assert float(np.mean(trainer.sample_history[1])) == pytest.approx(trainer.history[1],
                                                                      rel=1e-15)


def test_recording_changes_no_number_of_the_run() -> None:
    network = fileformat.load(SAMPLES / "xor_2-2-1.bpnet.json")
    x, y = sample_arrays(network)
    runs = []
    for record in (False, True):
        trainer = Trainer(compile_plan(network), x, y, replace(network.training),
                          record_norms=record, record_samples=record)
        trainer.run(200)
        runs.append((trainer.history, trainer.plan.weights()))
    assert runs[0] == runs[1]


def test_the_update_record_is_seed_002s_mean_of_per_sample_gradients() -> None:
    network = fileformat.load(CHAIN)
    record = update_record(network, None, focus="w3")
    (mean,) = [eq for eq in record.equations if eq.lhs == "g_w3"]
    per_sample = [trace_document(network, k)["gradients"]["weights"]["w3"]
                  for k in range(len(network.samples))]
    assert list(mean.operands) == pytest.approx(per_sample, rel=1e-12)
    assert mean.result == pytest.approx(sum(per_sample) / len(per_sample), rel=1e-12)
    assert mean.symbols == "(∂L₀/∂w3 + ∂L₁/∂w3)/2"
    # every parameter: old − η·g, with the trainer's numbers exactly
    x, y = sample_arrays(network)
    trainer = Trainer(compile_plan(network), x, y, replace(network.training))
    trainer.run(1)
    shown = {q.id: v for q, v in record.values}
    assert shown == {**trainer.plan.weights(), **trainer.plan.biases()}
    (w3,) = [eq for eq in record.equations if eq.lhs == "w3"]
    old, eta, g = w3.operands
    assert w3.relation == "←" and old == network.edge("w3").weight
    assert eta == network.training.learning_rate and w3.result == old - eta * g


def test_an_sgd_update_uses_its_one_sample() -> None:
    network = fileformat.load(CHAIN)
    network.training = replace(network.training, mode="sgd")
    record = update_record(network, np.array([1]), focus="w3")
    assert not any(eq.lhs == "g_w3" for eq in record.equations)   # no mean of one
    (w3,) = [eq for eq in record.equations if eq.lhs == "w3"]
    assert w3.operands[2] == pytest.approx(
        trace_document(network, 1)["gradients"]["weights"]["w3"], rel=1e-12)


def test_an_update_of_nothing_trainable_is_refused() -> None:
    network = Network([Neuron("x", "input"), Neuron("y", "output", train_bias=False)],
                      [Edge("w", "x", "y", 1.0, trainable=False)],
                      samples=[Sample([1.0], [0.0])])
    with pytest.raises(BpguiError, match="frozen"):
        update_record(network)


def test_set_parameters_checks_everything_first() -> None:
    network = fileformat.load(CHAIN)
    before = network.parameters()
    seen: list[Change] = []
    network.subscribe(seen.append)
    for weights, biases in (({"w1": math.nan}, {}), ({"nope": 1.0}, {}),
                            ({"w1": 2.0}, {"a0": 1.0})):
        with pytest.raises(BpguiError):
            network.set_parameters(weights, biases)
    assert network.parameters() == before and seen == []
    network.set_parameters({"w1": 2.0, "w2": before[0]["w2"]}, {"a1": 0.5})
    assert seen == [Change(ChangeKind.PARAMETERS_CHANGED, old=({"w1": before[0]["w1"]},
                                                              {"a1": before[1]["a1"]}),
                           new=({"w1": 2.0}, {"a1": 0.5}))]          # one event for all


def test_random_parameters_are_seeded_bounded_and_leave_frozen_ones() -> None:
    network = fileformat.load(SKIP)
    weights, biases = random_parameters(network, 5)
    assert (weights, biases) == random_parameters(network, 5) != random_parameters(network, 6)
    fan_in = {n.id: sum(e.target == n.id for e in network.edges) for n in network.neurons}
    fan_out = {n.id: sum(e.source == n.id for e in network.edges) for n in network.neurons}
    for e in network.edges:
        if e.trainable:
            assert abs(weights[e.id]) <= math.sqrt(6 / (fan_in[e.target] + fan_out[e.source]))
        else:
            assert weights[e.id] == e.weight
    for n in network.neurons:
        if not n.is_input:
            assert biases[n.id] == (0.0 if n.train_bias else n.bias)
