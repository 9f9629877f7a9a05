"""Training in a process of its own, so the window's thread only ever draws.

Python runs one thread at a time, and a small network's update is mostly Python,
so a training thread would take its time from the window's thread and the
window's thread from it. A second process trains at full speed on the other
core while the window stays free to draw, zoom and answer clicks.

Nothing is shared: a :class:`~bpgui.engine.training.Trainer` is pickled to the
process when a run starts and pickled back when it ends, so exactly one side
owns it at any time. During the run the process sends a :class:`Progress` after
every chunk of about :data:`CHUNK_SECONDS` (the new losses and the parameters
after them), and it stops itself when the run is done or diverges. Changing
the learning rate or the pace, and stopping, are handshakes answered between two
chunks, after every earlier chunk's :class:`Progress`: when
:meth:`TrainingWorker.set_rate` returns, the caller's history ends exactly where
the new rate takes over.

Qt-free, like the rest of the engine: the window polls :meth:`TrainingWorker.poll`
from a timer.
"""

from __future__ import annotations

import math
import multiprocessing
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from bpgui.engine.opgraph import OperationUndefined
from bpgui.engine.training import Trainer
from bpgui.network.errors import BpguiError
from bpgui.network.functions import Array

CHUNK_SECONDS = 0.02        # iterations between two looks at the pipe
MAX_CHUNK = 100_000
# A run whose loss climbs above both of these is diverging, though finite: a saturated
# sigmoid with a clamped cross-entropy never reaches NaN, however large η is.
RUNAWAY_FROM_START = 2.0    # × the loss when the run began
RUNAWAY_FROM_LOWEST = 10.0  # × the lowest loss of the run so far


# ------------------------------------------------------------------ messages
@dataclass
class Progress:
    """One chunk's updates: a loss (and ‖g‖, per-sample losses and the per-level
    gradient sizes, if recorded) after each, and every block's parameters after the
    last. ``levels`` is (mean |δ|, ‖∂L/∂W‖), each updates × levels."""

    losses: Array
    norms: Array | None
    samples: Array | None
    parameters: list[tuple[Array, Array]]
    levels: tuple[Array, Array] | None = None
    test_losses: Array | None = None    # the test samples' loss after each update, if any


@dataclass
class Divergence:
    """Why a run stopped early. ``update`` counts the run's updates up to and including
    the first bad one; ``lowest`` is the lowest loss of the run before it."""

    kind: str                   # "nan" (a non-finite loss) or "runaway"
    update: int
    loss: float
    lowest: float


@dataclass
class Applied:
    """The new learning rate or pace holds from the next update on."""


@dataclass
class Finished:
    """The run is over; the trainer comes back, with its schedule where it stopped
    (None only when the window's end makes up for a process that died)."""

    trainer: Trainer | None
    divergence: Divergence | None


# ------------------------------------------------------------------ runaway
class RunawayWatch:
    """Spots a run whose loss has shot far above both where it began and its lowest."""

    def __init__(self, start: float, lowest: float) -> None:
        self.start, self.lowest = start, lowest

    def check(self, losses: Array, done: int) -> Divergence | None:
        """The first runaway among ``losses``, the run's updates ``done + 1`` on."""
        if not len(losses):
            return None
        lowest = np.fmin.accumulate(np.concatenate(([self.lowest], losses)))[:-1]
        bad = (losses > RUNAWAY_FROM_START * self.start) & \
            (losses > RUNAWAY_FROM_LOWEST * lowest)
        self.lowest = float(np.fmin(self.lowest, np.fmin.reduce(losses)))
        if not bad.any():
            return None
        k = int(np.argmax(bad))
        return Divergence("runaway", done + k + 1, float(losses[k]), float(lowest[k]))


# ------------------------------------------------------------------ the process
def serve(conn: Connection) -> None:
    """The training process: wait for a run, train it, wait again; end with the pipe.

    A ``rate``, ``pace`` or ``stop`` that arrives between runs was meant for a run that has
    already finished: there is nothing left to do for it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl+C is for the window to handle
    try:
        while True:
            message = conn.recv()
            if message[0] == "start":
                _, trainer, remaining, watch, pace = message
                train(conn, trainer, remaining, watch, pace)
    except (EOFError, OSError):         # the window has gone: so do we
        return


def train(conn: Connection, trainer: Trainer, remaining: int | None,
          watch: RunawayWatch, pace: float | None = None) -> None:
    """Run ``remaining`` updates (None: until stopped) in timed chunks, answering
    messages between chunks; send :class:`Finished` at the end. With a ``pace``, at
    most that many updates a second (so a class can watch the first ones happen)."""
    done, count = 0, 1
    origin = (time.perf_counter(), 0)       # the pace counts from here: (time, done)
    while True:
        while conn.poll():
            message = conn.recv()
            if message[0] == "rate":
                trainer.learning_rate = message[1]
                conn.send(Applied())
            elif message[0] == "pace":
                pace, origin = message[1], (time.perf_counter(), done)
                conn.send(Applied())
            elif message[0] == "stop":
                conn.send(Finished(trainer, None))
                return
        n = count if remaining is None else min(count, remaining - done)
        if pace:
            n = max(1, min(n, round(pace * CHUNK_SECONDS)))
        start = time.perf_counter()
        kept = len(trainer.history)
        try:
            new = trainer.run(n)
        except OperationUndefined:      # the trainer has stopped as for a NaN loss
            new = trainer.history[kept:]
        elapsed = time.perf_counter() - start
        conn.send(take_progress(trainer, new))
        divergence = chunk_divergence(trainer, new, done, watch)
        done += len(new)
        if divergence is not None or done == remaining:
            conn.send(Finished(trainer, divergence))
            return
        count = max(1, min(MAX_CHUNK, 2 * n, round(n * CHUNK_SECONDS / max(elapsed, 1e-6))))
        if pace:
            due = origin[0] + (done - origin[1]) / pace
            conn.poll(max(0.0, due - time.perf_counter()))      # or until a message


def take_progress(trainer: Trainer, new: list[float]) -> Progress:
    """What the trainer's last :meth:`~Trainer.run` added; the trainer forgets it, so a
    long run does not pile it up twice."""
    norms, samples, levels = trainer.gradient_norms, trainer.sample_history, \
        trainer.level_history
    tests = trainer.test_history
    progress = Progress(np.asarray(new, dtype=np.float64),
                        None if norms is None else np.asarray(norms, dtype=np.float64),
                        None if samples is None or not samples else np.array(samples),
                        [(b.weights.copy(), b.bias.copy()) for b in trainer.plan.blocks],
                        None if not levels else (np.array([m for m, _ in levels]),
                                                 np.array([g for _, g in levels])),
                        None if tests is None  # as long as the history: its last len(new)
                        else np.asarray(tests[len(tests) - len(new):], dtype=np.float64))
    for kept in (norms, samples, levels):
        if kept is not None:
            kept.clear()
    for history in (trainer.history, tests, trainer.penalty_history):
        if history is not None:         # each as long as the loss history: keep the last
            del history[:-1]
    return progress


def chunk_divergence(trainer: Trainer, new: list[float], done: int,
                     watch: RunawayWatch) -> Divergence | None:
    """Why the run must stop after ``new`` (the run's updates ``done + 1`` on), if it
    must: a non-finite loss (the trainer has restored the last finite weights) or a
    runaway one (the chunk's later updates stay: they are in the history)."""
    if trainer.diverged_at is not None:
        return Divergence("nan", done + len(new), float(new[-1]) if new else math.nan,
                          watch.lowest)
    return watch.check(np.asarray(new, dtype=np.float64), done)


# ------------------------------------------------------------------ the window's end
class TrainingWorker:
    """The window's end of the pipe to the training process (one for the whole app).

    The process starts at the first run (or :meth:`warm`) and is reused: a spawned
    Python with NumPy takes about half a second to start. :attr:`owner` is whoever
    started the run going on, so that a second window's run cannot be mistaken for
    the first's.
    """

    def __init__(self) -> None:
        self._conn: Connection | None = None
        self._process: Any = None
        self.owner: object | None = None     # None: no run is going on

    @property
    def busy(self) -> bool:
        return self.owner is not None

    def warm(self) -> None:
        """Start the process now, so the first run need not wait for it."""
        if self._process is None or not self._process.is_alive():
            if self._conn is not None:      # a process that died between runs
                self._conn.close()
            context = multiprocessing.get_context("spawn")   # no fork of a Qt process
            ours, theirs = context.Pipe()
            process = context.Process(target=serve, args=(theirs,), daemon=True,
                                      name="bpgui-training")
            process.start()
            theirs.close()
            self._conn, self._process = ours, process

    def start(self, owner: object, trainer: Trainer, remaining: int | None,
              watch: RunawayWatch, pace: float | None = None) -> None:
        """Hand ``trainer`` over and start a run (at most ``pace`` updates a second, if
        given); a run still going is abandoned."""
        if self.busy:
            self.stop()
        self.warm()
        self._send(("start", trainer, remaining, watch, pace))
        self.owner = owner

    def poll(self, timeout: float = 0.0) -> list[Progress | Finished]:
        """Whatever has arrived, waiting up to ``timeout`` seconds for the first of it."""
        messages: list[Progress | Finished] = []
        while self.busy and self._ready(0.0 if messages else timeout):
            # Only a request is answered with Applied, and _request reads that answer.
            messages.append(self._receive())   # type: ignore[arg-type]
        return messages

    def set_rate(self, value: float) -> list[Progress | Finished]:
        """Change η between two chunks; the messages up to then (a :class:`Finished`
        among them if the run ended first: the new rate then came too late for it)."""
        return self._request(("rate", value))

    def set_pace(self, value: float | None) -> list[Progress | Finished]:
        """At most ``value`` updates a second from the next chunk on (None: full speed);
        the messages up to then, as for :meth:`set_rate`."""
        return self._request(("pace", value))

    def stop(self) -> list[Progress | Finished]:
        """End the run between two chunks; the messages up to then, :class:`Finished`
        last (waits for one chunk at most)."""
        return self._request(("stop",))

    def _request(self, message: tuple[object, ...]) -> list[Progress | Finished]:
        """Send ``message`` and collect what arrives until its answer or the run's end."""
        messages: list[Progress | Finished] = []
        if self.busy:
            self._send(message)
        while self.busy:
            reply = self._receive()
            if isinstance(reply, Applied):
                break
            messages.append(reply)
        return messages

    def _receive(self) -> Progress | Finished | Applied:
        with self._pipe() as conn:
            message: Progress | Finished | Applied = conn.recv()
        if isinstance(message, Finished):
            self.owner = None
        return message

    def _ready(self, timeout: float) -> bool:
        with self._pipe() as conn:
            return conn.poll(timeout)

    def _send(self, message: tuple[object, ...]) -> None:
        with self._pipe() as conn:
            conn.send(message)

    @contextmanager
    def _pipe(self) -> Iterator[Connection]:
        """The connection; a broken pipe becomes one clear error."""
        assert self._conn is not None
        try:
            yield self._conn
        except (EOFError, OSError) as exc:
            raise self._lost() from exc

    def _lost(self) -> BpguiError:
        """The process died (killed, or out of memory): the next run starts a new one."""
        self.owner = None
        if self._conn is not None:          # as warm() does for one that died between runs
            with suppress(OSError):
                self._conn.close()
        self._conn = self._process = None
        return BpguiError("the training process ended unexpectedly")


_shared: TrainingWorker | None = None


def shared_worker() -> TrainingWorker:
    """The app's one training process."""
    global _shared
    if _shared is None:
        _shared = TrainingWorker()
    return _shared
