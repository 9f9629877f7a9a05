"""The GUI stepping benchmark still drives the window on the tiny seed network, and its
--json output has every figure the issue's acceptance reads (no timings checked). Each
measurement runs in a child process (a few seconds each: these tests start four)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
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


def test_json_keyed_by_network_and_granularity(bench, capsys) -> None:
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


def test_table_has_a_row_per_network_and_granularity(bench, capsys) -> None:
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


def test_each_round_is_measured_in_a_child_process(bench, capsys, monkeypatch) -> None:
    real_run = subprocess.run
    commands: list[list[str]] = []

    def recording_run(command, **kwargs):
        commands.append(command)
        # the child imports this checkout's bpgui, not whichever one is installed
        assert kwargs["env"]["PYTHONPATH"].startswith(str(BENCH.parents[1]))
        return real_run(command, **kwargs)

    monkeypatch.setattr(bench.subprocess, "run", recording_run)
    bench.main(["--only", "seed 000", "--json", "--repeat", "2"])
    figures = json.loads(capsys.readouterr().out)["seed 000 worked example"]["node"]
    assert figures["rounds"] == 2
    assert len(commands) == 2
    for command in commands:
        assert command[1] == str(BENCH)
        assert command[command.index("--one") + 1] == "seed 000 worked example"


@pytest.mark.parametrize(("returncode", "stdout"), [(1, ""), (0, "no figures here\n")])
def test_a_failed_child_names_its_case(bench, monkeypatch, returncode, stdout) -> None:
    def failing_run(command, **kwargs):
        return subprocess.CompletedProcess(command, returncode, stdout, "Traceback\nboom\n")

    monkeypatch.setattr(bench.subprocess, "run", failing_run)
    with pytest.raises(RuntimeError, match="seed 000 worked example") as failure:
        bench.main(["--only", "seed 000", "--json", "--repeat", "1"])
    assert "boom" in str(failure.value) and "'node'" in str(failure.value)


def test_in_process_measures_in_this_process(qapp, bench, capsys, monkeypatch) -> None:
    def no_child(command, **kwargs):
        raise AssertionError("--in-process started a child")

    monkeypatch.setattr(bench.subprocess, "run", no_child)
    bench.main(["--only", "seed 000", "--json", "--repeat", "1", "--in-process"])
    figures = json.loads(capsys.readouterr().out)["seed 000 worked example"]["node"]
    assert set(figures) == FIGURES and figures["rounds"] == 1 and figures["steps"] > 1
