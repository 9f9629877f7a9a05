"""Tests for bpgui.network.datasets: shapes, determinism, balance, encoding, geometry,
bad arguments."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bpgui.network import datasets
from bpgui.network.errors import BpguiError
from bpgui.network.model import Sample

RANDOM = ("moons", "circles", "spiral", "Gaussian blobs")


def test_generators_have_the_display_names() -> None:
    assert list(datasets.GENERATORS) == ["AND", "OR", "XOR", "moons", "circles", "spiral",
                                         "Gaussian blobs"]


@pytest.mark.parametrize("name", list(datasets.GENERATORS))
@pytest.mark.parametrize("count", [1, 2, 7, 100])
def test_shapes_and_dtypes(name: str, count: int) -> None:
    inputs, targets = datasets.GENERATORS[name](count, 0.1, 3)
    n = 4 if name in ("AND", "OR", "XOR") else count
    k = 3 if name == "Gaussian blobs" else 1
    assert inputs.shape == (n, 2) and targets.shape == (n, k)
    assert inputs.dtype == np.float64 and targets.dtype == np.float64
    assert np.isfinite(inputs).all()


@pytest.mark.parametrize("name", RANDOM)
def test_same_seed_same_data_other_seed_other_data(name: str) -> None:
    generate = datasets.GENERATORS[name]
    a, b, c = generate(50, 0.2, 7), generate(50, 0.2, 7), generate(50, 0.2, 8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("name", RANDOM)
@pytest.mark.parametrize("count", [1, 10, 11, 101])
def test_labels_are_balanced(name: str, count: int) -> None:
    _, targets = datasets.GENERATORS[name](count, 0.1, 0)
    per_class = targets.sum(axis=0) if targets.shape[1] > 1 else \
        np.array([count - targets.sum(), targets.sum()])
    assert per_class.sum() == count
    assert per_class.max() - per_class.min() <= 1


@pytest.mark.parametrize("classes", [2, 3, 5])
@pytest.mark.parametrize("generate", [datasets.spiral, datasets.blobs])
def test_one_hot_for_more_than_two_classes(generate, classes: int) -> None:
    _, targets = generate(40, 0.1, 1, classes=classes)
    if classes == 2:
        assert targets.shape == (40, 1)
        assert set(np.unique(targets)) <= {0.0, 1.0}
    else:
        assert targets.shape == (40, classes)
        assert set(np.unique(targets)) == {0.0, 1.0}
        np.testing.assert_array_equal(targets.sum(axis=1), np.ones(40))


def test_two_class_targets_are_zero_or_one() -> None:
    for name in ("moons", "circles", "spiral"):
        _, targets = datasets.GENERATORS[name](30, 0.3, 2)
        assert set(np.unique(targets)) == {0.0, 1.0}


def test_rows_are_shuffled_so_classes_interleave() -> None:
    _, targets = datasets.moons(100, 0.1, 0)
    assert not np.array_equal(targets[:, 0], np.sort(targets[:, 0]))


@pytest.mark.parametrize("factor", [0.3, 0.5, 0.8])
def test_circles_without_noise_lie_on_their_radii(factor: float) -> None:
    inputs, targets = datasets.circles(40, 0.0, 0, factor=factor)
    radius = np.hypot(inputs[:, 0], inputs[:, 1])
    np.testing.assert_allclose(radius[targets[:, 0] == 0], 1.0)
    np.testing.assert_allclose(radius[targets[:, 0] == 1], factor)


def test_moons_without_noise_lie_on_their_half_circles() -> None:
    inputs, targets = datasets.moons(60, 0.0, 0)
    upper, lower = inputs[targets[:, 0] == 0], inputs[targets[:, 0] == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert (upper[:, 1] >= -1e-12).all()
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert (lower[:, 1] <= 0.5 + 1e-12).all()


def test_blobs_without_noise_sit_on_three_distinct_unit_circle_centres() -> None:
    inputs, targets = datasets.blobs(30, 0.0, 0)
    centres = {tuple(np.round(row, 9)) for row in inputs}
    assert len(centres) == 3
    np.testing.assert_allclose(np.hypot(inputs[:, 0], inputs[:, 1]), 1.0)
    for k in range(3):
        assert len({tuple(row) for row in inputs[targets[:, k] == 1]}) == 1


def test_spiral_without_noise_stays_within_the_unit_disc() -> None:
    inputs, _ = datasets.spiral(50, 0.0, 0, classes=3)
    assert (np.hypot(inputs[:, 0], inputs[:, 1]) <= 1.0 + 1e-12).all()


def test_noise_is_the_standard_deviation_of_the_scatter() -> None:
    inputs, targets = datasets.circles(4000, 0.2, 5)
    outer = inputs[targets[:, 0] == 0]
    radial_error = np.hypot(outer[:, 0], outer[:, 1]) - 1.0
    assert 0.17 < np.std(radial_error) < 0.23
    assert abs(np.mean(radial_error)) < 0.03


@pytest.mark.parametrize(("gate", "truth"), [
    ("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("xor", [0, 1, 1, 0]), ("XOR", [0, 1, 1, 0]),
])
def test_logic_gate_truth_tables(gate: str, truth: list[int]) -> None:
    inputs, targets = datasets.logic_gate(gate)
    np.testing.assert_array_equal(inputs, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(targets[:, 0], truth)
    for row, t in zip(inputs, targets[:, 0], strict=True):
        a, b = bool(row[0]), bool(row[1])
        assert t == {"and": a and b, "or": a or b, "xor": a != b}[gate.lower()]


def test_logic_gates_in_generators_ignore_count_noise_and_seed() -> None:
    a = datasets.GENERATORS["XOR"](100, 0.5, 1)
    b = datasets.logic_gate("xor")
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize("name", RANDOM)
@pytest.mark.parametrize(("count", "noise", "seed"), [
    (0, 0.1, 0), (-3, 0.1, 0), (2.5, 0.1, 0), (True, 0.1, 0),
    (10, -0.1, 0), (10, math.nan, 0), (10, math.inf, 0), (10, "0.1", 0),
    (10, 0.1, -1), (10, 0.1, 1.5),
])
def test_bad_arguments_raise_bpgui_error(name: str, count, noise, seed) -> None:
    with pytest.raises(BpguiError) as info:
        datasets.GENERATORS[name](count, noise, seed)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("call", [
    lambda: datasets.logic_gate("nand"),
    lambda: datasets.circles(10, 0.1, 0, factor=1.0),
    lambda: datasets.circles(10, 0.1, 0, factor=0.0),
    lambda: datasets.spiral(10, 0.1, 0, classes=1),
    lambda: datasets.blobs(10, 0.1, 0, classes=0),
])
def test_other_bad_arguments_raise_bpgui_error(call) -> None:
    with pytest.raises(BpguiError):
        call()


def test_to_samples_converts_rows_to_plain_floats() -> None:
    samples = datasets.to_samples(*datasets.blobs(6, 0.1, 0))
    assert len(samples) == 6 and all(isinstance(s, Sample) for s in samples)
    assert all(type(v) is float for s in samples for v in [*s.inputs, *s.targets])
    assert all(len(s.inputs) == 2 and len(s.targets) == 3 for s in samples)


def test_to_samples_refuses_mismatched_arrays() -> None:
    with pytest.raises(BpguiError):
        datasets.to_samples(np.zeros((3, 2)), np.zeros((4, 1)))
    with pytest.raises(BpguiError):
        datasets.to_samples(np.zeros(3), np.zeros((3, 1)))


def test_module_does_not_import_qt() -> None:
    code = "import sys, bpgui.network.datasets; print(any('PySide' in m for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[1])
    assert result.stdout.strip() == "False"


# ---------------------------------------------------------------- holding out (issue 16)
def test_hold_out_marks_round_n_percent_from_the_seed() -> None:
    samples = datasets.to_samples(*datasets.moons(40, 0.1, 3))
    held = datasets.hold_out(samples, 25, 3)
    assert sum(s.is_test for s in held) == 10                        # 40·25/100
    assert [(s.inputs, s.targets) for s in held] == [(s.inputs, s.targets) for s in samples]
    assert [s.split for s in datasets.hold_out(samples, 25, 3)] == [s.split for s in held]
    assert [s.split for s in datasets.hold_out(samples, 25, 4)] != [s.split for s in held]
    assert not any(s.is_test for s in samples)                        # copies: untouched
    assert datasets.held_out_count(30, 50) == 15 and datasets.held_out_count(10, 0) == 0
    assert datasets.held_out_count(4, 90) == 3                        # one stays to train on
    for bad in (-1, 91, 12.5, True):
        with pytest.raises(BpguiError, match="whole percentage from 0 to 90"):
            datasets.held_out_count(10, bad)  # type: ignore[arg-type]
