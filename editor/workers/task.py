"""Run one blocking call on the global QThreadPool and get its result back on the UI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)  # the exception


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[], object], signals: _Signals) -> None:
        super().__init__()
        self._fn = fn
        self._signals = signals

    def run(self) -> None:
        try:
            value = self._fn()
        except Exception as exc:  # reported to the UI as a dialog/status message
            log.info("background task failed: %s", exc)
            self._signals.failed.emit(exc)
            return
        self._signals.done.emit(value)


def run_in_background(fn: Callable[[], object], on_done: Callable[[object], None],
                      on_failed: Callable[[Exception], None], parent: QObject) -> _Signals:
    """Call ``fn()`` on a pool thread; ``on_done(value)`` / ``on_failed(exc)`` run on the
    thread of ``parent`` (the UI thread). Keep the returned object alive until then."""
    signals = _Signals(parent)
    signals.done.connect(on_done)
    signals.failed.connect(on_failed)
    QThreadPool.globalInstance().start(_Runnable(fn, signals))
    return signals
