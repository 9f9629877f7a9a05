"""path_report given the final values of a pass already run, at any granularity."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpgui.engine.paths import path_report
from bpgui.engine.records import GRANULARITIES
from bpgui.engine.stepper import all_steps, final_values
from bpgui.network import fileformat
from bpgui.network.model import Network

TARGETS = [("w5", "weight"), ("h1", "bias"), ("h1", "neuron"), ("x3", "neuron"), ("y", "neuron")]
MOONS = Path(__file__).resolve().parent.parent / "sample_networks" / "moons_2-8-8-1.bpnet.json"


@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_precomputed_values_give_the_same_report(seed000: Network, granularity: str) -> None:
    values = final_values(all_steps(seed000, 0, granularity))
    for target, kind in TARGETS:
        assert path_report(seed000, target, kind, values=values) == path_report(
            seed000, target, kind)


def test_precomputed_values_on_a_larger_network() -> None:
    network = fileformat.load(MOONS)
    sample = len(network.samples) - 1
    values = final_values(all_steps(network, sample, "layer"))
    for target in (network.edges[0].id, network.inputs[0].id, network.outputs[0].id):
        assert path_report(network, target, sample=sample, values=values) == path_report(
            network, target, sample=sample)
