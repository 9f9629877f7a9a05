"""Every update rule agrees with torch.optim in float64: 200 updates of xor_2-2-1 and of a
small 2-3-1 network, in batch, sgd and minibatch modes, with and without L2 decay, give
the same loss history and final weights to 1e-9 relative. torch's weight_decay is given
to the weights' parameter group only, as bpgui decays weights, not biases."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from bpgui.engine.optimizers import OPTIMIZERS
from bpgui.engine.plan import compile_plan, sample_arrays
from bpgui.engine.training import Trainer
from bpgui.network.items import OPTIMIZER_NAMES
from bpgui.network.model import Edge, Network, Neuron, Sample, TrainingSettings
from tests.conftest import load_sample

torch = pytest.importorskip("torch")

ITERATIONS = 200
RELATIVE = 1e-9


def small_2_3_1() -> Network:
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
    return Network(neurons, edges, samples=samples)


NETWORKS = {"xor_2-2-1": lambda: load_sample("xor_2-2-1"), "2-3-1": small_2_3_1}
ACT = {"sigmoid": torch.sigmoid, "tanh": torch.tanh}


def torch_losses(network: Network, settings: TrainingSettings, schedule: list[Any]
                 ) -> tuple[list[float], dict[str, float], dict[str, float]]:
    """Train ``network`` with torch.optim on the trainer's own rows; the loss history,
    the final weights and biases."""
    x = torch.tensor([s.inputs for s in network.samples], dtype=torch.float64)
    y = torch.tensor([s.targets for s in network.samples], dtype=torch.float64)
    w = {e.id: torch.tensor(e.weight, dtype=torch.float64, requires_grad=True)
         for e in network.edges}
    b = {n.id: torch.tensor(n.bias, dtype=torch.float64, requires_grad=True)
         for n in network.neurons if not n.is_input}
    inputs = [n.id for n in network.neurons if n.is_input]
    outputs = [n.id for n in network.neurons if n.role == "output"]

    def loss(rows: Any) -> Any:
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
    every = torch.arange(len(network.samples))
    with torch.no_grad():
        history = [float(loss(every))]
    for rows in schedule:
        opt.zero_grad()
        loss(torch.as_tensor(rows) if rows is not None else every).backward()
        opt.step()
        with torch.no_grad():
            history.append(float(loss(every)))
    return (history, {k: float(v.detach()) for k, v in w.items()},
            {k: float(v.detach()) for k, v in b.items()})


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
    plan = compile_plan(network)
    x, y = sample_arrays(network)
    trainer = Trainer(plan, x, y, settings)
    schedule = []
    for _ in range(ITERATIONS):
        rows = trainer.next_rows
        schedule.append(None if rows is None else np.array(rows))
        trainer.run(1)
    assert trainer.diverged_at is None
    history, weights, biases = torch_losses(network, settings, schedule)
    np.testing.assert_allclose(trainer.history, history, rtol=RELATIVE, atol=0)
    ours_w, ours_b = plan.weights(), plan.biases()
    assert set(ours_w) == set(weights)
    # a weight decayed to ~1e-6 (where L2 and Adam's sign-like steps hold it) is compared
    # to 1e-9 of the largest parameter, not of itself
    scale = RELATIVE * max(abs(v) for v in [*weights.values(), *biases.values()])
    for k, v in weights.items():
        assert ours_w[k] == pytest.approx(v, rel=RELATIVE, abs=scale), k
    for k, v in biases.items():
        assert ours_b[k] == pytest.approx(v, rel=RELATIVE, abs=scale), k
