"""How fast the window opens a network, steps through a pass and follows an edit (render included).

Issues 4 and 17 ask that stepping, editing and opening stay within a frame. This
drives the real main window (offscreen, 1920×1080) through its public behaviour
only, and reports per network and granularity:

- open_s: File ▸ Open end to end: from asking a window (on the small worked
  example) to open a saved .bpnet.json until the window holds the new network,
  its scene has an item for every neuron and edge, and the canvas has repainted
  once. Works whether opening is synchronous or finishes in the background.
- stall_max_ms: the longest the event loop was blocked during that open, seen
  as the largest gap between the ticks of a 5 ms timer (a synchronous open is
  one long stall; Qt reports "not responding" after a few seconds of one).
- repaint_ms: one repaint of the whole canvas, for reference (best of 3).
- step_first_ms: the first step of a pass (it fades the canvas and places every
  label with room for the pass's values), from the key's action to a finished
  repaint. step_median_ms / step_max_ms: over all steps timed, the first
  included; step_max_later_ms: the max without the first. Large networks time
  only their first STEP_CAP steps ('steps' says how many were timed).
- edit_median_ms / edit_max_ms: mid-pass, 15 weight edits (each one undoable
  command) until every value is recomputed and repainted.
- scrub_ms / scrub_max_ms: mid-pass, 60 weight changes in a row on one edge: the
  pointer moved onto the edge (so it is hovered and the path panel shows its paths)
  and 60 Ctrl+wheel notches sent there, merged into one undo entry, each followed by a
  turn of the event loop; median and max time per change. The canvas and the current
  step follow each notch; the paths and the list's rows catch up once the scrub pauses
  (bpgui.ui.stepping.scrub), after the timed notches.

Figures are milliseconds (open_s seconds). A frame at 60 Hz is 16 ms; about 50 ms
is where a delay starts to be noticeable, 100 ms where it feels sluggish. Each
figure is the median over --repeat interleaved rounds (every network and
granularity once per round). --json prints one JSON object keyed by network and
granularity instead of the table; --only SUBSTRING runs the matching networks.

Every measurement (one network at one granularity) runs in a fresh process: a closed
window leaves its widgets and Python objects behind (about 46 top-level widgets, and
590k objects after the 1,000-neuron window), and each window's leftovers slowed the
next, so later figures came out inflated. The child prints its figures as one line
marked BENCH-FIGURES on stdout; the parent reads it and takes the medians.
--in-process measures every window in the calling process instead: faster, but later
windows are slowed by the earlier ones' leftovers.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PySide6.QtCore import QEvent, QEventLoop, QPoint, QPointF, QSettings, Qt, QTimer
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QMessageBox

import bpgui
from bpgui.network import fileformat
from bpgui.network.builders import LayeredSpec, layered_network
from bpgui.network.model import Network, Sample
from bpgui.network.samples import default_network
from bpgui.ui.document.commands import SetEdge
from bpgui.ui.document.document import Document
from bpgui.ui.shell.main_window import MainWindow

STEP_CAP = 200          # steps timed per pass on networks marked capped (the rest are skipped)
EDITS = 15
SCRUB = 60              # weight changes in one Ctrl+wheel scrub
OPEN_TIMEOUT_S = 300.0
CHILD_TIMEOUT_S = 1800.0  # one measurement in its own process, the 1,000-neuron one included
MARK = "BENCH-FIGURES "   # starts the child's line of figures, amid whatever else it prints
Figures = dict[str, float]


def layered(sizes: Sequence[int], samples: int = 8) -> Network:
    """Fully connected levels of ``sizes``: tanh hidden, sigmoid outputs, seeded samples."""
    rng = np.random.default_rng(0)
    data = [Sample(list(rng.uniform(-1, 1, sizes[0])), list(rng.uniform(0, 1, sizes[-1])))
            for _ in range(samples)]
    acts = ["tanh"] * (len(sizes) - 2) + ["sigmoid"]
    return layered_network(LayeredSpec(list(sizes), acts, samples=data, seed=1))


@dataclass(frozen=True)
class Case:
    """One network of the benchmark and the granularities it is stepped at."""

    label: str
    build: Callable[[], Network]
    granularities: tuple[str, ...] = ("node",)
    capped: bool = False            # time only the first STEP_CAP steps of a pass


CASES = [
    Case("seed 000 worked example", default_network),
    Case("100 neurons, 10 levels (sparse)", lambda: layered([4] + [12] * 8 + [3])),
    Case("100 neurons, 4-32-32-31-1 (dense)", lambda: layered([4, 32, 32, 31, 1]),
         ("node", "layer")),
    Case("1,000 neurons, 40 levels of 25 (dense)", lambda: layered([25] * 40, samples=4),
         ("node", "layer"), capped=True),
]


# ------------------------------------------------------------------ the window
def small_window(app: QApplication, settings_path: Path) -> MainWindow:
    """A shown 1920×1080 window on the worked example, its prompts answered without asking."""
    settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
    window = MainWindow(Document(default_network()), settings)
    files = window.files
    files.ask_discard = lambda: QMessageBox.StandardButton.Discard  # type: ignore[method-assign]

    def fail(title: str, message: str) -> None:
        raise RuntimeError(f"{title}: {message}")

    files.show_error = fail  # type: ignore[method-assign]
    window.resize(1920, 1080)
    window.show()
    app.processEvents()
    return window


def close(app: QApplication, window: MainWindow) -> None:
    """Close and destroy the window now, so that freeing a large scene (a deferred
    delete, run by the next event loop otherwise) is not timed as the next open. The
    window froze its objects out of the collector's passes (bpgui.ui.base.gc_pauses):
    they are unfrozen, or their cycles would be collected inside the next window's open
    (a second over the 1,000-neuron window's)."""
    window.document.undo_stack.setClean()        # no "save changes?" on close
    window.close()
    window.deleteLater()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()
    gc.unfreeze()
    gc.collect()


class Size(NamedTuple):
    """How many neurons and edges a network has: what the open waits for. (The benchmark
    keeps no copy of the network it saved: every full collection in the window would walk
    its objects too, 25% more of them for the 1,000-neuron one.)"""

    neurons: int
    edges: int

    @classmethod
    def of(cls, network: Network) -> Size:
        return cls(len(network.neurons), len(network.edges))


def shows(window: MainWindow, size: Size) -> bool:
    """The window's document holds a network of ``size`` and its scene has drawn every
    part of it."""
    net = window.document.network
    if Size.of(net) != size:
        return False
    scene = window.scene
    if getattr(scene, "building", False):        # a scene drawn across event-loop turns
        return False
    neurons = getattr(scene, "neuron_items", None)
    edges = getattr(scene, "edge_items", None)
    if isinstance(neurons, dict) and isinstance(edges, dict):
        return len(neurons) == size.neurons and len(edges) == size.edges
    return len(scene.items()) >= size.neurons + size.edges


def open_through_window(window: MainWindow, path: Path, size: Size) -> tuple[float, float]:
    """Open ``path`` as File ▸ Open does, from inside the event loop, with a 5 ms timer
    watching it; return (seconds until the network is shown and painted, longest gap
    between the timer's ticks in ms). Background opens are pumped until they finish."""
    loop = QEventLoop()
    ticks: list[float] = []
    outcome: list[bool] = []

    def tick() -> None:
        ticks.append(time.perf_counter())
        if shows(window, size):
            window.view.viewport().repaint()     # the first frame of the new network
            ticks.append(time.perf_counter())
            loop.quit()
        elif ticks[-1] - ticks[0] > OPEN_TIMEOUT_S:
            loop.quit()

    def start() -> None:
        outcome.append(window.files.open(path))

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(5)
    timer.timeout.connect(tick)
    ticks.append(time.perf_counter())
    timer.start()
    QTimer.singleShot(0, start)
    loop.exec()
    timer.stop()
    if not shows(window, size) or outcome == [False]:
        raise RuntimeError(f"{path.name} was not opened within {OPEN_TIMEOUT_S:.0f} s")
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    return ticks[-1] - ticks[0], max(gaps) * 1000


# ----------------------------------------------------------------- the timings
def ms_since(t: float) -> float:
    return (time.perf_counter() - t) * 1000


def time_repaint(window: MainWindow) -> float:
    viewport = window.view.viewport()
    times = []
    for _ in range(3):
        t = time.perf_counter()
        viewport.repaint()
        times.append(ms_since(t))
    return min(times)


def time_steps(app: QApplication, window: MainWindow, cap: int | None) -> list[float]:
    """Each step from the start of the pass: the session's step and the repaint it causes."""
    session = window.stepping.session
    steps: list[float] = []
    while cap is None or len(steps) < cap:
        t = time.perf_counter()
        if not session.step():
            break
        app.processEvents()
        steps.append(ms_since(t))
    return steps


def settle(app: QApplication, window: MainWindow) -> None:
    """Let the records follow an edit (flush, where the session still has it) and repaint."""
    flush = getattr(window.stepping.session, "flush", None)
    if callable(flush):
        flush()
    app.processEvents()


def time_edits(app: QApplication, window: MainWindow, edge: str) -> list[float]:
    document = window.document
    edits = []
    for k in range(EDITS):
        t = time.perf_counter()
        document.execute(SetEdge(document, edge, weight=0.1 * k - 0.7))
        settle(app, window)
        edits.append(ms_since(t))
    return edits


def pointer_on(app: QApplication, window: MainWindow, edge: str) -> QPoint:
    """Move the pointer onto ``edge``, or onto the edge nearest it in file order that the
    pointer can reach (on a dense network others cover much of it), with a real mouse
    move, so the edge is hovered and the path panel shows its paths, as when a user
    scrubs it; return where the pointer is."""
    view, items = window.view, window.scene.edge_items
    ids = [e.id for e in window.document.network.edges]
    middle = ids.index(edge)
    for k in sorted(range(len(ids)), key=lambda k: abs(k - middle)):
        candidate = ids[k]
        line = items[candidate].line()
        for t in range(5, 100, 10):
            point = view.mapFromScene(line.pointAt(t / 100))
            if view.edge_at(point) is items[candidate]:
                QApplication.sendEvent(view.viewport(), QMouseEvent(
                    QEvent.Type.MouseMove, QPointF(point),
                    QPointF(view.viewport().mapToGlobal(point)), Qt.MouseButton.NoButton,
                    Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))
                app.processEvents()
                return point
    raise RuntimeError("no edge can be pointed at alone")


def time_scrub(app: QApplication, window: MainWindow, edge: str) -> list[float]:
    """Ctrl+wheel over the edge (or the nearest one the pointer can reach): one notch at
    a time, up then back down, each shown before the next (real wheel events at the
    pointer, which hovers the edge)."""
    view = window.view
    point = pointer_on(app, window, edge)
    changes = []
    for k in range(SCRUB):
        notch = 120 if k < SCRUB // 2 else -120
        t = time.perf_counter()
        QApplication.sendEvent(view.viewport(), QWheelEvent(
            QPointF(point), QPointF(view.viewport().mapToGlobal(point)), QPoint(0, 0),
            QPoint(0, notch), Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
            Qt.ScrollPhase.NoScrollPhase, False))
        settle(app, window)
        changes.append(ms_since(t))
    return changes


def measure(app: QApplication, case: Case, granularity: str, folder: Path) -> Figures:
    """Every figure for one network at one granularity, from a fresh window."""
    network = case.build()
    path = folder / "network.bpnet.json"
    fileformat.save(network, path)
    size = Size.of(network)
    del network
    window = small_window(app, folder / f"settings-{time.perf_counter_ns()}.ini")
    try:
        open_s, stall = open_through_window(window, path, size)
        session = window.stepping.session
        session.set_granularity(granularity)
        app.processEvents()
        repaint = time_repaint(window)
        steps = time_steps(app, window, STEP_CAP if case.capped else None)
        session.jump(len(session.records) // 2)
        app.processEvents()
        net = window.document.network
        edge = net.edges[len(net.edges) // 2].id
        edits = time_edits(app, window, edge)
        scrub = time_scrub(app, window, edge)
    finally:
        close(app, window)
    return {
        "neurons": size.neurons, "edges": size.edges,
        "open_s": open_s, "stall_max_ms": stall, "repaint_ms": repaint,
        "steps": len(steps), "step_first_ms": steps[0],
        "step_median_ms": statistics.median(steps), "step_max_ms": max(steps),
        "step_max_later_ms": max(steps[1:], default=0.0),
        "edit_median_ms": statistics.median(edits), "edit_max_ms": max(edits),
        "scrub_ms": statistics.median(scrub), "scrub_max_ms": max(scrub),
    }


# ------------------------------------------------------------ one per process
Measure = Callable[[Case, str, Path], Figures]   # one network at one granularity


def child_env() -> dict[str, str]:
    """This environment, offscreen unless told otherwise, with the bpgui measured here
    first on the path: run by its file, the child would find the installed one."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    source = str(Path(bpgui.__path__[0]).resolve().parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    return env


def tail(text: str | bytes | None, lines: int = 20) -> str:
    """The last ``lines`` lines of a child's output (bytes when it timed out)."""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return "\n".join((text or "").splitlines()[-lines:])


def in_child(case: Case, granularity: str, folder: Path) -> Figures:
    """measure() in a fresh process, so no earlier window's leftovers slow it."""
    command = [sys.executable, str(Path(__file__).resolve()), "--one", case.label,
               "--granularity", granularity, "--folder", str(folder)]
    what = f"measuring {case.label!r} at {granularity!r} in a child process"
    try:
        child = subprocess.run(command, capture_output=True, text=True, env=child_env(),
                               timeout=CHILD_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as timeout:
        raise RuntimeError(f"{what}: no result within {CHILD_TIMEOUT_S:.0f} s; "
                           f"its stderr ends:\n{tail(timeout.stderr)}") from None
    marked = [line for line in child.stdout.splitlines() if line.startswith(MARK)]
    if child.returncode != 0 or len(marked) != 1:
        raise RuntimeError(f"{what}: exit status {child.returncode}, {len(marked)} lines of "
                           f"figures; its stderr ends:\n{tail(child.stderr)}")
    figures: Figures = json.loads(marked[0].removeprefix(MARK))
    return figures


def run(measure_one: Measure, cases: Sequence[Case], repeat: int
        ) -> dict[str, dict[str, Figures]]:
    """``repeat`` interleaved rounds; every figure is the median over the rounds."""
    rounds: dict[tuple[str, str], list[Figures]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeat):
            for case in cases:
                for granularity in case.granularities:
                    figures = measure_one(case, granularity, Path(folder))
                    rounds.setdefault((case.label, granularity), []).append(figures)
    result: dict[str, dict[str, Figures]] = {}
    for (label, granularity), runs in rounds.items():
        result.setdefault(label, {})[granularity] = {
            key: round(statistics.median(r[key] for r in runs), 4) for key in runs[0]}
        result[label][granularity]["rounds"] = len(runs)
    return result


# ---------------------------------------------------------------------- output
COLUMNS = [("open s", "open_s", 2), ("stall", "stall_max_ms", 0), ("repaint", "repaint_ms", 1),
           ("steps", "steps", 0), ("1st step", "step_first_ms", 1),
           ("step med", "step_median_ms", 1), ("step max", "step_max_ms", 1),
           ("max >1st", "step_max_later_ms", 1), ("edit med", "edit_median_ms", 1),
           ("edit max", "edit_max_ms", 1), ("scrub", "scrub_ms", 1),
           ("scrub mx", "scrub_max_ms", 1)]


def table(result: dict[str, dict[str, Figures]], repeat: int) -> str:
    lines = [f"GUI open, stepping and editing, offscreen 1920×1080 window; ms unless marked "
             f"(render included), median of {repeat} interleaved rounds",
             f"{'network':<39} {'gran.':<6} {'nrns':>5} {'edges':>6} "
             + " ".join(f"{name:>8}" for name, _, _ in COLUMNS)]
    for label, by_granularity in result.items():
        for granularity, f in by_granularity.items():
            lines.append(f"{label:<39} {granularity:<6} {f['neurons']:>5.0f} {f['edges']:>6.0f} "
                         + " ".join(f"{f[key]:>8.{digits}f}" for _, key, digits in COLUMNS))
    lines.append(f"1st step = the first step of a pass; max >1st = step max without it; "
                 f"networks of 1,000 neurons time their first {STEP_CAP} steps")
    lines.append("a frame ≈ 16 ms; noticeable delay ≈ 50 ms; sluggish ≈ 100 ms")
    return "\n".join(lines)


def application() -> QApplication:
    """The running application, or a new offscreen one."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")   # before the application exists
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    return app


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument("--only", default="", help="run the networks whose name has this")
    parser.add_argument("--in-process", action="store_true",
                        help="measure every window in this process, not each in a fresh one: "
                             "faster, but later windows are slowed by the earlier ones' "
                             "leftovers")
    # A child's one measurement (see in_child), not for people.
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--granularity", default="node", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> dict[str, dict[str, Figures]]:
    parser = argument_parser()
    args = parser.parse_args(argv)
    if args.one is not None:
        return measure_one_here(parser, args)
    cases = [c for c in CASES if args.only.lower() in c.label.lower()]
    if not cases:
        parser.error(f"no network matches {args.only!r}")
    measure_one = partial(measure, application()) if args.in_process else in_child
    result = run(measure_one, cases, max(1, args.repeat))
    print(json.dumps(result, indent=2) if args.json else table(result, args.repeat))
    sys.stdout.flush()
    return result


def measure_one_here(parser: argparse.ArgumentParser, args: argparse.Namespace
                     ) -> dict[str, dict[str, Figures]]:
    """The child's side of in_child: measure the case labelled exactly ``--one`` and print
    its figures as one marked JSON line."""
    case = next((c for c in CASES if c.label == args.one), None)
    if case is None or args.granularity not in case.granularities or args.folder is None:
        parser.error(f"no measurement {args.one!r} at {args.granularity!r} in {args.folder!r}")
    figures = measure(application(), case, args.granularity, Path(args.folder))
    print(MARK + json.dumps(figures), flush=True)
    return {case.label: {args.granularity: figures}}


if __name__ == "__main__":
    main()
