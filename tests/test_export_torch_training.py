"""``bpgui export-torch``'s training part: the script retraces ``bpgui train``'s run.

Without torch: a pass-only script is what it always was, a training script keeps that
pass word for word and adds the training part, it is ruff clean, its batches are bpgui's
order (worked out here from NumPy's generator, as the spec defines the shuffle), and
settings ``bpgui train`` refuses are refused with their path. With torch (skipped where
it is not installed): the script's report under "training" equals ``bpgui train``'s
report of the same file to 1e-9 relative (loss, test-loss and L2-penalty histories,
final weights and biases), for every optimizer with L2 under every schedule, in batch,
sgd and minibatch modes, with a test split; for every sample network with its own
settings; and for test_export_torch's built networks (hostile ids, odd graphs, every
activation and loss but three built for the pass's extremes) and ids that are the
training part's own names. All the scripts run in one subprocess (starting torch takes
seconds).
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bpgui.cli import main
from bpgui.export.torch_script import PRINT, torch_script
from bpgui.export.torch_training import TRAINING_NAMES
from bpgui.network import fileformat
from bpgui.network.errors import NetworkError
from bpgui.network.items import OPTIMIZER_NAMES, SCHEDULE_NAMES
from bpgui.network.model import Edge, Network, Neuron, Sample
from tests.cli_helpers import SAMPLE_FILES
from tests.conftest import load_sample
from tests.test_export_torch import BUILT, assert_ruff_clean, run_scripts

ITERATIONS = 200
RELATIVE = 1e-9
MODES = ("batch", "sgd", "minibatch")
# Every optimizer under every schedule, with L2 and a test split; the modes rotate so
# that each schedule and each optimizer meets each mode.
CASES = [(opt, schedule, MODES[(i + j) % 3]) for i, opt in enumerate(OPTIMIZER_NAMES)
         for j, schedule in enumerate(SCHEDULE_NAMES)]
SAMPLE_ITERATIONS = {"moons_2-8-8-1": 5, "blobs_3class_softmax": 10}   # else 30


def sample_iterations(network: Network, name: str) -> int:
    """Fewer updates for the large samples, and for the graphs whose loss is their output
    (unbounded below: their loss runs off to -inf within ten updates)."""
    return 3 if network.loss == "output" else SAMPLE_ITERATIONS.get(name, 30)


def five_samples() -> Network:
    """2-3-1 with a frozen weight and a frozen bias, five training samples (an uneven
    last minibatch) and two test samples."""
    neurons = [Neuron("x1", "input"), Neuron("x2", "input"),
               Neuron("h1", "hidden", activation="tanh", bias=0.1),
               Neuron("h2", "hidden", activation="sigmoid", bias=-0.2, train_bias=False),
               Neuron("h3", "hidden", activation="relu", bias=0.05),
               Neuron("y", "output", activation="sigmoid", bias=0.3)]
    weights = [0.4, -0.6, 0.7, 0.2, -0.3, 0.5, 0.8, -0.9, 0.6]
    pairs = [(s, f"h{k}") for k in (1, 2, 3) for s in ("x1", "x2")]
    pairs += [(f"h{k}", "y") for k in (1, 2, 3)]
    edges = [Edge(f"w{i}", s, t, weight=w, trainable=i != 2)
             for i, ((s, t), w) in enumerate(zip(pairs, weights, strict=True))]
    rows = [(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0), (0.5, 0.25, 0.5), (0.2, 0.9, 1),
            (0.9, 0.1, 1)]
    samples = [Sample([a, b], [c], split="test" if k >= 5 else "train")
               for k, (a, b, c) in enumerate(rows)]
    return Network(neurons, edges, samples=samples)


def training_names_network() -> Network:
    """Ids that are the training part's own names: the tensors must step aside."""
    ids = sorted(TRAINING_NAMES)
    neurons = [Neuron(ids[0], "input"), Neuron(ids[1], "input"),
               Neuron(ids[2], "hidden", activation="tanh", bias=0.1),
               Neuron(ids[3], "output", activation="sigmoid", bias=0.2)]
    edges = [Edge(ids[4], ids[0], ids[2], weight=0.5), Edge(ids[5], ids[1], ids[2], weight=0.3),
             Edge(ids[6], ids[2], ids[3], weight=-0.4)]
    samples = [Sample([1.0, 0.0], [0.0]), Sample([0.5, 1.0], [1.0]),
               Sample([0.2, 0.3], [1.0], split="test")]
    return Network(neurons, edges, samples=samples)


# Built to put the pass at its hard places, not to be trained: a logit of 800 (its
# gradient moves weights by hundreds, and one ulp there decides the next update's kink),
# ŷ at bce's clamp (ditto), and an identity chain whose loss runs to inf by update 5.
UNTRAINABLE = ("loss-softmax_ce", "bce-clamp", "activation-identity")


def built_networks() -> dict[str, Network]:
    """test_export_torch's built networks (every other activation and loss, odd graphs,
    hostile ids) and one whose ids are the training part's names."""
    kept = {name: network for name, network in BUILT.items() if name not in UNTRAINABLE}
    return {**kept, "training-names": training_names_network()}


def case_network(optimizer: str, schedule: str, mode: str) -> Network:
    network = five_samples() if mode == "minibatch" else load_sample("xor_2-2-1")
    if mode != "minibatch":
        network.samples[3].split = "test"
    network.training = replace(
        network.training, optimizer=optimizer, schedule=schedule, mode=mode,
        learning_rate=0.5 if optimizer == "sgd" else 0.05, batch_size=2, shuffle=mode != "batch",
        seed=3, l2=0.001, momentum=0.8, alpha=0.9, beta1=0.85, beta2=0.99, eps=1e-6,
        step_size=30, gamma=0.5 if schedule == "step" else 0.995)
    return network


def bpgui_train(network: Network, iterations: int, folder: Path) -> dict[str, Any]:
    """``bpgui train FILE --iterations N``'s report, run in this process."""
    path = folder / "net.bpnet.json"
    fileformat.save(network, path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["train", str(path), "--iterations", str(iterations)]) == 0
    report: dict[str, Any] = json.loads(out.getvalue())
    return report


def assert_same_run(got: Any, want: dict[str, Any]) -> None:
    assert not isinstance(got, str), f"the script failed:\n{got}"
    got = got["training"]
    assert list(got) == list(want)          # the same keys, in the same order
    assert got["iterations"] == want["iterations"]
    for key in want:
        if key.endswith("_history"):
            np.testing.assert_allclose(got[key], want[key], rtol=RELATIVE, atol=0, err_msg=key)
        elif key.startswith("final_"):
            assert got[key] == pytest.approx(want[key], rel=RELATIVE, abs=0), key
    # a weight L2 and Adam's sign-like steps hold near 0 is compared to 1e-9 of the
    # largest parameter, not of itself
    params = [*want["weights"].values(), *want["biases"].values()]
    scale = RELATIVE * max(abs(v) for v in params)
    for kind in ("weights", "biases"):
        assert set(got[kind]) == set(want[kind])   # the script's in file order
        for k, v in want[kind].items():
            assert got[kind][k] == pytest.approx(v, rel=RELATIVE, abs=scale), (kind, k)


# ------------------------------------------------------------------------- without torch
def test_a_pass_only_script_is_the_training_script_s_first_part() -> None:
    for path in SAMPLE_FILES:
        network = fileformat.load(path)
        alone = torch_script(network, 0, path.name)
        trained = torch_script(network, 0, path.name, iterations=3)
        assert alone.endswith(PRINT + "\n") and trained.endswith(PRINT + "\n")
        after_docstring = alone.split('"""\n', 1)[1].removesuffix(PRINT + "\n")
        assert after_docstring in trained, path.name
        assert "torch.optim" not in alone and "training" not in alone
        assert trained.count(PRINT) == 1


def test_training_scripts_are_ruff_clean(tmp_path: Path) -> None:
    pytest.importorskip("ruff")
    for k, case in enumerate(CASES):
        (tmp_path / f"case{k}.py").write_text(
            torch_script(case_network(*case), iterations=7), encoding="utf-8")
    for path in SAMPLE_FILES:
        (tmp_path / f"{path.name}.py").write_text(
            torch_script(fileformat.load(path), 0, path.name, iterations=2), encoding="utf-8")
    assert_ruff_clean(tmp_path)


def script_batches(text: str) -> list[list[int]]:
    """The script's BATCHES, evaluated from its own lines (ORDERS, BATCH_SIZE, ITERATIONS)."""
    values: dict[str, Any] = {"TRAIN_X": [None] * 5}
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and \
                node.targets[0].id in ("ITERATIONS", "ORDERS", "BATCH_SIZE", "BATCHES"):
            exec(compile(ast.Module([node], []), "<script>", "exec"), values)
    return [list(rows) for rows in values["BATCHES"]]


@pytest.mark.parametrize("seed", [3, -1])
def test_the_batches_are_bpgui_s_shuffled_order(seed: int) -> None:
    """The spec's shuffle: each epoch a new permutation of the training rows from one
    NumPy generator seeded with the file's seed (mod 2⁶⁴), cut into batch_size rows."""
    network = five_samples()
    for mode, size in (("sgd", 1), ("minibatch", 2), ("minibatch", 3)):
        network.training = replace(network.training, mode=mode, batch_size=size,
                                    shuffle=True, seed=seed)
        rng = np.random.default_rng(seed % 2**64)
        want: list[list[int]] = []
        while len(want) < 23:
            order = [int(k) for k in rng.permutation(5)]
            want += [order[s:s + size] for s in range(0, 5, size)]
        assert script_batches(torch_script(network, iterations=23)) == want[:23]


def test_unshuffled_and_batch_mode_batches() -> None:
    network = five_samples()
    network.training = replace(network.training, mode="minibatch", batch_size=2)
    assert script_batches(torch_script(network, iterations=5)) == \
        [[0, 1], [2, 3], [4], [0, 1], [2, 3]]
    network.training = replace(network.training, mode="batch")
    assert script_batches(torch_script(network, iterations=3)) == [[0, 1, 2, 3, 4]] * 3


@pytest.mark.parametrize(("change", "path"), [
    ({"optimizer": "lbfgs"}, "training.optimizer"),
    ({"schedule": "cosine"}, "training.schedule"),
    ({"step_size": 0}, "training.step_size"),
    ({"gamma": 0.0}, "training.gamma"),
])
def test_settings_bpgui_train_refuses_are_refused(change: dict[str, Any], path: str) -> None:
    network = load_sample("xor_2-2-1")
    with pytest.raises(NetworkError) as error:
        torch_script(network, iterations=5, settings=replace(network.training, **change))
    assert error.value.path == path
    torch_script(network, settings=replace(network.training, **change))   # no training


def test_every_test_sample_leaves_nothing_to_train() -> None:
    network = load_sample("xor_2-2-1")
    for s in network.samples:
        s.split = "test"
    with pytest.raises(NetworkError) as error:
        torch_script(network, iterations=5)
    assert error.value.path == "samples"


def test_the_optimizer_and_schedule_are_torch_s() -> None:
    """The words a student reads: torch.optim's class and arguments, the scheduler."""
    text = {(o, s): torch_script(case_network(o, s, m), iterations=3) for o, s, m in CASES}
    adam = text["adam", "step"]
    assert "optimizer = torch.optim.Adam([" in adam
    assert "], lr=0.05, betas=(0.85, 0.99), eps=1e-06)" in adam
    assert "StepLR(optimizer, step_size=30, gamma=0.5)\n" in adam
    assert "    scheduler.step()\n" in adam
    assert "], lr=0.05, momentum=0.8)\n" in text["momentum", "constant"]
    nesterov = text["nesterov", "constant"]            # minibatch: the frozen network
    assert "], lr=0.05, momentum=0.8, nesterov=True)\n" in nesterov
    assert "scheduler" not in nesterov
    assert "trained_weights = [w0, w1, w3, w4, w5, w6, w7, w8]  # frozen ones left out" \
        in nesterov
    assert "trained_biases = [b_h1, b_h3, b_y]  # frozen ones left out" in nesterov
    assert "torch.optim.RMSprop([" in text["rmsprop", "exponential"]
    assert "], lr=0.05, alpha=0.9, eps=1e-06)" in text["rmsprop", "exponential"]
    assert "ExponentialLR(optimizer, gamma=0.995)\n" in text["rmsprop", "exponential"]
    plain = text["sgd", "constant"]
    assert "optimizer = torch.optim.SGD([" in plain and "], lr=0.5)\n" in plain
    assert '{"params": trained_weights, "weight_decay": L2},' in plain
    assert '{"params": trained_biases, "weight_decay": 0.0},' in plain
    assert "trained_weights = list(weights.values())" in plain


# ---------------------------------------------------------------------------- with torch
@pytest.fixture(scope="module")
def training_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every case's, sample network's and built network's training script, run in one
    subprocess."""
    pytest.importorskip("torch")
    scripts = {f"{o}-{s}-{m}": torch_script(case_network(o, s, m), iterations=ITERATIONS)
               for o, s, m in CASES}
    for path in SAMPLE_FILES:
        name = path.name.removesuffix(".bpnet.json")
        network = fileformat.load(path)
        scripts[name] = torch_script(network, 0, path.name,
                                     iterations=sample_iterations(network, name))
    for name, network in built_networks().items():
        scripts[name] = torch_script(network, iterations=sample_iterations(network, name))
    results = run_scripts(list(scripts.values()), tmp_path_factory.mktemp("training"))
    return dict(zip(scripts, results, strict=True))


@pytest.mark.parametrize(("optimizer", "schedule", "mode"), CASES)
def test_the_script_trains_as_bpgui_train(optimizer: str, schedule: str, mode: str,
                                          training_runs: dict[str, Any],
                                          tmp_path: Path) -> None:
    want = bpgui_train(case_network(optimizer, schedule, mode), ITERATIONS, tmp_path)
    assert "test_loss_history" in want and "l2_penalty_history" in want
    assert all(math.isfinite(v) for v in want["loss_history"])
    assert want["loss_history"][-1] < want["loss_history"][0]    # it did learn something
    assert_same_run(training_runs[f"{optimizer}-{schedule}-{mode}"], want)


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name.removesuffix(".bpnet.json"))
def test_sample_networks_train_as_bpgui_train(path: Path, training_runs: dict[str, Any],
                                              tmp_path: Path) -> None:
    name = path.name.removesuffix(".bpnet.json")
    network = fileformat.load(path)
    want = bpgui_train(network, sample_iterations(network, name), tmp_path)
    assert_same_run(training_runs[name], want)


@pytest.mark.parametrize("name", sorted(built_networks()))
def test_built_networks_train_as_bpgui_train(name: str, training_runs: dict[str, Any],
                                             tmp_path: Path) -> None:
    network = built_networks()[name]
    want = bpgui_train(network, sample_iterations(network, name), tmp_path)
    assert_same_run(training_runs[name], want)
