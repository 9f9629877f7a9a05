"""The JSON Schema in resources/ agrees with the reader on what a v1 file looks like."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bpgui.network import fileformat
from bpgui.network.errors import NetworkError
from bpgui.network.functions import ACTIVATIONS, LOSSES
from bpgui.network.lesson import GRANULARITIES, Scene
from bpgui.network.model import (
    MODES,
    OPTIMIZER_NAMES,
    ROLES,
    SCHEDULE_NAMES,
    SPLIT_NAMES,
    Network,
    Neuron,
    TrainingSettings,
)
from bpgui.network.operations import OPERATIONS

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "resources" / "bpgui-network.schema.json").read_text("utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def test_schema_is_itself_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", sorted((ROOT / "sample_networks").glob("*.bpnet.json")),
                         ids=lambda p: p.name)
def test_every_sample_passes_the_schema(path: Path) -> None:
    VALIDATOR.validate(json.loads(path.read_text("utf-8")))


BASE: dict[str, Any] = {
    "format": "bpgui-network", "version": 1,
    "neurons": [{"id": "x", "role": "input"}, {"id": "y", "role": "output"}],
    "edges": [{"id": "w", "source": "x", "target": "y", "weight": 0.5}],
}


@pytest.mark.parametrize(("patch", "why"), [
    ({"version": 2}, "version"),
    ({"colour": "red"}, "unknown top-level key"),
    ({"loss": "hinge"}, "unknown loss"),
    ({"neurons": [{"id": "x", "role": "input", "bias": 1}, {"id": "y", "role": "output"}]},
     "input with a bias"),
    ({"neurons": [{"id": "1x", "role": "input"}, {"id": "y", "role": "output"}]}, "bad id"),
    ({"edges": [{"id": "w", "source": "x", "target": "y", "weight": "big"}]}, "weight string"),
    ({"training": {"learning_rate": 0}}, "learning rate 0"),
    ({"training": {"batch_size": 0}}, "batch size 0"),
    ({"neurons": [{"id": "x", "role": "input"}, {"id": "y", "role": "output", "op": "plus"}]},
     "unknown operation"),
    ({"neurons": [{"id": "x", "role": "input", "op": "add"}, {"id": "y", "role": "output"}]},
     "an input with an operation"),
    ({"neurons": [{"id": "x", "role": "input"},
                  {"id": "y", "role": "output", "op": "add", "bias": 1}]}, "op with a bias"),
    ({"neurons": [{"id": "x", "role": "input"}, {"id": "y", "role": "output", "op": "pow"}]},
     "pow without its exponent"),
    ({"neurons": [{"id": "x", "role": "input"},
                  {"id": "y", "role": "output", "op": "sin", "value": 2}]}, "a value on sin"),
    ({"neurons": [{"id": "x", "role": "input"}, {"id": "y", "role": "output", "value": 2}]},
     "a value on a neuron"),
    ({"lesson": {"title": "one"}}, "a lesson that is not a list"),
    ({"lesson": [{"step": 2}]}, "a scene without a title"),
    ({"lesson": [{"title": "a", "step": -1}]}, "a negative step"),
    ({"lesson": [{"title": "a", "granularity": "neuron"}]}, "an unknown granularity"),
    ({"lesson": [{"title": "a", "zoom": 0}]}, "zoom 0"),
    ({"lesson": [{"title": "a", "centre": [1]}]}, "a centre of one number"),
    ({"lesson": [{"title": "a", "selection": [3]}]}, "a selection of numbers"),
    ({"lesson": [{"title": "a", "question": "yes"}]}, "a question that is a string"),
    ({"lesson": [{"title": "a", "slide": 1}]}, "an unknown key of a scene"),
    ({"samples": [{"inputs": [1], "targets": [0], "split": "validation"}]}, "unknown split"),
    ({"training": {"schedule": "cosine"}}, "unknown schedule"),
    ({"training": {"schedule": "step", "step_size": 0}}, "step size 0"),
    ({"training": {"schedule": "exponential", "gamma": 0}}, "gamma 0"),
    ({"training": {"schedule": "exponential", "gamma": 1.5}}, "gamma above 1"),
])
def test_schema_and_reader_both_refuse(patch: dict[str, Any], why: str) -> None:
    doc = {**BASE, **patch}
    assert not VALIDATOR.is_valid(doc), why
    with pytest.raises(NetworkError):
        fileformat.network_from_dict(doc)


def test_schema_and_reader_both_accept_the_base() -> None:
    VALIDATOR.validate(BASE)
    fileformat.network_from_dict(BASE)


def test_schema_and_reader_both_accept_operation_nodes() -> None:
    doc = {**BASE, "neurons": [{"id": "x", "role": "input"},
                               {"id": "c", "role": "hidden", "op": "const", "value": 3},
                               {"id": "y", "role": "output", "op": "pow", "exponent": 2}],
           "edges": [{"id": "w", "source": "c", "target": "y", "weight": 0.5}]}
    VALIDATOR.validate(doc)
    fileformat.network_from_dict(doc)


def test_schema_and_reader_both_accept_a_lesson() -> None:
    scene = {"title": "The path to w", "step": 3, "sample": 0, "granularity": "edge",
             "selection": ["w"], "zoom": 1.5, "centre": [10, -20.5],
             "caption": "What is ∂L/∂w?", "notes": "Wait for an answer.", "question": True}
    doc = {**BASE, "lesson": [{"title": "Start"}, scene]}
    VALIDATOR.validate(doc)
    network = fileformat.network_from_dict(doc)
    assert network.lesson == [Scene("Start"), Scene(
        "The path to w", 3, 0, "edge", ("w",), 1.5, (10.0, -20.5), "What is ∂L/∂w?",
        "Wait for an answer.", True)]
    assert fileformat.network_to_dict(network)["lesson"][1] == scene


def test_schema_and_reader_both_accept_a_split_and_a_schedule() -> None:
    doc = {**BASE, "samples": [{"inputs": [0], "targets": [1]},
                               {"inputs": [1], "targets": [0], "split": "test"}],
           "training": {"learning_rate": 0.5, "mode": "batch", "batch_size": 2,
                        "shuffle": False, "seed": 0, "schedule": "step", "step_size": 10,
                        "gamma": 0.5}}
    VALIDATOR.validate(doc)
    network = fileformat.network_from_dict(doc)
    assert [s.split for s in network.samples] == ["train", "test"]
    assert (network.training.schedule, network.training.step_size,
            network.training.gamma) == ("step", 10, 0.5)
    written = fileformat.network_to_dict(network)
    assert written["samples"] == doc["samples"] and written["training"] == doc["training"]


def test_a_split_of_only_test_samples_is_refused_by_the_reader() -> None:
    """The schema cannot say "at least one training sample"; the reader does, by path."""
    doc = {**BASE, "samples": [{"inputs": [0], "targets": [1], "split": "test"}]}
    with pytest.raises(NetworkError, match="at least one must stay a training sample") as err:
        fileformat.network_from_dict(doc)
    assert err.value.path == "samples"


def test_the_schemas_scene_defaults_are_the_codes() -> None:
    props = SCHEMA["$defs"]["scene"]["properties"]
    defaults = {k: v["default"] for k, v in props.items() if "default" in v}
    plain = asdict(Scene("t"))
    assert {k: plain[k] if k != "selection" else list(plain[k]) for k in defaults} == defaults


def _enums(node: Any, path: str = "") -> dict[str, list[Any]]:
    """Every ``enum`` in the schema, by the JSON path of the object that holds it."""
    found: dict[str, list[Any]] = {}
    if isinstance(node, dict):
        if "enum" in node:
            found[path] = node["enum"]
        for key, value in node.items():
            found.update(_enums(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.update(_enums(value, f"{path}/{i}"))
    return found


# The code's list behind each enum of the schema, in the code's order.
CODE_LISTS: dict[str, tuple[str, ...]] = {
    "/properties/loss": LOSSES,
    "/$defs/neuron/properties/role": ROLES,
    "/$defs/neuron/properties/activation": ACTIVATIONS,
    "/$defs/training/properties/mode": MODES,
    "/$defs/training/properties/optimizer": OPTIMIZER_NAMES,
    "/$defs/training/properties/schedule": SCHEDULE_NAMES,
    "/$defs/sample/properties/split": SPLIT_NAMES,
    "/$defs/neuron/properties/op": OPERATIONS,
    "/$defs/scene/properties/granularity": GRANULARITIES,
}


def test_every_enum_of_the_schema_is_the_codes_list() -> None:
    """The schema spells out the names the reader takes; when the code gains a name (an
    activation added to the table, say), the schema must gain it too, in the same order."""
    enums = _enums(SCHEMA)
    assert set(enums) == set(CODE_LISTS), "an enum of the schema has no code list here"
    for path, names in CODE_LISTS.items():
        assert enums[path] == list(names), path


def test_the_schemas_constants_and_defaults_are_the_codes() -> None:
    props, defs = SCHEMA["properties"], SCHEMA["$defs"]
    assert props["format"]["const"] == fileformat.FORMAT
    assert props["version"]["const"] == fileformat.VERSION
    assert props["loss"]["default"] == Network([], []).loss
    assert defs["neuron"]["properties"]["activation"]["default"] == Neuron("h", "hidden").activation
    assert defs["neuron"]["properties"]["bias"]["default"] == Neuron("h", "hidden").bias
    training = defs["training"]["properties"]
    assert {k: v["default"] for k, v in training.items()} == asdict(TrainingSettings())
