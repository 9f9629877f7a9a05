"""The update rule's one home (bpgui.engine.optimizers): plain gradient descent on arrays,
on one parameter, as step text, and inside the Trainer.

Expected numbers are worked out by hand; the inputs are dyadic fractions (0.25, 0.5,
0.875, …), so every product and difference below is exact in binary and the hand
results can be compared with ==.
"""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

from bpgui.engine.expression import Group, Hadamard, Var
from bpgui.engine.optimizers import OPTIMIZERS, SGD, Optimizer, optimizer_for
from bpgui.engine.plan import compile_plan, sample_arrays
from bpgui.engine.records import Equation
from bpgui.engine.stepper import all_steps
from bpgui.engine.training import Trainer
from bpgui.engine.update_step import update_record
from bpgui.engine.update_text import update_equations, update_formula
from bpgui.network.model import Edge, Network, Neuron, Sample, TrainingSettings

THETA_W = np.array([[1.0, -2.0], [0.5, 3.0]])
GRAD_W = np.array([[0.25, -0.5], [1.0, 8.0]])
MASK_W = np.array([[1.0, 0.0], [1.0, 1.0]])        # the weight at [0, 1] is frozen
THETA_B = np.array([0.75, -1.0])
GRAD_B = np.array([-0.5, 2.0])
MASK_B = np.array([1.0, 1.0])


def started(learning_rate: float = 0.5) -> SGD:
    sgd = SGD(learning_rate)
    sgd.start([MASK_W, MASK_B])
    return sgd


def one_step(optimizer: Optimizer) -> list[np.ndarray]:
    """One step from THETA with GRAD, on copies; returns the new arrays."""
    params = [THETA_W.copy(), THETA_B.copy()]
    out = [np.empty_like(p) for p in params]
    optimizer.step(params, [GRAD_W.copy(), GRAD_B.copy()], out)
    assert params[0].tolist() == THETA_W.tolist() and params[1].tolist() == THETA_B.tolist()
    return out


def test_sgd_step_moves_each_trainable_entry_by_minus_eta_g() -> None:
    # η = 0.5: 1 − 0.5·0.25 = 0.875; −2 frozen; 0.5 − 0.5·1 = 0; 3 − 0.5·8 = −1;
    # biases 0.75 − 0.5·(−0.5) = 1, −1 − 0.5·2 = −2.
    w, b = one_step(started(0.5))
    assert w.tolist() == [[0.875, -2.0], [0.0, -1.0]]
    assert b.tolist() == [1.0, -2.0]


def test_a_new_learning_rate_applies_from_the_next_step() -> None:
    sgd = started(0.5)
    sgd.learning_rate = 0.25
    # 1 − 0.25·0.25 = 0.9375; 0.5 − 0.25 = 0.25; 3 − 2 = 1; 0.75 + 0.125 = 0.875; −1 − 0.5
    w, b = one_step(sgd)
    assert sgd.learning_rate == 0.25
    assert w.tolist() == [[0.9375, -2.0], [0.25, 1.0]]
    assert b.tolist() == [0.875, -1.5]


def test_a_rate_set_before_start_is_kept() -> None:
    sgd = SGD(0.5)
    sgd.learning_rate = 0.125
    sgd.start([MASK_W, MASK_B])
    w, _ = one_step(sgd)
    assert w.tolist() == [[1.0 - 0.03125, -2.0], [0.375, 2.0]]


def test_sgd_keeps_no_state_and_pickles_with_its_rate() -> None:
    sgd = started(0.5)
    assert sgd.state() == {}
    clone = pickle.loads(pickle.dumps(sgd))
    assert clone.learning_rate == 0.5 and clone.state() == {}
    assert [a.tolist() for a in one_step(clone)] == [a.tolist() for a in one_step(sgd)]


def test_updated_is_the_rule_on_one_parameter() -> None:
    sgd = SGD(0.5)
    assert sgd.updated(0.75, -0.5) == 1.0             # 0.75 − 0.5·(−0.5)
    assert sgd.updated(3.0, 8.0) == -1.0
    assert sgd.updated(np.array([1.0, 0.5]), np.array([0.25, 1.0])).tolist() == [0.875, 0.0]


def test_updated_agrees_with_step_to_the_last_bit() -> None:
    """The step text and training make the same number, including inexact ones."""
    rng = np.random.default_rng(7)
    theta, grad = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    sgd = SGD(0.1)
    sgd.start([np.ones((3, 4))])
    out = [np.empty_like(theta)]
    sgd.step([theta], [grad.copy()], out)
    one_by_one = [[sgd.updated(float(t), float(g)) for t, g in zip(rt, rg, strict=True)]
                  for rt, rg in zip(theta, grad, strict=True)]
    assert out[0].tolist() == one_by_one


def test_formula_writes_theta_minus_eta_g() -> None:
    sgd = SGD(0.5)
    formula = sgd.formula("w1", 0.75, Var("∂L/∂w1", 0.5))
    assert formula.evaluate(lambda v: v.value) == 0.5
    eq = Equation("w1", formula, sgd.updated(0.75, 0.5), "←", before=0.75)
    assert eq.text() == "w1 ← w1 − η·∂L/∂w1 = 0.75 − 0.5·0.5 = 0.5"
    assert update_formula(sgd, "w1", 0.75, "∂L/∂w1", 0.5) == formula


def test_the_rule_in_words_names_its_gradient() -> None:
    assert SGD(0.5).rule() == "θ ← θ − η·g"
    assert SGD(0.5).rule("∂L/∂θ") == "θ ← θ − η·∂L/∂θ"


def test_formula_takes_a_masked_matrix_gradient() -> None:
    """The layer step's A₁ ← A₁ − η·(∂L/∂A₁ ⊙ T₁): the frozen entry keeps its value."""
    sgd = SGD(0.5)
    old = tuple(map(tuple, THETA_W.tolist()))
    gradient = Group(Hadamard(Var("∂L/∂A₁", tuple(map(tuple, GRAD_W.tolist()))),
                              Var("T₁", tuple(map(tuple, MASK_W.tolist())))))
    eq = Equation("A₁", sgd.formula("A₁", old, gradient), ((0.875, -2.0), (0.0, -1.0)), "←",
                  before=old)
    assert eq.text() == ("A₁ ← A₁ − η·(∂L/∂A₁ ⊙ T₁) = [[1, −2], [0.5, 3]] − 0.5·([[0.25, −0.5], "
                         "[1, 8]] ⊙ [[1, 0], [1, 1]]) = [[0.875, −2], [0, −1]]")


def test_default_settings_choose_sgd_at_their_rate() -> None:
    assert tuple(OPTIMIZERS) == ("sgd", "momentum", "nesterov", "rmsprop", "adam")
    optimizer = optimizer_for(TrainingSettings(learning_rate=0.25))
    assert isinstance(optimizer, SGD) and optimizer.learning_rate == 0.25


# ----------------------------------------------------------- in the engine
def line(bias: float = 0.0, train_bias: bool = True) -> Network:
    """ŷ = w·x + b with w = 1, one sample x = 2, y = 0, half_sse: L = ½(2w + b)²,
    ∂L/∂w = (2w + b)·2 = 4 and ∂L/∂b = 2w + b = 2 at the start (b = 0)."""
    return Network([Neuron("x", "input"),
                    Neuron("y", "output", activation="identity", bias=bias,
                           train_bias=train_bias)],
                   [Edge("w", "x", "y", 1.0)], loss="half_sse",
                   samples=[Sample([2.0], [0.0])],
                   training=TrainingSettings(learning_rate=0.25))


def test_trainer_makes_the_hand_computed_update() -> None:
    # w = 1 − 0.25·4 = 0, b = 0 − 0.25·2 = −0.5; then L = ½(0 − 0.5)² = 0.125.
    net = line()
    plan = compile_plan(net)
    x, y = sample_arrays(net)
    trainer = Trainer(plan, x, y, net.training)
    assert trainer.run(1) == [0.125] and trainer.history == [2.0, 0.125]
    assert plan.weights() == {"w": 0.0} and plan.biases() == {"y": -0.5}
    # now 2w + b = −0.5: ∂L/∂w = −1, ∂L/∂b = −0.5; at η = 0.5, w = 0.5, b = −0.25, L = ½·0.75²
    trainer.learning_rate = 0.5
    assert trainer.optimizer.learning_rate == 0.5
    assert trainer.run(1) == [0.28125]
    assert plan.weights() == {"w": 0.5} and plan.biases() == {"y": -0.25}


def test_trainer_leaves_a_frozen_bias_alone() -> None:
    # b frozen at 0: w = 1 − 0.25·4 = 0, and L = 0.
    net = line(train_bias=False)
    plan = compile_plan(net)
    x, y = sample_arrays(net)
    trainer = Trainer(plan, x, y, net.training)
    assert trainer.run(1) == [0.0]
    assert plan.weights() == {"w": 0.0} and plan.biases() == {"y": 0.0}


def test_trainer_pickles_mid_run_and_goes_on_alike() -> None:
    net = line()
    plan = compile_plan(net)
    x, y = sample_arrays(net)
    trainer = Trainer(plan, x, y, net.training)
    trainer.run(3)
    clone = pickle.loads(pickle.dumps(trainer))
    assert clone.run(4) == trainer.run(4)
    assert clone.plan.weights() == trainer.plan.weights()


def test_a_diverging_update_is_undone() -> None:
    """η = 100 on L = ½(2w)² (b frozen at 0) multiplies w by 1 − 100·4 = −399 each
    update until the loss overflows; the parameters then are those one update before."""
    net = line(train_bias=False)
    net.training.learning_rate = 100.0
    plan = compile_plan(net)
    x, y = sample_arrays(net)
    trainer = Trainer(plan, x, y, net.training)
    trainer.run(1000)
    assert trainer.diverged_at is not None
    w = 1.0
    for _ in range(trainer.diverged_at - 1):
        w = w - 100.0 * (4.0 * w)
    assert plan.weights() == {"w": w} and np.isfinite(w)
    assert trainer.run(5) == []


@pytest.mark.parametrize("granularity", ["node", "edge", "layer"])
def test_step_text_writes_the_rule(granularity: str) -> None:
    """The pass's update of w: 1 − 0.25·4 = 0, written θ − η·g at every granularity."""
    steps = [s for s in all_steps(line(), 0, granularity) if s.phase == "update"]
    text = ";  ".join(s.text() for s in steps)
    if granularity == "layer":
        assert "A₁ ← A₁ − η·∂L/∂A₁ = [[1]] − 0.25·[[4]] = [[0]]" in text
        assert "b₁ ← b₁ − η·∂L/∂b₁ = [0] − 0.25·[2] = [−0.5]" in text
    else:
        assert "w ← w − η·∂L/∂w = 1 − 0.25·4 = 0" in text
        assert "b_y ← b_y − η·∂L/∂b_y = 0 − 0.25·2 = −0.5" in text


def test_single_update_record_writes_the_rule() -> None:
    text = update_record(line()).text()
    assert text == "w ← w − η·g_w = 1 − 0.25·4 = 0;  b_y ← b_y − η·g_b_y = 0 − 0.25·2 = −0.5"


# ------------------------------------------------------------- rules with state
def _one(name: str, **settings: Any) -> Optimizer:
    rule = optimizer_for(TrainingSettings(learning_rate=0.1, optimizer=name, **settings))
    rule.start([np.ones(1)], [True])
    return rule


def _steps(rule: Optimizer, grads: list[float], theta: float = 1.0) -> list[float]:
    values = []
    for g in grads:
        out = [np.empty(1)]
        rule.step([np.array([theta])], [np.array([g])], out)
        theta = float(out[0][0])
        values.append(theta)
    return values


def test_momentum_by_hand() -> None:
    # β = 0.5, η = 0.1: v = 0.5 → θ = 1 − 0.05 = 0.95; v = 0.25 + 0.25 = 0.5 → 0.9
    assert _steps(_one("momentum", momentum=0.5), [0.5, 0.25]) == [0.95, 0.95 - 0.1 * 0.5]


def test_adam_by_hand() -> None:
    # β₁ = 0.5, β₂ = 0.75, ε = 1e-8. Step 1: m = 0.25, v = 0.0625, m̂ = 0.5, v̂ = 0.25,
    # θ = 1 − 0.1·0.5/(0.5 + ε). Step 2 (g = 0.25): m = 0.125 + 0.125 = 0.25, m̂ = 0.25/0.75;
    # v = 0.046875 + 0.015625 = 0.0625, v̂ = 0.0625/0.4375.
    first, second = _steps(_one("adam", beta1=0.5, beta2=0.75), [0.5, 0.25])
    assert first == pytest.approx(1 - 0.1 * 0.5 / (0.5 + 1e-8), rel=1e-15)
    expected = first - 0.1 * (0.25 / 0.75) / ((0.0625 / 0.4375) ** 0.5 + 1e-8)
    assert second == pytest.approx(expected, rel=1e-15)


def test_adams_printed_first_step_comes_out_from_its_printed_numbers() -> None:
    rule = optimizer_for(TrainingSettings(learning_rate=0.1, optimizer="adam"))
    lines = update_equations(rule, "w1", 1.0, Var("∂L/∂w1", 0.5))
    new = rule.updated(1.0, 0.5)
    assert [eq.lhs for eq in lines] == ["m_w1", "v_w1", "m̂_w1", "v̂_w1", "w1"]
    formula = lines[-1].formula
    assert formula is not None
    printed = {v.symbol: float(f"{float(v.value):.6g}") for v in formula.leaves()}
    assert set(printed) == {"w1", "η", "m̂_w1", "v̂_w1", "ε"}
    assert printed["m̂_w1"] == 0.5 and printed["v̂_w1"] == 0.25
    assert float(formula.evaluate(lambda v: printed[v.symbol])) == pytest.approx(new, rel=1e-6)
    assert lines[-1].result == new == _steps(_one("adam"), [0.5])[0]


def test_rules_with_state_pickle_and_keep_it_across_a_new_rate() -> None:
    rule = _one("adam")
    _steps(rule, [0.5])
    rule.learning_rate = 0.05
    clone = pickle.loads(pickle.dumps(rule))
    assert clone.state()["exp_avg"][0].tolist() == rule.state()["exp_avg"][0].tolist() != [0.0]
    assert _steps(clone, [0.25]) == _steps(rule, [0.25])


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_one_parameter_from_its_state_is_the_arrays_update_to_the_bit(name: str) -> None:
    """Before each of three steps, every trainable entry's updated() from its own
    param_state() is the number step() then writes, exactly; t counts the steps."""
    rule = optimizer_for(TrainingSettings(learning_rate=0.1, optimizer=name, l2=0.125))
    rule.start([MASK_W, MASK_B], [True, False])
    params = [THETA_W.copy(), THETA_B.copy()]
    for k in range(3):
        grads = [GRAD_W * (k + 1) - 0.25 * params[0], GRAD_B / (k + 1)]
        want = {(i, entry): rule.updated(float(params[i][entry]), float(grads[i][entry]),
                                         i == 0, rule.param_state(i, entry))
                for i, mask in enumerate((MASK_W, MASK_B))
                for entry in zip(*np.nonzero(mask), strict=True)}
        states = {key: rule.param_state(*key) for key in want}
        out = [np.empty_like(p) for p in params]
        rule.step(params, [g.copy() for g in grads], out)
        assert all(out[i][entry] == new for (i, entry), new in want.items())
        assert {s.t for s in states.values()} == {k if name != "sgd" else 0}
        params = out
    assert params[0][0, 1] == THETA_W[0, 1]             # frozen: never moves
