"""Tests for bpgui.network.model.Network: its mutators, the Change events they emit, and copy().

A mutator emits one event per value that really changes (setting a weight to the same
value, or 1 then 1.0, emits nothing new); a refused change raises NetworkError with a
clear message, emits nothing and leaves the model exactly as it was. ``copy()`` is deep
and carries no observers.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import pytest

from bpgui.network.changes import Change, ChangeKind
from bpgui.network.errors import NetworkError
from bpgui.network.model import Edge, Network, Neuron, Sample, TrainingSettings


def make_network() -> Network:
    """x1, x2 -> h1 (tanh), h2 (sigmoid) -> y (sigmoid), two samples."""
    return Network(
        [Neuron("x1", "input"), Neuron("x2", "input"),
         Neuron("h1", "hidden", "tanh", 0.1, label="h\u2081"),
         Neuron("h2", "hidden", "sigmoid", -0.2),
         Neuron("y", "output", "sigmoid", 0.3, label="ŷ", x=10.0, y=20.0)],
        [Edge("w1", "x1", "h1", 0.5), Edge("w2", "x2", "h1", -0.5),
         Edge("w3", "x1", "h2", 1.0), Edge("w4", "x2", "h2", 2.0),
         Edge("w5", "h1", "y", 1.5, label="w\u2085"), Edge("w6", "h2", "y", -1.0)],
        samples=[Sample([0.0, 1.0], [1.0]), Sample([1.0, 0.0], [0.0])],
        name="test", description="a test network", view={"zoom": 1.0, "panels": ["a"]},
    )


def state(net: Network) -> tuple[Any, ...]:
    """Everything the model holds, deep-copied, for before/after comparisons."""
    return copy.deepcopy((net.neurons, net.edges, net.loss, net.samples, net.training,
                          net.name, net.description, net.view))


@pytest.fixture
def net() -> Network:
    return make_network()


@pytest.fixture
def events(net: Network) -> list[Change]:
    recorded: list[Change] = []
    net.subscribe(recorded.append)
    return recorded


def assert_refused(net: Network, events: list[Change], action: Callable[[], Any],
                   *words: str) -> NetworkError:
    """``action`` raises NetworkError naming ``words``, emits nothing and changes nothing."""
    before, count = state(net), len(events)
    with pytest.raises(NetworkError) as info:
        action()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert len(events) == count, f"a refused change emitted {events[count:]}"
    assert state(net) == before, "a refused change altered the model"
    return info.value


# --------------------------------------------------------------------------------- neurons
def test_add_neuron_appends_and_emits(net: Network, events: list[Change]) -> None:
    neuron = Neuron("h3", "hidden", "relu", 0.5)
    net.add_neuron(neuron)
    assert net.neurons[-1] is neuron
    assert events == [Change(ChangeKind.NEURON_ADDED, "h3", new=neuron)]
    net.validate()


def test_add_neuron_at_an_index(net: Network, events: list[Change]) -> None:
    net.add_neuron(Neuron("x3", "input"), index=2)
    assert [n.id for n in net.neurons] == ["x1", "x2", "x3", "h1", "h2", "y"]
    assert [e.kind for e in events] == [ChangeKind.NEURON_ADDED, ChangeKind.SAMPLES_CHANGED]
    assert all(s.inputs[2] == 0.0 and len(s.inputs) == 3 for s in net.samples)
    net.validate()                      # the samples grew a column with the new input


def test_a_removed_input_takes_its_sample_column_and_undo_restores_it(net: Network) -> None:
    original = state(net)
    index, neuron, attached, column = net.remove_neuron("x1")
    assert column == [s_inputs[0] for s_inputs in
                      (s.inputs for s in make_network().samples)]
    assert all(len(s.inputs) == 1 for s in net.samples)
    net.validate()
    net.add_neuron(neuron, index, column)
    for i, edge in attached:
        net.add_edge(edge, i)
    assert state(net) == original


def test_a_role_change_moves_the_sample_column(net: Network) -> None:
    net.update_neuron("h1", role="output")
    assert all(len(s.targets) == 2 for s in net.samples)
    net.validate()


@pytest.mark.parametrize(("neuron", "words"), [
    (Neuron("h1", "hidden"), ("h1", "already exists")),
    (Neuron("2h", "hidden"), ("2h", "valid id")),
    (Neuron("h-3", "hidden"), ("h-3", "valid id")),
    (Neuron("h3", "hiden"), ("hiden", "role")),
    (Neuron("h3", "hidden", "gelu"), ("gelu", "activation")),
    (Neuron("h3", "hidden", bias=math.nan), ("bias", "finite")),
    (Neuron("h3", "hidden", bias=math.inf), ("bias", "finite")),
    (Neuron("h3", "hidden", x=-math.inf), ("x", "finite")),
    (Neuron("h3", "hidden", train_bias=1), ("train_bias",)),  # type: ignore[arg-type]
], ids=["duplicate-id", "id-digit", "id-dash", "role", "activation", "nan-bias", "inf-bias",
        "inf-x", "train_bias-int"])
def test_add_neuron_refuses(net: Network, events: list[Change], neuron: Neuron,
                            words: tuple[str, ...]) -> None:
    assert_refused(net, events, lambda: net.add_neuron(neuron), *words)


def test_remove_neuron_removes_its_edges_and_returns_what_undo_needs(
        net: Network, events: list[Change]) -> None:
    original = state(net)
    index, neuron, attached, column = net.remove_neuron("h1")
    assert column == []                 # a hidden neuron has no sample column
    assert index == 2 and neuron.id == "h1" and neuron.label == "h\u2081"
    assert [(i, e.id) for i, e in attached] == [(0, "w1"), (1, "w2"), (4, "w5")]
    assert not net.has_neuron("h1")
    assert [e.id for e in net.edges] == ["w3", "w4", "w6"]
    assert [(c.kind, c.id) for c in events] == [
        (ChangeKind.EDGE_REMOVED, "w5"), (ChangeKind.EDGE_REMOVED, "w2"),
        (ChangeKind.EDGE_REMOVED, "w1"), (ChangeKind.NEURON_REMOVED, "h1")]
    assert events[-1].old is neuron
    net.validate()
    # undo: the neuron back at its index, then the edges at theirs, in ascending order
    net.add_neuron(neuron, index)
    for i, edge in attached:
        net.add_edge(edge, i)
    assert state(net) == original


def test_remove_an_input_neuron(net: Network) -> None:
    index, _, attached, _ = net.remove_neuron("x2")
    assert index == 1 and [e.id for _, e in attached] == ["w2", "w4"]


def test_remove_unknown_neuron_raises_key_error(net: Network, events: list[Change]) -> None:
    """Like neuron(), edge() and update_neuron(): an unknown id is a KeyError."""
    before = state(net)
    with pytest.raises((KeyError, NetworkError)):
        net.remove_neuron("nope")
    assert events == [] and state(net) == before


def test_update_neuron_emits_one_event_per_changed_field(net: Network,
                                                          events: list[Change]) -> None:
    net.update_neuron("h1", bias=0.7, activation="relu", label="h\u2081")  # label unchanged
    assert events == [Change(ChangeKind.NEURON_CHANGED, "h1", "activation", "tanh", "relu"),
                      Change(ChangeKind.NEURON_CHANGED, "h1", "bias", 0.1, 0.7)]
    assert net.neuron("h1").bias == 0.7 and net.neuron("h1").activation == "relu"


def test_update_neuron_to_the_same_value_emits_nothing(net: Network,
                                                       events: list[Change]) -> None:
    net.update_neuron("h2", bias=1)
    net.update_neuron("h2", bias=1)
    net.update_neuron("h2", bias=1.0)
    assert events == [Change(ChangeKind.NEURON_CHANGED, "h2", "bias", -0.2, 1)]
    net.update_neuron("y", x=10.0, y=20, label="ŷ", train_bias=True)
    assert len(events) == 1


def test_update_neuron_position_and_flags(net: Network, events: list[Change]) -> None:
    net.update_neuron("x1", x=1.5, y=-2.0)
    net.update_neuron("y", train_bias=False, label=None)
    assert [(c.field, c.old, c.new) for c in events] == [
        ("x", None, 1.5), ("y", None, -2.0), ("train_bias", True, False), ("label", "ŷ", None)]
    assert net.neuron("y").display_label == "y"


def test_renaming_a_neuron_updates_its_edges(net: Network, events: list[Change]) -> None:
    net.update_neuron("h1", id="hidden_1")
    assert not net.has_neuron("h1") and net.neuron("hidden_1").bias == 0.1
    assert [(e.id, e.source, e.target) for e in net.edges if "hidden_1" in (e.source, e.target)
            ] == [("w1", "x1", "hidden_1"), ("w2", "x2", "hidden_1"), ("w5", "hidden_1", "y")]
    assert not any("h1" in (e.source, e.target) for e in net.edges)
    assert events == [
        Change(ChangeKind.NEURON_CHANGED, "h1", "id", "h1", "hidden_1"),
        Change(ChangeKind.EDGE_CHANGED, "w1", "target", "h1", "hidden_1"),
        Change(ChangeKind.EDGE_CHANGED, "w2", "target", "h1", "hidden_1"),
        Change(ChangeKind.EDGE_CHANGED, "w5", "source", "h1", "hidden_1"),
    ]
    net.validate()
    net.update_neuron("hidden_1", id="h1")  # and back
    assert state(net) == state(make_network())


@pytest.mark.parametrize(("neuron_id", "changes", "words"), [
    ("h1", {"id": "h2"}, ("h2", "already exists")),
    ("h1", {"id": "x1"}, ("x1", "already exists")),
    ("h1", {"id": "1h"}, ("1h", "valid id")),
    ("h1", {"id": ""}, ("valid id",)),
    ("h1", {"bias": math.nan}, ("bias", "finite")),
    ("h1", {"bias": -math.inf}, ("bias", "finite")),
    ("h1", {"bias": True}, ("bias",)),
    ("h1", {"bias": "0.5"}, ("bias",)),
    ("h1", {"activation": "gelu"}, ("gelu",)),
    ("h1", {"role": "visible"}, ("visible", "role")),
    ("h1", {"role": "input"}, ("h1", "incoming", "input")),
    ("y", {"x": math.nan}, ("x", "finite")),
    ("y", {"label": 3}, ("label",)),
], ids=["rename-to-existing", "rename-to-input-id", "bad-id", "empty-id", "nan-bias",
        "inf-bias", "bool-bias", "string-bias", "activation", "role", "input-with-incoming",
        "nan-x", "label-number"])
def test_update_neuron_refuses(net: Network, events: list[Change], neuron_id: str,
                               changes: dict[str, Any], words: tuple[str, ...]) -> None:
    assert_refused(net, events, lambda: net.update_neuron(neuron_id, **changes), *words)


def test_update_unknown_neuron_raises_key_error(net: Network, events: list[Change]) -> None:
    with pytest.raises(KeyError):
        net.update_neuron("nope", bias=1.0)
    assert events == []


# ----------------------------------------------------------------------------------- edges
def test_add_edge_appends_and_emits(net: Network, events: list[Change]) -> None:
    edge = Edge("skip", "x1", "y", 0.25, trainable=False)
    net.add_edge(edge)
    assert net.edges[-1] is edge
    assert events == [Change(ChangeKind.EDGE_ADDED, "skip", new=edge)]
    net.validate()


def test_add_edge_at_an_index(net: Network) -> None:
    net.add_edge(Edge("skip", "x1", "y", 0.25), index=0)
    assert [e.id for e in net.edges][:2] == ["skip", "w1"]


def test_add_edge_between_hidden_neurons_of_one_layer(net: Network) -> None:
    net.add_edge(Edge("lateral", "h1", "h2", 1.0))
    net.validate()


@pytest.mark.parametrize(("edge", "words"), [
    (Edge("back", "y", "h1", 1.0), ("y", "h1", "cycle")),
    (Edge("loop", "h1", "h1", 1.0), ("h1", "itself")),
    (Edge("again", "x1", "h1", 1.0), ("x1", "h1", "already connected")),
    (Edge("in", "h1", "x2", 1.0), ("x2", "input")),
    (Edge("in2", "x1", "x2", 1.0), ("x2", "input")),
    (Edge("w7", "q", "y", 1.0), ("q", "unknown")),
    (Edge("w7", "x1", "q", 1.0), ("q", "unknown")),
    (Edge("w1", "x1", "y", 1.0), ("w1", "already exists")),
    (Edge("7w", "x1", "y", 1.0), ("7w", "valid id")),
    (Edge("w7", "x1", "y", math.nan), ("weight", "finite")),
    (Edge("w7", "x1", "y", math.inf), ("weight", "finite")),
    (Edge("w7", "x1", "y", True), ("weight",)),
    (Edge("w7", "x1", "y", 1.0, trainable="yes"), ("trainable",)),  # type: ignore[arg-type]
], ids=["cycle", "self-loop", "duplicate-pair", "into-input", "input-to-input",
        "unknown-source", "unknown-target", "duplicate-id", "bad-id", "nan-weight",
        "inf-weight", "bool-weight", "trainable-string"])
def test_add_edge_refuses(net: Network, events: list[Change], edge: Edge,
                          words: tuple[str, ...]) -> None:
    assert_refused(net, events, lambda: net.add_edge(edge), *words)


def test_add_edge_refuses_a_longer_cycle(net: Network, events: list[Change]) -> None:
    net.add_neuron(Neuron("h3", "hidden"))
    net.add_edge(Edge("a", "y", "h3", 1.0))  # y -> h3 is fine: outputs may feed others
    count = len(events)
    assert_refused(net, events, lambda: net.add_edge(Edge("b", "h3", "x1", 1.0)), "input")
    assert_refused(net, events, lambda: net.add_edge(Edge("b", "h3", "h1", 1.0)),
                   "h3", "h1", "cycle")
    assert len(events) == count


def test_remove_edge_returns_what_undo_needs(net: Network, events: list[Change]) -> None:
    original = state(net)
    index, edge = net.remove_edge("w4")
    assert index == 3 and edge.id == "w4" and not net.has_edge("w4")
    assert events == [Change(ChangeKind.EDGE_REMOVED, "w4", old=edge)]
    net.add_edge(edge, index)
    assert state(net) == original


def test_remove_unknown_edge_raises_key_error(net: Network, events: list[Change]) -> None:
    """Like edge() and update_edge(): an unknown id is a KeyError."""
    before = state(net)
    with pytest.raises((KeyError, NetworkError)):
        net.remove_edge("nope")
    assert events == [] and state(net) == before


def test_update_edge_weight_emits_once(net: Network, events: list[Change]) -> None:
    net.update_edge("w3", weight=0.25)
    net.update_edge("w3", weight=0.25)
    assert events == [Change(ChangeKind.EDGE_CHANGED, "w3", "weight", 1.0, 0.25)]
    assert net.edge("w3").weight == 0.25


def test_update_edge_one_then_one_point_zero_emits_nothing_new(net: Network,
                                                               events: list[Change]) -> None:
    net.update_edge("w5", weight=1)
    net.update_edge("w5", weight=1.0)
    assert events == [Change(ChangeKind.EDGE_CHANGED, "w5", "weight", 1.5, 1)]
    net.update_edge("w3", weight=1)  # w3 already holds 1.0
    assert len(events) == 1


def test_update_edge_label_trainable_and_id(net: Network, events: list[Change]) -> None:
    net.update_edge("w6", label="w\u2086", trainable=False)
    net.update_edge("w6", id="w_six")
    assert [(c.id, c.field, c.old, c.new) for c in events] == [
        ("w6", "trainable", True, False), ("w6", "label", None, "w\u2086"),
        ("w6", "id", "w6", "w_six")]
    assert net.edge("w_six").trainable is False and not net.has_edge("w6")
    net.validate()


@pytest.mark.parametrize(("changes", "words"), [
    ({"weight": math.nan}, ("weight", "finite")),
    ({"weight": math.inf}, ("weight", "finite")),
    ({"weight": -math.inf}, ("weight", "finite")),
    ({"weight": "1"}, ("weight",)),
    ({"weight": False}, ("weight",)),
    ({"source": "x2"}, ("endpoints",)),
    ({"target": "h2"}, ("endpoints",)),
    ({"source": "x2", "weight": 3.0}, ("endpoints",)),
    ({"id": "w2"}, ("w2", "already exists")),
    ({"id": "w 1"}, ("valid id",)),
    ({"trainable": None}, ("trainable",)),
], ids=["nan", "inf", "minus-inf", "string", "bool", "source", "target", "source-and-weight",
        "rename-to-existing", "bad-id", "trainable-none"])
def test_update_edge_refuses(net: Network, events: list[Change], changes: dict[str, Any],
                             words: tuple[str, ...]) -> None:
    assert_refused(net, events, lambda: net.update_edge("w1", **changes), *words)


def test_update_unknown_edge_raises_key_error(net: Network, events: list[Change]) -> None:
    with pytest.raises(KeyError):
        net.update_edge("nope", weight=1.0)
    assert events == []


# ---------------------------------------------------------------- samples, loss, settings
def test_set_samples_emits_and_copies(net: Network, events: list[Change]) -> None:
    old = net.samples
    new = [Sample([1.0, 1.0], [0.0])]
    net.set_samples(new)
    assert events == [Change(ChangeKind.SAMPLES_CHANGED, old=old, new=[Sample([1.0, 1.0], [0.0])])]
    new[0].inputs[0] = 99.0  # the caller's list is not the model's
    assert net.samples == [Sample([1.0, 1.0], [0.0])]


def test_set_samples_unchanged_emits_nothing(net: Network, events: list[Change]) -> None:
    net.set_samples([Sample([0, 1], [1]), Sample([1, 0], [0])])  # ints equal the floats
    net.set_samples(list(net.samples))
    assert events == []


def test_set_samples_to_empty(net: Network, events: list[Change]) -> None:
    net.set_samples([])
    assert net.samples == [] and [c.kind for c in events] == [ChangeKind.SAMPLES_CHANGED]


@pytest.mark.parametrize(("samples", "words"), [
    ([Sample([0.0, 1.0], [1.0]), Sample([1.0], [0.0])], ("samples[1].inputs", "1 inputs", "2")),
    ([Sample([0.0, 1.0, 2.0], [1.0])], ("samples[0].inputs", "3")),
    ([Sample([0.0, 1.0], [1.0]), Sample([1.0, 0.0], [0.0, 1.0])], ("samples[1].targets",)),
    ([Sample([0.0, 1.0], [])], ("samples[0].targets",)),
    ([Sample([0.0, math.nan], [1.0])], ("samples[0].inputs[1]", "finite")),
    ([Sample([0.0, 1.0], [math.inf])], ("samples[0].targets[0]", "finite")),
    ([Sample([0.0, "1"], [1.0])], ("samples[0].inputs[1]",)),  # type: ignore[list-item]
], ids=["short-inputs", "long-inputs", "long-targets", "no-targets", "nan-input",
        "inf-target", "string-input"])
def test_set_samples_refuses(net: Network, events: list[Change], samples: list[Sample],
                             words: tuple[str, ...]) -> None:
    assert_refused(net, events, lambda: net.set_samples(samples), *words)


def test_set_loss(net: Network, events: list[Change]) -> None:
    net.set_loss("half_sse")
    assert events == []
    net.set_loss("bce")
    net.set_loss("bce")
    assert events == [Change(ChangeKind.LOSS_CHANGED, old="half_sse", new="bce")]
    assert_refused(net, events, lambda: net.set_loss("mae"), "mae", "loss")


def test_set_training(net: Network, events: list[Change]) -> None:
    settings = TrainingSettings(learning_rate=0.1, mode="sgd", shuffle=True, seed=7)
    net.set_training(settings)
    assert [(c.kind, c.old, c.new) for c in events] == [
        (ChangeKind.TRAINING_CHANGED, TrainingSettings(), settings)]
    settings.learning_rate = 5.0  # the model keeps its own copy
    assert net.training.learning_rate == 0.1
    net.set_training(TrainingSettings(learning_rate=0.1, mode="sgd", shuffle=True, seed=7))
    assert len(events) == 1


def test_set_training_event_is_a_snapshot(net: Network, events: list[Change]) -> None:
    """The event records what the model now holds, not the caller's mutable object."""
    settings = TrainingSettings(learning_rate=0.1)
    net.set_training(settings)
    settings.learning_rate = 5.0
    assert events[-1].new == net.training == TrainingSettings(learning_rate=0.1)


def test_set_training_one_then_one_point_zero_emits_nothing_new(
        net: Network, events: list[Change]) -> None:
    net.set_training(TrainingSettings(learning_rate=1))
    net.set_training(TrainingSettings(learning_rate=1.0))
    assert len(events) == 1


@pytest.mark.parametrize(("settings", "words"), [
    (TrainingSettings(learning_rate=0), ("training.learning_rate",)),
    (TrainingSettings(learning_rate=-0.5), ("training.learning_rate",)),
    (TrainingSettings(learning_rate=math.nan), ("training.learning_rate",)),
    (TrainingSettings(learning_rate=math.inf), ("training.learning_rate",)),
    (TrainingSettings(learning_rate="0.5"), ("training.learning_rate",)),  # type: ignore[arg-type]
    (TrainingSettings(mode="online"), ("training.mode", "online")),
    (TrainingSettings(batch_size=0), ("training.batch_size",)),
    (TrainingSettings(batch_size=1.5), ("training.batch_size",)),  # type: ignore[arg-type]
    (TrainingSettings(batch_size=True), ("training.batch_size",)),
    (TrainingSettings(shuffle=1), ("training.shuffle",)),  # type: ignore[arg-type]
    (TrainingSettings(seed=1.5), ("training.seed",)),  # type: ignore[arg-type]
    (TrainingSettings(seed=False), ("training.seed",)),
], ids=["lr-0", "lr-negative", "lr-nan", "lr-inf", "lr-string", "mode", "batch-0",
        "batch-1.5", "batch-bool", "shuffle-int", "seed-float", "seed-bool"])
def test_set_training_refuses(net: Network, events: list[Change], settings: TrainingSettings,
                              words: tuple[str, ...]) -> None:
    assert_refused(net, events, lambda: net.set_training(settings), *words)


def test_set_text(net: Network, events: list[Change]) -> None:
    net.set_text(name="test", description="a test network")
    assert events == []
    net.set_text(name="renamed", description="a test network")
    assert events == [Change(ChangeKind.TEXT_CHANGED, field="name", old="test", new="renamed")]
    net.set_text(name="renamed", description=None)
    assert events[-1] == Change(ChangeKind.TEXT_CHANGED, field="description", old="a test network")
    assert net.description is None and len(events) == 2


@pytest.mark.parametrize("changes", [{"name": 5}, {"name": "ok", "description": ["x"]}],
                         ids=["name-number", "description-list"])
def test_set_text_refuses_non_strings(net: Network, events: list[Change],
                                      changes: dict[str, Any]) -> None:
    """The format says name and description are strings; the model must not hold others."""
    kept = {"name": net.name, "description": net.description}
    assert_refused(net, events, lambda: net.set_text(**{**kept, **changes}))


# ------------------------------------------------------------------------ observers, copy
def test_observers_always_see_a_valid_network(net: Network) -> None:
    """An observer may read the model on any event; it must never find it half-changed."""
    problems: list[tuple[Change, str]] = []

    def check(change: Change) -> None:
        try:
            net.validate()
        except NetworkError as exc:
            problems.append((change, str(exc)))

    net.subscribe(check)
    net.update_neuron("h1", id="hidden_1", bias=0.5)
    net.update_edge("w5", id="w_five", weight=2.0)
    net.add_edge(Edge("skip", "x1", "y", 1.0))
    net.remove_neuron("h2")
    net.add_neuron(Neuron("h3", "hidden"))
    net.set_loss("mse")
    assert problems == []


def test_unsubscribe_stops_events(net: Network, events: list[Change]) -> None:
    net.unsubscribe(events.append)
    net.update_edge("w1", weight=3.0)
    assert events == []


def test_every_observer_hears_every_change(net: Network, events: list[Change]) -> None:
    other: list[Change] = []
    net.subscribe(other.append)
    net.update_edge("w1", weight=3.0)
    net.set_loss("mse")
    assert other == events and len(events) == 2


def test_copy_is_deep(net: Network) -> None:
    original = state(net)
    clone = net.copy()
    assert state(clone) == original
    clone.neurons[2].bias = 9.0
    clone.neurons.append(Neuron("extra", "hidden"))
    clone.edges[0].weight = 9.0
    clone.edges.pop()
    clone.samples[0].inputs[0] = 9.0
    clone.samples.append(Sample([1.0, 1.0], [1.0]))
    clone.training.learning_rate = 9.0
    clone.view["panels"].append("b")
    clone.view["zoom"] = 9.0
    clone.loss = "sse"
    clone.name = "clone"
    assert state(net) == original


def test_copy_has_no_observers(net: Network, events: list[Change]) -> None:
    clone = net.copy()
    clone.update_edge("w1", weight=3.0)
    clone.add_neuron(Neuron("h3", "hidden"))
    clone.set_loss("sse")
    clone.set_samples([])
    assert events == []
    seen: list[Change] = []
    clone.subscribe(seen.append)
    net.update_edge("w1", weight=4.0)  # the original's changes do not reach the clone's
    assert seen == [] and len(events) == 1
    clone.update_edge("w1", weight=5.0)
    assert len(seen) == 1 and net.edge("w1").weight == 4.0


def test_set_parameters_emits_one_change_with_what_changed(net: Network,
                                                           events: list[Change]) -> None:
    net.set_parameters({"w1": 0.5, "w2": 2.0, "w3": -3.0}, {"h1": 0.1, "y": 0.9})
    assert events == [Change(ChangeKind.PARAMETERS_CHANGED,
                             old=({"w2": -0.5, "w3": 1.0}, {"y": 0.3}),
                             new=({"w2": 2.0, "w3": -3.0}, {"y": 0.9}))]
    net.set_parameters({"w2": 2.0}, {"y": 0.9})                 # nothing changes
    assert len(events) == 1


def test_change_kinds_are_typed_and_know_what_only_looks(net: Network,
                                                         events: list[Change]) -> None:
    net.update_neuron("h1", x=5.0, label="first")
    net.update_edge("w1", weight=0.25)
    net.set_text(name="other")
    assert all(isinstance(c.kind, ChangeKind) for c in events)
    assert [c.looks_only for c in events] == [True, True, False, True]
