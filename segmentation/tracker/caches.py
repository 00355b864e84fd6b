"""Byte-bounded LRU caches: image features per frame, low-res outputs per (frame, object)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LruCache(Generic[V]):
    """LRU mapping whose total size (``size_of(value)`` bytes) stays ≤ ``budget_bytes``.

    A value larger than the whole budget is not kept.
    """

    def __init__(self, budget_bytes: int, size_of: Callable[[V], int]) -> None:
        self.budget_bytes = max(int(budget_bytes), 0)
        self._size_of = size_of
        self._items: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self.nbytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        item = self._items.get(key)
        if item is None:
            self.misses += 1
            return None
        self.hits += 1
        self._items.move_to_end(key)
        return item[0]

    def put(self, key: Hashable, value: V) -> None:
        self.pop(key)
        size = self._size_of(value)
        if size > self.budget_bytes:
            return
        self._items[key] = (value, size)
        self.nbytes += size
        while self.nbytes > self.budget_bytes:
            _, (_, old) = self._items.popitem(last=False)
            self.nbytes -= old

    def pop(self, key: Hashable) -> V | None:
        item = self._items.pop(key, None)
        if item is None:
            return None
        self.nbytes -= item[1]
        return item[0]

    def discard_where(self, predicate: Callable[[Hashable], bool]) -> None:
        for key in [k for k in self._items if predicate(k)]:
            self.pop(key)

    def clear(self) -> None:
        self._items.clear()
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items
