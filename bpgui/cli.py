"""The ``bpgui`` command: the GUI entry point and the ``trace``, ``train``, ``check``
and ``validate`` subcommands of ``../shared/spec/cli.md``, plus ``worksheet``,
``export-torch`` and ``expr`` (additions: the handout, the bridge to PyTorch, and a
graph of operation nodes from an expression).

Every problem with the user's input becomes one ``bpgui: error:`` line on
standard error and exit status 2; a diverging training run exits 3. No
traceback reaches the user and no file of theirs is changed unless asked.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from bpgui.cli_options import add_optimizer_arguments, optimizer_overrides
from bpgui.cli_options import integer as _integer
from bpgui.network import fileformat
from bpgui.network.errors import BpguiError
from bpgui.network.lesson import GRANULARITIES
from bpgui.network.model import MODES, Network
from bpgui.network.parsing import plural

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


def _print_json(doc: Any) -> None:
    try:
        text = json.dumps(doc, ensure_ascii=False, allow_nan=False, indent=2)
    except ValueError:
        raise BpguiError("the result holds a NaN or infinite value; the weights or inputs "
                         "are too large for double precision") from None
    print(text)


def cmd_trace(args: argparse.Namespace) -> int:
    from bpgui.engine.trace import trace_document

    network = fileformat.load(args.file)
    _print_json(trace_document(network, args.sample, args.granularity, args.digits))
    return 0


def _check_writable(option: str, path: str, source: str | None) -> None:
    target = Path(path)
    if source is not None and target.resolve() == Path(source).resolve():
        raise UsageError(f"{option} {path}: must not be the input file, which is never changed")
    if target.is_dir():
        raise UsageError(f"{option} {path}: is a folder")
    if not target.parent.resolve().is_dir():
        raise UsageError(f"{option} {path}: folder {target.parent} does not exist")


def cmd_train(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from bpgui.engine.plan import compile_plan, split_arrays
    from bpgui.engine.training import Trainer
    from bpgui.network.errors import TrainingDiverged

    network = fileformat.load(args.file)
    for option, path in (("--out", args.out), ("--history", args.history)):
        if path:
            _check_writable(option, path, args.file)
    overrides = {k: v for k, v in (("learning_rate", args.lr), ("mode", args.mode),
                                   ("batch_size", args.batch_size), ("seed", args.seed))
                 if v is not None} | optimizer_overrides(args)
    settings = replace(network.training, **overrides)
    plan = compile_plan(network)
    (x, y), test = split_arrays(network)
    trainer = Trainer(plan, x, y, settings, test=test)
    trainer.run(args.iterations)
    if trainer.diverged_at is not None:
        raise TrainingDiverged(trainer.diverged_at, trainer.history[-1], settings.learning_rate)
    kept = {"loss": trainer.history, "test_loss": trainer.test_history,
            "l2_penalty": trainer.penalty_history}
    columns = {k: v for k, v in kept.items() if v is not None}
    if args.history:            # iteration,loss, then test_loss and l2_penalty if kept
        rows = "".join(",".join([str(i), *(repr(v[i]) for v in columns.values())]) + "\n"
                       for i in range(len(trainer.history)))
        fileformat.atomic_write_text(args.history, ",".join(["iteration", *columns]) + "\n"
                                     + rows)
    if args.out:
        trained = plan.apply_to(network)
        trained.training = settings
        fileformat.save(trained, args.out)
    report: dict[str, Any] = {"iterations": args.iterations, "loss_history": trainer.history,
                              "final_loss": trainer.history[-1]}
    for key, values in columns.items():     # v1 additions, only where they say something
        if key != "loss":
            report[f"{key}_history"], report[f"final_{key}"] = values, values[-1]
    _print_json(report | {"weights": plan.weights(), "biases": plan.biases()})
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from bpgui.engine.gradcheck import FLOOR, check_gradients

    network = fileformat.load(args.file)
    rows = check_gradients(network, args.eps)
    width = max([len(r.name) for r in rows] + [9])
    print(f"{'parameter':<{width}}  {'backprop':>24}  {'finite difference':>24}  "
          f"{'difference':>10}  {'relative':>10}")
    for r in rows:
        print(f"{r.name:<{width}}  {r.backprop:>24.16g}  {r.numeric:>24.16g}  "
              f"{r.difference:>10.3g}  {r.relative_error:>10.3g}")
    worst = max((r.relative_error for r in rows), default=0.0)
    floor = rows[0].floor if rows else FLOOR
    print(f"(relative = |difference| / max(|backprop|, |finite difference|, {floor:.3g}), "
          f"the last being {FLOOR:g}·max(1, dataset loss); eps = {args.eps:g})")
    print(f"max relative error: {worst:.3g}")
    return 0 if worst < CHECK_TOLERANCE else 1


def cmd_worksheet(args: argparse.Namespace) -> int:
    from bpgui.handout import write_worksheet

    network = fileformat.load(args.file)
    _check_writable("-o", args.out, args.file)
    if args.lesson:
        from bpgui.handout import write_lesson_sheet

        if args.select or args.blank or args.questions or args.sample:
            raise BpguiError("--lesson: each scene chooses its sample and its question; "
                             "leave out --sample, --select, --questions and --blank")
        write_lesson_sheet(network, args.out, args.digits, Path(args.file).name)
        print(f"{args.out}: the lesson, {len(network.lesson)} scenes")
        return 0
    write_worksheet(network, args.out, sample=args.sample, select=args.select,
                    questions=args.questions or bool(args.blank), blank=args.blank,
                    digits=args.digits, source_name=Path(args.file).name)
    print(f"{args.out}: the worked solution of sample {args.sample}")
    return 0


def cmd_export_torch(args: argparse.Namespace) -> int:
    from bpgui.export.torch_script import torch_script

    network = fileformat.load(args.file)
    _check_writable("-o", args.out, args.file)
    text = torch_script(network, args.sample, source=Path(args.file).name)
    fileformat.atomic_write_text(args.out, text)
    print(f"{args.out}: run it with python (it needs torch) to print the loss and gradients")
    return 0


def cmd_expr(args: argparse.Namespace) -> int:
    from bpgui.engine.expressions import computable_expression

    at: dict[str, float] = {}
    for name, value in args.at:
        if name in at:
            raise UsageError(f"--at {name}: given twice")
        at[name] = value
    network = computable_expression(args.expression, at)
    if args.out is None:
        sys.stdout.write(fileformat.dumps(network))
        return 0
    _check_writable("-o", args.out, None)
    fileformat.save(network, args.out)
    print(f"{args.out}: {network.name} ({plural(len(network.neurons), 'node')}, "
          f"{plural(len(network.edges), 'edge')})")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from bpgui.network.errors import NetworkError
    from bpgui.network.operations import check_operands

    network = fileformat.load(args.file)
    try:      # a file may hold a graph still being drawn; validate says it cannot run
        check_operands(network.neurons, network.edges)
    except NetworkError as exc:
        raise fileformat.FileError(f"{args.file}: {exc}") from None
    print(f"{args.file}: ok ({plural(len(network.neurons), 'neuron')}, "
          f"{plural(len(network.edges), 'edge')}, {plural(len(network.samples), 'sample')})")
    return 0


# The window's networks are small: BLAS threads would only compete with the GUI thread
# and the training process (which inherits these) for the cores (set before NumPy
# loads; the user's own setting wins).
GUI_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def cmd_gui(args: argparse.Namespace) -> int:
    import os

    for name in GUI_THREADS:
        os.environ.setdefault(name, "1")
    from bpgui.network.layout import fill_missing_positions
    from bpgui.ui.shell.app import run_gui

    network = load_network(args.file)
    fill_missing_positions(network)
    return run_gui(args, network, Path(args.file).resolve() if args.file else None)


COMMANDS = {"trace": cmd_trace, "train": cmd_train, "check": cmd_check,
            "validate": cmd_validate, "worksheet": cmd_worksheet,
            "export-torch": cmd_export_torch, "expr": cmd_expr}


def load_network(path: str | None) -> Network:
    """The network named on the command line (used by the GUI entry point too)."""
    from bpgui.network.samples import default_network

    return fileformat.load(path) if path else default_network()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if (argv and argv[0] in SUBCOMMANDS) or argv[:1] in (["-h"], ["--help"]):
            args = build_parser().parse_args(argv)
            import numpy as np

            # Non-finite values are detected and reported as one clear line each;
            # NumPy's own overflow warnings would only add noise to stderr.
            with np.errstate(all="ignore"):
                return COMMANDS[args.command](args)
        return cmd_gui(build_gui_parser().parse_args(argv))
    except BpguiError as exc:
        from bpgui.network.errors import TrainingDiverged

        print(f"bpgui: error: {exc}", file=sys.stderr)
        return 3 if isinstance(exc, TrainingDiverged) else 2
    except KeyboardInterrupt:
        print("bpgui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # the reader (e.g. `head`) went away; nothing more to say
        return 0
