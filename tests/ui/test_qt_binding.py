"""The Qt binding itself: PySide6 6.12.0 on CPython 3.11 leaks references to None and
True (every void call and every emit drops one), and the interpreter aborts after a few
thousand. pyproject.toml keeps that release out; this test catches any build like it."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(bool)


def test_void_calls_keep_the_reference_count_of_none() -> None:
    obj = QObject()
    before = sys.getrefcount(None)
    for _ in range(200):
        obj.setObjectName("x")
    assert abs(sys.getrefcount(None) - before) < 10


def test_emits_keep_the_reference_count_of_true() -> None:
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for _ in range(200):
        emitter.fired.emit(True)
    assert abs(sys.getrefcount(True) - before) < 10
