"""A least-recently-used cache: the bounded memory of the encoder and the store.

News repeats itself, so the same sentences, articles and sketches come back within a
short while; keeping the last ``maxsize`` of them, and dropping the one used longest
ago first, keeps the hits at bounded memory.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """The ``maxsize`` most recently stored or read entries; the least recent goes first.

    ``get`` and ``put`` are O(1). Not locked: callers sharing one between threads hold
    their own lock around it.
    """

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be >= 1, got {maxsize}")
        self.maxsize = maxsize
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value of ``key`` (now the most recent entry), or None."""
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Store ``value`` as the most recent entry, dropping the oldest beyond maxsize."""
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)
