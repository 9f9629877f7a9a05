"""Every kind of bad input the specs name, through the real command line in a subprocess.

Each case asserts the contract of ``../shared/spec/cli.md``: exit status 2, exactly one
``bpgui: error: `` line on standard error that says where the problem is (a JSON path
such as ``edges[3].target``, a ``line:column``, the option, or the file), no traceback,
and no file changed, created or left behind in the working folder.

The bad documents are built by mutating ``BASE``, a small valid network, in the test.
File and document cases run through ``validate``; a representative subset (``FULL``)
also runs through ``trace``, ``check`` and ``train`` (the latter with a fresh ``--out``
target and a pre-existing ``--history`` file, neither of which may be touched).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bpgui.network import fileformat
from tests.cli_helpers import error_line, run_cli, snapshot, write_json

INPUT = "net.bpnet.json"
OLD_HISTORY = "old_history.csv"
OLD_OUT = "old_out.bpnet.json"
NEW_OUT = "new_out.bpnet.json"
HUGE_INT = "1" + "0" * 400  # a valid JSON number beyond double range

BASE: dict[str, Any] = {
    "format": "bpgui-network",
    "version": 1,
    "name": "base",
    "neurons": [
        {"id": "x1", "role": "input"},
        {"id": "x2", "role": "input"},
        {"id": "h1", "role": "hidden", "activation": "tanh", "bias": 0.1},
        {"id": "h2", "role": "hidden", "activation": "tanh", "bias": -0.2},
        {"id": "y", "role": "output", "activation": "sigmoid", "bias": 0.3},
    ],
    "edges": [
        {"id": "w1", "source": "x1", "target": "h1", "weight": 0.5},
        {"id": "w2", "source": "x2", "target": "h1", "weight": -0.4},
        {"id": "w3", "source": "x1", "target": "h2", "weight": 0.3},
        {"id": "w4", "source": "x2", "target": "h2", "weight": 0.2},
        {"id": "w5", "source": "h1", "target": "y", "weight": 1.5},
        {"id": "w6", "source": "h2", "target": "y", "weight": -1.1},
    ],
    "loss": "half_sse",
    "samples": [
        {"inputs": [0.0, 0.0], "targets": [0.0]},
        {"inputs": [0.0, 1.0], "targets": [1.0]},
        {"inputs": [1.0, 0.0], "targets": [1.0]},
    ],
    "training": {"learning_rate": 0.5, "mode": "batch", "batch_size": 2, "shuffle": False,
                 "seed": 0},
}


# ------------------------------------------------------------------ building bad documents
Key = str | int


def dumps(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def mutated(change: Callable[[dict[str, Any]], None]) -> bytes:
    document = copy.deepcopy(BASE)
    change(document)
    return dumps(document).encode()


def setting(*path_and_value: Any) -> bytes:
    """BASE with the value at ``path`` (keys and indices) set; the last argument is the value."""
    *path, value = path_and_value

    def change(document: dict[str, Any]) -> None:
        parent: Any = document
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, list) and path[-1] == len(parent):
            parent.append(value)
        else:
            parent[path[-1]] = value

    return mutated(change)


def deleting(*path: Key) -> bytes:
    def change(document: dict[str, Any]) -> None:
        parent: Any = document
        for key in path[:-1]:
            parent = parent[key]
        del parent[path[-1]]

    return mutated(change)


def position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of a character index, as JSON parsers report it."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def with_raw(*path: Key, raw: str) -> tuple[bytes, int, int]:
    """BASE with the raw JSON text ``raw`` (e.g. ``NaN``) as the value at ``path``."""
    marker = "\u2603MARK\u2603"
    text = setting(*path, marker).decode()
    index = text.index(f'"{marker}"')
    return text.replace(f'"{marker}"', raw).encode(), *position(text, index)


def with_duplicate_key(*path: Key, key: str) -> tuple[bytes, int, int]:
    """BASE where the object at ``path`` holds ``key`` twice; returns the second one's place."""
    marker = "dup\u2603"
    document = copy.deepcopy(BASE)
    parent: Any = document
    for k in path:
        parent = parent[k]
    parent[marker] = parent[key]
    text = dumps(document)
    index = text.index(f'"{marker}"')
    return text.replace(f'"{marker}"', f'"{key}"').encode(), *position(text, index)


# ------------------------------------------------------------- where the message must point
def at(path: str) -> str:
    """The JSON path itself, not a longer path that starts with it."""
    return rf"(?<![\w.\]]){re.escape(path)}(?![\w\[]|\.\w)"


def at_position(line: int, column: int | None = None) -> str:
    col = r"\d+" if column is None else str(column)
    return rf"(?<![\w.:]){line}:{col}(?!\d)|line {line},? column {col}(?!\d)"


def missing(parent: str, key: str) -> str:
    """A missing key: its would-be path, or the parent's path and the key's name."""
    if not parent:
        return rf"{at(key)}|'{key}'|\"{key}\""
    return rf"{at(f'{parent}.{key}')}|{at(parent)}.*\b{key}\b"


@dataclass(frozen=True)
class Bad:
    """One bad input file: its bytes (``None``: no such file, ``b'/'``: a folder)."""

    id: str
    content: bytes | None
    where: str                       # regex; the error line must match it
    words: tuple[str, ...] = ()      # each must appear in the error line too
    absent: tuple[str, ...] = ()     # words that must NOT appear in the error line


def raw_case(case_id: str, *path: Key, raw: str, json_path: str) -> Bad:
    content, line, column = with_raw(*path, raw=raw)
    return Bad(case_id, content, rf"{at(json_path)}|{at_position(line, column)}")


def duplicate_case(case_id: str, *path: Key, key: str, json_path: str) -> Bad:
    content, line, _ = with_duplicate_key(*path, key=key)
    return Bad(case_id, content, rf"{at(json_path)}|{at_position(line)}", words=(key,))


def _unquoted_value() -> Bad:
    text = dumps(BASE)
    index = text.index('"half_sse"')
    line, column = position(text, index)
    return Bad("json-syntax-unquoted-value", text.replace('"half_sse"', "half_sse").encode(),
               at_position(line, column))


def _trailing_comma() -> Bad:
    text = dumps(BASE)
    end = text.index('"seed": 0') + len('"seed": 0')
    bad = text[:end] + "," + text[end:]
    comma = position(bad, end)  # a parser may point at the stray comma
    brace = position(bad, bad.index("}", end))  # or at the brace where it wanted a key
    return Bad("json-syntax-trailing-comma", bad.encode(),
               f"{at_position(*comma)}|{at_position(*brace)}")


def _truncated() -> Bad:
    text = dumps(BASE).rstrip()[:-1]  # drop the final closing brace
    line, column = position(text, len(text))
    return Bad("json-syntax-truncated", text.encode(), at_position(line, column))


def _non_utf8() -> Bad:
    raw = dumps(BASE).replace('"base"', '"caf\u00e9"').encode("utf-8")
    latin = raw.replace("\u00e9".encode(), b"\xe9")
    index = latin.index(b"\xe9")
    line, column = position(latin.decode("latin-1"), index)
    return Bad("non-utf8-bytes", latin, rf"byte {index}\b|{at_position(line, column)}")


def _deeply_nested() -> Bad:
    text = dumps(BASE).rstrip()[:-1] + ',\n  "view": {"a": ' + "[" * 5000 + "]" * 5000 + "}\n}\n"
    return Bad("json-nested-5000-levels", text.encode(), re.escape(INPUT))


def _cycle() -> bytes:
    def change(doc: dict[str, Any]) -> None:
        doc["neurons"].insert(4, {"id": "h3", "role": "hidden", "bias": 0.0})
        doc["edges"] += [
            {"id": "c1", "source": "h1", "target": "h3", "weight": 1.0},
            {"id": "c2", "source": "h3", "target": "h2", "weight": 1.0},
            {"id": "c3", "source": "h2", "target": "h1", "weight": 1.0},
        ]

    return mutated(change)


CYCLE_PLACE = "|".join(at(p) for p in ("edges", "edges[6]", "edges[7]", "edges[8]",
                                       "edges[8].target"))

DOCUMENT_CASES: list[Bad] = [
    # -- the file itself
    Bad("missing-file", None, re.escape(INPUT), words=("no such file",)),
    Bad("a-folder", b"/", re.escape(INPUT), words=("folder",)),
    _non_utf8(),
    Bad("empty-file", b"", at_position(1, 1)),
    _unquoted_value(),
    _trailing_comma(),
    _truncated(),
    _deeply_nested(),
    Bad("top-level-array", b"[]\n", re.escape(INPUT), words=("object",)),
    Bad("top-level-number", b"42\n", re.escape(INPUT), words=("object",)),
    Bad("top-level-null", b"null\n", re.escape(INPUT), words=("object",)),
    # -- format and version
    Bad("format-missing", deleting("format"), missing("", "format")),
    Bad("format-wrong", setting("format", "bpgui-net"), at("format")),
    Bad("format-not-string", setting("format", 1), at("format")),
    Bad("version-2", setting("version", 2), at("version")),
    Bad("version-string", setting("version", "1"), at("version")),
    Bad("version-float", setting("version", 1.0), at("version")),
    Bad("version-true", setting("version", True), at("version")),
    Bad("version-missing", deleting("version"), missing("", "version")),
    # -- unknown keys
    Bad("unknown-top-level-key", setting("colour", "red"), at("colour")),
    Bad("unknown-neuron-key", setting("neurons", 2, "colour", "red"), at("neurons[2].colour")),
    Bad("unknown-edge-key", setting("edges", 1, "wieght", 1), at("edges[1].wieght")),
    Bad("unknown-sample-key", setting("samples", 1, "target", [1]), at("samples[1].target")),
    Bad("unknown-training-key", setting("training", "lr", 0.1), at("training.lr")),
    # -- wrong types of the containers
    Bad("neurons-missing", deleting("neurons"), missing("", "neurons")),
    Bad("edges-missing", deleting("edges"), missing("", "edges")),
    Bad("neurons-not-array", setting("neurons", {}), at("neurons")),
    Bad("edges-not-array", setting("edges", "w1"), at("edges")),
    Bad("neuron-not-object", setting("neurons", 1, "x2"), at("neurons[1]")),
    Bad("edge-not-object", setting("edges", 0, ["x1", "h1"]), at("edges[0]")),
    Bad("samples-not-array", setting("samples", {}), at("samples")),
    Bad("sample-not-object", setting("samples", 1, [[0, 1], [1]]), at("samples[1]")),
    Bad("training-not-object", setting("training", 0.5), at("training")),
    Bad("name-not-string", setting("name", 5), at("name")),
    Bad("description-not-string", setting("description", ["a"]), at("description")),
    Bad("view-not-object", setting("view", []), at("view")),
    # -- required keys of neurons, edges and samples
    Bad("neuron-id-missing", deleting("neurons", 2, "id"), missing("neurons[2]", "id")),
    Bad("neuron-role-missing", deleting("neurons", 2, "role"), missing("neurons[2]", "role")),
    Bad("edge-id-missing", deleting("edges", 2, "id"), missing("edges[2]", "id")),
    Bad("edge-source-missing", deleting("edges", 2, "source"), missing("edges[2]", "source")),
    Bad("edge-target-missing", deleting("edges", 2, "target"), missing("edges[2]", "target")),
    Bad("edge-weight-missing", deleting("edges", 2, "weight"), missing("edges[2]", "weight")),
    Bad("sample-inputs-missing", deleting("samples", 1, "inputs"),
        missing("samples[1]", "inputs")),
    Bad("sample-targets-missing", deleting("samples", 1, "targets"),
        missing("samples[1]", "targets")),
    # -- ids
    Bad("neuron-id-starts-with-digit", setting("neurons", 2, "id", "2h"), at("neurons[2].id")),
    Bad("neuron-id-with-dash", setting("neurons", 2, "id", "h-1"), at("neurons[2].id")),
    Bad("neuron-id-empty", setting("neurons", 2, "id", ""), at("neurons[2].id")),
    Bad("neuron-id-65-chars", setting("neurons", 2, "id", "h" * 65), at("neurons[2].id")),
    Bad("neuron-id-unicode", setting("neurons", 2, "id", "h\u2081"), at("neurons[2].id")),
    Bad("neuron-id-number", setting("neurons", 2, "id", 7), at("neurons[2].id")),
    Bad("edge-id-with-space", setting("edges", 0, "id", "w 1"), at("edges[0].id")),
    Bad("duplicate-neuron-id", setting("neurons", 3, "id", "h1"), at("neurons[3].id"),
        words=("h1",)),
    Bad("duplicate-edge-id", setting("edges", 3, "id", "w1"), at("edges[3].id"),
        words=("w1",)),
    # -- roles and activations
    Bad("bad-role", setting("neurons", 2, "role", "hiden"), at("neurons[2].role"),
        words=("hiden",)),
    Bad("role-not-string", setting("neurons", 2, "role", 1), at("neurons[2].role")),
    Bad("unknown-activation", setting("neurons", 2, "activation", "relu6"),
        at("neurons[2].activation"), words=("relu6",)),
    Bad("activation-not-string", setting("neurons", 2, "activation", 3),
        at("neurons[2].activation")),
    Bad("input-with-activation", setting("neurons", 0, "activation", "tanh"),
        at("neurons[0].activation")),
    Bad("input-with-bias", setting("neurons", 0, "bias", 0.0), at("neurons[0].bias")),
    Bad("input-with-train_bias", setting("neurons", 1, "train_bias", False),
        at("neurons[1].train_bias")),
    # -- numbers and booleans of neurons and edges
    raw_case("bias-NaN-literal", "neurons", 2, "bias", raw="NaN", json_path="neurons[2].bias"),
    raw_case("bias-Infinity-literal", "neurons", 2, "bias", raw="Infinity",
             json_path="neurons[2].bias"),
    raw_case("bias-minus-Infinity-literal", "neurons", 3, "bias", raw="-Infinity",
             json_path="neurons[3].bias"),
    raw_case("bias-1e400", "neurons", 2, "bias", raw="1e400", json_path="neurons[2].bias"),
    raw_case("bias-huge-integer", "neurons", 2, "bias", raw=HUGE_INT,
             json_path="neurons[2].bias"),
    Bad("bias-string", setting("neurons", 2, "bias", "0.1"), at("neurons[2].bias")),
    Bad("bias-boolean", setting("neurons", 2, "bias", True), at("neurons[2].bias")),
    Bad("bias-null", setting("neurons", 2, "bias", None), at("neurons[2].bias")),
    raw_case("weight-NaN-literal", "edges", 3, "weight", raw="NaN", json_path="edges[3].weight"),
    raw_case("weight-Infinity-literal", "edges", 3, "weight", raw="Infinity",
             json_path="edges[3].weight"),
    raw_case("weight-minus-1e400", "edges", 3, "weight", raw="-1e400",
             json_path="edges[3].weight"),
    raw_case("weight-huge-integer", "edges", 3, "weight", raw=HUGE_INT,
             json_path="edges[3].weight"),
    Bad("weight-string", setting("edges", 3, "weight", "0.2"), at("edges[3].weight")),
    Bad("weight-boolean", setting("edges", 3, "weight", False), at("edges[3].weight")),
    Bad("weight-null", setting("edges", 3, "weight", None), at("edges[3].weight")),
    raw_case("x-Infinity-literal", "neurons", 1, "x", raw="Infinity", json_path="neurons[1].x"),
    raw_case("y-1e400", "neurons", 4, "y", raw="1e400", json_path="neurons[4].y"),
    raw_case("x-huge-integer", "neurons", 1, "x", raw=HUGE_INT, json_path="neurons[1].x"),
    Bad("x-string", setting("neurons", 1, "x", "left"), at("neurons[1].x")),
    Bad("y-boolean", setting("neurons", 4, "y", True), at("neurons[4].y")),
    Bad("train_bias-not-boolean", setting("neurons", 2, "train_bias", 0),
        at("neurons[2].train_bias")),
    Bad("trainable-not-boolean", setting("edges", 0, "trainable", "yes"),
        at("edges[0].trainable")),
    Bad("neuron-label-not-string", setting("neurons", 2, "label", 5), at("neurons[2].label")),
    Bad("edge-label-not-string", setting("edges", 0, "label", None), at("edges[0].label")),
    # -- duplicate keys in one JSON object
    duplicate_case("duplicate-key-in-neuron", "neurons", 2, key="bias",
                   json_path="neurons[2].bias"),
    duplicate_case("duplicate-key-at-top-level", key="loss", json_path="loss"),
    # -- the graph
    Bad("unknown-target", setting("edges", 3, "target", "nope"), at("edges[3].target"),
        words=("nope",)),
    Bad("unknown-source", setting("edges", 0, "source", "nope"), at("edges[0].source"),
        words=("nope",)),
    Bad("source-not-string", setting("edges", 0, "source", 1), at("edges[0].source")),
    Bad("edge-into-input", setting("edges", 4, "target", "x1"), at("edges[4].target"),
        words=("x1",)),
    Bad("self-loop", setting("edges", 4, "target", "h1"),
        "|".join(at(p) for p in ("edges[4]", "edges[4].target", "edges[4].source")),
        words=("h1",)),
    Bad("same-source-and-target-twice",
        setting("edges", 6, {"id": "w7", "source": "x1", "target": "h1", "weight": 1.0}),
        "|".join(at(p) for p in ("edges[6]", "edges[6].source", "edges[6].target")),
        words=("x1", "h1")),
    Bad("directed-cycle", _cycle(), CYCLE_PLACE, words=("h1", "h2", "h3"),
        absent=("x1", "x2")),
    # -- samples
    Bad("sample-too-few-inputs", setting("samples", 2, "inputs", [1.0]),
        at("samples[2].inputs")),
    Bad("sample-too-many-targets", setting("samples", 1, "targets", [1.0, 0.0]),
        at("samples[1].targets")),
    Bad("sample-inputs-not-array", setting("samples", 0, "inputs", 1.0),
        at("samples[0].inputs")),
    Bad("sample-input-string", setting("samples", 1, "inputs", 1, "1"),
        at("samples[1].inputs[1]")),
    Bad("sample-input-boolean", setting("samples", 1, "inputs", 0, True),
        at("samples[1].inputs[0]")),
    Bad("sample-target-null", setting("samples", 2, "targets", 0, None),
        at("samples[2].targets[0]")),
    raw_case("sample-input-NaN-literal", "samples", 1, "inputs", 0, raw="NaN",
             json_path="samples[1].inputs[0]"),
    raw_case("sample-target-1e400", "samples", 1, "targets", 0, raw="1e400",
             json_path="samples[1].targets[0]"),
    raw_case("sample-input-huge-integer", "samples", 1, "inputs", 0, raw=HUGE_INT,
             json_path="samples[1].inputs[0]"),
    # -- loss and training
    Bad("unknown-loss", setting("loss", "mae"), at("loss"), words=("mae",)),
    Bad("loss-not-string", setting("loss", 1), at("loss")),
    Bad("learning_rate-0", setting("training", "learning_rate", 0), at("training.learning_rate")),
    Bad("learning_rate-negative", setting("training", "learning_rate", -0.5),
        at("training.learning_rate")),
    Bad("learning_rate-string", setting("training", "learning_rate", "0.5"),
        at("training.learning_rate")),
    Bad("learning_rate-boolean", setting("training", "learning_rate", True),
        at("training.learning_rate")),
    raw_case("learning_rate-Infinity-literal", "training", "learning_rate", raw="Infinity",
             json_path="training.learning_rate"),
    raw_case("learning_rate-1e400", "training", "learning_rate", raw="1e400",
             json_path="training.learning_rate"),
    raw_case("learning_rate-huge-integer", "training", "learning_rate", raw=HUGE_INT,
             json_path="training.learning_rate"),
    Bad("unknown-mode", setting("training", "mode", "online"), at("training.mode"),
        words=("online",)),
    Bad("batch_size-0", setting("training", "batch_size", 0), at("training.batch_size")),
    Bad("batch_size-1.5", setting("training", "batch_size", 1.5), at("training.batch_size")),
    Bad("batch_size-string", setting("training", "batch_size", "2"), at("training.batch_size")),
    Bad("batch_size-boolean", setting("training", "batch_size", True),
        at("training.batch_size")),
    Bad("shuffle-string", setting("training", "shuffle", "yes"), at("training.shuffle")),
    Bad("shuffle-integer", setting("training", "shuffle", 1), at("training.shuffle")),
    Bad("seed-float", setting("training", "seed", 1.5), at("training.seed")),
    Bad("seed-string", setting("training", "seed", "0"), at("training.seed")),
    Bad("seed-boolean", setting("training", "seed", False), at("training.seed")),
]


# Also run through trace, check and train: one or two of each family of mistakes.
FULL = {
    "missing-file", "a-folder", "non-utf8-bytes", "json-syntax-unquoted-value",
    "unknown-top-level-key", "duplicate-neuron-id", "bias-NaN-literal", "bias-huge-integer",
    "duplicate-key-in-neuron", "unknown-target", "directed-cycle", "learning_rate-0",
}


def _document_params() -> list[Any]:
    params = []
    for case in DOCUMENT_CASES:
        full = case.id in FULL
        commands = ("validate", "train", "trace", "check") if full else ("validate",)
        params += [pytest.param(case, command, id=f"{case.id}-{command}")
                   for command in commands]
    return params


def _prepare(folder: Path, content: bytes | None) -> None:
    if content == b"/":
        (folder / INPUT).mkdir()
    elif content is not None:
        (folder / INPUT).write_bytes(content)
    (folder / OLD_HISTORY).write_text("iteration,loss\n0,0.25\n", encoding="utf-8")
    (folder / OLD_OUT).write_bytes(dumps(BASE).encode())


def assert_clean_failure(folder: Path, args: list[str], where: str, words: tuple[str, ...] = (),
                         absent: tuple[str, ...] = ()) -> str:
    """Run the CLI in ``folder``; it must fail per the contract and change no file there."""
    before = snapshot(folder)
    result = run_cli(*args, cwd=folder)
    line = error_line(result, 2)
    assert re.search(where, line), f"the error does not say where (/{where}/): {line}"
    for word in words:
        assert word in line, f"{word!r} missing from: {line}"
    for word in absent:
        assert not re.search(rf"\b{re.escape(word)}\b", line), f"{word!r} in: {line}"
    assert snapshot(folder) == before, "a file was changed, created or left behind"
    assert not (folder / NEW_OUT).exists()
    return line


@pytest.mark.parametrize(("case", "command"), _document_params())
def test_bad_file(tmp_path: Path, case: Bad, command: str) -> None:
    _prepare(tmp_path, case.content)
    args = [command, INPUT]
    if command == "train":
        args += ["--out", NEW_OUT, "--history", OLD_HISTORY]
    line = assert_clean_failure(tmp_path, args, case.where, case.words, case.absent)
    assert INPUT in line, f"the error does not name the file: {line}"


# -------------------------------------------------------------------------- command options
@dataclass(frozen=True)
class BadOption:
    id: str
    args: tuple[str, ...]   # after the subcommand; INPUT is the valid BASE file
    where: str


def _option(case_id: str, command: str, *args: str, where: str) -> BadOption:
    return BadOption(case_id, (command, *args), where)


OPTION_CASES: list[BadOption] = [
    _option("train-unknown-option", "train", INPUT, "--bogus", "1", where=r"--bogus"),
    _option("trace-train-only-option", "trace", INPUT, "--iterations", "3",
            where=r"--iterations"),
    _option("validate-unknown-option", "validate", INPUT, "--eps", "1", where=r"--eps"),
    _option("trace-missing-file-argument", "trace", where=r"\bfile\b|FILE"),
    _option("iterations--1", "train", INPUT, "--iterations", "-1", where=r"--iterations"),
    _option("iterations-abc", "train", INPUT, "--iterations", "abc", where=r"--iterations"),
    _option("iterations-1.5", "train", INPUT, "--iterations", "1.5", where=r"--iterations"),
    _option("lr-0", "train", INPUT, "--lr", "0", where=r"--lr"),
    _option("lr--1", "train", INPUT, "--lr", "-1", where=r"--lr"),
    _option("lr-nan", "train", INPUT, "--lr", "nan", where=r"--lr"),
    _option("lr-inf", "train", INPUT, "--lr", "inf", where=r"--lr"),
    _option("lr-1e400", "train", INPUT, "--lr", "1e400", where=r"--lr"),
    _option("lr-abc", "train", INPUT, "--lr", "abc", where=r"--lr"),
    _option("batch-size-0", "train", INPUT, "--batch-size", "0", where=r"--batch-size"),
    _option("batch-size-1.5", "train", INPUT, "--batch-size", "1.5", where=r"--batch-size"),
    _option("mode-bogus", "train", INPUT, "--mode", "bogus", where=r"--mode"),
    _option("seed-abc", "train", INPUT, "--seed", "abc", where=r"--seed"),
    _option("sample-99", "trace", INPUT, "--sample", "99", where=r"--sample|sample 99\b"),
    _option("sample-3-one-past-the-end", "trace", INPUT, "--sample", "3",
            where=r"--sample|sample 3\b"),
    _option("sample--1", "trace", INPUT, "--sample", "-1", where=r"--sample"),
    _option("digits-0", "trace", INPUT, "--digits", "0", where=r"--digits"),
    _option("digits-18", "trace", INPUT, "--digits", "18", where=r"--digits"),
    _option("worksheet-digits-40", "worksheet", INPUT, "--digits", "40", "-o", "sheet.html",
            where=r"--digits"),
    _option("eps-0", "check", INPUT, "--eps", "0", where=r"--eps"),
    _option("eps--1", "check", INPUT, "--eps", "-1", where=r"--eps"),
    _option("eps-nan", "check", INPUT, "--eps", "nan", where=r"--eps"),
    _option("out-into-missing-folder", "train", INPUT, "--out", "nowhere/trained.bpnet.json",
            where=r"--out"),
    _option("out-is-the-input", "train", INPUT, "--out", INPUT, where=r"--out"),
    _option("out-is-the-input-by-another-name", "train", INPUT, "--out", f"./sub/../{INPUT}",
            where=r"--out"),
    _option("out-is-a-folder", "train", INPUT, "--out", "sub", where=r"--out"),
    _option("history-into-missing-folder", "train", INPUT, "--history", "nowhere/h.csv",
            where=r"--history"),
    _option("history-is-the-input", "train", INPUT, "--history", INPUT, where=r"--history"),
    _option("lr-0-with-existing-out", "train", INPUT, "--lr", "0", "--out", OLD_OUT,
            "--history", OLD_HISTORY, where=r"--lr"),
    _option("iterations-abc-with-new-out", "train", INPUT, "--iterations", "abc", "--out",
            NEW_OUT, where=r"--iterations"),
]


@pytest.mark.parametrize("case", OPTION_CASES, ids=lambda c: c.id)
def test_bad_option(tmp_path: Path, case: BadOption) -> None:
    _prepare(tmp_path, dumps(BASE).encode())
    (tmp_path / "sub").mkdir()
    assert_clean_failure(tmp_path, list(case.args), case.where)


# ------------------------------------------------- valid files that a subcommand cannot use
def _no_outputs(doc: dict[str, Any]) -> None:
    doc["neurons"][4]["role"] = "hidden"
    for sample in doc["samples"]:
        sample["targets"] = []


def _no_samples(doc: dict[str, Any]) -> None:
    doc["samples"] = []


@pytest.mark.parametrize("command", ["trace", "train", "check"])
@pytest.mark.parametrize(("change", "word"), [(_no_outputs, "output"), (_no_samples, "sample")],
                         ids=["no-output-neurons", "no-samples"])
def test_network_the_command_cannot_use(tmp_path: Path, command: str,
                                        change: Callable[[dict[str, Any]], None],
                                        word: str) -> None:
    _prepare(tmp_path, mutated(change))
    fileformat.load(tmp_path / INPUT)  # the file itself is valid
    args = [command, INPUT]
    if command == "train":
        args += ["--out", NEW_OUT, "--history", OLD_HISTORY]
    assert_clean_failure(tmp_path, args, re.escape(word))


def test_numbers_too_large_for_double_precision(tmp_path: Path) -> None:
    """A valid file whose forward pass overflows: trace refuses it (2), train stops (3)."""
    _prepare(tmp_path, setting("edges", 4, "weight", 1e308))
    doc = json.loads((tmp_path / INPUT).read_text(encoding="utf-8"))
    for neuron in doc["neurons"][2:]:
        neuron["activation"] = "identity"
    doc["samples"][0]["inputs"] = [1e300, 1e300]
    write_json(tmp_path / INPUT, doc)
    fileformat.load(tmp_path / INPUT)  # the file itself is valid
    assert_clean_failure(tmp_path, ["trace", INPUT], r"too large|overflow|finite|NaN|inf")
    before = snapshot(tmp_path)
    result = run_cli("train", INPUT, "--out", NEW_OUT, "--history", OLD_HISTORY, cwd=tmp_path)
    line = error_line(result, 3)
    assert re.search(r"\biteration \d+", line), line
    assert snapshot(tmp_path) == before and not (tmp_path / NEW_OUT).exists()


def test_case_ids_are_unique_and_full_names_real_cases() -> None:
    ids = [case.id for case in DOCUMENT_CASES]
    assert len(ids) == len(set(ids))
    assert set(ids) >= FULL


def test_base_network_is_valid(tmp_path: Path) -> None:
    """The cases above fail because of their mutation, not because BASE is broken."""
    path = write_json(tmp_path / INPUT, BASE)
    for command in ("validate", "trace", "check", "train"):
        result = run_cli(command, path)
        assert result.returncode == 0, result.stderr
