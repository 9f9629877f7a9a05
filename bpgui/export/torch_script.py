"""One sample's pass as a standalone PyTorch script (``bpgui export-torch``).

Why: a student who has stepped through backpropagation in bpgui should meet the same
network in the framework they will use next, written out neuron by neuron, and see
autograd arrive at bpgui's numbers. The script prints the part of ``bpgui trace`` that
one sample's pass determines (sample, outputs, loss, neurons, gradients), keyed and
ordered the same way, so the two can be compared number by number.

This module decides what the script says, section by section; how each activation and
loss is computed in torch comes from its entry in :mod:`bpgui.network.functions`, the
script's names from :mod:`bpgui.export.torch_names`, and how lines are laid out from
:mod:`bpgui.export.python_text`. It only writes text: it never imports torch (the core
must not depend on it); the script it writes imports torch and json and nothing else.

The script follows the engine as closely as torch allows, so the two agree to rounding:
the walk's step order (topological level, then file order) and its checks, each z
summed in the engine's order (the bias, then the incoming edges in file order), the
spec's formula for every activation and loss, and the spec's gradient where the spec
rather than calculus defines it (bce through its clamp). Two torch shortcuts are
avoided on purpose: ``torch.nn.functional.softplus`` returns z itself above z = 20 (so
its derivative there is exactly 1, not sigmoid(z)), and autograd through ``torch.clamp``
gives bce a zero gradient where the clamp is active.

Operation nodes (issue 14) come from :mod:`bpgui.export.torch_operations`: each is
computed from its operands with its operation's torch code and reported as bpgui reports
it (its value as ``a``, ∂L/∂v as ``delta``, no bias). A network without them gets the
script it always got, byte for byte.

Given ``iterations`` (issue 16), the script goes on to train as ``bpgui train`` does,
with torch.optim: :mod:`bpgui.export.torch_training` writes that part from the same
per-node lines. Without it the script is what it always was, byte for byte.
"""

from __future__ import annotations

from bpgui.engine.walk import Walk
from bpgui.export import torch_operations
from bpgui.export.python_text import (
    INDENT,
    LINE,
    docstring_text,
    joined,
    mapping,
    number,
    paragraph,
    string,
    sum_of,
    with_comment,
    wrap,
)
from bpgui.export.torch_names import Symbols
from bpgui.export.torch_training import TRAINING_NAMES, training_about, training_sections
from bpgui.network.functions import ACTIVATION_TABLE, ACTIVATIONS, LOSS_TABLE, Activation, Loss
from bpgui.network.model import Edge, Network, Neuron, TrainingSettings, check_training

FLOAT64 = "dtype=torch.float64"

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

PRINT = "print(json.dumps(report, indent=2, ensure_ascii=False))"

# The same with operation nodes: their value v as "a" and ∂L/∂v as "delta".
REPORT_WITH_OPERATIONS = REPORT.replace(
    "    if nid in inputs:", """\
    if nid in operations:
        return {"a": operations[nid].item(), "grad": gradient(operations[nid])}
    if nid in inputs:""").replace(
    "of an input, else z, a and δ.",
    "of an input,\n    v and ∂L/∂v of an operation node, else z, a and δ.")


def torch_script(network: Network, sample: int = 0, source: str | None = None, *,
                 iterations: int | None = None,
                 settings: TrainingSettings | None = None) -> str:
    """The text of a standalone script that runs ``sample``'s pass with torch autograd,
    and then, given ``iterations``, trains as ``bpgui train --iterations`` does with
    ``settings`` (the file's training block unless given), with torch.optim.

    ``source`` (the network file's path, if any) is named in the script's docstring.
    Raises :class:`~bpgui.network.errors.BpguiError` for an invalid network, a network with no
    output or no sample, and a sample index out of range, as ``bpgui trace`` does, and
    for training settings ``bpgui train`` refuses.
    """
    network.validate()
    walk = Walk(network, sample)
    torch_operations.refuse_undefined(network, sample, walk.order)
    training = None if iterations is None else (settings or network.training)
    if training is not None:
        check_training(training)
    names = Symbols(network, TRAINING_NAMES if training is not None else frozenset())
    has_operations = bool(names.v)
    sections = [
        _header(network, sample, source, iterations, training),
        _helpers(network),
        _inputs(walk, names),
        _weights(network, names),
        _biases(network, names),
        _forward(walk, names),
        _loss(network, walk, names),
        _backward(has_operations),
        (REPORT_WITH_OPERATIONS if has_operations else REPORT).splitlines(),
        _report(network, sample),
    ]
    if iterations is not None and training is not None:
        body = {nid: _node_lines(walk, names, nid, width=LINE - len(INDENT))  # a def's body
                for nid in walk.non_inputs()}
        sections[-1] = sections[-1][:-1]               # its print comes last
        sections += [*training_sections(network, training, iterations, body, names),
                     [PRINT]]
    return joined([lines for lines in sections if lines])


# ------------------------------------------------------------------------------ sections
def _header(network: Network, sample: int, source: str | None, iterations: int | None,
            training: TrainingSettings | None) -> list[str]:
    title = f"{network.name}: " if network.name else ""
    origin = f"the network file {source}" if source else "a network that was not saved"
    nodes = "node by node" if any(n.is_operation for n in network.neurons) \
        else "neuron by neuron"
    about = (f"bpgui wrote this script from {origin} (bpgui export-torch). It builds the "
             "same network with float64 torch tensors, one per input, weight and bias, runs "
             f"sample {sample} forward {nodes} in bpgui's step order, computes the "
             f"{network.loss} loss, lets autograd run the backward pass (loss.backward()) "
             "and prints the loss and every gradient as JSON, shaped like the matching part "
             f"of `bpgui trace FILE --sample {sample}`, so the two can be compared number by "
             "number.")
    lines = [f'"""{docstring_text(title)}one sample\'s backpropagation, in PyTorch.', ""]
    lines += paragraph(docstring_text(about))
    if iterations is not None and training is not None:
        lines += ["", *paragraph(docstring_text(training_about(training, iterations)))]
    lines += ["", "It needs only torch: python this_file.py", '"""', "", "import json", "",
              "import torch"]
    return lines


def _helpers(network: Network) -> list[str]:
    """Constants, then functions, of the activations (in table order) and the loss this
    network uses, as their table entries write them."""
    used = {n.activation for n in network.neurons if n.has_bias}
    entries: list[Activation | Loss] = [ACTIVATION_TABLE[n] for n in ACTIVATIONS if n in used]
    loss = LOSS_TABLE[network.loss]
    lines = [entry.torch_constant for entry in [*entries, loss] if entry.torch_constant]
    helpers = [entry.torch_helper for entry in entries if entry.torch_helper]
    helpers += torch_operations.helpers(network)
    helpers += [loss.torch_helper] if loss.torch_helper else []
    for helper in helpers:
        code = helper.splitlines()
        lines += ["", "", *code] if lines else code
    return lines


def _tensor(value: float) -> str:
    """A float64 leaf that requires grad: every input, weight and bias gets its gradient."""
    return f"torch.tensor({number(value)}, {FLOAT64}, requires_grad=True)"


def _inputs(walk: Walk, names: Symbols) -> list[str]:
    lines = [f"# The inputs of sample {walk.sample}. They require grad too, so that autograd "
             "also reports", "# ∂L/∂x of each input, as bpgui trace does."]
    lines += [f"{names.a[nid]} = {_tensor(value)}" for nid, value in walk.x.items()]
    return [*lines, *mapping("inputs", {nid: names.a[nid] for nid in walk.inputs})]


def _weights(network: Network, names: Symbols) -> list[str]:
    lines = ["# The weights, one per edge. A frozen one (trainable: false) only keeps gradient",
             "# descent from changing it in bpgui; bpgui trace still reports its gradient, so",
             "# every weight requires grad here."]
    for e in network.edges:
        lines.append(with_comment(f"{names.w[e.id]} = {_tensor(e.weight)}", _edge_note(e)))
    return [*lines, *mapping("weights", names.w)]


def _edge_note(e: Edge) -> str:
    return f"{e.source} -> {e.target}" + ("" if e.trainable else ", frozen")


def _biases(network: Network, names: Symbols) -> list[str]:
    if any(n.is_operation for n in network.neurons):
        lines = ["# The biases, one per hidden or output neuron (frozen ones require grad too);",
                 "# an operation node has none."]
    else:
        lines = ["# The biases, one per hidden or output neuron (frozen ones require grad too)."]
    for n in network.neurons:
        if n.has_bias:
            lines.append(with_comment(f"{names.b[n.id]} = {_tensor(n.bias)}", _neuron_note(n)))
    return [*lines, *mapping("biases", names.b)]


def _neuron_note(n: Neuron) -> str:
    return f"{n.role} {n.id}, {n.activation}" + ("" if n.train_bias else ", frozen")


def _forward(walk: Walk, names: Symbols) -> list[str]:
    order = walk.non_inputs()
    used = sorted({walk.neuron[nid].activation for nid in order if nid in names.z},
                  key=ACTIVATIONS.index)
    lines = ["# Forward pass, in bpgui's step order: topological level, then file order."]
    if used:
        lines.append("# z = b + Σ w·a over the neuron's incoming edges (in file order), "
                     "then a = f(z):")
        lines += [f"#   {name:<11} {ACTIVATION_TABLE[name].torch_note}" for name in used]
    if names.v:
        lines += ["# An operation node's value is its operation of its operands, one per "
                  "incoming edge", "# in file order, each w·v (the weight times the source's "
                  "value)."]
    level = None
    for nid in order:
        if walk.level[nid] != level:
            level = walk.level[nid]
            lines += ["", f"# Level {level}"]
        lines += _node_lines(walk, names, nid)
    if not names.v:
        return [*lines, "",
                "# bpgui id -> z and a of each hidden and output neuron (δ = ∂L/∂z is reported)",
                *mapping("pre_activations", names.z),
                *mapping("activations", {nid: names.a[nid] for nid in names.z})]
    return [*lines, "",
            "# bpgui id -> z and a of each neuron (δ = ∂L/∂z is reported) and v of each",
            "# operation node (∂L/∂v is reported)",
            *mapping("pre_activations", names.z),
            *mapping("activations", {nid: names.a[nid] for nid in names.z}),
            *mapping("operations", names.v)]


def _node_lines(walk: Walk, names: Symbols, nid: str, width: int = LINE) -> list[str]:
    """A node's value from its operands: z = b + Σ w·a and a = f(z), or an operation's,
    in lines of at most ``width`` characters."""
    operands = [f"{names.w[e.id]} * {names.a[e.source]}" for e in walk.incoming[nid]]
    if nid in names.v:
        return torch_operations.forward_lines(walk.network, nid, names, operands)
    activation = ACTIVATION_TABLE[walk.neuron[nid].activation].torch.format(z=names.z[nid])
    return [*sum_of(names.z[nid], [names.b[nid], *operands], width),
            f"{names.a[nid]} = {activation}"]


def _loss(network: Network, walk: Walk, names: Symbols) -> list[str]:
    loss = LOSS_TABLE[network.loss]
    outputs = ", ".join(names.a[nid] for nid in walk.outputs)
    targets = ", ".join(number(t) for t in walk.y)
    return [f"# The loss, {loss.name}: ℓ = {loss.formula}",
            f"# and its gradient: ∂ℓ/∂ŷ_k = {loss.gradient}",
            with_comment(f"yhat = torch.stack([{outputs}])", "the outputs ŷ, in file order"),
            with_comment(f"y = torch.tensor([{targets}], {FLOAT64})",
                          f"the targets of sample {walk.sample}"),
            *loss.torch]


def _backward(has_operations: bool) -> list[str]:
    if has_operations:
        return ["# Backward pass: autograd fills .grad of every leaf tensor (inputs, weights "
                "and", "# biases); retain_grad() asks it to keep ∂L/∂z = δ of every z and "
                "∂L/∂v of every", "# operation node's value as well.",
                "for tensor in [*pre_activations.values(), *operations.values()]:",
                f"{INDENT}tensor.retain_grad()",
                "loss.backward()"]
    return ["# Backward pass: autograd fills .grad of every leaf tensor (inputs, weights and",
            "# biases); retain_grad() asks it to keep ∂L/∂z = δ of every z as well.",
            "for tensor in pre_activations.values():",
            f"{INDENT}tensor.retain_grad()",
            "loss.backward()"]


def _report(network: Network, sample: int) -> list[str]:
    return [*wrap("NEURON_IDS = [", [string(n.id) for n in network.neurons],
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
            PRINT]
