"""The training block's optimizer keys (a v1 addition): refused with their JSON path,
written only when they differ from the defaults, and read by ``bpgui train``'s options."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from bpgui.network import fileformat
from bpgui.network.errors import NetworkError
from tests.cli_helpers import error_line, ok_json, run_cli, snapshot, write_json

BASE: dict[str, Any] = {
    "format": "bpgui-network", "version": 1,
    "neurons": [{"id": "x", "role": "input"},
                {"id": "y", "role": "output", "activation": "identity"}],
    "edges": [{"id": "w", "source": "x", "target": "y", "weight": 0.5}],
    "samples": [{"inputs": [1.0], "targets": [2.0]}],
}


def with_training(**training: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    doc["training"] = training
    return doc


@pytest.mark.parametrize(("training", "path"), [
    ({"optimizer": "adagrad"}, "training.optimizer"),
    ({"optimizer": "adam", "beta1": 1.0}, "training.beta1"),
    ({"optimizer": "adam", "beta2": -0.1}, "training.beta2"),
    ({"optimizer": "adam", "eps": 0}, "training.eps"),
    ({"optimizer": "momentum", "momentum": 1.5}, "training.momentum"),
    ({"optimizer": "rmsprop", "alpha": "0.9"}, "training.alpha"),
    ({"l2": -0.01}, "training.l2"),
    ({"optimizer": "nesterov", "momentum": 0}, "training.momentum"),
])
def test_a_bad_optimizer_setting_is_named(training: dict[str, Any], path: str) -> None:
    with pytest.raises(NetworkError) as caught:
        fileformat.network_from_dict(with_training(**training))
    assert caught.value.path == path


def test_only_settings_that_differ_from_the_defaults_are_written() -> None:
    plain = json.loads(fileformat.dumps(fileformat.network_from_dict(BASE)))
    assert not {"optimizer", "momentum", "beta1", "beta2", "eps", "alpha", "l2"} & \
        set(plain.get("training", {}))
    doc = with_training(optimizer="adam", beta2=0.99, l2=0.001)
    network = fileformat.network_from_dict(doc)
    again = json.loads(fileformat.dumps(network))
    assert {k: again["training"][k] for k in ("optimizer", "beta2", "l2")} == \
        {"optimizer": "adam", "beta2": 0.99, "l2": 0.001}
    assert "beta1" not in again["training"]
    assert fileformat.network_from_dict(again).training == network.training


def test_bpgui_train_takes_the_optimizer_options(tmp_path: Path) -> None:
    path = write_json(tmp_path / "n.bpnet.json", BASE)
    sgd = ok_json(run_cli("train", path, "--iterations", "3"))
    adam = ok_json(run_cli("train", path, "--iterations", "3", "--optimizer", "adam",
                           "--beta1", "0.8", "--l2", "0.01"))
    assert sgd["loss_history"][0] == adam["loss_history"][0]      # the same start
    assert sgd["loss_history"][1:] != adam["loss_history"][1:]     # another rule


@pytest.mark.parametrize(("args", "message"), [
    (("--optimizer", "adagrad"), "argument --optimizer: invalid choice: 'adagrad'"),
    (("--beta2", "1"), "argument --beta2: must be a number in [0, 1), not '1'"),
    (("--l2", "-1"), "argument --l2:"),
    (("--optimizer", "nesterov", "--momentum", "0"), "momentum"),
])
def test_a_bad_option_is_one_line_and_writes_nothing(tmp_path: Path, args: tuple[str, ...],
                                                     message: str) -> None:
    path = write_json(tmp_path / "n.bpnet.json", BASE)
    before = snapshot(tmp_path)
    result = run_cli("train", path, "--out", tmp_path / "out.json", *args)
    assert message in error_line(result)
    assert snapshot(tmp_path) == before
