"""The Qt binding must not leak or free references when Python code emits signals.

PySide6 6.12.0 returns ``True`` from ``Signal.emit()`` without a reference: every emit
frees one reference to ``True`` and the interpreter aborts ("bool_dealloc") after a few
thousand emits on Python < 3.12 (where ``True`` is not immortal) — in the editor, that is
mid-way through tracking a clip. pyproject.toml excludes that version; this test catches
a binding with the same fault."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QObject, Signal


class _Emitter(QObject):
    value = Signal(object)
    bare = Signal()


def test_emit_keeps_reference_counts(qapp):
    emitter = _Emitter()
    got = []
    emitter.value.connect(got.append)
    emitter.bare.connect(lambda: None)
    before = sys.getrefcount(True), sys.getrefcount(None), sys.getrefcount(False)
    for i in range(50):
        emitter.value.emit(i)
        emitter.bare.emit()
    QCoreApplication.processEvents()
    after = sys.getrefcount(True), sys.getrefcount(None), sys.getrefcount(False)
    assert got == list(range(50))
    # A few references may come or go with the interpreter's own work; 100 emits that each
    # freed one would show as -100.
    assert all(abs(a - b) < 20 for a, b in zip(after, before)), (before, after)
