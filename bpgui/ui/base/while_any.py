"""A setting held while any of several works runs, in whatever threads they run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class WhileAny:
    """Counts the works under way: the first to start calls :meth:`first`, the last to
    end :meth:`last` (a subclass says what they set and put back)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0

    def first(self) -> None:
        """The first work starts (under the lock)."""

    def last(self) -> None:
        """The last work ends (under the lock)."""

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            if self._running == 0:
                self.first()
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0:
                    self.last()
