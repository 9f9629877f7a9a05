"""The ``bpgui`` command line's parsers: the subcommands' options and the window's.

Kept apart from :mod:`bpgui.cli`, which runs the commands: what each option means and
how a bad value is refused (one ``bpgui: error:`` line, through :class:`UsageError`)
is read here; the update rule's options come from :mod:`bpgui.cli_options`.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import NoReturn

from bpgui.cli_options import add_optimizer_arguments
from bpgui.cli_options import integer as _integer
from bpgui.network.errors import BpguiError
from bpgui.network.lesson import GRANULARITIES
from bpgui.network.model import MODES

SUBCOMMANDS = ("trace", "train", "check", "validate", "worksheet", "export-torch", "expr")
CHECK_TOLERANCE = 1e-5


class UsageError(BpguiError):
    """A wrong option or value on the command line."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a mistake as one line instead of usage plus message."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _whole_number(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"must be {'at least 1' if minimum == 1 else f'{minimum} or more'}, not {value}")
        return value

    return parse


_positive_int = _whole_number(1)
_count = _whole_number(0)


def _digits_from(low: int, high: int) -> Callable[[str], int]:
    """Significant digits: beyond 17 a double has no more to show."""

    def parse(text: str) -> int:
        value = _positive_int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {low} to {high}, not {value}")
        return value

    return parse


_digits = _digits_from(1, 17)
_window_digits = _digits_from(2, 10)     # the Step panel's range


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, not {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bpgui", description="Make backpropagation visible.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    trace = sub.add_parser("trace", help="one forward and backward pass, as JSON")
    trace.add_argument("file")
    trace.add_argument("--sample", type=_count, default=0, metavar="K")
    trace.add_argument("--granularity", choices=GRANULARITIES, default="node",
                       help="step granularity of the 'steps' list (default: node)")
    trace.add_argument("--digits", type=_digits, default=4,
                       help="significant digits in the step text (default: 4)")

    train = sub.add_parser("train", help="gradient descent, as JSON")
    train.add_argument("file")
    train.add_argument("--iterations", type=_count, default=100, metavar="N")
    train.add_argument("--lr", type=_positive_float, metavar="ETA")
    train.add_argument("--mode", choices=MODES)
    train.add_argument("--batch-size", type=_positive_int, metavar="B")
    train.add_argument("--seed", type=_integer, metavar="S")
    add_optimizer_arguments(train)
    train.add_argument("--out", metavar="TRAINED")
    train.add_argument("--history", metavar="CSV")

    check = sub.add_parser("check", help="backprop against central finite differences")
    check.add_argument("file")
    check.add_argument("--eps", type=_positive_float, default=1e-6, metavar="E")

    validate = sub.add_parser("validate", help="check a network file")
    validate.add_argument("file")

    sheet = sub.add_parser("worksheet", help="the worked solution of one pass, as a "
                           "printable HTML page (or Markdown with .md)")
    sheet.add_argument("file")
    sheet.add_argument("--sample", type=_count, default=0, metavar="K")
    sheet.add_argument("--select", nargs="+", default=[], metavar="ID",
                       help="weights or neurons whose paths from the loss are written out")
    sheet.add_argument("--questions", action="store_true",
                       help="leave the results blank, for students to fill in")
    sheet.add_argument("--blank", nargs="+", default=[], metavar="ID",
                       help="with --questions: blank only these ids' steps and paths")
    sheet.add_argument("--lesson", action="store_true",
                       help="the file's lesson instead, scene by scene (a question's "
                       "result blank)")
    sheet.add_argument("--digits", type=_digits, default=4)
    sheet.add_argument("-o", "--out", required=True, metavar="OUT")

    torch = sub.add_parser("export-torch", help="the same network as a standalone PyTorch "
                           "script that prints the loss and every gradient")
    torch.add_argument("file")
    torch.add_argument("--sample", type=_count, default=0, metavar="K")
    torch.add_argument("--iterations", type=_count, metavar="N",
                       help="then train N updates as `bpgui train FILE --iterations N` "
                       "does, with torch.optim")
    torch.add_argument("-o", "--out", required=True, metavar="SCRIPT")

    expr = sub.add_parser("expr", help="the graph of an expression such as 'sin(2*x + y)' "
                          "as a network file of operation nodes")
    expr.add_argument("expression", metavar="EXPRESSION",
                      help="a formula in Python syntax, e.g. 'sin(2*x + y)' (never run as Python)")
    expr.add_argument("--at", action="append", type=_assignment, default=[],
                      metavar="NAME=VALUE", help="the value of a variable (one per variable)")
    expr.add_argument("-o", "--out", metavar="FILE",
                      help="write the file here (default: print it)")
    return parser


def _assignment(text: str) -> tuple[str, float]:
    """An argparse type: ``NAME=VALUE`` with a finite number."""
    name, sign, value = text.partition("=")
    if not sign or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, not {text!r}")
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name.strip()}: expected a number, not "
                                         f"{value!r}") from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"{name.strip()}: must be a finite number, "
                                         f"not {value!r}")
    return name.strip(), number


def build_gui_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bpgui", description="Open the bpgui window.")
    parser.add_argument("file", nargs="?")
    parser.add_argument("--screenshot", metavar="PNG",
                        help="write the window as a PNG and quit (offscreen works)")
    parser.add_argument("--steps", type=_count, metavar="N",
                        help="take N steps of the pass first")
    parser.add_argument("--select", metavar="ID",
                        help="select neuron or edge ID (an edge's paths are shown)")
    parser.add_argument("--expand", metavar="ID",
                        help="open neuron ID as its gates (View ▸ Expand neuron); with "
                             "--screenshot, picture that window, --steps stepping it")
    parser.add_argument("--presentation", action="store_true",
                        help="presentation mode (F5), for a projector")
    parser.add_argument("--practice", action="store_true",
                        help="turn Run ▸ Practice on and step to its next question")
    parser.add_argument("--lesson-scene", type=_count, metavar="K",
                        help="with --presentation: play the file's lesson from scene K "
                             "(from 1); a question scene stands before its result")
    parser.add_argument("--reveal", action="store_true",
                        help="with --lesson-scene: the question scene's result revealed")
    parser.add_argument("--speaker-notes", action="store_true",
                        help="with --lesson-scene: picture the speaker-notes window")
    parser.add_argument("--train", type=_count, metavar="N",
                        help="train N iterations first (shown live; in a screenshot, done)")
    parser.add_argument("--per-level", action="store_true",
                        help="show the Loss dock's Per level tab (mean |δ| of each level)")
    parser.add_argument("--colour-by-delta", action="store_true",
                        help="View ▸ Colour neurons by |δ| on")
    parser.add_argument("--size", metavar="WxH", help="the window's size, e.g. 1920x1080")
    parser.add_argument("--granularity", choices=GRANULARITIES,
                        help="step granularity of the pass (default: node)")
    parser.add_argument("--digits", type=_window_digits, metavar="D",
                        help="significant digits in formulas and on the canvas (2 to 10)")
    return parser
