"""The engine on operation graphs and mixed graphs against the independent reference.

This module owns the agreement, on random graphs from ``operation_graphs`` and on fixed
graphs with published numbers, between ``tests/reference.py`` and the engine's three ways
to compute a pass: the batched fast path (``dataset_gradients``, ``fastpath``), the step
path (``all_steps`` → ``final_values``, the Walk) and the ``bpgui trace`` document, in
process and from the command line; and that an undefined value stops each of them with
one line naming the node and the sample.

Tolerance: 1e-9 relative, plus an absolute floor of 1e-10. The floor is for results that
are 0 or nearly so by cancellation (a fork whose paths cancel, add(x, −x)): there another
correct float64 implementation is off by the rounding of the terms, not of the result.
The strategy keeps every value within ±BOUND = 100 and every operand of log, √, ÷ and
negative or fractional powers ≥ 0.25 from 0, so a term (value × local derivatives) stays
below ~1e4 and its rounding, a few ulps (2.2e-16 each) over a few dozen operations, below
1e4 · 30 · 2.2e-16 ≈ 7e-11. Examples are discarded only where rounding alone could decide
the answer: an operand of relu, a ReLU-like z, or the gap between a max/min's extreme and
another operand within 1e-9 of 0 (unless every value involved is exact: inputs and
constants), and graphs so ill-conditioned that a 1e-12 relative nudge of every number in
the file moves the reference by more than 1e-8 of itself (then 1e-16 of rounding could
move it by more than 1e-12 · 1e4 · …, beyond what two implementations can agree on).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from bpgui.engine import fastpath
from bpgui.engine.gradcheck import dataset_gradients
from bpgui.engine.plan import compile_plan, sample_arrays
from bpgui.engine.records import GRANULARITIES, LOSS_ID, Quantity
from bpgui.engine.stepper import all_steps, final_values
from bpgui.engine.trace import trace_document
from bpgui.network import fileformat
from bpgui.network.errors import BpguiError
from bpgui.network.model import Edge, Network, Neuron, Sample
from tests.operation_examples import (
    KINKED,
    cs231n_circuit,
    fork_cube,
    seed000_graph,
    sigmoid_gates,
    sigmoid_neuron,
    sigmoid_op,
)
from tests.reference import reference_dataset, reference_pass
from tests.strategies import operation_graphs

REL, ABS = 1e-9, 1e-10
ROUNDING_ZONE = 1e-9
NUDGE, NUDGE_REL, NUDGE_ABS = 1e-12, 1e-8, 1e-10
Pass = dict[str, Any]
Triple = tuple[str, float, float] | tuple[str, float, float, float]
"""(what, engine value, reference value[, rounding spread allowed on top])"""


# ------------------------------------------------------------------------------ helpers
def mismatches(triples: Iterable[Triple], rel: float = REL, abs_: float = ABS) -> list[str]:
    return [f"{what}: engine {got!r} != reference {want!r}"
            for what, got, want, *spread in triples
            if not math.isclose(got, want, rel_tol=rel, abs_tol=abs_ + sum(spread))]


def assert_agree(triples: Iterable[Triple]) -> None:
    bad = mismatches(triples)
    assert not bad, "\n".join(bad[:20])


def passes_of(network: Network, in_hypothesis: bool = True) -> list[Pass]:
    if in_hypothesis:
        note(fileformat.dumps(network))
    return [reference_pass(network, k) for k in range(len(network.samples))]


def _exact(network: Network, e: Edge) -> bool:
    """Whether operand w·a of ``e`` is the same float in every correct implementation: a
    zero weight, or a source whose value is given (an input, a constant)."""
    source = network.neuron(e.source)
    return e.weight == 0.0 or source.is_input or source.op == "const"


def branch_ambiguous(network: Network, passes: list[Pass]) -> bool:
    """Some relu operand, ReLU-like z or max/min gap is within rounding of 0 (and not
    computed from exact operands alone)."""
    for ref in passes:
        for n in network.neurons:
            into = [e for e in network.edges if e.target == n.id]
            ops = [e.weight * ref["a"][e.source] for e in into]
            exact = [_exact(network, e) for e in into]
            gaps: list[tuple[float, bool]]
            if n.op == "relu":
                gaps = [(abs(ops[0]), exact[0])]
            elif n.op in ("max", "min"):
                gaps = [(abs(ops[i] - ops[j]), exact[i] and exact[j])
                        for i in range(len(ops)) for j in range(i + 1, len(ops))]
            elif n.op is None and not n.is_input and n.activation in KINKED:
                gaps = [(abs(ref["z"][n.id]), all(exact))]
            else:
                continue
            if any(g < ROUNDING_ZONE and not sure for g, sure in gaps):
                return True
    return False


def _nudge_all(network: Network) -> Network:
    """Every weight, bias, constant and input moved by ±NUDGE of itself, alternately."""
    out = network.copy()
    sign = 1.0
    for e in out.edges:
        e.weight *= 1.0 + sign * NUDGE
        sign = -sign
    for n in out.neurons:
        n.bias *= 1.0 - sign * NUDGE
        if n.op == "const" and n.param is not None:
            n.param *= 1.0 + sign * NUDGE
        sign = -sign
    for s in out.samples:
        s.inputs = [v * (1.0 + (-1) ** i * sign * NUDGE) for i, v in enumerate(s.inputs)]
    return out


def _numbers(ref: Pass) -> list[tuple[str, float]]:
    out = [("loss", ref["loss"]), *((f"out{i}", v) for i, v in enumerate(ref["outputs"]))]
    for key in ("a", "delta", "grad_a", "grad_w", "grad_b"):
        out += [(f"{key} {i}", v) for i, v in ref[key].items()]
    return out


def well_conditioned(network: Network, passes: list[Pass]) -> bool:
    """A 1e-12 nudge of every number in the file moves no reference number by more than
    1e-8 of itself (plus 1e-10): rounding cannot decide the answer at 1e-9."""
    moved = _nudge_all(network)
    for k, ref in enumerate(passes):
        other = dict(_numbers(reference_pass(moved, k)))
        for what, v in _numbers(ref):
            if not math.isclose(other[what], v, rel_tol=NUDGE_REL, abs_tol=NUDGE_ABS):
                return False
    return True


def comparable(network: Network) -> list[Pass]:
    """The reference passes, once the example is one two implementations can agree on."""
    passes = passes_of(network)
    assume(not branch_ambiguous(network, passes))
    assume(well_conditioned(network, passes))
    return passes


def one_sample(network: Network, k: int) -> Network:
    out = network.copy()
    out.samples = [out.samples[k]]
    return out


def has_bias(network: Network) -> set[str]:
    return {n.id for n in network.neurons if n.has_bias}


def gradient_triples(network: Network, label: str, loss: float, weights: dict[str, float],
                     biases: dict[str, float], want_loss: float, spread: float,
                     want_w: dict[str, float], want_b: dict[str, float]) -> list[Triple]:
    """Loss and every weight and bias gradient; the bias keys are the neurons' only."""
    assert set(weights) == {e.id for e in network.edges}, label
    assert set(biases) == has_bias(network), (label, sorted(biases))
    return [(f"{label} loss", loss, want_loss, spread),
            *((f"{label} ∂L/∂{e}", weights[e], g) for e, g in want_w.items()),
            *((f"{label} ∂L/∂b_{b}", biases[b], g) for b, g in want_b.items())]


# ---------------------------------------------------------------------- (a) fast path
def fast_path_triples(network: Network, passes: list[Pass]) -> list[Triple]:
    loss, weights, biases = dataset_gradients(compile_plan(network), network)
    ds = reference_dataset(network)
    out = gradient_triples(network, "dataset", loss, weights, biases, ds.loss,
                           ds.loss_spread, ds.weights, ds.biases)
    plan = compile_plan(network)
    x, y = sample_arrays(network)
    fw = fastpath.forward(plan, x)
    outputs, losses = fastpath.outputs(plan, fw), fastpath.sample_losses(plan, fw, y)
    for k, ref in enumerate(passes):
        out.append((f"loss[{k}]", float(losses[k]), ref["loss"], ref["loss_spread"]))
        out += [(f"output {i}[{k}]", float(outputs[k, i]), v)
                for i, v in enumerate(ref["outputs"])]
        single = one_sample(network, k)
        loss_k, w_k, b_k = dataset_gradients(compile_plan(single), single)
        out += gradient_triples(network, f"sample {k}", loss_k, w_k, b_k, ref["loss"],
                                ref["loss_spread"], ref["grad_w"], ref["grad_b"])
    return out


@pytest.mark.slow
@pytest.mark.parametrize("mixed", [False, True])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data())
def test_fast_path_matches_reference(mixed: bool, data: st.DataObject) -> None:
    """Outputs, per-sample losses and gradients, dataset loss and mean gradients."""
    network = data.draw(operation_graphs(mixed=mixed), label="network")
    assert_agree(fast_path_triples(network, comparable(network)))


# ---------------------------------------------------------------------- (b) step path
def step_triples(network: Network, k: int, ref: Pass, granularity: str) -> list[Triple]:
    """What sample ``k``'s step records end with: every value, cached gradient, local
    derivative and parameter gradient; no z, bias or bias gradient for an operation node."""
    got = final_values(all_steps(network, k, granularity))
    want: dict[Quantity, float] = {Quantity("loss", LOSS_ID): ref["loss"]}
    for n in network.neurons:
        want[Quantity("a", n.id)] = ref["a"][n.id]
        if n.is_input:
            want[Quantity("grad_a", n.id)] = ref["grad_a"][n.id]
            continue
        want[Quantity("delta", n.id)] = ref["delta"][n.id]
        if n.has_bias:
            want[Quantity("z", n.id)] = ref["z"][n.id]
            want[Quantity("grad_b", n.id)] = ref["grad_b"][n.id]
        else:
            for kind in ("z", "grad_b", "bias"):
                assert Quantity(kind, n.id) not in got, (kind, n.id)
            if Quantity("grad_a", n.id) in got:
                want[Quantity("grad_a", n.id)] = ref["grad_a"][n.id]
    for n in network.outputs:
        want[Quantity("dl_dyhat", n.id)] = ref["dl_dyhat"][n.id]
    for e in network.edges:
        want[Quantity("grad_w", e.id)] = ref["grad_w"][e.id]
    for eid, local in ref["local"].items():
        if granularity == "node" or Quantity("local", eid) in got:
            want[Quantity("local", eid)] = local
    missing = sorted(set(want) - set(got))
    assert not missing, missing
    spread = {Quantity("loss", LOSS_ID): ref["loss_spread"],
              **{Quantity("dl_dyhat", n): s for n, s in ref["dl_dyhat_spread"].items()}}
    return [(f"{q.kind} {q.id}", got[q], v, spread.get(q, 0.0)) for q, v in want.items()]


@pytest.mark.slow
@pytest.mark.parametrize("granularity", GRANULARITIES)
@pytest.mark.parametrize("mixed", [False, True])
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data(), pick=st.integers(0, 3))
def test_step_path_matches_reference(granularity: str, mixed: bool, data: st.DataObject,
                                     pick: int) -> None:
    network = data.draw(operation_graphs(mixed=mixed), label="network")
    passes = comparable(network)
    k = pick % len(passes)
    assert_agree(step_triples(network, k, passes[k], granularity))


# ------------------------------------------------------------------ (c) trace document
def trace_triples(network: Network, doc: dict[str, Any], passes: list[Pass], k: int
                  ) -> list[Triple]:
    ref = passes[k]
    assert doc["sample"] == k
    assert list(doc["neurons"]) == [n.id for n in network.neurons]
    out: list[Triple] = [("loss", doc["loss"], ref["loss"], ref["loss_spread"])]
    out += [(f"output {i}", v, w) for i, (v, w) in enumerate(
        zip(doc["outputs"], ref["outputs"], strict=True))]
    for n in network.neurons:
        values = doc["neurons"][n.id]
        out.append((f"a_{n.id}", values["a"], ref["a"][n.id]))
        if n.is_input:
            out.append((f"grad_{n.id}", values["grad"], ref["grad_a"][n.id]))
        elif n.has_bias:
            out += [(f"z_{n.id}", values["z"], ref["z"][n.id]),
                    (f"delta_{n.id}", values["delta"], ref["delta"][n.id])]
        elif "delta" in values:                  # an operation node's ∂L/∂v, if listed
            out.append((f"delta_{n.id}", values["delta"], ref["delta"][n.id]))
    grads, ds = doc["gradients"], reference_dataset(network)
    out += gradient_triples(network, "trace", doc["loss"], grads["weights"],
                            grads["biases"], ref["loss"], ref["loss_spread"], ref["grad_w"],
                            ref["grad_b"])
    dataset = doc["dataset"]
    out += gradient_triples(network, "trace dataset", dataset["loss"],
                            dataset["gradients"]["weights"], dataset["gradients"]["biases"],
                            ds.loss, ds.loss_spread, ds.weights, ds.biases)
    return out


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(network=operation_graphs(mixed=True), pick=st.integers(0, 3))
def test_trace_document_matches_reference(network: Network, pick: int) -> None:
    passes = comparable(network)
    k = pick % len(passes)
    assert_agree(trace_triples(network, trace_document(network, k), passes, k))


def _mixed_fixed() -> Network:
    """A mixed graph: h = tanh(0.2 + 1.5·max(x, y, 0.5·c) − 0.5·y), c = 2, out = h·ln(y)."""
    net = Network(
        [Neuron("x", "input"), Neuron("y", "input"),
         Neuron("c", "hidden", op="const", param=2.0), Neuron("m", "hidden", op="max"),
         Neuron("h", "hidden", activation="tanh", bias=0.2), Neuron("l", "hidden", op="log"),
         Neuron("o", "output", op="mul")],
        [Edge("m_x", "x", "m", 1.0), Edge("m_y", "y", "m", 1.0), Edge("m_c", "c", "m", 0.5),
         Edge("h_m", "m", "h", 1.5), Edge("h_y", "y", "h", -0.5), Edge("l_y", "y", "l", 1.0),
         Edge("o_h", "h", "o", 1.0), Edge("o_l", "l", "o", 1.0)],
        loss="half_sse", samples=[Sample([0.3, 2.0], [0.5]), Sample([1.5, 0.7], [-0.2])],
        name="mixed")
    net.validate()
    return net


FIXED = {"seed000": seed000_graph, "cs231n": cs231n_circuit, "fork": fork_cube,
         "sigmoid_neuron": lambda: sigmoid_neuron()[0], "sigmoid_op": lambda: sigmoid_op()[0],
         "sigmoid_gates": lambda: sigmoid_gates()[0], "mixed": _mixed_fixed}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bpgui", *args], capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.parametrize("name", sorted(FIXED))
def test_bpgui_trace_on_fixed_graphs(name: str, tmp_path: Path) -> None:
    """``bpgui trace FILE --sample K`` as JSON, every sample, against the reference."""
    network = FIXED[name]()
    passes = passes_of(network, in_hypothesis=False)
    file = tmp_path / f"{name}.bpnet.json"
    fileformat.save(network, file)
    for k in range(len(passes)):
        done = run_cli("trace", str(file), "--sample", str(k))
        assert done.returncode == 0, done.stderr
        assert_agree(trace_triples(network, json.loads(done.stdout), passes, k))


# -------------------------------------------------------------- published numbers
def test_published_examples_through_the_engine() -> None:
    """Seed 000, CS231n's circuit and sigmoid neuron: the engine's numbers by hand."""
    c = math.cos(1.3)
    doc = trace_document(seed000_graph(), 0)
    s = 1.0 / (1.0 + math.exp(-1.0))
    ds = s * (1.0 - s)
    triples: list[Triple] = [
        ("seed000 z", doc["outputs"][0], math.sin(1.3)),
        ("seed000 ∂z/∂x", doc["neurons"]["x"]["grad"], 2 * c),
        ("seed000 ∂z/∂y", doc["neurons"]["y"]["grad"], c),
        ("seed000 ∂z/∂w_ax", doc["gradients"]["weights"]["a_x"], 0.5 * c)]
    doc = trace_document(cs231n_circuit(), 0)
    triples += [("cs231n f", doc["outputs"][0], -12.0),
                *((f"cs231n ∂f/∂{v}", doc["neurons"][v]["grad"], g)
                  for v, g in (("x", -4.0), ("y", -4.0), ("z", 3.0)))]
    for build in (sigmoid_neuron, sigmoid_op, sigmoid_gates):
        net, w_ids = build()
        doc = trace_document(net, 0)
        grads = {**doc["gradients"]["weights"], **doc["gradients"]["biases"]}
        triples += [(f"{build.__name__} f", doc["outputs"][0], s),
                    (f"{build.__name__} ∂f/∂x0", doc["neurons"]["x0"]["grad"], 2.0 * ds),
                    (f"{build.__name__} ∂f/∂x1", doc["neurons"]["x1"]["grad"], -3.0 * ds),
                    *((f"{build.__name__} ∂f/∂{w}", grads[w], g)
                      for w, g in zip(w_ids, (-ds, -2.0 * ds, ds), strict=True))]
    assert_agree(triples)


# ------------------------------------------------------------------------------ ties
@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("order", [("a", "b", "x"), ("b", "x", "a"), ("x", "a", "b")])
def test_a_tie_goes_to_the_first_operand_in_edge_order(op: str, order: tuple[str, ...]
                                                       ) -> None:
    """a = −x and b = −x are the same float in any implementation, and x·(−1) too: all
    three operands of max/min tie, and only the first edge in the file gets the gradient:
    ∂L/∂w of that edge is its source's value, of x → a (or b) −x if a (or b) is first."""
    edge = {"a": Edge("m_a", "a", "m", 1.0), "b": Edge("m_b", "b", "m", 1.0),
            "x": Edge("m_x", "x", "m", -1.0)}
    net = Network(
        [Neuron("x", "input"), Neuron("a", "hidden", op="neg"), Neuron("b", "hidden", op="neg"),
         Neuron("m", "output", op=op)],
        [Edge("a_x", "x", "a", 1.0), Edge("b_x", "x", "b", 1.0), *(edge[k] for k in order)],
        loss="output", samples=[Sample([1.5], [0.0]), Sample([-0.5], [0.0])], name="tie")
    net.validate()
    passes = passes_of(net, in_hypothesis=False)
    for k, ref in enumerate(passes):
        x = net.samples[k].inputs[0]
        source_value = {"a": -x, "b": -x, "x": x}
        first = {v: float(v == order[0]) for v in order}      # what each operand gets
        assert ref["grad_w"] == {"a_x": -x * first["a"], "b_x": -x * first["b"],
                                 **{edge[v].id: source_value[v] * first[v] for v in order}}
        assert_agree(step_triples(net, k, ref, "node")
                     + trace_triples(net, trace_document(net, k), passes, k))
    assert_agree(fast_path_triples(net, passes))


# ------------------------------------------------------------------ undefined values
def _log_of_negative() -> Network:
    net = Network([Neuron("x", "input"), Neuron("l", "output", op="log")],
                  [Edge("w", "x", "l", 1.0)], loss="output",
                  samples=[Sample([2.0], [0.0]), Sample([-0.5], [0.0])])
    net.validate()
    return net


def _names_node_and_sample(message: str) -> bool:
    return "'l'" in message and "sample 1" in message and "\n" not in message.strip()


def test_an_undefined_value_stops_every_path_naming_the_node_and_sample(tmp_path: Path
                                                                      ) -> None:
    """log(−0.5) in sample 1: the fast path (which runs every sample), the step path of
    sample 1 and ``bpgui trace`` refuse in one line naming 'l' and sample 1; sample 0's
    steps are fine."""
    net = _log_of_negative()
    with pytest.raises(BpguiError) as fast:
        dataset_gradients(compile_plan(net), net)
    assert _names_node_and_sample(str(fast.value)), fast.value
    with pytest.raises(BpguiError) as steps:
        all_steps(net, 1)
    assert _names_node_and_sample(str(steps.value)), steps.value
    values = final_values(all_steps(net, 0))
    assert values[Quantity("a", "l")] == reference_pass(net, 0)["a"]["l"] == math.log(2.0)
    file = tmp_path / "log.bpnet.json"
    fileformat.save(net, file)
    done = run_cli("trace", str(file), "--sample", "1")
    assert done.returncode == 2 and done.stdout == ""
    assert _names_node_and_sample(done.stderr) and "Traceback" not in done.stderr
