"""Every update rule agrees with torch.optim in float64: 200 updates of xor_2-2-1 and of a
small 2-3-1 network, in batch, sgd and minibatch modes, with and without L2 decay, give
the same loss history and final weights to 1e-9 relative. torch's weight_decay is given
to the weights' parameter group only, as bpgui decays weights, not biases.

Schedules and the test split: every rule in every mode under step decay and exponential
decay (torch's StepLR and ExponentialLR, ``scheduler.step()`` after every
``optimizer.step()``), on the 2-3-1 network with test samples beside its training ones:
torch trains on the training rows only, and bpgui's test-loss history equals torch's
loss on the test rows after every update."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from bpgui.engine.optimizers import OPTIMIZERS
from bpgui.engine.plan import compile_plan, split_arrays
from bpgui.engine.training import Trainer
from bpgui.network.items import OPTIMIZER_NAMES
from bpgui.network.model import Edge, Network, Neuron, Sample, TrainingSettings
from tests.conftest import load_sample

torch = pytest.importorskip("torch")

ITERATIONS = 200
RELATIVE = 1e-9


def small_2_3_1(test_rows: int = 0) -> Network:
    rng = np.random.default_rng(7)
    neurons = [Neuron("x1", "input"), Neuron("x2", "input")]
    neurons += [Neuron(f"h{k}", "hidden", activation=a, bias=float(rng.normal()))
                for k, a in enumerate(("sigmoid", "tanh", "sigmoid"))]
    neurons.append(Neuron("y", "output", activation="sigmoid", bias=0.1))
    edges = [Edge(f"w_{s}_h{k}", s, f"h{k}", weight=float(rng.normal()))
             for k in range(3) for s in ("x1", "x2")]
    edges += [Edge(f"v{k}", f"h{k}", "y", weight=float(rng.normal())) for k in range(3)]
    samples = [Sample([float(a), float(b)], [float(c)])
               for a, b, c in ((0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0), (0.5, 0.25, 0.5))]
    tests = ((0.9, 0.2, 1), (0.3, 0.8, 1), (0.7, 0.6, 0))[:test_rows]
    samples += [Sample([a, b], [c], split="test") for a, b, c in tests]
    return Network(neurons, edges, samples=samples)


NETWORKS = {"xor_2-2-1": lambda: load_sample("xor_2-2-1"), "2-3-1": small_2_3_1}
ACT = {"sigmoid": torch.sigmoid, "tanh": torch.tanh}


def torch_run(network: Network, settings: TrainingSettings, schedule: list[Any]
              ) -> tuple[list[float], list[float], dict[str, float], dict[str, float]]:
    """Train ``network`` with torch.optim on the trainer's own rows of its training
    samples, stepping the file's learning-rate scheduler after every update; the loss
    history, the test samples' loss history, the final weights and biases."""
    train = [s for s in network.samples if not s.is_test]
    test = [s for s in network.samples if s.is_test]
    x = torch.tensor([s.inputs for s in train], dtype=torch.float64)
    y = torch.tensor([s.targets for s in train], dtype=torch.float64)
    x_test = torch.tensor([s.inputs for s in test], dtype=torch.float64).reshape(-1, 2)
    y_test = torch.tensor([s.targets for s in test], dtype=torch.float64).reshape(-1, 1)
    w = {e.id: torch.tensor(e.weight, dtype=torch.float64, requires_grad=True)
         for e in network.edges}
    b = {n.id: torch.tensor(n.bias, dtype=torch.float64, requires_grad=True)
         for n in network.neurons if not n.is_input}
    inputs = [n.id for n in network.neurons if n.is_input]
    outputs = [n.id for n in network.neurons if n.role == "output"]

    def loss(rows: Any, x: Any = x, y: Any = y) -> Any:
        a = {nid: x[rows, k] for k, nid in enumerate(inputs)}
        while len(a) < len(network.neurons):
            for n in network.neurons:
                incoming = [e for e in network.edges if e.target == n.id]
                if n.id in a or any(e.source not in a for e in incoming):
                    continue
                z = b[n.id] + sum((w[e.id] * a[e.source] for e in incoming),
                                  torch.zeros((), dtype=torch.float64))
                a[n.id] = ACT[n.activation](z)
        yhat = torch.stack([a[o] for o in outputs], dim=-1)
        return (0.5 * ((y[rows] - yhat) ** 2).sum(dim=-1)).mean()

    groups = [{"params": list(w.values()), "weight_decay": settings.l2},
              {"params": list(b.values()), "weight_decay": 0.0}]
    lr, name = settings.learning_rate, settings.optimizer
    opt: Any
    if name == "sgd":
        opt = torch.optim.SGD(groups, lr=lr)
    elif name in ("momentum", "nesterov"):
        opt = torch.optim.SGD(groups, lr=lr, momentum=settings.momentum,
                              nesterov=name == "nesterov")
    elif name == "rmsprop":
        opt = torch.optim.RMSprop(groups, lr=lr, alpha=settings.alpha, eps=settings.eps)
    else:
        opt = torch.optim.Adam(groups, lr=lr, betas=(settings.beta1, settings.beta2),
                               eps=settings.eps)
    scheduler: Any = None
    if settings.schedule == "step":
        scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=settings.step_size,
                                                    gamma=settings.gamma)
    elif settings.schedule == "exponential":
        scheduler = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=settings.gamma)
    every, every_test = torch.arange(len(train)), torch.arange(len(test))
    history: list[float] = []
    test_history: list[float] = []

    def record() -> None:
        with torch.no_grad():
            history.append(float(loss(every)))
            if test:
                test_history.append(float(loss(every_test, x_test, y_test)))

    record()
    for rows in schedule:
        opt.zero_grad()
        loss(torch.as_tensor(rows) if rows is not None else every).backward()
        opt.step()
        if scheduler is not None:
            scheduler.step()
        record()
    return (history, test_history, {k: float(v.detach()) for k, v in w.items()},
            {k: float(v.detach()) for k, v in b.items()})


def trained(network: Network, settings: TrainingSettings) -> tuple[Trainer, list[Any]]:
    """bpgui's Trainer after ITERATIONS updates, and the rows of each update."""
    plan = compile_plan(network)
    (x, y), test = split_arrays(network)
    trainer = Trainer(plan, x, y, settings, test=test)
    schedule = []
    for _ in range(ITERATIONS):
        rows = trainer.next_rows
        schedule.append(None if rows is None else np.array(rows))
        trainer.run(1)
    assert trainer.diverged_at is None
    return trainer, schedule


def assert_same_parameters(trainer: Trainer, weights: dict[str, float],
                           biases: dict[str, float]) -> None:
    ours_w, ours_b = trainer.plan.weights(), trainer.plan.biases()
    assert set(ours_w) == set(weights)
    # a weight decayed to ~1e-6 (where L2 and Adam's sign-like steps hold it) is compared
    # to 1e-9 of the largest parameter, not of itself
    scale = RELATIVE * max(abs(v) for v in [*weights.values(), *biases.values()])
    for k, v in weights.items():
        assert ours_w[k] == pytest.approx(v, rel=RELATIVE, abs=scale), k
    for k, v in biases.items():
        assert ours_b[k] == pytest.approx(v, rel=RELATIVE, abs=scale), k


def test_the_engine_and_the_file_name_the_same_rules() -> None:
    assert tuple(OPTIMIZERS) == OPTIMIZER_NAMES


@pytest.mark.parametrize("net", sorted(NETWORKS))
@pytest.mark.parametrize("mode", ["batch", "sgd", "minibatch"])
@pytest.mark.parametrize("optimizer", OPTIMIZER_NAMES)
@pytest.mark.parametrize("l2", [0.0, 0.001])
def test_training_agrees_with_torch_optim(net: str, mode: str, optimizer: str,
                                          l2: float) -> None:
    network = NETWORKS[net]()
    settings = replace(network.training, learning_rate=0.1 if optimizer != "sgd" else 0.5,
                       mode=mode, batch_size=2, shuffle=mode != "batch", seed=3,
                       optimizer=optimizer, l2=l2, momentum=0.8, alpha=0.9,
                       beta1=0.85, beta2=0.99, eps=1e-6)
    trainer, schedule = trained(network, settings)
    history, _, weights, biases = torch_run(network, settings, schedule)
    np.testing.assert_allclose(trainer.history, history, rtol=RELATIVE, atol=0)
    assert_same_parameters(trainer, weights, biases)


@pytest.mark.parametrize("mode", ["batch", "sgd", "minibatch"])
@pytest.mark.parametrize("optimizer", OPTIMIZER_NAMES)
@pytest.mark.parametrize("schedule", ["step", "exponential"])
def test_schedules_and_the_test_split_agree_with_torch(mode: str, optimizer: str,
                                                       schedule: str) -> None:
    network = small_2_3_1(test_rows=3)
    # RMSProp's steps are about η whatever the gradient's size. In batch mode, once a
    # parameter's gradient nears 0 (at its optimum), g/√v is a ratio of two tiny rounded
    # numbers whose sign and size rounding decides, and with a large η or a short memory
    # (α = 0.9) any two float64 implementations part there (by 1e-8 to 1e-2 after 200
    # updates of this network). With torch's α = 0.99 and η = 0.01 it is well-conditioned.
    rate, alpha = {"sgd": (0.5, 0.9), "rmsprop": (0.01, 0.99)}.get(optimizer, (0.1, 0.9))
    settings = replace(network.training, learning_rate=rate,
                       mode=mode, batch_size=2, shuffle=mode != "batch", seed=5,
                       optimizer=optimizer, l2=0.001, momentum=0.8, alpha=alpha,
                       beta1=0.85, beta2=0.99, eps=1e-6, schedule=schedule,
                       step_size=40, gamma=0.5 if schedule == "step" else 0.99)
    trainer, schedule_rows = trained(network, settings)
    history, test_history, weights, biases = torch_run(network, settings, schedule_rows)
    assert trainer.x.shape[0] == 5 and len(test_history) == ITERATIONS + 1
    np.testing.assert_allclose(trainer.history, history, rtol=RELATIVE, atol=0)
    np.testing.assert_allclose(trainer.test_history or [], test_history, rtol=RELATIVE, atol=0)
    # the schedule did change η: after 200 updates it is η₀·γ^5 or η₀·γ^200
    assert trainer.learning_rate == pytest.approx(
        settings.learning_rate * settings.gamma ** (5 if schedule == "step" else ITERATIONS),
        rel=1e-12)
    assert_same_parameters(trainer, weights, biases)
