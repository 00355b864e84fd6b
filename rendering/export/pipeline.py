"""A small threaded pipeline: each stage runs in its own thread behind a bounded queue.

``background(iterator, depth)`` consumes ``iterator`` in a worker thread and yields its items
in order; chaining two calls (decode → composite) lets decoding, compositing and the caller's
encoding overlap (PyAV and OpenCV release the GIL while they work). Exceptions from a stage
are re-raised in the consumer. Closing the returned generator (or an error downstream) stops
the worker at its next item and joins it, so no thread outlives the export.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_END = object()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _pump(items: Iterator[T], q: queue.Queue, stop: threading.Event) -> None:
    try:
        for item in items:
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.05)
                    break
                except queue.Full:
                    continue
            if stop.is_set():
                return
        q.put(_END)
    except BaseException as exc:  # noqa: BLE001 - handed to the consumer thread
        q.put(_Failure(exc))
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()


def background(items: Iterator[T], depth: int = 4, name: str = "stage") -> Iterator[T]:
    """Yield the items of ``items``, produced ahead by a worker thread (≤ ``depth`` queued)."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    worker = threading.Thread(target=_pump, args=(items, q, stop), name=f"export-{name}",
                              daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                q.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()
