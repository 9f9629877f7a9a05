"""Tests for bpgui.network.fileformat: load, validate and save network files (format v1).

Round trips (load -> save -> load) are lossless for every shipped sample and for a
hand-written network that uses every optional key, and a second save is byte-identical
to the first. Saving is atomic: a failing save leaves the user's file byte-identical and
no temp file behind; a new file gets ``0o666 & ~umask``, an existing one keeps its mode.
"""

from __future__ import annotations

import copy
import errno
import json
import math
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bpgui.network import fileformat
from bpgui.network.errors import BpguiError, NetworkError
from bpgui.network.fileformat import FileError
from bpgui.network.model import Edge, Network, Neuron, Sample, TrainingSettings
from tests.cli_helpers import SAMPLE_FILES, snapshot

# Every optional key, written the way network_to_dict writes it, so that
# network_to_dict(load(FULL)) must equal FULL exactly.
FULL: dict[str, Any] = {
    "format": "bpgui-network",
    "version": 1,
    "name": "Every key \u2014 ŷ",
    "description": "Line one.\nLine two: x₁, x₂ → h → ŷ; ∂L/∂w = …",
    "neurons": [
        {"id": "x1", "role": "input", "label": "x\u2081", "x": 0.0, "y": -12.5},
        {"id": "x2", "role": "input", "label": "x\u2082"},
        {"id": "h", "role": "hidden", "label": "h", "activation": "tanh", "bias": -0.25,
         "train_bias": False, "x": 150.5, "y": 40.0},
        {"id": "_skip_1", "role": "hidden", "activation": "leaky_relu", "bias": 1e-300},
        {"id": "y", "role": "output", "label": "ŷ", "activation": "sigmoid",
         "bias": 0.30000000000000004, "x": 300.0, "y": 1e6},
    ],
    "edges": [
        {"id": "w1", "source": "x1", "target": "h", "weight": 0.1, "label": "w\u2081"},
        {"id": "w2", "source": "x2", "target": "h", "weight": -2.5, "trainable": False},
        {"id": "w3", "source": "x1", "target": "_skip_1", "weight": 5e-324},
        {"id": "w4", "source": "h", "target": "y", "weight": 1.7976931348623157e308,
         "trainable": False, "label": "\u03c9\u2084"},
        {"id": "w5", "source": "x2", "target": "y", "weight": -0.0},
        {"id": "w6", "source": "_skip_1", "target": "y", "weight": 3.0},
    ],
    "loss": "bce",
    "samples": [
        {"inputs": [0.0, 1.0], "targets": [1.0]},
        {"inputs": [-1.5, 2.25], "targets": [0.0]},
    ],
    "training": {"learning_rate": 0.125, "mode": "minibatch", "batch_size": 3,
                 "shuffle": True, "seed": 12345},
    "view": {"zoom": 1.5, "theme": "dark", "panels": {"left": [1, 2, {"deep": None}],
                                                       "open": True}, "note": "ŷ"},
}


def write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def small_network() -> Network:
    return Network(
        [Neuron("x", "input"), Neuron("y", "output", "sigmoid", 0.1, label="ŷ")],
        [Edge("w", "x", "y", 0.5)],
        samples=[Sample([1.0], [1.0])],
        name="small",
    )


def assert_same_bits(a: Any, b: Any) -> None:
    """Equal documents, with floats equal to the bit (so -0.0 differs from 0.0)."""
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert a == b


@pytest.fixture
def umask() -> Iterator[Any]:
    """Set the process umask inside a test; the old one comes back afterwards."""
    old = os.umask(0o022)
    os.umask(old)
    try:
        yield os.umask
    finally:
        os.umask(old)


# ------------------------------------------------------------------------------ round trips
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_sample_round_trip_is_lossless(tmp_path: Path, path: Path) -> None:
    original = fileformat.load(path)
    first, second = tmp_path / "first.bpnet.json", tmp_path / "second.bpnet.json"
    fileformat.save(original, first)
    reloaded = fileformat.load(first)
    assert_same_bits(fileformat.network_to_dict(reloaded), fileformat.network_to_dict(original))
    fileformat.save(reloaded, second)
    assert second.read_bytes() == first.read_bytes()


def test_every_optional_key_is_read(tmp_path: Path) -> None:
    net = fileformat.load(write(tmp_path / "full.bpnet.json", FULL))
    assert net.name == FULL["name"] and net.description == FULL["description"]
    x1, h, y = net.neuron("x1"), net.neuron("h"), net.neuron("y")
    assert (x1.label, x1.x, x1.y) == ("x\u2081", 0.0, -12.5)
    assert net.neuron("x2").x is None and net.neuron("x2").y is None
    assert (h.activation, h.bias, h.train_bias, h.label) == ("tanh", -0.25, False, "h")
    assert y.label == "ŷ" and y.display_label == "ŷ" and y.bias == 0.30000000000000004
    assert net.neuron("_skip_1").label is None and net.neuron("_skip_1").display_label == "_skip_1"
    assert net.edge("w2").trainable is False and net.edge("w1").trainable is True
    assert net.edge("w4").label == "\u03c9\u2084"
    assert net.edge("w4").weight == 1.7976931348623157e308
    assert net.edge("w3").weight == 5e-324
    assert math.copysign(1.0, net.edge("w5").weight) == -1.0
    assert net.loss == "bce"
    assert net.samples == [Sample([0.0, 1.0], [1.0]), Sample([-1.5, 2.25], [0.0])]
    assert net.training == TrainingSettings(0.125, "minibatch", 3, True, 12345)
    assert net.view == FULL["view"]


def test_every_optional_key_round_trips(tmp_path: Path) -> None:
    source = write(tmp_path / "full.bpnet.json", FULL)
    net = fileformat.load(source)
    assert_same_bits(fileformat.network_to_dict(net), FULL)
    first, second = tmp_path / "first.bpnet.json", tmp_path / "second.bpnet.json"
    fileformat.save(net, first)
    again = fileformat.load(first)
    assert_same_bits(fileformat.network_to_dict(again), FULL)
    fileformat.save(again, second)
    assert second.read_bytes() == first.read_bytes()
    text = first.read_bytes().decode("utf-8")  # UTF-8, and Unicode is written as itself
    assert "x\u2081" in text and "ŷ" in text and "\\u" not in text


def test_defaults_are_filled_in_and_written_out(tmp_path: Path) -> None:
    minimal = {"format": "bpgui-network", "version": 1,
               "neurons": [{"id": "x", "role": "input"}, {"id": "y", "role": "output"}],
               "edges": [{"id": "w", "source": "x", "target": "y", "weight": 2}]}
    net = fileformat.load(write(tmp_path / "min.json", minimal))
    y = net.neuron("y")
    assert (y.activation, y.bias, y.train_bias, y.label, y.x, y.y) == (
        "sigmoid", 0.0, True, None, None, None)
    assert net.loss == "half_sse" and net.samples == [] and net.view == {}
    assert net.training == TrainingSettings()
    assert net.name is None and net.description is None
    again = fileformat.loads(fileformat.dumps(net))
    assert_same_bits(fileformat.network_to_dict(again), fileformat.network_to_dict(net))


def test_view_is_preserved_as_is(tmp_path: Path) -> None:
    doc = copy.deepcopy(FULL)
    doc["view"] = {"unknown_future_key": {"a": [1, 2.5, "s", None, True]}, "zoom": 2}
    net = fileformat.load(write(tmp_path / "v.json", doc))
    assert fileformat.network_to_dict(net)["view"] == doc["view"]


def test_a_deep_view_that_loads_can_be_copied_and_saved(tmp_path: Path) -> None:
    """``view`` is free-form; whatever load accepts, copy() and save() must handle."""
    doc = copy.deepcopy(FULL)
    nested: Any = []
    for _ in range(600):
        nested = [nested]
    doc["view"] = {"deep": nested}
    net = fileformat.load(write(tmp_path / "deep.json", doc))
    clone = net.copy()
    fileformat.save(clone, tmp_path / "saved.json")
    assert fileformat.load(tmp_path / "saved.json").view == doc["view"]


# ------------------------------------------------------------------------ load and validate
def test_load_reports_json_syntax_as_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "format": "bpgui-network",\n  "version": 1,\n  "neurons": [,]\n}\n',
                    encoding="utf-8")
    with pytest.raises(FileError) as info:
        fileformat.load(path)
    assert str(info.value).startswith(f"{path}: 4:")
    assert "4:15" in str(info.value)


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d["edges"][3].update(target="nope"), "edges[3].target"),
    (lambda d: d["neurons"][2].update(bias="0"), "neurons[2].bias"),
    (lambda d: d["samples"][1].update(inputs=[1.0]), "samples[1].inputs"),
    (lambda d: d["training"].update(learning_rate=0), "training.learning_rate"),
    (lambda d: d["neurons"][0].update(bias=0.0), "neurons[0].bias"),
    (lambda d: d.update(extra=1), "extra"),
], ids=["unknown-target", "string-bias", "short-sample", "zero-lr", "input-bias", "extra-key"])
def test_loads_names_the_json_path(change: Any, where: str) -> None:
    doc = copy.deepcopy(FULL)
    change(doc)
    with pytest.raises(NetworkError) as info:
        fileformat.loads(json.dumps(doc))
    assert info.value.path == where
    assert str(info.value).startswith(f"{where}: ")


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_samples_validate(path: Path) -> None:
    fileformat.load(path).validate()


@pytest.mark.parametrize(("break_it", "where"), [
    (lambda n: setattr(n.edges[0], "weight", math.nan), "edges[0].weight"),
    (lambda n: setattr(n.neurons[1], "bias", math.inf), "neurons[1].bias"),
    (lambda n: setattr(n.neurons[1], "activation", "gelu"), "neurons[1].activation"),
    (lambda n: n.edges.append(Edge("w2", "y", "x", 1.0)), "edges[1].target"),
    (lambda n: n.samples.append(Sample([1.0, 2.0], [0.0])), "samples[1].inputs"),
    (lambda n: setattr(n, "loss", "mae"), "loss"),
    (lambda n: setattr(n.training, "batch_size", 0), "training.batch_size"),
], ids=["nan-weight", "inf-bias", "activation", "into-input", "sample-length", "loss",
        "batch-size"])
def test_validate_names_the_json_path(break_it: Any, where: str) -> None:
    net = small_network()
    break_it(net)
    with pytest.raises(NetworkError) as info:
        net.validate()
    assert info.value.path == where


# ------------------------------------------------------------------------------ atomic save
@pytest.fixture
def saved(tmp_path: Path) -> tuple[Network, Path]:
    """A network saved to ``net.bpnet.json`` in an otherwise empty folder."""
    net = fileformat.load(write(tmp_path / "source.json", FULL))
    (tmp_path / "source.json").unlink()
    path = tmp_path / "net.bpnet.json"
    fileformat.save(net, path)
    return net, path


def test_failing_validation_leaves_the_file_alone(saved: tuple[Network, Path]) -> None:
    net, path = saved
    before = snapshot(path.parent)
    net.edges[0].weight = math.nan
    with pytest.raises(NetworkError):
        fileformat.save(net, path)
    assert snapshot(path.parent) == before


def test_failing_rename_leaves_the_file_alone(saved: tuple[Network, Path],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    net, path = saved
    before = snapshot(path.parent)
    net.edges[0].weight = 0.75

    def refuse(*_: Any) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(FileError) as info:
        fileformat.save(net, path)
    assert str(path) in str(info.value)
    assert snapshot(path.parent) == before


def test_failing_write_leaves_the_file_alone(saved: tuple[Network, Path],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    net, path = saved
    before = snapshot(path.parent)
    net.edges[0].weight = 0.75

    def disk_full(*_: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(FileError):
        fileformat.save(net, path)
    assert snapshot(path.parent) == before


def test_interrupted_save_leaves_the_file_alone(saved: tuple[Network, Path],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    net, path = saved
    before = snapshot(path.parent)
    net.edges[0].weight = 0.75

    def interrupt(*_: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        fileformat.save(net, path)
    assert snapshot(path.parent) == before


def test_unwritable_view_leaves_the_file_alone(saved: tuple[Network, Path]) -> None:
    net, path = saved
    before = snapshot(path.parent)
    net.view = {"zoom": math.nan}
    with pytest.raises((ValueError, BpguiError)):
        fileformat.save(net, path)
    assert snapshot(path.parent) == before


def test_save_into_a_missing_folder_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileError):
        fileformat.save(small_network(), tmp_path / "missing" / "net.bpnet.json")
    assert snapshot(tmp_path) == {}


def test_save_onto_a_folder_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    before = snapshot(tmp_path)
    with pytest.raises(FileError):
        fileformat.save(small_network(), tmp_path / "folder")
    assert snapshot(tmp_path) == before


def test_successful_save_replaces_the_file_and_leaves_no_temp(saved: tuple[Network, Path]
                                                             ) -> None:
    net, path = saved
    net.edges[0].weight = 0.75
    fileformat.save(net, path)
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert fileformat.load(path).edge("w1").weight == 0.75


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077, 0o027], ids=oct)
def test_new_file_gets_the_umask_mode(tmp_path: Path, umask: Any, mask: int) -> None:
    umask(mask)
    path = tmp_path / "new.bpnet.json"
    fileformat.save(small_network(), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o755, 0o600, 0o664], ids=oct)
def test_existing_file_keeps_its_mode(saved: tuple[Network, Path], umask: Any, mode: int
                                      ) -> None:
    net, path = saved
    umask(0o077)  # the mode must come from the old file, not from the umask
    path.chmod(mode)
    net.edges[0].weight = 0.75
    fileformat.save(net, path)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert fileformat.load(path).edge("w1").weight == 0.75


def test_save_refuses_what_load_would_refuse(tmp_path: Path) -> None:
    """Whatever save() writes must load again; a name that is no string must be refused."""
    net = small_network()
    net.name = 5  # type: ignore[assignment]
    path = tmp_path / "net.bpnet.json"
    with pytest.raises(NetworkError):
        fileformat.save(net, path)
    assert not path.exists()
