"""A small thread-safe least-recently-used memo, shared by every in-memory cache.

Compiled graphs, travel contexts, road geometries, snapping grids, snaps, off-road contexts
and scenario travel tables are each kept in one of these: at most ``size`` entries, the
least recently used dropped first. Values are built outside the lock (two threads asking
for the same missing key may both build it; the second ``put`` wins), so a slow build never
blocks readers of other keys.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

__all__ = ["LruMemo"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruMemo(Generic[K, V]):
    """At most ``size`` values by key, the least recently used dropped first.

    Parameters
    ----------
    size
        Most entries kept (>= 1).

    Examples
    --------
    >>> memo: LruMemo[str, int] = LruMemo(2)
    >>> memo.get_or_build("a", lambda: 1), memo.get_or_build("b", lambda: 2)
    (1, 2)
    >>> memo.get("a")  # "a" is now the most recently used
    1
    >>> memo.put("c", 3)
    3
    >>> sorted(memo.keys())  # "b" was dropped
    ['a', 'c']
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"an LruMemo holds at least one entry, not {size}")
        self.size = int(size)
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The value of ``key`` (marked as most recently used), or None."""
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: K, value: V) -> V:
        """Keep ``value`` under ``key``, dropping the least recently used beyond ``size``."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def get_or_build(self, key: K, build: Callable[[], V]) -> V:
        """The value of ``key``; built by ``build()`` (outside the lock) and kept if missing."""
        hit = self.get(key)
        return hit if hit is not None else self.put(key, build())

    def pop(self, key: K) -> V | None:
        """Drop ``key``; its value, or None."""
        with self._lock:
            return self._items.pop(key, None)

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._items.clear()

    def keys(self) -> list[K]:
        """The keys, least recently used first (a copy)."""
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        """How many entries are kept."""
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[K]:
        """The keys, least recently used first (over a copy)."""
        return iter(self.keys())
