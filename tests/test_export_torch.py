"""``bpgui export-torch``: the standalone PyTorch script that ``torch_script`` writes.

This module owns the script's contract. Without torch: the script compiles for every
sample network and for random DAGs, imports nothing but torch, json and math, holds one
float64 leaf tensor per input, weight and bias with its exact value, maps every bpgui id
to its tensor in file order, writes each z in the engine's step order and summation
order, survives ids that are keywords, builtins or the script's own names, and refuses
what ``bpgui trace`` refuses, in the walk's words. With torch (skipped cleanly where it
is not installed): running the script reproduces ``bpgui trace``'s outputs, loss,
neuron values and gradients to rel 1e-10 / abs 1e-12, for every sample of every sample
network, every activation (kinks at z = 0, saturation, softplus past torch's own
threshold of 20), every loss (softmax_ce with 3 outputs, bce at and near its clamp),
and random DAGs.

Starting torch takes seconds, so one test runs a script exactly as a user would
(``python -I net.py``) and the others share one subprocess that runs each script as
``__main__`` (``runpy``) and hands back what it printed.

Rounding: the script sums each z in the engine's order, so the forward pass agrees to
the last bit or so; torch's libm and its gradient accumulation order may still differ
from NumPy's by an ulp. Where one ulp decides the answer, no two float64
implementations can agree to 1e-10, so the fixed networks avoid those places and the
random test skips them: 1 − a of a sigmoid or tanh within 1e-6 of saturation (but not
saturated), a bce output within 1e-6 of 1 with a target other than 1 (ln(1 − p)), and a
ReLU-like z whose terms cancel to within 1e-9 of their size (its sign is rounding).
"""

from __future__ import annotations

import ast
import json
import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import bpgui.export.torch_script
from bpgui.engine.trace import trace_document
from bpgui.engine.walk import Walk
from bpgui.export.torch_script import torch_script
from bpgui.network import fileformat
from bpgui.network.errors import BpguiError, NetworkError
from bpgui.network.model import ACTIVATIONS, LOSSES, Edge, Network, Neuron, Sample
from tests.cli_helpers import SAMPLE_FILES
from tests.strategies import networks

REL, ABS = 1e-10, 1e-12
ALLOWED_IMPORTS = {"torch", "json", "math"}
ILL_CONDITIONED = 1e-6        # 1 − a below this (and above 0) is decided by one ulp of a
ROUNDING_ZONE = 1e-9          # a ReLU-like |z| below this × its terms may be rounding of 0
KINKED = ("relu", "leaky_relu")
SATURATING = ("sigmoid", "tanh")
Document = dict[str, Any]

# Runs each script given on the command line as __main__, in one interpreter, and
# prints a JSON list with what each printed or the traceback of its failure.
DRIVER = """\
import contextlib, io, json, runpy, sys, traceback
results = []
for path in sys.argv[1:]:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(path, run_name="__main__")
        results.append({"stdout": out.getvalue()})
    except BaseException:
        results.append({"error": traceback.format_exc()})
sys.stdout.write(json.dumps(results))
"""


# ------------------------------------------------------------------------ reading a script
class Script:
    """A generated script, compiled and parsed, with the names it binds at top level."""

    def __init__(self, text: str) -> None:
        self.text = text
        compile(text, "net.py", "exec")
        self.tree = ast.parse(text, "net.py")
        self.order: list[str] = []
        self.value: dict[str, ast.expr] = {}
        for node in self.tree.body:
            if isinstance(node, ast.Assign):
                assert len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                name = node.targets[0].id
                assert name not in self.value, f"{name} is assigned twice"
                self.order.append(name)
                self.value[name] = node.value

    def mapping(self, name: str) -> dict[str, str]:
        """The literal ``name = {"id": tensor, ...}``, as {id: tensor's name}, in order."""
        node = self.value[name]
        assert isinstance(node, ast.Dict)
        out: dict[str, str] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            assert isinstance(key, ast.Constant) and isinstance(key.value, str)
            assert isinstance(value, ast.Name)
            out[key.value] = value.id
        return out

    def leaf_value(self, name: str) -> float:
        """The number in ``name = torch.tensor(x, dtype=torch.float64, requires_grad=True)``."""
        node = self.value[name]
        assert isinstance(node, ast.Call) and ast.unparse(node.func) == "torch.tensor"
        keywords = {k.arg: ast.unparse(k.value) for k in node.keywords}
        assert keywords == {"dtype": "torch.float64", "requires_grad": "True"}, name
        value = ast.literal_eval(node.args[0])
        assert isinstance(value, float)
        return value

    def imports(self) -> set[str]:
        found = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                found.add((node.module or "").split(".")[0])
        return found


def terms(node: ast.expr) -> list[str]:
    """``b + w1 * x1 + w2 * x2`` as ["b", "w1 * x1", "w2 * x2"]: Python's left-to-right sum."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [*terms(node.left), ast.unparse(node.right)]
    return [ast.unparse(node)]


def check_script(network: Network, sample: int, text: str, source: str | None = None) -> None:
    """Everything about the script that can be checked without running it."""
    script = Script(text)
    assert script.imports() <= ALLOWED_IMPORTS
    doc = ast.get_docstring(script.tree) or ""
    assert "bpgui" in doc and (source is None or source in doc)
    computed = [n for n in network.neurons if n.has_bias]
    operations = [n.id for n in network.neurons if n.is_operation]
    inputs, weights = script.mapping("inputs"), script.mapping("weights")
    biases, zs = script.mapping("biases"), script.mapping("pre_activations")
    activations = script.mapping("activations")
    assert list(inputs) == [n.id for n in network.inputs]
    assert list(weights) == [e.id for e in network.edges]
    assert list(biases) == list(zs) == list(activations) == [n.id for n in computed]
    assert ast.literal_eval(script.value["NEURON_IDS"]) == [n.id for n in network.neurons]
    values_of = script.mapping("operations") if operations else {}
    assert list(values_of) == operations
    tensors = [*inputs.values(), *weights.values(), *biases.values(), *zs.values(),
               *values_of.values()]
    assert len(set(tensors)) == len(tensors), "two quantities share a name"
    assert len(set(activations.values()) - set(inputs.values())) == len(activations)
    values = [*network.samples[sample].inputs, *(e.weight for e in network.edges),
              *(n.bias for n in computed)]
    assert [script.leaf_value(t) for t in [*inputs.values(), *weights.values(),
                                           *biases.values()]] == values
    check_forward(network, sample, script)
    assert ast.unparse(script.value["yhat"]) == \
        f"torch.stack([{', '.join((activations | values_of)[n.id] for n in network.outputs)}])"
    targets = ast.literal_eval(script.value["y"].args[0])  # type: ignore[attr-defined]
    assert targets == network.samples[sample].targets
    report = script.value["report"]
    assert isinstance(report, ast.Dict)
    assert [ast.literal_eval(k) for k in report.keys if k is not None] == \
        ["sample", "outputs", "loss", "neurons", "gradients"]
    assert ast.literal_eval(report.values[0]) == sample


def check_forward(network: Network, sample: int, script: Script) -> None:
    """Each z in the walk's order, as b + Σ w·a over the incoming edges in file order,
    each a a function of its own z alone."""
    operations = script.mapping("operations") if "operations" in script.value else {}
    a_name = script.mapping("inputs") | script.mapping("activations") | operations
    weights, biases = script.mapping("weights"), script.mapping("biases")
    zs = script.mapping("pre_activations")
    walk = Walk(network, sample)
    z_order = [nid for name in script.order for nid, z in zs.items() if z == name]
    assert z_order == [nid for nid in walk.non_inputs() if nid not in operations]
    helpers = {"torch", "softplus", "LEAKY_SLOPE"}
    for nid in walk.non_inputs():
        if nid in operations:            # op(w·v of each incoming edge), nothing else
            used = {n.id for n in ast.walk(script.value[operations[nid]])
                    if isinstance(n, ast.Name)}
            operands = {name for e in network.edges if e.target == nid
                        for name in (weights[e.id], a_name[e.source])}
            assert used - helpers - {"first_max", "first_min"} == operands, nid
            continue
        want = [biases[nid]] + [f"{weights[e.id]} * {a_name[e.source]}"
                                for e in network.edges if e.target == nid]
        assert terms(script.value[zs[nid]]) == want, nid
        used = {n.id for n in ast.walk(script.value[a_name[nid]]) if isinstance(n, ast.Name)}
        assert used - helpers == {zs[nid]}, nid
        assert script.order.index(a_name[nid]) == script.order.index(zs[nid]) + 1


# --------------------------------------------------------------------- comparing numbers
def close(got: Any, want: float) -> bool:
    return isinstance(got, float) and math.isclose(got, want, rel_tol=REL, abs_tol=ABS)


def disagreements(network: Network, sample: int, got: Document) -> list[str]:
    """Where the script's document differs from ``bpgui trace``'s (keys, order, numbers)."""
    want = trace_document(network, sample)
    if list(got) != ["sample", "outputs", "loss", "neurons", "gradients"]:
        return [f"top-level keys {list(got)}"]
    problems = []
    if list(got["neurons"]) != list(want["neurons"]):
        problems.append(f"neuron keys {list(got['neurons'])}")
    if got["sample"] != sample:
        problems.append(f"sample {got['sample']} != {sample}")
    if len(got["outputs"]) != len(want["outputs"]):
        problems.append(f"{len(got['outputs'])} outputs != {len(want['outputs'])}")
    for kind in ("weights", "biases"):
        if list(got["gradients"][kind]) != list(want["gradients"][kind]):
            problems.append(f"gradient {kind}: keys {list(got['gradients'][kind])}")
    if problems:
        return problems
    for what, g, w in numbers(got, want):
        if not close(g, w):
            problems.append(f"{what}: torch {g!r} != bpgui {w!r}")
    return problems


def numbers(got: Document, want: Document) -> Iterator[tuple[str, Any, float]]:
    """(what, torch's value, bpgui's value) for every number the script reports."""
    yield "loss", got["loss"], want["loss"]
    for k, (g, w) in enumerate(zip(got["outputs"], want["outputs"], strict=True)):
        yield f"outputs[{k}]", g, w
    for nid, values in want["neurons"].items():
        if list(got["neurons"][nid]) != list(values):
            yield f"neurons.{nid} keys {list(got['neurons'][nid])}", None, 0.0
            continue
        for key, w in values.items():
            yield f"neurons.{nid}.{key}", got["neurons"][nid][key], w
    for kind in ("weights", "biases"):
        for ident, w in want["gradients"][kind].items():
            yield f"gradients.{kind}.{ident}", got["gradients"][kind][ident], w


def ill_conditioned(network: Network, sample: int) -> str | None:
    """Why one ulp could decide some reported number of this pass, or None."""
    doc = trace_document(network, sample)
    targets = dict(zip((n.id for n in network.outputs), network.samples[sample].targets,
                       strict=True))
    for n in network.neurons:
        if n.is_input:
            continue
        z, a = doc["neurons"][n.id]["z"], doc["neurons"][n.id]["a"]
        gap = 1.0 - abs(a)
        if n.activation in SATURATING and 0.0 < gap < ILL_CONDITIONED:
            return f"{n.id}: {n.activation} saturated to within {gap:.1e}"
        if network.loss == "bce" and n.id in targets and targets[n.id] != 1.0 \
                and 0.0 < 1.0 - a < ILL_CONDITIONED:
            return f"{n.id}: bce output within {1.0 - a:.1e} of 1"
        if n.activation in KINKED and 0.0 < abs(z) < ROUNDING_ZONE * magnitude(network, doc, n):
            return f"{n.id}: {n.activation} at z = {z!r}, its terms cancelling"
    return None


def magnitude(network: Network, doc: Document, neuron: Neuron) -> float:
    """|b| + Σ |w·a| of a neuron's z: how large its rounding can be, relatively."""
    a = {nid: values["a"] for nid, values in doc["neurons"].items()}
    return abs(neuron.bias) + sum(abs(e.weight * a[e.source]) for e in network.edges
                                  if e.target == neuron.id)


# ----------------------------------------------------------------------- running scripts
def run_scripts(texts: list[str], folder: Path) -> list[Document | str]:
    """Run every script in one subprocess; each one's parsed JSON, or its traceback."""
    paths = []
    for i, text in enumerate(texts):
        path = folder / f"net{i}.py"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    result = subprocess.run([sys.executable, "-W", "error", "-c", DRIVER, *paths],
                            cwd=folder, capture_output=True, text=True, encoding="utf-8",
                            timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    return [json.loads(r["stdout"]) if "stdout" in r else r["error"]
            for r in json.loads(result.stdout)]


def assert_ruff_clean(folder: Path) -> None:
    """The scripts in ``folder`` pass ruff's checks for readable Python."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--line-length",
         "100", "--select", "E,W,F,I,B,UP,C4,SIM", str(folder)],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def assert_agrees(network: Network, sample: int, got: Document | str) -> None:
    assert not isinstance(got, str), f"the script failed:\n{got}"
    problems = disagreements(network, sample, got)
    assert not problems, f"sample {sample}:\n" + "\n".join(problems[:20])


# -------------------------------------------------------------------------- the networks
def load(path: Path) -> Network:
    return fileformat.load(path)


def activation_network(activation: str) -> Network:
    """Two inputs, two hidden neurons and an output, all with ``activation``.

    The samples put h1 at z = 0 exactly (the kink of relu and leaky_relu), both signs,
    and, for the functions that are not ill-conditioned there, far out: tanh saturated
    to exactly ±1 and softplus at z = 21, past torch's own softplus threshold of 20.
    """
    neurons = [Neuron("x1", "input"), Neuron("x2", "input"),
               Neuron("h1", "hidden", activation, bias=0.0),
               Neuron("h2", "hidden", activation, bias=0.3),
               Neuron("y", "output", activation, bias=0.5)]
    edges = [Edge("w1", "x1", "h1", 1.0), Edge("w2", "x2", "h1", -0.5),
             Edge("w3", "x1", "h2", 0.75), Edge("w4", "x2", "h2", 0.5),
             Edge("w5", "h1", "y", 0.8), Edge("w6", "h2", "y", -0.6)]
    rows = [[0.0, 0.0], [1.0, 2.0], [-1.5, 0.5], [0.7, -1.1], [2.0, 1.0]]
    if activation == "tanh":
        rows += [[30.0, 10.0], [-30.0, -10.0]]
    if activation == "softplus":
        rows += [[21.0, 0.0], [-40.0, 2.0]]
    if activation in ("identity", "relu", "leaky_relu", "sin"):
        rows += [[12.0, -7.0]]
    return Network(neurons, edges, loss="half_sse", name=f"every {activation}",
                   samples=[Sample(r, [0.25]) for r in rows])


def loss_network(loss: str) -> Network:
    """Two inputs, a tanh and a sin neuron, three outputs (y1 also feeds y3)."""
    act = {"bce": "sigmoid", "softmax_ce": "identity"}.get(loss)
    neurons = [Neuron("x1", "input"), Neuron("x2", "input"),
               Neuron("h1", "hidden", "tanh", bias=0.2), Neuron("h2", "hidden", "sin", bias=-0.4),
               Neuron("y1", "output", act or "identity", bias=0.1),
               Neuron("y2", "output", act or "sigmoid", bias=-0.3),
               Neuron("y3", "output", act or "softplus", bias=0.05)]
    edges = [Edge("w1", "x1", "h1", 0.9), Edge("w2", "x2", "h1", -1.2),
             Edge("w3", "x1", "h2", 0.4), Edge("w4", "x2", "h2", 1.1),
             Edge("w5", "h1", "y1", 1.3), Edge("w6", "h2", "y1", -0.7),
             Edge("w7", "h1", "y2", -0.5), Edge("w8", "h2", "y2", 0.8),
             Edge("w9", "h2", "y3", 0.6), Edge("w10", "y1", "y3", -0.9)]
    rows = [[0.5, -0.3], [1.5, 0.8], [-1.0, 2.0]]
    targets = {"softmax_ce": [[1.0, 0.0, 0.0], [0.2, 0.5, 0.3], [0.0, 2.0, 1.0]],
               "bce": [[1.0, 0.0, 1.0], [0.3, 0.9, 0.0], [0.0, 1.0, 0.5]]}.get(
        loss, [[0.5, -1.0, 2.0], [0.0, 0.0, 0.0], [-3.0, 0.25, 1.5]])
    samples = [Sample(r, t) for r, t in zip(rows, targets, strict=True)]
    if loss == "softmax_ce":                 # a logit of ~800: only a stable softmax survives
        edges.append(Edge("w11", "x1", "y2", 1.0))
        samples.append(Sample([800.0, -40.0], [0.0, 0.0, 1.0]))
    return Network(neurons, edges, loss=loss, samples=samples, name=f"every {loss}")


def bce_clamp_network() -> Network:
    """bce at and near its clamp [1e-12, 1 − 1e-12].

    y1 = σ(x1 − 30 + …) and y2 = σ(x1 + 40): x1 = 0 clamps a₁ ≈ 9e-14 (with target 1 its
    δ is large, where autograd through a clamp would give 0) and makes a₂ exactly 1.0;
    x1 = 3 puts a₁ ≈ 1.9e-12 just inside the clamp; x1 = −30 and −35 clamp a₁ far below.
    (A sigmoid just short of 1 is left out: there 1 − a, and so δ, is decided by one ulp.)
    """
    neurons = [Neuron("x1", "input"), Neuron("x2", "input"), Neuron("h", "hidden", "tanh"),
               Neuron("y1", "output", bias=-30.0), Neuron("y2", "output", bias=40.0),
               Neuron("y3", "output", bias=0.1)]
    edges = [Edge("a1", "x1", "y1", 1.0), Edge("a2", "x1", "y2", 1.0),
             Edge("v1", "x2", "h", 0.5), Edge("v2", "h", "y1", 1e-3), Edge("v3", "h", "y3", 2.0),
             Edge("v4", "x2", "y3", -1.0)]
    samples = [Sample([0.0, 0.5], [1.0, 0.0, 0.5]), Sample([0.0, -0.5], [0.0, 1.0, 1.0]),
               Sample([3.0, 0.2], [0.3, 0.0, 0.0]), Sample([-30.0, 1.0], [1.0, 0.7, 0.2]),
               Sample([-35.0, 0.3], [0.5, 1.0, 0.9])]
    return Network(neurons, edges, loss="bce", samples=samples, name="bce at its clamp")


def odd_graph_network() -> Network:
    """A dead end, an unused input, a neuron with no incoming edge, frozen parameters,
    an identity hidden neuron, and an output feeding another output; listed out of order."""
    neurons = [Neuron("y2", "output", "sigmoid", bias=0.2),
               Neuron("h2", "hidden", "identity", bias=-0.3, train_bias=False),
               Neuron("x1", "input"), Neuron("dead", "hidden", "tanh", bias=0.4),
               Neuron("lone", "hidden", "sigmoid", bias=0.7), Neuron("x2", "input"),
               Neuron("unused", "input"), Neuron("h1", "hidden", "tanh", bias=0.1),
               Neuron("y1", "output", "identity", bias=-0.2)]
    edges = [Edge("e_y1_y2", "y1", "y2", 0.9), Edge("e_x1_h1", "x1", "h1", 0.5),
             Edge("e_x2_h1", "x2", "h1", -0.8, trainable=False),
             Edge("e_h1_h2", "h1", "h2", 1.2), Edge("e_h2_y1", "h2", "y1", -1.1),
             Edge("e_x1_dead", "x1", "dead", 0.3), Edge("e_lone_y2", "lone", "y2", 0.6),
             Edge("e_x2_y2", "x2", "y2", 0.4), Edge("e_h1_y1", "h1", "y1", 0.7)]
    samples = [Sample([0.5, -1.0, 3.0], [0.2, 0.8]), Sample([-1.5, 0.25, -2.0], [1.0, 0.0])]
    return Network(neurons, edges, samples=samples, name="odd graph")


def hostile_ids_network() -> Network:
    """Ids that are keywords, builtins, dunders and the script's own names, and edge ids
    that collide with the names the script gives neurons (``b_h``, ``z_h``, ``a_h``, ``x``)."""
    neurons = [Neuron("torch", "input"), Neuron("if", "input"), Neuron("__builtins__", "input"),
               Neuron("x", "input"), Neuron("h", "hidden", "softplus", bias=0.1),
               Neuron("print", "hidden", "leaky_relu", bias=-0.2, train_bias=False),
               Neuron("y", "hidden", "tanh", bias=0.3), Neuron("loss", "output", bias=0.0),
               Neuron("weights", "output", bias=-0.1), Neuron("None", "output", bias=0.2)]
    edges = [Edge("b_h", "torch", "h", 0.4), Edge("z_h", "if", "h", -0.6),
             Edge("a_h", "x", "print", 0.9), Edge("x", "h", "print", 0.5),
             Edge("gradient", "print", "loss", 1.1), Edge("tensor", "h", "loss", -0.7),
             Edge("class", "torch", "y", 0.8, trainable=False), Edge("yhat", "y", "weights", 1.2),
             Edge("softplus", "__builtins__", "y", -0.4), Edge("ClampedBCE", "y", "loss", 0.3),
             Edge("BCE_CLAMP", "x", "weights", -0.9), Edge("LEAKY_SLOPE", "h", "weights", 0.6),
             Edge("inputs", "h", "None", 0.5), Edge("report", "y", "None", -1.0),
             Edge("a_y", "print", "None", 0.7), Edge("lambda", "if", "None", 0.2)]
    samples = [Sample([0.5, -1.0, 2.0, 1.5], [1.0, 0.0, 0.5]),
               Sample([-0.3, 0.8, -1.2, 0.4], [0.0, 1.0, 0.25])]
    return Network(neurons, edges, loss="bce", samples=samples, name="hostile ids")


SAMPLE_IDS = [p.name.removesuffix(".bpnet.json") for p in SAMPLE_FILES]
BUILT: dict[str, Network] = {
    **{f"activation-{a}": activation_network(a) for a in ACTIVATIONS},
    **{f"loss-{loss}": loss_network(loss) for loss in LOSSES},
    "bce-clamp": bce_clamp_network(),
    "odd-graph": odd_graph_network(),
    "hostile-ids": hostile_ids_network(),
}
for _net in BUILT.values():
    _net.validate()


def all_networks() -> dict[str, Network]:
    return {**{i: load(p) for i, p in zip(SAMPLE_IDS, SAMPLE_FILES, strict=True)}, **BUILT}


# --------------------------------------------------------------------- without torch
def test_every_sample_network_is_covered() -> None:
    assert len(SAMPLE_FILES) >= 8


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=SAMPLE_IDS)
def test_sample_network_scripts_compile_and_name_everything(path: Path) -> None:
    network = load(path)
    for sample in sorted({0, len(network.samples) // 2, len(network.samples) - 1}):
        check_script(network, sample, torch_script(network, sample, str(path)), str(path))


@pytest.mark.parametrize("name", list(BUILT))
def test_built_network_scripts_compile_and_name_everything(name: str) -> None:
    network = BUILT[name]
    for sample in range(len(network.samples)):
        check_script(network, sample, torch_script(network, sample))


@settings(max_examples=80, deadline=None)
@given(networks(), st.data())
def test_random_dag_scripts_compile_and_name_everything(network: Network, data: Any) -> None:
    note(fileformat.dumps(network))
    sample = data.draw(st.integers(0, len(network.samples) - 1), label="sample")
    check_script(network, sample, torch_script(network, sample))


def test_hostile_ids_get_distinct_python_names() -> None:
    script = Script(torch_script(hostile_ids_network()))
    assert script.mapping("inputs") == {"torch": "torch_2", "if": "if_",
                                        "__builtins__": "__builtins___2", "x": "x"}
    weights = script.mapping("weights")
    assert weights["x"] == "x_2" and weights["lambda"] == "lambda_"
    assert weights["gradient"] == "gradient_2" and weights["b_h"] == "b_h"
    assert script.mapping("biases")["h"] == "b_h_2"


def test_the_script_is_ruff_clean(tmp_path: Path) -> None:
    """Readable by a student: pyflakes, pycodestyle and isort find nothing to say."""
    pytest.importorskip("ruff")
    for path in SAMPLE_FILES:
        network = load(path)
        (tmp_path / f"{path.name}.py").write_text(torch_script(network, 0, str(path)),
                                                   encoding="utf-8")
    for name, network in BUILT.items():
        if name != "hostile-ids":            # builtins as names are the point there
            (tmp_path / f"{name}.py").write_text(torch_script(network), encoding="utf-8")
    assert_ruff_clean(tmp_path)


def test_the_docstring_names_the_source_safely() -> None:
    network = BUILT["odd-graph"].copy()
    network.name = 'a """quoted\\ name\nover two lines'
    source = 'C:\\nets\\"odd""".bpnet.json'
    script = Script(torch_script(network, 1, source))
    doc = ast.get_docstring(script.tree, clean=False) or ""
    assert network.name in doc and source in doc and "--sample 1" in doc
    assert "not saved" in (ast.get_docstring(Script(torch_script(network)).tree) or "")


def test_the_exporter_never_imports_torch() -> None:
    for path in Path(bpgui.export.torch_script.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        modules |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not any(m.split(".")[0] == "torch" for m in modules), path
    code = ("import sys, bpgui.export.torch_script, bpgui.network.samples\n"
            "bpgui.export.torch_script.torch_script(bpgui.network.samples.default_network())\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _one_neuron(samples: list[Sample], role: str = "output") -> Network:
    return Network([Neuron("x", "input"), Neuron("y", role)], [Edge("w", "x", "y", 0.5)],
                   samples=samples)


@pytest.mark.parametrize(("network", "sample", "message"), [
    (_one_neuron([Sample([1.0], [])], role="hidden"), 0,
     "the network has no output neuron, so there is no loss to compute"),
    (_one_neuron([]), 0, "the network has no samples; add one to step through a pass"),
    (_one_neuron([Sample([1.0], [1.0])]), 1,
     "sample 1 does not exist (the network has 1 sample, numbered from 0)"),
    (_one_neuron([Sample([1.0], [1.0]), Sample([2.0], [0.0])]), -1,
     "sample -1 does not exist (the network has 2 samples, numbered from 0)"),
], ids=["no-outputs", "no-samples", "past-the-end", "negative"])
def test_what_trace_refuses_is_refused_in_its_words(network: Network, sample: int,
                                                    message: str) -> None:
    with pytest.raises(BpguiError) as caught:
        torch_script(network, sample)
    with pytest.raises(BpguiError) as traced:
        trace_document(network, sample)
    assert str(caught.value) == str(traced.value) == message


def test_an_invalid_network_is_refused() -> None:
    network = Network([Neuron("x", "input"), Neuron("a", "hidden"), Neuron("b", "output")],
                      [Edge("w1", "a", "b", 1.0), Edge("w2", "b", "a", 1.0)],
                      samples=[Sample([1.0], [1.0])])
    with pytest.raises(NetworkError, match="cycle"):
        torch_script(network)


# ------------------------------------------------------------------------- with torch
@pytest.fixture(scope="module")
def torch_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], Any]:
    """Every sample of every fixed network, run once in a shared subprocess."""
    pytest.importorskip("torch")
    cases = [(name, k, network) for name, network in all_networks().items()
             for k in range(len(network.samples))]
    results = run_scripts([torch_script(net, k) for _, k, net in cases],
                          tmp_path_factory.mktemp("torch_scripts"))
    return {(name, k): got for (name, k, _), got in zip(cases, results, strict=True)}


def test_the_script_runs_standalone_and_matches_trace(tmp_path: Path) -> None:
    """Exactly as a user runs it: ``python -I net.py``, warnings as errors."""
    pytest.importorskip("torch")
    path = SAMPLE_FILES[SAMPLE_IDS.index("skip_connections")]
    network = load(path)
    script = tmp_path / "net.py"
    script.write_text(torch_script(network, 1, str(path)), encoding="utf-8")
    result = subprocess.run([sys.executable, "-I", "-W", "error", str(script)], cwd=tmp_path,
                            capture_output=True, text=True, encoding="utf-8", timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert_agrees(network, 1, json.loads(result.stdout))


@pytest.mark.parametrize("name", SAMPLE_IDS)
def test_sample_networks_match_trace(name: str, torch_runs: dict[tuple[str, int], Any]) -> None:
    network = load(SAMPLE_FILES[SAMPLE_IDS.index(name)])
    for k in range(len(network.samples)):
        assert_agrees(network, k, torch_runs[(name, k)])


@pytest.mark.parametrize("name", list(BUILT))
def test_every_activation_and_loss_matches_trace(name: str,
                                                 torch_runs: dict[tuple[str, int], Any]) -> None:
    network = BUILT[name]
    for k in range(len(network.samples)):
        assert ill_conditioned(network, k) is None, "the fixed network is ill-conditioned"
        assert_agrees(network, k, torch_runs[(name, k)])


def test_the_fixed_networks_reach_the_hard_places() -> None:
    """The cases above really contain a kink at 0, softplus past 20 and both bce clamps."""
    z = {(name, k, nid): v.get("z") for name, net in BUILT.items()
         for k in range(len(net.samples))
         for nid, v in trace_document(net, k)["neurons"].items()}
    assert z[("activation-relu", 0, "h1")] == 0.0 == z[("activation-leaky_relu", 0, "h1")]
    assert any(v is not None and v > 20 for (n, _, _), v in z.items() if n.endswith("softplus"))
    outputs = [a for k in range(5) for a in trace_document(BUILT["bce-clamp"], k)["outputs"]]
    assert min(outputs) < 1e-12 < min(a for a in outputs if a > 1e-12) < 1e-11
    assert max(outputs) == 1.0


@pytest.mark.slow
@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(networks(), min_size=10, max_size=10))
def test_random_dags_match_trace(batch: list[Network]) -> None:
    pytest.importorskip("torch")
    cases = [(net, k) for net in batch for k in range(len(net.samples))
             if ill_conditioned(net, k) is None]
    with TemporaryDirectory() as folder:
        results = run_scripts([torch_script(net, k) for net, k in cases], Path(folder))
    for (network, k), got in zip(cases, results, strict=True):
        note(fileformat.dumps(network))
        assert_agrees(network, k, got)
