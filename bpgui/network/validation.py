"""The rules that hold between parts of a network, and for every number in it.

:func:`check_finite` is the one test of a number the whole format uses;
:func:`check_endpoints` says whether an edge may join two neurons and
:func:`check_sample` whether a sample fits the network's inputs and outputs.
An id's and an edge's own rules are here too; the rules about one neuron or the
training settings live with the tables of names they check against, in
:mod:`bpgui.network.model`. Each rule
raises :class:`~bpgui.network.errors.NetworkError` naming the JSON path at fault.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from bpgui.network.errors import NetworkError
from bpgui.network.items import (
    OPTIMIZER_NAMES,
    SCHEDULE_NAMES,
    SPLIT_NAMES,
    Edge,
    Sample,
    TrainingSettings,
)

ID_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def check_id(value: Any, path: str) -> None:
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise NetworkError(
            f"{value!r} is not a valid id (a letter or _, then up to 63 letters, digits or _)",
            path,
        )


def check_edge(edge: Edge, path: str) -> None:
    """Rules about one edge on its own (endpoints are the network's job)."""
    check_id(edge.id, f"{path}.id")
    for end in ("source", "target"):
        if not isinstance(getattr(edge, end), str):
            raise NetworkError("must be a neuron id", f"{path}.{end}")
    check_finite(edge.weight, f"{path}.weight")
    if not isinstance(edge.trainable, bool):
        raise NetworkError("must be true or false", f"{path}.trainable")
    if edge.label is not None and not isinstance(edge.label, str):
        raise NetworkError("must be a string", f"{path}.label")


def check_finite(value: Any, path: str, what: str = "a finite number") -> None:
    """Refuse anything but a finite int or float (booleans are not numbers here)."""
    try:
        finite = not isinstance(value, bool) and isinstance(value, int | float) \
            and math.isfinite(value)
    except OverflowError:          # an integer too large for a double
        finite = False
    if not finite:
        shown = f"{str(value)[:12]}… ({len(str(value))} digits)" if isinstance(value, int) \
            and len(str(value)) > 20 else repr(value)
        raise NetworkError(f"must be {what}, not {shown}", path)


def check_endpoints(e: Edge, path: str, pairs: dict[tuple[str, str], int],
                    roles: dict[str, str]) -> None:
    """``e`` joins two known, different neurons, not into an input, not twice.

    ``pairs`` maps the (source, target) pairs already connected to their edge index,
    ``roles`` every neuron id to its role.
    """
    for end in ("source", "target"):
        if getattr(e, end) not in roles:
            raise NetworkError(f"unknown neuron {getattr(e, end)!r}", f"{path}.{end}")
    if e.source == e.target:
        raise NetworkError(f"a neuron cannot feed itself ({e.source!r})", f"{path}.target")
    if roles[e.target] == "input":
        raise NetworkError(f"an edge cannot end at input neuron {e.target!r}",
                           f"{path}.target")
    if (e.source, e.target) in pairs:
        raise NetworkError(
            f"{e.source!r} -> {e.target!r} is already connected by "
            f"edges[{pairs[(e.source, e.target)]}]", path)


def check_sample(s: Sample, path: str, n_in: int, n_out: int) -> None:
    """``s`` has one finite input per input neuron and one finite target per output."""
    for key, want in (("inputs", n_in), ("targets", n_out)):
        values = getattr(s, key)
        if len(values) != want:
            raise NetworkError(
                f"sample {path[8:-1]} has {len(values)} {key}, but the network has {want} "
                f"{'input' if key == 'inputs' else 'output'} neuron{'s' * (want != 1)}",
                f"{path}.{key}")
        for j, v in enumerate(values):
            check_finite(v, f"{path}.{key}[{j}]")
    if s.split not in SPLIT_NAMES:
        raise NetworkError(f"split must be one of {', '.join(SPLIT_NAMES)}, not {s.split!r}",
                           f"{path}.split")


def check_split(samples: Sequence[Sample]) -> None:
    """A test split (a v1 addition) leaves at least one sample to train on."""
    if samples and all(s.is_test for s in samples):
        raise NetworkError(f"all {len(samples)} samples are test samples: at least one must "
                           "stay a training sample", "samples")


_OPTIMIZER_RANGES = {
    "momentum": (0.0, 1.0, False, "a number in [0, 1)"),
    "beta1": (0.0, 1.0, False, "a number in [0, 1)"),
    "beta2": (0.0, 1.0, False, "a number in [0, 1)"),
    "alpha": (0.0, 1.0, False, "a number in [0, 1)"),
    "eps": (0.0, None, None, "a finite number > 0"),
    "l2": (0.0, None, None, "a finite number >= 0"),
}


def check_optimizer(settings: TrainingSettings, path: str = "training") -> None:
    """The update rule's name and settings (a v1 addition), each refused with its path."""
    if settings.optimizer not in OPTIMIZER_NAMES:
        raise NetworkError(f"optimizer must be one of {', '.join(OPTIMIZER_NAMES)}, "
                           f"not {settings.optimizer!r}", f"{path}.optimizer")
    for key, (low, high, _, wanted) in _OPTIMIZER_RANGES.items():
        value = getattr(settings, key)
        where = f"{path}.{key}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise NetworkError(f"must be {wanted}, not {value!r}", where)
        check_finite(value, where, wanted)
        too_low = value <= low if key == "eps" else value < low
        if too_low or (high is not None and value >= high):
            raise NetworkError(f"must be {wanted}, not {value!r}", where)
    if settings.optimizer == "nesterov" and settings.momentum == 0:
        raise NetworkError("must be > 0 for nesterov momentum, not 0", f"{path}.momentum")


def check_schedule(settings: TrainingSettings, path: str = "training") -> None:
    """The learning-rate schedule (a v1 addition): a known name, γ in (0, 1], a step size
    that is a whole number >= 1."""
    if settings.schedule not in SCHEDULE_NAMES:
        raise NetworkError(f"schedule must be one of {', '.join(SCHEDULE_NAMES)}, "
                           f"not {settings.schedule!r}", f"{path}.schedule")
    size = settings.step_size
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise NetworkError(f"must be an integer >= 1, not {size!r}", f"{path}.step_size")
    gamma = settings.gamma
    wanted = "a number in (0, 1]"
    if isinstance(gamma, bool) or not isinstance(gamma, int | float):
        raise NetworkError(f"must be {wanted}, not {gamma!r}", f"{path}.gamma")
    check_finite(gamma, f"{path}.gamma", wanted)
    if not 0 < gamma <= 1:
        raise NetworkError(f"must be {wanted}, not {gamma!r}", f"{path}.gamma")
