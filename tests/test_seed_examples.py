"""The seeds' worked examples come out of the sample networks, through the step generator.

Expected numbers are the seeds' own (rounded as published) or recomputed by
hand with ``math`` in the test.
"""

from __future__ import annotations

import math

import pytest

from bpgui.engine.paths import path_report
from bpgui.engine.records import LOSS_ID, Quantity
from bpgui.engine.stepper import all_steps, final_values
from bpgui.engine.trace import trace_document
from bpgui.network.model import Network
from bpgui.network.numbers import fmt
from tests.conftest import load_sample
from tests.sin_neuron import sin_neuron


def sig(value: float, digits: int) -> float:
    return float(f"{value:.{digits}g}")


def test_seed000_published_forward_numbers(seed000: Network) -> None:
    v = final_values(all_steps(seed000))
    assert v[Quantity("z", "h1")] == -2.0
    assert sig(v[Quantity("a", "h1")], 3) == -0.964
    assert v[Quantity("z", "h2")] == 4.0
    assert sig(v[Quantity("a", "h2")], 4) == 0.9993
    assert sig(v[Quantity("z", "y")], 4) == 0.1073
    assert sig(v[Quantity("a", "y")], 4) == 0.5268


def test_seed000_published_gradient_of_w5(seed000: Network) -> None:
    v = final_values(all_steps(seed000))
    assert sig(v[Quantity("grad_w", "w5")], 2) == -0.025
    # the seed's own product, with its rounded cached values
    assert sig((0.5268 - 1) * 0.5268 * (1 - 0.5268) * 3 * (1 - 0.964**2) * 1, 2) == -0.025


def test_seed000_step_texts_show_the_worked_example(seed000: Network) -> None:
    texts = [r.text() for r in all_steps(seed000)]
    assert ("z_h1 = w1·x1 + w3·x2 + w5·x3 + b_h1 = 1·0 + (−1)·1 + (−1)·1 + 0 = −2;  "
            "a_h1 = tanh(z_h1) = tanh(−2) = −0.964") in texts
    assert "a_h2 = tanh(z_h2) = tanh(4) = 0.9993" in texts[2]
    assert texts[3].endswith("= 0.1073;  a_y = σ(z_y) = σ(0.1073) = 0.5268")
    # 1 − a² cancels: with the seed's a_h1 = −0.964 the printed product would be −0.025029,
    # three units of the last digit of −0.02500; one guard digit gives −0.0250087.
    assert "δ_h1 = (1 − a_h1²)·(w7·δ_y) = (1 − (−0.96403)²)·(3·(−0.118)) = −0.025" in texts
    assert abs((1 - 0.96403**2) * (3 * -0.118) - -0.025) <= 1e-5
    # and a_h2 = 0.9993 would give −0.0001651 for −0.0001582 (issue 12's example)
    assert "δ_h2 = (1 − a_h2²)·(w8·δ_y) = (1 − 0.9993293²)·(1·(−0.118)) = −0.0001582" in texts
    assert abs((1 - 0.9993293**2) * (1 * -0.118) - -0.0001582) <= 1e-7
    assert any("∂L/∂w5 = x3·δ_h1 = 1·(−0.025) = −0.025" in t for t in texts)


def test_seed000_path_to_w5_is_the_seeds_product(seed000: Network) -> None:
    report = path_report(seed000, "w5")
    assert report.path_count == 1
    (path,) = report.paths
    assert [f.formula for f in path.factors] == ["ŷ − y", "a_y(1 − a_y)", "w7", "1 − a_h1²",
                                                  "x3"]
    assert [fmt(f.value) for f in path.factors] == ["−0.4732", "0.2493", "3", "0.07065", "1"]
    assert path.product == report.gradient
    assert fmt(report.gradient, 2) == "−0.025"
    assert path.nodes == ("y", "h1") and path.edges == ("w7", "w5")


def test_seed000_loss_is_half_squared_error(seed000: Network) -> None:
    v = final_values(all_steps(seed000))
    yhat = v[Quantity("a", "y")]
    assert v[Quantity("loss", LOSS_ID)] == pytest.approx(0.5 * (1 - yhat) ** 2, rel=1e-15)


def test_sin_graph_local_derivatives() -> None:
    """z = sin(2x + y): ∂z/∂x = 2·cos(2x + y) and ∂z/∂y = cos(2x + y) (seed 000)."""
    net = sin_neuron()
    x, y = net.samples[0].inputs
    (target,) = net.samples[0].targets
    doc = trace_document(net)
    z = math.sin(2 * x + y)
    assert doc["outputs"] == [pytest.approx(z, rel=1e-15)]
    dl_dz = z - target                            # half_sse
    assert doc["neurons"]["x"]["grad"] == pytest.approx(dl_dz * 2 * math.cos(2 * x + y))
    assert doc["neurons"]["y"]["grad"] == pytest.approx(dl_dz * math.cos(2 * x + y))


def test_seed002_chain_dataset_gradient_is_the_mean_of_samples() -> None:
    """Seed 002: C0 = (a − y)² per sample; the full cost's gradient averages over samples."""
    net = load_sample("seed002_chain")
    assert net.loss == "sse" and len(net.samples) >= 2
    per_sample = [trace_document(net, k)["gradients"]["weights"] for k in range(len(net.samples))]
    dataset = trace_document(net)["dataset"]["gradients"]["weights"]
    for edge in net.edges:
        mean = sum(g[edge.id] for g in per_sample) / len(per_sample)
        assert dataset[edge.id] == pytest.approx(mean, rel=1e-12)


def test_seed002_last_weight_by_the_chain_rule() -> None:
    """∂C0/∂w(L) = a(L−1) · σ′(z(L)) · 2(a(L) − y), computed by hand."""
    net = load_sample("seed002_chain")
    doc = trace_document(net, 0)
    last = next(e for e in net.edges if e.target == net.outputs[0].id)
    a_prev = doc["neurons"][last.source]["a"]
    a_l = doc["neurons"][last.target]["a"]
    y = net.samples[0].targets[0]
    expected = a_prev * a_l * (1 - a_l) * 2 * (a_l - y)
    assert doc["gradients"]["weights"][last.id] == pytest.approx(expected, rel=1e-13)


def test_seed003_layer_steps_use_the_matrix_form() -> None:
    net = load_sample("seed003_layered")
    records = all_steps(net, 0, "layer")
    forward = [r for r in records if r.phase == "forward"]
    assert forward[0].text().startswith("f₀ = x = [")
    assert forward[1].formula.startswith("z₁ = A₁·f₀ + b₁;  f₁ = tanh(z₁)")
    assert forward[2].formula.startswith("z₂ = A₂·f₁ + b₂;  f₂ = σ(z₂)")
    backward = [r for r in records if r.phase == "backward"]
    assert backward[1].formula == "∂L/∂f₁ = A₂ᵀδ₂;  δ₁ = tanh′(z₁) ⊙ ∂L/∂f₁"
    grads = [r for r in records if r.phase == "gradient"]
    assert grads[0].formula == "∂L/∂A₁ = δ₁·f₀ᵀ;  ∂L/∂b₁ = δ₁"


def test_seed000_path_to_w5_prints_the_seeds_own_product(seed000: Network) -> None:
    """Selecting w5 shows the seed's product. At two digits it is the seed's own text; at
    four, a₁ = −0.964 would make it −0.025021, two units of −0.02500's last digit away,
    so a₁ carries a guard digit."""
    (path,) = path_report(seed000, "w5").paths
    assert path.formula == "(ŷ − y)·a_y(1 − a_y)·w7·(1 − a_h1²)·x3"
    assert path.equation.text(2) == ("(ŷ − y)·a_y(1 − a_y)·w7·(1 − a_h1²)·x3 = "
                                     "(0.53 − 1)·0.53(1 − 0.53)·3·(1 − (−0.964)²)·1 = −0.025")
    assert abs((0.53 - 1) * 0.53 * (1 - 0.53) * 3 * (1 - 0.964**2) * 1 - -0.025) <= 0.001
    assert path.numbers(4) == "(0.5268 − 1)·0.5268(1 − 0.5268)·3·(1 − (−0.96403)²)·1"
    assert abs((0.5268 - 1) * 0.5268 * (1 - 0.5268) * 3 * (1 - 0.96403**2) - -0.025) <= 1e-5
    assert abs((0.5268 - 1) * 0.5268 * (1 - 0.5268) * 3 * (1 - 0.964**2) - -0.025) > 2e-5
    assert fmt(path.product, 2) == "−0.025"
