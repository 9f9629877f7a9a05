"""How fast is bpgui's engine? Training iterations against PyTorch, and stepper steps.

Run with ``.venv/bin/python benchmarks/bench_train.py`` or ``make bench`` (which installs
the optional ``torch`` dependency first). This is a script that prints figures, not a test.

What it measures, and why:

1. **Time per training iteration**, bpgui's ``Trainer.run`` against an idiomatic eager
   PyTorch loop (``nn.Sequential``, ``optim.SGD``, float64, one thread), on XOR 2-2-1
   (4 samples) and on a 2-16-16-1 tanh/tanh/sigmoid net over 200 "moons" samples, batch
   gradient descent on the half-SSE loss. Both sides start from the same weights and
   record the dataset loss every iteration; the script checks that the two loss
   histories agree before it times anything. Networks this small do almost no
   arithmetic (XOR: a few dozen flops per iteration), so what is timed is per-call
   overhead: Python bytecode, NumPy's ufunc dispatch and temporary arrays on one side,
   PyTorch's dispatcher, autograd graph building and optimizer bookkeeping on the other.
   A teaching tool trains exactly such networks, live, while the canvas redraws, so
   that overhead is the figure that matters. The target is bpgui ≤ 0.5 × torch.
   Then (1b, :mod:`bench_optimizers`) momentum, Nesterov, RMSProp and Adam, each against
   the same torch.optim run, interleaved; the aim there is bpgui ≤ 1 × torch.
   Each figure is the best and the median of several timed repeats after a warm-up,
   with the garbage collector off inside the timed region (as ``timeit`` does) and
   compile time (``compile_plan``) reported apart from the per-iteration time.
2. **Time per stepper step**: building every step record of one sample's pass (the
   step panel, ``bpgui trace`` and the handout all use them) for the seed 000 worked
   example and a 100-neuron 4-32-32-31-1 net, per granularity, plus rendering every
   record's text, plus ``StepThrough`` construction and ``rebuild`` after one weight
   edit: the latency between a teacher editing a weight and every value on the canvas
   being recomputed.
3. The machine it ran on.
"""

from __future__ import annotations

import os

# Before NumPy or torch load their BLAS / OpenMP runtimes: one thread each, so that the
# figures measure the code path rather than thread start-up or scheduling noise.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import gc  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runs from a clean clone without installing bpgui

from bpgui.engine.plan import compile_plan, sample_arrays  # noqa: E402
from bpgui.engine.stepper import all_steps, iter_steps  # noqa: E402
from bpgui.engine.stepthrough import StepThrough  # noqa: E402
from bpgui.engine.training import Trainer  # noqa: E402
from bpgui.network import datasets  # noqa: E402
from bpgui.network.fileformat import load  # noqa: E402
from bpgui.network.graph import topological_levels  # noqa: E402
from bpgui.network.model import Edge, Network, Neuron, Sample, TrainingSettings  # noqa: E402

try:
    import torch
    from torch import nn
except ImportError as exc:  # the bpgui-only parts still run
    torch = None  # type: ignore[assignment]
    nn = None  # type: ignore[assignment]
    TORCH_MISSING = str(exc)
else:
    TORCH_MISSING = ""
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)

SAMPLES = ROOT / "sample_networks"
LEARNING_RATE = 0.5
TARGET_RATIO = 0.5
REPEATS = 7
VERIFY_ITERATIONS = 50
VERIFY_TOLERANCE = 1e-9
WIDTH = 96


# ----------------------------------------------------------------------------- helpers
def timed(fn: Callable[[], Any]) -> float:
    """Seconds one call of ``fn`` takes, the garbage collector off (as ``timeit`` does)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        if was_enabled:
            gc.enable()


def best_and_median(times: Sequence[float]) -> tuple[float, float]:
    return min(times), statistics.median(times)


def rule(char: str = "─") -> str:
    return char * WIDTH


def heading(text: str) -> None:
    print()
    print(text)
    print(rule())


# ---------------------------------------------------------------------------- networks
def layered(sizes: Sequence[int], activations: Sequence[str], samples: list[Sample],
            seed: int, name: str) -> Network:
    """A fully connected layered network; weights N(0, 2/(fan_in+fan_out)) (Xavier normal).

    Biases are small and random (N(0, 0.1²)) rather than zero so that copying them to
    torch is checked too. ``activations`` has one entry per non-input layer.
    """
    rng = np.random.default_rng(seed)
    layers = [[f"x{i}" for i in range(sizes[0])]]
    neurons = [Neuron(nid, "input") for nid in layers[0]]
    edges: list[Edge] = []
    last = len(sizes) - 1
    for k in range(1, len(sizes)):
        role = "output" if k == last else "hidden"
        ids = ["y" if k == last and sizes[k] == 1 else f"{role[0]}{k}_{j}"
               for j in range(sizes[k])]
        std = math.sqrt(2.0 / (sizes[k - 1] + sizes[k]))
        weights = rng.normal(0.0, std, size=(sizes[k], sizes[k - 1]))
        biases = rng.normal(0.0, 0.1, size=sizes[k])
        for j, nid in enumerate(ids):
            neurons.append(Neuron(nid, role, activations[k - 1], float(biases[j])))
            for i, src in enumerate(layers[-1]):
                edges.append(Edge(f"w_{src}_{nid}", src, nid, float(weights[j, i])))
        layers.append(ids)
    net = Network(neurons, edges, loss="half_sse", samples=samples,
                  training=TrainingSettings(learning_rate=LEARNING_RATE, mode="batch"),
                  name=name)
    net.validate()
    return net


def xor_network() -> Network:
    net = load(SAMPLES / "xor_2-2-1.bpnet.json")
    # The file trains at η = 2; both sides of the comparison use η = 0.5 here.
    net.training = TrainingSettings(learning_rate=LEARNING_RATE, mode="batch")
    return net


def moons_network() -> Network:
    x, y = datasets.moons(200, 0.1, 0)
    return layered((2, 16, 16, 1), ("tanh", "tanh", "sigmoid"), datasets.to_samples(x, y),
                   seed=0, name="2-16-16-1 moons")


def hundred_neuron_network() -> Network:
    rng = np.random.default_rng(1)
    samples = [Sample(rng.uniform(-1, 1, 4).tolist(), [float(rng.integers(0, 2))])
               for _ in range(8)]
    return layered((4, 32, 32, 31, 1), ("tanh", "tanh", "tanh", "sigmoid"), samples,
                   seed=1, name="4-32-32-31-1")


def layers_of(net: Network) -> tuple[list[list[str]], list[str]]:
    """Neuron ids per layer and each non-input layer's activation; checks it is layered."""
    levels = topological_levels(len(net.neurons), [n.is_input for n in net.neurons],
                                net.index_pairs())
    layers: list[list[str]] = [[] for _ in range(max(levels) + 1)]
    for n, level in zip(net.neurons, levels, strict=True):
        layers[level].append(n.id)
    level_of = {n.id: lvl for n, lvl in zip(net.neurons, levels, strict=True)}
    for e in net.edges:
        if level_of[e.source] != level_of[e.target] - 1:
            raise SystemExit(f"{net.name}: edge {e.id} skips a layer; torch side needs layers")
    activations = []
    for ids in layers[1:]:
        kinds = {net.neuron(nid).activation for nid in ids}
        if len(kinds) != 1:
            raise SystemExit(f"{net.name}: a layer mixes activations {sorted(kinds)}")
        activations.append(kinds.pop())
    return layers, activations


# ------------------------------------------------------------------------- bpgui side
def bpgui_trainer(net: Network) -> Trainer:
    plan = compile_plan(net)
    x, y = sample_arrays(net)
    return Trainer(plan, x, y, net.training)


def bpgui_compile_time(net: Network) -> tuple[float, float]:
    """Best seconds for ``compile_plan`` and for the whole set-up (plan, arrays, Trainer)."""
    compile_times = [timed(lambda: compile_plan(net)) for _ in range(REPEATS)]
    setup_times = [timed(lambda: bpgui_trainer(net)) for _ in range(REPEATS)]
    return min(compile_times), min(setup_times)


def bpgui_iteration_times(net: Network, iterations: int) -> list[float]:
    """Seconds per iteration of ``Trainer.run`` for each repeat, from fresh weights."""
    bpgui_trainer(net).run(max(iterations // 4, 10))  # warm-up
    out = []
    for _ in range(REPEATS):
        trainer = bpgui_trainer(net)  # untimed: a fresh plan holds the initial weights
        out.append(timed(lambda t=trainer: t.run(iterations)) / iterations)
        assert trainer.diverged_at is None and len(trainer.history) == iterations + 1
    return out


# ------------------------------------------------------------------------- torch side
TORCH_ACTIVATIONS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "identity": "Identity",
                     "relu": "ReLU", "softplus": "Softplus"}


def torch_setup(net: Network) -> tuple[Any, Any, Any, Any]:
    """``nn.Sequential`` carrying the network's current weights, SGD, and the data."""
    layers, activations = layers_of(net)
    weight = {(e.source, e.target): e.weight for e in net.edges}
    modules = []
    for k, act in enumerate(activations, start=1):
        src, dst = layers[k - 1], layers[k]
        linear = nn.Linear(len(src), len(dst), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[weight[(s, d)] for s in src] for d in dst]))
            linear.bias.copy_(torch.tensor([net.neuron(d).bias for d in dst]))
        if act not in TORCH_ACTIVATIONS:
            raise SystemExit(f"no torch module for activation {act!r}")
        modules += [linear, getattr(nn, TORCH_ACTIVATIONS[act])()]
    model = nn.Sequential(*modules)
    x, y = sample_arrays(net)
    optimizer = torch.optim.SGD(model.parameters(), lr=net.training.learning_rate)
    return model, optimizer, torch.from_numpy(x), torch.from_numpy(y)


def torch_train(model: Any, optimizer: Any, x: Any, y: Any, iterations: int) -> list[float]:
    """The idiomatic eager loop; records each iteration's loss (before its update)."""
    losses = []
    for _ in range(iterations):
        optimizer.zero_grad()
        out = model(x)
        loss = 0.5 * ((out - y) ** 2).sum(dim=1).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def torch_iteration_times(net: Network, iterations: int) -> list[float]:
    torch_train(*torch_setup(net), max(iterations // 4, 10))  # warm-up
    out = []
    for _ in range(REPEATS):
        model, optimizer, x, y = torch_setup(net)
        out.append(timed(lambda m=model, o=optimizer, a=x, b=y: torch_train(m, o, a, b,
                                                                            iterations))
                   / iterations)
    return out


def loss_agreement(net: Network) -> tuple[float, float]:
    """Max absolute and relative difference of the two loss histories over 50 iterations.

    torch records the loss before each update, bpgui's ``history[t]`` is the loss after
    ``t`` updates, so ``torch_losses[t]`` pairs with ``history[t]`` for t < N.
    """
    trainer = bpgui_trainer(net)
    trainer.run(VERIFY_ITERATIONS)
    ours = np.array(trainer.history[:VERIFY_ITERATIONS])
    theirs = np.array(torch_train(*torch_setup(net), VERIFY_ITERATIONS))
    diff = np.abs(ours - theirs)
    return float(diff.max()), float((diff / np.abs(theirs)).max())


# --------------------------------------------------------------------------- reports
def machine() -> None:
    heading("3. Machine")
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"platform  {platform.platform()} ({platform.machine()})")
    print(f"python    {platform.python_implementation()} {platform.python_version()}")
    print(f"numpy     {np.__version__}")
    print(f"torch     {torch.__version__ if torch is not None else 'not installed'}")
    print(f"CPUs      {os.cpu_count()} ({usable} usable by this process); "
          "OMP/OPENBLAS/MKL threads = 1" + (", torch threads = 1" if torch is not None else ""))


def training_report() -> list[tuple[str, float]]:
    heading("1. Training: time per iteration (batch GD, half_sse, float64, η = 0.5, 1 thread)")
    cases = [("XOR 2-2-1", xor_network(), 2000), ("2-16-16-1 moons", moons_network(), 500)]
    ratios: list[tuple[str, float]] = []

    print(f"{'network':<17}{'samples':>8}{'params':>8}   {'compile_plan':>12}"
          f"   {'plan+arrays+Trainer':>19}")
    for name, net, _ in cases:
        compile_s, setup_s = bpgui_compile_time(net)
        params = len(net.edges) + sum(not n.is_input for n in net.neurons)
        print(f"{name:<17}{len(net.samples):>8}{params:>8}   {compile_s * 1e6:>9.1f} µs"
              f"   {setup_s * 1e6:>16.1f} µs")
    print("(set-up is paid once per training run and is not in the per-iteration figures)")

    if torch is not None:
        print()
        print(f"loss histories, bpgui vs torch, first {VERIFY_ITERATIONS} iterations "
              f"(must agree to {VERIFY_TOLERANCE:g} relative):")
        for name, net, _ in cases:
            abs_diff, rel_diff = loss_agreement(net)
            verdict = "ok" if rel_diff <= VERIFY_TOLERANCE else "MISMATCH"
            print(f"  {name:<17} max |Δ| = {abs_diff:.2e}   max rel = {rel_diff:.2e}   {verdict}")
            if verdict != "ok":
                raise SystemExit(f"{name}: bpgui and torch compute different losses")

    print()
    print(f"µs per iteration: best / median of {REPEATS} repeats after a warm-up, "
          "each from the same initial weights")
    print(f"{'network':<17}{'iters':>6}  {'bpgui best':>10} {'median':>8}  "
          f"{'torch best':>10} {'median':>8}  {'bpgui/torch':>11} {'(median)':>9}  verdict")
    for name, net, iterations in cases:
        ours = best_and_median(bpgui_iteration_times(net, iterations))
        line = f"{name:<17}{iterations:>6}  {ours[0] * 1e6:>10.1f} {ours[1] * 1e6:>8.1f}  "
        if torch is None:
            print(line + f"{'n/a':>10} {'n/a':>8}  {'n/a':>11} {'':>9}  n/a")
            continue
        theirs = best_and_median(torch_iteration_times(net, iterations))
        ratio, ratio_median = ours[0] / theirs[0], ours[1] / theirs[1]
        ratios.append((name, ratio))
        verdict = "PASS" if ratio <= TARGET_RATIO else "MISS"
        print(line + f"{theirs[0] * 1e6:>10.1f} {theirs[1] * 1e6:>8.1f}  {ratio:>10.2f}× "
              f"{ratio_median:>8.2f}×  {verdict}")
    print(f"target: bpgui ≤ {TARGET_RATIO} × torch (verdict from the best times)")
    if torch is not None:
        from bench_optimizers import optimizer_report  # beside this script

        heading("1b. Optimizers: each rule against the same torch.optim run (batch, "
                "half_sse, float64)")
        ratios += optimizer_report(cases, repeats=REPEATS, verify=VERIFY_ITERATIONS,
                                   tolerance=VERIFY_TOLERANCE, timed=timed,
                                   torch_setup=torch_setup, torch_train=torch_train)
    if torch is None:
        print()
        print("torch is not installed, so there is nothing to compare against "
              f"({TORCH_MISSING}).")
        print("Install it with `.venv/bin/pip install torch==2.13.0` (CPU build), "
              "or run `make bench`, which does.")
    return ratios


def stepper_report() -> None:
    heading("2. Stepper: building one sample's step records (sample 0)")
    nets = [("seed 000 worked example", load(SAMPLES / "seed000_worked_example.bpnet.json")),
            ("4-32-32-31-1 (100 neurons)", hundred_neuron_network())]
    print(f"{'network':<27}{'gran.':>6}{'records':>8}  {'all_steps':>10} {'per rec':>9}"
          f"  {'iter_steps':>10}  {'text() all':>10} {'per rec':>9}")
    for name, net in nets:
        for row, granularity in enumerate(("edge", "node", "layer")):
            records = all_steps(net, 0, granularity)  # warm-up
            build = min(timed(lambda n=net, g=granularity: all_steps(n, 0, g))
                        for _ in range(REPEATS))
            lazy = min(timed(lambda n=net, g=granularity: sum(1 for _ in iter_steps(n, 0, g)))
                       for _ in range(REPEATS))
            text = min(timed(lambda rs=records: [r.text() for r in rs]) for _ in range(REPEATS))
            n = len(records)
            print(f"{name if row == 0 else '':<27}{granularity:>6}{n:>8}  {build * 1e3:>7.2f} ms"
                  f" {build / n * 1e6:>6.1f} µs  {lazy * 1e3:>7.2f} ms  {text * 1e3:>7.2f} ms"
                  f" {text / n * 1e6:>6.1f} µs")

    print()
    net = hundred_neuron_network()
    edge_id = net.edges[len(net.edges) // 2].id
    base = net.edge(edge_id).weight
    print(f"edit one weight and recompute every value: 4-32-32-31-1, {len(net.edges)} edges, "
          f"edge {edge_id}")
    print(f"{'granularity':<12}{'records':>8}  {'StepThrough()':>13}  {'update_edge':>11}  "
          f"{'rebuild (cursor at end)':>23}  {'changed':>7}")
    for granularity in ("edge", "node", "layer"):
        construct = min(timed(lambda g=granularity: StepThrough(net, 0, g))
                        for _ in range(REPEATS))
        cursor = StepThrough(net, 0, granularity)
        cursor.jump(len(cursor))  # worst case: every value is visible and is compared
        edits, rebuilds, changed = [], [], 0
        for k in range(REPEATS):
            weight = base + 0.01 * (k + 1)
            edits.append(timed(lambda w=weight: net.update_edge(edge_id, weight=w)))
            result: dict[Any, Any] = {}
            rebuilds.append(timed(lambda c=cursor, r=result: r.update(c.rebuild(net))))
            changed = len(result)
        net.update_edge(edge_id, weight=base)
        print(f"{granularity:<12}{len(cursor):>8}  {construct * 1e3:>10.2f} ms  "
              f"{min(edits) * 1e3:>8.3f} ms  {min(rebuilds) * 1e3:>20.2f} ms  {changed:>7}")
    print("(best of repeats; 'changed' = visible quantities rebuild() reports as changed)")


def main() -> None:
    print(rule("═"))
    print("bpgui engine benchmark: training iterations vs PyTorch, and stepper steps")
    print(rule("═"))
    if torch is None:
        print("NOTE: torch is not importable; only the bpgui figures are printed.")
        print("      Install it with `.venv/bin/pip install torch==2.13.0`, or run `make bench`.")
    ratios = training_report()
    stepper_report()
    machine()
    if ratios:
        print()
        print(rule("═"))
        print(f"summary (plain SGD, target ≤ {TARGET_RATIO}×): " + "   ".join(
            f"{name}: bpgui/torch = {r:.2f}× {'PASS' if r <= TARGET_RATIO else 'MISS'}"
            for name, r in ratios[:2]))
        if ratios[2:]:
            print(f"optimizers (aim ≤ 1×): worst {max(r for _, r in ratios[2:]):.2f}×")


if __name__ == "__main__":
    main()
