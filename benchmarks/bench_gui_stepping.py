"""How fast the window steps through a pass and reacts to an edit, rendering included.

Issue 4 asks that stepping and editing "feel instant on networks of up to 100
neurons". This measures the real main window (offscreen): for every step of a
pass, the time from the key's action to a finished repaint of the canvas, and
for a weight edit mid-pass, the time until every value is recomputed and
repainted (the window repaints only what changed; 'repaint' is the whole
canvas, for reference). The first step of a pass also fades the whole canvas and
places every label with room for the pass's values, so 'step max' is that one.
Figures are milliseconds; about 50 ms is where a delay starts to be noticeable,
100 ms where it feels sluggish.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from bpgui.network.builders import LayeredSpec, layered_network
from bpgui.network.model import Network, Sample
from bpgui.network.samples import default_network
from bpgui.ui.document.commands import SetEdge
from bpgui.ui.document.document import Document
from bpgui.ui.shell.main_window import MainWindow


def hundred_neurons(dense: bool) -> Network:
    """4-32-32-31-1 (100 neurons, 2175 edges) or a sparser 4-24-24-24-24-… of 100."""
    sizes = [4, 32, 32, 31, 1] if dense else [4, 12, 12, 12, 12, 12, 12, 12, 12, 3]
    rng = np.random.default_rng(0)
    samples = [Sample(list(rng.uniform(-1, 1, sizes[0])), list(rng.uniform(0, 1, sizes[-1])))
               for _ in range(8)]
    acts = ["tanh"] * (len(sizes) - 2) + ["sigmoid"]
    return layered_network(LayeredSpec(sizes, acts, samples=samples, seed=1))


def measure(app: QApplication, network: Network, label: str, granularity: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "s.ini"), QSettings.Format.IniFormat)
        t0 = time.perf_counter()
        window = MainWindow(Document(network), settings)
        window.resize(1920, 1080)
        window.show()
        app.processEvents()
        window.view.fit()
        window.view.viewport().grab()
        opened = (time.perf_counter() - t0) * 1000
        session = window.stepping.session
        session.set_granularity(granularity)
        viewport = window.view.viewport()
        full = []
        for _ in range(3):
            t = time.perf_counter()
            viewport.repaint()                    # the whole canvas, for reference
            full.append((time.perf_counter() - t) * 1000)
        steps = []
        while True:
            t = time.perf_counter()
            if not session.step():
                break
            app.processEvents()                   # the window repaints what changed
            steps.append((time.perf_counter() - t) * 1000)
        session.jump(len(session.records) // 2)
        edge = network.edges[len(network.edges) // 2].id
        edits = []
        for k in range(15):
            t = time.perf_counter()
            window.document.execute(SetEdge(window.document, edge, weight=0.1 * k - 0.7))
            session.flush()
            app.processEvents()
            edits.append((time.perf_counter() - t) * 1000)
        window.document.undo_stack.setClean()
        window.close()
        print(f"{label:<34} {granularity:<6} {len(network.neurons):>4} {len(network.edges):>5} "
              f"{opened:>8.0f} {min(full):>8.1f} {len(steps):>6} {statistics.median(steps):>8.1f} "
              f"{max(steps):>8.1f} {statistics.median(edits):>8.1f} {max(edits):>8.1f}")


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")   # before the application exists
    app = QApplication.instance() or QApplication([])
    print("GUI stepping, offscreen, 1920×1080 window; times in ms (render included)")
    print(f"{'network':<34} {'gran.':<6} {'nrns':>4} {'edges':>5} {'open':>8} {'repaint':>8} "
          f"{'steps':>6} "
          f"{'step med':>8} {'step max':>8} {'edit med':>8} {'edit max':>8}")
    measure(app, default_network(), "seed 000 worked example", "node")
    measure(app, hundred_neurons(dense=False), "100 neurons, 10 levels (sparse)", "node")
    measure(app, hundred_neurons(dense=True), "100 neurons, 4-32-32-31-1 (dense)", "node")
    measure(app, hundred_neurons(dense=True), "100 neurons, 4-32-32-31-1 (dense)", "layer")
    print("noticeable delay ≈ 50 ms; sluggish ≈ 100 ms")


if __name__ == "__main__":
    main()
