"""The network's parts as plain data: :class:`Neuron`, :class:`Edge`, :class:`Sample` and
:class:`TrainingSettings`.

Only the data; the rules each part obeys are in :mod:`bpgui.network.validation`
and :mod:`bpgui.network.model`, the whole network in
:class:`~bpgui.network.model.Network`. No Qt, no NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Neuron:
    """One node of the graph: a neuron, f(Σ w·a + b), or an operation node.

    For inputs, ``activation``, ``bias`` and ``train_bias`` are unused. An operation node
    (``op`` set, a v1 addition: :mod:`bpgui.network.operations`) computes ``op`` of its
    incoming edges' w·a instead, with no activation and no bias; ``param`` is its
    constant (``const``'s value, ``pow``'s exponent)."""

    id: str
    role: str
    activation: str = "sigmoid"
    bias: float = 0.0
    train_bias: bool = True
    label: str | None = None
    x: float | None = None
    y: float | None = None
    op: str | None = None
    param: float | None = None

    @property
    def is_input(self) -> bool:
        return self.role == "input"

    @property
    def is_operation(self) -> bool:
        return self.op is not None

    @property
    def has_bias(self) -> bool:
        """A neuron that is not an input has a bias; an input or an operation node has none."""
        return self.role != "input" and self.op is None

    @property
    def display_label(self) -> str:
        return self.id if self.label is None else self.label


@dataclass
class Edge:
    """A weighted connection ``source -> target``; its id names the weight."""

    id: str
    source: str
    target: str
    weight: float
    trainable: bool = True
    label: str | None = None

    @property
    def display_label(self) -> str:
        return self.id if self.label is None else self.label


@dataclass
class Sample:
    """One example: one input per input neuron, one target per output.

    ``split`` (a v1 addition) is ``"train"`` or ``"test"``: training never uses a test
    sample; its loss is reported beside the training loss, to show overfitting."""

    inputs: list[float]
    targets: list[float]
    split: str = "train"

    @property
    def is_test(self) -> bool:
        return self.split == "test"

    def copy(self) -> Sample:
        """A sample with its own lists, so editing one does not edit the other."""
        return Sample(list(self.inputs), list(self.targets), self.split)


@dataclass
class TrainingSettings:
    """Gradient-descent settings, the file's ``training`` block."""

    learning_rate: float = 0.5
    mode: str = "batch"
    batch_size: int = 2
    shuffle: bool = False
    seed: int = 0
    optimizer: str = "sgd"        # a v1 addition, one of OPTIMIZER_NAMES, with its settings:
    momentum: float = 0.9         # momentum, nesterov: β
    beta1: float = 0.9            # adam: β₁, β₂
    beta2: float = 0.999
    eps: float = 1e-8             # rmsprop, adam: ε
    alpha: float = 0.99           # rmsprop: α
    l2: float = 0.0               # every rule: λ, added as λ·w to the gradient of each weight
    schedule: str = "constant"    # a v1 addition, one of SCHEDULE_NAMES: η after each update
    step_size: int = 100          # step: η ← γ·η after every step_size updates
    gamma: float = 0.1            # step, exponential (η ← γ·η after every update): γ


# The update rules the ``training.optimizer`` key names (bpgui.engine.optimizers.OPTIMIZERS
# builds them; the network layer keeps the names so it need not import the engine).
OPTIMIZER_NAMES = ("sgd", "momentum", "nesterov", "rmsprop", "adam")

# The learning-rate schedules the ``training.schedule`` key names (PyTorch's StepLR and
# ExponentialLR, stepped once per update): bpgui.engine.schedules applies them.
SCHEDULE_NAMES = ("constant", "step", "exponential")

# What the ``split`` key of a sample may say (a v1 addition).
SPLIT_NAMES = ("train", "test")
