"""The torch script's Python names: one per tensor, none that the script itself uses.

bpgui's ids are free text to Python (``if``, ``print``, ``torch``, ``__builtins__`` are all
valid ids), so each tensor claims an identifier no keyword, builtin, dunder, global of
the script or earlier tensor already has.
"""

from __future__ import annotations

import builtins
import keyword
import re

from bpgui.network.functions import ACTIVATION_TABLE, LOSS_TABLE, Activation, Loss
from bpgui.network.model import Network


def defined_names(text: str) -> set[str]:
    """The global names a helper or constant of the table defines: ``def softplus``,
    ``class ClampedBCE``, ``LEAKY_SLOPE = …`` at the start of a line."""
    return set(re.findall(r"^(?:def |class )?([A-Za-z_]\w*)", text, re.MULTILINE))


_ENTRIES: tuple[Activation | Loss, ...] = (*ACTIVATION_TABLE.values(), *LOSS_TABLE.values())
# Every global name the script itself uses; no tensor may take one of them.
SCRIPT_NAMES = frozenset({
    "torch", "json", "math", "inputs", "weights", "biases", "pre_activations",
    "activations", "NEURON_IDS", "yhat", "y", "shifted", "log_s", "loss", "tensor",
    "gradient", "neuron_values", "report", "operations", "first_max", "first_min",
}).union(*(defined_names(f"{entry.torch_helper}\n{entry.torch_constant}") for entry in _ENTRIES))
RESERVED = SCRIPT_NAMES | frozenset(vars(builtins))


class Names:
    """Python names for the script's tensors: identifiers, and no keyword, name the script
    uses, builtin, dunder (``__builtins__``) or repeat."""

    def __init__(self, reserved: frozenset[str] = frozenset()) -> None:
        self.taken: set[str] = set(RESERVED | reserved)

    def claim(self, wanted: str) -> str:
        base = python_identifier(wanted)
        name, count = base, 1
        while name in self.taken or (name.startswith("__") and name.endswith("__")):
            count += 1
            name = f"{base}_{count}"
        self.taken.add(name)
        return name


def python_identifier(text: str) -> str:
    """``text`` as an ASCII identifier that is not a keyword (``if`` → ``if_``)."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", text)
    if not name or name[0].isdigit():
        name = f"_{name}"
    return f"{name}_" if keyword.iskeyword(name) else name


class Symbols:
    """The script's name for each quantity, by bpgui id.

    ``a`` holds every node's value (an input or an operation node by its own id, as the
    step text writes it, a neuron as ``a_<id>``); ``z`` and ``b`` the neurons that have a
    bias; ``w`` the edges. Inputs claim their names first, then weights, biases, z and a,
    each in file order, and operation nodes last (so that a network without them keeps
    the names it always had). ``reserved`` adds names the script uses besides its own
    (the training part's, when it trains).
    """

    def __init__(self, network: Network, reserved: frozenset[str] = frozenset()) -> None:
        names = Names(reserved)
        computed = [n for n in network.neurons if n.has_bias]
        self.a = {n.id: names.claim(n.id) for n in network.inputs}
        self.w = {e.id: names.claim(e.id) for e in network.edges}
        self.b = {n.id: names.claim(f"b_{n.id}") for n in computed}
        self.z = {n.id: names.claim(f"z_{n.id}") for n in computed}
        self.a.update({n.id: names.claim(f"a_{n.id}") for n in computed})
        self.v = {n.id: names.claim(n.id) for n in network.neurons if n.is_operation}
        self.a.update(self.v)
