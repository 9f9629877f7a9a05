"""The overfitting sample (issue 16): without L2 its test loss bottoms out early and ends
far above that minimum while the training loss keeps falling; with the λ its description
suggests, the test loss ends far lower. The file is what tools/make_samples.py writes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bpgui.engine.plan import compile_plan, split_arrays
from bpgui.engine.training import Trainer
from bpgui.network import fileformat
from tests.cli_helpers import SAMPLES
from tools.sample_overfit import SUGGESTED_L2, overfit_moons

PATH = SAMPLES / "overfit_moons.bpnet.json"
ITERATIONS = 3000


def histories(l2: float) -> tuple[np.ndarray, np.ndarray]:
    network = fileformat.load(PATH)
    (x, y), test = split_arrays(network)
    trainer = Trainer(compile_plan(network), x, y, replace(network.training, l2=l2), test=test)
    trainer.run(ITERATIONS)
    assert trainer.test_history is not None and trainer.diverged_at is None
    return np.array(trainer.history), np.array(trainer.test_history)


@pytest.fixture(scope="module")
def plain() -> tuple[np.ndarray, np.ndarray]:
    return histories(0.0)


def test_the_file_is_what_make_samples_writes() -> None:
    assert fileformat.network_to_dict(fileformat.load(PATH)) == \
        fileformat.network_to_dict(overfit_moons())
    network = fileformat.load(PATH)
    assert len(network.samples) == 30 and sum(s.is_test for s in network.samples) == 15
    assert network.training.l2 == 0.0 and str(SUGGESTED_L2) in (network.description or "")


def test_without_l2_the_test_loss_turns_up(plain) -> None:
    train, test = plain
    low = int(np.argmin(test))
    assert 50 < low < ITERATIONS // 5              # it bottoms out early (at about 250)
    assert test[-1] > 3 * test[low]                # and ends far above its minimum
    assert train[-1] < 0.01 * train[0]             # while the training loss keeps falling
    assert np.all(np.diff(train[low:]) < 1e-3)     # (no more than rounding-size bumps)


def test_l2_ends_with_a_far_lower_test_loss(plain) -> None:
    train, test = plain
    train_l2, test_l2 = histories(SUGGESTED_L2)
    assert test_l2[-1] < 0.5 * test[-1]
    # The penalty keeps the weights small, so the training loss stops well above the
    # plain run's: the network no longer fits its 15 points' noise.
    assert train_l2[-1] > 10 * train[-1]
