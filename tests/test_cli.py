"""End-to-end happy paths of the ``bpgui`` command line, each run as a subprocess.

``validate`` prints its one-line summary; ``trace`` emits the spec's JSON at full double
precision (checked against the seed 000 worked example and small networks recomputed by
hand with ``math``); ``train`` reports N + 1 losses, writes ``--out`` and ``--history``
without touching the input, and exits 3 on divergence while writing nothing; ``check``
ends with ``max relative error: X`` and exits 0 on the samples, 1 at a ReLU kink;
``python -m bpgui`` and the ``bpgui`` console script behave the same.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bpgui.network import fileformat
from tests.cli_helpers import (
    CONSOLE_SCRIPT,
    ERROR_PREFIX,
    SAMPLE_FILES,
    SEED000,
    assert_no_traceback,
    error_line,
    ok_json,
    run_cli,
    snapshot,
    write_json,
)

REL = 1e-13  # full double precision, allowing for a different order of the same operations


def close(actual: float, expected: float, rel: float = REL) -> bool:
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=1e-300)


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# ------------------------------------------------------------------ seed 000, by hand
SEED_W = {"w1": 1.0, "w2": 1.0, "w3": -1.0, "w4": 2.0, "w5": -1.0, "w6": 2.0, "w7": 3.0,
          "w8": 1.0}
SEED_B = {"h1": 0.0, "h2": 0.0, "y": 2.0001}
SEED_X = (0.0, 1.0, 1.0)


def seed000_by_hand(w: dict[str, float], b: dict[str, float]) -> dict[str, Any]:
    """Forward and backward pass of seed 000 (x = (0, 1, 1), target 1) with plain math."""
    x1, x2, x3 = SEED_X
    z1 = w["w1"] * x1 + w["w3"] * x2 + w["w5"] * x3 + b["h1"]
    z2 = w["w2"] * x1 + w["w4"] * x2 + w["w6"] * x3 + b["h2"]
    a1, a2 = math.tanh(z1), math.tanh(z2)
    z3 = w["w7"] * a1 + w["w8"] * a2 + b["y"]
    y_hat = sigmoid(z3)
    d3 = (y_hat - 1.0) * y_hat * (1.0 - y_hat)
    d1 = (1.0 - a1 ** 2) * w["w7"] * d3
    d2 = (1.0 - a2 ** 2) * w["w8"] * d3
    return {
        "z": {"h1": z1, "h2": z2, "y": z3}, "a": {"h1": a1, "h2": a2, "y": y_hat},
        "delta": {"h1": d1, "h2": d2, "y": d3},
        "loss": 0.5 * (1.0 - y_hat) ** 2,
        "grad_x": {"x1": w["w1"] * d1 + w["w2"] * d2, "x2": w["w3"] * d1 + w["w4"] * d2,
                   "x3": w["w5"] * d1 + w["w6"] * d2},
        "weights": {"w1": x1 * d1, "w2": x1 * d2, "w3": x2 * d1, "w4": x2 * d2,
                    "w5": x3 * d1, "w6": x3 * d2, "w7": a1 * d3, "w8": a2 * d3},
        "biases": {"h1": d1, "h2": d2, "y": d3},
    }


# ------------------------------------------------------------------------------ validate
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_validate_prints_the_summary(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    n, m, s = len(doc["neurons"]), len(doc["edges"]), len(doc.get("samples", []))
    result = run_cli("validate", path)
    assert result.returncode == 0 and result.stderr == ""
    assert_no_traceback(result)
    pattern = rf"{re.escape(str(path))}: ok \({n} neurons?, {m} edges?, {s} samples?\)\n"
    assert re.fullmatch(pattern, result.stdout), result.stdout


def test_validate_counts_on_a_relative_path(tmp_path: Path) -> None:
    write_json(tmp_path / "two.json", {
        "format": "bpgui-network", "version": 1,
        "neurons": [{"id": "a", "role": "input"}, {"id": "b", "role": "input"},
                    {"id": "c", "role": "output"}],
        "edges": [{"id": "e1", "source": "a", "target": "c", "weight": 1},
                  {"id": "e2", "source": "b", "target": "c", "weight": 1}],
        "samples": [{"inputs": [0, 0], "targets": [0]}, {"inputs": [1, 1], "targets": [1]}]})
    result = run_cli("validate", "two.json", cwd=tmp_path)
    assert result.stdout == "two.json: ok (3 neurons, 2 edges, 2 samples)\n"
    assert result.returncode == 0


# --------------------------------------------------------------------------------- trace
def test_trace_seed000_matches_the_hand_computation() -> None:
    doc = ok_json(run_cli("trace", SEED000))
    assert set(doc) >= {"sample", "outputs", "loss", "neurons", "gradients", "dataset", "steps"}
    hand = seed000_by_hand(SEED_W, SEED_B)
    assert doc["sample"] == 0
    assert len(doc["outputs"]) == 1 and close(doc["outputs"][0], hand["a"]["y"])
    assert close(doc["loss"], hand["loss"])

    neurons = doc["neurons"]
    assert list(neurons) == ["x1", "x2", "x3", "h1", "h2", "y"]
    for i, name in enumerate(("x1", "x2", "x3")):
        assert set(neurons[name]) == {"a", "grad"}
        assert neurons[name]["a"] == SEED_X[i]
        assert close(neurons[name]["grad"], hand["grad_x"][name]), name
    for name in ("h1", "h2", "y"):
        assert set(neurons[name]) == {"z", "a", "delta"}
        for key in ("z", "a", "delta"):
            assert close(neurons[name][key], hand[key][name]), (name, key)

    grads = doc["gradients"]
    assert set(grads["weights"]) == set(SEED_W) and set(grads["biases"]) == set(SEED_B)
    for name, value in hand["weights"].items():
        assert close(grads["weights"][name], value), name
    for name, value in hand["biases"].items():
        assert close(grads["biases"][name], value), name

    # the published product for w5, written out as in the brief
    y_hat = hand["a"]["y"]
    w5 = (y_hat - 1.0) * y_hat * (1.0 - y_hat) * 3.0 * (1.0 - math.tanh(-2.0) ** 2) * 1.0
    assert close(grads["weights"]["w5"], w5)
    assert f"{grads['weights']['w5']:.3g}" == "-0.025"

    # one sample: the dataset numbers are this sample's
    assert close(doc["dataset"]["loss"], hand["loss"])
    for kind in ("weights", "biases"):
        assert set(doc["dataset"]["gradients"][kind]) == set(grads[kind])
        for name, value in grads[kind].items():
            assert close(doc["dataset"]["gradients"][kind][name], value), name


RANK = {"forward": 0, "loss": 1, "backward": 2, "gradient": 2, "update": 3}


def test_trace_steps_walk_forward_loss_backward_update() -> None:
    steps = ok_json(run_cli("trace", SEED000))["steps"]
    assert steps
    for step in steps:
        assert {"phase", "target", "text"} <= set(step)
        assert isinstance(step["text"], str) and step["text"].strip()
        assert step["phase"] in RANK, step["phase"]
    ranks = [RANK[s["phase"]] for s in steps]
    assert ranks == sorted(ranks), [s["phase"] for s in steps]
    assert steps[0]["phase"] == "forward" and steps[-1]["phase"] == "update"
    assert [s["phase"] for s in steps].count("loss") == 1
    forward_targets = {s["target"] for s in steps if s["phase"] == "forward"}
    backward_targets = {s["target"] for s in steps if s["phase"] == "backward"}
    assert {"h1", "h2", "y"} <= forward_targets
    assert {"h1", "h2", "y"} <= backward_targets


# x1, x2 -> h (sigmoid, bias 0.1) -> y (identity, bias -0.2); half_sse; three samples
SMALL_SAMPLES = [((0.0, 0.0), 0.5), ((1.0, 2.0), 1.0), ((3.0, -1.0), -2.0)]
SMALL: dict[str, Any] = {
    "format": "bpgui-network", "version": 1,
    "neurons": [{"id": "x1", "role": "input"}, {"id": "x2", "role": "input"},
                {"id": "h", "role": "hidden", "activation": "sigmoid", "bias": 0.1},
                {"id": "y", "role": "output", "activation": "identity", "bias": -0.2}],
    "edges": [{"id": "wa", "source": "x1", "target": "h", "weight": 0.5},
              {"id": "wb", "source": "x2", "target": "h", "weight": -1.5},
              {"id": "wc", "source": "h", "target": "y", "weight": 2.0}],
    "loss": "half_sse",
    "samples": [{"inputs": list(x), "targets": [t]} for x, t in SMALL_SAMPLES],
}


def small_by_hand(k: int) -> dict[str, Any]:
    (x1, x2), t = SMALL_SAMPLES[k]
    z_h = 0.5 * x1 + -1.5 * x2 + 0.1
    a_h = sigmoid(z_h)
    y_hat = 2.0 * a_h - 0.2
    d_y = y_hat - t
    d_h = a_h * (1 - a_h) * 2.0 * d_y
    return {"output": y_hat, "loss": 0.5 * (t - y_hat) ** 2, "z_h": z_h, "a_h": a_h,
            "weights": {"wa": x1 * d_h, "wb": x2 * d_h, "wc": a_h * d_y},
            "biases": {"h": d_h, "y": d_y}, "grad_x": {"x1": 0.5 * d_h, "x2": -1.5 * d_h}}


@pytest.mark.parametrize("k", [0, 2])
def test_trace_sample_option_selects_the_sample(tmp_path: Path, k: int) -> None:
    path = write_json(tmp_path / "small.json", SMALL)
    args: list[str | Path] = ["trace", path] if k == 0 else ["trace", path, "--sample", str(k)]
    doc = ok_json(run_cli(*args))
    hand = small_by_hand(k)
    assert doc["sample"] == k
    (x1, x2), _ = SMALL_SAMPLES[k]
    assert doc["neurons"]["x1"]["a"] == x1 and doc["neurons"]["x2"]["a"] == x2
    assert close(doc["outputs"][0], hand["output"]) and close(doc["loss"], hand["loss"])
    assert close(doc["neurons"]["h"]["z"], hand["z_h"])
    for name in ("x1", "x2"):
        assert close(doc["neurons"][name]["grad"], hand["grad_x"][name])
    for kind in ("weights", "biases"):
        for name, value in hand[kind].items():
            assert close(doc["gradients"][kind][name], value), name
    # the dataset part is the mean over all three samples, whichever sample is traced
    all_hand = [small_by_hand(i) for i in range(3)]
    assert close(doc["dataset"]["loss"], sum(h["loss"] for h in all_hand) / 3, 1e-12)
    for kind in ("weights", "biases"):
        for name in hand[kind]:
            mean = sum(h[kind][name] for h in all_hand) / 3
            assert close(doc["dataset"]["gradients"][kind][name], mean, 1e-12), name


# x -> h1 (tanh), h2 (sigmoid) -> y (identity), plus a skip x -> y: two activations in a layer
MIXED: dict[str, Any] = {
    "format": "bpgui-network", "version": 1,
    "neurons": [{"id": "x", "role": "input"},
                {"id": "h1", "role": "hidden", "activation": "tanh", "bias": 0.2},
                {"id": "h2", "role": "hidden", "activation": "sigmoid", "bias": -0.3},
                {"id": "y", "role": "output", "activation": "identity", "bias": 0.05}],
    "edges": [{"id": "a", "source": "x", "target": "h1", "weight": 0.7},
              {"id": "b", "source": "x", "target": "h2", "weight": -1.1},
              {"id": "c", "source": "h1", "target": "y", "weight": 1.3},
              {"id": "d", "source": "h2", "target": "y", "weight": 0.9},
              {"id": "s", "source": "x", "target": "y", "weight": -0.4}],
    "loss": "half_sse",
    "samples": [{"inputs": [0.8], "targets": [0.25]}],
}


def test_a_layer_with_two_activations_traces_trains_and_checks(tmp_path: Path) -> None:
    path = write_json(tmp_path / "mixed.json", MIXED)
    doc = ok_json(run_cli("trace", path))
    x, t = 0.8, 0.25
    a1, a2 = math.tanh(0.7 * x + 0.2), sigmoid(-1.1 * x - 0.3)
    y_hat = 1.3 * a1 + 0.9 * a2 - 0.4 * x + 0.05
    d_y = y_hat - t
    assert close(doc["outputs"][0], y_hat)
    assert close(doc["gradients"]["weights"]["a"], x * (1 - a1 ** 2) * 1.3 * d_y)
    assert close(doc["gradients"]["weights"]["b"], x * a2 * (1 - a2) * 0.9 * d_y)
    assert close(doc["gradients"]["weights"]["s"], x * d_y)
    ok_json(run_cli("train", path, "--iterations", "3"))
    assert run_cli("check", path).returncode == 0


# --------------------------------------------------------------------------------- train
def test_train_seed000_matches_gradient_descent_by_hand() -> None:
    n = 3
    doc = ok_json(run_cli("train", SEED000, "--iterations", str(n)))
    assert set(doc) >= {"iterations", "loss_history", "final_loss", "weights", "biases"}
    assert doc["iterations"] == n
    w, b = dict(SEED_W), dict(SEED_B)
    history = []
    for _ in range(n):
        hand = seed000_by_hand(w, b)
        history.append(hand["loss"])
        w = {k: v - 0.5 * hand["weights"][k] for k, v in w.items()}
        b = {k: v - 0.5 * hand["biases"][k] for k, v in b.items()}
    history.append(seed000_by_hand(w, b)["loss"])
    assert len(doc["loss_history"]) == n + 1
    for got, want in zip(doc["loss_history"], history, strict=True):
        assert close(got, want, 1e-12)
    assert doc["final_loss"] == doc["loss_history"][-1]
    assert set(doc["weights"]) == set(SEED_W) and set(doc["biases"]) == set(SEED_B)
    for name, value in w.items():
        assert close(doc["weights"][name], value, 1e-12), name
    for name, value in b.items():
        assert close(doc["biases"][name], value, 1e-12), name


def test_train_history_starts_with_the_untrained_dataset_loss(tmp_path: Path) -> None:
    path = write_json(tmp_path / "small.json", SMALL)
    before = ok_json(run_cli("trace", path))["dataset"]["loss"]
    doc = ok_json(run_cli("train", path, "--iterations", "7", "--mode", "sgd"))
    assert len(doc["loss_history"]) == 8 and doc["loss_history"][0] == before
    zero = ok_json(run_cli("train", path, "--iterations", "0"))
    assert zero["loss_history"] == [before] and zero["final_loss"] == before
    assert zero["weights"] == {"wa": 0.5, "wb": -1.5, "wc": 2.0}


def test_train_leaves_frozen_parameters_alone(tmp_path: Path) -> None:
    doc = json.loads(json.dumps(SMALL))
    doc["edges"][1]["trainable"] = False
    doc["neurons"][3]["train_bias"] = False
    path = write_json(tmp_path / "frozen.json", doc)
    result = ok_json(run_cli("train", path, "--iterations", "5", "--lr", "0.3"))
    assert result["weights"]["wb"] == -1.5 and result["biases"]["y"] == -0.2
    assert result["weights"]["wa"] != 0.5 and result["biases"]["h"] != 0.1


def test_train_out_writes_a_trained_network_and_never_the_input(tmp_path: Path) -> None:
    source = write_json(tmp_path / "small.json", SMALL)
    out = tmp_path / "trained.bpnet.json"
    out.write_text("old contents\n", encoding="utf-8")  # an existing --out is replaced
    before = source.read_bytes()
    doc = ok_json(run_cli("train", source, "--iterations", "20", "--lr", "0.25", "--mode",
                          "minibatch", "--batch-size", "2", "--seed", "4", "--out", out))
    assert source.read_bytes() == before
    trained = fileformat.load(out)
    assert {e.id: e.weight for e in trained.edges} == doc["weights"]
    assert {n.id: n.bias for n in trained.neurons if not n.is_input} == doc["biases"]
    assert (trained.training.learning_rate, trained.training.mode,
            trained.training.batch_size, trained.training.seed) == (0.25, "minibatch", 2, 4)
    assert trained.samples == fileformat.load(source).samples
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.json", "trained.bpnet.json"]
    # and the trained file traces to the reported final loss
    assert close(ok_json(run_cli("trace", out))["dataset"]["loss"], doc["final_loss"], 1e-12)


def test_train_history_writes_the_csv(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    doc = ok_json(run_cli("train", SEED000, "--iterations", "12", "--history", history))
    with history.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["iteration", "loss"]
    assert len(rows) == 1 + 13
    assert [int(r[0]) for r in rows[1:]] == list(range(13))
    assert [float(r[1]) for r in rows[1:]] == doc["loss_history"]


def diverging_network(tmp_path: Path) -> Path:
    return write_json(tmp_path / "diverge.json", {
        "format": "bpgui-network", "version": 1,
        "neurons": [{"id": "x", "role": "input"},
                    {"id": "y", "role": "output", "activation": "identity", "bias": 0.0}],
        "edges": [{"id": "w", "source": "x", "target": "y", "weight": 1.0}],
        "loss": "sse", "samples": [{"inputs": [1.0], "targets": [0.0]}]})


def first_diverging_iteration(lr: float) -> int:
    """Gradient descent on ŷ = w·1 + b with loss ŷ², by hand: the first non-finite loss."""
    w, b = 1.0, 0.0
    for iteration in range(1, 10_000):
        gradient = 2.0 * (w + b)  # ∂L/∂w = ∂L/∂b for x = 1, target 0
        w, b = w - lr * gradient, b - lr * gradient
        if not math.isfinite((w + b) * (w + b)):
            return iteration
    raise AssertionError("does not diverge")


@pytest.mark.parametrize("existing", ["out", "history"])
def test_train_divergence_exits_3_and_writes_nothing(tmp_path: Path, existing: str) -> None:
    path = diverging_network(tmp_path)
    out, history = tmp_path / "out.bpnet.json", tmp_path / "history.csv"
    (out if existing == "out" else history).write_text("keep me\n", encoding="utf-8")
    before = snapshot(tmp_path)
    result = run_cli("train", path, "--lr", "100", "--iterations", "500", "--out", out,
                     "--history", history)
    line = error_line(result, 3)
    k = first_diverging_iteration(100.0)
    assert re.search(rf"\biteration {k}\b", line), (k, line)
    assert re.search(r"smaller learning rate", line), line
    assert snapshot(tmp_path) == before


def test_train_accepts_a_negative_seed(tmp_path: Path) -> None:
    """The spec's seed is any integer, so a negative one must train (not crash)."""
    doc = json.loads(json.dumps(SMALL))
    doc["training"] = {"mode": "sgd", "shuffle": True, "seed": -1}
    path = write_json(tmp_path / "seeded.json", doc)
    assert run_cli("validate", path).returncode == 0
    ok_json(run_cli("train", path, "--iterations", "4"))
    ok_json(run_cli("train", SEED000, "--iterations", "2", "--mode", "minibatch", "--seed",
                    "-7"))


def test_train_out_keeps_a_deeply_nested_view(tmp_path: Path) -> None:
    """``view`` is free-form and preserved as is; a file that loads must also save."""
    doc = json.loads(json.dumps(SMALL))
    nested: Any = []
    for _ in range(600):
        nested = [nested]
    doc["view"] = {"deep": nested}
    path = write_json(tmp_path / "deep.json", doc)
    assert run_cli("validate", path).returncode == 0
    out = tmp_path / "out.json"
    ok_json(run_cli("train", path, "--iterations", "1", "--out", out))
    assert json.loads(out.read_text(encoding="utf-8"))["view"] == doc["view"]


# --------------------------------------------------------------------------------- check
def max_relative_error(stdout: str) -> float:
    last = stdout.rstrip("\n").splitlines()[-1]
    match = re.fullmatch(r"max relative error: (\S+)", last)
    assert match, f"the last line is {last!r}"
    return float(match.group(1))


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_check_passes_on_the_samples(path: Path) -> None:
    result = run_cli("check", path)
    assert_no_traceback(result)
    assert result.returncode == 0, result.stdout + result.stderr
    assert max_relative_error(result.stdout) < 1e-5
    doc = json.loads(path.read_text(encoding="utf-8"))
    rows = result.stdout.splitlines()
    for edge in doc["edges"]:
        assert any(re.match(rf"{re.escape(edge['id'])}\s", row) for row in rows), edge["id"]


def test_check_fails_at_a_relu_kink(tmp_path: Path) -> None:
    """x = 0 makes z_h = 0 exactly: backprop uses relu'(0) = 0, the central difference 1/2."""
    path = write_json(tmp_path / "kink.json", {
        "format": "bpgui-network", "version": 1,
        "neurons": [{"id": "x", "role": "input"},
                    {"id": "h", "role": "hidden", "activation": "relu", "bias": 0.0},
                    {"id": "y", "role": "output", "activation": "identity", "bias": 0.0}],
        "edges": [{"id": "w1", "source": "x", "target": "h", "weight": 1.0},
                  {"id": "w2", "source": "h", "target": "y", "weight": 1.0}],
        "loss": "half_sse", "samples": [{"inputs": [0.0], "targets": [1.0]}]})
    result = run_cli("check", path)
    assert_no_traceback(result)
    assert result.returncode == 1, result.stdout + result.stderr
    # ∂L/∂b_h: backprop 0, finite difference (½(1-ε)² - ½)/(2ε) ≈ -1/2: relative error 1
    assert max_relative_error(result.stdout) == pytest.approx(1.0, rel=1e-3)


def test_check_eps_option() -> None:
    result = run_cli("check", SEED000, "--eps", "1e-4")
    assert result.returncode == 0 and max_relative_error(result.stdout) < 1e-5


# --------------------------------------------------------------- console script, plain run
@pytest.mark.parametrize("args", [
    ("validate", str(SEED000)), ("trace", str(SEED000), "--sample", "0"),
    ("train", str(SEED000), "--iterations", "3"), ("check", str(SEED000)),
    ("validate", "no-such-file.json"), ("train", str(SEED000), "--lr", "0"),
], ids=["validate", "trace", "train", "check", "missing-file", "bad-option"])
def test_console_script_matches_python_m(args: tuple[str, ...]) -> None:
    assert CONSOLE_SCRIPT.exists(), f"{CONSOLE_SCRIPT} is not installed"
    module, script = run_cli(*args), run_cli(*args, script=True)
    assert (script.returncode, script.stdout, script.stderr) == (
        module.returncode, module.stdout, module.stderr)
    assert_no_traceback(module)


def test_plain_bpgui_opens_the_gui_or_says_why_not(tmp_path: Path) -> None:
    """Without arguments: exit 0, exit 2 with one error line, or a window still running."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    process = subprocess.Popen([sys.executable, "-m", "bpgui"], cwd=tmp_path, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        stdout, stderr = process.communicate(timeout=5)
    except subprocess.TimeoutExpired:  # the event loop is running: the window is open
        process.kill()
        stdout, stderr = process.communicate()
        assert "Traceback" not in stdout + stderr
        return
    assert "Traceback" not in stdout + stderr
    assert process.returncode in (0, 2), (process.returncode, stderr)
    if process.returncode == 2:
        lines = stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(ERROR_PREFIX), stderr


def test_worksheet_writes_the_seed_example(tmp_path) -> None:
    import html

    out = tmp_path / "sheet.html"
    result = run_cli("worksheet", SEED000, "--select", "w5", "-o", out)
    assert result.returncode == 0, result.stderr
    page = html.unescape(out.read_text(encoding="utf-8"))
    for number in ("−2", "−0.964", "0.9993", "0.1073", "0.5268", "−0.025"):
        assert number in page
    assert "(0.5268 − 1)·0.5268(1 − 0.5268)·3·(1 − (−0.96403)²)·1" in page
    md = tmp_path / "sheet.md"
    assert run_cli("worksheet", SEED000, "--questions", "-o", md).returncode == 0
    assert "______" in md.read_text(encoding="utf-8")


def test_worksheet_and_export_refuse_bad_input_without_writing(tmp_path) -> None:
    for args, words in ((("worksheet", SEED000, "--select", "nope", "-o", tmp_path / "a.html"),
                         "nope"),
                        (("worksheet", SEED000, "-o", tmp_path / "a.txt"), ".txt"),
                        (("export-torch", SEED000, "--sample", "3", "-o", tmp_path / "n.py"),
                         "sample 3")):
        result = run_cli(*args)
        assert result.returncode == 2 and words in result.stderr, result.stderr
        assert_no_traceback(result)
    assert list(tmp_path.iterdir()) == []


def test_export_torch_writes_a_script_that_compiles(tmp_path) -> None:
    out = tmp_path / "net.py"
    result = run_cli("export-torch", SEED000, "-o", out)
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    compile(text, str(out), "exec")
    assert "import torch" in text and "w5" in text
