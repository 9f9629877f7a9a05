"""Per-level gradient sizes (issue 16, gradients per layer): mean |δ| and ‖∂L/∂W‖ of the
edges into each level, recorded per update by ``Trainer(record_levels=True)``.

Expected numbers come from elsewhere: the step records' δ and ∂L/∂w (seed 000, one
neuron at a time), central finite differences of a plain-``math`` forward pass
(seed 002's chain, per sample through the biases: ∂ℓ/∂b = δ), and seed 000's
published δ_y.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from bpgui.engine.fastpath import backward, forward
from bpgui.engine.gradient_levels import LevelGradients, level_count
from bpgui.engine.history import History
from bpgui.engine.plan import compile_plan, sample_arrays
from bpgui.engine.records import Quantity
from bpgui.engine.stepper import all_steps, final_values
from bpgui.engine.training import Trainer
from bpgui.engine.worker import take_progress
from bpgui.network.model import Network
from tests.conftest import load_sample

H = 1e-6


def trainer(net: Network, record_levels: bool = False, record_norms: bool = False
            ) -> Trainer:
    x, y = sample_arrays(net)
    return Trainer(compile_plan(net), x, y, replace(net.training), record_levels=record_levels,
                   record_norms=record_norms)


def test_seed000_levels_equal_the_step_records(seed000: Network) -> None:
    values = final_values(all_steps(seed000, 0, "node"))
    delta = {n: values[Quantity("delta", n)] for n in ("h1", "h2", "y")}
    grad_w = {e.id: values[Quantity("grad_w", e.id)] for e in seed000.edges}
    t = trainer(seed000, record_levels=True)
    t.run(1)
    assert t.level_history is not None and len(t.level_history) == 1
    mean_abs, norms = t.level_history[0]
    assert mean_abs == pytest.approx([(abs(delta["h1"]) + abs(delta["h2"])) / 2,
                                      abs(delta["y"])], rel=1e-12)
    into_hidden = math.sqrt(sum(grad_w[f"w{k}"] ** 2 for k in range(1, 7)))
    into_output = math.hypot(grad_w["w7"], grad_w["w8"])
    assert norms == pytest.approx([into_hidden, into_output], rel=1e-12)
    # Seed 000 publishes δ_y = (ŷ − y)·ŷ(1 − ŷ) = (0.5268 − 1)·0.5268·0.4732 ≈ −0.118.
    assert mean_abs[1] == pytest.approx(0.118, abs=5e-4)


def chain_losses(net: Network, weights: list[float], biases: list[float]) -> list[float]:
    """Seed 002's chain in plain math: (σ(w₃σ(w₂σ(w₁x + b₁) + b₂) + b₃) − y)² per sample."""
    losses = []
    for sample in net.samples:
        a = sample.inputs[0]
        for w, b in zip(weights, biases, strict=True):
            a = 1.0 / (1.0 + math.exp(-(w * a + b)))
        losses.append((a - sample.targets[0]) ** 2)
    return losses


def central(f: object, values: list[float], k: int) -> np.ndarray:
    """Central difference of ``f(values)`` (a list per sample) in ``values[k]``."""
    assert callable(f)
    up, down = list(values), list(values)
    up[k] += H
    down[k] -= H
    return (np.array(f(up)) - np.array(f(down))) / (2 * H)


def test_seed002_chain_levels_equal_finite_differences() -> None:
    net = load_sample("seed002_chain")
    weights = [net.edge(f"w{k}").weight for k in (1, 2, 3)]
    biases = [net.neuron(f"a{k}").bias for k in (1, 2, 3)]
    t = trainer(net, record_levels=True)
    t.run(1)
    assert t.level_history is not None
    mean_abs, norms = t.level_history[0]
    for k in range(3):
        per_sample_delta = central(lambda b: chain_losses(net, weights, b), biases, k)
        assert mean_abs[k] == pytest.approx(np.mean(np.abs(per_sample_delta)), rel=1e-6)
        grad_w = float(np.mean(central(lambda w: chain_losses(net, w, biases), weights, k)))
        assert norms[k] == pytest.approx(abs(grad_w), rel=1e-6)


def test_an_sgd_update_measures_only_its_own_sample() -> None:
    net = load_sample("seed002_chain")
    net.training = replace(net.training, mode="sgd", shuffle=False)
    weights = [net.edge(f"w{k}").weight for k in (1, 2, 3)]
    biases = [net.neuron(f"a{k}").bias for k in (1, 2, 3)]
    t = trainer(net, record_levels=True)
    t.run(1)                                     # sample 0 alone, then sample 1 …
    assert t.level_history is not None
    mean_abs, norms = t.level_history[0]
    for k in range(3):
        delta0 = central(lambda b: chain_losses(net, weights, b), biases, k)[0]
        assert mean_abs[k] == pytest.approx(abs(delta0), rel=1e-6)
        grad0 = central(lambda w: chain_losses(net, w, biases), weights, k)[0]
        assert norms[k] == pytest.approx(abs(grad0), rel=1e-6)


def test_frozen_edges_do_not_count_and_levels_follow_the_graph() -> None:
    net = load_sample("skip_connections")       # h1 level 1, h2 level 2, y level 3
    plan = compile_plan(net)
    assert level_count(plan) == 3
    x, y = sample_arrays(net)
    fw = forward(plan, x)
    bw = backward(plan, fw, y)
    _, norms = LevelGradients(plan)(fw, bw)
    values = [final_values(all_steps(net, s, "node")) for s in range(len(net.samples))]

    def mean_grad(edge: str) -> float:
        return float(np.mean([v[Quantity("grad_w", edge)] for v in values]))

    # w_x2_h2 is frozen: only w_h1_h2 counts into level 2.
    assert norms[1] == pytest.approx(abs(mean_grad("w_h1_h2")), rel=1e-12)
    assert norms[2] == pytest.approx(math.sqrt(sum(mean_grad(e) ** 2 for e in
                                                   ("w_h2_y", "w_h1_y", "w_x1_y"))),
                                     rel=1e-12)


def test_recording_levels_changes_nothing_else() -> None:
    net = load_sample("xor_2-2-1")
    plain, measured = trainer(net), trainer(net, record_levels=True)
    assert plain.level_history is None
    assert plain.run(50) == measured.run(50)            # bit for bit
    for a, b in zip(plain.plan.blocks, measured.plan.blocks, strict=True):
        assert np.array_equal(a.weights, b.weights) and np.array_equal(a.bias, b.bias)
    assert measured.level_history is not None and len(measured.level_history) == 50
    assert all(m.shape == (2,) and n.shape == (2,) for m, n in measured.level_history)


def test_levels_travel_from_the_process_into_the_history() -> None:
    net = load_sample("seed002_chain")
    t = trainer(net, record_norms=True, record_levels=True)
    reference = trainer(net, record_levels=True)
    reference.run(7)
    history = History(levels=3)
    history.extend(t.history)
    for chunk in (3, 4):
        progress = take_progress(t, t.run(chunk))
        assert t.level_history == []                 # handed over, not kept twice
        assert progress.norms is not None
        history.extend(progress.losses, progress.norms, (), levels=progress.levels)
    assert reference.level_history is not None
    deltas, norms = history.level_deltas, history.level_weight_norms
    assert deltas is not None and norms is not None
    assert np.array_equal(deltas, [m for m, _ in reference.level_history])
    assert np.array_equal(norms, [g for _, g in reference.level_history])
    history.truncate(5)
    assert deltas.shape == (7, 3) and history.level_deltas is not None
    assert history.level_deltas.shape == (5, 3)


def test_the_sigmoid_chain_vanishes_and_the_tanh_chain_does_not() -> None:
    """What the two samples' descriptions say, over the 300 updates of the screenshot."""
    sigmoid, tanh = (load_sample(f"vanishing_{kind}_chain") for kind in ("sigmoid", "tanh"))
    assert [n.activation for n in sigmoid.neurons if n.role == "hidden"] == ["sigmoid"] * 27
    assert [n.activation for n in tanh.neurons if n.role == "hidden"] == ["tanh"] * 27
    assert [e.weight for e in sigmoid.edges] == [e.weight for e in tanh.edges]
    runs = {}
    for name, net in (("sigmoid", sigmoid), ("tanh", tanh)):
        t = trainer(net, record_levels=True)
        assert level_count(t.plan) == 10
        t.run(300)
        assert t.level_history is not None
        runs[name] = (np.array([m for m, _ in t.level_history]), t.history)
    deltas, losses = runs["sigmoid"]
    assert np.all(deltas[:, 0] < 1e-3 * deltas[:, -1])      # every update, 10⁻⁶ in fact
    assert np.all(deltas[:, 0] < 1e-5 * deltas[:, -1])
    assert losses[-1] > 0.69                                 # stuck near ln 2
    deltas, losses = runs["tanh"]
    assert np.all(deltas[:, 0] > deltas[:, -1] / 30)
    assert losses[0] == pytest.approx(0.77, abs=0.005) and losses[-1] < 0.01


def test_operation_nodes_by_hand_cs231n_add_mul() -> None:
    """f = (x + y)·z at x = −2, y = 5, z = −4 (CS231n), every edge weight 1 and trainable:
    q = x + y = 3, ∂f/∂q = z = −4 and ∂f/∂f = 1; the weights into q get q's gradient
    times their input (−4·−2 = 8, −4·5 = −20), those into f the other factor times theirs
    (z·q = −12 twice)."""
    t = trainer(load_sample("cs231n_add_mul"), record_levels=True)
    t.run(1)
    assert t.level_history is not None
    mean_abs, norms = t.level_history[0]
    assert mean_abs.tolist() == [4.0, 1.0]
    assert norms == pytest.approx([math.hypot(8, 20), math.hypot(12, 12)], rel=1e-15)
