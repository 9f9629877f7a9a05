"""The path panel: every path from the loss to the selected weight, bias or neuron.

For each path it shows the chain of local derivatives in symbols and with
numbers and their product; then the sum, which is the gradient; then what
summing paths naively costs against backpropagation with cached δ (seed 000's
point). Each path has its own colour-blind-safe colour, shared with the canvas.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDockWidget, QWidget

from bpgui.engine.paths import DEFAULT_LIMIT, PathReport, path_report, whole_gradient_cost
from bpgui.engine.records import StepRecord
from bpgui.engine.stepper import final_values
from bpgui.handout.path_blocks import (
    bias_sentence,
    cost_sentence,
    gradient_name,
    plural,
    route,
    sum_sentence,
)
from bpgui.network.errors import BpguiError
from bpgui.network.numbers import fmt
from bpgui.ui.base.widgets import HtmlView
from bpgui.ui.stepping.scrub import ScrubPause
from bpgui.ui.stepping.session import StepSession

# Okabe–Ito, yellow last (weakest on white).
PATH_COLOURS = [QColor(c) for c in ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00",
                                    "#CC79A7", "#F0E442")]
PLACEHOLDER = "Select a weight or a neuron on the canvas to see every path from the loss to it."


def _heading(report: PathReport, digits: int) -> str:
    return f"{gradient_name(report)} = {fmt(report.gradient, digits)}: the sum over " \
           f"{plural(report.path_count, 'path')}"


def _message(exc: Exception) -> str:
    """The one line for the user: a KeyError's str() is its key's repr, so take the key."""
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc)


class PathPanelDock(QDockWidget):
    """The paths, recomputed only when the pass's values or the target change.

    ``refresh`` runs on every cursor move, but the paths depend only on the
    records (replaced by a new list whenever the network, sample or
    granularity changes), the sample and the target; the digits only re-render.
    While a weight is scrubbed (``scrub``, :mod:`~bpgui.ui.stepping.scrub`), the paths
    follow when the scrub pauses: recomputing them cost more than the rest of a notch
    together.
    """

    paths_changed = Signal(object)    # [(nodes, edges, QColor)] for the canvas overlay

    def __init__(self, session: StepSession, parent: QWidget | None = None,
                 scrub: ScrubPause | None = None) -> None:
        super().__init__("Paths from the loss", parent)
        self.setObjectName("pathPanel")
        self.session = session
        self.target: str | None = None
        self.kind: str | None = None
        self.report: PathReport | None = None
        self._records: Sequence[StepRecord] | None = None   # held, so ``is`` is a safe test
        self._inputs: tuple[int, str | None, str | None] | None = None
        self._digits = session.digits
        self.text = HtmlView(self)
        self.text.setObjectName("pathText")
        self.text.setStyleSheet("font-size: 17px;")
        self.setWidget(self.text)
        self._scrub = scrub if scrub is not None else ScrubPause(self)
        self._scrub.paused.connect(self._scrub_paused)
        self._behind = False            # a scrub changed the records since the paths
        session.changed.connect(self.refresh)
        self.refresh()

    def _scrub_paused(self) -> None:
        if self._behind and self._records is not None:
            self._behind = False
            self._recompute(self._records)

    def set_target(self, target: str | None, kind: str | None = None) -> None:
        """Show ``target``'s paths; without ``kind`` an edge id means its weight, else a neuron.

        The kind is resolved here, once, so that a deleted edge is still reported as an edge.
        """
        if target is not None and kind is None:
            kind = "weight" if self.session.document.network.has_edge(target) else "neuron"
        self.target, self.kind = target, kind
        self.refresh()

    def refresh(self) -> None:
        records = self.session.records                  # first: it may flush a pending edit
        inputs = (self.session.sample, self.target, self.kind)
        if records is not self._records or inputs != self._inputs:
            scrubbed = self._scrub.active and inputs == self._inputs
            self._records, self._inputs, self._digits = records, inputs, self.session.digits
            self._behind = scrubbed
            if not scrubbed:
                self._recompute(records)
        elif self.session.digits != self._digits:
            self._digits = self.session.digits
            if self.report is not None:
                self.text.show_page(self._render(self.report))

    def _recompute(self, records: Sequence[StepRecord]) -> None:
        previous, self.report = self.report, None
        if self.target is None:
            self.text.show_page(f"<p style='color:#555'>{PLACEHOLDER}</p>")
        else:
            try:
                self.report = path_report(self.session.document.network, self.target,
                                          self.kind, self.session.sample, DEFAULT_LIMIT,
                                          values=final_values(records) if records else None)
            except (BpguiError, KeyError) as exc:
                self.text.show_page(f"<p>{html.escape(_message(exc))}</p>")
            else:
                self.text.show_page(self._render(self.report))
        if self.report is not None or previous is not None:
            self.paths_changed.emit(self._routes())

    def _routes(self) -> list[tuple[tuple[str, ...], tuple[str, ...], QColor]]:
        if self.report is None:
            return []
        return [(p.nodes, p.edges, PATH_COLOURS[k % len(PATH_COLOURS)])
                for k, p in enumerate(self.report.paths)]

    def _render(self, report: PathReport) -> str:
        digits = self.session.digits
        network = self.session.document.network
        out = [f"<h3>{html.escape(_heading(report, digits))}</h3>"]
        if report.capped:
            out.append(f"<p>Showing {len(report.paths):,} of {report.path_count:,} paths "
                       f"(the count is exact).</p>")
        for k, path in enumerate(report.paths):
            colour = PATH_COLOURS[k % len(PATH_COLOURS)].name()
            first, *rest = (html.escape(line) for line in path.equation.lines(digits))
            rest[-1] = f"<b>{rest[-1]}</b>"
            out.append(
                f"<p><span style='color:{colour}; font-size:22px'>■</span> "
                f"<b>path {k + 1}</b>: {html.escape(route(report, path))}<br>"
                f"{first}<br>{' '.join(rest)}</p>")
        out.append(f"<p><b>{html.escape(sum_sentence(report, digits))}</b></p>")
        if report.kind == "neuron" and not report.is_input:
            out.append(f"<p>{html.escape(bias_sentence(report, digits))}</p>")
        if len(report.paths) > len(PATH_COLOURS):
            out.append("<p style='color:#555'>Colours repeat after seven paths.</p>")
        out.append(f"<p>{html.escape(cost_sentence(report, whole_gradient_cost(network)))}</p>")
        return "".join(out)
