"""A least-recently-used cache of drawn surfaces, bounded by count and, if asked, by bytes.

Two users: the text renderer (glyph rasterising is the costly part on a Pi) and the
finished navigation bar (hmi/chrome.py). Surfaces vary from a few KB to a few hundred,
so a count alone does not bound the memory.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Generic, Hashable, Iterator, Optional, TypeVar

V = TypeVar("V")


class LruCache(Generic[V]):
    def __init__(self, max_entries: int, max_bytes: Optional[int] = None,
                 size_of: Callable[[V], int] = lambda _v: 0):
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._size_of = size_of
        #: What size_of says the values held now take.
        self.bytes = 0

    def get(self, key: Hashable) -> Optional[V]:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Hashable, value: V) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= self._size_of(old)
        self._items[key] = value
        self.bytes += self._size_of(value)
        # The newest stays even alone over the byte bound: it is about to be drawn.
        while len(self._items) > self._max_entries or (
                self._max_bytes is not None and self.bytes > self._max_bytes
                and len(self._items) > 1):
            self.bytes -= self._size_of(self._items.popitem(last=False)[1])

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def values(self) -> Iterator[V]:
        return iter(self._items.values())
