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
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bpgui.cli_options import optimizer_overrides
from bpgui.cli_parsers import (
    CHECK_TOLERANCE,
    SUBCOMMANDS,
    UsageError,
    build_gui_parser,
    build_parser,
)
from bpgui.network import fileformat
from bpgui.network.errors import BpguiError
from bpgui.network.model import Network
from bpgui.network.parsing import plural


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
    text = torch_script(network, args.sample, source=Path(args.file).name,
                        iterations=args.iterations)
    fileformat.atomic_write_text(args.out, text)
    trains = "" if args.iterations is None else \
        f", then train {args.iterations} updates as bpgui train does"
    print(f"{args.out}: run it with python (it needs torch) to print the loss and gradients"
          f"{trains}")
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
