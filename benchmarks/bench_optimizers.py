"""The optimizers' part of ``bench_train.py``: each rule against the same torch.optim run.

For momentum, Nesterov, RMSProp and Adam, on the benchmark's networks (XOR 2-2-1 and the
2-16-16-1 moons net, batch mode, half-SSE, float64, one thread), bpgui's ``Trainer.run``
and the idiomatic eager torch loop with the matching ``torch.optim`` optimizer are timed
in one process, their repeats interleaved (bpgui, torch, bpgui, torch, …) so that a
change in the machine's load falls on both alike. Before timing, the two loss histories
must agree to 1e-9 relative over 50 iterations, which checks that the same run is timed.
The aim (issue 16): bpgui no slower than torch per iteration, ratio ≤ 1.

``bench_train`` passes in its own helpers (timers, networks, the torch model), so this
module holds only what the optimizers add.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np

from bpgui.engine.plan import compile_plan, sample_arrays
from bpgui.engine.training import Trainer
from bpgui.network.model import Network

RULES = ("momentum", "nesterov", "rmsprop", "adam")
# η per rule: each learns without diverging on both networks (the figures are per
# iteration, so η changes nothing but that).
RATES = {"momentum": 0.1, "nesterov": 0.1, "rmsprop": 0.01, "adam": 0.01}
TARGET = 1.0


def with_rule(net: Network, rule: str) -> Network:
    """``net`` training with ``rule`` (torch's default settings, no L2 decay)."""
    out = net.copy()
    out.training = replace(net.training, optimizer=rule, learning_rate=RATES[rule])
    return out


def torch_optimizer(rule: str, parameters: Any, net: Network) -> Any:
    import torch

    s = net.training
    if rule in ("momentum", "nesterov"):
        return torch.optim.SGD(parameters, lr=s.learning_rate, momentum=s.momentum,
                               nesterov=rule == "nesterov")
    if rule == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=s.learning_rate, alpha=s.alpha, eps=s.eps)
    return torch.optim.Adam(parameters, lr=s.learning_rate, betas=(s.beta1, s.beta2),
                            eps=s.eps)


def trainer(net: Network) -> Trainer:
    x, y = sample_arrays(net)
    return Trainer(compile_plan(net), x, y, net.training)


def optimizer_report(cases: list[tuple[str, Network, int]], *, repeats: int, verify: int,
                     tolerance: float, timed: Callable[[Callable[[], Any]], float],
                     torch_setup: Callable[[Network], tuple[Any, Any, Any, Any]],
                     torch_train: Callable[[Any, Any, Any, Any, int], list[float]]
                     ) -> list[tuple[str, float]]:
    """Print each rule's figures; return (rule and network, best-time ratio) pairs."""
    print(f"µs per iteration, best / median of {repeats} interleaved repeats after a "
          "warm-up; η: " + ", ".join(f"{r} {RATES[r]:g}" for r in RULES))
    print(f"{'rule':<9}{'network':<17}{'iters':>6}  {'bpgui best':>10} {'median':>8}  "
          f"{'torch best':>10} {'median':>8}  {'bpgui/torch':>11} {'(median)':>9}  "
          f"{'max rel Δ':>9}  verdict")
    ratios = []
    for rule in RULES:
        for name, base, iterations in cases:
            net = with_rule(base, rule)

            def setup(net: Network = net, rule: str = rule) -> tuple[Any, Any, Any, Any]:
                model, _, x, y = torch_setup(net)
                return model, torch_optimizer(rule, model.parameters(), net), x, y

            ours = trainer(net)
            ours.run(verify)
            theirs = np.array(torch_train(*setup(), verify))
            rel = float(np.max(np.abs(np.array(ours.history[:verify]) - theirs)
                               / np.abs(theirs)))
            if not rel <= tolerance:
                raise SystemExit(f"{rule} on {name}: bpgui and torch train differently "
                                 f"(max rel {rel:.2e})")
            trainer(net).run(max(iterations // 4, 10))              # warm-ups
            torch_train(*setup(), max(iterations // 4, 10))
            mine: list[float] = []
            torch_times: list[float] = []
            for _ in range(repeats):
                fresh = trainer(net)
                mine.append(timed(partial(fresh.run, iterations)) / iterations)
                assert fresh.diverged_at is None
                torch_times.append(timed(partial(torch_train, *setup(), iterations))
                                   / iterations)
            best, median = min(mine), float(np.median(mine))
            t_best, t_median = min(torch_times), float(np.median(torch_times))
            ratio = best / t_best
            ratios.append((f"{rule} {name}", ratio))
            print(f"{rule:<9}{name:<17}{iterations:>6}  {best * 1e6:>10.1f} {median * 1e6:>8.1f}"
                  f"  {t_best * 1e6:>10.1f} {t_median * 1e6:>8.1f}  {ratio:>10.2f}× "
                  f"{median / t_median:>8.2f}×  {rel:>9.1e}  "
                  f"{'PASS' if ratio <= TARGET else 'MISS'}")
    print(f"aim: bpgui no slower than torch, ≤ {TARGET:g}× (verdict from the best times)")
    return ratios
