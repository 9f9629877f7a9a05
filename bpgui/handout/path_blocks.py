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
from bpgui.model import Network
from bpgui.numbers import fmt


def gradient_name(report: PathReport, is_input: bool) -> str:
    """``∂L/∂w5``, ``∂L/∂b_h1``, ``∂L/∂x1`` or ``δ_h1 = ∂L/∂z_h1`` (the panel's heading)."""
    t = report.target
    return {"weight": f"∂L/∂{t}", "bias": f"∂L/∂b_{t}"}.get(
        report.kind, f"∂L/∂{t}" if is_input else f"δ_{t} = ∂L/∂z_{t}")


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'s' * (count != 1)}"


def route(report: PathReport, path: Path) -> str:
    """``L → y → h1 → w5``: the neurons from the loss down, then the weight if it is one."""
    last = path.edges[-1:] if report.kind == "weight" else ()
    return " → ".join(("L", *path.nodes, *last))


def path_section(network: Network, target: str, sample: int, values: Mapping[Quantity, float],
                 costs: tuple[int, int], digits: int, blank: bool) -> Section:
    """A subsection for ``target`` (an edge means its weight, a neuron its δ or ∂L/∂x)."""
    report = path_report(network, target, None, sample, DEFAULT_LIMIT, values=dict(values))
    is_input = report.kind == "neuron" and network.neuron(target).is_input
    name = gradient_name(report, is_input)
    value = BLANK if blank else fmt(report.gradient, digits)
    heading = (f"{name}: the sum over {_plural(report.path_count, 'path')}" if blank else
               f"{name} = {value}: the sum over {_plural(report.path_count, 'path')}")
    blocks: list[Block] = []
    if report.capped:
        blocks.append(Paragraph(rich(f"Showing {len(report.paths):,} of "
                                     f"{report.path_count:,} paths (the count is exact).")))
    entries = []
    for k, path in enumerate(report.paths):
        product = BLANK if blank else fmt(path.product, digits)
        lines = (path.formula, f"= {path.numbers(digits)} = {product}")
        entries.append(Entry(k + 1, f"path {k + 1}: {route(report, path)}", (Formula(lines),),
                             anchor=f"path-{target}-{k + 1}"))
    blocks.append(Entries(tuple(entries), numbered=False, kind="paths"))
    total = BLANK if blank else fmt(report.total, digits)
    if report.capped:
        blocks.append(Paragraph(rich(f"The {len(report.paths)} listed paths sum to ",
                                     formula(total), f"; all {report.path_count:,} paths "
                                     "(counted exactly) sum to ", formula(value), ".")))
    else:
        short = name.split(" = ")[0]
        blocks.append(Paragraph(rich(formula(f"Σ over paths = {total} = {short}")), "result"))
    if report.kind == "neuron" and not is_input:
        blocks.append(Paragraph(rich(f"The bias b_{target} has the same paths, each times ",
                                     formula(f"∂z_{target}/∂b_{target} = 1"), ": ",
                                     formula(f"∂L/∂b_{target} = δ_{target} = {value}"), ".")))
    naive, backprop = costs
    blocks.append(Paragraph(rich(
        f"{_plural(report.path_count, 'path')}, counted exactly. Summing over paths needs "
        f"{report.naive_multiplications:,} multiplications for this gradient; backpropagation "
        f"with cached δ needs {report.backprop_multiplications:,}. For every gradient at once: "
        f"naive {naive:,}, backpropagation {backprop:,}."), "note"))
    return Section(heading, tuple(blocks), f"paths-{target}", level=3)
