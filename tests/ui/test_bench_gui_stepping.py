"""The GUI stepping benchmark still drives the window on the tiny seed network, and its
--json output has every figure the issue's acceptance reads (no timings checked)."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_gui_stepping.py"
FIGURES = {"neurons", "edges", "open_s", "stall_max_ms", "repaint_ms", "steps",
           "step_first_ms", "step_median_ms", "step_max_ms", "step_max_later_ms",
           "edit_median_ms", "edit_max_ms", "scrub_ms", "scrub_max_ms", "rounds"}


@pytest.fixture
def bench() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("bench_gui_stepping", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_json_keyed_by_network_and_granularity(qapp, bench, capsys) -> None:
    bench.main(["--only", "seed 000", "--json", "--repeat", "1"])
    result = json.loads(capsys.readouterr().out)
    assert list(result) == ["seed 000 worked example"]
    figures = result["seed 000 worked example"]["node"]
    assert set(figures) == FIGURES
    assert (figures["neurons"], figures["edges"], figures["rounds"]) == (6, 8, 1)
    assert figures["steps"] > 1
    assert figures["step_max_ms"] == max(figures["step_first_ms"], figures["step_max_later_ms"])
    assert 0 < figures["step_median_ms"] <= figures["step_max_ms"]
    assert 0 < figures["scrub_ms"] <= figures["scrub_max_ms"]
    assert figures["open_s"] > 0 and figures["stall_max_ms"] > 0


def test_table_has_a_row_per_network_and_granularity(qapp, bench, capsys) -> None:
    bench.main(["--only", "SEED", "--repeat", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert "1st step" in lines[1] and "scrub" in lines[1] and "stall" in lines[1]
    assert sum(line.startswith("seed 000 worked example") for line in lines) == 1


def test_cases_cover_the_issue(bench) -> None:
    """Both granularities on the dense 100-neuron network and on 1,000 neurons (≤ 25k edges)."""
    cases = {case.label: case for case in bench.CASES}
    dense = cases["100 neurons, 4-32-32-31-1 (dense)"]
    big = next(case for label, case in cases.items() if label.startswith("1,000 neurons"))
    assert dense.granularities == big.granularities == ("node", "layer")
    network = big.build()
    assert len(network.neurons) == 1000 and len(network.edges) <= 25_000


def test_only_must_match(bench) -> None:
    with pytest.raises(SystemExit):
        bench.main(["--only", "no such network"])
