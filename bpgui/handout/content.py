"""What the worked-solution page says, built once from the engine's own step records.

Every step comes from ``all_steps(network, sample, "node")``: the records the
GUI steps through and ``bpgui trace`` prints, so no number on the page is
computed a second way. The renderers only decide how the blocks look.
"""

from __future__ import annotations

from collections.abc import Sequence

from bpgui.engine.optimizers import SGD, Optimizer, optimizer_for
from bpgui.engine.paths import whole_gradient_cost
from bpgui.engine.records import LOSS_ID, Quantity, StepRecord
from bpgui.engine.stepper import all_steps, final_values
from bpgui.engine.update_step import update_record
from bpgui.engine.update_text import RULE_STATES, RULE_TITLES
from bpgui.handout.blocks import (
    BLANK,
    Block,
    Document,
    Entries,
    Entry,
    Facts,
    Paragraph,
    Picture,
    Rich,
    Section,
    Span,
    Table,
    formula,
    rich,
)
from bpgui.handout.network_svg import network_svg
from bpgui.handout.path_blocks import path_section
from bpgui.handout.steps import (
    PHASE_TITLES,
    Blanks,
    phase_groups,
    step_entry,
    step_title,
)
from bpgui.network.errors import BpguiError
from bpgui.network.functions import LOSS_TABLE
from bpgui.network.model import Network
from bpgui.network.numbers import fmt, subscript
from bpgui.network.operations import OPERATION_TABLE

GIVEN_DIGITS = 10     # the given data (inputs, targets, parameters) as the file has it

PHASE_INTROS = {
    "forward": ("Neuron by neuron in topological order: z = Σ w·a + b over the incoming "
                "edges, then a = f(z)."),
    "loss": "The outputs against the targets; ∂L/∂ŷ is where the backward pass starts.",
    "backward": ("Neuron by neuron in reverse order: δ = f′(z)·∂L/∂a, where ∂L/∂a sums w·δ "
                 "over the neurons it feeds. Each δ is computed once, cached, and reused by "
                 "the steps that follow."),
    "gradient": ("Each weight's gradient is a·δ (the source's activation times the target's "
                 "cached δ) and each bias's is δ: one multiplication each."),
}
# A network with operation nodes: the same phases, told node by node, where a node's
# upstream gradient times its local derivative is what flows back.
OPERATION_INTROS = {
    **PHASE_INTROS,
    "forward": ("Node by node in topological order: a neuron computes z = Σ w·a + b over its "
                "incoming edges, then a = f(z); an operation node applies its operation to "
                "its operands, one w·v per incoming edge, in order."),
    "backward": ("Node by node in reverse order: what reaches an operand is the upstream "
                 "gradient × the local derivative. A node's upstream gradient ∂L/∂v sums "
                 "w × local derivative × cached gradient over the nodes it feeds; an "
                 "operation node caches ∂L/∂v, a neuron δ = f′(z)·∂L/∂a (its local "
                 "derivative is 1 per operand). Each is computed once, cached, and reused "
                 "by the steps that follow."),
    "gradient": ("Each weight's gradient is the source's value × the target's local "
                 "derivative for that edge × the target's cached gradient (a·δ into a "
                 "neuron), and each neuron's bias's is δ; an operation node has no bias."),
}


def build_document(network: Network, sample: int, select: Sequence[str], blanks: Blanks,
                   digits: int, source_name: str | None) -> Document:
    """The whole page as blocks (see :mod:`bpgui.handout.blocks`)."""
    records = all_steps(network, sample, "node")
    values = final_values(records)
    loss_blank = any(blanks.step(r) for r in records if r.phase == "loss")
    kind = "Worksheet" if blanks.questions else "Worked solution"
    title = f"{kind}: {network.name or source_name or 'a network'}"
    intro: list[Block] = []
    if network.description and not blanks.questions:   # it may give the answers away
        intro.extend(Paragraph(rich(part)) for part in _paragraphs(network.description))
    intro.append(_facts(network, sample, values[Quantity("loss", LOSS_ID)], loss_blank, digits))
    sections = [_network_section(network, None if blanks.questions else values)]
    groups = phase_groups(records)
    for phase, numbered in groups:
        if phase == "update":
            continue
        sections.append(_phase_section(phase, numbered, network, blanks, digits))
        if phase == "gradient" and select:
            sections.append(_paths_section(network, sample, select, values, blanks, digits))
    updates = next((numbered for phase, numbered in groups if phase == "update"), [])
    sections.append(_update_section(network, updates, select, blanks, digits))
    notes = tuple(dict.fromkeys(note for r in records for note in r.digit_notes(digits)))
    return Document(title, tuple(intro), tuple(sections), _footer(source_name, blanks, notes))


def _paragraphs(text: str) -> list[str]:
    """A description's paragraphs (blank-line separated), each on one line."""
    return [" ".join(part.split()) for part in text.split("\n\n") if part.strip()]


def _facts(network: Network, sample: int, loss: float, loss_blank: bool, digits: int) -> Facts:
    data = network.samples[sample]
    outputs = network.outputs
    inputs = _joined([rich(formula(f"{n.display_label} = {fmt(x, GIVEN_DIGITS)}"))
                      for n, x in zip(network.inputs, data.inputs, strict=True)])
    many = len(outputs) > 1
    targets = _joined([
        rich(formula(f"{'y' + subscript(k + 1) if many else 'y'} = {fmt(t, GIVEN_DIGITS)}"),
             f" for {n.display_label}")
        for k, (n, t) in enumerate(zip(outputs, data.targets, strict=True))])
    shown = BLANK if loss_blank else fmt(loss, digits)
    count = len(network.samples)
    eta = fmt(network.training.learning_rate, GIVEN_DIGITS)
    loss_text = rich(f"{LOSS_TABLE[network.loss].title}, ",
                     formula(f"L = {LOSS_TABLE[network.loss].formula}"),
                     "; for this sample ", formula(f"L = {shown}"))
    return Facts((
        ("Sample", rich(f"{sample} of {count} (numbered from 0)")),
        ("Inputs", inputs),
        ("Targets", targets),
        ("Loss", loss_text),
        ("Learning rate", rich(formula(f"η = {eta}"))),
    ))


def _joined(items: Sequence[Rich]) -> Rich:
    """Inline texts separated by commas."""
    parts: list[Span] = []
    for k, item in enumerate(items):
        if k:
            parts.append(Span(", "))
        parts.extend(item)
    return tuple(parts)


def _has_operations(network: Network) -> bool:
    return any(n.is_operation for n in network.neurons)


def _network_section(network: Network, values: dict[Quantity, float] | None) -> Section:
    caption = rich(
        "Blue edges have positive weights, vermillion negative; the thicker the edge, the "
        "larger |w|. Dashed edges are frozen. Under each neuron its bias b",
        " and z; inside it a; above it δ (∂L/∂x for an input), all at the end of the pass."
        if values is not None else ".", *_gate_caption(network, values))
    fallback = rich("The picture of the network is in the HTML version of this worksheet "
                    "(", formula("bpgui worksheet FILE -o OUT.html"), "); the tables below "
                    "list the same neurons and weights.")
    neurons = _nodes_table(network) if _has_operations(network) else Table(
        "Neurons", ("neuron", "id", "role", "activation", "bias"), tuple(
            (n.display_label, n.id, n.role, "—" if n.is_input else n.activation,
             "—" if n.is_input else fmt(n.bias, GIVEN_DIGITS)
             + ("" if n.train_bias else " (frozen)"))
            for n in network.neurons), numeric=(4,))
    labels = {n.id: n.display_label for n in network.neurons}
    weights = Table("Weights", ("weight", "id", "edge", "value"), tuple(
        (e.display_label, e.id, f"{labels[e.source]} → {labels[e.target]}",
         fmt(e.weight, GIVEN_DIGITS) + ("" if e.trainable else " (frozen)"))
        for e in network.edges), numeric=(3,))
    picture = Picture(network_svg(network, values), caption, fallback)
    return Section("The network", (picture, neurons, weights), "network")


def _gate_caption(network: Network, values: dict[Quantity, float] | None) -> tuple[str, ...]:
    if not _has_operations(network):
        return ()
    return (" Operation nodes are squares showing their operation, with no bias"
            + ("; inside one its value v, above it ∂L/∂v." if values is not None else "."),)


def _nodes_table(network: Network) -> Table:
    """The neurons table of a network with operation nodes: an operation column, and
    "—" where a field does not apply (an operation node has no activation or bias)."""
    rows = []
    for n in network.neurons:
        if n.is_operation:
            op = OPERATION_TABLE[n.op or ""]
            constant = f", {op.param} {fmt(n.param or 0.0, GIVEN_DIGITS)}" if op.param else ""
            rows.append((n.display_label, n.id, n.role, f"{op.name} ({op.symbol}){constant}",
                         "—", "—"))
        else:
            rows.append((n.display_label, n.id, n.role, "—", "—" if n.is_input else n.activation,
                         "—" if n.is_input else fmt(n.bias, GIVEN_DIGITS)
                         + ("" if n.train_bias else " (frozen)")))
    return Table("Nodes", ("node", "id", "role", "operation", "activation", "bias"),
                 tuple(rows), numeric=(5,))


def phase_intro(phase: str, network: Network) -> str | None:
    """The note that opens a phase's section: told node by node, upstream gradient ×
    local derivative, when the network has operation nodes."""
    return (OPERATION_INTROS if _has_operations(network) else PHASE_INTROS).get(phase)


def _phase_section(phase: str, numbered: list[tuple[int, StepRecord]], network: Network,
                   blanks: Blanks, digits: int) -> Section:
    entries = tuple(step_entry(r, k, step_title(r, network), digits, blanks.step(r))
                    for k, r in numbered)
    blocks: list[Block] = []
    intro = phase_intro(phase, network)
    if intro is not None:
        blocks.append(Paragraph(rich(intro), "note"))
    blocks.append(Entries(entries))
    return Section(PHASE_TITLES[phase], tuple(blocks), phase)


def _paths_section(network: Network, sample: int, select: Sequence[str],
                   values: dict[Quantity, float], blanks: Blanks, digits: int) -> Section:
    costs = whole_gradient_cost(network)
    intro = Paragraph(rich(
        "A gradient is the sum, over every path from the loss L down to the parameter, of the "
        "product of the local derivatives along the path."), "note")
    parts = tuple(path_section(network, target, sample, values, costs, digits,
                               blanks.path(target)) for target in select)
    return Section("Path sums", (intro, *parts), "paths")


def _update_section(network: Network, updates: list[tuple[int, StepRecord]],
                    select: Sequence[str], blanks: Blanks, digits: int) -> Section:
    eta = fmt(network.training.learning_rate, digits)
    optimizer = optimizer_for(network.training)
    blocks: list[Block] = []
    if updates:
        step = "gradient-descent step" if isinstance(optimizer, SGD) else \
            f"{RULE_TITLES[optimizer.name]} update from the rule's initial state " \
            "(zeros: update t = 1)"
        blocks.append(Paragraph(rich(
            f"This sample's own {step}, as bpgui trace lists it: ",
            formula(optimizer.rule("∂L/∂θ")), " with ", formula(f"η = {eta}"), ".",
            *_state_note(optimizer)), "note"))
        blocks.append(Entries(tuple(step_entry(r, k, step_title(r, network), digits,
                                               blanks.step(r)) for k, r in updates)))
    else:
        blocks.append(Paragraph(rich("Every weight and bias is frozen, so the update changes "
                                     "nothing.")))
    if len(network.samples) > 1:
        blocks.append(_dataset_update(network, select, blanks, digits))
    return Section(PHASE_TITLES["update"], tuple(blocks), "update")


def _dataset_update(network: Network, select: Sequence[str], blanks: Blanks,
                    digits: int) -> Section:
    """Seed 002's update over all samples: g is the mean of the per-sample gradients."""
    n = len(network.samples)
    title = f"One gradient-descent update over all {n} samples"
    focus = next((t for t in select if network.has_edge(t) or (
        network.has_neuron(t) and network.neuron(t).has_bias)), None)
    try:
        record = update_record(network, focus=focus)
    except BpguiError as exc:
        message = str(exc)
        return Section(title, (Paragraph(rich(message[:1].upper() + message[1:] + ".")),),
                       "dataset-update", level=3)
    optimizer = optimizer_for(network.training)
    moves = f"moves by η times the mean of its {n} per-sample gradients, " \
        if isinstance(optimizer, SGD) else \
        f"moves by {RULE_TITLES[optimizer.name]}'s rule with g the mean of its {n} " \
        "per-sample gradients, "
    intro = Paragraph(rich(
        f"With all {n} samples each parameter {moves}", formula(optimizer.rule()),
        ": the update one batch iteration of training makes. The first equation writes "
        "one mean out sample by sample.", *_state_note(optimizer)), "note")
    entry = step_entry(record, 0, "Every trainable parameter", digits, blanks.step(record))
    return Section(title, (intro, Entries((Entry(entry.number, entry.title, entry.formulas,
                                                 entry.notes, "dataset-update-step"),),
                                          numbered=False)), "dataset-update", level=3)


def _state_note(optimizer: Optimizer) -> tuple[str, ...]:
    """For a rule with state: how its lines read (nothing for plain gradient descent)."""
    if isinstance(optimizer, SGD):
        return ()
    return (f" {RULE_TITLES[optimizer.name]} keeps a state for each parameter (its "
            f"{RULE_STATES[optimizer.name]}), written with the parameter's name (v_w1): its "
            "lines come first, then the parameter's; a line's ← sets the value the lines "
            "after it use.",)


def _footer(source_name: str | None, blanks: Blanks,
            digit_notes: tuple[str, ...]) -> tuple[Paragraph, ...]:
    source = f" from {source_name}" if source_name else ""
    lines = [Paragraph(rich(
        f"Made with bpgui{source}. Every step is one of the engine's step records: the same "
        "text as the step panel of the app and bpgui trace."), "note")]
    lines.extend(Paragraph(rich(note), "note") for note in digit_notes)
    if blanks.questions:
        lines.append(Paragraph(rich("Answers: ", formula(
            f"bpgui worksheet {source_name or 'FILE'}"), " without ", formula("--questions"),
            "."), "note"))
    return tuple(lines)
