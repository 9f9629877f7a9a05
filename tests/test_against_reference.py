"""bpgui's engine against the independent float64 reference in ``tests/reference.py``.

This module owns the agreement, on random DAGs from ``tests/strategies.py``,
between the reference and every engine entry point: the ``bpgui trace``
document, the step records in every granularity (with the once-per-pass δ
cache), the batched fast path, the path sums, the finite-difference check, the
trainer in every mode, and ``bpgui train`` end to end. A few small fixed
networks pin down the reference itself, the bce clamp, and engine bugs found
by the random tests.

Rounding: two correct float64 implementations may sum in different orders, so
examples are discarded (``assume``) only where that alone could decide the
answer: a ReLU-like z within rounding of 0 (unless exactly 0 by construction);
for finite differences, z or a bce output near the kink or the clamp, and, for
the "max relative error < 1e-5" claim, losses and activations large enough for
rounding in L(θ ± ε) to matter; for training, runs that diverge or that the
reference itself cannot reproduce to 1e-9 after a 1e-13 nudge of the parameters.
Where the spec's own formula magnifies rounding, the tolerance grows instead: ℓ and
∂ℓ/∂ŷ are compared within their rounding spread (``reference.loss_spread``, a few
ulps of ŷ propagated; it only matters where bce saturates).
"""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from bpgui.engine import fastpath
from bpgui.engine.gradcheck import check_gradients, dataset_gradients
from bpgui.engine.paths import PathReport, path_report
from bpgui.engine.plan import compile_plan, sample_arrays
from bpgui.engine.records import GRANULARITIES, LOSS_ID, Quantity, StepRecord
from bpgui.engine.stepper import all_steps, final_values
from bpgui.engine.trace import trace_document
from bpgui.engine.training import Trainer
from bpgui.network import fileformat
from bpgui.network.model import Edge, Network, Neuron, Sample, TrainingSettings
from tests.reference import (
    BCE_CLAMP,
    SPREAD_ULPS,
    DatasetResult,
    TrainRun,
    local_derivative,
    reference_dataset,
    reference_loss,
    reference_pass,
    reference_train,
)
from tests.strategies import networks, training_settings

REL, ABS = 1e-9, 1e-12
TRAIN_REL, TRAIN_ABS = 1e-8, 1e-10
KINKED = ("relu", "leaky_relu")
ROUNDING_ZONE = 1e-9          # |z| below this may be a rounding artefact of a true 0
ALL_PATHS = 10**6
Pass = dict[str, Any]
Triple = tuple[str, float, float] | tuple[str, float, float, float]
"""(what, engine value, reference value[, its rounding spread, allowed on top])"""
TrainResult = tuple[list[float], dict[str, float], dict[str, float]]


# ------------------------------------------------------------------------------ helpers
def mismatches(triples: Iterable[Triple], rel: float = REL, abs_: float = ABS) -> list[str]:
    return [f"{what}: engine {got!r} != reference {want!r}"
            for what, got, want, *spread in triples
            if not math.isclose(got, want, rel_tol=rel, abs_tol=abs_ + sum(spread))]


def assert_agree(triples: Iterable[Triple], rel: float = REL, abs_: float = ABS) -> None:
    bad = mismatches(triples, rel, abs_)
    assert not bad, "\n".join(bad[:20])


def show(network: Network) -> None:
    """Print the network file with the report of a failing example."""
    note(fileformat.dumps(network))


def reference_passes(network: Network) -> list[Pass]:
    """Every sample's reference pass (and the file, should the example fail)."""
    show(network)
    return [reference_pass(network, k) for k in range(len(network.samples))]


def non_inputs(network: Network) -> list[Neuron]:
    return [n for n in network.neurons if not n.is_input]


def incoming_terms(network: Network, ref: Pass, nid: str) -> list[float]:
    """b_j and every w·a of neuron ``nid``'s z, from the reference values."""
    terms = [e.weight * ref["a"][e.source] for e in network.edges if e.target == nid]
    return [network.neuron(nid).bias, *terms]


def kink_ambiguous(network: Network, passes: list[Pass]) -> bool:
    """Some ReLU-like z is so near 0 that summation order could decide its f'."""
    for ref in passes:
        for n in non_inputs(network):
            z = ref["z"][n.id]
            if n.activation in KINKED and abs(z) < ROUNDING_ZONE and any(
                    incoming_terms(network, ref, n.id)):
                return True
    return False


def kink_distance(network: Network, passes: list[Pass]) -> float:
    """The smallest |z| of a ReLU-like neuron over all samples (inf if there is none)."""
    return min((abs(ref["z"][n.id]) for ref in passes for n in non_inputs(network)
                if n.activation in KINKED), default=math.inf)


def clamp_distance(network: Network, passes: list[Pass]) -> float:
    """How far every bce output stays inside (0, 1) (inf for other losses)."""
    if network.loss != "bce":
        return math.inf
    return min(min(p, 1.0 - p) for ref in passes for p in ref["outputs"])


def fd_well_conditioned(network: Network, passes: list[Pass], bound: float = 4.0) -> bool:
    """Rounding in L(θ ± ε) stays far below 1e-5 · FLOOR · 2ε: small loss, z, a and terms."""
    sizes = [abs(v) for ref in passes for key in ("z", "a") for v in ref[key].values()]
    sizes += [abs(t) for ref in passes for n in non_inputs(network)
              for t in incoming_terms(network, ref, n.id)]
    return reference_dataset(network).loss < 1.0 and max(sizes) <= bound


def tame(history: list[float], bound: float = 1e6) -> bool:
    return all(math.isfinite(v) and abs(v) < bound for v in history)


def nudged_parameters(network: Network, relative: float) -> Network:
    """A copy with every weight and bias moved by ±``relative`` of itself."""
    out = network.copy()
    for i, e in enumerate(out.edges):
        e.weight *= 1.0 + (-1) ** i * relative
    for i, n in enumerate(non_inputs(out)):
        n.bias *= 1.0 - (-1) ** i * relative
    return out


def training_is_stable(network: Network, iterations: int, settings: TrainingSettings,
                       want: TrainRun) -> bool:
    """Moving every parameter by 1e-13 moves the reference run by at most ~1e-9.

    A run that amplifies rounding (a kink crossed, a chaotic sin network,
    a loss that explodes) has no 1e-8 answer for two implementations to agree on.
    """
    other = reference_train(nudged_parameters(network, 1e-13), iterations, settings)
    return len(other.history) == len(want.history) and not mismatches(
        training_triples(other[:3], want), rel=1e-9, abs_=1e-11)


# ----------------------------------------------------------------- the reference itself
def test_reference_matches_the_spec_example() -> None:
    """The spec's one-neuron example, by hand."""
    net = Network([Neuron("x", "input"), Neuron("y", "output", bias=0.1)],
                  [Edge("w", "x", "y", 0.5)], samples=[Sample([1.0], [1.0])])
    ref = reference_pass(net, 0)
    a = 1.0 / (1.0 + math.exp(-0.6))
    delta = (a - 1.0) * a * (1.0 - a)
    assert_agree([("z", ref["z"]["y"], 0.6), ("a", ref["a"]["y"], a),
                  ("loss", ref["loss"], 0.5 * (1.0 - a) ** 2), ("delta", ref["delta"]["y"], delta),
                  ("grad_w", ref["grad_w"]["w"], delta), ("grad_b", ref["grad_b"]["y"], delta),
                  ("grad_a", ref["grad_a"]["x"], 0.5 * delta)], rel=1e-15, abs_=0.0)


def _nudged(network: Network, param: str, step: float) -> Network:
    out = network.copy()
    if param.startswith("b_"):
        neuron = out.neuron(param[2:])
        neuron.bias = neuron.bias + step
    else:
        edge = out.edge(param)
        edge.weight = edge.weight + step
    return out


def reference_numeric(network: Network, param: str, eps: float) -> float:
    """(L(θ + ε) − L(θ − ε)) / 2ε of the reference's dataset loss."""
    return (reference_loss(_nudged(network, param, eps))
            - reference_loss(_nudged(network, param, -eps))) / (2 * eps)


def parameter_names(network: Network) -> list[str]:
    return [e.id for e in network.edges] + [f"b_{n.id}" for n in non_inputs(network)]


def gradient_named(ds: DatasetResult, param: str) -> float:
    """The gradient of ``w5`` or ``b_h1`` (the gradient check's names)."""
    return ds.biases[param[2:]] if param.startswith("b_") else ds.weights[param]


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(networks(activations=("identity", "sigmoid", "tanh", "softplus", "sin")))
def test_reference_gradients_match_its_own_finite_differences(network: Network) -> None:
    """The autograd is right on its own (no engine involved) where the loss is smooth."""
    passes = reference_passes(network)
    assume(clamp_distance(network, passes) > 1e-6)
    ds = reference_dataset(network)
    assert reference_loss(network) == ds.loss
    for param in parameter_names(network):
        g = gradient_named(ds, param)
        numeric = reference_numeric(network, param, 1e-6)
        assert abs(g - numeric) <= 1e-6 * max(1.0, abs(g), abs(ds.loss)), param


# ------------------------------------------------------------------------ trace document
def trace_triples(network: Network, doc: dict[str, Any], ref: Pass) -> list[Triple]:
    out: list[Triple] = [("loss", doc["loss"], ref["loss"], ref["loss_spread"])]
    out += [(f"output {i}", v, w) for i, (v, w) in enumerate(
        zip(doc["outputs"], ref["outputs"], strict=True))]
    for n in network.neurons:
        values = doc["neurons"][n.id]
        if n.is_input:
            assert set(values) == {"a", "grad"}
            out += [(f"a_{n.id}", values["a"], ref["a"][n.id]),
                    (f"grad_{n.id}", values["grad"], ref["grad_a"][n.id])]
        else:
            assert set(values) == {"z", "a", "delta"}
            out += [(f"{key}_{n.id}", values[key], ref[key][n.id]) for key in ("z", "a", "delta")]
    grads = doc["gradients"]
    out += [(f"∂L/∂{e}", g, ref["grad_w"][e]) for e, g in grads["weights"].items()]
    out += [(f"∂L/∂b_{b}", g, ref["grad_b"][b]) for b, g in grads["biases"].items()]
    return out


def dataset_triples(network: Network, loss: float, weights: Mapping[str, float],
                    biases: Mapping[str, float]) -> list[Triple]:
    ds = reference_dataset(network)
    assert set(weights) == set(ds.weights) and set(biases) == set(ds.biases)
    return [("dataset loss", loss, ds.loss, ds.loss_spread),
            *((f"dataset ∂L/∂{e}", weights[e], g) for e, g in ds.weights.items()),
            *((f"dataset ∂L/∂b_{b}", biases[b], g) for b, g in ds.biases.items())]


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(network=networks(), pick=st.integers(0, 4))
def test_trace_document_matches_reference(network: Network, pick: int) -> None:
    """Every number of ``bpgui trace``, per sample and over the dataset."""
    k = pick % len(network.samples)
    passes = reference_passes(network)
    assume(not kink_ambiguous(network, passes))
    doc = trace_document(network, k)
    assert doc["sample"] == k
    assert list(doc["neurons"]) == [n.id for n in network.neurons]
    assert set(doc["gradients"]["weights"]) == {e.id for e in network.edges}
    assert set(doc["gradients"]["biases"]) == {n.id for n in non_inputs(network)}
    dataset = doc["dataset"]
    assert_agree(trace_triples(network, doc, passes[k]) + dataset_triples(
        network, dataset["loss"], dataset["gradients"]["weights"],
        dataset["gradients"]["biases"]))


# --------------------------------------------------------------------------- step records
def expected_values(network: Network, ref: Pass, granularity: str) -> dict[Quantity, float]:
    """Every quantity a pass should end with, by the reference."""
    eta = network.training.learning_rate
    want = {Quantity("loss", LOSS_ID): ref["loss"]}
    for n in network.neurons:
        want[Quantity("a", n.id)] = ref["a"][n.id]
        want[Quantity("grad_a", n.id)] = ref["grad_a"][n.id]
        if n.is_input:
            continue
        want[Quantity("z", n.id)] = ref["z"][n.id]
        want[Quantity("delta", n.id)] = ref["delta"][n.id]
        want[Quantity("grad_b", n.id)] = ref["grad_b"][n.id]
        if n.train_bias:
            want[Quantity("bias", n.id)] = n.bias - eta * ref["grad_b"][n.id]
    for n in network.outputs:
        want[Quantity("dl_dyhat", n.id)] = ref["dl_dyhat"][n.id]
    for e in network.edges:
        want[Quantity("grad_w", e.id)] = ref["grad_w"][e.id]
        if e.trainable:
            want[Quantity("weight", e.id)] = e.weight - eta * ref["grad_w"][e.id]
        if granularity == "edge":
            want[Quantity("term", e.id)] = e.weight * ref["a"][e.source]
            want[Quantity("back_term", e.id)] = e.weight * ref["delta"][e.target]
    return want


def expected_spread(network: Network, ref: Pass) -> dict[Quantity, float]:
    """The rounding spreads of ℓ and ∂ℓ/∂ŷ, which an output's ∂L/∂a also carries."""
    spread = {Quantity("loss", LOSS_ID): ref["loss_spread"]}
    for n in network.outputs:
        spread[Quantity("dl_dyhat", n.id)] = ref["dl_dyhat_spread"][n.id]
        spread[Quantity("grad_a", n.id)] = ref["dl_dyhat_spread"][n.id]
    return spread


def step_triples(network: Network, k: int, ref: Pass, granularity: str) -> list[Triple]:
    """What sample ``k``'s step records end with, against the reference, names checked."""
    got = final_values(all_steps(network, k, granularity))
    want = expected_values(network, ref, granularity)
    assert set(got) == set(want), (sorted(set(got) - set(want)), sorted(set(want) - set(got)))
    spread = expected_spread(network, ref)
    return [(f"{q.kind} {q.id}", got[q], value, spread.get(q, 0.0)) for q, value in want.items()]


@pytest.mark.slow
@pytest.mark.parametrize("granularity", GRANULARITIES)
@settings(max_examples=60, deadline=None)
@given(network=networks(), pick=st.integers(0, 4))
def test_step_records_match_reference(granularity: str, network: Network, pick: int) -> None:
    """What the step records end with, in every granularity, updates included."""
    k = pick % len(network.samples)
    passes = reference_passes(network)
    assume(not kink_ambiguous(network, passes))
    assert_agree(step_triples(network, k, passes[k], granularity))


def delta_writers(records: list[StepRecord]) -> dict[str, list[int]]:
    """Neuron id -> indices of the records that write its δ."""
    writers: dict[str, list[int]] = {}
    for r in records:
        for q, _ in r.values:
            if q.kind == "delta":
                writers.setdefault(q.id, []).append(r.index)
    return writers


@pytest.mark.parametrize("granularity", GRANULARITIES)
@settings(max_examples=50, deadline=None)
@given(network=networks())
def test_each_delta_is_computed_once_before_any_reuse(granularity: str,
                                                     network: Network) -> None:
    """δ is the cache: written once per non-input, and only reused after it is written."""
    show(network)
    records = all_steps(network, 0, granularity)
    assert [r.index for r in records] == list(range(len(records)))
    writers = delta_writers(records)
    assert set(writers) == {n.id for n in non_inputs(network)}
    assert all(len(at) == 1 for at in writers.values()), writers
    for r in records:
        assert len(set(r.reuses)) == len(r.reuses), r
        for m in r.reuses:
            assert m in writers and writers[m][0] < r.index, (r.target, m)


@settings(max_examples=60, deadline=None)
@given(network=networks())
def test_node_backward_steps_reuse_exactly_the_consumers(network: Network) -> None:
    """One backward step per neuron, reusing the cached δ of each consumer, no other."""
    show(network)
    records = all_steps(network, 0, "node")
    backward = [r for r in records if r.phase == "backward"]
    assert sorted(r.target for r in backward) == sorted(n.id for n in network.neurons)
    writers = delta_writers(records)
    for r in backward:
        consumers = {e.target for e in network.edges if e.source == r.target}
        assert set(r.reuses) == consumers, (r.target, r.reuses, consumers)
        assert all(writers[m][0] < r.index for m in r.reuses)
        if not network.neuron(r.target).is_input:
            assert writers[r.target] == [r.index]


# ------------------------------------------------------------------------------ fast path
def block_gradients(network: Network, plan: Any, grads: fastpath.Backward
                    ) -> tuple[dict[str, float], dict[str, float]]:
    weights = {e: float(grads.weights[b][r, c]) for e, (b, r, c) in plan.edge_slot.items()}
    biases = {n: float(grads.biases[b][c]) for n, (b, c) in plan.bias_slot.items()}
    return weights, biases


def per_sample_triples(network: Network, plan: Any, fw: fastpath.Forward,
                       bw: fastpath.Backward, passes: list[Pass]) -> list[Triple]:
    n = len(passes)
    deltas = fastpath.deltas(plan, fw, bw)
    losses = fastpath.sample_losses(plan, fw, sample_arrays(network)[1])
    out: list[Triple] = []
    for s, ref in enumerate(passes):
        out.append((f"loss[{s}]", float(losses[s]), ref["loss"], ref["loss_spread"]))
        for nn in network.neurons:
            col = plan.column[nn.id]
            cached = ref["grad_a"] if nn.is_input else ref["delta"]
            out += [(f"a_{nn.id}[{s}]", float(fw.a[s, col]), ref["a"][nn.id]),
                    (f"δ_{nn.id}[{s}] / n", float(deltas[s, col]), cached[nn.id] / n)]
    return out


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(network=networks(), data=st.data())
def test_fast_path_matches_reference(network: Network, data: st.DataObject) -> None:
    """The batched pass: activations, δ, losses, dataset and minibatch gradients."""
    passes = reference_passes(network)
    assume(not kink_ambiguous(network, passes))
    plan = compile_plan(network)
    x, y = sample_arrays(network)
    fw = fastpath.forward(plan, x)
    bw = fastpath.backward(plan, fw, y)
    loss, weights, biases = dataset_gradients(plan, network)
    triples = per_sample_triples(network, plan, fw, bw, passes)
    triples += dataset_triples(network, loss, weights, biases)
    order = data.draw(st.permutations(range(len(passes))), label="order")
    rows = order[:data.draw(st.integers(1, len(order)), label="rows")]
    sub_w, sub_b = block_gradients(network, plan, fastpath.backward(plan, fw, y, np.array(rows)))
    ds = reference_dataset(network, rows)
    triples += [(f"rows {rows} ∂L/∂{e}", sub_w[e], g) for e, g in ds.weights.items()]
    triples += [(f"rows {rows} ∂L/∂b_{b}", sub_b[b], g) for b, g in ds.biases.items()]
    assert_agree(triples)


@pytest.mark.parametrize("hidden", ["tanh", "identity"])
def test_fast_path_handles_two_activations_on_one_level(hidden: str) -> None:
    """Regression: a level whose neurons have two activations made two blocks, and the
    second one's matmul read its sibling's columns (ValueError: matmul mismatch)."""
    edges = [Edge("w1", "x", "h", 0.5), Edge("w2", "x", "y", -0.25)] if hidden == "tanh" else []
    net = Network([Neuron("x", "input"), Neuron("h", "hidden", activation=hidden, bias=0.2),
                   Neuron("y", "output", activation="sigmoid", bias=0.1)], edges,
                  samples=[Sample([1.0], [1.0])])
    net.validate()
    loss, weights, biases = dataset_gradients(compile_plan(net), net)
    assert_agree(dataset_triples(net, loss, weights, biases))


# ---------------------------------------------------------------------------- path sums
def brute_force_paths(network: Network, head: str) -> list[tuple[str, ...]]:
    """Every chain from L down to ``head`` as neuron ids, output side first, by DFS."""
    outputs = {n.id for n in network.outputs}
    found: list[tuple[str, ...]] = []

    def walk(trail: list[str]) -> None:
        if trail[-1] in outputs:
            found.append(tuple(reversed(trail)))
        for e in network.edges:
            if e.source == trail[-1]:
                walk([*trail, e.target])

    walk([head])
    return found


def expected_product(network: Network, ref: Pass, nodes: tuple[str, ...],
                     weight: Edge | None) -> float:
    """∂ℓ/∂ŷ, then w·f' down the chain, then the head's f' (and a_i for a weight)."""
    f_prime = {n.id: local_derivative(n.activation, ref["z"][n.id]) for n in non_inputs(network)}
    by_pair = {(e.source, e.target): e for e in network.edges}
    product = ref["dl_dyhat"][nodes[0]]
    for upper, lower in itertools.pairwise(nodes):
        product *= f_prime[upper] * by_pair[(lower, upper)].weight
    if nodes[-1] in f_prime:
        product *= f_prime[nodes[-1]]
    return product * (ref["a"][weight.source] if weight is not None else 1.0)


def check_report(network: Network, report: PathReport, ref: Pass, head: str,
                 weight: Edge | None, gradient: float) -> list[Triple]:
    """Structure and count checked here; the numbers to compare are returned."""
    chains = brute_force_paths(network, head)
    assert report.path_count == len(chains)
    assert len(report.paths) == len(chains)
    assert sorted(p.nodes for p in report.paths) == sorted(chains)
    by_id = {e.id: e for e in network.edges}
    triples: list[Triple] = [(f"{report.kind} {report.target}: gradient", report.gradient,
                              gradient),
                             (f"{report.kind} {report.target}: Σ paths", report.total, gradient)]
    for p in report.paths:
        links = p.edges[:-1] if weight is not None else p.edges
        assert len(links) == len(p.nodes) - 1
        assert all((by_id[e].target, by_id[e].source) == pair
                   for e, pair in zip(links, itertools.pairwise(p.nodes), strict=True))
        assert weight is None or p.edges[-1] == weight.id
        assert p.product == math.prod(f.value for f in p.factors)
        triples.append((f"path {p.nodes}", p.product,
                        expected_product(network, ref, p.nodes, weight)))
    return triples


def targets(network: Network, ref: Pass) -> list[tuple[str, str, str, Edge | None, float]]:
    """(target, kind, head neuron, weight edge, reference gradient) for every report."""
    out: list[tuple[str, str, str, Edge | None, float]] = [
        (e.id, "weight", e.target, e, ref["grad_w"][e.id]) for e in network.edges]
    for n in network.neurons:
        if n.is_input:
            out.append((n.id, "neuron", n.id, None, ref["grad_a"][n.id]))
        else:
            out.append((n.id, "bias", n.id, None, ref["grad_b"][n.id]))
            out.append((n.id, "neuron", n.id, None, ref["delta"][n.id]))
    return out


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(network=networks(), pick=st.integers(0, 4))
def test_path_sums_equal_the_reference_gradients(network: Network, pick: int) -> None:
    """Σ over paths of the products of local derivatives is the gradient, for every target."""
    k = pick % len(network.samples)
    passes = reference_passes(network)
    assume(not kink_ambiguous(network, passes))
    triples: list[Triple] = []
    for target, kind, head, weight, gradient in targets(network, passes[k]):
        report = path_report(network, target, kind, k, limit=ALL_PATHS)
        assert (report.target, report.kind) == (target, kind)
        triples += check_report(network, report, passes[k], head, weight, gradient)
        capped = path_report(network, target, kind, k, limit=1)
        assert capped.path_count == report.path_count
        assert len(capped.paths) == min(1, report.path_count)
        assert capped.capped == (report.path_count > 1)
    assert_agree(triples)


# ---------------------------------------------------------------------- finite differences
@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(networks())
def test_gradient_check_matches_reference(network: Network) -> None:
    """``bpgui check``: backprop and central differences both match the reference."""
    passes = reference_passes(network)
    assume(kink_distance(network, passes) > 1e-3)
    assume(clamp_distance(network, passes) > 1e-6)
    checks = check_gradients(network, eps=1e-6)
    assert [c.name for c in checks] == parameter_names(network)
    ds = reference_dataset(network)
    triples = []
    for c in checks:
        triples.append((f"backprop {c.name}", c.backprop, gradient_named(ds, c.name)))
        assert abs(c.numeric - reference_numeric(network, c.name, 1e-6)) <= 1e-6, c
    assert_agree(triples)
    if fd_well_conditioned(network, passes):
        assert max(c.relative_error for c in checks) < 1e-5, checks


# ------------------------------------------------------------------------------ training
def engine_train(network: Network, settings: TrainingSettings, chunks: Iterable[int]
                 ) -> TrainResult:
    plan = compile_plan(network)
    x, y = sample_arrays(network)
    trainer = Trainer(plan, x, y, replace(settings))
    done = 0
    for n in chunks:
        new = trainer.run(n)
        assert len(new) == n
        done += n
    assert len(trainer.history) == done + 1
    return trainer.history, plan.weights(), plan.biases()


def training_triples(got: TrainResult, want: TrainRun) -> list[Triple]:
    h, w, b = got
    rh, rw, rb = want.history, want.weights, want.biases
    assert len(h) == len(rh) and set(w) == set(rw) and set(b) == set(rb)
    return [*((f"history[{t}]", v, r, spread) for t, (v, r, spread)
              in enumerate(zip(h, rh, want.spread, strict=True))),
            *((f"weight {e}", w[e], v) for e, v in rw.items()),
            *((f"bias {n}", b[n], v) for n, v in rb.items())]


def assert_frozen_stay(network: Network, weights: dict[str, float],
                       biases: dict[str, float]) -> None:
    for e in network.edges:
        if not e.trainable:
            assert weights[e.id] == e.weight, e.id
    for n in non_inputs(network):
        if not n.train_bias:
            assert biases[n.id] == n.bias, n.id


SCHEDULES = [("batch", 2, False), ("batch", 2, True), ("sgd", 1, False), ("sgd", 1, True),
             ("minibatch", 2, False), ("minibatch", 2, True),
             ("minibatch", 3, False), ("minibatch", 3, True)]


@pytest.mark.slow
@pytest.mark.parametrize(("mode", "batch_size", "shuffle"), SCHEDULES)
@settings(max_examples=15, deadline=None)
@given(network=networks(), iterations=st.integers(10, 30),
       learning_rate=st.sampled_from([0.05, 0.1, 0.2, 0.3]), seed=st.sampled_from([0, 1, 42]))
def test_trainer_matches_reference(mode: str, batch_size: int, shuffle: bool,
                                   network: Network, iterations: int, learning_rate: float,
                                   seed: int) -> None:
    """History and final parameters of every schedule; frozen parameters stay put."""
    settings = TrainingSettings(learning_rate, mode, batch_size, shuffle, seed)
    assume(not kink_ambiguous(network, reference_passes(network)))
    want = reference_train(network, iterations, settings)
    assume(tame(want.history) and training_is_stable(network, iterations, settings, want))
    got = engine_train(network, settings, [iterations])
    assert_agree(training_triples(got, want), TRAIN_REL, TRAIN_ABS)
    assert_frozen_stay(network, got[1], got[2])


@settings(max_examples=40, deadline=None)
@given(networks(settings=training_settings()))
def test_trainer_is_resumable(network: Network) -> None:
    """run(5) twice, or run(3), run(0), run(7), is exactly run(10)."""
    show(network)
    assume(tame(reference_train(network, 10, network.training).history))
    whole = engine_train(network, network.training, [10])
    assert engine_train(network, network.training, [5, 5]) == whole
    assert engine_train(network, network.training, [3, 0, 7]) == whole


def test_trainer_stops_quietly_when_the_loss_overflows() -> None:
    """The spec stops training at the first NaN or infinite loss. Getting there must not
    raise NumPy's overflow warnings: this suite makes them errors, and on the command
    line they print source lines before the one-line ``bpgui: error:`` message."""
    net = Network([Neuron("x", "input"), Neuron("y", "output", activation="identity")],
                  [Edge("w", "x", "y", 1.0)], loss="sse", samples=[Sample([1.0], [0.0])])
    settings = TrainingSettings(learning_rate=100.0)
    want = reference_train(net, 500, settings).history
    assert not math.isfinite(want[-1]) and len(want) < 501
    plan = compile_plan(net)
    x, y = sample_arrays(net)
    trainer = Trainer(plan, x, y, settings)
    trainer.run(500)
    assert trainer.diverged_at == len(want) - 1
    assert not math.isfinite(trainer.history[-1])
    assert_agree(((f"history[{t}]", got, ref) for t, (got, ref) in
                  enumerate(zip(trainer.history[:-1], want[:-1], strict=True))),
                 TRAIN_REL, TRAIN_ABS)


# ---------------------------------------------------------------------- the command line
@pytest.mark.slow
@pytest.mark.parametrize("mode", ["batch", "sgd", "minibatch"])
@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(network=networks(settings=training_settings()))
def test_cli_train_matches_reference(mode: str, network: Network, tmp_path: Path) -> None:
    """``python -m bpgui train`` end to end, in each mode (shuffle from the file)."""
    settings = replace(network.training, mode=mode)
    assume(not kink_ambiguous(network, reference_passes(network)))
    want = reference_train(network, 7, settings)
    assume(tame(want.history) and training_is_stable(network, 7, settings, want))
    file = tmp_path / "n.bpnet.json"
    fileformat.save(network, file)
    command = [sys.executable, "-m", "bpgui", "train", str(file), "--iterations", "7",
               "--mode", mode, "--lr", repr(settings.learning_rate),
               "--batch-size", str(settings.batch_size), "--seed", str(settings.seed)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["iterations"] == 7 and doc["final_loss"] == doc["loss_history"][-1]
    got = (doc["loss_history"], doc["weights"], doc["biases"])
    assert_agree(training_triples(got, want), TRAIN_REL, TRAIN_ABS)


# --------------------------------------------------------------------------- bce's clamp
@pytest.mark.parametrize(("weight", "target"), [(1.5, 0.25), (-0.5, 0.75), (40.0, 0.0)])
def test_bce_clamp_uses_the_spec_gradient(weight: float, target: float) -> None:
    """Outside [1e-12, 1 − 1e-12] the gradient is (p − y)/(p(1 − p)) at the clamped p."""
    activation = "sigmoid" if weight == 40.0 else "identity"
    net = Network([Neuron("x", "input"), Neuron("y", "output", activation=activation)],
                  [Edge("w", "x", "y", weight)], loss="bce", samples=[Sample([1.0], [target])])
    ref = reference_pass(net, 0)
    p = min(max(ref["outputs"][0], BCE_CLAMP), 1.0 - BCE_CLAMP)
    assert p in (BCE_CLAMP, 1.0 - BCE_CLAMP)
    assert ref["dl_dyhat"]["y"] == (p - target) / (p * (1.0 - p))
    doc = trace_document(net, 0)
    got = final_values(all_steps(net, 0))
    assert_agree([*trace_triples(net, doc, ref),
                  ("dl_dyhat", got[Quantity("dl_dyhat", "y")], ref["dl_dyhat"]["y"]),
                  *dataset_triples(net, doc["dataset"]["loss"],
                                   doc["dataset"]["gradients"]["weights"],
                                   doc["dataset"]["gradients"]["biases"])])


def test_saturated_bce_is_compared_within_its_rounding_spread() -> None:
    """Found by the random tests: at ŷ = σ(20) = 1 − 2.06e-9 two correct sigmoids round an
    ulp apart, and ℓ = −ln(1 − ŷ) turns that ulp into 5.4e-8, beyond 1e-9 of ℓ ≈ 20.
    The spread is d/dŷ of ℓ and of ∂ℓ/∂ŷ = 1/(1 − ŷ), times SPREAD_ULPS ulps, by hand."""
    net = Network([Neuron("x", "input"), Neuron("y", "output")], [Edge("w", "x", "y", 10.0)],
                  loss="bce", samples=[Sample([2.0], [0.0])])
    ref = reference_pass(net, 0)
    gap = 1.0 - ref["outputs"][0]
    assert gap == pytest.approx(math.exp(-20.0), rel=1e-6)
    wobble = SPREAD_ULPS * math.ulp(ref["outputs"][0])
    assert ref["loss_spread"] == pytest.approx(wobble / gap, rel=1e-6)
    assert ref["dl_dyhat_spread"]["y"] == pytest.approx(wobble / gap**2, rel=1e-6)
    plan = compile_plan(net)
    fw = fastpath.forward(plan, sample_arrays(net)[0])
    bw = fastpath.backward(plan, fw, sample_arrays(net)[1])
    assert_agree([*per_sample_triples(net, plan, fw, bw, [ref]),
                  *trace_triples(net, trace_document(net, 0), ref),
                  *step_triples(net, 0, ref, "node")])
