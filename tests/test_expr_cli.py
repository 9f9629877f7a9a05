"""``bpgui expr`` in a subprocess: it prints or writes the graph's file, and bad input gets
one ``bpgui: error:`` line with nothing written; ``bpgui validate`` names a node with the
wrong number of operands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bpgui.network import fileformat
from bpgui.network.expression_graph import network_from_expression
from tests.cli_helpers import error_line, ok_json, run_cli, snapshot, write_json

SEED = ("--at", "x=0.5", "--at", "y=0.3", "sin(2*x + y)")


def test_expr_prints_the_file_as_fileformat_writes_it() -> None:
    result = run_cli("expr", *SEED)
    doc = ok_json(result)
    expected = fileformat.dumps(network_from_expression("sin(2*x + y)", {"x": 0.5, "y": 0.3}))
    assert result.stdout == expected
    assert [e["weight"] for e in doc["edges"]] == [2.0, 1.0, 1.0]
    assert doc["loss"] == "output" and doc["samples"] == [{"inputs": [0.5, 0.3],
                                                           "targets": [0.0]}]


def test_expr_writes_the_file_with_o(tmp_path: Path) -> None:
    out = tmp_path / "seed.bpnet.json"
    result = run_cli("expr", "-o", out, *SEED)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout == f"{out}: f = sin(2*x + y) (4 nodes, 3 edges)\n"
    assert out.read_text(encoding="utf-8") == run_cli("expr", *SEED).stdout
    assert [n.op for n in fileformat.load(out).neurons] == [None, None, "add", "sin"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed.bpnet.json"]   # no temp


def test_expr_after_a_double_dash_may_start_with_a_minus() -> None:
    doc = ok_json(run_cli("expr", "--at", "x=-2", "--", "-x*2"))
    assert [n.get("op") for n in doc["neurons"]] == [None, "neg", "const", "mul"]
    assert doc["samples"][0]["inputs"] == [-2.0]


@pytest.mark.parametrize(("args", "message"), [
    (("--at", "x=0.5", "sin(2*x + y)"),
     "expression, column 11: the variable y has no value (give --at y=…)"),
    (("--at", "x=1", "--at", "q=2", "x + 1"),
     "--at q: the expression has no variable 'q' (its variables: x)"),
    (("x +",), "expression, column 4: invalid syntax"),
    (("--at", "x=1", "x.real",), "expression, column 1: an attribute (x.real) is not supported"),
    (("--at", "x=1", "--at", "x=2", "x + 1"), "--at x: given twice"),
    (("--at", "x=abc", "x + 1"), "argument --at: x: expected a number, not 'abc'"),
    (("--at", "x=nan", "x + 1"), "argument --at: x: must be a finite number, not 'nan'"),
    (("--at", "x", "x + 1"), "argument --at: expected NAME=VALUE, not 'x'"),
    (("",), "expression: it is empty; write one such as sin(2*x + y)"),
    (("--at", "x=-0.5", "log(x)"),
     "node 'f': the logarithm of a value that is not positive (−0.5) in sample 0"),
    (("--at", "x=1", "--at", "y=0", "x / y"), "node 'f': division by zero (0) in sample 0"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path: Path, args: tuple[str, ...],
                                                  message: str) -> None:
    out = tmp_path / "out.bpnet.json"
    before = snapshot(tmp_path)
    result = run_cli("expr", "-o", out, *args)
    line = error_line(result)
    assert line.startswith(f"bpgui: error: {message}"), line
    assert result.stdout == ""
    assert snapshot(tmp_path) == before


def test_expr_refuses_a_missing_folder_and_a_folder(tmp_path: Path) -> None:
    line = error_line(run_cli("expr", "-o", tmp_path / "no" / "g.json", *SEED))
    assert line == f"bpgui: error: -o {tmp_path / 'no' / 'g.json'}: folder {tmp_path / 'no'} " \
                   "does not exist"
    assert error_line(run_cli("expr", "-o", tmp_path, *SEED)).endswith(": is a folder")
    assert list(tmp_path.iterdir()) == []


def test_validate_names_a_node_with_the_wrong_number_of_operands(tmp_path: Path) -> None:
    path = write_json(tmp_path / "short.bpnet.json", {
        "format": "bpgui-network", "version": 1, "loss": "output",
        "neurons": [{"id": "x", "role": "input"}, {"id": "d", "role": "output", "op": "sub"}],
        "edges": [{"id": "d_x", "source": "x", "target": "d", "weight": 1}],
        "samples": [{"inputs": [1], "targets": [0]}]})
    line = error_line(run_cli("validate", path))
    assert line == (f"bpgui: error: {path}: neurons[1]: 'd' is sub, which takes exactly 2 "
                    "operands, not 1")


def test_validate_accepts_what_expr_writes(tmp_path: Path) -> None:
    out = tmp_path / "g.bpnet.json"
    assert run_cli("expr", "-o", out, "--at", "x=3", "--at", "y=-4", "--at", "z=2",
                   "--at", "w=-1", "2 * (x*y + max(z, w))").returncode == 0
    result = run_cli("validate", out)
    assert result.stdout == f"{out}: ok (9 neurons, 8 edges, 1 sample)\n"
    assert json.loads(out.read_text(encoding="utf-8"))["loss"] == "output"
