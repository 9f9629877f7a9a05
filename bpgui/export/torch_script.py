"""One sample's pass as a standalone PyTorch script (``bpgui export-torch``).

Why: a student who has stepped through backpropagation in bpgui should meet the same
network in the framework they will use next, written out neuron by neuron, and see
autograd arrive at bpgui's numbers. The script prints the part of ``bpgui trace`` that
one sample's pass determines (sample, outputs, loss, neurons, gradients), keyed and
ordered the same way, so the two can be compared number by number.

This module only writes text: it never imports torch (the core must not depend on it);
the script it writes imports torch and json and nothing else.

The script follows the engine as closely as torch allows, so the two agree to rounding:
the walk's step order (topological level, then file order) and its checks, each z
summed in the engine's order (the bias, then the incoming edges in file order), the
spec's formula for every activation and loss, and the spec's gradient where the spec
rather than calculus defines it (bce through its clamp). Two torch shortcuts are
avoided on purpose: ``torch.nn.functional.softplus`` returns z itself above z = 20 (so
its derivative there is exactly 1, not sigmoid(z)), and autograd through ``torch.clamp``
gives bce a zero gradient where the clamp is active.
"""

from __future__ import annotations

import builtins
import itertools
import json
import keyword
import re
import textwrap

from bpgui.engine.walk import Walk
from bpgui.network.functions import BCE_CLAMP, LEAKY_SLOPE, LOSS_TABLE
from bpgui.network.model import ACTIVATIONS, LOSSES, Edge, Network, Neuron

LINE = 100           # generated lines are wrapped to this many characters where they can be
DOC_WIDTH = 88       # the docstring's paragraphs
INDENT = "    "
FLOAT64 = "dtype=torch.float64"

# Every global name the script itself uses; no tensor may take one of them.
SCRIPT_NAMES = frozenset({
    "torch", "json", "math", "BCE_CLAMP", "LEAKY_SLOPE", "softplus", "ClampedBCE",
    "inputs", "weights", "biases", "pre_activations", "activations", "NEURON_IDS",
    "yhat", "y", "shifted", "log_s", "loss", "tensor", "gradient", "neuron_values",
    "report",
})
RESERVED = SCRIPT_NAMES | frozenset(vars(builtins))

# How the script computes each activation, and what a reader should know about it.
ACTIVATION_CODE: dict[str, str] = {
    "identity": "{z}",
    "sigmoid": "torch.sigmoid({z})",
    "tanh": "torch.tanh({z})",
    "relu": "torch.relu({z})",
    "leaky_relu": "torch.nn.functional.leaky_relu({z}, LEAKY_SLOPE)",
    "softplus": "softplus({z})",
    "sin": "torch.sin({z})",
}
ACTIVATION_NOTES: dict[str, str] = {
    "identity": "identity    a = z; derivative 1",
    "sigmoid": "sigmoid     a = 1 / (1 + e^-z), torch.sigmoid; derivative a(1 − a)",
    "tanh": "tanh        a = tanh z, torch.tanh; derivative 1 − a²",
    "relu": "relu        a = max(0, z), torch.relu; derivative 1 if z > 0 else 0 (0 at z = 0)",
    "leaky_relu": "leaky_relu  a = z if z > 0 else 0.01 z; derivative 1 if z > 0 else 0.01 "
                  "(at 0 too)",
    "softplus": "softplus    a = ln(1 + e^z), without overflow (softplus, above); "
                "derivative sigmoid(z)",
    "sin": "sin         a = sin z, torch.sin; derivative cos z",
}
assert tuple(ACTIVATION_CODE) == ACTIVATIONS == tuple(ACTIVATION_NOTES)

SOFTPLUS = '''\
def softplus(z: torch.Tensor) -> torch.Tensor:
    """ln(1 + e^z) = ln(e^0 + e^z), which logaddexp computes without overflow.

    Its derivative is sigmoid(z). (torch.nn.functional.softplus returns z itself above
    z = 20, off by about e^-z, with a derivative of exactly 1 there.)
    """
    return torch.logaddexp(torch.zeros_like(z), z)
'''

CLAMPED_BCE = '''\
class ClampedBCE(torch.autograd.Function):
    """bce over the outputs, with bpgui's gradient (p_k − y_k) / (p_k (1 − p_k)).

    p_k is ŷ_k clamped to [BCE_CLAMP, 1 − BCE_CLAMP], so both logarithms stay finite.
    bpgui's gradient uses the clamped p even where the clamp is active; autograd through
    torch.clamp would give 0 there instead, so this loss spells out its own backward.
    """

    @staticmethod
    def forward(ctx, yhat, y):
        p = torch.clamp(yhat, BCE_CLAMP, 1.0 - BCE_CLAMP)
        ctx.save_for_backward(p, y)
        return -torch.sum(y * torch.log(p) + (1.0 - y) * torch.log1p(-p))

    @staticmethod
    def backward(ctx, grad):
        p, y = ctx.saved_tensors
        return grad * (p - y) / (p * (1.0 - p)), None
'''

LOSS_CODE: dict[str, list[str]] = {
    "half_sse": ["loss = 0.5 * torch.sum((y - yhat) ** 2)"],
    "sse": ["loss = torch.sum((yhat - y) ** 2)"],
    "mse": ["loss = torch.mean((yhat - y) ** 2)"],
    "bce": ["loss = ClampedBCE.apply(yhat, y)"],
    "softmax_ce": [
        "# A stable softmax: shifting ŷ by its max changes no s_k and keeps every e^… ≤ 1;",
        "# the shift is a constant (detached), so no gradient flows through it.",
        "shifted = yhat - yhat.max().detach()",
        "log_s = shifted - torch.log(torch.sum(torch.exp(shifted)))  # ln s_k",
        "loss = -torch.sum(y * log_s)",
    ],
}
assert tuple(LOSS_CODE) == LOSSES

REPORT = '''\
def gradient(t: torch.Tensor) -> float:
    """∂L/∂t as a float: 0.0 where the loss does not depend on t (autograd left no .grad)."""
    return 0.0 if t.grad is None else t.grad.item()


def neuron_values(nid: str) -> dict[str, float]:
    """What bpgui trace reports of a neuron: a and ∂L/∂a of an input, else z, a and δ."""
    if nid in inputs:
        return {"a": inputs[nid].item(), "grad": gradient(inputs[nid])}
    z = pre_activations[nid]
    return {"z": z.item(), "a": activations[nid].item(), "delta": gradient(z)}
'''


def torch_script(network: Network, sample: int = 0, source: str | None = None) -> str:
    """The text of a standalone script that runs ``sample``'s pass with torch autograd.

    ``source`` (the network file's path, if any) is named in the script's docstring.
    Raises :class:`~bpgui.network.errors.BpguiError` for an invalid network, a network with no
    output or no sample, and a sample index out of range, as ``bpgui trace`` does.
    """
    network.validate()
    walk = Walk(network, sample)
    names = _Symbols(network)
    sections = [
        _header(network, sample, source),
        _helpers(network),
        _inputs(walk, names),
        _weights(network, names),
        _biases(network, names),
        _forward(walk, names),
        _loss(network, walk, names),
        _backward(),
        REPORT.splitlines(),
        _report(network, sample),
    ]
    return _joined([lines for lines in sections if lines])


def _joined(sections: list[list[str]]) -> str:
    """The sections one blank line apart, two around function and class definitions."""
    text = "\n".join(sections[0])
    for before, lines in itertools.pairwise(sections):
        around_definition = any(line.startswith(("def ", "class ")) for line in before) \
            or lines[0].startswith(("def ", "class "))
        text += ("\n\n\n" if around_definition else "\n\n") + "\n".join(lines)
    return text + "\n"


# --------------------------------------------------------------------------------- names
class _Names:
    """Python names for the script's tensors: identifiers, and no keyword, name the script
    uses, builtin, dunder (``__builtins__``) or repeat."""

    def __init__(self) -> None:
        self.taken: set[str] = set(RESERVED)

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


class _Symbols:
    """The script's name for each quantity, by bpgui id.

    ``a`` holds every neuron (an input by its own id, as the step text writes it, the
    others as ``a_<id>``); ``z`` and ``b`` the non-inputs; ``w`` the edges. Inputs claim
    their names first, then weights, biases, z and a, each in file order.
    """

    def __init__(self, network: Network) -> None:
        names = _Names()
        computed = [n for n in network.neurons if not n.is_input]
        self.a = {n.id: names.claim(n.id) for n in network.inputs}
        self.w = {e.id: names.claim(e.id) for e in network.edges}
        self.b = {n.id: names.claim(f"b_{n.id}") for n in computed}
        self.z = {n.id: names.claim(f"z_{n.id}") for n in computed}
        self.a.update({n.id: names.claim(f"a_{n.id}") for n in computed})


# ------------------------------------------------------------------------------ sections
def _header(network: Network, sample: int, source: str | None) -> list[str]:
    title = f"{network.name}: " if network.name else ""
    origin = f"the network file {source}" if source else "a network that was not saved"
    about = (f"bpgui wrote this script from {origin} (bpgui export-torch). It builds the "
             "same network with float64 torch tensors, one per input, weight and bias, runs "
             f"sample {sample} forward neuron by neuron in bpgui's step order, computes the "
             f"{network.loss} loss, lets autograd run the backward pass (loss.backward()) "
             "and prints the loss and every gradient as JSON, shaped like the matching part "
             f"of `bpgui trace FILE --sample {sample}`, so the two can be compared number by "
             "number.")
    lines = [f'"""{_docstring_text(title)}one sample\'s backpropagation, in PyTorch.', ""]
    lines += _paragraph(_docstring_text(about))
    lines += ["", "It needs only torch: python this_file.py", '"""', "", "import json", "",
              "import torch"]
    return lines


def _helpers(network: Network) -> list[str]:
    """Constants and functions, only those this network uses."""
    used = {n.activation for n in network.neurons if not n.is_input}
    lines = []
    if "leaky_relu" in used:
        lines.append(f"LEAKY_SLOPE = {LEAKY_SLOPE!r}  # leaky_relu's slope for z ≤ 0")
    if network.loss == "bce":
        lines.append(f"BCE_CLAMP = {BCE_CLAMP!r}  # bce clamps each ŷ_k to "
                     "[BCE_CLAMP, 1 − BCE_CLAMP]")
    for code, wanted in ((SOFTPLUS, "softplus" in used), (CLAMPED_BCE, network.loss == "bce")):
        if wanted:
            lines += ["", "", *code.splitlines()] if lines else code.splitlines()
    return lines


def _tensor(value: float) -> str:
    """A float64 leaf that requires grad: every input, weight and bias gets its gradient."""
    return f"torch.tensor({_number(value)}, {FLOAT64}, requires_grad=True)"


def _inputs(walk: Walk, names: _Symbols) -> list[str]:
    lines = [f"# The inputs of sample {walk.sample}. They require grad too, so that autograd "
             "also reports", "# ∂L/∂x of each input, as bpgui trace does."]
    lines += [f"{names.a[nid]} = {_tensor(value)}" for nid, value in walk.x.items()]
    return [*lines, *_mapping("inputs", {nid: names.a[nid] for nid in walk.inputs})]


def _weights(network: Network, names: _Symbols) -> list[str]:
    lines = ["# The weights, one per edge. A frozen one (trainable: false) only keeps gradient",
             "# descent from changing it in bpgui; bpgui trace still reports its gradient, so",
             "# every weight requires grad here."]
    for e in network.edges:
        lines.append(_with_comment(f"{names.w[e.id]} = {_tensor(e.weight)}", _edge_note(e)))
    return [*lines, *_mapping("weights", names.w)]


def _edge_note(e: Edge) -> str:
    return f"{e.source} -> {e.target}" + ("" if e.trainable else ", frozen")


def _biases(network: Network, names: _Symbols) -> list[str]:
    lines = ["# The biases, one per hidden or output neuron (frozen ones require grad too)."]
    for n in network.neurons:
        if not n.is_input:
            lines.append(_with_comment(f"{names.b[n.id]} = {_tensor(n.bias)}", _neuron_note(n)))
    return [*lines, *_mapping("biases", names.b)]


def _neuron_note(n: Neuron) -> str:
    return f"{n.role} {n.id}, {n.activation}" + ("" if n.train_bias else ", frozen")


def _forward(walk: Walk, names: _Symbols) -> list[str]:
    order = walk.non_inputs()
    used = sorted({walk.neuron[nid].activation for nid in order}, key=ACTIVATIONS.index)
    lines = ["# Forward pass, in bpgui's step order: topological level, then file order.",
             "# z = b + Σ w·a over the neuron's incoming edges (in file order), then a = f(z):"]
    lines += [f"#   {ACTIVATION_NOTES[name]}" for name in used]
    level = None
    for nid in order:
        if walk.level[nid] != level:
            level = walk.level[nid]
            lines += ["", f"# Level {level}"]
        terms = [names.b[nid]] + [f"{names.w[e.id]} * {names.a[e.source]}"
                                  for e in walk.incoming[nid]]
        lines += _sum(names.z[nid], terms)
        activation = ACTIVATION_CODE[walk.neuron[nid].activation].format(z=names.z[nid])
        lines.append(f"{names.a[nid]} = {activation}")
    return [*lines, "",
            "# bpgui id -> z and a of each hidden and output neuron (δ = ∂L/∂z is reported)",
            *_mapping("pre_activations", names.z),
            *_mapping("activations", {nid: names.a[nid] for nid in names.z})]


def _loss(network: Network, walk: Walk, names: _Symbols) -> list[str]:
    loss = LOSS_TABLE[network.loss]
    outputs = ", ".join(names.a[nid] for nid in walk.outputs)
    targets = ", ".join(_number(t) for t in walk.y)
    return [f"# The loss, {loss.name}: ℓ = {loss.formula}",
            f"# and its gradient: ∂ℓ/∂ŷ_k = {loss.gradient}",
            _with_comment(f"yhat = torch.stack([{outputs}])", "the outputs ŷ, in file order"),
            _with_comment(f"y = torch.tensor([{targets}], {FLOAT64})",
                          f"the targets of sample {walk.sample}"),
            *LOSS_CODE[network.loss]]


def _backward() -> list[str]:
    return ["# Backward pass: autograd fills .grad of every leaf tensor (inputs, weights and",
            "# biases); retain_grad() asks it to keep ∂L/∂z = δ of every z as well.",
            "for tensor in pre_activations.values():",
            f"{INDENT}tensor.retain_grad()",
            "loss.backward()"]


def _report(network: Network, sample: int) -> list[str]:
    return [*_wrap("NEURON_IDS = [", [_string(n.id) for n in network.neurons],
                   "]  # every neuron, in file order"),
            "",
            f"# The part of `bpgui trace FILE --sample {sample}` that this pass determines.",
            "report = {",
            f'{INDENT}"sample": {sample},',
            f'{INDENT}"outputs": yhat.tolist(),',
            f'{INDENT}"loss": loss.item(),',
            f'{INDENT}"neurons": {{nid: neuron_values(nid) for nid in NEURON_IDS}},',
            f'{INDENT}"gradients": {{',
            f'{INDENT * 2}"weights": {{eid: gradient(w) for eid, w in weights.items()}},',
            f'{INDENT * 2}"biases": {{nid: gradient(b) for nid, b in biases.items()}},',
            f"{INDENT}}},",
            "}",
            "print(json.dumps(report, indent=2, ensure_ascii=False))"]


# ------------------------------------------------------------------------------- pieces
def _number(value: float) -> str:
    """A Python literal that reads back as exactly ``value`` (repr of a float round-trips)."""
    return repr(float(value))


def _string(text: str) -> str:
    """A Python string literal (a JSON string literal is one)."""
    return json.dumps(text)


def _mapping(name: str, symbols: dict[str, str]) -> list[str]:
    """``name = {"id": tensor, ...}``: bpgui's id to the script's tensor, in file order."""
    return _wrap(f"{name} = {{", [f"{_string(k)}: {v}" for k, v in symbols.items()], "}")


def _wrap(head: str, items: list[str], tail: str) -> list[str]:
    """``head items, ... tail`` on one line, or the items in indented runs between them."""
    one = head + ", ".join(items) + tail
    if len(one) <= LINE:
        return [one]
    lines, current = [head], ""
    for item in items:
        if current and len(INDENT) + len(current) + len(item) + 2 > LINE:
            lines.append(INDENT + current.rstrip())
            current = ""
        current += f"{item}, "
    if current:
        lines.append(INDENT + current.rstrip().rstrip(",") + ",")
    return [*lines, tail]


def _sum(target: str, terms: list[str]) -> list[str]:
    """``target = t0 + t1 + ...``, continued in parentheses when it is too long for a line.

    Python adds left to right, line breaks or not, so the order is still the engine's.
    """
    one = f"{target} = {' + '.join(terms)}"
    if len(one) <= LINE:
        return [one]
    lead = f"{target} = ("
    pad = " " * len(lead) if len(lead) <= 40 else INDENT * 2
    lines, current = [], lead + terms[0]
    for term in terms[1:]:
        if len(current) + len(term) + 3 > LINE:
            lines.append(current)
            current = f"{pad}+ {term}"
        else:
            current += f" + {term}"
    return [*lines, current + ")"]


def _with_comment(code: str, comment: str) -> str:
    """``code  # comment``, or the comment on a line of its own above a long line."""
    line = f"{code}  # {comment}"
    return line if len(line) <= LINE else f"# {comment}\n{code}"


def _paragraph(text: str) -> list[str]:
    """``text`` wrapped to DOC_WIDTH, never inside a `code span` (a command, say)."""
    keep = re.sub(r"`[^`]*`", lambda m: m.group().replace(" ", "\0"), text)
    return [line.replace("\0", " ") for line in textwrap.wrap(
        keep, DOC_WIDTH, break_long_words=False, break_on_hyphens=False)]


def _docstring_text(text: str) -> str:
    """``text`` safe inside a triple-quoted docstring: backslashes, quotes and control
    characters (a newline in a file name, say) escaped."""
    out = []
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif not ch.isprintable() and ch != " ":
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return "".join(out)
