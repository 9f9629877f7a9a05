"""The torch script's lines for operation nodes (issue 14): each node's value from its
operands, the helpers max and min need, and the values the engine refuses.

Why a module of its own: :mod:`bpgui.export.torch_script` writes what every network
has; a network without operation nodes never reaches this code, so its script stays
exactly what it was. Each operation's torch code comes from its record in
:mod:`bpgui.network.operations` (``{0}``, ``{1}`` the operands, ``{sum}``/``{prod}`` all
of them added/multiplied, ``{all}`` a list, ``{p}`` the node's constant); an operand
is ``w * v`` of an incoming edge, in file order, as the engine computes it.
"""

from __future__ import annotations

import re

import numpy as np

from bpgui.export.python_text import number, with_comment
from bpgui.export.torch_names import Symbols
from bpgui.network.errors import BpguiError
from bpgui.network.functions import ACTIVATION_TABLE
from bpgui.network.model import Network
from bpgui.network.numbers import fmt
from bpgui.network.operations import OPERATION_TABLE, Operation, check_operands

FLOAT64 = "dtype=torch.float64"

# torch.max and torch.min pick among ties as torch likes; bpgui sends the gradient to the
# first extreme operand, so the script picks it itself and autograd follows the pick.
HELPERS = {
    "max": '''\
def first_max(operands: list[torch.Tensor]) -> torch.Tensor:
    """The largest operand; the first one that attains it gets the whole gradient, as in
    bpgui (torch.max may pick another among ties)."""
    best = operands[0]
    for operand in operands[1:]:
        if operand > best:
            best = operand
    return best''',
    "min": '''\
def first_min(operands: list[torch.Tensor]) -> torch.Tensor:
    """The smallest operand; the first one that attains it gets the whole gradient, as in
    bpgui (torch.min may pick another among ties)."""
    best = operands[0]
    for operand in operands[1:]:
        if operand < best:
            best = operand
    return best''',
}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def helpers(network: Network) -> list[str]:
    """The helper functions of the operations this network uses, in table order."""
    used = {n.op for n in network.neurons if n.is_operation}
    return [HELPERS[name] for name in OPERATION_TABLE if name in used and name in HELPERS]


def value_code(op: Operation, operands: list[str], param: float | None) -> str:
    """The torch expression of an operation node's value: the record's code with the
    operands (``w * v`` each) filled in, in parentheses where Python would otherwise
    bind them differently (``(w * x) ** 2``, ``a / (w * y)``, ``-(w * x)``)."""
    if op.max_operands == 0:      # a constant: a leaf, so that autograd reports ∂L/∂c
        return f"torch.tensor({number(param or 0.0)}, {FLOAT64}, requires_grad=True)"

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "sum":
            return " + ".join(operands)
        if key == "prod":
            return operands[0] if len(operands) == 1 else " * ".join(f"({o})" for o in operands)
        if key == "all":
            return f"[{', '.join(operands)}]"
        if key == "p":
            return number(param if param is not None else 1.0)
        before, after = op.torch[:match.start()], op.torch[match.end():]
        bound = before.endswith(("/ ", "* ", "-")) or after.startswith(" **")
        operand = operands[int(key)]
        return f"({operand})" if bound else operand
    return _PLACEHOLDER.sub(fill, op.torch)


def forward_lines(network: Network, nid: str, names: Symbols, operands: list[str]) -> list[str]:
    """``v = op(operands)``, with the operation's name as a comment."""
    node = next(n for n in network.neurons if n.id == nid)
    op = OPERATION_TABLE[node.op or ""]
    return with_comment(f"{names.v[nid]} = {value_code(op, operands, node.param)}",
                        op.name).splitlines()


def refuse_undefined(network: Network, sample: int, order: list[str]) -> None:
    """Refuse, as the engine does, an operation node without the operands it takes or
    with no value in this sample (log of a value that is not positive, say): a script
    that printed NaN would say nothing about where."""
    check_operands(network.neurons, network.edges)
    if not any(n.is_operation for n in network.neurons):
        return
    node = {n.id: n for n in network.neurons}
    values = dict(zip((n.id for n in network.inputs), network.samples[sample].inputs,
                      strict=True))
    for nid in order:
        if node[nid].is_input:
            continue
        ops = [np.asarray(e.weight * values[e.source]) for e in network.edges
               if e.target == nid]
        n = node[nid]
        if n.op is None:
            z = n.bias + sum(float(o) for o in ops)
            values[nid] = float(ACTIVATION_TABLE[n.activation].f(np.array(z)))
            continue
        op = OPERATION_TABLE[n.op]
        if op.undefined is not None and bool(np.any(op.undefined(ops, n.param))):
            shown = ops[-1] if op.name == "div" else ops[0]
            raise BpguiError(f"node {nid!r}: {op.why} ({fmt(float(shown))}) in sample {sample}")
        values[nid] = float(op.value(ops, n.param))
