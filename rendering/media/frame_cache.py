"""A bytes-bounded LRU cache of decoded frames, keyed by frame index."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class FrameCache(Generic[T]):
    """Least-recently-used cache whose total size stays under ``max_bytes``.

    Args:
        max_bytes: size budget; the newest entry is always kept even if it alone is larger.
        size_of: bytes taken by one value.
    """

    def __init__(self, max_bytes: int, size_of: Callable[[T], int]) -> None:
        self.max_bytes = int(max_bytes)
        self._size_of = size_of
        self._items: OrderedDict[int, tuple[T, int]] = OrderedDict()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: int) -> bool:
        return key in self._items

    def get(self, key: int) -> T | None:
        """The value (marked most recently used) or None."""
        item = self._items.get(key)
        if item is None:
            return None
        self._items.move_to_end(key)
        return item[0]

    def put(self, key: int, value: T) -> None:
        """Insert or refresh ``key``, evicting the least recently used entries over budget."""
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= old[1]
        size = self._size_of(value)
        self._items[key] = (value, size)
        self.bytes += size
        while self.bytes > self.max_bytes and len(self._items) > 1:
            _, (_, evicted) = self._items.popitem(last=False)
            self.bytes -= evicted

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0
