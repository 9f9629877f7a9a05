"""The paths from the loss to a chosen parameter or neuron, worded as the GUI's path panel.

Seed 000's point on paper: each path's chain of local derivatives in symbols,
with numbers and its product; their sum is the gradient; and what summing
paths naively costs against backpropagation with cached δ.
"""

from __future__ import annotations

from collections.abc import Mapping

from bpgui.engine.paths import DEFAULT_LIMIT, Path, PathReport, path_report
from bpgui.engine.records import Quantity
from bpgui.handout.blocks import (
    BLANK,
    Block,
    Entries,
    Entry,
    Formula,
    Paragraph,
    Section,
    formula,
    rich,
)
from bpgui.network.model import Network
from bpgui.network.numbers import fmt


def gradient_name(report: PathReport) -> str:
    """``∂L/∂w5``, ``∂L/∂b_h1``, ``∂L/∂x1`` or ``δ_h1 = ∂L/∂z_h1`` (the panel's heading)."""
    if report.kind == "neuron" and not report.is_input:
        return f"{report.name} = ∂L/∂z_{report.target}"
    return report.name


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'s' * (count != 1)}"


def route(report: PathReport, path: Path) -> str:
    """``L → y → h1 → w5``: the neurons from the loss down, then the weight if it is one."""
    last = path.edges[-1:] if report.kind == "weight" else ()
    return " → ".join(("L", *path.nodes, *last))


def sum_sentence(report: PathReport, digits: int, blank: bool = False) -> str:
    """``Σ over paths: ∂L/∂w5 = path 1 + path 2 = −0.02 + 0.003 = −0.017``, with the digits
    the sum needs; when only some paths are listed, what all of them sum to."""
    equation = report.sum_equation
    if equation is None:
        total = BLANK if blank else fmt(report.gradient, digits)
        return (f"The listed paths are part of the sum; all {report.path_count:,} paths "
                f"(counted exactly) sum to {report.name} = {total}.")
    if blank:        # the numbers that go in are the path products, themselves blanks
        return f"Σ over paths: {equation.lhs} = {equation.symbols} = {BLANK}"
    return "Σ over paths: " + " ".join(equation.lines(digits))


def bias_sentence(report: PathReport, digits: int, blank: bool = False) -> str:
    """A neuron's bias has the neuron's paths, each times ∂z/∂b = 1."""
    t = report.target
    value = BLANK if blank else fmt(report.gradient, digits)
    return (f"The bias b_{t} has the same paths, each times ∂z_{t}/∂b_{t} = 1: "
            f"∂L/∂b_{t} = δ_{t} = {value}.")


def cost_sentence(report: PathReport, costs: tuple[int, int]) -> str:
    """What summing paths costs against backpropagation with cached δ (seed 000's point)."""
    naive, backprop = costs
    return (f"{plural(report.path_count, 'path')}, counted exactly. Summing over paths needs "
            f"{report.naive_multiplications:,} multiplications for this gradient; "
            f"backpropagation with cached δ needs {report.backprop_multiplications:,}. For "
            f"every gradient at once: naive {naive:,}, backpropagation {backprop:,}.")


def path_section(network: Network, target: str, sample: int, values: Mapping[Quantity, float],
                 costs: tuple[int, int], digits: int, blank: bool) -> Section:
    """A subsection for ``target`` (an edge means its weight, a neuron its δ or ∂L/∂x)."""
    report = path_report(network, target, None, sample, DEFAULT_LIMIT, values=dict(values))
    # An operation node's gradient is ∂L/∂v itself: it has no z and no bias.
    operation = network.has_neuron(target) and network.neuron(target).is_operation
    name = f"∂L/∂{target}" if operation else gradient_name(report)
    count = plural(report.path_count, "path")
    heading = (f"{name}: the sum over {count}" if blank else
               f"{name} = {fmt(report.gradient, digits)}: the sum over {count}")
    blocks: list[Block] = []
    if report.capped:
        blocks.append(Paragraph(rich(f"Showing {len(report.paths):,} of "
                                     f"{report.path_count:,} paths (the count is exact).")))
    entries = []
    for k, path in enumerate(report.paths):
        lines = path.equation.lines(digits, BLANK if blank else None)
        entries.append(Entry(k + 1, f"path {k + 1}: {route(report, path)}",
                             (Formula((lines[0], " ".join(lines[1:]))),),
                             anchor=f"path-{target}-{k + 1}"))
    blocks.append(Entries(tuple(entries), numbered=False, kind="paths"))
    blocks.append(Paragraph(rich(formula(sum_sentence(report, digits, blank))), "result"))
    if report.kind == "neuron" and not report.is_input and not operation:
        blocks.append(Paragraph(rich(formula(bias_sentence(report, digits, blank)))))
    blocks.append(Paragraph(rich(cost_sentence(report, costs)), "note"))
    return Section(heading, tuple(blocks), f"paths-{target}", level=3)
