"""Training graphs with operation nodes (issue 14): a mixed graph (neurons feeding
operation nodes and back) learns and its gradients pass the finite-difference check, the
trainer still pickles, and an update that makes a value undefined stops the run with the
node and the sample named, in the library, the training process and the command line.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import pickle
from pathlib import Path

import numpy as np
import pytest

from bpgui.engine.gradcheck import check_gradients
from bpgui.engine.plan import compile_plan, sample_arrays
from bpgui.engine.training import Trainer
from bpgui.engine.worker import Finished, Progress, RunawayWatch, train
from bpgui.network import fileformat
from bpgui.network.errors import BpguiError
from bpgui.network.model import Edge, Network, Neuron, Sample, TrainingSettings
from tests.cli_helpers import error_line, ok_json, run_cli, snapshot

XOR = [([0.0, 0.0], [0.0]), ([0.0, 1.0], [1.0]), ([1.0, 0.0], [1.0]), ([1.0, 1.0], [0.0])]


def mixed(mode: str = "batch") -> Network:
    """x1, x2 → tanh neurons h1, h2 → p = h1·h2 and q = max(h1, x2) (operations) → the
    sigmoid output o, which also reads h1: neurons into operations and back."""
    neurons = [Neuron("x1", "input"), Neuron("x2", "input"),
               Neuron("h1", "hidden", "tanh", 0.1), Neuron("h2", "hidden", "tanh", -0.2),
               Neuron("p", "hidden", op="mul"), Neuron("q", "hidden", op="max"),
               Neuron("o", "output", "sigmoid", 0.05)]
    pairs = [("x1", "h1", 0.8), ("x2", "h1", -0.7), ("x1", "h2", 0.6), ("x2", "h2", 0.9),
             ("h1", "p", 1.2), ("h2", "p", 0.9), ("h1", "q", 1.0), ("x2", "q", 0.5),
             ("p", "o", -1.5), ("q", "o", 0.7), ("h1", "o", 0.3)]
    return Network(neurons, [Edge(f"{s}_{t}", s, t, w) for s, t, w in pairs],
                   loss="half_sse", samples=[Sample(x, y) for x, y in XOR],
                   training=TrainingSettings(learning_rate=0.5, mode=mode, batch_size=2,
                                             shuffle=True, seed=3))


def trainer_for(net: Network, **kw: object) -> Trainer:
    x, y = sample_arrays(net)
    return Trainer(compile_plan(net), x, y, net.training, **kw)  # type: ignore[arg-type]


def test_a_mixed_graph_trains_and_its_gradients_check() -> None:
    net = mixed()
    assert max(r.relative_error for r in check_gradients(net)) < 1e-6
    trainer = trainer_for(net)
    trainer.run(400)
    assert trainer.diverged_at is None
    assert trainer.history[-1] < 0.5 * trainer.history[0]
    trained = trainer.plan.apply_to(net)
    assert [n.op for n in trained.neurons] == [n.op for n in net.neurons]
    assert trained.neuron("p").bias == 0.0 and set(trainer.plan.biases()) == {"h1", "h2", "o"}
    assert trained.edge("p_o").weight != net.edge("p_o").weight
    assert max(r.relative_error for r in check_gradients(trained)) < 1e-6


def test_the_trainer_pickles_mid_epoch() -> None:
    trainer = trainer_for(mixed("minibatch"), record_norms=True)
    trainer.run(3)                                   # halfway through the second epoch
    copy = pickle.loads(pickle.dumps(trainer))
    assert trainer.run(20) == copy.run(20)
    assert trainer.gradient_norms == copy.gradient_norms


def sqrt_net(rate: float) -> Network:
    """L = √(w·x) at x = 1, w = 0.5: ∂L/∂w = 1/(2√0.5) ≈ 0.7071, so η = 1 takes w
    below 0, where the square root has no value."""
    return Network([Neuron("x", "input"), Neuron("s", "output", op="sqrt")],
                   [Edge("w", "x", "s", 0.5)], loss="output",
                   samples=[Sample([1.0], [0.0])],
                   training=TrainingSettings(learning_rate=rate, mode="batch"))


def test_an_update_that_makes_a_value_undefined_stops_the_run() -> None:
    trainer = trainer_for(sqrt_net(1.0), record_samples=True)
    w_after = 0.5 - 1 / (2 * math.sqrt(0.5))
    with pytest.raises(BpguiError) as caught:
        trainer.run(5)
    assert str(caught.value) == \
        f"node 's': the square root of a value that is not positive (−{-w_after:.4g}) in sample 0"
    assert trainer.history[0] == pytest.approx(math.sqrt(0.5))
    assert math.isnan(trainer.history[1]) and len(trainer.history) == 2
    assert trainer.diverged_at == 1 and trainer.plan.weights() == {"w": 0.5}
    assert trainer.run(3) == []                      # stopped, as after a NaN loss


def test_the_training_process_reports_it_as_a_stop_not_a_crash() -> None:
    trainer = trainer_for(sqrt_net(1.0))
    ours, theirs = multiprocessing.Pipe()
    train(theirs, trainer, 10, RunawayWatch(math.inf, trainer.history[0]))
    messages = []
    while ours.poll():
        messages.append(ours.recv())
    progress, finished = messages
    assert isinstance(progress, Progress) and np.isnan(progress.losses).tolist() == [True]
    assert isinstance(finished, Finished) and finished.divergence is not None
    assert finished.divergence.kind == "nan" and finished.divergence.update == 1


def test_a_small_rate_trains_the_same_graph() -> None:
    trainer = trainer_for(sqrt_net(0.05))
    trainer.run(5)
    w = 0.5
    for _ in range(5):                                 # w ← w − η/(2√w), by hand
        w -= 0.05 / (2 * math.sqrt(w))
    assert trainer.plan.weights()["w"] == pytest.approx(w, rel=1e-14)
    assert trainer.history[-1] == pytest.approx(math.sqrt(w), rel=1e-14)


def test_the_command_line_trains_and_checks_an_operation_graph(tmp_path: Path) -> None:
    path = tmp_path / "g.bpnet.json"
    fileformat.save(mixed(), path)
    out = ok_json(run_cli("train", path, "--iterations", "30", "--out", tmp_path / "t.json"))
    assert set(out["weights"]) == {e.id for e in mixed().edges}
    assert set(out["biases"]) == {"h1", "h2", "o"}
    assert out["final_loss"] < out["loss_history"][0]
    saved = json.loads((tmp_path / "t.json").read_text())
    assert [n.get("op") for n in saved["neurons"]][4:6] == ["mul", "max"]
    checked = run_cli("check", path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "b_p" not in checked.stdout and "p_o" in checked.stdout


def test_the_command_line_names_an_undefined_value(tmp_path: Path) -> None:
    path = tmp_path / "g.bpnet.json"
    fileformat.save(sqrt_net(1.0), path)
    before = snapshot(tmp_path)
    line = error_line(run_cli("train", path, "--iterations", "5", "--out",
                              tmp_path / "out.bpnet.json"))
    assert line.endswith("node 's': the square root of a value that is not positive "
                         "(−0.2071) in sample 0")
    assert snapshot(tmp_path) == before
    bad = sqrt_net(1.0)
    bad.edges[0].weight = -0.5
    fileformat.save(bad, path)
    line = error_line(run_cli("check", path))
    assert "node 's'" in line and "(−0.5) in sample 0" in line
