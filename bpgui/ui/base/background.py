"""Work longer than a frame, done off the GUI thread, and the progress shown meanwhile.

:class:`BackgroundJob` runs a plain (Qt-free) function in a worker thread and hands
its result or its exception back on the GUI thread. A QTimer owned by the job polls
the future, so the worker never emits a signal: closing the window mid-job deletes
the timer with its parent, and the worker finishes alone with nobody listening
(concurrent.futures joins it at exit, so a file it writes is never left half done).

:class:`DelayedProgress` is a progress dialog that appears only once the work has
lasted :data:`SHOW_AFTER_MS`, so quick work never flashes one.

While a worker runs Python, every Qt event the GUI thread hands to Python (the step
keys' application-wide filter sees each one) first waits for the worker to let go of
the GIL, up to :func:`sys.getswitchinterval` (5 ms by default): a few dozen events
held the event loop 200 ms while a 1,000-neuron file was read. So while any job runs,
the interval is :data:`JOB_SWITCH_S`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from bpgui.ui.base.while_any import WhileAny

SHOW_AFTER_MS = 300
POLL_MS = 15
NEVER_MS = 2**30
JOB_SWITCH_S = 0.0005     # the GIL's switch interval while a job runs (see above)

# Two workers: an export and an open may run side by side; more would only
# fight over the GIL with the GUI thread.
_EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="bpgui-job")


class _ShortSwitches(WhileAny):
    """While jobs run, the GIL's switch interval is :data:`JOB_SWITCH_S`; the last
    job to end puts back the one the first found."""

    def __init__(self) -> None:
        super().__init__()
        self._saved = sys.getswitchinterval()

    def first(self) -> None:
        self._saved = sys.getswitchinterval()
        sys.setswitchinterval(JOB_SWITCH_S)

    def last(self) -> None:
        sys.setswitchinterval(self._saved)


_SHORT_SWITCHES = _ShortSwitches()


def _with_short_switches(work: Callable[[], Any]) -> Any:
    with _SHORT_SWITCHES.held():
        return work()


class BackgroundJob(QObject):
    """``work()`` in a worker thread; :attr:`succeeded` (its result) or :attr:`failed`
    (its exception) on the GUI thread, unless :meth:`cancel` was called first."""

    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()           # after either, or at once on cancel

    def __init__(self, parent: QObject, work: Callable[[], Any],
                 on_poll: Callable[[], None] | None = None) -> None:
        """``on_poll`` runs on the GUI thread at every poll (to show progress, say)."""
        super().__init__(parent)
        self._future: Future[Any] = _EXECUTOR.submit(_with_short_switches, work)
        self._on_poll = on_poll
        self._cancelled = False
        self._running = True        # a plain flag: it outlives the deleted QTimer
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._timer.start()

    @property
    def running(self) -> bool:
        """True until the result has been handed over (or the job cancelled)."""
        return self._running

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Drop the result: the worker cannot be interrupted, but nothing it returns is
        used (work that writes a file must do so atomically, so that is harmless)."""
        if self.running:
            self._cancelled = True
            self._running = False
            self._timer.stop()
            self.finished.emit()

    def _poll(self) -> None:
        if not self._future.done():
            if self._on_poll is not None:
                self._on_poll()
            return
        self._timer.stop()
        self._running = False
        error = self._future.exception()
        if error is None:
            self.succeeded.emit(self._future.result())
        else:
            self.failed.emit(error)
        self.finished.emit()


class DelayedProgress(QObject):
    """A progress dialog over ``parent`` that shows only after :data:`SHOW_AFTER_MS`.

    ``total`` 0 makes it a busy indicator. ``modal`` blocks input to the window while
    it is up (the event loop keeps turning: it repaints, timers tick); ``on_cancel``
    gives it a Cancel button.
    """

    def __init__(self, parent: QWidget, text: str, total: int = 0, modal: bool = False,
                 on_cancel: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self.dialog = QProgressDialog(text, "Cancel" if on_cancel else "", 0, total, parent)
        self.dialog.setObjectName("backgroundProgress")
        self.dialog.setWindowTitle("Working…")
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal if modal
                                      else Qt.WindowModality.NonModal)
        if on_cancel is None:
            self.dialog.setCancelButton(None)
        else:
            self.dialog.canceled.connect(on_cancel)
        # QProgressDialog would show itself on its own timer and guesses; ours decides.
        self.dialog.setMinimumDuration(NEVER_MS)
        self.dialog.hide()
        self._closed = False
        self._show = QTimer(self)
        self._show.setSingleShot(True)
        self._show.timeout.connect(self.dialog.show)
        self._show.start(SHOW_AFTER_MS)

    def set_value(self, done: int, total: int | None = None) -> None:
        """Progress so far (a shown modal dialog also turns the event loop here, as
        QProgressDialog does: call it between pieces of work, not inside one)."""
        if total is not None:
            self.dialog.setMaximum(total)
        self.dialog.setValue(done)

    def set_text(self, text: str) -> None:
        self.dialog.setLabelText(text)

    def close(self) -> None:
        """Done: the dialog goes (or never comes). A second call does nothing."""
        if self._closed:
            return
        self._closed = True
        self._show.stop()
        self.dialog.hide()
        self.dialog.deleteLater()
        self.deleteLater()
