"""Every activation and loss of the spec: values by hand, derivatives by finite difference,
and every facet of a table entry present and agreeing with f and f′."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from bpgui.engine.expression import Var
from bpgui.engine.formulas import derivative_expr
from bpgui.network import functions
from bpgui.network.functions import ACTIVATION_TABLE, GLYPH_POINTS, LOSS_TABLE, sigmoid
from bpgui.network.model import ACTIVATIONS, LOSSES

Z = np.array([-3.0, -0.7, -0.1, 0.2, 0.9, 2.5])


def test_tables_cover_the_spec() -> None:
    assert tuple(ACTIVATION_TABLE) == ACTIVATIONS
    assert tuple(LOSS_TABLE) == LOSSES


@pytest.mark.parametrize(("name", "by_hand"), [
    ("identity", lambda z: z),
    ("sigmoid", lambda z: 1 / (1 + math.exp(-z))),
    ("tanh", math.tanh),
    ("relu", lambda z: max(0.0, z)),
    ("leaky_relu", lambda z: z if z > 0 else 0.01 * z),
    ("softplus", lambda z: math.log(1 + math.exp(z))),
    ("sin", math.sin),
])
def test_activation_values(name: str, by_hand: Callable[[float], float]) -> None:
    f = ACTIVATION_TABLE[name].f
    for z in Z:
        assert float(f(np.array(z))) == pytest.approx(by_hand(z), rel=1e-14, abs=1e-15)
    np.testing.assert_allclose(f(Z), [by_hand(z) for z in Z], rtol=1e-14)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_derivative_matches_central_difference(name: str) -> None:
    act = ACTIVATION_TABLE[name]
    h = 1e-6
    numeric = (act.f(Z + h) - act.f(Z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative_from(Z, act.f(Z)), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_written_derivative_evaluates_as_the_engine_computes(name: str) -> None:
    """The step text's f′ (built from the entry's written form) has the value of the
    entry's f′, at every z, so the table cannot write one derivative and compute another."""
    act = ACTIVATION_TABLE[name]
    for z in Z:
        a = float(act.f(np.array(z)))
        written = derivative_expr(name, Var("z", z), Var("a", a)).evaluate(lambda v: v.value)
        assert float(written) == pytest.approx(float(act.derivative_from(np.array(z),
                                                                         np.array(a))),
                                               rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_activation_has_every_facet(name: str) -> None:
    act = ACTIVATION_TABLE[name]
    assert act.name == name and act.symbol
    assert act.prime.form in {functions.ONE, functions.A_ONE_MINUS_A,
                              functions.ONE_MINUS_A_SQUARED, functions.STEP, functions.CALL}
    assert len(act.glyph) == GLYPH_POINTS + 1
    assert [t for t, _ in act.glyph] == sorted(t for t, _ in act.glyph)
    assert act.glyph[0][0] == -1 and act.glyph[-1][0] == 1
    assert all(-1 <= y <= 1 for _, y in act.glyph)
    assert "{z}" in act.torch and act.torch_note


@pytest.mark.parametrize("name", LOSSES)
def test_every_loss_has_its_torch_code(name: str) -> None:
    assert LOSS_TABLE[name].torch[-1].startswith("loss = ")


def test_piecewise_derivatives_at_and_around_zero() -> None:
    z = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(ACTIVATION_TABLE["relu"].derivative_from(z, z), [0, 0, 1])
    np.testing.assert_array_equal(ACTIVATION_TABLE["leaky_relu"].derivative_from(z, z),
                                  [0.01, 0.01, 1])


def test_sigmoid_and_softplus_never_overflow() -> None:
    extreme = np.array([-1000.0, -40.0, 40.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = sigmoid(extreme)
        sp = ACTIVATION_TABLE["softplus"].f(extreme)
    assert s[0] == 0.0 and s[-1] == 1.0
    assert s[1] == pytest.approx(math.exp(-40) / (1 + math.exp(-40)), rel=1e-12)
    assert sp[-1] == 1000.0 and sp[0] == 0.0
    assert sp[1] == pytest.approx(math.log1p(math.exp(-40)), rel=1e-12)


YHAT = np.array([[0.2, 0.7, 0.4]])
Y = np.array([[0.0, 1.0, 0.0]])


@pytest.mark.parametrize(("name", "value"), [
    ("half_sse", 0.5 * (0.2**2 + 0.3**2 + 0.4**2)),
    ("sse", 0.2**2 + 0.3**2 + 0.4**2),
    ("mse", (0.2**2 + 0.3**2 + 0.4**2) / 3),
    ("bce", -(math.log(0.8) + math.log(0.7) + math.log(0.6))),
    ("softmax_ce", -(0.7 - math.log(math.exp(0.2) + math.exp(0.7) + math.exp(0.4)))),
])
def test_loss_values_by_hand(name: str, value: float) -> None:
    assert LOSS_TABLE[name].value(YHAT, Y)[0] == pytest.approx(value, rel=1e-14)


@pytest.mark.parametrize("name", LOSSES)
def test_loss_gradient_matches_central_difference(name: str) -> None:
    loss = LOSS_TABLE[name]
    y = np.array([[0.2, 0.5, 0.3]]) if name == "softmax_ce" else np.array([[0.0, 1.0, 0.3]])
    h = 1e-6
    numeric = np.zeros_like(YHAT)
    for k in range(YHAT.shape[1]):
        step = np.zeros_like(YHAT)
        step[0, k] = h
        numeric[0, k] = (loss.value(YHAT + step, y)[0] - loss.value(YHAT - step, y)[0]) / (2 * h)
    np.testing.assert_allclose(loss.grad(YHAT, y), numeric, rtol=1e-7)


def test_bce_clamps_as_the_spec_says() -> None:
    yhat, y = np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]])
    p = np.array([1e-12, 1 - 1e-12])
    assert LOSS_TABLE["bce"].value(yhat, y)[0] == pytest.approx(-2 * math.log(1e-12), rel=1e-6)
    np.testing.assert_allclose(LOSS_TABLE["bce"].grad(yhat, y), (p - y) / (p * (1 - p)))


def test_softmax_ce_is_stable_for_large_outputs() -> None:
    yhat, y = np.array([[1000.0, 0.0]]), np.array([[0.0, 1.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert LOSS_TABLE["softmax_ce"].value(yhat, y)[0] == pytest.approx(1000.0)
        np.testing.assert_allclose(LOSS_TABLE["softmax_ce"].grad(yhat, y), [[1.0, -1.0]])
