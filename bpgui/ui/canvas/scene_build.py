"""Drawing a large network across turns of the event loop, so the window never stalls.

Making the item of one edge costs about a tenth of a millisecond: the 24,000 edges of a
1,000-neuron layered network held the GUI thread for seconds, and the window stopped
repainting ("not responding"), and then placing their labels (twice) held it for
seconds more. :class:`SlicedBuild` runs the scene's item-making and label-placing
steps in slices of :data:`SLICE_S`, one slice per turn of the event loop. Meanwhile the
canvas takes no input and a modal progress dialog (after 300 ms) keeps the rest of
the window from acting on half a scene; the event loop keeps turning. Whoever needs
every item at once (an edit about to run, a change arriving) calls :meth:`finish`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import AbstractContextManager

from PySide6.QtCore import QObject, QPoint, QPointF, QRect, QRectF, QSize, QTimer, Signal
from PySide6.QtGui import QImage, QRegion
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

from bpgui.network.model import Edge, Neuron
from bpgui.ui.base.background import DelayedProgress
from bpgui.ui.base.gc_pauses import freeze_made

# Networks with up to this many neurons and edges are drawn in one go (well under
# 100 ms), exactly as before; larger ones in slices.
INLINE_ITEMS = 2000
SLICE_S = 0.04          # GUI-thread time per slice: the window repaints between slices


Finishing = Generator[None, None, QRectF]


def build_items(scene: QGraphicsScene, neurons: Sequence[Neuron], edges: Sequence[Edge],
                add_neuron: Callable[[Neuron], None], add_edge: Callable[[Edge], None],
                place_labels: Callable[[], Iterator[str | None]],
                done: Callable[[], Finishing]) -> SlicedBuild | None:
    """Make every neuron's item, then every edge's, then run ``place_labels`` (which
    yields after each label, about three times per edge; a text says the next step is
    long) and run ``done`` (which yields between its long parts and returns the
    rectangle the items cover): at once for a small network or a scene nobody sees yet
    (``--screenshot``, a window being made), else in slices (and then fit the views to
    that rectangle: they were fitted to the empty scene when the document was
    replaced); the :class:`SlicedBuild` under way, or None when done."""
    steps = _steps(neurons, edges, add_neuron, add_edge, place_labels)
    total = len(neurons) + len(edges)
    if total <= INLINE_ITEMS or not any(view.isVisible() for view in scene.views()):
        for _ in steps:
            pass
        for _ in done():
            pass
        return None
    return SlicedBuild(scene, steps, total + LABEL_STEPS_PER_EDGE * len(edges), done,
                       f"Drawing {len(neurons):,} neurons and {len(edges):,} edges…")


LABEL_STEPS_PER_EDGE = 3   # two placements (idle, with room) and showing the idle one
PLACING_TEXT = "Placing the weight labels…"


def _steps(neurons: Sequence[Neuron], edges: Sequence[Edge],
           add_neuron: Callable[[Neuron], None], add_edge: Callable[[Edge], None],
           place_labels: Callable[[], Iterator[str | None]]) -> Iterator[str | None]:
    """One step per item made or label placed; a text when the work changes (the next
    step then starts a slice of its own: it may be long)."""
    for neuron in neurons:
        add_neuron(neuron)
        yield None
    for edge in edges:
        add_edge(edge)
        yield None
    yield PLACING_TEXT
    yield from place_labels()


def fit_views(scene: QGraphicsScene, rect: QRectF | None = None) -> None:
    """Show the whole scene (``rect``, if the caller knows what the items cover) in
    each of its views that can fit itself (the canvas)."""
    for view in scene.views():
        fit = getattr(view, "fit", None)
        if callable(fit):
            fit(rect)


def _turns(finishing: Finishing) -> Generator[bool, None, QRectF]:
    """``finishing``'s parts, each ended by a False (not done yet); its result."""
    while True:
        try:
            next(finishing)
        except StopIteration as stop:
            yield False
            result: QRectF = stop.value
            return result
        yield False


def paint_a_pixel(view: QGraphicsView, at: QPointF) -> None:
    """Paint the pixel of ``view`` that shows scene point ``at``, into a throwaway image:
    for it Qt fills the whole pixmap of every cached item there for this view (a device
    cache is drawn whole), which the first paint then blits: the edge strokes' base was
    70 of the 120 ms the 1,000-neuron network's first paint took. (A real paint of the
    viewport: ``QGraphicsView.render`` keeps caches of its own.)"""
    viewport = view.viewport()
    pixel = QImage(1, 1, QImage.Format.Format_ARGB32_Premultiplied)
    where = QRect(view.mapFromScene(at), QSize(1, 1))
    no_background = QWidget.RenderFlag(0)         # (and the viewport has no children)
    viewport.render(pixel, QPoint(0, 0), QRegion(where), no_background)


def _hidden_looks(scene: QGraphicsScene) -> list[AbstractContextManager[None]]:
    """What the scene keeps drawn but hidden, each shown while its block runs (its
    ``hidden_looks()``, if it has one)."""
    looks = getattr(scene, "hidden_looks", None)
    return list(looks()) if callable(looks) else []


class SlicedBuild(QObject):
    """Consume ``steps`` (one item made or label placed per None, ``total`` in all; a
    text says what the work is now) a slice per event-loop turn, then run ``done`` a
    part per turn, then fit and show the views of ``scene`` (disabled meanwhile) and
    say ``shown``."""

    shown = Signal()

    def __init__(self, scene: QGraphicsScene, steps: Iterator[str | None], total: int,
                 done: Callable[[], Finishing], text: str) -> None:
        super().__init__(scene)
        self._scene, self._steps, self._done = scene, steps, done
        self._made, self._total = 0, total
        self._steps_done = False
        self._rect: QRectF | None = None     # what the items cover, once the scene is done
        self._ending = self._end()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._slice)
        for view in scene.views():     # no input, and no painting of half a scene
            view.setEnabled(False)
            view.viewport().setUpdatesEnabled(False)
        views = scene.views()
        self._progress = DelayedProgress(views[0].window(), text, total, modal=True) \
            if views else None
        self._timer.start()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def finish(self) -> None:
        """Make every remaining item now, then complete the build."""
        if not self.running:
            return
        self._timer.stop()
        for _ in self._steps:
            pass
        for _ in self._ending:
            pass
        self._show()

    def stop(self) -> None:
        """Abandon the build (a new one replaces it): the remaining items are not made."""
        self._timer.stop()
        self._release()

    def _slice(self) -> None:
        if self._steps_done:
            if next(self._ending, True):
                self._show()
            else:
                self._timer.start()
            return
        end = time.perf_counter() + SLICE_S
        for step in self._steps:
            if step is None:
                self._made += 1
            elif self._progress is not None:
                self._progress.set_text(step)
            if step is not None or time.perf_counter() >= end:
                break
        else:
            self._steps_done = True
        if self._progress is not None:
            self._progress.set_value(min(self._made, self._total))
        freeze_made()           # no full pass of the collector walks the growing scene
        self._timer.start()

    def _end(self) -> Iterator[bool]:     # False: not done yet
        """The end of a build, a part per turn (each walks every item): the scene
        completes itself and gives what its items cover, and the views are fitted to
        that; then the scene's spatial index is built (the scene rect just changed, so
        Qt would build it at the first paint, which takes long enough without it); then
        each view draws the pixel at its centre (see :func:`paint_a_pixel`), and again
        with each look the scene keeps drawn but hidden shown instead (a pass's faded
        strokes)."""
        self._rect = yield from _turns(self._done())
        fit_views(self._scene, self._rect)
        yield False
        self._scene.items(QRectF(0, 0, 1, 1))       # a query brings the index up to date
        yield False
        for view in self._scene.views():
            paint_a_pixel(view, self._rect.center())
        yield False
        for shown in _hidden_looks(self._scene):
            with shown:
                for view in self._scene.views():
                    paint_a_pixel(view, self._rect.center())
            yield False

    def _show(self) -> None:
        self._release()
        freeze_made()
        self.shown.emit()

    def _release(self) -> None:
        self._steps, self._ending = iter(()), iter(())    # (the end refers back to this build)
        if self._progress is not None:
            self._progress.close()
            self._progress = None
        for view in self._scene.views():
            view.setEnabled(True)
            view.viewport().setUpdatesEnabled(True)
        self.deleteLater()
