"""The JSON Schema in resources/ agrees with the reader on what a v1 file looks like."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bpgui.network import fileformat
from bpgui.network.errors import NetworkError

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
])
def test_schema_and_reader_both_refuse(patch: dict[str, Any], why: str) -> None:
    doc = {**BASE, **patch}
    assert not VALIDATOR.is_valid(doc), why
    with pytest.raises(NetworkError):
        fileformat.network_from_dict(doc)


def test_schema_and_reader_both_accept_the_base() -> None:
    VALIDATOR.validate(BASE)
    fileformat.network_from_dict(BASE)
