"""Shared fixtures: the sample networks, loaded fresh for each test."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpgui import fileformat
from bpgui.model import Network

SAMPLES = Path(__file__).resolve().parent.parent / "sample_networks"


def load_sample(stem: str) -> Network:
    return fileformat.load(SAMPLES / f"{stem}.bpnet.json")


@pytest.fixture
def seed000() -> Network:
    """Seed 000's worked example: x = (0, 1, 1), tanh hidden, sigmoid output, target 1."""
    return load_sample("seed000_worked_example")
