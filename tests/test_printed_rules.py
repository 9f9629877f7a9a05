"""The printed-equation oracle on the update rules' lines (docs/notation.md): it reads
Adam's lines as assignments in order and catches the wrong ones, and every rule's
updates of every sample network, at every granularity and in the single update, are
true from their printed numbers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bpgui.network.model import Edge, Network, Neuron, Sample, TrainingSettings
from tests.conftest import load_sample
from tests.printed_checks import GRANULARITIES, STEMS, check, pass_failures, report, update_failures
from tests.printed_values import TrueValues
from tests.test_printed_equations import Printed


def _adam_line() -> Network:
    """ŷ = w·x, x = 2, y = 0, ½ SSE, w = 1, η = 0.1, Adam (β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸):
    g = 4, m = 0.1·4 = 0.4, v = 0.001·16 = 0.016, m̂ = 4, v̂ = 16, w = 1 − 0.1·4/(4 + ε)."""
    return Network([Neuron("x", "input"), Neuron("y", "output", "identity", train_bias=False)],
                   [Edge("w", "x", "y", 1.0)], loss="half_sse",
                   samples=[Sample([2.0], [0.0])],
                   training=TrainingSettings(learning_rate=0.1, optimizer="adam"))


ADAM = [       # (lines as printed, in order; the check that must catch it, or None if true)
    (Printed("m_w", "β₁·m_w + (1 − β₁)·∂L/∂w", ("0.9·0 + (1 − 0.9)·4",), "0.4", "←"), None),
    (Printed("v_w", "β₂·v_w + (1 − β₂)·(∂L/∂w)²", ("0.999·0 + (1 − 0.999)·4²",), "0.016",
             "←"), None),
    (Printed("m̂_w", "m_w/(1 − β₁ᵗ)", ("0.4/(1 − 0.9¹)",), "4"), None),
    (Printed("v̂_w", "v_w/(1 − β₂ᵗ)", ("0.016/(1 − 0.999¹)",), "16"), None),
    (Printed("w", "w − η·m̂_w/(√(v̂_w) + ε)", ("1 − 0.1·4/(√(16) + 1×10⁻⁸)",), "0.9", "←"),
     None),
    # t is 1 at a pass's update: 0.9² stands for β₁ᵗ wrongly
    (Printed("m̂_w", "m_w/(1 − β₁ᵗ)", ("0.4/(1 − 0.9²)",), "2.105"), "C (substitution)"),
    # v_w on the right of its own line is the value before (0), not after
    (Printed("v_w", "β₂·v_w + (1 − β₂)·(∂L/∂w)²", ("0.999·0.016 + (1 − 0.999)·4²",),
             "0.031984", "←"), "C (substitution)"),
    # m̂ without its bias correction
    (Printed("w", "w − η·m_w/(√(v_w) + ε)", ("1 − 0.1·0.4/(√(0.016) + 1×10⁻⁸)",), "0.9",
             "←"), "A (face value)"),
]


@pytest.mark.parametrize(("equation", "caught_by"), ADAM)
def test_the_oracle_reads_adams_lines(equation: Printed, caught_by: str | None) -> None:
    values = TrueValues(_adam_line(), 0)
    order = ["m_w", "v_w", "m̂_w", "v̂_w", "w"]       # the lines before this one have run
    values.assigned = set(order[:order.index(equation.p.lhs)])
    failures = check(equation, 4, values)
    if caught_by is None:
        assert failures == []
    else:
        assert any(f.startswith(caught_by) for f in failures), failures


BIG = ("moons_2-8-8-1",)   # 100 samples: its pass is the others' written larger, and slow


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", ["momentum", "nesterov", "rmsprop", "adam"])
def test_every_rule_prints_true_updates_of_the_samples(optimizer: str) -> None:
    for stem in STEMS:
        network = load_sample(stem)
        network.training = replace(network.training, optimizer=optimizer, l2=0.01)
        failures = update_failures(network, 3)
        for granularity in GRANULARITIES if stem not in BIG else ():
            failures += pass_failures(network, 0, granularity, 3)
        assert not failures, report(failures)
