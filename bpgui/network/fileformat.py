"""Reading and writing network files (format v1, ``../shared/spec/network-format.md``).

JSON syntax errors are reported as ``line:column``; format errors as a JSON
path such as ``edges[3].target``. Saving is atomic (a temp file in the same
folder, then ``os.replace``), so an error never truncates the user's file.
"""

from __future__ import annotations

import errno
import json
import math
import os
import secrets
from pathlib import Path
from typing import Any

from bpgui.network.errors import BpguiError, NetworkError
from bpgui.network.lesson import SCENE_FIELDS, Scene, scene_to_dict
from bpgui.network.model import Edge, Network, Neuron, Sample, TrainingSettings
from bpgui.network.operations import OPERATION_TABLE

FORMAT = "bpgui-network"
VERSION = 1
TOP_KEYS = ("format", "version", "name", "description", "neurons", "edges", "loss", "samples",
            "training", "view", "lesson")   # lesson: a v1 addition
NEURON_KEYS = ("id", "role", "label", "activation", "bias", "train_bias", "x", "y",
               "op", "value", "exponent")   # op, value, exponent: v1 additions (operations)
EDGE_KEYS = ("id", "source", "target", "weight", "trainable", "label")
SAMPLE_KEYS = ("inputs", "targets", "split")   # split: a v1 addition
TRAINING_KEYS = ("learning_rate", "mode", "batch_size", "shuffle", "seed",
                 # a v1 addition: the update rule and its settings, written when not default
                 "optimizer", "momentum", "beta1", "beta2", "eps", "alpha", "l2",
                 # a v1 addition: the learning-rate schedule, written when not default
                 "schedule", "step_size", "gamma")
_MISSING = object()


class FileError(BpguiError):
    """A file could not be read or written; the message starts with its name."""


class _Object(dict[str, Any]):
    """A parsed JSON object that remembers keys it saw twice, to report them by path."""

    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, Any]]) -> _Object:
    result = _Object(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        duplicates: list[str] = []
        for key, _ in pairs:
            if key in seen:
                duplicates.append(key)
            seen.add(key)
        result.duplicates = tuple(duplicates)
    return result


def parse_json(text: str) -> Any:
    """``json.loads`` with line:column errors.

    NaN and Infinity are let through here so that validation can name the
    JSON path of the value that is not finite; duplicate keys are remembered
    and reported by path too.
    """
    try:
        return json.loads(text, object_pairs_hook=_object_pairs)
    except json.JSONDecodeError as exc:
        raise NetworkError(f"invalid JSON: {exc.msg}", f"{exc.lineno}:{exc.colno}") from None
    except RecursionError:
        raise NetworkError("invalid JSON: nested too deeply to be a network file") from None


def _check_plain_json(value: Any, path: str) -> None:
    """Free-form parts (``view``) must still be savable JSON: finite, no duplicate keys."""
    if isinstance(value, dict):
        _no_duplicates(value, path)
        for key, item in value.items():
            _check_plain_json(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_plain_json(item, f"{path}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise NetworkError(f"must be a finite number, not {value!r}", path)


def _no_duplicates(obj: dict[str, Any], path: str) -> None:
    for key in getattr(obj, "duplicates", ()):
        raise NetworkError(f"the key {key!r} appears twice", f"{path}.{key}" if path else key)


# ------------------------------------------------------------ typed getters
def _object(value: Any, path: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise NetworkError(f"must be an object, not {_kind(value)}", path)
    _no_duplicates(value, path)
    for key in value:
        if key not in keys:
            raise NetworkError(f"unknown key {key!r} (allowed: {', '.join(keys)})",
                               f"{path}.{key}" if path else key)
    return value


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")


def _get(obj: dict[str, Any], key: str, path: str, kind: str, default: Any = _MISSING) -> Any:
    where = f"{path}.{key}" if path else key
    if key not in obj:
        if default is _MISSING:
            raise NetworkError(f"missing required key {key!r}", path or None)
        return default
    value = obj[key]
    ok = {
        "string": isinstance(value, str),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }[kind]
    if not ok:
        raise NetworkError(f"must be {'an' if kind[0] in 'aeio' else 'a'} {kind}, "
                           f"not {_kind(value)}", where)
    return value


def _float(value: int | float, where: str) -> float:
    """A JSON number as a double; an integer too large for one is an error at ``where``."""
    try:
        return float(value)
    except OverflowError:
        raise NetworkError(f"must be a finite number, not an integer of {len(str(value))} "
                           "digits", where) from None


def _number(obj: dict[str, Any], key: str, path: str, default: Any = _MISSING) -> Any:
    value = _get(obj, key, path, "number", default)
    return value if value is None or value is default else _float(value, f"{path}.{key}")


def _numbers(obj: dict[str, Any], key: str, path: str) -> list[float]:
    values = _get(obj, key, path, "array")
    for j, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise NetworkError(f"must be a number, not {_kind(v)}", f"{path}.{key}[{j}]")
    return [_float(v, f"{path}.{key}[{j}]") for j, v in enumerate(values)]


# ------------------------------------------------------------------ reading
def network_from_dict(doc: Any) -> Network:
    """Build and validate a :class:`Network` from a parsed v1 document."""
    _object(doc, "", TOP_KEYS)
    if _get(doc, "format", "", "string") != FORMAT:
        raise NetworkError(f"must be {FORMAT!r}, not {doc['format']!r}", "format")
    version = _get(doc, "version", "", "integer")
    if version != VERSION:
        raise NetworkError(f"unsupported version {version} (this bpgui reads version 1)",
                           "version")
    neurons = [_neuron(v, f"neurons[{i}]")
               for i, v in enumerate(_get(doc, "neurons", "", "array"))]
    edges = [_edge(v, f"edges[{i}]") for i, v in enumerate(_get(doc, "edges", "", "array"))]
    samples = []
    for i, v in enumerate(_get(doc, "samples", "", "array", [])):
        path = f"samples[{i}]"
        _object(v, path, SAMPLE_KEYS)
        samples.append(Sample(_numbers(v, "inputs", path), _numbers(v, "targets", path),
                              _get(v, "split", path, "string", "train")))
    network = Network(
        neurons, edges,
        loss=_get(doc, "loss", "", "string", "half_sse"),
        samples=samples,
        training=_training(_get(doc, "training", "", "object", {})),
        name=_get(doc, "name", "", "string", None),
        description=_get(doc, "description", "", "string", None),
        view=_get(doc, "view", "", "object", {}),
        lesson=[_scene(v, f"lesson[{i}]")
                for i, v in enumerate(_get(doc, "lesson", "", "array", []))],
    )
    _check_plain_json(network.view, "view")
    network.validate()
    return network


def _neuron(obj: Any, path: str) -> Neuron:
    _object(obj, path, NEURON_KEYS)
    role = _get(obj, "role", path, "string")
    op = _get(obj, "op", path, "string", None)
    if role == "input" or op is not None:
        what = "an input neuron" if role == "input" and op is None else "an operation node"
        for key in ("activation", "bias", "train_bias"):
            if key in obj:
                raise NetworkError(f"{what} has no {key}", f"{path}.{key}")
    param_key = OPERATION_TABLE[op].param if op in OPERATION_TABLE else ""
    for key in ("value", "exponent"):
        if key in obj and key != param_key:
            owner = {"value": "const", "exponent": "pow"}[key]
            raise NetworkError(f"only a {owner} node has a {key}", f"{path}.{key}")
    return Neuron(
        id=_get(obj, "id", path, "string"),
        role=role,
        activation=_get(obj, "activation", path, "string", "sigmoid"),
        bias=_number(obj, "bias", path, 0.0),
        train_bias=_get(obj, "train_bias", path, "boolean", True),
        label=_get(obj, "label", path, "string", None),
        x=_optional_float(obj, "x", path),
        y=_optional_float(obj, "y", path),
        op=op,
        param=_optional_float(obj, param_key, path) if param_key else None,
    )


def _optional_float(obj: dict[str, Any], key: str, path: str) -> float | None:
    value: float | None = _number(obj, key, path, None)
    return value


def _edge(obj: Any, path: str) -> Edge:
    _object(obj, path, EDGE_KEYS)
    return Edge(
        id=_get(obj, "id", path, "string"),
        source=_get(obj, "source", path, "string"),
        target=_get(obj, "target", path, "string"),
        weight=_number(obj, "weight", path),
        trainable=_get(obj, "trainable", path, "boolean", True),
        label=_get(obj, "label", path, "string", None),
    )


def _scene(obj: Any, path: str) -> Scene:
    _object(obj, path, SCENE_FIELDS)
    selection = _get(obj, "selection", path, "array", [])
    for j, ident in enumerate(selection):
        if not isinstance(ident, str):
            raise NetworkError(f"must be an id, not {_kind(ident)}", f"{path}.selection[{j}]")
    centre = _numbers(obj, "centre", path) if "centre" in obj else None
    if centre is not None and len(centre) != 2:
        raise NetworkError(f"must be two numbers [x, y], not {len(centre)}", f"{path}.centre")
    return Scene(
        title=_get(obj, "title", path, "string"),
        step=_get(obj, "step", path, "integer", 0),
        sample=_get(obj, "sample", path, "integer", 0),
        granularity=_get(obj, "granularity", path, "string", "node"),
        selection=tuple(selection),
        zoom=_optional_float(obj, "zoom", path),
        centre=(centre[0], centre[1]) if centre is not None else None,
        caption=_get(obj, "caption", path, "string", ""),
        notes=_get(obj, "notes", path, "string", ""),
        question=_get(obj, "question", path, "boolean", False),
    )


def _training(obj: dict[str, Any]) -> TrainingSettings:
    path = "training"
    _object(obj, path, TRAINING_KEYS)
    defaults = TrainingSettings()
    return TrainingSettings(
        learning_rate=_number(obj, "learning_rate", path, defaults.learning_rate),
        mode=_get(obj, "mode", path, "string", defaults.mode),
        batch_size=_get(obj, "batch_size", path, "integer", defaults.batch_size),
        shuffle=_get(obj, "shuffle", path, "boolean", defaults.shuffle),
        seed=_get(obj, "seed", path, "integer", defaults.seed),
        optimizer=_get(obj, "optimizer", path, "string", defaults.optimizer),
        momentum=_number(obj, "momentum", path, defaults.momentum),
        beta1=_number(obj, "beta1", path, defaults.beta1),
        beta2=_number(obj, "beta2", path, defaults.beta2),
        eps=_number(obj, "eps", path, defaults.eps),
        alpha=_number(obj, "alpha", path, defaults.alpha),
        l2=_number(obj, "l2", path, defaults.l2),
        schedule=_get(obj, "schedule", path, "string", defaults.schedule),
        step_size=_get(obj, "step_size", path, "integer", defaults.step_size),
        gamma=_number(obj, "gamma", path, defaults.gamma),
    )


def loads(text: str) -> Network:
    """Parse and validate a network from JSON text."""
    return network_from_dict(parse_json(text))


def load(path: str | os.PathLike[str]) -> Network:
    """Read a network file; every problem becomes one :class:`FileError` naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise FileError(f"{path}: is a folder, not a network file") from None
    except UnicodeDecodeError as exc:
        raise FileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise FileError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return loads(text)
    except NetworkError as exc:
        raise FileError(f"{path}: {exc}") from None


# ------------------------------------------------------------------ writing
def network_to_dict(network: Network) -> dict[str, Any]:
    """The v1 document for ``network``; defaults are written only where they inform."""
    doc: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    if network.name is not None:
        doc["name"] = network.name
    if network.description is not None:
        doc["description"] = network.description
    doc["neurons"] = [_neuron_dict(n) for n in network.neurons]
    doc["edges"] = [_edge_dict(e) for e in network.edges]
    doc["loss"] = network.loss
    doc["samples"] = [_sample_dict(s) for s in network.samples]
    t = network.training
    doc["training"] = {"learning_rate": t.learning_rate, "mode": t.mode,
                       "batch_size": t.batch_size, "shuffle": t.shuffle, "seed": t.seed}
    defaults = TrainingSettings()
    for key in TRAINING_KEYS[5:]:     # v1 additions: only where they differ from the
        if getattr(t, key) != getattr(defaults, key):     # default, so old files round-trip
            doc["training"][key] = getattr(t, key)
    if network.view:
        doc["view"] = network.view
    if network.lesson:
        doc["lesson"] = [scene_to_dict(scene) for scene in network.lesson]
    return doc


def _sample_dict(s: Sample) -> dict[str, Any]:
    d: dict[str, Any] = {"inputs": list(s.inputs), "targets": list(s.targets)}
    if s.is_test:                   # a v1 addition, written only where it says something
        d["split"] = s.split
    return d


def _neuron_dict(n: Neuron) -> dict[str, Any]:
    d: dict[str, Any] = {"id": n.id, "role": n.role}
    if n.label is not None:
        d["label"] = n.label
    if n.op is not None:
        d["op"] = n.op
        param_key = OPERATION_TABLE[n.op].param
        if param_key:
            d[param_key] = n.param
    elif not n.is_input:
        d["activation"] = n.activation
        d["bias"] = n.bias
        if not n.train_bias:
            d["train_bias"] = False
    for axis in ("x", "y"):
        if getattr(n, axis) is not None:
            d[axis] = getattr(n, axis)
    return d


def _edge_dict(e: Edge) -> dict[str, Any]:
    d: dict[str, Any] = {"id": e.id, "source": e.source, "target": e.target, "weight": e.weight}
    if not e.trainable:
        d["trainable"] = False
    if e.label is not None:
        d["label"] = e.label
    return d


def dumps(network: Network) -> str:
    return json.dumps(network_to_dict(network), indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n"


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` via a temp file and rename; never truncates on error.

    A symbolic link is followed, so the file it points to is replaced, not the link.
    """
    target = Path(path).resolve() if Path(path).is_symlink() else Path(path)
    try:
        fd, tmp = _new_temp_file(target)
    except OSError as exc:
        raise FileError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise FileError(f"{path}: cannot write: {exc.strerror}") from None
        raise


def _new_temp_file(target: Path) -> tuple[int, str]:
    """A new, open temp file beside ``target``, made with mode 0o666 so that the kernel
    applies the umask exactly as ``open()`` would for a new file. (Reading the umask
    means setting it for a moment, which is unsafe once saves run in worker threads.)"""
    folder = target.parent if str(target.parent) else Path(".")
    for _ in range(100):
        tmp = folder / f".{target.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), str(tmp)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temp file name", str(folder))


def save(network: Network, path: str | os.PathLike[str]) -> None:
    """Validate, serialise and atomically write ``network``."""
    network.validate()
    atomic_write_text(path, dumps(network))
