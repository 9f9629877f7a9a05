"""Shared fixtures: the sample networks, loaded fresh for each test.

And the Hypothesis profiles, loaded before any test module makes its settings:
``make test`` (and so CI) runs ``ci``: derandomised, the same examples on every
run and machine (for one Hypothesis version), so a clean clone that passes here
passes in CI. A bare ``pytest`` runs ``default``, fresh examples each time, which
is where new counterexamples turn up.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from bpgui.network import fileformat
from bpgui.network.model import Network

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

SAMPLES = Path(__file__).resolve().parent.parent / "sample_networks"


def load_sample(stem: str) -> Network:
    return fileformat.load(SAMPLES / f"{stem}.bpnet.json")


@pytest.fixture
def seed000() -> Network:
    """Seed 000's worked example: x = (0, 1, 1), tanh hidden, sigmoid output, target 1."""
    return load_sample("seed000_worked_example")
